"""The built site in headless Chromium: every chart draws, no console error, nothing fetched from elsewhere."""
from __future__ import annotations

import pytest

from src.datapkg import load_survey
from src.figures import REGISTRY
from src.execute import toc_chapters

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


def test_phone_width_keeps_chart_text_readable(browser, clean_build):
    page, visit = open_page(browser, file_url(clean_build.html / "chapters/05_institutions.html"), width=390)
    page.wait_for_function("document.querySelectorAll('.vega-chart svg').length >= 1", timeout=30000)
    # charts scroll sideways inside their box instead of shrinking their text or widening the page
    svg_width = page.eval_on_selector(".vega-chart svg", "s => s.getBoundingClientRect().width")
    box_width = page.eval_on_selector(".vega-chart", "d => d.getBoundingClientRect().width")
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert svg_width >= 400 and box_width <= 390 and page_width <= 390 + 1

