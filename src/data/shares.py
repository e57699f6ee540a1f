"""The arithmetic the book needs: one share, one rounding, one percent format, one ranking.

Everything that turns counts into the percentages a reader sees goes through here, so
the prose, the charts, the audit and the claims round and rank the same way.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd


#: The book's one rounding rule: percentages to this many decimals, half-up, as the report prints them.
PLACES = 1
#: The last printed decimal (0.1) and its half (0.05): a remainder of HALF_UNIT rounds up, and a printed
#: value may be off from the exact share by up to HALF_UNIT (the audit's tolerance).
UNIT = Decimal(1).scaleb(-PLACES)
HALF_UNIT = UNIT / 2


def round_half_up(value: float | Decimal, places: int = PLACES) -> Decimal:
    """``value`` rounded half-up, as the report rounds its percentages."""
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def share(part: int, whole: int) -> Decimal:
    """part/whole as a percentage (exact; round only when formatting)."""
    return Decimal(int(part)) * 100 / Decimal(int(whole))


def percent_of(count: int, base: int) -> Decimal:
    """count/base as a percentage rounded half-up to one decimal."""
    return round_half_up(share(count, base))


def fmt_percent(value: float | Decimal | None, sign: str = "％") -> str:
    """A percentage as the report prints it: one decimal, half-up (``13.9％``); "" when unknown.

    The prose uses the full-width ％ of the report's text; chart labels pass ``sign="%"``.
    """
    if value is None or pd.isna(value):
        return ""
    return f"{round_half_up(value)}{sign}"


def ranked(table: pd.DataFrame, series: str | None = None) -> pd.DataFrame:
    """A figure's rows with a known percent, largest first (ties keep report order)."""
    rows = table if series is None else table[table["series"] == series]
    rows = rows.dropna(subset=["percent"])
    return rows.assign(_p=rows["percent"].astype(float)).sort_values("_p", ascending=False, kind="stable")


def positive_levels(levels: list[str]) -> list[str]:
    """The levels above the neutral middle of a rating scale (the last two of five)."""
    return levels[(len(levels) + 1) // 2:]


def rating_ranking(table: pd.DataFrame, levels: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Items ranked by the summed share of the positive levels (e.g. やや課題に感じる + 課題に感じる)."""
    positive = positive_levels(levels)
    rows = table[table["level"].isin(positive)]
    sums = rows.groupby("item", sort=False)["percent"].sum().astype(float)
    out = sums.rename("percent").reset_index()
    out["count"] = None
    # what each sum adds up, for the number's provenance (src/book/provenance.py): item → ((series, level, percent), …)
    out.attrs = {**table.attrs, "parts": {item: tuple((str(r.series), str(r.level), float(r.percent))
                                                      for r in group.itertuples() if not pd.isna(r.percent))
                                          for item, group in rows.groupby("item", sort=False)}}
    return out.sort_values("percent", ascending=False, kind="stable"), positive
