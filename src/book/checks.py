"""A check of the audit and its verdict, worded per edition: the :class:`Check` record, the verdicts,
and the phrasing the audit's modules share (src/book/audit.py, src/book/audit_prose.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from src.base.i18n import tr
from src.data.figures import figure_name
from src.data.shares import fmt_percent


#: Verdicts of a check. 判定不能 when no comparison was possible (unknown cells, no printed value);
#: 整合 when the check is a bound, not an equality (a question's n at most the institutions it was put to).
AGREE, DISAGREE, UNDECIDABLE, CONSISTENT = "一致", "不一致", "判定不能", "整合"


#: The verdicts as each edition writes them (keys: the Japanese verdicts above).
VERDICTS = {
    "ja": {AGREE: AGREE, DISAGREE: DISAGREE, UNDECIDABLE: UNDECIDABLE, CONSISTENT: CONSISTENT},
    "en": {AGREE: "agrees", DISAGREE: "disagrees", UNDECIDABLE: "cannot be determined", CONSISTENT: "consistent"},
}


#: The recomputed value of a base check when no single base fits.
NONE_FOUND = {"ja": "該当なし", "en": "none"}


def verdict_text(value: str, lang: str = "ja") -> str:
    """The verdict ``value`` (AGREE, DISAGREE or UNDECIDABLE) as edition ``lang`` writes it."""
    return VERDICTS["ja" if lang == "ja" else "en"][value]


def verdict(agrees: bool, lang: str = "ja") -> str:
    return verdict_text(AGREE if agrees else DISAGREE, lang)


def by_lang(lang: str, ja: str, en: str) -> str:
    """The Japanese or the English text, for ``lang``."""
    return ja if lang == "ja" else en


def percent_sign(lang: str) -> str:
    return by_lang(lang, "％", "%")


def pct(value, lang: str) -> str:
    return fmt_percent(value, percent_sign(lang))


#: A figure's series as a place: 「概要図表N（series）」 / "Summary Figure N, “series”".
SERIES_OF_FIGURE = {"ja": "{figure}（{series}）", "en": "{figure}, “{series}”"}


def where_in(number: int, series: str, lang: str) -> str:
    """Figure ``number`` (:func:`figures.figure_name`), and its series if it has one."""
    if not series:
        return figure_name(number, lang)
    return SERIES_OF_FIGURE[by_lang(lang, "ja", "en")].format(figure=figure_name(number, lang), series=tr(series, lang))


def and_list(items: list[str], lang: str) -> str:
    """「A・B」 / "A and B", "A, B and C"."""
    items = list(items)
    if lang == "ja":
        return "・".join(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


#: The ``what`` of a base check (base_explanations), by which a finding finds its base row.
BASE_WHAT = {"ja": "割合の母数", "en": "base of the percentages"}


@dataclass(frozen=True)
class Check:
    """One recomputed number: what the report prints, what its own numbers give, and the verdict."""

    figure: str
    what: str
    printed: str
    recomputed: str
    verdict: str
    explanation: str = ""
    number: int | None = None     # the figure checked, where there is one
    series: str = ""              # its series (the Japanese label of the data)


def as_frame(checks: list[Check]) -> pd.DataFrame:
    return pd.DataFrame([c.__dict__ for c in checks],
                        columns=["figure", "what", "printed", "recomputed", "verdict", "explanation", "number", "series"])
