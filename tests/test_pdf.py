"""The PDF edition (src/build/pdf.py): what it contains, read back with pypdf, and when the site links it.

One PDF per edition (Japanese, English) is printed per session, from a copy of the session's clean build.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from browser import file_url, open_page
from conftest import REPO, run_build
from src.base.i18n import has_japanese
from src.book import site_paths
from src.build import pdf as pdf_edition
from src.build.plan import toc_chapters
from src.build.pdf_record import fresh_pdf, fresh_pdfs
from src.data.figures import REGISTRY

A4_WIDTH, A4_HEIGHT = 595.28, 841.89      # points
PRINT_ROUNDING = 1.0                       # chromium rounds the paper to its pixel grid (595.92 × 842.88)
CHAPTERS = [name for name in toc_chapters(REPO) if name != "chapters/index"]


def run_pdf(build_dir: Path) -> subprocess.CompletedProcess:
    """``python -m src.build.pdf build`` exactly as ``make pdf`` runs it after the site."""
    return subprocess.run([sys.executable, "-m", "src.build.pdf", "build", "--build-dir", str(build_dir)], cwd=REPO,
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def printed(clean_build, tmp_path_factory) -> Path:
    """A copy of the session's clean build with its PDF printed and linked; returns the build directory."""
    build_dir = tmp_path_factory.mktemp("pdf") / "_build"
    shutil.copytree(clean_build.build_dir, build_dir, symlinks=True)
    proc = run_pdf(build_dir)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    return build_dir


def edition_pdf(build_dir: Path, lang: str) -> Path:
    return pdf_edition.pdf_dir(build_dir) / pdf_edition.PDF_NAMES[lang]


@pytest.fixture(scope="module")
def readers(printed) -> dict[str, PdfReader]:
    return {lang: PdfReader(edition_pdf(printed, lang)) for lang in pdf_edition.PDF_NAMES}


@pytest.fixture(scope="module")
def reader(readers) -> PdfReader:
    return readers["ja"]


@pytest.fixture(scope="module")
def reader_en(readers) -> PdfReader:
    return readers["en"]


@pytest.fixture(scope="module")
def text(reader) -> str:
    """The PDF's text with all white space removed (lines wrap anywhere in Japanese)."""
    return squeezed("".join(page.extract_text() for page in reader.pages))


#: A run of Japanese characters (what is compared, without the English punctuation around it).
JAPANESE_RUN = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60]+")


def squeezed(s: str) -> str:
    """Text without white space, apostrophes as one character (the font draws ’ and ' with one glyph,
    so text extracted from the PDF gives back ' for both)."""
    return re.sub(r"\s+", "", s).replace("’", "'")


def chapter_heading(docname: str, lang: str = "ja") -> str:
    """The H1 of a chapter source in edition ``lang`` (``# Ⅱ-1 国際産学連携の実施状況``, ``# II-1 Status of …``)."""
    source = (REPO / f"{docname}.md").read_text(encoding="utf-8")
    if lang != "ja":
        source = source.split(f'+++ {{"edition": "{lang}"}}', 1)[1]
    return re.search(r"^# (.+)$", source, re.M).group(1).strip()


def plain_quotes(s: str) -> str:
    """Sphinx prints the source's ' as ’."""
    return s.replace("\u2019", "'")


def figure_titles() -> dict[int, str]:
    package = json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))
    return {res["figure"]: res["title"] for res in package["resources"] if "figure" in res}


def test_every_chapter_heading_is_in_the_text_and_in_the_contents_page(reader, text):
    contents = squeezed(reader.pages[0].extract_text())
    assert "目次" in contents
    positions = []
    for docname in CHAPTERS:
        heading = squeezed(chapter_heading(docname))
        assert heading in text, heading
        assert heading in contents, f"{heading} is not in the table of contents"
        positions.append(contents.index(heading))
    assert positions == sorted(positions), "the contents list the chapters out of order"
    assert len(CHAPTERS) == 10 and contents.index("本編") < positions[0] and contents.index("付録") < positions[6]


def test_every_figure_caption_and_source_line_is_in_the_text(text):
    titles = figure_titles()
    assert sorted(titles) == sorted(REGISTRY)          # every figure of the registry, none typed here
    for number, title in titles.items():
        assert squeezed(f"概要図表{number} {title}") in text, number
        assert f"出典：NISTEPDISCUSSIONPAPERNo.145、概要図表{number}。" in text, number


def test_figure_16_is_drawn_with_its_last_legend_entry(reader):
    caption = squeezed(f"概要図表16 {figure_titles()[16]}")
    page = next(p.extract_text() for p in reader.pages if caption in squeezed(p.extract_text()))
    legend = [line.split() for line in page.splitlines() if line.split()[:1] == ["課題に感じない"]]
    assert legend and legend[0][-1] == "課題に感じる", "figure 16's legend (ending 課題に感じる) is not text on its page"


def test_each_figure_data_table_is_printed_open_beneath_it(text):
    for number in (1, 3, 4, 11, 12, 13, 14, 15, 16):
        assert f"データ表（概要図表{number}）" in text, number
    assert "選択肢回答数n割合（％）事務職員が担当する事務手続きが煩雑である9010486.5" in text   # figure 15's first row


def test_no_site_controls_in_the_pdf(text):
    for control in ("コードを表示", "コードを隠す", "ダウンロード：CSV", "（描画コード）", "本文へスキップ"):
        assert control not in text, control


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_numbers_print_plain_without_their_panels(readers, lang):
    """Issue 21 part 2: a number's panel (where it comes from) is no part of the printed text."""
    from src.book.provenance import _PANEL_TEXT

    text = squeezed("".join(page.extract_text() for page in readers[lang].pages))
    words = _PANEL_TEXT["ja" if lang == "ja" else "en"]
    assert squeezed("この設問に答えた784機関のうち" if lang == "ja" else "Ofthe784institutionsthatansweredthisquestion") in text
    for panel_text in (words["code"], words["name"].format("13.9％" if lang == "ja" else "13.9%"),
                       "(108+1)÷784"):
        assert squeezed(panel_text) not in text, panel_text


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_font_is_embedded_and_the_japanese_one_as_a_subset(readers, lang):
    reader = readers[lang]       # English text is set in Noto Sans JP too (it covers Latin)
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            fonts[id(font)] = font
    names = []
    for font in fonts.values():
        if font["/Subtype"] == "/Type3":
            # glyphs drawn by the PDF itself (chromium's synthetic bold): embedded by nature; must map to text
            assert "/CharProcs" in font and "/ToUnicode" in font
            continue
        descriptor = (font["/DescendantFonts"][0].get_object() if font["/Subtype"] == "/Type0" else font)
        descriptor = descriptor["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
        names.append(str(font["/BaseFont"]))
    assert any(re.fullmatch(r"/[A-Z]{6}\+NotoSansJP-Regular", n) for n in names), names


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_pages_are_a4_and_charts_are_vectors(readers, lang):
    reader = readers[lang]
    assert len(reader.pages) > 20
    for page in reader.pages:
        assert float(page.mediabox.width) <= A4_WIDTH + PRINT_ROUNDING
        assert float(page.mediabox.height) <= A4_HEIGHT + PRINT_ROUNDING
        xobjects = (page["/Resources"].get("/XObject") or {}).values()
        assert not [x for x in xobjects if x.get_object().get("/Subtype") == "/Image"], "a raster image in the PDF"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_page_numbers_in_the_footer(readers, lang):
    reader = readers[lang]
    total = len(reader.pages)
    for number in (1, total // 2, total):
        assert f"{number}/{total}" in squeezed(reader.pages[number - 1].extract_text())


def test_the_english_pdf_has_an_english_cover_and_contents(printed, reader_en):
    stage = printed / "stage-en"
    title = yaml.safe_load((stage / "_config.yml").read_text(encoding="utf-8"))["title"]
    cover = reader_en.pages[0].extract_text()
    assert not has_japanese(cover), cover
    contents, text = (plain_quotes(squeezed(t)) for t in (cover, "".join(p.extract_text() for p in reader_en.pages)))
    head = squeezed(title) + "PDFedition" + "Contents"
    assert contents.startswith(head), contents[:200]
    # each chapter's heading is looked for after the one before it: a heading can also stand inside the book's
    # title, which the list repeats for the landing page ("Data" in "…Rebuilt from Data")
    captions = yaml.safe_load((REPO / "chapters" / "editions.yml").read_text(encoding="utf-8"))["en"]["captions"]
    position = contents.find(squeezed(captions["本編"]), len(head))
    assert position > 0, "the contents have no caption for the report's chapters"
    for number, docname in enumerate(CHAPTERS):
        heading = squeezed(chapter_heading(docname, "en"))
        assert heading in text, heading
        if number == 6:
            position = contents.find(squeezed(captions["付録"]), position)
            assert position > 0, "the appendices are not listed under their caption, after the chapters"
        position = contents.find(heading, position)
        assert position > 0, f"{heading} is not in the table of contents, or not in the chapters' order"
    assert not has_japanese(reader_en.metadata.title), reader_en.metadata.title
    assert pdf_edition.read_record(printed, "en")["lang"] == "en"


def test_the_english_pdf_shows_japanese_only_where_the_pages_mark_an_original(printed, reader_en):
    """Every Japanese word of the English PDF is one the printed page marks as an original (``lang="ja"``)
    or quotes as code; the marked report title is one of them."""
    from bs4 import BeautifulSoup

    page = BeautifulSoup((pdf_edition.singlehtml_dir(printed, "en") / "_build" / "singlehtml" / pdf_edition.PAGE)
                         .read_text(encoding="utf-8"), "html.parser")
    assert page.html["lang"] == "en"
    allowed = "\n".join(squeezed(el.get_text()) for el in page.select('main [lang="ja"], main pre, main code'))
    assert "「アンケート調査から見た国内大学等による国際産学連携の現状」" in allowed
    unmarked = [(number, run) for number, p in enumerate(reader_en.pages, 1)
                for run in JAPANESE_RUN.findall(p.extract_text()) if run not in allowed]
    assert unmarked == []


@pytest.mark.parametrize("lang, page_path, label", [
    ("ja", "chapters/index.html", "PDF版（A4・{pages}ページ・{mb} MB）"),
    ("en", "en/chapters/index.html", "PDF edition (A4, {pages} pages, {mb} MB)"),
])
def test_site_carries_and_links_the_fresh_pdf(printed, browser, lang, page_path, label):
    site = printed / "html"
    record = pdf_edition.read_record(printed, lang)
    digest = json.loads((printed / "last-build.json").read_text(encoding="utf-8"))["stage_digest"]
    assert record["stage_digest"] == digest and os.readlink(site).endswith(digest + "-pdf")
    name = pdf_edition.PDF_NAMES[lang]
    page, visit = open_page(browser, file_url(site / page_path))
    link = page.locator("p.pdf-edition a.pdf-edition-link")
    assert link.count() == 1 and link.get_attribute("href") == f"../_static/pdf/{name}"
    shipped = (site / page_path).parent / link.get_attribute("href")     # en/_static/pdf/… for the English page
    assert shipped.read_bytes() == edition_pdf(printed, lang).read_bytes()
    assert link.inner_text() == label.format(pages=record["pages"], mb=f"{record['bytes'] / 1e6:.1f}")
    sentence = page.locator("p.pdf-edition").inner_text()
    assert has_japanese(sentence) == (lang == "ja"), sentence
    menu = page.locator(".dropdown-download-buttons a.pdf-edition-link")
    assert menu.count() == 1 and menu.get_attribute("href") == f"../_static/pdf/{name}"
    assert has_japanese(menu.text_content()) == (lang == "ja")
    assert not visit.console_errors and not visit.foreign_requests
    page.context.close()


def test_a_second_run_reprints_nothing(printed):
    pdfs = [edition_pdf(printed, lang) for lang in pdf_edition.PDF_NAMES]
    before = [pdf.stat().st_mtime_ns for pdf in pdfs], os.readlink(printed / "html")
    proc = run_pdf(printed)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("up to date") == 2, proc.stdout
    assert ([pdf.stat().st_mtime_ns for pdf in pdfs], os.readlink(printed / "html")) == before


def test_only_the_edition_whose_pages_changed_is_printed_again(printed, tmp_path):
    """As after a change to the English pages only: the site digest moved on, the Japanese stage did not."""
    build_dir = tmp_path / "_build"
    shutil.copytree(printed, build_dir, symlinks=True)
    digest = json.loads((build_dir / "last-build.json").read_text(encoding="utf-8"))["stage_digest"]
    for lang, changes in (("ja", {"stage_digest": "an-older-site"}),
                          ("en", {"stage_digest": "an-older-site", "edition_stage_digest": "other-pages"})):
        record = pdf_edition.read_record(build_dir, lang)
        (pdf_edition.pdf_dir(build_dir) / pdf_edition.record_name(lang)).write_text(json.dumps({**record, **changes}))
    assert fresh_pdfs(build_dir, digest) == {}
    ja, en = (edition_pdf(build_dir, lang) for lang in ("ja", "en"))
    before = ja.stat().st_mtime_ns, en.stat().st_mtime_ns
    proc = run_pdf(build_dir)
    assert proc.returncode == 0, proc.stderr
    assert "pdf (ja): up to date, its pages did not change" in proc.stdout and "pdf (en): printed" in proc.stdout
    assert ja.stat().st_mtime_ns == before[0] and en.stat().st_mtime_ns != before[1]
    assert set(fresh_pdfs(build_dir, digest)) == {"ja", "en"}


def test_neither_pdf_is_linked_unless_both_are_fresh(printed, tmp_path):
    build_dir = tmp_path / "_build"
    shutil.copytree(printed, build_dir, symlinks=True)
    digest = json.loads((build_dir / "last-build.json").read_text(encoding="utf-8"))["stage_digest"]
    assert set(fresh_pdfs(build_dir, digest)) == {"ja", "en"}
    with edition_pdf(build_dir, "en").open("ab") as pdf:     # replaced since it was recorded
        pdf.write(b"%")
    assert fresh_pdf(build_dir, digest, "en") is None and fresh_pdf(build_dir, digest, "ja") is not None
    assert fresh_pdfs(build_dir, digest) == {}


def test_a_stale_pdf_is_not_linked(printed, clean_build, tmp_path, browser):
    build_dir = tmp_path / "_build"
    shutil.copytree(printed, build_dir, symlinks=True)
    data = tmp_path / "data"
    shutil.copytree(clean_build.data_dir, data)
    csv = data / "fig15.csv"                   # customs paperwork: 57 → 70 of 104
    row = "（試作品のやりとりにおける通関手続きなど）が煩雑である,,57,104,54.8"
    csv.write_text(csv.read_text(encoding="utf-8").replace(row, row.replace(",57,104,54.8", ",70,104,67.3")),
                   encoding="utf-8")
    proc = run_build(data, build_dir)          # the site is rebuilt; `make pdf` is not run
    assert proc.returncode == 0, proc.stderr
    site = build_dir / "html"
    assert not os.readlink(site).endswith("-pdf")
    for lang, root in (("ja", site), ("en", site / "en")):
        assert pdf_edition.read_record(build_dir, lang)["stage_digest"] != json.loads(
            (build_dir / "last-build.json").read_text(encoding="utf-8"))["stage_digest"]
        assert not (root / site_paths.PDF / pdf_edition.PDF_NAMES[lang]).exists()
        assert "window.pdfEdition = null;" in (root / site_paths.PDF / pdf_edition.EDITION_JS).read_text()
        page, visit = open_page(browser, file_url(root / "chapters/index.html"))
        assert page.locator("h1").count() and page.locator(".pdf-edition-link").count() == 0
        assert not visit.console_errors
        page.context.close()


#: Fewest lines of text a page may hold, unless it is the last one (a page break left almost empty).
MIN_LINES_PER_PAGE = 3
#: The printer's page-number footer ("4 / 65"), which every page has and which is not the page's text.
PAGE_FOOTER = re.compile(r"^\s*\d+\s*/\s*\d+\s*$")


def near_empty_pages(pdf: PdfReader, minimum: int = MIN_LINES_PER_PAGE) -> dict[int, list[str]]:
    """Pages (1-based) before the last that hold fewer than ``minimum`` non-blank lines of text, with those lines."""
    thin = {}
    for number, page in enumerate(pdf.pages[:-1], start=1):
        lines = [line for line in (page.extract_text() or "").splitlines() if line.strip() and not PAGE_FOOTER.match(line)]
        if len(lines) < minimum:
            thin[number] = lines
    return thin


def test_the_near_empty_page_check_counts_lines(readers):
    # the check can fail: demanding more lines than any page holds flags every page but the last
    pdf = readers["ja"]
    assert len(near_empty_pages(pdf, minimum=10_000)) == len(pdf.pages) - 1


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_no_near_empty_page_before_the_last(readers, lang):
    thin = near_empty_pages(readers[lang])
    assert not thin, f"{lang} PDF: pages with under {MIN_LINES_PER_PAGE} lines: {thin}"
