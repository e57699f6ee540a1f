"""The look and the words of the charts: fonts, sizes, the colour-blind-safe palettes, the Altair theme,
the contrast of a value label with its bar, and what the charts say in each edition.

The builders (src/charts/builders.py) draw with these; nothing here depends on a figure.
"""
from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from src.base import i18n
from src.charts.export import FONT_FAMILY, enable_renderer
from src.data.shares import fmt_percent

FONT = f'"{FONT_FAMILY}", "Hiragino Sans", "Yu Gothic", Meiryo, sans-serif'


#: Characters per line of a wrapped label: 24 full-width characters at 12 px fit the
#: column of a 360 px phone (312 px), so one layout serves every width.
LABEL_WIDTH = 24


LABEL_SIZE = 12             # px; all chart text is at least TEXT_SIZE


TEXT_SIZE = 11


LINE = 15                   # px per label line


BAR = 20                    # bar thickness (px)


#: Okabe–Ito colours: distinguishable with every common colour-vision deficiency.
SERIES_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]


BAR_COLOUR = SERIES_COLOURS[0]


#: Diverging brown–teal (ColorBrewer BrBG, colour-blind safe), negative → positive.
RATING_COLOURS = ["#a6611a", "#dfc27d", "#d9d9d9", "#80cdc1", "#018571"]


TEXT_COLOUR = "#222222"     # text on the white page


#: Text colours a value label on a bar may take; the one with more contrast to the fill wins.
ON_BAR_COLOURS = ("#000000", "#ffffff")


MIN_CONTRAST = 4.5          # WCAG AA for text


THEME = "nistep"


UNKNOWN = "不明"


#: The reader-facing words of the charts, per edition (Japanese exactly as before the English edition).
TEXT: dict[str, dict[str, str]] = {
    "ja": {
        "unknown": UNKNOWN, "item": "選択肢", "series": "系列", "level": "評価", "count": "回答数",
        "percent": "割合", "note": "注",
        "share_axis": "割合（％）", "bars_axis": "回答機関に占める割合（％、複数回答）",
        "rating_axis": "割合（％）：左は否定的、右は肯定的な回答", "axis_n": "　{n}",
        "n_suffix": "（n={n}）", "series_n": "{series}：n={n}", "n_join": "、",
        "share_kind": "単一回答の割合を示す横棒グラフ", "bars_kind": "複数回答の割合を示す横棒グラフ",
        "paired_kind": "「{first}」と「{last}」を並べた横棒グラフ",
        "describe": "{kind}（{items}、{n}）。{lead}。", "items": "{count}項目", "item_one": "{count}項目",
        "lead": "「{item}」が{percent}で最も多い", "lead_in_series": "{series}では「{item}」が{percent}で最も多い",
        "no_values": "値は公表されていない",
        "rating": "{levels}段階評価の帯グラフ（{items}）。「{positive}」の合計が最も高いのは「{item}」で{percent}。",
        "unknown_note": "不明：概要の印字からは値を決められない", "candidates": "（候補は{percents}）",
        "derived_note": "導出：{rule}",
        "missing_line": "報告書ではグラフとして掲載され、このサイトが元にした概要のテキストには値がありません"
                        "（<a href=\"{link}\">表を用意するには</a>）。",
        "unlabelled_line": "報告書ではグラフとして掲載され、このサイトが元にした概要のテキストでは値のラベルが失われています"
                            "（<a href=\"{link}\">表を用意するには</a>）。",
    },
    "en": {
        "unknown": "unknown", "item": "Answer", "series": "Series", "level": "Rating", "count": "Responses",
        "percent": "Share", "note": "Note", "original": "Original (Japanese)",
        "share_axis": "Share (%)", "bars_axis": "Share of responding institutions (%, multiple answers allowed)",
        "rating_axis": "Share (%): negative answers to the left, positive to the right", "axis_n": ", {n}",
        "n_suffix": " (n={n})", "series_n": "{series}: n={n}", "n_join": "; ",
        "share_kind": "Horizontal bar chart of the shares of a single-choice question",
        "bars_kind": "Horizontal bar chart of the shares of a multiple-choice question",
        "paired_kind": "Grouped horizontal bar chart of \u201c{first}\u201d and \u201c{last}\u201d",
        "describe": "{kind} ({items}, {n}). {lead}.", "items": "{count} items", "item_one": "{count} item",
        "lead": "The largest share is \u201c{item}\u201d, at {percent}",
        "lead_in_series": "In \u201c{series}\u201d, the largest share is \u201c{item}\u201d, at {percent}",
        "no_values": "No values are known",
        "rating": ("Diverging stacked bar chart of a {levels}-level rating ({items}). The combined share of "
                   "{positive} is highest for \u201c{item}\u201d, at {percent}."),
        "unknown_note": "unknown: the values printed in the summary do not determine this value",
        "candidates": " (candidates: {percents})", "derived_note": "derived: {rule}",
        "missing_line": ("A graphic in the report; its values are not in the summary text this site was transcribed "
                         "from (<a href=\"{link}\">supplying a table</a>)."),
        "unlabelled_line": ("A graphic in the report; its values lost their labels in the summary text this site was "
                            "transcribed from (<a href=\"{link}\">supplying a table</a>)."),
    },
}


#: Where an English chart's rows keep their original Japanese labels (the English CSV's extra columns).
ORIGINAL_COLUMNS = i18n.ORIGINAL_COLUMNS


def use_book_style() -> None:
    """Enable the book's chart theme and the offline renderer (call before drawing)."""
    alt.theme.enable(THEME)
    enable_renderer()


@alt.theme.register(THEME, enable=False)
def _theme() -> alt.theme.ThemeConfig:
    """One look for every chart: Japanese-capable fonts, quiet axes, no view border, ≥ 11 px text."""
    return {
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {"labelFontSize": LABEL_SIZE, "titleFontSize": LABEL_SIZE, "titleFontWeight": "normal",
                     "labelColor": TEXT_COLOUR, "titleColor": TEXT_COLOUR, "gridColor": "#e5e5e5",
                     "titleLimit": 0, "titleAlign": "left", "titleAnchor": "start"},
            "legend": {"labelFontSize": LABEL_SIZE, "titleFontSize": LABEL_SIZE, "orient": "bottom",
                       "direction": "horizontal", "labelLimit": 0, "titleFontWeight": "normal",
                       "labelColor": TEXT_COLOUR, "columnPadding": 12, "rowPadding": 6},
            "text": {"fontSize": TEXT_SIZE, "color": TEXT_COLOUR},
        }
    }


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours (1 to 21)."""
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour_on(fill: str) -> str:
    """Black or white, whichever contrasts more with ``fill`` (a value label drawn on a bar)."""
    return max(ON_BAR_COLOURS, key=lambda text: contrast_ratio(text, fill))


def chart_percent(value: Any) -> str:
    """Percent label on a chart (half-width %, as chart fonts draw it more compactly)."""
    return fmt_percent(value, sign="%")


def chart_words(lang: str) -> dict[str, str]:
    """The charts' own words in edition ``lang`` (KeyError names the editions)."""
    try:
        return TEXT[lang]
    except KeyError:
        raise KeyError(f"no chart text for edition {lang!r} (editions: {', '.join(TEXT)})") from None


def tr_label(value: Any, lang: str) -> Any:
    """A label in ``lang`` (``i18n.tr``); missing values stay missing."""
    return value if value is None or (not isinstance(value, str) and pd.isna(value)) else i18n.tr(value, lang)


def localise(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The figure table with its labels (series, item, level, note) in ``lang``.

    In a translated edition the original labels are kept in ``ORIGINAL_COLUMNS``; the
    Japanese table is returned as it is.
    """
    chart_words(lang)
    if lang == i18n.SOURCE:
        return df
    out = df.copy()
    for column, original in ORIGINAL_COLUMNS.items():
        out[original] = out[column].fillna("") if column in out else ""
        if column in out:
            out[column] = [tr_label(v, lang) for v in out[column]]
    if "note" in out:
        out["note"] = [tr_label(v, lang) for v in out["note"]]
    return out
