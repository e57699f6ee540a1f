"""Audit of the report's own numbers: recompute what the data determines and list every disagreement.

``percent_checks`` recomputes each printed percentage from its count and stated n;
``base_explanations`` looks, figure by figure, for the one denominator that would make
every printed percentage agree (the most plausible explanation of a whole-figure
mismatch); ``sum_checks`` adds up single-choice and rating rows; ``prose_checks``
recomputes the numbers the report's prose states from the figures and survey facts.
Everything is computed from the data: the audit page changes when the data does.

Every check is written in the language ``lang`` asks for (``"ja"``, the default, or
``"en"`` for the English edition): the rows are the same, in the same order, in both —
only the texts a reader sees (figure names, labels, verdicts, explanations) differ, so a
row of one edition's table is the same check as the row at that position in the other's.
Labels from the data are translated with :func:`src.base.i18n.tr`; the comparisons always use
the Japanese labels of the data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from src.base.i18n import tr
from src.data.figures import figure_name, place_name
from src.data.package import Survey
from src.data.shares import fmt_percent, percent_of, round_half_up

#: Fig. 1 answer options (verbatim) that count as doing international collaboration,
#: and those that count as doing any collaboration at all.
INTERNATIONAL = ("国際的な産学連携、国内の産学連携どちらも行った", "国際的な産学連携は行ったが、国内の産学連携は行っていない")
DOMESTIC_ONLY = "国際的な産学連携は行っていない、国内の産学連携は行った"


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


def _l(lang: str, ja: str, en: str) -> str:
    """The Japanese or the English text, for ``lang``."""
    return ja if lang == "ja" else en


def _sign(lang: str) -> str:
    return _l(lang, "％", "%")


def _pct(value, lang: str) -> str:
    return fmt_percent(value, _sign(lang))


#: A figure's series as a place: 「概要図表N（series）」 / "Summary Figure N, “series”".
_SERIES_OF_FIGURE = {"ja": "{figure}（{series}）", "en": "{figure}, “{series}”"}


def _where(number: int, series: str, lang: str) -> str:
    """Figure ``number`` (:func:`figures.figure_name`), and its series if it has one."""
    if not series:
        return figure_name(number, lang)
    return _SERIES_OF_FIGURE[_l(lang, "ja", "en")].format(figure=figure_name(number, lang), series=tr(series, lang))


def _and(items: list[str], lang: str) -> str:
    """「A・B」 / "A and B", "A, B and C"."""
    items = list(items)
    if lang == "ja":
        return "・".join(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


#: The ``what`` of a base check (base_explanations), by which a finding finds its base row.
_BASE_WHAT = {"ja": "割合の母数", "en": "base of the percentages"}


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


def _frame(checks: list[Check]) -> pd.DataFrame:
    return pd.DataFrame([c.__dict__ for c in checks],
                        columns=["figure", "what", "printed", "recomputed", "verdict", "explanation", "number", "series"])


def _with_counts(survey: Survey, figures=None):
    for number, res in sorted(survey.resources.items()):
        if figures is not None and number not in figures:
            continue
        table = survey.table(number)
        if table is None:
            continue
        rows = table.dropna(subset=["count", "percent"])
        if not rows.empty:
            yield number, res, rows


def percent_checks(survey: Survey, lang: str = "ja") -> pd.DataFrame:
    """Every printed percentage with a count, recomputed as count/n (stated n), rounded half-up."""
    checks = []
    for number, _, rows in _with_counts(survey):
        for r in rows.itertuples():
            expected = percent_of(int(r.count), int(r.n))
            printed = round_half_up(r.percent)
            if lang == "ja":
                label = f"{r.series}／{r.item}" if r.series else r.item
                shown = f"{printed}％（{int(r.count)}/{int(r.n)}）"
            else:
                label = f"{tr(r.series, lang)} / {tr(r.item, lang)}" if r.series else tr(r.item, lang)
                shown = f"{printed}% ({int(r.count)}/{int(r.n)})"
            checks.append(Check(figure_name(number, lang), label, shown, f"{expected}{_sign(lang)}",
                                verdict(printed == expected, lang), number=number, series=r.series))
    return _frame(checks)


def consistent_bases(counts: list[int], percents: list[float], search: range) -> list[int]:
    """Denominators in ``search`` for which every count/base rounds to its printed percent."""
    return [b for b in search if b > 0 and all(
        b >= c and percent_of(c, b) == round_half_up(p) for c, p in zip(counts, percents))]


def base_explanations(survey: Survey, figures: list[int] | None = None, lang: str = "ja") -> pd.DataFrame:
    """For each figure whose percentages disagree with the stated n: which single n would fit them all."""
    checks = []
    for number, res, rows in _with_counts(survey, figures):
        for series, group in rows.groupby("series", sort=False):
            counts = [int(c) for c in group["count"]]
            percents = [float(p) for p in group["percent"]]
            stated = int(group["n"].iloc[0])
            if consistent_bases(counts, percents, range(stated, stated + 1)):
                continue
            bases = consistent_bases(counts, percents, range(max(1, max(counts)), 3 * stated + 1))
            declared = res.percent_base
            fits = _l(lang, "、", ", ").join(f"n={b}" for b in bases[:5])
            if bases and lang == "ja":
                text = (f"全{len(counts)}行の割合は記載のn={stated}ではなく{fits}で割った値と一致する。"
                        f"図の割合は記載と異なる母数で計算されたとみられる")
                if declared in bases:
                    text += f"（データには割合の母数n={declared}として記録済み）"
            elif bases:
                text = (f"The percentages of all {len(counts)} rows equal the counts divided by "
                        f"{' or '.join(f'n={b}' for b in bases[:5])}, not by the stated n={stated}. "
                        "The figure’s percentages appear to have been computed on a base other than the stated one")
                if declared in bases:
                    text += f" (recorded in the data as the base of the percentages, n={declared})"
            else:
                text = _l(lang, "どの単一の母数でも全行の割合を再現できない。個別の印刷値の誤りが考えられる",
                          "No single base reproduces the percentages of all rows. "
                          "Errors in individual printed values are possible")
            checks.append(Check(_where(number, series, lang), _BASE_WHAT[lang], f"n={stated}",
                                fits if bases else NONE_FOUND[_l(lang, "ja", "en")], verdict_text(DISAGREE, lang), text,
                                number=number, series=series))
    return _frame(checks)


def percent_only_bases(percents: list[float], search: range) -> list[int]:
    """Denominators for which every printed percent equals k/base (rounded half-up) for some integer k."""
    found = []
    for base in search:
        if all(percent_of(int(round(p * base / 100)), base) == round_half_up(p) for p in percents):
            found.append(base)
    return found


def _respondents(survey: Survey, number: int, series: str) -> tuple[str, int] | None:
    """The single-choice series of the same figure and its n: how many institutions answered the question
    (figures 13 and 14 print 「最も重要」 with its n beside the top-3 series); None when there is none."""
    res, table = survey.resource(number), survey.table(number)
    for other, group in table.groupby("series", sort=False):
        if other != series and res.series_type(other) == "single_choice" and group["n"].notna().all():
            return other, int(group["n"].iloc[0])
    return None


def implied_base_checks(survey: Survey, lang: str = "ja") -> pd.DataFrame:
    """Series printed without counts: does the stated n reproduce every percentage, and which n would?

    Where the figure also has a single-choice series, its n is the number of institutions that answered,
    and a base is looked for up to that number: a sum near 300 % fits percentages of institutions that
    chose up to three each, but only a base near the institutions that answered would explain the values.
    """
    checks = []
    for number, res in sorted(survey.resources.items()):
        table = survey.table(number)
        if table is None or res.question_type == "rating":
            continue
        for series, group in table.groupby("series", sort=False):
            if group["count"].notna().any():
                continue
            percents = [float(p) for p in group["percent"].dropna()]
            if not percents:
                continue
            stated = int(group["n"].iloc[0])
            ok = bool(percent_only_bases(percents, range(stated, stated + 1)))
            total = round(sum(percents), 1)
            where = _where(number, series, lang)
            if ok:
                note = _l(lang, "全ての割合がnの整数倍の比として再現できる",
                          "Every percentage can be reproduced as a whole number divided by n")
                checks.append(Check(where, _l(lang, "回答数のない系列の母数", "base of a series printed without counts"),
                                    f"n={stated}", f"n={stated}", verdict(True, lang), note, number=number,
                                    series=series))
                continue
            fits = percent_only_bases(percents, range(1, 10 * stated + 1))
            smallest = f"n={fits[0]}" if fits else _l(lang, f"{10 * stated}以下になし", f"none up to {10 * stated}")
            answered = _respondents(survey, number, series)
            near = [b for b in fits if answered and b <= answered[1]]
            recomputed = smallest if not answered else (f"n={near[0]}" if near else NONE_FOUND[_l(lang, "ja", "en")])
            checks.append(Check(where, _l(lang, "回答数のない系列の母数", "base of a series printed without counts"),
                                f"n={stated}", recomputed, verdict(False, lang),
                                _implied_note(total, smallest, answered, bool(near), lang), number=number,
                                series=series))
    return _frame(checks)


def _implied_note(total: float, smallest: str, answered: tuple[str, int] | None, near: bool, lang: str) -> str:
    """Why the stated n of a series without counts fails, and what its sum is (and is not) consistent with."""
    three = total > 150        # shares of institutions choosing up to three, not shares of all choices
    if lang == "ja":
        note = f"記載のnでは割合を再現できない。割合の合計は{total}％"
        note += ("で、この合計だけは、選択数ではなく回答機関数を母数とし1機関が3つまで選ぶ集計と整合する。" if three else "。")
        if answered and not near:
            return note + (f"しかし回答機関数（同じ図の「{answered[0]}」のn={answered[1]}）以下のどの母数でも全ての値は再現できず"
                           f"（全ての値を再現できる最小の母数は{smallest}）、母数は概要からは決められない")
        return note + f"全ての値を再現できる最小の母数は{smallest}"
    note = f"The stated n does not reproduce the percentages. The percentages add up to {total}%"
    note += ("; this sum alone is consistent with percentages of the number of responding institutions, each "
             "choosing up to 3, rather than of the number of choices." if three else ".")
    if answered and not near:
        return note + (f" But no base up to the number of institutions that answered (n={answered[1]} of "
                       f"“{tr(answered[0], lang)}” in the same figure) reproduces every value (the smallest base "
                       f"that does is {smallest}), so the summary does not determine the base")
    return note + f" The smallest base that reproduces every value: {smallest}"


def sum_checks(survey: Survey, lang: str = "ja") -> pd.DataFrame:
    """Sums of single-choice series and of each rating item's levels (each printed value may be off by 0.05)."""
    checks = []
    for number, res in sorted(survey.resources.items()):
        table = survey.table(number)
        if table is None:
            continue
        for series, group in table.groupby("series", sort=False):
            qtype = res.series_type(series)
            if qtype == "single_choice":
                units = [(series or "全体", group)]
            elif qtype == "rating":
                units = list(group.groupby("item", sort=False))
            else:
                continue
            for name, rows in units:
                known = rows["percent"].dropna().astype(float)
                total = round(sum(known), 1)
                tolerance = 0.05 * len(rows)
                unknown = len(rows) - len(known)
                if not unknown:
                    ok = abs(total - 100) <= tolerance + 1e-9
                    result = verdict(ok, lang)
                    note = "" if ok else _l(lang, "合計が100％から丸め誤差を超えてずれている",
                                            "The sum differs from 100% by more than rounding error")
                elif total > 100 + tolerance:
                    result = verdict_text(DISAGREE, lang)
                    note = _l(lang, f"{unknown}個の値が不明だが、既知の値だけで100％を超える",
                              f"{_plural(unknown, 'value is', 'values are')} unknown, "
                              "but the known values alone exceed 100%")
                else:
                    result = verdict_text(UNDECIDABLE, lang)
                    note = _l(lang, f"{unknown}個の値が不明なため、合計を確かめられない",
                              f"{_plural(unknown, 'value is', 'values are')} unknown, so the sum cannot be checked")
                if lang == "ja":
                    what = f"{name}の合計"
                    shown = f"{total}％（既知の値）" if unknown else f"{total}％"
                else:
                    what = "sum of all answers" if name == "全体" and not series else f"sum of “{tr(name, lang)}”"
                    shown = f"{total}% (known values)" if unknown else f"{total}%"
                checks.append(Check(figure_name(number, lang), what, shown,
                                    _l(lang, "100％（丸め誤差の範囲）", "100% (within rounding)"), result, note))
    return _frame(checks)


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


def prose_checks(survey: Survey, lang: str = "ja") -> pd.DataFrame:
    """Numbers the report's text states, recomputed from the survey facts and the figures."""
    checks = []
    facts = survey.facts
    no_value = _NO_PRINTED_VALUE[_l(lang, "ja", "en")]
    if facts.get("population") and facts.get("responses"):
        rate = Decimal(facts["responses"]) * 100 / facts["population"]
        printed = facts.get("reported_response_rate_percent")
        checks.append(Check(place_name("Ⅰ", lang=lang),
                            _l(lang, "回収率", "response rate") + _l(lang, "（{}/{}）", " ({}/{})").format(
                                facts["responses"], facts["population"]),
                            f"{printed}{_sign(lang)}" if printed is not None else "—", _pct(rate, lang),
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
            note = _l(lang, f"母数は{figure_name(1)}の回答機関n={n}（全回答{facts.get('responses', '—')}機関ではない）",
                      f"the base is the n={n} institutions that answered {figure_name(1, lang)} "
                      f"(not all {facts.get('responses', '—')} responding institutions)")
        where = place_name("Ⅲ", 1, lang=lang)
        checks.append(Check(where, _l(lang, f"国際産学連携の実施割合（{intl}/{n}）",
                                      "share of institutions engaged in international industry–academia "
                                      f"collaboration ({intl}/{n})"),
                            f"{printed}{_sign(lang)}" if printed is not None else "—",
                            _pct(shares["share_of_respondents"], lang), result,
                            note or ("" if printed is not None else no_value)))
        if facts.get("responses"):
            alt = Decimal(intl) * 100 / facts["responses"]
            checks.append(Check(where, _l(lang, f"同、全回答機関を母数とした場合（{intl}/{facts['responses']}）",
                                          "the same, with all responding institutions as the base "
                                          f"({intl}/{facts['responses']})"),
                                "—", _pct(alt, lang), verdict_text(UNDECIDABLE, lang),
                                _l(lang, "参考値：報告書に対応する値はなく、母数の違いによる差を示す",
                                   "for reference: the report has no corresponding value; the row shows the "
                                   "difference the base makes")))
        fact = survey.reported("intl_share_among_ilc_summary")
        share = shares["share_of_collaborators"]
        printed_text = str(fact.get("value")) if fact else "—"
        low, high = rough_share_bounds(printed_text)
        shown = printed_text if lang == "ja" else tr(printed_text, lang)
        if low is None:
            result = verdict_text(UNDECIDABLE, lang)
            note = _l(lang, f"「{printed_text}」を数の範囲として解釈できない",
                      f"“{shown}” cannot be read as a range of numbers")
        else:
            result = verdict(low <= share < high, lang)
            note = _l(lang, f"「{printed_text}」は{low}％以上{high}％未満と解釈",
                      f"“{shown}” read as at least {low}% and less than {high}%")
        checks.append(Check(place_name("（１－１）", "Ⅲ", lang=lang),
                            _l(lang, f"産学連携実施機関に占める国際産学連携の割合（{intl}/{shares['any']}）",
                               "share of international industry–academia collaboration among the institutions "
                               f"engaged in any industry–academia collaboration ({intl}/{shares['any']})"),
                            shown, _pct(share, lang), result, note))
    checks += _figure_base_links(survey, lang)
    return _frame(checks)


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
                                _l(lang, "データから計算する方法がない", "there is no way to compute it from the data")))
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
        checks.append(Check(location, statement, printed, _pct(value, lang), verdict(after_ok, lang), note))
    return _frame(checks)


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
            checks.append(Check(_l(lang, "概要図表2・3", "Summary Figures 2 and 3"),
                                _l(lang, f"{figure_name(3)}のn={n3} ÷ {figure_name(2)}のn={n2}",
                                   f"n={n3} of {figure_name(3, lang)} ÷ n={n2} of {figure_name(2, lang)}"),
                                _l(lang, f"{lacking['percent']}％（本文）", f"{lacking['percent']}% (text)"),
                                _pct(share, lang),
                                verdict(round_half_up(share) == round_half_up(lacking["percent"]), lang),
                                _l(lang, f"{figure_name(3)}は「十分な体制がない」と答えた機関への設問",
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


def disagreements(survey: Survey, lang: str = "ja") -> pd.DataFrame:
    """Every check, from all audits, where the report's print and its own numbers disagree."""
    percents, bases = percent_checks(survey, lang), base_explanations(survey, lang=lang)
    disagree = verdict_text(DISAGREE, lang)
    for row in bases.itertuples():
        # a row the whole-figure base explains gets that explanation
        same = ((percents["number"] == row.number) & (percents["series"] == row.series)
                & (percents["verdict"] == disagree) & (percents["explanation"] == ""))
        if row.recomputed != NONE_FOUND[_l(lang, "ja", "en")]:
            percents.loc[same, "explanation"] = _l(
                lang, f"図全体の割合が{row.recomputed}で割った値と一致する（母数の違い）",
                f"the whole figure’s percentages equal the counts divided by {row.recomputed} (a different base)")
        percents.loc[same, "cause"] = f"{BASE}{row.figure}"
    bases["cause"] = BASE + bases["figure"]
    frames = [percents, bases, implied_base_checks(survey, lang).assign(cause=IMPLIED),
              sum_checks(survey, lang).assign(cause=SUMS), prose_checks(survey, lang).assign(cause=PROSE)]
    allc = pd.concat(frames, ignore_index=True)
    return allc[allc["verdict"] == disagree].reset_index(drop=True)


#: Causes a disagreement is filed under (``cause`` column of ``disagreements``).
BASE, IMPLIED, SUMS, PROSE = "母数：", "回答数のない系列", "合計", "本文"


@dataclass(frozen=True)
class Finding:
    """One cause of disagreements: a sentence that states it with its numbers, and the rows it explains."""

    sentence: str
    rows: pd.DataFrame


def disagreement_findings(survey: Survey, lang: str = "ja") -> list[Finding]:
    """The disagreements grouped by cause, in the order the audit finds them, one sentence each (in ``lang``)."""
    table = disagreements(survey, lang)
    checks = percent_checks(survey, lang)
    return [Finding(_finding_sentence(survey, cause, rows, checks, lang), rows.reset_index(drop=True))
            for cause, rows in table.groupby("cause", sort=False)]


def _finding_sentence(survey: Survey, cause: str, rows: pd.DataFrame, checks: pd.DataFrame, lang: str = "ja") -> str:
    if cause.startswith(BASE):
        return _base_sentence(rows, checks, lang)
    if cause == IMPLIED:
        return _implied_sentence(survey, rows, lang)
    figures = _and(list(dict.fromkeys(rows["figure"])), lang)
    if cause == SUMS:
        return _l(lang, f"{figures}では、{len(rows)}組の合計が100％から丸め誤差を超えてずれています。",
                  f"In {figures}, {_plural(len(rows), 'sum differs', 'sums differ')} from 100% by more than "
                  "rounding error.")
    if lang == "ja":
        return f"報告書の本文が述べる数値のうち{len(rows)}件が、図と調査概要から計算し直した値と一致しません（{figures}）。"
    return (f"Of the numbers stated in the report’s text, {len(rows)} "
            f"{'does' if len(rows) == 1 else 'do'} not agree with the values recomputed from the figures and the "
            f"survey outline ({figures}).")


def _base_sentence(rows: pd.DataFrame, checks: pd.DataFrame, lang: str = "ja") -> str:
    """「概要図表4では、印字された割合のうち8個が…全13行の割合はn=588で割った値と一致…」."""
    base = rows[rows["what"] == _BASE_WHAT[_l(lang, "ja", "en")]].iloc[0]
    wrong = len(rows) - 1
    same = (checks["number"] == base["number"]) & (checks["series"] == base["series"])
    where = base["figure"]
    undetermined = base["recomputed"] == NONE_FOUND[_l(lang, "ja", "en")]
    if lang == "ja":
        text = f"{where}では、印字された割合のうち{wrong}個が、記載の{base['printed']}で計算し直した値と一致しません。"
        if undetermined:
            return text + "どの単一の母数でも全行を再現できないため、個別の印刷値の誤りが考えられます。"
        return (text + f"図の全{int(same.sum())}行の割合は{base['recomputed']}で割った値と一致するため、"
                "割合は記載と異なる母数で計算されたとみられます。")
    text = (f"In {where}, {wrong} of the printed percentages {'does' if wrong == 1 else 'do'} not agree with the "
            f"values recomputed with the stated {base['printed']}.")
    if undetermined:
        return text + " No single base reproduces all rows, so errors in individual printed values are possible."
    return (text + f" The percentages of all {int(same.sum())} rows of the figure equal the counts divided by "
            f"{base['recomputed']}, so the percentages appear to have been computed on a base other than the "
            "stated one.")


def _implied_sentence(survey: Survey, rows: pd.DataFrame, lang: str = "ja") -> str:
    """Series printed without counts whose percentages the stated n cannot give."""
    totals = []
    for row in rows.itertuples():
        table = survey.table(int(row.number))
        totals.append(round(float(table.loc[table["series"] == row.series, "percent"].dropna().sum()), 1))
    figures = _and(list(rows["figure"]), lang)
    consistent = all(t > 150 for t in totals)
    undetermined = (rows["recomputed"] == NONE_FOUND[_l(lang, "ja", "en")]).all()
    if lang == "ja":
        total = f"いずれも{totals[0]}％" if len(set(totals)) == 1 else "・".join(f"{t}％" for t in totals)
        text = (f"{figures}の{len(rows)}系列は回答数が印字されておらず、割合を記載のnでは再現できません。"
                f"割合の合計は{total}")
        if consistent:
            text += "で、この合計は、選択数ではなく回答機関数を母数とし1機関が3つまで選ぶ集計と整合します。"
        else:
            text += "です。"
        if undetermined:
            text += ("ただし整合するのは合計だけで、回答機関数（同じ図の単一回答の系列のn）以下のどの母数でも"
                     "個々の割合は再現できず、母数は概要からは決められません。")
        return text
    if len(rows) == 1:
        total = f"{totals[0]}%"
    elif len(set(totals)) == 1:
        total = f"{totals[0]}% in each case"
    else:
        total = _and([f"{t}%" for t in totals], lang) + " respectively"
    text = (f"In {_plural(len(rows), 'series', 'series')} ({figures}), no counts are printed, and the stated n "
            f"does not reproduce the percentages. The percentages add up to {total}")
    text += (", which is consistent with percentages of the number of responding institutions, each choosing up "
             "to 3, rather than of the number of choices." if consistent else ".")
    if undetermined:
        text += (" Only the sum is consistent, though: no base up to the number of institutions that answered (the n "
                 "of the figure’s single-answer series) reproduces the individual percentages, so the summary does "
                 "not determine the base.")
    return text
