"""Audit of the report's own numbers: recompute what the data determines and list every disagreement.

``percent_checks`` recomputes each printed percentage from its count and stated n;
``base_explanations`` looks, figure by figure, for the one denominator that would make
every printed percentage agree (the most plausible explanation of a whole-figure
mismatch); ``sum_checks`` adds up single-choice and rating rows; ``prose_checks``
recomputes the numbers the report's prose states from the figures and survey facts
(src/book/audit_prose.py, with ``erratum_checks``); ``disagreements`` gathers every check that
disagrees and ``disagreement_findings`` states each cause in a sentence.  This module holds the
checks of the figures and that summary; the audit page (chapters/audit.md) reads every check from
here.  A check's record and verdicts are in src/book/checks.py.
Everything is computed from the data: the audit page changes when the data does.

Every check is written in the language ``lang`` asks for (``"ja"``, the default, or
``"en"`` for the English edition): the rows are the same, in the same order, in both —
only the texts a reader sees (figure names, labels, verdicts, explanations) differ, so a
row of one edition's table is the same check as the row at that position in the other's.
Labels from the data are translated with :func:`src.base.i18n.tr`; the comparisons always use
the Japanese labels of the data.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from src.base.i18n import tr
# the audit page reads every check from here: the verdicts, and the checks of the report's text (audit_prose)
from src.book.audit_prose import erratum_checks, prose_checks
from src.book.provenance import Number, base_of, caption_n, cell, cells, counted, rule, total
from src.book.checks import (AGREE, BASE_WHAT, DISAGREE, NONE_FOUND, UNDECIDABLE, Check, and_list, as_frame, by_lang,
                             percent_sign, plural, verdict, verdict_text, where_in)
from src.data.figures import figure_name
from src.data.package import Survey
from src.data.shares import HALF_UNIT, percent_of, round_half_up

__all__ = ["AGREE", "DISAGREE", "UNDECIDABLE", "percent_checks", "base_explanations", "implied_base_checks", "sum_checks",
           "prose_checks", "erratum_checks", "disagreements", "disagreement_findings", "Finding",
           "consistent_bases", "percent_only_bases"]


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
            checks.append(Check(figure_name(number, lang), label, shown, f"{expected}{percent_sign(lang)}",
                                verdict(printed == expected, lang), number=number, series=r.series))
    return as_frame(checks)


def consistent_bases(counts: list[int], percents: list[float], search: range) -> list[int]:
    """Denominators in ``search`` for which every count/base rounds to its printed percent."""
    return [b for b in search if b > 0 and all(
        b >= c and percent_of(c, b) == round_half_up(p) for c, p in zip(counts, percents))]


def fitting_bases(group: pd.DataFrame) -> list[int]:
    """The bases (up to three times the stated n) for which every count of one series' rows rounds to its
    printed percent: what :func:`base_explanations` offers when the stated n does not fit."""
    counts = [int(c) for c in group["count"]]
    percents = [float(p) for p in group["percent"]]
    return consistent_bases(counts, percents, range(max(1, max(counts)), 3 * int(group["n"].iloc[0]) + 1))


def base_rows(survey: Survey, number: int, series: str) -> pd.DataFrame:
    """The rows of figure ``number``'s ``series`` that :func:`base_explanations` checks (those with a count and a percent)."""
    for _, _, rows in _with_counts(survey, [number]):
        return rows[rows["series"] == series]
    return pd.DataFrame()


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
            bases = fitting_bases(group)
            declared = res.percent_base
            fits = by_lang(lang, "、", ", ").join(f"n={b}" for b in bases[:5])
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
                text = by_lang(lang, "どの単一の母数でも全行の割合を再現できない。個別の印刷値の誤りが考えられる",
                          "No single base reproduces the percentages of all rows. "
                          "Errors in individual printed values are possible")
            checks.append(Check(where_in(number, series, lang), BASE_WHAT[lang], f"n={stated}",
                                fits if bases else NONE_FOUND[by_lang(lang, "ja", "en")], verdict_text(DISAGREE, lang), text,
                                number=number, series=series))
    return as_frame(checks)


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
            where = where_in(number, series, lang)
            if ok:
                note = by_lang(lang, "全ての割合がnの整数倍の比として再現できる",
                          "Every percentage can be reproduced as a whole number divided by n")
                checks.append(Check(where, by_lang(lang, "回答数のない系列の母数", "base of a series printed without counts"),
                                    f"n={stated}", f"n={stated}", verdict(True, lang), note, number=number,
                                    series=series))
                continue
            fits = percent_only_bases(percents, range(1, 10 * stated + 1))
            smallest = f"n={fits[0]}" if fits else by_lang(lang, f"{10 * stated}以下になし", f"none up to {10 * stated}")
            answered = _respondents(survey, number, series)
            near = [b for b in fits if answered and b <= answered[1]]
            recomputed = smallest if not answered else (f"n={near[0]}" if near else NONE_FOUND[by_lang(lang, "ja", "en")])
            checks.append(Check(where, by_lang(lang, "回答数のない系列の母数", "base of a series printed without counts"),
                                f"n={stated}", recomputed, verdict(False, lang),
                                _implied_note(total, smallest, answered, bool(near), lang), number=number,
                                series=series))
    return as_frame(checks)


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
    """Sums of single-choice series and of each rating item's levels (each printed value may be off by HALF_UNIT)."""
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
                tolerance = float(HALF_UNIT) * len(rows)
                unknown = len(rows) - len(known)
                if not unknown:
                    ok = abs(total - 100) <= tolerance + 1e-9
                    result = verdict(ok, lang)
                    note = "" if ok else by_lang(lang, "合計が100％から丸め誤差を超えてずれている",
                                            "The sum differs from 100% by more than rounding error")
                elif total > 100 + tolerance:
                    result = verdict_text(DISAGREE, lang)
                    note = by_lang(lang, f"{unknown}個の値が不明だが、既知の値だけで100％を超える",
                              f"{plural(unknown, 'value is', 'values are')} unknown, "
                              "but the known values alone exceed 100%")
                else:
                    result = verdict_text(UNDECIDABLE, lang)
                    note = by_lang(lang, f"{unknown}個の値が不明なため、合計を確かめられない",
                              f"{plural(unknown, 'value is', 'values are')} unknown, so the sum cannot be checked")
                if lang == "ja":
                    what = f"{name}の合計"
                    shown = f"{total}％（既知の値）" if unknown else f"{total}％"
                else:
                    what = "sum of all answers" if name == "全体" and not series else f"sum of “{tr(name, lang)}”"
                    shown = f"{total}% (known values)" if unknown else f"{total}%"
                checks.append(Check(figure_name(number, lang), what, shown,
                                    by_lang(lang, "100％（丸め誤差の範囲）", "100% (within rounding)"), result, note))
    return as_frame(checks)


def disagreements(survey: Survey, lang: str = "ja") -> pd.DataFrame:
    """Every check, from all audits, where the report's print and its own numbers disagree."""
    percents, bases = percent_checks(survey, lang), base_explanations(survey, lang=lang)
    disagree = verdict_text(DISAGREE, lang)
    for row in bases.itertuples():
        # a row the whole-figure base explains gets that explanation
        same = ((percents["number"] == row.number) & (percents["series"] == row.series)
                & (percents["verdict"] == disagree) & (percents["explanation"] == ""))
        if row.recomputed != NONE_FOUND[by_lang(lang, "ja", "en")]:
            percents.loc[same, "explanation"] = by_lang(
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
    """One cause of disagreements: a sentence that states it with its numbers, and the rows it explains.

    ``parts``: the sentence as text and numbers, each number with where it comes from (its panel on the page:
    src/book/appendix.py ``findings_html``); ``sentence`` is their text."""

    sentence: str
    rows: pd.DataFrame
    parts: tuple = ()


def _joined(parts: list, lang: str) -> str:
    return "".join(p if isinstance(p, str) else p.shown(lang) for p in parts)


def disagreement_findings(survey: Survey, lang: str = "ja") -> list[Finding]:
    """The disagreements grouped by cause, in the order the audit finds them, one sentence each (in ``lang``)."""
    table = disagreements(survey, lang)
    checks = percent_checks(survey, lang)
    findings = []
    for cause, rows in table.groupby("cause", sort=False):
        parts = _finding_sentence(survey, cause, rows, checks, lang)
        findings.append(Finding(_joined(parts, lang), rows.reset_index(drop=True), tuple(parts)))
    return findings


def stated_n(survey: Survey, number: int, group: pd.DataFrame) -> Number:
    """The n stated for one series of a figure, as the report prints it: its caption's n (the package's
    metadata) when that is the n of the rows, else the rows' own n."""
    stated, series = int(group["n"].iloc[0]), str(group["series"].iloc[0] or "")
    if survey.resource(number).n.get(series) == stated:
        return caption_n(number, stated)
    return cell(group, group.index[0], "n")


def _finding_sentence(survey: Survey, cause: str, rows: pd.DataFrame, checks: pd.DataFrame, lang: str = "ja") -> list:
    if cause.startswith(BASE):
        return _base_sentence(survey, rows, checks, lang)
    if cause == IMPLIED:
        return _implied_sentence(survey, rows, lang)
    figures = and_list(list(dict.fromkeys(rows["figure"])), lang)
    count = counted(len(rows), "checks")
    if cause == SUMS:
        whole = rule(100, "whole")
        if lang == "ja":
            return [f"{figures}では、", count, "組の合計が", whole, "から丸め誤差を超えてずれています。"]
        return [f"In {figures}, ", count, f" {'sum differs' if len(rows) == 1 else 'sums differ'} from ", whole,
                " by more than rounding error."]
    if lang == "ja":
        return ["報告書の本文が述べる数値のうち", count, f"件が、図と調査概要から計算し直した値と一致しません（{figures}）。"]
    return ["Of the numbers stated in the report’s text, ", count,
            f" {'does' if len(rows) == 1 else 'do'} not agree with the values recomputed from the figures and the "
            f"survey outline ({figures})."]


def _base_sentence(survey: Survey, rows: pd.DataFrame, checks: pd.DataFrame, lang: str = "ja") -> list:
    """「概要図表4では、印字された割合のうち8個が…全13行の割合はn=588で割った値と一致…」."""
    base = rows[rows["what"] == BASE_WHAT[by_lang(lang, "ja", "en")]].iloc[0]
    wrong = counted(len(rows) - 1, "checks")
    same = counted(int(((checks["number"] == base["number"]) & (checks["series"] == base["series"])).sum()), "checks")
    group = base_rows(survey, int(base["number"]), base["series"])
    printed = stated_n(survey, int(base["number"]), group)
    where = base["figure"]
    undetermined = base["recomputed"] == NONE_FOUND[by_lang(lang, "ja", "en")]
    fits: list = []
    for i, b in enumerate(fitting_bases(group)[:5] if not undetermined else []):
        fits += ([by_lang(lang, "、", ", ")] if i else []) + ["n=", base_of(group, b)]
    if lang == "ja":
        text = [f"{where}では、印字された割合のうち", wrong, "個が、記載のn=", printed, "で計算し直した値と一致しません。"]
        if undetermined:
            return text + ["どの単一の母数でも全行を再現できないため、個別の印刷値の誤りが考えられます。"]
        return text + ["図の全", same, "行の割合は", *fits, "で割った値と一致するため、割合は記載と異なる母数で計算されたとみられます。"]
    text = [f"In {where}, ", wrong, f" of the printed percentages {'does' if wrong.value == 1 else 'do'} not agree with "
            "the values recomputed with the stated n=", printed, "."]
    if undetermined:
        return text + [" No single base reproduces all rows, so errors in individual printed values are possible."]
    return text + [" The percentages of all ", same, " rows of the figure equal the counts divided by ", *fits,
                   ", so the percentages appear to have been computed on a base other than the stated one."]


def _implied_sentence(survey: Survey, rows: pd.DataFrame, lang: str = "ja") -> list:
    """Series printed without counts whose percentages the stated n cannot give."""
    totals, sums = [], []
    for row in rows.itertuples():
        table = survey.table(int(row.number))
        known = table[(table["series"] == row.series) & table["percent"].notna()]
        totals.append(round(float(known["percent"].sum()), 1))
        sums.append(total(cells(known, "percent"), percent=True))
    figures = and_list(list(rows["figure"]), lang)
    series = counted(len(rows), "checks")
    consistent = all(t > 150 for t in totals)
    undetermined = (rows["recomputed"] == NONE_FOUND[by_lang(lang, "ja", "en")]).all()
    if lang == "ja":
        if len(set(totals)) == 1:
            summed = ["いずれも", sums[0]]
        else:
            summed = [x for i, n in enumerate(sums) for x in (["・"] if i else []) + [n]]
        text = [f"{figures}の", series, "系列は回答数が印字されておらず、割合を記載のnでは再現できません。割合の合計は", *summed]
        if consistent:
            text += ["で、この合計は、選択数ではなく回答機関数を母数とし1機関が3つまで選ぶ集計と整合します。"]
        else:
            text += ["です。"]
        if undetermined:
            text += ["ただし整合するのは合計だけで、回答機関数（同じ図の単一回答の系列のn）以下のどの母数でも"
                     "個々の割合は再現できず、母数は概要からは決められません。"]
        return text
    if len(rows) == 1:
        summed = [sums[0]]
    elif len(set(totals)) == 1:
        summed = [sums[0], " in each case"]
    else:
        summed = [x for i, n in enumerate(sums)
                  for x in ([" and " if i == len(sums) - 1 else ", "] if i else []) + [n]] + [" respectively"]
    text = ["In ", series, f" series ({figures}), no counts are printed, and the stated n "
            "does not reproduce the percentages. The percentages add up to ", *summed]
    text += [", which is consistent with percentages of the number of responding institutions, each choosing up "
             "to 3, rather than of the number of choices." if consistent else "."]
    if undetermined:
        text += [" Only the sum is consistent, though: no base up to the number of institutions that answered (the n "
                 "of the figure’s single-answer series) reproduces the individual percentages, so the summary does "
                 "not determine the base."]
    return text
