"""Downloads that work everywhere: an SVG that draws the same without Japanese fonts, CSVs for Excel."""
from __future__ import annotations

import os
import re

import pytest

from src import render
from src.figures import REGISTRY

from browser import CHROMIUM_ARGS, chromium_path, file_url

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

    font = TTFont(str(render.font_dir() / render.FONT_FILE))
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
    font = work / render.FONT_FILE
    font.write_bytes((render.font_dir() / render.FONT_FILE).read_bytes())
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
