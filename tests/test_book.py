"""The figure notes under each chart (src/book/figure_notes.py): the data table's markup, and one annotated table per edition."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from src.base import i18n
from src.book import figure_notes, glue, text
from src.charts import builders as charts
from src.data.package import load_survey

from conftest import REPO

SURVEY = load_survey(REPO / "data")


@pytest.fixture(autouse=True)
def package_translations():
    """The data package's translations, as a chapter installs them (glue.open_survey); the previous ones after."""
    saved = {lang: dict(table) for lang, table in i18n._translations.items()}
    glue.open_survey(REPO / "data")
    yield
    i18n.use_translations(saved)


def notes_soup(number: int, lang: str) -> BeautifulSoup:
    """The data table under figure ``number`` with the notes below it, as edition ``lang`` shows them."""
    table = charts.annotate_cells(SURVEY.table(number), SURVEY.resource(number), lang)
    return BeautifulSoup(figure_notes.data_table_html(table, figure_notes._table_footnotes(table), lang), "html.parser")


def cells(table) -> list[list]:
    return [row.find_all("td") for row in table.select("tbody tr")]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_figure_data_table_is_laid_out_as_cards_like_the_appendix_tables(lang):
    table = notes_soup(13, lang).select_one("div.table-wrapper > table.figure-data")
    assert {"audit-table", "figure-data"} <= set(table["class"]) and table["role"] == "table"
    headings = [th.get_text() for th in table.select("thead th")]
    for row in cells(table):
        assert [td["data-label"] for td in row] == headings        # each cell names its column (a phone's card)
        assert all(td["role"] == "cell" for td in row)


def test_english_figure_data_table_gives_each_label_its_japanese_original():
    table = notes_soup(13, "en").select_one("table.figure-data")
    data = SURVEY.table(13)
    headings = [th.get_text() for th in table.select("thead th")]
    assert headings[:4] == ["Series", "Series (original)", "Answer", "Answer (original)"]
    assert "Rating" not in headings                                 # an empty column is dropped
    rows = cells(table)
    assert [r[1].get_text() for r in rows] == data["series"].tolist()
    assert [r[3].get_text() for r in rows] == data["item"].tolist()
    assert [r[2].get_text() for r in rows] == [i18n.tr(v, "en") for v in data["item"]]
    assert all(r[1].get("lang") == "ja" and r[3].get("lang") == "ja" and r[2].get("lang") is None for r in rows)


@pytest.mark.parametrize("lang, unknown, marker", [("ja", "不明", "※不明："), ("en", "unknown", "※unknown: ")])
def test_unknown_values_read_as_unknown_with_the_note_below_the_table(lang, unknown, marker):
    soup = notes_soup(13, lang)
    table = soup.select_one("table.figure-data")
    headings = [th.get_text() for th in table.select("thead th")]
    share, note = headings.index(figure_notes._TABLE_COLUMNS[lang]["percent"]), headings.index(figure_notes._TABLE_COLUMNS[lang]["note"])
    missing = SURVEY.table(13)["percent"].isna().tolist()
    rows = cells(table)
    assert [r[share].get_text() == unknown for r in rows] == missing
    assert [r[note].get_text() == f"{unknown}※" for r in rows] == missing
    assert [p.get_text() for p in soup.select("p.table-note")][0].startswith(marker)


def test_counts_are_formatted_and_an_empty_series_column_is_dropped():
    table = notes_soup(1, "ja").select_one("table.figure-data")
    headings = [th.get_text() for th in table.select("thead th")]
    assert "系列" not in headings and "評価" not in headings
    counts = [r[headings.index("回答数")].get_text() for r in cells(table)]
    assert counts == [text.fmt_count(c) for c in SURVEY.table(1)["count"]]


def test_labels_are_escaped_in_the_figure_data_table():
    table = SURVEY.table(1).assign(note="")
    table.loc[0, "item"] = "<script>alert(1)</script>"
    html = figure_notes.data_table_html(table, ["<b>note</b>"], "en")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;note&lt;/b&gt;" in html


def test_show_figure_annotates_each_editions_table_once(monkeypatch):
    calls = []
    annotate = charts.annotate_cells
    monkeypatch.setattr(charts, "annotate_cells", lambda table, res, lang="ja": calls.append(lang) or
                        annotate(table, res, lang))
    for module in (figure_notes, text):                                       # no kernel to display into
        monkeypatch.setattr(module, "glue_editions", lambda name, values: None)
    shown = figure_notes.show_figure(SURVEY, 16)
    assert sorted(calls) == sorted(i18n.EDITIONS)
    for lang in i18n.EDITIONS:
        assert "figure-data" in shown[lang].data


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_chart_from_the_annotated_table_given_is_the_chart_computed_alone(lang):
    table = charts.annotated_table(SURVEY, 16, lang)
    before = table.copy()
    assert charts.figure_chart(SURVEY, 16, lang, table=table).to_dict() == charts.figure_chart(SURVEY, 16, lang).to_dict()
    assert table.equals(before)          # shared with the data table: the chart must not change it


def test_a_figure_without_values_has_no_annotated_table():
    unpublished = next(n for n, res in SURVEY.resources.items() if not res.published)
    assert charts.annotated_table(SURVEY, unpublished) is None
    assert isinstance(charts.figure_chart(SURVEY, unpublished), charts.NotPublished)
