"""Downloads that work everywhere: an SVG that draws the same without Japanese fonts, CSVs for Excel."""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from bs4 import BeautifulSoup

from src.base import i18n
from src.charts import builders, export, svgfont
from src.data.figures import REGISTRY
from src.data.package import load_survey

from browser import CHROMIUM_ARGS, chromium_path, file_url
from conftest import REPO

if TYPE_CHECKING:
    import nbformat

#: A fontconfig that offers one Latin-only font and nothing else: a machine without Japanese fonts.
#: (Chromium cannot draw even web fonts when fontconfig offers no font at all.)
LATIN_ONLY_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{fonts}</dir><cachedir>{cache}</cachedir></fontconfig>
"""


def write_latin_only_font(path) -> None:
    """ASCII glyphs of the bundled font under another family name, so no CJK glyph is installed."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(export.font_dir() / export.FONT_FILE))
    subsetter = subset.Subsetter(subset.Options())
    subsetter.populate(text="".join(chr(c) for c in range(0x20, 0x7f)))
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = "Latin Only"
        elif record.nameID == 6:
            record.string = "LatinOnly-Regular"
    font.save(str(path))

#: Width of each drawn text of the SVG page, in document order.
TEXT_WIDTHS = """() => [...document.querySelectorAll('text')].filter(t => t.textContent.trim())
  .map(t => [t.textContent, parseFloat(getComputedStyle(t).fontSize), t.getComputedTextLength()])"""

#: The same strings drawn in the bundled Noto Sans JP, loaded by the page itself (the reference).
REFERENCE_WIDTHS = """async ([font, texts]) => {
  const face = new FontFace('Reference', `url(${font})`);
  document.fonts.add(await face.load());
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  document.body.append(svg);
  return texts.map(([text, size]) => {
    const t = document.createElementNS('http://www.w3.org/2000/svg', 'text');
    t.setAttribute('font-family', 'Reference'); t.setAttribute('font-size', size + 'px');
    t.textContent = text; svg.append(t);
    return t.getComputedTextLength();
  });
}"""


@pytest.fixture(scope="module")
def fontless_browser(playwright_driver, tmp_path_factory):
    """Chromium started with a fontconfig that offers no Japanese font (FONTCONFIG_FILE, for that process only)."""
    conf_dir = tmp_path_factory.mktemp("latin-only-fonts")
    (conf_dir / "fonts").mkdir()
    write_latin_only_font(conf_dir / "fonts" / "LatinOnly-Regular.otf")
    conf = conf_dir / "fonts.conf"
    conf.write_text(LATIN_ONLY_CONF.format(fonts=conf_dir / "fonts", cache=conf_dir / "cache"), encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    b = playwright_driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, env=env)
    yield b
    b.close()


def drawn_widths(browser, svg_path) -> list:
    page = browser.new_page()
    page.goto(file_url(svg_path))
    page.evaluate("document.fonts.ready.then(() => true)")
    widths = page.evaluate(TEXT_WIDTHS)
    page.close()
    return widths


def reference_widths(browser, texts: list, work) -> list[float]:
    """Widths of ``texts`` in the bundled font, measured on a page of ``work`` that loads it."""
    font = work / export.FONT_FILE
    font.write_bytes((export.font_dir() / export.FONT_FILE).read_bytes())
    (work / "ref.html").write_text("<!doctype html><body></body>", encoding="utf-8")
    page = browser.new_page()
    page.goto(file_url(work / "ref.html"))
    widths = page.evaluate(REFERENCE_WIDTHS, [font.name, [[t, s] for t, s, _ in texts]])
    page.close()
    return widths


def test_svg_download_draws_its_japanese_text_without_system_fonts(fontless_browser, clean_build, tmp_path):
    svg_path = clean_build.html / "_static" / "figures" / "fig16.svg"
    svg = svg_path.read_text(encoding="utf-8")
    assert "@font-face" in svg and "data:font/woff;base64," in svg
    assert not re.search(r'(?:href|src)\s*=\s*"(?!#|data:)', svg)       # nothing fetched from elsewhere
    drawn = drawn_widths(fontless_browser, svg_path)
    assert any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", t) for t, _, _ in drawn)
    expected = reference_widths(fontless_browser, drawn, tmp_path)
    for (text, size, width), want in zip(drawn, expected):
        assert width == pytest.approx(want, abs=0.5), text
    # control: without its embedded font the same SVG draws other widths on this machine
    stripped = tmp_path / "stripped.svg"
    stripped.write_text(re.sub(r"<defs><style>@font-face.*?</style></defs>", "", svg, flags=re.S), encoding="utf-8")
    fallback = drawn_widths(fontless_browser, stripped)
    assert any(abs(w - want) > 0.5 for (_, _, w), want in zip(fallback, expected))


@pytest.mark.parametrize("number", [n for n in REGISTRY if n in (1, 16)])
def test_published_figure_csv_opens_in_japanese_excel(clean_build, number):
    """UTF-8 with a BOM: Excel on Japanese Windows reads it as UTF-8, not Shift_JIS; data/ stays as it is."""
    published = (clean_build.html / "_static" / "figures" / f"fig{number:02d}.csv").read_bytes()
    source = (clean_build.data_dir / f"fig{number:02d}.csv").read_bytes()
    assert published.startswith(b"\xef\xbb\xbf")
    assert published.count(b"\xef\xbb\xbf") == 1
    assert published.removeprefix(b"\xef\xbb\xbf") == source.removeprefix(b"\xef\xbb\xbf")


# --------------------------------------------------------------------------- one download set per edition

def glued_output(spec: dict, edition: str | None) -> dict:
    """A chart output as i18n.glue_editions leaves it in the executed notebook (untagged: as before issue 15)."""
    import nbformat

    metadata = {"scrapbook": {"name": "fig", "mime_prefix": "application/papermill.record/"}}
    if edition:
        metadata[i18n.EDITION_KEY] = edition
    return nbformat.v4.new_output("display_data", data={"application/papermill.record/" + export.MIME_VEGALITE: spec},
                                  metadata=metadata)


def notebook(*outputs) -> "nbformat.NotebookNode":
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("show_figure(survey, 16)", outputs=list(outputs)))
    return nb


@pytest.fixture
def english_labels():
    """Translations of every label of figures 13 and 16 except one item (which must stay Japanese)."""
    survey = load_survey(REPO / "data")
    labels = {}
    for number in (13, 16):
        table = survey.table(number)
        for text in [*table["series"], *table["item"], *table["level"], *survey.resource(number).levels,
                     *(cell["rule"] for cell in survey.resource(number).derived_cells)]:
            if text and i18n.has_japanese(text):
                labels.setdefault(text, f"English {len(labels)}")
    untranslated = table["item"].iloc[-1]
    del labels[untranslated]
    i18n.use_translations({"en": labels})
    yield survey, labels, untranslated
    i18n.use_translations({})


def test_export_writes_the_english_files_under_en_and_leaves_the_japanese_ones_as_they_were(english_labels, tmp_path):
    survey, labels, untranslated = english_labels
    ja, en = (builders.figure_chart(survey, 16, lang).to_dict() for lang in ("ja", "en"))
    both = tmp_path / "both"
    written = export.export_figures(notebook(glued_output(ja, "ja"), glued_output(en, "en")), both, REPO / "data",
                                    translations={"en": labels})
    assert sorted(p.relative_to(both).as_posix() for p in written) == [
        "en/fig16.csv", "en/fig16.png", "en/fig16.svg", "fig16.csv", "fig16.png", "fig16.svg"]
    # Japanese: the same files as a notebook from before the English edition (untagged output) gives
    before = tmp_path / "before"
    export.export_figures(notebook(glued_output(ja, None)), before, REPO / "data")
    for name in ("fig16.csv", "fig16.svg", "fig16.png"):
        assert (both / name).read_bytes() == (before / name).read_bytes(), name
    assert (both / "fig16.csv").read_bytes() == export.UTF8_BOM + (REPO / "data" / "fig16.csv").read_bytes()
    # English CSV: the English labels, the same numbers, the original labels beside them
    raw = (both / "en" / "fig16.csv").read_bytes()
    assert raw.startswith(export.UTF8_BOM) and raw.count(export.UTF8_BOM) == 1
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    source = list(csv.DictReader(io.StringIO((REPO / "data" / "fig16.csv").read_text(encoding="utf-8"), newline="")))
    assert list(rows[0]) == ["series", "item", "level", "count", "n", "percent", "series_ja", "item_ja", "level_ja"]
    assert len(rows) == len(source)
    for row, original in zip(rows, source):
        assert [row[c] for c in ("count", "n", "percent")] == [original[c] for c in ("count", "n", "percent")]
        assert [row[f"{c}_ja"] for c in ("series", "item", "level")] == [original[c] for c in ("series", "item", "level")]
        assert row["level"] == labels[original["level"]]
        assert row["item"] == labels.get(original["item"], original["item"])
    assert {r["item"] for r in rows if i18n.has_japanese(r["item"])} == {untranslated}      # the fallback, only
    # English SVG: drawn with the export's font, its text and aria-label in English
    svg = (both / "en" / "fig16.svg").read_text(encoding="utf-8")
    assert "@font-face" in svg and "data:font/woff;base64," in svg
    drawn = ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{svgfont.SVG_NS}text")]
    n_of = {row["item"]: row["n"] for row in source}
    assert labels[source[0]["level"]] in drawn and f"{labels[source[0]['item']]} (n={source[0]['n']})" in drawn
    assert any(t.startswith("Share (%)") for t in drawn)
    assert [t for t in drawn if i18n.has_japanese(t)] == [f"{untranslated} (n={n_of[untranslated]})"]  # the fallback
    # what a screen reader reads out: each mark's label in English, without the original Japanese labels
    aria = re.findall(r'aria-label="([^"]*)"', svg)
    assert any(a.startswith("Answer: English ") and "; Rating: English " in a for a in aria)
    assert [a for a in aria if i18n.has_japanese(a) and untranslated not in a] == []


def test_english_csv_keeps_series_and_neutralises_labels_a_spreadsheet_would_run(english_labels):
    survey, labels, _ = english_labels
    first = survey.table(13)["item"].iloc[0]
    i18n.use_translations({"en": {**labels, first: "=HYPERLINK(\"http://example.com\")"}})
    rows = list(csv.DictReader(io.StringIO(
        export.figure_csv(REPO / "data", survey.resource(13), "en").decode("utf-8-sig"), newline="")))
    assert rows[0]["item"] == "'=HYPERLINK(\"http://example.com\")" and rows[0]["item_ja"] == first
    assert {r["series"] for r in rows} == {labels[s] for s in survey.table(13)["series"]}
    assert {r["series_ja"] for r in rows} == set(survey.table(13)["series"])
    # the Japanese download is still the data file itself
    assert export.figure_csv(REPO / "data", survey.resource(13)) == (
        export.UTF8_BOM + (REPO / "data" / "fig13.csv").read_bytes())


@pytest.fixture
def package_translations():
    """The data package with its own translations installed (as a chapter has them); the previous ones after."""
    survey = load_survey(REPO / "data")
    saved = {lang: dict(table) for lang, table in i18n._translations.items()}
    i18n.use_translations(survey.translations)
    yield survey
    i18n.use_translations(saved)


@pytest.mark.parametrize("number", [n for n, r in sorted(load_survey(REPO / "data").resources.items()) if r.published])
def test_english_csv_labels_are_the_english_charts(package_translations, number):
    """The CSV translates with i18n.tr itself: its labels must stay those the English chart shows, row by row."""
    survey = package_translations
    rows = list(csv.DictReader(io.StringIO(
        export.figure_csv(REPO / "data", survey.resource(number), "en").decode("utf-8-sig"), newline="")))
    labels = ("series", "item", "level")
    shown = {tuple(r[f"{c}_ja"] or "" for c in labels): tuple(r[c] or "" for c in labels)
             for r in spec_rows(builders.figure_chart(survey, number, "en").to_dict())}
    assert [tuple(r[c] for c in labels) for r in rows] == [shown[tuple(r[f"{c}_ja"] for c in labels)] for r in rows]
    assert any(r["item"] != r["item_ja"] for r in rows)       # translated, not copied


def test_export_translates_the_csv_with_the_package_translations_in_a_process_without_any(package_translations,
                                                                                          tmp_path):
    """The build exports in its own process, which never opened the survey: no translations are installed there."""
    survey = package_translations
    en = builders.figure_chart(survey, 13, "en").to_dict()
    i18n.use_translations({})
    export.export_figures(notebook(glued_output(en, "en")), tmp_path, REPO / "data")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "en" / "fig13.csv").read_text(encoding="utf-8-sig"), newline="")))
    expected = survey.translations["en"]
    assert [r["item"] for r in rows] == [expected.get(r["item_ja"], r["item_ja"]) for r in rows]
    assert any(r["item"] != r["item_ja"] for r in rows) and i18n._translations == {}     # and left as it was


def spec_rows(spec: dict) -> list[dict]:
    """The rows of a chart's main dataset (the one that carries the figure's items and their originals)."""
    return max((rows for rows in spec.get("datasets", {}).values() if rows and "item_ja" in rows[0]), key=len)


def listed_checksums(page: Path) -> list[dict[str, str]]:
    """The rows of each checksum table on the 再現方法 page: one dict (file → sha256) per table."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    target = soup.find(id="reproduce-checksums")
    assert target is not None, "the page has no checksum section"
    section = target if target.name == "section" else target.find_parent("section")
    tables = []
    for table in section.select("table"):
        cells = [[td.get_text(strip=True) for td in tr.select("td")] for tr in table.select("tbody tr")]
        tables.append({row[0]: row[-1] for row in cells})
    return tables


@pytest.mark.parametrize("edition", ["", "en"])
def test_reproduce_page_lists_the_checksums_of_data_files_and_of_figure_downloads_separately(clean_build, edition):
    site = clean_build.html / edition
    data, figures = listed_checksums(site / "chapters" / "reproduce.html")

    def published(folder: str) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted((site / "_static" / folder).iterdir()) if p.is_file()}

    assert data == published("data") and "datapackage.json" in data
    assert figures == published("figures") and {"fig15.csv", "fig15.svg", "fig15.png"} <= set(figures)
