"""A figure on the page: its chart and caption glued for both editions, and under it the source line,
the data table (a card per row on phones) and the downloads.

The chapter places the glued figure with ``{glue:figure} figNN``; ``show_figure`` is the folded
cell under each figure.
"""
from __future__ import annotations

from typing import Any

from src.base.i18n import ORIGINAL_COLUMNS, SOURCE, Editions, aside, glue_editions, per_edition, tr
from src.book.appendix import table_markup
from src.book.site_paths import figure_href
from src.book.sources import report_series_html
from src.book.text import UNKNOWN, fmt_count, glue_by_edition, is_missing
from src.data.figures import figure_name, figure_spec
from src.data.package import Survey
from src.data.shares import round_half_up


#: Column headings of a figure's data table, per edition.
_TABLE_COLUMNS = {
    "ja": {"series": "系列", "item": "選択肢", "level": "評価", "count": "回答数", "n": "n", "percent": "割合（％）",
           "note": "注"},
    "en": {"series": "Series", "item": "Answer", "level": "Rating", "count": "Respondents", "n": "n",
           "percent": "Share (%)", "note": "Note"},
}


def figure_caption(survey: Survey, number: int, lang: str = "ja") -> str:
    """「概要図表N タイトル（注記）」 from the data package (English: translated title and note)."""
    res = survey.resource(number)
    if lang == "ja":
        return f"{figure_name(number)} {res.title}{res.caption_parenthetical}"
    note = tr(res.caption_parenthetical, lang)
    return f"{figure_name(number, lang)}: {tr(res.title, lang)}" + (f" {note}" if note else "")


def data_table_html(table, notes: list[str] | None = None, lang: str = "ja") -> str:
    """The figure's rows as an appendix table (escaped; a card per row on phones: ``appendix.table_markup``).

    Empty columns are dropped, unknown values shown as 不明 (English "unknown"), counts formatted, a
    note shown by its short marker; ``notes`` are listed below the table.  The English table gives
    each label in English and, beside it, the original Japanese (``lang="ja"``).
    """
    from html import escape

    shown = _table_cells(table, lang)
    headings = _TABLE_COLUMNS[lang]
    columns = {c: headings[c] for c in shown.columns if c in headings and shown[c].ne("").any()}
    originals = {c: shown[c] for c in ORIGINAL_COLUMNS if c in columns and lang != SOURCE}
    translated = shown.assign(**{c: [tr(v, lang) for v in shown[c]] for c in originals})
    html = table_markup(translated, columns, originals=originals, lang=lang, classes="figure-data")
    return html + "".join(f'<p class="table-note">{escape(n)}</p>' for n in notes or [])


def _table_cells(table, lang: str = "ja"):
    """The figure's rows as the text of their cells: percentages rounded (unknown: 不明), counts with separators,
    notes as their markers; a missing value is an empty cell."""
    import pandas as pd

    shown = table.copy()
    shown["percent"] = [UNKNOWN[lang] if pd.isna(v) else f"{round_half_up(v)}" for v in shown["percent"]]
    shown["count"] = ["" if pd.isna(v) else fmt_count(v) for v in shown["count"]]
    if "note" in shown:
        shown["note"] = [_short_note(v, lang) for v in shown["note"]]
    return shown.astype(object).map(lambda v: "" if is_missing(v) else str(v))


_NOTE_SEPARATOR = {"ja": "：", "en": ": "}     # charts.annotate_cells writes 「導出：rule」 / "derived: rule"


def _short_note(note: str, lang: str = "ja") -> str:
    """The table cell for a note: its marker (導出 or 不明 with ※); the rule goes below the table."""
    return "" if not note else note.split(_NOTE_SEPARATOR[lang], 1)[0] + "※"


def _table_footnotes(table) -> list[str]:
    """One footnote per distinct note of the table (「※導出：rule」, 「※不明：…」)."""
    return [f"※{note}" for note in dict.fromkeys(n for n in table.get("note", []) if n)]


_FIGURE_NOTE_TEXT = {
    "ja": {"source": "出典：{series}、{figure}。", "drawn": "グラフはこのサイトがデータから作成。",
           "table": "データ表（{figure}）", "downloads": "ダウンロード：", "sep": "・", "code": "描画コード"},
    "en": {"source": "Source: {series}, {figure}. ", "drawn": "Chart drawn by this site from the data.",
           "table": "Data table ({figure})", "downloads": "Download: ", "sep": " · ", "code": "code"},
}


def _figure_notes_html(survey: Survey, number: int, table, lang: str = "ja") -> str:
    """The source line under a figure; for a drawn one (``table``: its annotated table, None when not drawn)
    also its data table and downloads."""
    text = _FIGURE_NOTE_TEXT[lang]
    spec = figure_spec(number)
    source = text["source"].format(series=report_series_html(survey), figure=figure_name(number, lang))
    if table is None:
        return f'<p class="figure-source">{source.strip()}</p>'
    links = text["sep"].join(f'<a href="{figure_href(spec.file_name(ext))}" download>{ext.upper()}</a>'
                             for ext in ("csv", "svg", "png"))
    return "\n".join([
        f'<p class="figure-source">{source}{text["drawn"]}</p>',
        f'<details class="figure-data"><summary>{text["table"].format(figure=figure_name(number, lang))}</summary>'
        f"{data_table_html(table, _table_footnotes(table), lang)}</details>",
        f'<p class="figure-downloads">{text["downloads"]}{links}'
        + aside(f'<a href="code.html#{spec.code_anchor}">{text["code"]}</a>', lang) + "</p>"])


def glue_chart(name: str, survey: Survey, number: int, tables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Glue figure ``number``'s chart under ``name`` in each edition's language; returns lang → chart.

    ``tables``: lang → the figure's ``charts.annotated_table`` in that language, when the caller has them.
    """
    from src.charts.builders import figure_chart

    charts = per_edition(lambda lang: figure_chart(survey, number, lang=lang, table=(tables or {}).get(lang)))
    glue_editions(name, charts)
    return charts


def show_figure(survey: Survey, number: int) -> Editions:
    """Glue figure ``number`` (chart, or a 'not published' note) and its caption; show its data and downloads.

    The chapter places the glued figure with ``{glue:figure} figNN`` and ``:name: fig-NN``.
    """
    from IPython.display import HTML

    from src.charts.builders import annotated_table

    stem = figure_spec(number).stem
    # one annotated table per edition, for both the chart and the data table under it
    tables = per_edition(lambda lang: annotated_table(survey, number, lang))
    glue_chart(stem, survey, number, tables)
    glue_by_edition(f"{stem}_caption", lambda lang: figure_caption(survey, number, lang))
    return Editions({lang: HTML(_figure_notes_html(survey, number, table, lang)) for lang, table in tables.items()})
