"""Altair charts for the report's figures: one pure builder per chart kind, plus the figure dispatcher.

Every builder takes a figure table (the data contract of ``data/README.md``) and returns
an ``alt.Chart``; nothing is read from disk here.  Common to all charts: Japanese labels
wrapped (never truncated), percent labels on the marks, n shown, tooltips with item,
series/level, count, n and percent, a colour-blind-safe palette, no baked-in title (the
book's caption is the title), and a computed one-sentence ``description`` that becomes
the SVG's aria-label for screen readers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import altair as alt
import pandas as pd

from .datapkg import Resource, Survey
from .figures import BARS, PAIRED, RATING, SHARE, figure_spec, missing_values_text
from .render import FONT_FAMILY, enable_renderer
from .shares import fmt_percent, positive_levels, ranked

FONT = f'"{FONT_FAMILY}", "Hiragino Sans", "Yu Gothic", Meiryo, sans-serif'
LABEL_WIDTH = 20            # characters per line of a wrapped answer label
WIDTH = 420                 # plot width in px; labels take ~220 px more
BAR = 22                    # bar thickness (px per row)
#: Okabe–Ito colours: distinguishable with every common colour-vision deficiency.
SERIES_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
BAR_COLOUR = SERIES_COLOURS[0]
#: Diverging brown–teal (ColorBrewer BrBG, colour-blind safe), negative → positive.
RATING_COLOURS = ["#a6611a", "#dfc27d", "#d9d9d9", "#80cdc1", "#018571"]
THEME = "nistep"
#: Where the book explains how to supply a missing figure's table (chapters/reproduce.md).
SUPPLY_TABLE_LINK = "reproduce.html#reproduce-supply-table"
UNKNOWN = "不明"


def use_book_style() -> None:
    """Enable the book's chart theme and the offline renderer (call before drawing)."""
    alt.theme.enable(THEME)
    enable_renderer()


@alt.theme.register(THEME, enable=False)
def _theme() -> alt.theme.ThemeConfig:
    """One look for every chart: Japanese-capable fonts, quiet axes, no view border."""
    return {
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "titleFontWeight": "normal",
                     "labelColor": "#222", "titleColor": "#222", "gridColor": "#e5e5e5"},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom", "direction": "horizontal",
                       "labelLimit": 0, "titleFontWeight": "normal"},
            "header": {"labelFontSize": 13, "titleFontSize": 13},
            "text": {"fontSize": 11, "color": "#222"},
        }
    }


# --------------------------------------------------------------------------- helpers

def wrap_label(text: str, width: int = LABEL_WIDTH) -> list[str]:
    """Split a label into lines of at most ``width`` characters, keeping every character.

    Japanese has no spaces to break at; a line break before a closing bracket or
    punctuation would look wrong, so such characters stay on the previous line.
    """
    no_line_start = set("）)」』、。，．・ー％")
    lines: list[str] = []
    current = ""
    for ch in str(text):
        if len(current) >= width and ch not in no_line_start:
            lines.append(current)
            current = ""
        current += ch
    if current or not lines:
        lines.append(current)
    return lines


def _attach(lines: list[str], suffix: str, width: int = LABEL_WIDTH) -> list[str]:
    """Append a short suffix such as （n=106） without splitting it across lines."""
    if not suffix:
        return lines
    if len(lines[-1]) + len(suffix) <= width + 2:
        return lines[:-1] + [lines[-1] + suffix]
    return lines + [suffix]


def _step(data: pd.DataFrame, per_row: int = 1) -> alt.Step:
    """Band height: room for the longest wrapped label (15 px a line) and the bars."""
    lines = max(label.count("\n") + 1 for label in data["label"])
    return alt.Step(max(BAR * per_row + 14, lines * 15 + 8) // per_row)


def chart_percent(value: Any) -> str:
    """Percent label on a chart (half-width %, as chart fonts draw it more compactly)."""
    return fmt_percent(value, sign="%")


def _with_labels(df: pd.DataFrame, per_item_n: bool) -> pd.DataFrame:
    """Add display columns: wrapped label (lines joined by \\n), percent text, tooltip text."""
    out = df.copy()
    out["order"] = range(len(out))
    suffixes = [f"（n={n}）" if per_item_n else "" for n in out["n"]]
    out["label"] = ["\n".join(_attach(wrap_label(t), sfx)) for t, sfx in zip(out["item"], suffixes)]
    out["percent_text"] = [chart_percent(v) for v in out["percent"]]
    out["percent_value"] = out["percent"].astype(float)
    out["count_text"] = ["—" if pd.isna(c) else str(int(c)) for c in out["count"]]
    out["n"] = out["n"].astype(int)
    out["note"] = out["note"].fillna("") if "note" in out else ""
    return out


def _tooltip(data: pd.DataFrame, extra: list[alt.Tooltip] | None = None) -> list[alt.Tooltip]:
    """Item, series/level, count, n, percent, and a note where a cell is derived or unknown."""
    note = [alt.Tooltip("note:N", title="注")] if (data["note"] != "").any() else []
    return [alt.Tooltip("item:N", title="選択肢"), *(extra or []),
            alt.Tooltip("count_text:N", title="回答数"), alt.Tooltip("n:Q", title="n"),
            alt.Tooltip("percent_text:N", title="割合"), *note]


def _y(labels: list[str]) -> alt.Y:
    return alt.Y("label:N", sort=labels, title=None,
                 axis=alt.Axis(labelExpr="split(datum.label, '\\n')", labelLimit=0, labelPadding=6,
                               labelFontSize=12, ticks=False, domain=False))


def _n_text(df: pd.DataFrame) -> str:
    """'n=439', or per series 'n=107／n=301' where the series' bases differ."""
    per_series = df.groupby("series", sort=False)["n"].first()
    if per_series.nunique() == 1:
        return f"n={int(per_series.iloc[0])}"
    return "、".join(f"{s}：n={int(n)}" for s, n in per_series.items())


def describe(df: pd.DataFrame, kind_text: str) -> str:
    """One sentence for screen readers, computed from the data."""
    leading = ranked(df)
    top = None if leading.empty else leading.iloc[0]
    items = df["item"].nunique()
    where = f"{top['series']}では" if top is not None and df["series"].nunique() > 1 else ""
    lead = (f"{where}「{top['item']}」が{chart_percent(top['percent'])}で最も多い" if top is not None
            else "値は公表されていない")
    return f"{kind_text}（{items}項目、{_n_text(df)}）。{lead}。"


def _finish(chart: alt.Chart | alt.LayerChart, number: int | None, description: str):
    props: dict[str, Any] = {"description": description}
    if number is not None:
        props["usermeta"] = {"figure": number}
    return chart.properties(**props)


# --------------------------------------------------------------------------- builders

def share_chart(df: pd.DataFrame, *, number: int | None = None) -> alt.Chart:
    """Shares of one single-choice question (figures 1 and 11), as aligned horizontal bars.

    The report draws pies.  Here bars read better: two answers are under 1 % (0.1 %,
    0.9 %) and would vanish in a pie or a 100 % bar, with colliding labels; aligned bars
    keep every option legible and the panels of figure 11 directly comparable.
    """
    data = _with_labels(df, per_item_n=False)
    panels = data["series"].nunique() > 1
    if panels:
        data["panel"] = data["series"] + "（n=" + data["n"].astype(str) + "）"
    labels = list(dict.fromkeys(data["label"]))
    base = alt.Chart().encode(
        y=_y(labels),
        x=alt.X("percent_value:Q", title="割合（％）" + ("" if panels else f"　{_n_text(df)}"),
                scale=alt.Scale(domain=[0, 100]), axis=alt.Axis(values=[0, 20, 40, 60, 80, 100])),
        tooltip=_tooltip(data, [alt.Tooltip("series:N", title="系列")] if panels else None),
    )
    layer = alt.layer(base.mark_bar(color=BAR_COLOUR, height=BAR),
                      base.mark_text(align="left", dx=4).encode(text="percent_text:N"), data=data)
    layer = layer.properties(width=WIDTH if not panels else 260, height=_step(data))
    if panels:
        order = list(dict.fromkeys(data["panel"]))
        layer = layer.facet(row=alt.Row("panel:N", sort=order, title=None,
                                        header=alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start",
                                                          labelOrient="top")))
    return _finish(layer, number, describe(df, "単一回答の割合を示す横棒グラフ"))


def bars_chart(df: pd.DataFrame, *, number: int | None = None) -> alt.LayerChart:
    """Multiple-choice answers (figures 3, 4, 12, 15): one horizontal bar per option, in report order."""
    data = _with_labels(df, per_item_n=False)
    labels = list(dict.fromkeys(data["label"]))
    top = float(data["percent_value"].max()) if data["percent_value"].notna().any() else 100
    domain_max = min(100, (int(top // 10) + 2) * 10)
    base = alt.Chart(data).encode(
        y=_y(labels),
        x=alt.X("percent_value:Q", title=f"回答機関に占める割合（％、複数回答）　{_n_text(df)}",
                scale=alt.Scale(domain=[0, domain_max])),
        tooltip=_tooltip(data),
    )
    chart = alt.layer(base.mark_bar(color=BAR_COLOUR, height=BAR),
                      base.mark_text(align="left", dx=4).encode(text="percent_text:N"),
                      _unknown_marks(base, data))
    return _finish(chart.properties(width=WIDTH, height=_step(data)), number,
                   describe(df, "複数回答の割合を示す横棒グラフ"))


def _unknown_marks(base: alt.Chart, data: pd.DataFrame) -> alt.Chart:
    """'不明' at zero for cells whose value the summary does not determine."""
    return base.transform_filter("!isValid(datum.percent_value)").mark_text(
        align="left", dx=4, color="#767676", fontStyle="italic").encode(
        x=alt.datum(0), text=alt.value(UNKNOWN))


def paired_chart(df: pd.DataFrame, *, number: int | None = None) -> alt.LayerChart:
    """Two series for one set of items (figures 13, 14: 最も重要 vs 上位3つ), as grouped bars."""
    data = _with_labels(df, per_item_n=False)
    series = list(dict.fromkeys(data["series"]))
    data["series_label"] = data["series"] + "（n=" + data["n"].astype(str) + "）"
    legend = list(dict.fromkeys(data["series_label"]))
    labels = list(dict.fromkeys(data["label"]))
    base = alt.Chart(data).encode(
        y=_y(labels),
        yOffset=alt.YOffset("series_label:N", sort=legend),
        x=alt.X("percent_value:Q", title="割合（％）", scale=alt.Scale(domain=[0, 100])),
        tooltip=_tooltip(data, [alt.Tooltip("series:N", title="系列")]),
    )
    bars = base.mark_bar(height=BAR * 0.7).encode(
        color=alt.Color("series_label:N", sort=legend, title=None,
                        scale=alt.Scale(domain=legend, range=SERIES_COLOURS[: len(series)])))
    chart = alt.layer(bars, base.mark_text(align="left", dx=4, fontSize=10).encode(text="percent_text:N"),
                      _unknown_marks(base, data))
    return _finish(chart.properties(width=WIDTH, height=_step(data, per_row=2)), number,
                   describe(df[df["series"] == series[0]], f"「{series[0]}」と「{series[-1]}」を並べた横棒グラフ"))


def rating_chart(df: pd.DataFrame, levels: list[str], *, number: int | None = None) -> alt.LayerChart:
    """5-level ratings (figures 16, 17) as diverging stacked bars centred on the neutral level.

    Negative levels extend left of zero, positive ones right, the neutral level straddles
    zero; so the share that rates an item positively reads directly off the right side.
    Labels are printed on segments of at least 7 % (smaller ones would overlap); every
    value is in the tooltip and the data table.
    """
    data = _with_labels(df, per_item_n=df["n"].nunique() > 1)
    data["level_rank"] = data["level"].map({lvl: i for i, lvl in enumerate(levels)})
    middle = (len(levels) - 1) / 2
    rows = []
    for _, group in data.sort_values(["order"]).groupby("item", sort=False):
        group = group.sort_values("level_rank")
        values = group["percent_value"].fillna(0.0).tolist()
        ranks = group["level_rank"].tolist()
        neg = sum(v for v, r in zip(values, ranks) if r < middle) + sum(
            v / 2 for v, r in zip(values, ranks) if r == middle)
        start = -neg
        for (_, row), v in zip(group.iterrows(), values):
            rows.append({**row.to_dict(), "x0": start, "x1": start + v, "xmid": start + v / 2})
            start += v
    layout = pd.DataFrame(rows)
    labels = list(dict.fromkeys(data["label"]))
    base = alt.Chart(layout).encode(y=_y(labels), tooltip=_tooltip(layout, [alt.Tooltip("level:N", title="評価")]))
    bars = base.mark_bar(height=BAR).encode(
        x=alt.X("x0:Q", title="割合（％）：左は否定的、右は肯定的な回答", scale=alt.Scale(domain=[-100, 100]),
                axis=alt.Axis(labelExpr="abs(datum.value)", values=[-100, -50, 0, 50, 100])),
        x2="x1:Q",
        color=alt.Color("level:N", sort=levels, title=None,
                        scale=alt.Scale(domain=levels, range=RATING_COLOURS[: len(levels)])),
    )
    text = base.transform_filter("datum.percent_value >= 7").mark_text(fontSize=10).encode(
        x="xmid:Q", text="percent_text:N")
    rule = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#555").encode(x="x:Q")
    chart = alt.layer(bars, text, rule).properties(width=WIDTH + 60, height=_step(layout))
    return _finish(chart, number, _rating_description(df, levels))


def _rating_description(df: pd.DataFrame, levels: list[str]) -> str:
    positive = positive_levels(levels)
    shares = df[df["level"].isin(positive)].groupby("item", sort=False)["percent"].sum().astype(float)
    top = shares.idxmax()
    return (f"{len(levels)}段階評価の帯グラフ（{df['item'].nunique()}項目）。"
            f"「{'・'.join(positive)}」の合計が最も高いのは「{top}」で{chart_percent(shares[top])}。")


# --------------------------------------------------------------------------- figures

@dataclass(frozen=True)
class NotPublished:
    """Stands in for a figure whose values our text source lacks (the report has them as a graphic)."""

    number: int
    title: str
    reason: str
    facts: list[dict[str, Any]] = field(default_factory=list)

    def _repr_html_(self) -> str:
        from html import escape

        return (f'<div class="not-published" role="note"><p>{escape(self.reason)}'
                f'値の表を用意すれば、ここにグラフが描かれます（<a href="{SUPPLY_TABLE_LINK}">再現方法</a>）。</p></div>')


#: Which builder draws each chart kind; the registry (src/figures.py) gives each figure its kind.
BUILDERS = {SHARE: share_chart, BARS: bars_chart, PAIRED: paired_chart, RATING: rating_chart}


def figure_chart(survey: Survey, number: int) -> alt.TopLevelMixin | NotPublished:
    """The chart of report figure ``number`` from the survey data, or a NotPublished stand-in.

    Enables the book's theme and offline renderer (importing this module sets no global state).
    """
    use_book_style()
    spec = figure_spec(number)
    res: Resource = survey.resource(number)
    table = survey.table(number)
    if table is None or table.empty or table["percent"].isna().all():
        reason = missing_values_text(unlabelled=bool(res.published_sequence))
        return NotPublished(number, res.title, reason, res.prose_facts)
    table = annotate_cells(table, res)
    options = {"levels": res.levels or list(dict.fromkeys(table["level"]))} if spec.kind == RATING else {}
    return BUILDERS[spec.kind](table, number=number, **options)


def annotate_cells(table: pd.DataFrame, res: Resource) -> pd.DataFrame:
    """The table with a ``note`` column: 導出 (and its rule) for derived cells, 不明 for undetermined ones."""
    out = table.copy()
    out["note"] = ""
    out.loc[out["percent"].isna(), "note"] = f"{UNKNOWN}：概要の印字からは値を決められない"
    for cell in res.undetermined_cells:
        match = (out["series"] == cell.get("series", "")) & (out["item"] == cell.get("item"))
        candidates = "・".join(fmt_percent(p) for p in cell.get("candidate_percents", []))
        if candidates:
            out.loc[match & out["percent"].isna(), "note"] = (
                f"{UNKNOWN}：概要の印字からは値を決められない（候補は{candidates}）")
    for cell in res.derived_cells:
        match = ((out["series"] == cell.get("series", "")) & (out["item"] == cell["item"])
                 & (out["level"] == cell.get("level", "")))
        if match.sum() != 1:
            raise ValueError(f"datapackage.json: resource '{res.name}', field 'derived_cells': no single row "
                             f"matches {cell!r} — fix: copy series, item and level exactly from {res.name}'s table")
        out.loc[match, "note"] = f"導出：{cell['rule']}"
    return out
