"""Audit of the report's own numbers: recompute what the data determines and list every disagreement.

``percent_checks`` recomputes each printed percentage from its count and stated n;
``base_explanations`` looks, figure by figure, for the one denominator that would make
every printed percentage agree (the most plausible explanation of a whole-figure
mismatch); ``sum_checks`` adds up single-choice and rating rows; ``prose_checks``
recomputes the numbers the report's prose states from the figures and survey facts.
Everything is computed from the data: the audit page changes when the data does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from .datapkg import Survey
from .shares import fmt_percent, percent_of, round_half_up

#: Fig. 1 answer options (verbatim) that count as doing international collaboration,
#: and those that count as doing any collaboration at all.
INTERNATIONAL = ("国際的な産学連携、国内の産学連携どちらも行った", "国際的な産学連携は行ったが、国内の産学連携は行っていない")
DOMESTIC_ONLY = "国際的な産学連携は行っていない、国内の産学連携は行った"


#: Verdicts of a check. 判定不能 when no comparison was possible (unknown cells, no printed value).
AGREE, DISAGREE, UNDECIDABLE = "一致", "不一致", "判定不能"


def verdict(agrees: bool) -> str:
    return AGREE if agrees else DISAGREE


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
    series: str = ""


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


def percent_checks(survey: Survey) -> pd.DataFrame:
    """Every printed percentage with a count, recomputed as count/n (stated n), rounded half-up."""
    checks = []
    for number, _, rows in _with_counts(survey):
        for r in rows.itertuples():
            expected = percent_of(int(r.count), int(r.n))
            printed = round_half_up(r.percent)
            label = f"{r.series}／{r.item}" if r.series else r.item
            checks.append(Check(f"概要図表{number}", label, f"{printed}％（{int(r.count)}/{int(r.n)}）",
                                f"{expected}％", verdict(printed == expected), number=number, series=r.series))
    return _frame(checks)


def consistent_bases(counts: list[int], percents: list[float], search: range) -> list[int]:
    """Denominators in ``search`` for which every count/base rounds to its printed percent."""
    return [b for b in search if b > 0 and all(
        b >= c and percent_of(c, b) == round_half_up(p) for c, p in zip(counts, percents))]


def base_explanations(survey: Survey, figures: list[int] | None = None) -> pd.DataFrame:
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
            where = f"概要図表{number}" + (f"（{series}）" if series else "")
            if bases:
                fits = "、".join(f"n={b}" for b in bases[:5])
                text = (f"全{len(counts)}行の割合は記載のn={stated}ではなく{fits}で割った値と一致する。"
                        f"図の割合は記載と異なる母数で計算されたとみられる")
                if declared in bases:
                    text += f"（データパッケージの percent_base={declared}に記録済み）"
            else:
                text = "どの単一の母数でも全行の割合を再現できない。個別の印刷値の誤りが考えられる"
            checks.append(Check(where, "割合の母数", f"n={stated}", fits if bases else "該当なし", DISAGREE, text,
                                number=number, series=series))
    return _frame(checks)


def percent_only_bases(percents: list[float], search: range) -> list[int]:
    """Denominators for which every printed percent equals k/base (rounded half-up) for some integer k."""
    found = []
    for base in search:
        if all(percent_of(int(round(p * base / 100)), base) == round_half_up(p) for p in percents):
            found.append(base)
    return found


def implied_base_checks(survey: Survey) -> pd.DataFrame:
    """Series printed without counts: does the stated n reproduce every percentage, and which n would?"""
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
            where = f"概要図表{number}" + (f"（{series}）" if series else "")
            if ok:
                note = "全ての割合がnの整数倍の比として再現できる"
                smallest = f"n={stated}"
            else:
                fits = percent_only_bases(percents, range(1, 10 * stated + 1))
                smallest = f"n={fits[0]}" if fits else f"{10 * stated}以下になし"
                note = (f"記載のnでは割合を再現できない。割合の合計は{total}％"
                        + ("で、選択数ではなく回答機関数を母数とした割合（1機関3つまで）と整合する。" if total > 150 else "。")
                        + f"全ての値を再現できる最小の母数は{smallest}")
            checks.append(Check(where, "回答数のない系列の母数", f"n={stated}", smallest, verdict(ok), note,
                                number=number, series=series))
    return _frame(checks)


def sum_checks(survey: Survey) -> pd.DataFrame:
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
                    result, note = verdict(ok), "" if ok else "合計が100％から丸め誤差を超えてずれている"
                elif total > 100 + tolerance:
                    result, note = DISAGREE, f"{unknown}個の値が不明だが、既知の値だけで100％を超える"
                else:
                    result, note = UNDECIDABLE, f"{unknown}個の値が不明なため、合計を確かめられない"
                checks.append(Check(f"概要図表{number}", f"{name}の合計", f"{total}％（既知の値）" if unknown else f"{total}％",
                                    "100％（丸め誤差の範囲）", result, note))
    return _frame(checks)


NO_PRINTED_VALUE = "報告書に比べる値の記載がない"


def _compare(printed, agrees) -> str:
    """判定不能 when the report prints no value to compare with, else the verdict of ``agrees()``."""
    return UNDECIDABLE if printed is None else verdict(agrees())


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


def prose_checks(survey: Survey) -> pd.DataFrame:
    """Numbers the report's text states, recomputed from the survey facts and the figures."""
    checks = []
    facts = survey.facts
    if facts.get("population") and facts.get("responses"):
        rate = Decimal(facts["responses"]) * 100 / facts["population"]
        printed = facts.get("reported_response_rate_percent")
        checks.append(Check("Ⅰ", f"回収率（{facts['responses']}/{facts['population']}）",
                            f"{printed}％" if printed is not None else "—", fmt_percent(rate),
                            _compare(printed, lambda: round_half_up(rate) == round_half_up(printed)),
                            "" if printed is not None else NO_PRINTED_VALUE))
    shares = international_shares(survey)
    if shares:
        fact = survey.reported("intl_share_of_respondents")
        printed = fact["value"] if fact else None
        result = _compare(printed, lambda: round_half_up(shares["share_of_respondents"]) == round_half_up(printed))
        note = (f"母数は図表1の回答機関n={shares['n']}（全回答{facts.get('responses', '—')}機関ではない）"
                if facts.get("responses") and facts["responses"] != shares["n"] else "")
        checks.append(Check("Ⅲ／概要図表1", f"国際産学連携の実施割合（{shares['international']}/{shares['n']}）",
                            f"{printed}％" if printed is not None else "—",
                            fmt_percent(shares["share_of_respondents"]), result, note or ("" if printed is not None else NO_PRINTED_VALUE)))
        if facts.get("responses"):
            alt = Decimal(shares["international"]) * 100 / facts["responses"]
            checks.append(Check("Ⅲ／概要図表1", f"同、全回答機関を母数とした場合（{shares['international']}/{facts['responses']}）",
                                "—", fmt_percent(alt), UNDECIDABLE, "参考値：報告書に対応する値はなく、母数の違いによる差を示す"))
        fact = survey.reported("intl_share_among_ilc_summary")
        share = shares["share_of_collaborators"]
        printed_text = str(fact.get("value")) if fact else "—"
        low, high = rough_share_bounds(printed_text)
        if low is None:
            result, note = UNDECIDABLE, f"「{printed_text}」を数の範囲として解釈できない"
        else:
            result, note = verdict(low <= share < high), f"「{printed_text}」は{low}％以上{high}％未満と解釈"
        checks.append(Check("（１－１）／Ⅲ", f"産学連携実施機関に占める国際産学連携の割合（{shares['international']}/{shares['any']}）",
                            printed_text, fmt_percent(share), result, note))
    checks += _figure_base_links(survey)
    return _frame(checks)


def erratum_checks(survey: Survey) -> pd.DataFrame:
    """The report's own corrections (package ``sources[0].errata``), each recomputed from the data."""
    checks = []
    source = (survey.descriptor.get("sources") or [{}])[0]
    shares = international_shares(survey)
    recomputed = {"intl_share_of_respondents": shares["share_of_respondents"] if shares else None}
    for e in source.get("errata", []):
        value = recomputed.get(e.get("reported_in_prose"))
        printed = f"{e['before']}％→{e['after']}％（{e['date']}訂正）"
        if value is None:
            checks.append(Check(e.get("location", ""), e["statement"], printed, "—", UNDECIDABLE,
                                "データから計算する方法がない"))
            continue
        after_ok = round_half_up(value) == round_half_up(e["after"])
        before_ok = round_half_up(value) == round_half_up(e["before"])
        note = ("訂正後の値がデータからの計算と一致する" if after_ok else
                "訂正前の値がデータからの計算と一致する" if before_ok else "訂正の前後いずれの値とも一致しない")
        checks.append(Check(e.get("location", ""), e["statement"], printed, fmt_percent(value), verdict(after_ok), note))
    return _frame(checks)


def _figure_base_links(survey: Survey) -> list[Check]:
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
            checks.append(Check("概要図表2・3", f"図表3のn={n3} ÷ 図表2のn={n2}",
                                f"{lacking['percent']}％（本文）", fmt_percent(share),
                                verdict(round_half_up(share) == round_half_up(lacking["percent"])),
                                "図表3は「十分な体制がない」と答えた機関への設問"))
    shares = international_shares(survey)
    for number in (11, 12):
        table = survey.table(number)
        if shares and table is not None:
            for series, group in table.groupby("series", sort=False):
                n = int(group["n"].iloc[0])
                checks.append(Check(f"概要図表{number}", f"{series or '全体'}のnと国際産学連携実施機関数",
                                    f"n={n}", f"{shares['international']}機関（図表1）", verdict(n <= shares["international"]),
                                    "実施機関のうち設問に回答した機関が母数" if n < shares["international"] else ""))
    return checks


def disagreements(survey: Survey) -> pd.DataFrame:
    """Every check, from all audits, where the report's print and its own numbers disagree."""
    percents, bases = percent_checks(survey), base_explanations(survey)
    for row in bases.itertuples():
        # a row the whole-figure base explains gets that explanation
        figure, _, series = row.figure.partition("（")
        series = series.rstrip("）")
        same = (percents["figure"] == figure) & (percents["verdict"] == DISAGREE) & (percents["explanation"] == "")
        if series:
            same &= percents["what"].str.startswith(f"{series}／")
        if row.recomputed != "該当なし":
            percents.loc[same, "explanation"] = f"図全体の割合が{row.recomputed}で割った値と一致する（母数の違い）"
        percents.loc[same, "cause"] = f"{BASE}{row.figure}"
    bases["cause"] = BASE + bases["figure"]
    frames = [percents, bases, implied_base_checks(survey).assign(cause=IMPLIED),
              sum_checks(survey).assign(cause=SUMS), prose_checks(survey).assign(cause=PROSE)]
    allc = pd.concat(frames, ignore_index=True)
    return allc[allc["verdict"] == DISAGREE].reset_index(drop=True)


#: Causes a disagreement is filed under (``cause`` column of ``disagreements``).
BASE, IMPLIED, SUMS, PROSE = "母数：", "回答数のない系列", "合計", "本文"


@dataclass(frozen=True)
class Finding:
    """One cause of disagreements: a sentence that states it with its numbers, and the rows it explains."""

    sentence: str
    rows: pd.DataFrame


def disagreement_findings(survey: Survey) -> list[Finding]:
    """The disagreements grouped by cause, in the order the audit finds them, one sentence each."""
    table = disagreements(survey)
    checks = percent_checks(survey)
    return [Finding(_finding_sentence(survey, cause, rows, checks), rows.reset_index(drop=True))
            for cause, rows in table.groupby("cause", sort=False)]


def _finding_sentence(survey: Survey, cause: str, rows: pd.DataFrame, checks: pd.DataFrame) -> str:
    if cause.startswith(BASE):
        return _base_sentence(rows, checks)
    if cause == IMPLIED:
        return _implied_sentence(survey, rows)
    figures = "・".join(dict.fromkeys(rows["figure"]))
    if cause == SUMS:
        return f"{figures}では、{len(rows)}組の合計が100％から丸め誤差を超えてずれています。"
    return f"報告書の本文が述べる数値のうち{len(rows)}件が、図と調査概要から計算し直した値と一致しません（{figures}）。"


def _base_sentence(rows: pd.DataFrame, checks: pd.DataFrame) -> str:
    """「概要図表4では、印字された割合のうち8個が…全13行の割合はn=588で割った値と一致…」."""
    base = rows[rows["what"] == "割合の母数"].iloc[0]
    wrong = len(rows) - 1
    same = (checks["number"] == base["number"]) & (checks["series"] == base["series"])
    where = base["figure"]
    text = f"{where}では、印字された割合のうち{wrong}個が、記載の{base['printed']}で計算し直した値と一致しません。"
    if base["recomputed"] == "該当なし":
        return text + "どの単一の母数でも全行を再現できないため、個別の印刷値の誤りが考えられます。"
    return (text + f"図の全{int(same.sum())}行の割合は{base['recomputed']}で割った値と一致するため、"
            "割合は記載と異なる母数で計算されたとみられます。")


def _implied_sentence(survey: Survey, rows: pd.DataFrame) -> str:
    """Series printed without counts whose percentages the stated n cannot give."""
    totals = []
    for row in rows.itertuples():
        table = survey.table(int(row.number))
        totals.append(round(float(table.loc[table["series"] == row.series, "percent"].dropna().sum()), 1))
    figures = "・".join(rows["figure"])
    total = f"いずれも{totals[0]}％" if len(set(totals)) == 1 else "・".join(f"{t}％" for t in totals)
    text = (f"{figures}の{len(rows)}系列は回答数が印字されておらず、割合を記載のnでは再現できません。"
            f"割合の合計は{total}")
    if all(t > 150 for t in totals):
        return text + "で、選択数ではなく回答機関数を母数とした割合（1機関3つまで）と整合します。"
    return text + "です。"
