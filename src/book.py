"""Helpers the chapters call: open the data, glue computed numbers into the prose, show figures.

A chapter's hidden set-up cell does ``from src.book import *``; everything it needs is
named in ``__all__``.  Numbers in the prose are never typed: they are computed here
from the data and inserted with myst-nb ``glue`` (``{glue:text}`name```).
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from myst_nb import glue

from . import render
from .datapkg import Survey, load_survey, round_half_up

__all__ = ["glue", "open_survey", "glue_percent", "glue_count", "glue_text", "fmt_percent", "fmt_count", "share", "first", "show_figure", "figure_caption"]


def open_survey(data_dir: str | Path) -> Survey:
    """Open the data directory a chapter was given and prepare chart display."""
    render.enable_renderer()
    return load_survey(data_dir)


def fmt_percent(value: float | Decimal) -> str:
    """A percentage as the report prints it: one decimal, half-up, with ％."""
    return f"{round_half_up(value)}％"


def fmt_count(value: int) -> str:
    """A count with a thousands separator."""
    return f"{int(value):,}"


class PlainText:
    """Text whose plain representation is itself (a glued ``str`` would show its quotes)."""

    def __init__(self, text: str):
        self.text = str(text)

    def __repr__(self) -> str:
        return self.text

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.text)


def glue_text(name: str, text: str) -> str:
    """Glue plain text (an answer label, a date) for ``{glue:text}``; returns it for reuse.

    Glued text is inserted as a text node, never parsed as markup, so labels from
    the data cannot inject HTML into the page.
    """
    glue(name, PlainText(text), display=False)
    return str(text)


def glue_percent(name: str, value: float | Decimal) -> str:
    """Glue a percentage formatted like the report (``13.9％``)."""
    return glue_text(name, fmt_percent(value))


def glue_count(name: str, value: int) -> str:
    """Glue a count with a thousands separator (``1,082``)."""
    return glue_text(name, fmt_count(value))


def share(part: int, whole: int) -> Decimal:
    """part/whole as a percentage (exact; round only when formatting)."""
    return Decimal(int(part)) * 100 / Decimal(int(whole))


def first(rows: Any, column: str = "percent") -> Any:
    """The row with the largest ``column`` (ties: the first in report order)."""
    return rows.loc[rows[column].astype(float).idxmax()]


# --------------------------------------------------------------------------- figures

_TABLE_COLUMNS = {"series": "系列", "item": "選択肢", "level": "評価", "count": "回答数", "n": "n", "percent": "割合（％）"}
_BUILDER_ANCHOR = {"share": "share-chart", "bars": "bars-chart", "paired": "paired-chart", "rating": "rating-chart"}


def figure_caption(survey: Survey, number: int) -> str:
    """「概要図表N タイトル（注記）」 from the data package."""
    res = survey.resource(number)
    return f"概要図表{number} {res.title}{res.meta.get('caption_parenthetical', '')}"


def data_table_html(table) -> str:
    """The figure's rows as an escaped HTML table (empty columns dropped)."""
    shown = table.rename(columns=_TABLE_COLUMNS)
    shown = shown[[c for c in shown.columns if shown[c].astype(str).replace({"": None, "<NA>": None}).notna().any()]]
    return shown.to_html(index=False, escape=True, na_rep="—", classes="figure-data", border=0)


def _figure_notes_html(survey: Survey, number: int, chart) -> str:
    from html import escape

    from .charts import NotPublished
    from .figures import figure_spec

    spec = figure_spec(number)
    stem = f"fig{number:02d}"
    parts = []
    if isinstance(chart, NotPublished):
        res = survey.resource(number)
        parts.append(
            '<div class="admonition note not-published-howto"><p class="admonition-title">表を用意すると描画されます</p>'
            f"<p><code>{escape(stem)}.csv</code>（列：<code>series,item,level,count,n,percent</code>）をデータディレクトリに置き、"
            f"<code>datapackage.json</code> の資源 <code>{escape(res.name)}</code> の <code>\"data\": []</code> を "
            f"<code>\"path\": \"{escape(stem)}.csv\"</code> に置き換えて再ビルドしてください（data/README.md）。</p></div>")
    else:
        parts.append(f'<details class="figure-data"><summary>データ表（概要図表{number}）</summary>'
                     f"{data_table_html(survey.table(number))}</details>")
        parts.append('<p class="figure-downloads">ダウンロード：'
                     f'<a href="../_static/figures/{stem}.csv" download>CSV</a> ・ '
                     f'<a href="../_static/figures/{stem}.svg" download>SVG</a> ・ '
                     f'<a href="../_static/figures/{stem}.png" download>PNG</a> ・ '
                     f'描画コード：<a href="code.html#{_BUILDER_ANCHOR[spec.kind]}">src/charts.py</a></p>')
    return "\n".join(parts)


def show_figure(survey: Survey, number: int):
    """Glue figure ``number`` (chart, or a 'not published' note) and its caption; show its data and downloads.

    The chapter places the glued figure with ``{glue:figure} figNN`` and ``:name: fig-NN``.
    """
    from IPython.display import HTML

    from .charts import figure_chart

    chart = figure_chart(survey, number)
    stem = f"fig{number:02d}"
    glue(stem, chart, display=False)
    glue_text(f"{stem}_caption", figure_caption(survey, number))
    return HTML(_figure_notes_html(survey, number, chart))
