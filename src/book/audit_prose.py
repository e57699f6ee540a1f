"""The audit of the report's text: the numbers its prose states (response rate, the shares of
international collaboration, 「N割程度」), the bases one figure's n implies for another, and the
corrections on its public page, each recomputed from the survey facts and the figures.
"""
from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd

from src.base.i18n import tr
from src.book.checks import (CONSISTENT, DISAGREE, UNDECIDABLE, Check, as_frame, by_lang, pct, percent_sign, verdict,
                             verdict_text)
from src.book.provenance import Number, ProvenanceError, cells, share_of, total
from src.data.figures import figure_name, place_name
from src.data.package import Survey
from src.data.shares import round_half_up


#: Fig. 1 answer options (verbatim) that count as doing international collaboration,
#: and those that count as doing any collaboration at all.
INTERNATIONAL = ("国際的な産学連携、国内の産学連携どちらも行った", "国際的な産学連携は行ったが、国内の産学連携は行っていない")


DOMESTIC_ONLY = "国際的な産学連携は行っていない、国内の産学連携は行った"


NO_PRINTED_VALUE = "報告書に比べる値の記載がない"


_NO_PRINTED_VALUE = {"ja": NO_PRINTED_VALUE, "en": "the report prints no value to compare with"}


def _compare(printed, agrees, lang: str = "ja") -> str:
    """判定不能 when the report prints no value to compare with, else the verdict of ``agrees()``."""
    return verdict_text(UNDECIDABLE, lang) if printed is None else verdict(agrees(), lang)


def rough_share_bounds(text: str) -> tuple[int | None, int | None]:
    """「N割程度」 → the percentages it covers (N×10 ± 5); (None, None) for other wording."""
    match = re.search(r"([0-9０-９一二三四五六七八九])割", text)
    if not match:
        return None, None
    digit = match.group(1)
    tenths = int(digit) if digit.isdigit() else "一二三四五六七八九".index(digit) + 1
    return tenths * 10 - 5, tenths * 10 + 5


def international_shares(survey: Survey) -> dict[str, Decimal | int] | None:
    """From figure 1: institutions doing international collaboration, among respondents and among collaborators."""
    table = survey.table(1)
    if table is None or table["count"].isna().any():
        return None
    counts = dict(zip(table["item"], table["count"].astype(int)))
    if not all(k in counts for k in (*INTERNATIONAL, DOMESTIC_ONLY)):
        return None
    intl = sum(counts[k] for k in INTERNATIONAL)
    anyc = intl + counts[DOMESTIC_ONLY]
    n = int(table["n"].iloc[0])
    return {"international": intl, "any": anyc, "n": n,
            "share_of_respondents": Decimal(intl) * 100 / n, "share_of_collaborators": Decimal(intl) * 100 / anyc}


def international_numbers(survey: Survey) -> dict[str, Number] | None:
    """Figure 1's institutions doing international collaboration (``intl_count``), doing any (``any_count``),
    and their share among respondents (``intl_share``) and among collaborators (``intl_share_of_collaborators``),
    each with the rows it adds up (:func:`international_shares`' arithmetic); None without those counts."""
    shares = international_shares(survey)
    if shares is None:
        return None
    table = survey.table(1)
    rows = {item: table[table["item"] == item] for item in (*INTERNATIONAL, DOMESTIC_ONLY)}
    international = sum((cells(rows[item], "count") for item in INTERNATIONAL), ())
    collaborating = international + cells(rows[DOMESTIC_ONLY], "count")
    base = cells(table.head(1), "n")
    numbers = {"intl_count": total(international), "any_count": total(collaborating),
               "intl_share": share_of(international, base), "intl_share_of_collaborators": share_of(international, collaborating)}
    if (numbers["intl_share"].value, numbers["intl_share_of_collaborators"].value) != (
            shares["share_of_respondents"], shares["share_of_collaborators"]):
        raise ProvenanceError("figure 1's shares do not add up as the audit computes them")
    return numbers


def erratum_numbers(survey: Survey) -> dict[str, Number]:
    """The numbers this site recomputes for the report's corrections, by the erratum's ``reported_in_prose``
    (the same values :func:`erratum_checks` compares)."""
    numbers = international_numbers(survey)
    return {"intl_share_of_respondents": numbers["intl_share"]} if numbers else {}


def prose_checks(survey: Survey, lang: str = "ja") -> pd.DataFrame:
    """Numbers the report's text states, recomputed from the survey facts and the figures."""
    checks = []
    facts = survey.facts
    no_value = _NO_PRINTED_VALUE[by_lang(lang, "ja", "en")]
    if facts.get("population") and facts.get("responses"):
        rate = Decimal(facts["responses"]) * 100 / facts["population"]
        printed = facts.get("reported_response_rate_percent")
        checks.append(Check(place_name("Ⅰ", lang=lang),
                            by_lang(lang, "回収率", "response rate") + by_lang(lang, "（{}/{}）", " ({}/{})").format(
                                facts["responses"], facts["population"]),
                            f"{printed}{percent_sign(lang)}" if printed is not None else "—", pct(rate, lang),
                            _compare(printed, lambda: round_half_up(rate) == round_half_up(printed), lang),
                            "" if printed is not None else no_value))
    shares = international_shares(survey)
    if shares:
        intl, n = shares["international"], shares["n"]
        fact = survey.reported("intl_share_of_respondents")
        printed = fact["value"] if fact else None
        result = _compare(printed, lambda: round_half_up(shares["share_of_respondents"]) == round_half_up(printed), lang)
        note = ""
        if facts.get("responses") and facts["responses"] != n:
            note = by_lang(lang, f"母数は{figure_name(1)}の回答機関n={n}（全回答{facts.get('responses', '—')}機関ではない）",
                      f"the base is the n={n} institutions that answered {figure_name(1, lang)} "
                      f"(not all {facts.get('responses', '—')} responding institutions)")
        where = place_name("Ⅲ", 1, lang=lang)
        checks.append(Check(where, by_lang(lang, f"国際産学連携の実施割合（{intl}/{n}）",
                                      "share of institutions engaged in international industry–academia "
                                      f"collaboration ({intl}/{n})"),
                            f"{printed}{percent_sign(lang)}" if printed is not None else "—",
                            pct(shares["share_of_respondents"], lang), result,
                            note or ("" if printed is not None else no_value)))
        if facts.get("responses"):
            alt = Decimal(intl) * 100 / facts["responses"]
            checks.append(Check(where, by_lang(lang, f"同、全回答機関を母数とした場合（{intl}/{facts['responses']}）",
                                          "the same, with all responding institutions as the base "
                                          f"({intl}/{facts['responses']})"),
                                "—", pct(alt, lang), verdict_text(UNDECIDABLE, lang),
                                by_lang(lang, "参考値：報告書に対応する値はなく、母数の違いによる差を示す",
                                   "for reference: the report has no corresponding value; the row shows the "
                                   "difference the base makes")))
        fact = survey.reported("intl_share_among_ilc_summary")
        share = shares["share_of_collaborators"]
        printed_text = str(fact.get("value")) if fact else "—"
        low, high = rough_share_bounds(printed_text)
        shown = printed_text if lang == "ja" else tr(printed_text, lang)
        if low is None:
            result = verdict_text(UNDECIDABLE, lang)
            note = by_lang(lang, f"「{printed_text}」を数の範囲として解釈できない",
                      f"“{shown}” cannot be read as a range of numbers")
        else:
            result = verdict(low <= share < high, lang)
            note = by_lang(lang, f"「{printed_text}」は{low}％以上{high}％未満と解釈",
                      f"“{shown}” read as at least {low}% and less than {high}%")
        checks.append(Check(place_name("（１－１）", "Ⅲ", lang=lang),
                            by_lang(lang, f"産学連携実施機関に占める国際産学連携の割合（{intl}/{shares['any']}）",
                               "share of international industry–academia collaboration among the institutions "
                               f"engaged in any industry–academia collaboration ({intl}/{shares['any']})"),
                            shown, pct(share, lang), result, note))
    checks += _figure_base_links(survey, lang)
    return as_frame(checks)


def erratum_checks(survey: Survey, lang: str = "ja") -> pd.DataFrame:
    """The report's own corrections (package ``sources[0].errata``), each recomputed from the data.

    The same columns in every ``lang``; ``recomputed``, ``verdict`` and ``explanation`` (and
    the labels) in that language.
    """
    checks = []
    source = (survey.descriptor.get("sources") or [{}])[0]
    shares = international_shares(survey)
    recomputed = {"intl_share_of_respondents": shares["share_of_respondents"] if shares else None}
    for e in source.get("errata", []):
        value = recomputed.get(e.get("reported_in_prose"))
        if lang == "ja":
            location, statement = e.get("location", ""), e["statement"]
            printed = f"{e['before']}％→{e['after']}％（{e['date']}訂正）"
        else:
            location, statement = tr(e.get("location", ""), lang), tr(e["statement"], lang)
            printed = f"{e['before']}% → {e['after']}% (corrected {e['date']})"
        if value is None:
            checks.append(Check(location, statement, printed, "—", verdict_text(UNDECIDABLE, lang),
                                by_lang(lang, "データから計算する方法がない", "there is no way to compute it from the data")))
            continue
        after_ok = round_half_up(value) == round_half_up(e["after"])
        before_ok = round_half_up(value) == round_half_up(e["before"])
        if lang == "ja":
            note = ("訂正後の値がデータからの計算と一致する" if after_ok else
                    "訂正前の値がデータからの計算と一致する" if before_ok else "訂正の前後いずれの値とも一致しない")
        else:
            note = ("the corrected value agrees with the calculation from the data" if after_ok else
                    "the value before the correction agrees with the calculation from the data" if before_ok else
                    "neither the value before nor the value after the correction agrees with the calculation")
        checks.append(Check(location, statement, printed, pct(value, lang), verdict(after_ok, lang), note))
    return as_frame(checks)


def _figure_base_links(survey: Survey, lang: str = "ja") -> list[Check]:
    """Stated n's that should follow from other figures (e.g. fig. 3's n = fig. 2's 体制不足 share)."""
    checks = []
    fig2 = survey.resources.get(2)
    fig3 = survey.resources.get(3)
    if fig2 and fig3 and survey.table(3) is not None:
        facts = {f.get("item"): f for f in fig2.prose_facts if f.get("percent") is not None}
        n2 = fig2.n.get("")
        n3 = int(survey.table(3)["n"].iloc[0])
        lacking = next((f for item, f in facts.items() if item and "体制" in item), None)
        if lacking and n2:
            share = Decimal(n3) * 100 / Decimal(n2)
            checks.append(Check(by_lang(lang, "概要図表2・3", "Summary Figures 2 and 3"),
                                by_lang(lang, f"{figure_name(3)}のn={n3} ÷ {figure_name(2)}のn={n2}",
                                   f"n={n3} of {figure_name(3, lang)} ÷ n={n2} of {figure_name(2, lang)}"),
                                by_lang(lang, f"{lacking['percent']}％（本文）", f"{lacking['percent']}% (text)"),
                                pct(share, lang),
                                verdict(round_half_up(share) == round_half_up(lacking["percent"]), lang),
                                by_lang(lang, f"{figure_name(3)}は「十分な体制がない」と答えた機関への設問",
                                   f"{figure_name(3, lang)}’s question was put to the institutions that answered "
                                   "that they do not have enough capacity")))
    shares = international_shares(survey)
    for number in (11, 12):
        table = survey.table(number)
        if shares and table is not None:
            intl = shares["international"]
            for series, group in table.groupby("series", sort=False):
                n = int(group["n"].iloc[0])
                if lang == "ja":
                    what = f"{series or '全体'}のnと国際産学連携実施機関数"
                    count = f"{intl}機関（{figure_name(1)}）"
                    note = ("nは実施機関数以下で整合する（母数は実施機関のうち設問に回答した機関）" if n < intl else
                            "nは実施機関数と同じ" if n == intl else "")
                else:
                    whose = f"“{tr(series, lang)}”" if series else "the whole figure"
                    what = (f"n of {whose} and the number of institutions engaged in international "
                            "industry–academia collaboration")
                    count = f"{intl} institutions ({figure_name(1, lang)})"
                    note = ("n is at most the number of engaged institutions, as it should be (the base is the engaged "
                            "institutions that answered this question)" if n < intl else
                            "n equals the number of engaged institutions" if n == intl else "")
                result = verdict_text(CONSISTENT if n <= intl else DISAGREE, lang)
                checks.append(Check(figure_name(number, lang), what, f"n={n}", count, result, note))
    return checks
