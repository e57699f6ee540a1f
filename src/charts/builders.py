"""Altair charts for the report's figures: one pure builder per chart kind, plus the figure dispatcher.

Every builder takes a figure table (the data contract of ``data/README.md``) and an
edition's language ``lang`` ("ja" or "en") and returns an ``alt.Chart``; nothing is read
from disk here.  In ``lang="en"`` everything a reader sees is English: the labels of the
data through ``i18n.tr`` (a label without a translation stays Japanese), axis and tooltip
titles, value labels and the description; the rows keep their original Japanese labels
(``series_ja``, ``item_ja``, ``level_ja``), shown in one tooltip field (“Original
(Japanese)”) and written to the English CSV download.  Common to all charts: the column's width
on the page (labels above full-width bars, so one layout fits a phone and a desktop),
Japanese labels wrapped at phrase boundaries (never truncated), percent labels on the
marks in a colour that contrasts with what they sit on, n shown, tooltips with item,
series/level, count, n and percent, a colour-blind-safe palette, no baked-in title (the
book's caption is the title), and a computed one-sentence ``description`` that becomes
the SVG's aria-label for screen readers.

The charts' look and words are in src/charts/theme.py, the wrapping of their labels in src/charts/wrapping.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import altair as alt
import pandas as pd

from src.base import i18n
from src.charts.theme import (BAR, BAR_COLOUR, LABEL_SIZE, LABEL_WIDTH, LINE, RATING_COLOURS, SERIES_COLOURS, TEXT_COLOUR,
                              chart_percent, chart_words, localise, text_colour_on, tr_label, use_book_style)
from src.charts.wrapping import attach_suffix, text_px, wrap_label
from src.data.figures import BARS, PAIRED, RATING, SHARE, figure_spec, missing_values_text
from src.data.package import Resource, Survey
from src.data.shares import fmt_percent, positive_levels, ranked

#: Where the book explains how to supply a missing figure's table (chapters/reproduce.md).
SUPPLY_TABLE_LINK = "reproduce.html#reproduce-supply-table"
#: The one tooltip field of an English chart that shows Japanese: the row's original labels.
ORIGINAL_FIELD = "original"
MARK_DESCRIPTION = "mark_description"
ORIGINAL_EXPR = ("(datum.series_ja ? datum.series_ja + ' / ' : '') + datum.item_ja"
                 " + (datum.level_ja ? ' / ' + datum.level_ja : '')")


# --------------------------------------------------------------------------- helpers


def _with_labels(df: pd.DataFrame, per_item_n: bool, lang: str = "ja") -> pd.DataFrame:
    """Add display columns: wrapped label (lines joined by \\n), percent text and its width, tooltip text."""
    out = df.copy()
    out["order"] = range(len(out))
    suffix = chart_words(lang)["n_suffix"]
    suffixes = [suffix.format(n=n) if per_item_n else "" for n in out["n"]]
    out["label"] = ["\n".join(attach_suffix(wrap_label(t, lang=lang), sfx, lang=lang))
                    for t, sfx in zip(out["item"], suffixes)]
    out["percent_text"] = [chart_percent(v) for v in out["percent"]]
    out["percent_value"] = out["percent"].astype(float)
    out["value_px"] = [round(text_px(t), 1) for t in out["percent_text"]]
    out["count_text"] = ["—" if pd.isna(c) else str(int(c)) for c in out["count"]]
    out["n"] = out["n"].astype(int)
    out["note"] = out["note"].fillna("") if "note" in out else ""
    return out


def _tooltip(data: pd.DataFrame, extra: list[str] | None = None, lang: str = "ja") -> list[alt.Tooltip]:
    """Item, series/level (``extra``: the columns), count, n, percent, and a note where a cell is derived or
    unknown; in a translated edition also the row's original labels (one field)."""
    words = chart_words(lang)
    note = [alt.Tooltip("note:N", title=words["note"])] if (data["note"] != "").any() else []
    original = [alt.Tooltip(f"{ORIGINAL_FIELD}:N", title=words["original"])] if lang != i18n.SOURCE else []
    return [alt.Tooltip("item:N", title=words["item"]), *original,
            *(alt.Tooltip(f"{column}:N", title=words[column]) for column in extra or []),
            alt.Tooltip("count_text:N", title=words["count"]), alt.Tooltip("n:Q", title="n"),
            alt.Tooltip("percent_text:N", title=words["percent"]), *note]


def _mark_description(extra: list[str] | None, lang: str) -> str:
    """Vega expression for a mark's aria-label in a translated edition: the tooltip's fields but the original labels.

    (Without it Vega reads out every encoded field, the Japanese originals and the layout's coordinates among them.)
    """
    words = chart_words(lang)
    fields = [("item", words["item"]), *((c, words[c]) for c in extra or []), ("count_text", words["count"]),
              ("n", "n"), ("percent_text", words["percent"])]
    text = " + '; ' + ".join(f"'{title}: ' + datum.{name}" for name, title in fields)
    return f"{text} + (datum.note ? '; {words['note']}: ' + datum.note : '')"


def _chart(rows: pd.DataFrame, data: pd.DataFrame, extra: list[str] | None, lang: str, **encoding: Any) -> alt.Chart:
    """The marks of a figure's rows with ``encoding`` and the tooltip (``_tooltip(data, extra)``).

    A translated edition also computes the original-label field its tooltip shows, and gives
    each mark an aria-label in that edition's language, without the original labels.
    """
    chart = alt.Chart(rows)
    if lang == i18n.SOURCE:
        return chart.encode(**encoding, tooltip=_tooltip(data, extra, lang))
    return chart.transform_calculate(**{ORIGINAL_FIELD: ORIGINAL_EXPR, MARK_DESCRIPTION: _mark_description(extra, lang)}
                                     ).encode(**encoding, tooltip=_tooltip(data, extra, lang),
                                              description=alt.Description(f"{MARK_DESCRIPTION}:N"))


# --------------------------------------------------------------------------- layout: labels above bars

LABEL_GAP = 3               # px between a label's last line and its bar
BAR_GAP = 2                 # px between the bars of one item
ROW_GAP = 10                # px between one item's bars and the next item's label


@dataclass(frozen=True)
class Layout:
    """Where each label and bar goes, in px from the top: labels sit above their bars, full width.

    One layout serves every width (no label column beside the bars to squeeze), and the
    page gives the chart its column's width.
    """

    labels: pd.DataFrame      # label, label_y (top of its first line), header
    bars: pd.DataFrame        # the figure's rows with y0, y1, ymid
    height: int


def layout_rows(data: pd.DataFrame, slots: list[str] | None = None,
                headers: dict[str, str] | None = None) -> Layout:
    """Stack items top to bottom: each item's label, then one bar per slot (a series in ``slots``).

    ``headers`` maps a series to a heading line drawn before its first item (figure 11's panels).
    """
    slot_of = {s: i for i, s in enumerate(slots or [])}
    frame = data.assign(_key=(data["series"] + "\u0000" if headers else "") + data["label"])
    labels, tops, y, headed = [], {}, 0, set()
    for key, group in frame.groupby("_key", sort=False):
        first = group.iloc[0]
        if headers and first["series"] not in headed:
            headed.add(first["series"])
            labels.append({"label": headers[first["series"]], "label_y": y, "header": True})
            y += LINE + 6
        labels.append({"label": first["label"], "label_y": y, "header": False})
        y += (str(first["label"]).count("\n") + 1) * LINE
        tops[key] = y + LABEL_GAP
        y += LABEL_GAP + max(1, len(slot_of)) * (BAR + BAR_GAP) - BAR_GAP + ROW_GAP
    bars = frame.copy()
    slot = bars["series"].map(slot_of) if slot_of else 0
    bars["y0"] = bars["_key"].map(tops) + slot * (BAR + BAR_GAP)
    bars["y1"] = bars["y0"] + BAR
    bars["ymid"] = bars["y0"] + BAR / 2
    return Layout(pd.DataFrame(labels), bars.drop(columns="_key"), y)


def _label_marks(layout: Layout) -> alt.LayerChart:
    """The item labels (panel headings in bold) above the bars, left-aligned at the chart's left edge."""
    base = alt.Chart(layout.labels).encode(x=alt.value(0), y=_y_px("label_y"), text="label:N")
    return alt.layer(*(base.transform_filter(f"{'' if bold else '!'}datum.header").mark_text(
        align="left", baseline="top", lineBreak="\n", lineHeight=LINE, fontSize=LABEL_SIZE, color=TEXT_COLOUR,
        fontWeight="bold" if bold else "normal") for bold in (False, True)))


def _y_px(field: str) -> alt.Y:
    return alt.Y(f"{field}:Q", scale=None, axis=None)


def _x_axis(title: str, domain: tuple[int, int] = (0, 100), lang: str = "ja", **axis: Any) -> alt.Axis:
    """The percent axis under the bars: ticks every 20 (10 on a short scale), a title that wraps like a label."""
    every = 20 if domain[1] - domain[0] > 50 else 10
    axis.setdefault("values", list(range(domain[0], domain[1] + 1, every)))
    return alt.Axis(title=wrap_label(title, LABEL_WIDTH + 2, lang=lang), labelFlush=True, **axis)


#: The value label fits to the right of its bar's end (else it goes inside the bar).
FITS_OUTSIDE = "scale('x', datum.percent_value) + datum.value_px + 6 <= width"


def _value_labels(base: alt.Chart, fill: str | None = None) -> list[alt.Chart]:
    """Percent at each bar's end: outside in dark text where it fits, else inside in the colour that
    contrasts with the bar (``on_bar`` field, or the one for ``fill``)."""
    known = base.transform_filter("isValid(datum.percent_value)")
    outside = known.mark_text(align="left", baseline="middle", dx=4, color=TEXT_COLOUR).encode(
        text=alt.condition(FITS_OUTSIDE, alt.Text("percent_text:N"), alt.value("")))
    inside = known.mark_text(align="right", baseline="middle", dx=-4).encode(
        text=alt.condition(FITS_OUTSIDE, alt.value(""), alt.Text("percent_text:N")),
        color=alt.value(text_colour_on(fill)) if fill else alt.Color("on_bar:N", scale=None, legend=None))
    return [outside, inside]


def _container(chart, layout: Layout):
    """Take the column's width on the page (render.EXPORT_WIDTH in the downloads), the layout's height."""
    return chart.properties(width="container", height=layout.height,
                            autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def _legend_columns(entries: list[str]) -> alt.ExprRef:
    """Legend columns for the drawn width: every entry on one row where they fit, else as many as fit."""
    widths = [text_px(e, LABEL_SIZE) + 28 for e in entries]     # symbol, its offset and the column padding
    return alt.ExprRef(f"width >= {sum(widths):.0f} ? {len(entries)} : max(1, floor(width / {max(widths):.0f}))")


def _n_text(df: pd.DataFrame, lang: str = "ja") -> str:
    """'n=439', or per series '系列A：n=107、系列B：n=301' where the series' bases differ."""
    words = chart_words(lang)
    per_series = df.groupby("series", sort=False)["n"].first()
    if per_series.nunique() == 1:
        return f"n={int(per_series.iloc[0])}"
    return words["n_join"].join(words["series_n"].format(series=s, n=int(n)) for s, n in per_series.items())


def _items_text(count: int, lang: str) -> str:
    return chart_words(lang)["item_one" if count == 1 else "items"].format(count=count)


def describe(df: pd.DataFrame, kind_text: str, lang: str = "ja") -> str:
    """One sentence for screen readers, computed from the data (labels already in ``lang``)."""
    words = chart_words(lang)
    leading = ranked(df)
    top = None if leading.empty else leading.iloc[0]
    items = df["item"].nunique()
    if top is None:
        lead = words["no_values"]
    else:
        template = words["lead_in_series" if df["series"].nunique() > 1 else "lead"]
        lead = template.format(series=top["series"], item=top["item"], percent=chart_percent(top["percent"]))
    return words["describe"].format(kind=kind_text, items=_items_text(items, lang), n=_n_text(df, lang), lead=lead)


def _finish(chart: alt.Chart | alt.LayerChart, number: int | None, description: str):
    props: dict[str, Any] = {"description": description}
    if number is not None:
        props["usermeta"] = {"figure": number}
    return chart.properties(**props)


def _unknown_marks(base: alt.Chart, lang: str = "ja") -> alt.Chart:
    """'不明' ('unknown') at zero for cells whose value the summary does not determine."""
    return base.transform_filter("!isValid(datum.percent_value)").mark_text(
        align="left", baseline="middle", dx=4, color="#595959", fontStyle="italic").encode(
        x=alt.datum(0), text=alt.value(chart_words(lang)["unknown"]))


# --------------------------------------------------------------------------- builders

def share_chart(df: pd.DataFrame, *, number: int | None = None, lang: str = "ja") -> alt.LayerChart:
    """Shares of one single-choice question (figures 1 and 11), as aligned horizontal bars.

    The report draws pies.  Here bars read better: two answers are under 1 % (0.1 %,
    0.9 %) and would vanish in a pie or a 100 % bar, with colliding labels; aligned bars
    keep every option legible and the panels of figure 11 (one heading per series, on
    one shared axis) directly comparable.
    """
    words, df = chart_words(lang), localise(df, lang)
    data = _with_labels(df, per_item_n=False, lang=lang)
    panels = data["series"].nunique() > 1
    headers = ({s: s + words["n_suffix"].format(n=n) for s, n in data.groupby("series", sort=False)["n"].first().items()}
               if panels else None)
    layout = layout_rows(data, headers=headers)
    axis_title = words["share_axis"] + ("" if panels else words["axis_n"].format(n=_n_text(df, lang)))
    base = _chart(layout.bars, data, ["series"] if panels else None, lang,
                  x=alt.X("percent_value:Q", scale=alt.Scale(domain=[0, 100]), axis=_x_axis(axis_title, lang=lang)),
                  y=_y_px("ymid"))
    bars = base.mark_bar(color=BAR_COLOUR).encode(x2=alt.datum(0), y=_y_px("y0"), y2="y1:Q")
    chart = alt.layer(bars, *_value_labels(base, BAR_COLOUR), _label_marks(layout))
    return _finish(_container(chart, layout), number, describe(df, words["share_kind"], lang))


def bars_chart(df: pd.DataFrame, *, number: int | None = None, lang: str = "ja") -> alt.LayerChart:
    """Multiple-choice answers (figures 3, 4, 12, 15): one horizontal bar per option, in report order."""
    words, df = chart_words(lang), localise(df, lang)
    data = _with_labels(df, per_item_n=False, lang=lang)
    layout = layout_rows(data)
    top = float(data["percent_value"].max()) if data["percent_value"].notna().any() else 100
    domain_max = min(100, (int(top // 10) + 2) * 10)
    axis_title = words["bars_axis"] + words["axis_n"].format(n=_n_text(df, lang))
    base = _chart(layout.bars, data, None, lang,
                  x=alt.X("percent_value:Q", scale=alt.Scale(domain=[0, domain_max]),
                          axis=_x_axis(axis_title, (0, domain_max), lang=lang)),
                  y=_y_px("ymid"))
    bars = base.mark_bar(color=BAR_COLOUR).encode(x2=alt.datum(0), y=_y_px("y0"), y2="y1:Q")
    chart = alt.layer(bars, *_value_labels(base, BAR_COLOUR), _unknown_marks(base, lang), _label_marks(layout))
    return _finish(_container(chart, layout), number, describe(df, words["bars_kind"], lang))


def paired_chart(df: pd.DataFrame, *, number: int | None = None, lang: str = "ja") -> alt.LayerChart:
    """Two series for one set of items (figures 13, 14: 最も重要 vs 上位3つ), as grouped bars."""
    words, df = chart_words(lang), localise(df, lang)
    data = _with_labels(df, per_item_n=False, lang=lang)
    series = list(dict.fromkeys(data["series"]))
    colours = dict(zip(series, SERIES_COLOURS))
    data["series_label"] = [s + words["n_suffix"].format(n=n) for s, n in zip(data["series"], data["n"])]
    data["on_bar"] = data["series"].map(lambda s: text_colour_on(colours[s]))
    legend = list(dict.fromkeys(data["series_label"]))
    layout = layout_rows(data, slots=series)
    base = _chart(layout.bars, data, ["series"], lang,
                  x=alt.X("percent_value:Q", scale=alt.Scale(domain=[0, 100]),
                          axis=_x_axis(words["share_axis"], lang=lang)),
                  y=_y_px("ymid"))
    bars = base.mark_bar().encode(
        x2=alt.datum(0), y=_y_px("y0"), y2="y1:Q",
        color=alt.Color("series_label:N", sort=legend, title=None,
                        scale=alt.Scale(domain=legend, range=list(colours.values())),
                        legend=alt.Legend(columns=_legend_columns(legend))))
    chart = alt.layer(bars, *_value_labels(base), _unknown_marks(base, lang), _label_marks(layout))
    kind = words["paired_kind"].format(first=series[0], last=series[-1])
    return _finish(_container(chart, layout), number, describe(df[df["series"] == series[0]], kind, lang))


def rating_chart(df: pd.DataFrame, levels: list[str], *, number: int | None = None,
                 lang: str = "ja") -> alt.LayerChart:
    """5-level ratings (figures 16, 17) as diverging stacked bars centred on the neutral level.

    Negative levels extend left of zero, positive ones right, the neutral level straddles
    zero; so the share that rates an item positively reads directly off the right side.
    A segment shows its value only where the value fits inside it at the drawn width, in
    black or white by contrast with the segment; every value is in the tooltip and the table.
    """
    df, levels = localise(df, lang), [tr_label(level, lang) for level in levels]
    data = _with_labels(df, per_item_n=df["n"].nunique() > 1, lang=lang)
    data["level_rank"] = data["level"].map({lvl: i for i, lvl in enumerate(levels)})
    colours = dict(zip(levels, RATING_COLOURS))
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
            rows.append({**row.to_dict(), "x0": start, "x1": start + v, "xmid": start + v / 2,
                         "on_bar": text_colour_on(colours.get(row["level"], RATING_COLOURS[2]))})
            start += v
    layout = layout_rows(pd.DataFrame(rows))
    base = _chart(layout.bars, layout.bars, ["level"], lang)
    bars = base.mark_bar().encode(
        x=alt.X("x0:Q", scale=alt.Scale(domain=[-100, 100]),
                axis=_x_axis(chart_words(lang)["rating_axis"], lang=lang, labelExpr="abs(datum.value)",
                             values=[-100, -50, 0, 50, 100])),
        x2="x1:Q", y=_y_px("y0"), y2="y1:Q",
        color=alt.Color("level:N", sort=levels, title=None,
                        scale=alt.Scale(domain=levels, range=[colours[lvl] for lvl in levels]),
                        legend=alt.Legend(columns=_legend_columns(levels))),
    )
    fits = "scale('x', datum.x1) - scale('x', datum.x0) >= datum.value_px + 4"
    text = base.mark_text(baseline="middle").encode(
        x="xmid:Q", y=_y_px("ymid"), color=alt.Color("on_bar:N", scale=None, legend=None),
        text=alt.condition(fits, alt.Text("percent_text:N"), alt.value("")))
    centre = base.transform_filter("datum.level_rank == 0").mark_rule(color="#555555").encode(
        x=alt.datum(0), y=_y_px("y0"), y2="y1:Q")
    chart = alt.layer(bars, centre, text, _label_marks(layout))
    return _finish(_container(chart, layout), number, _rating_description(df, levels, lang))


def _rating_description(df: pd.DataFrame, levels: list[str], lang: str = "ja") -> str:
    """One sentence for screen readers: the item the positive levels rate highest (labels already in ``lang``)."""
    positive = positive_levels(levels)
    shares = df[df["level"].isin(positive)].groupby("item", sort=False)["percent"].sum().astype(float)
    top = shares.idxmax()
    if lang == i18n.SOURCE:
        named = "・".join(positive)
    else:
        quoted = [f"\u201c{level}\u201d" for level in positive]
        named = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
    return chart_words(lang)["rating"].format(levels=len(levels), items=_items_text(df["item"].nunique(), lang),
                                         positive=named, item=top, percent=chart_percent(shares[top]))


# --------------------------------------------------------------------------- figures

@dataclass(frozen=True)
class NotPublished:
    """Stands in for a figure whose values our text source lacks (the report has them as a graphic)."""

    number: int
    title: str
    reason: str
    facts: list[dict[str, Any]] = field(default_factory=list)
    lang: str = "ja"
    unlabelled: bool = False

    def _repr_html_(self) -> str:
        # One short line and a link: how to supply a table is explained once, on 再現方法.
        line = chart_words(self.lang)["unlabelled_line" if self.unlabelled else "missing_line"]
        return f'<div class="not-published" role="note"><p>{line.format(link=SUPPLY_TABLE_LINK)}</p></div>'


#: Which builder draws each chart kind; the registry (src/data/figures.py) gives each figure its kind.
BUILDERS = {SHARE: share_chart, BARS: bars_chart, PAIRED: paired_chart, RATING: rating_chart}


def figure_chart(survey: Survey, number: int, lang: str = "ja",
                 table: pd.DataFrame | None = None) -> alt.TopLevelMixin | NotPublished:
    """The chart of report figure ``number`` from the survey data in edition ``lang``, or a NotPublished stand-in.

    ``table``: the figure's :func:`annotated_table` in ``lang``, when the caller already has it
    (it is computed here otherwise).  Enables the book's theme and offline renderer (importing this
    module sets no global state).  Labels are translated with ``i18n.tr`` (the translations the chapter installed).
    """
    use_book_style()
    spec = figure_spec(number)
    res: Resource = survey.resource(number)
    table = annotated_table(survey, number, lang) if table is None else table
    if table is None:
        reason = missing_values_text(unlabelled=bool(res.published_sequence), lang=lang)
        return NotPublished(number, i18n.tr(res.title, lang), reason, res.prose_facts, lang,
                            unlabelled=bool(res.published_sequence))
    options = {"levels": res.levels or list(dict.fromkeys(table["level"]))} if spec.kind == RATING else {}
    return BUILDERS[spec.kind](table, number=number, lang=lang, **options)


def annotated_table(survey: Survey, number: int, lang: str = "ja") -> pd.DataFrame | None:
    """Figure ``number``'s table with its notes in ``lang`` (:func:`annotate_cells`), as its chart and its data
    table show it; None when there are no values to draw."""
    table = survey.table(number)
    if table is None or table.empty or table["percent"].isna().all():
        return None
    return annotate_cells(table, survey.resource(number), lang)


def annotate_cells(table: pd.DataFrame, res: Resource, lang: str = "ja") -> pd.DataFrame:
    """The table with a ``note`` column: 導出 (and its rule) for derived cells, 不明 for undetermined ones.

    The notes are in edition ``lang`` (a derived cell's rule through ``i18n.tr``); the labels stay Japanese.
    """
    words = chart_words(lang)
    out = table.copy()
    out["note"] = ""
    out.loc[out["percent"].isna(), "note"] = words["unknown_note"]
    for cell in res.undetermined_cells:
        match = (out["series"] == cell.get("series", "")) & (out["item"] == cell.get("item"))
        sign, join = ("％", "・") if lang == i18n.SOURCE else ("%", ", ")
        candidates = join.join(fmt_percent(p, sign=sign) for p in cell.get("candidate_percents", []))
        if candidates:
            out.loc[match & out["percent"].isna(), "note"] = (
                words["unknown_note"] + words["candidates"].format(percents=candidates))
    for cell in res.derived_cells:
        match = ((out["series"] == cell.get("series", "")) & (out["item"] == cell["item"])
                 & (out["level"] == cell.get("level", "")))
        if match.sum() != 1:
            raise ValueError(f"datapackage.json: resource '{res.name}', field 'derived_cells': no single row "
                             f"matches {cell!r} — fix: copy series, item and level exactly from {res.name}'s table")
        out.loc[match, "note"] = words["derived_note"].format(rule=i18n.tr(cell["rule"], lang))
    return out
