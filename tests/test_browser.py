"""The built site in headless Chromium: every chart draws, no console error, nothing fetched from elsewhere."""
from __future__ import annotations

import pytest

from src.build.plan import toc_chapters
from src.data.figures import REGISTRY
from src.data.package import load_survey

from browser import file_url, open_page
from conftest import REPO

CHAPTERS = toc_chapters(REPO)


def expected_charts(build, docname: str) -> int:
    survey = load_survey(build.data_dir)
    drawn = [n for n, spec in REGISTRY.items() if spec.chapter == docname and survey.table(n) is not None]
    return len(drawn) + (1 if docname == "chapters/index" else 0)   # the landing page repeats figure 1


@pytest.mark.parametrize("docname", CHAPTERS)
def test_page_draws_every_chart_offline_without_errors(browser, clean_build, docname):
    page, visit = open_page(browser, file_url(clean_build.html / f"{docname}.html"))
    expected = expected_charts(clean_build, docname)
    if expected:
        page.wait_for_function(f"document.querySelectorAll('.vega-chart svg').length >= {expected}", timeout=30000)
    charts = page.eval_on_selector_all(
        ".vega-chart", "els => els.map(e => ({label: e.getAttribute('aria-label'),"
                       " marks: e.querySelectorAll('svg path, svg rect').length,"
                       " texts: e.querySelectorAll('svg text').length}))")
    assert len(charts) == expected
    for chart in charts:
        assert chart["marks"] > 3 and chart["texts"] > 3, chart
        assert chart["label"], "the chart's description is its accessible name"
    page.wait_for_timeout(200)
    assert visit.console_errors == []
    assert visit.foreign_requests == []


#: Geometry of every chart on the page: its box, what it drew, its texts (with font size) and bars.
CHART_GEOMETRY = """() => {
  const r = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  return [...document.querySelectorAll('.vega-chart')].map(box => {
    const svg = box.querySelector('svg');
    const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => ({
      text: t.textContent, rect: r(t), size: parseFloat(getComputedStyle(t).fontSize),
      legend: !!t.closest('.role-legend'), value: !!t.closest('.role-mark.mark-text')}));
    return {label: box.getAttribute('aria-label'), box: r(box), scrolls: box.scrollWidth > box.clientWidth + 1,
            drawn: r(svg.querySelector('g')), texts,
            bars: [...svg.querySelectorAll('.mark-rect path')].map(r)};
  });
}"""


def inside(inner, outer, slack: float = 1.0) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def centre_in(rect, bar) -> bool:
    x, y = (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2
    return bar[0] <= x <= bar[2] and bar[1] <= y <= bar[3]


@pytest.mark.parametrize("width", [390, 768, 1280])
def test_every_chart_fits_its_column_with_readable_text(browser, clean_build, width):
    """Issue 10: no sideways scrolling, nothing drawn outside the chart's box, legend on screen,
    text >= 11 px, value labels inside the segment they sit on (changed: charts used to scroll
    sideways on a phone)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    checked = 0
    for docname in CHAPTERS:
        expected = expected_charts(clean_build, docname)
        if not expected:
            continue
        page.goto(file_url(clean_build.html / f"{docname}.html"))
        page.wait_for_function(f"document.querySelectorAll('.vega-chart svg').length >= {expected}", timeout=30000)
        page.evaluate("document.fonts.ready")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, docname
        for chart in page.evaluate(CHART_GEOMETRY):
            where = f"{docname} at {width} px: {chart['label'][:30]}"
            assert not chart["scrolls"], where
            assert inside(chart["drawn"], chart["box"]), (where, chart["drawn"], chart["box"])
            for text in chart["texts"]:
                assert inside(text["rect"], chart["box"]), (where, text)
                assert text["size"] >= 11, (where, text)
                if text["legend"]:
                    assert 0 <= text["rect"][0] and text["rect"][2] <= width, (where, text)
                if text["value"]:
                    on = [bar for bar in chart["bars"] if centre_in(text["rect"], bar)]
                    assert all(inside(text["rect"], bar, slack=0.5) for bar in on), (where, text, on)
            checked += 1
    context.close()
    assert checked >= 9



def test_charts_follow_a_resize_to_the_narrowest_phone(browser, clean_build):
    """A desktop page narrowed to 360 px (a rotated phone, a split window) redraws every chart to fit."""
    docname = "chapters/05_institutions"
    page, visit = open_page(browser, file_url(clean_build.html / f"{docname}.html"), width=1280)
    page.wait_for_function(f"document.querySelectorAll('.vega-chart svg').length >= "
                           f"{expected_charts(clean_build, docname)}", timeout=30000)
    page.set_viewport_size({"width": 360, "height": 900})
    page.wait_for_function("[...document.querySelectorAll('.vega-chart svg')].every(s => s.getAttribute('width') < 360)")
    page.wait_for_timeout(300)
    for chart in page.evaluate(CHART_GEOMETRY):
        assert not chart["scrolls"] and inside(chart["drawn"], chart["box"]), chart["label"]
        assert all(inside(t["rect"], chart["box"]) for t in chart["texts"]), chart["label"]


def pdf_pages_text(pdf: bytes) -> list[str]:
    """Each page's text, NFKC-normalised (PDF fonts map some kanji to compatibility code points)
    and without whitespace (table cells and labels wrap)."""
    import io
    import unicodedata

    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf)).pages
    return ["".join(unicodedata.normalize("NFKC", p.extract_text()).split()) for p in pages]


def squeeze(text: str) -> str:
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def test_printed_chapter_has_whole_figures_and_open_data_tables(browser, clean_build):
    """Print to PDF: figure 16 (chart, full legend, caption) on one page, its data table's rows printed."""
    from src.book.glue import figure_caption
    from src.data.shares import round_half_up

    survey = load_survey(clean_build.data_dir)
    table = survey.table(16)
    levels = survey.resource(16).meta.get("levels") or list(dict.fromkeys(table["level"]))
    page, visit = open_page(browser, file_url(clean_build.html / "chapters/05_institutions.html"))
    page.wait_for_function(f"document.querySelectorAll('.vega-chart svg').length >= "
                           f"{expected_charts(clean_build, 'chapters/05_institutions')}", timeout=30000)
    pages = pdf_pages_text(page.pdf(format="A4"))
    text = "".join(pages)
    caption = squeeze(figure_caption(survey, 16))
    with_figure = [p for p in pages if caption in p]
    assert len(with_figure) == 1, "figure 16's caption is printed once"
    figure_page = with_figure[0]
    assert squeeze(levels[-1]) in figure_page and squeeze(levels[0]) in figure_page   # the whole legend
    assert squeeze(table["item"].iloc[0])[:10] in figure_page                          # the first bar's label
    for row in table.itertuples():                                                     # the open data table
        assert squeeze(f"{row.level}{int(row.n)}{round_half_up(row.percent)}") in text, row
    for control in ("コードを表示", "ダウンロード：", "描画コード"):
        assert control not in text, control


#: Every cell of the appendix tables (folded ones opened): its width, font size and whether its text overflows.
TABLE_CELLS = """() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  return [...document.querySelectorAll('table.audit-table th, table.audit-table td')]
    .filter(c => c.getClientRects().length)
    .map(c => ({text: c.textContent.slice(0, 20), width: c.getBoundingClientRect().width,
                em: parseFloat(getComputedStyle(c).fontSize), overflows: c.scrollWidth > c.clientWidth + 1}));
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_audit_page_is_readable(browser, clean_build, width):
    """検証: columns wrap, none is a character or two wide, nothing cut off; findings lead, rows folded."""
    page, visit = open_page(browser, file_url(clean_build.html / "chapters/audit.html"), width=width)
    findings = page.eval_on_selector_all(".audit-finding", "els => els.map(e => e.querySelector('p').textContent)")
    assert findings and page.locator(".audit-finding details.audit-rows").count() == len(findings)
    cells = page.evaluate(TABLE_CELLS)
    assert cells
    for cell in cells:
        assert cell["width"] >= 3 * cell["em"], cell
        assert not cell["overflows"], cell
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    wrappers = page.eval_on_selector_all(".table-wrapper", "els => els.map(e => e.scrollWidth - e.clientWidth)")
    assert max(wrappers) <= 1
