"""The report's qualitative findings that the prose states, as checks against the data.

Numbers in the prose are glued from data, but headings such as 「国内の連携より重いのは
事務の負担」 state a finding in words. Each finding here is a named check; a chapter
calls ``check_claims(survey, [...])`` for the findings its text states, and the build
stops with the finding's wording when new data no longer supports it, so the site never
publishes a sentence its own data contradicts.

A chapter runs once for both editions, so a failed check stops both; the message gives the
finding as the Japanese and as the English chapter state it, so whoever fixes the text finds
the sentence in each edition.  The checks themselves compare the data's Japanese labels.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from decimal import Decimal

import pandas as pd

from src.data.package import Survey
from src.data.shares import ranked, rating_ranking, round_half_up


class ClaimError(AssertionError):
    """The data no longer supports a sentence of the chapter."""


def _top(survey: Survey, figure: int, k: int, series_index: int | None = None) -> list[str]:
    """The k leading answer labels of a figure (or of its n-th series).

    Where a tie crosses the k-th place, the answers tied there do not lead: their places are "" (a label no
    finding matches), so a sentence saying that one answer leads fails on a tie instead of naming the one that
    happens to come first in the report's order.
    """
    table = survey.table(figure)
    series = None if series_index is None else list(dict.fromkeys(table["series"]))[series_index]
    rows = ranked(table, series)
    shares, labels = [round_half_up(p) for p in rows["_p"]], rows["item"].tolist()   # ties as printed
    if len(shares) > k and shares[k - 1] == shares[k]:
        labels = [label for label, share in zip(labels, shares) if share > shares[k]]
    return (labels[:k] + [""] * k)[:k]


def _all_contain(items: list[str], *words: str) -> bool:
    return all(any(w in item for item in items) for w in words)


def _positive_ranking(survey: Survey) -> list[str]:
    ranking, _ = rating_ranking(survey.table(16), survey.resource(16).levels)
    return ranking["item"].tolist()


def _international_minority(survey: Survey, among: str = "share_of_respondents") -> bool:
    from src.book.audit_prose import international_shares

    shares = international_shares(survey)
    return shares is not None and shares[among] < 50


@dataclass(frozen=True)
class Claim:
    text: str                              # the finding as the book states it
    holds: Callable[[Survey], bool]
    en: str = ""                           # the finding as the English edition states it

    def wording(self, lang: str = "ja") -> str:
        """The finding in ``lang`` (the Japanese when there is no English wording)."""
        return self.en if lang != "ja" and self.en else self.text


CLAIMS: dict[str, Claim] = {
    "international_is_minority": Claim(
        "国際産学連携を行う機関は回答機関の少数派である",
        _international_minority,
        en=("Institutions engaged in international industry–academia collaboration are a minority of the"
            " responding institutions")),
    "international_is_minority_of_collaborators": Claim(
        "何らかの産学連携を行う機関に限っても、国際産学連携を行う機関は少数派である",
        lambda s: _international_minority(s, "share_of_collaborators"),
        en=("Even among the institutions engaged in any industry–academia collaboration, those engaged in"
            " international industry–academia collaboration are a minority")),
    "domestic_only_leads": Claim(
        "図表1で最も多いのは国内の産学連携だけを行う機関である",
        lambda s: "国内の産学連携は行った" in _top(s, 1, 1)[0] and "行っていない、" in _top(s, 1, 1)[0],
        en=("The most frequent answer in Summary Figure 1 is institutions engaged only in domestic"
            " industry–academia collaboration")),
    "staff_above_researchers": Claim(
        "図表3では、スタッフ・専門家の不足がどれも研究者・経営層に関する項目を上回る",
        lambda s: _staff_vs_people(s),
        en=("In Summary Figure 3, every shortage of staff or outside experts ranks above every item about"
            " researchers or management")),
    "support_top3_training_travel_rules": Claim(
        "図表4の上位3つは人材育成・渡航ルール・標準的な規則（ひな形）である",
        lambda s: _all_contain(_top(s, 4, 3), "育成", "渡航", "規則"),
        en="The top 3 in Summary Figure 4 are staff training, rules on travel, and standard rules (templates)"),
    "support_training_leads": Claim(
        "図表4で最も多い支援は人材の育成支援である",
        lambda s: "育成" in _top(s, 4, 1)[0],
        en="The most frequent support in Summary Figure 4 is support for training staff"),
    "location_agnostic_leads": Claim(
        "図表11ではどちらの連携でも「国内外を問わず探索する」が最も多い",
        lambda s: all("問わず" in _top(s, 11, 1, i)[0] for i in (0, 1)),
        en=("In Summary Figure 11, “search regardless of whether the partner is in Japan or abroad” is the"
            " most frequent answer for both kinds of collaboration")),
    "licensing_prefers_domestic_more": Claim(
        "図表11では「まず国内を優先」の割合がライセンシングの方が共同研究や受託研究より高い",
        lambda s: _domestic_first_share(s, 1) > _domestic_first_share(s, 0),
        en=("In Summary Figure 11, the share of “first give priority to domestic companies” is higher for"
            " licensing than for joint or contract research")),
    "no_staff_leads": Claim(
        "図表12で最も多いのは契約の知識を持つスタッフを「確保していない」である",
        lambda s: "確保していない" in _top(s, 12, 1)[0],
        en=("The most frequent answer in Summary Figure 12 is that staff with the knowledge for contracts"
            " are “not secured”")),
    "needs_seeds_match_leads": Claim(
        "図表13で最も重要とされるのはニーズ・シーズの合致である",
        lambda s: "ニーズ・シーズ" in _top(s, 13, 1, 0)[0],
        en="What Summary Figure 13 rates most important is the match of needs and seeds"),
    "partners_value_match_and_base_tech": Claim(
        "図表14で相手から最も重視されていると感じる上位2つはニーズ・シーズの合致と基盤技術である",
        lambda s: _all_contain(_top(s, 14, 2, 0), "ニーズ・シーズ", "基盤技術"),
        en=("The top 2 things institutions feel partners value in Summary Figure 14 are the match of needs"
            " and seeds and fundamental technology")),
    "partners_value_match_most": Claim(
        "図表14で相手から最も重視されていると感じる点（最も重視）の首位はニーズ・シーズの合致である",
        lambda s: "ニーズ・シーズ" in _top(s, 14, 1, 0)[0],
        en=("The first of what institutions feel partners value most in Summary Figure 14 (valued most) is"
            " the match of needs and seeds")),
    "paperwork_burden_leads": Claim(
        "図表15の負担の上位3つはいずれも事務・手続きに関するものである",
        lambda s: all(("事務" in item or "手続き" in item) for item in _top(s, 15, 3)),
        en="The top 3 burdens in Summary Figure 15 all concern administrative work and procedures"),
    "overseas_procedure_in_top3_others_below": Claim(
        "図表15の上位3つは事務職員と研究者の事務負担、および対海外特有の手続きで、為替・時差・通信費や交通費の負担は"
        "いずれも上位3つのどれより少ない",
        lambda s: _overseas_burdens(s),
        en=("The top 3 burdens in Summary Figure 15 are the paperwork of administrative employees and of researchers"
            " and the procedures specific to dealings overseas; the exchange-rate, time-difference and"
            " communication/travel-cost burdens are each below all three")),
    "staff_shortage_is_top_concern": Claim(
        "図表16で課題感が最も強いのは職員の不足である",
        lambda s: "職員" in _positive_ranking(s)[0],
        en="The strongest perceived challenge in Summary Figure 16 is a shortage of employees"),
}


def _domestic_first_share(survey: Survey, series_index: int) -> float:
    """Figure 11: the share choosing 「まず国内の企業（等）を優先…」 in one panel."""
    table = survey.table(11)
    series = list(dict.fromkeys(table["series"]))[series_index]
    rows = table[(table["series"] == series) & table["item"].str.contains("まず国内", regex=False)]
    return float(rows["percent"].iloc[0]) if len(rows) == 1 else float("nan")


#: Figure 15's burdens peculiar to dealings abroad other than its procedures (exchange rates, time
#: differences, communication and travel costs), by a word of each label.
OTHER_OVERSEAS_BURDENS = ("為替", "時差", "通信費")


def _overseas_burdens(survey: Survey) -> bool:
    """Figure 15: two paperwork burdens and the overseas-specific procedure lead; each other overseas burden is
    below all three (level with the third is not below it)."""
    table = ranked(survey.table(15))
    top3 = table.head(3)
    overseas = top3["item"].str.contains("対海外特有", regex=False)
    paperwork = top3["item"].str.contains("事務", regex=False) & ~overseas
    if len(top3) < 3 or overseas.sum() != 1 or paperwork.sum() != 2:
        return False
    floor = float(top3["percent"].astype(float).min())
    others = [table[table["item"].str.contains(word, regex=False)]["percent"] for word in OTHER_OVERSEAS_BURDENS]
    return all(len(rows) == 1 and float(rows.iloc[0]) < floor for rows in others)


def _staff_vs_people(survey: Survey) -> bool:
    table = survey.table(3)
    staff = table[table["item"].str.contains("スタッフ")]["percent"].astype(float)
    people = table[table["item"].str.contains("研究者|経営層")]["percent"].astype(float)
    return not staff.empty and not people.empty and staff.min() > people.max()


def check_claims(survey: Survey, names: list[str]) -> None:
    """Raise ClaimError listing every named finding the data does not support."""
    failed = [CLAIMS[name] for name in names if not CLAIMS[name].holds(survey)]
    if failed:
        raise ClaimError("このデータでは本文の次の記述が成り立ちません。章の文章を見直してください: "
                         + " / ".join(c.text for c in failed)
                         + " — the data no longer supports these statements; revise them in both editions: "
                         + " / ".join(c.wording("en") for c in failed))


# --------------------------------------------------------------------------- the report's text against a table

def _place(rows: pd.DataFrame, label: str) -> int | None:
    """1-based place of ``label`` among ``rows`` (ranked), or None when another answer prints the same share (a tie)."""
    printed = rows["_p"].map(round_half_up)
    share = printed[rows["item"] == label].iloc[0]
    if (printed == share).sum() > 1:
        return None
    return 1 + int((printed > share).sum())


def _fact_rows(table: pd.DataFrame, item: str) -> pd.DataFrame:
    """The rows whose answer is the fact's: the exact label, else every label that contains it."""
    exact = table[table["item"] == item]
    return exact if not exact.empty else table[table["item"].str.contains(item, regex=False)]


def _fact_disagreement(table: pd.DataFrame, fact: dict, lang: str) -> str:
    """What the table says against one fact of the report's text ("" when it agrees or cannot tell)."""
    item = fact.get("item")
    if not item:
        return ""
    rows = _fact_rows(table, item)
    if rows.empty:
        return (f"表に「{item}」の行がありません" if lang == "ja" else
                f"the table has no row for “{item}”")
    found = []
    for row in rows.itertuples():
        ranking = ranked(table, row.series)
        pct = None if row.percent is None or pd.isna(row.percent) else row.percent
        placed = pct is not None and row.item in set(ranking["item"])
        place = _place(ranking, row.item) if placed else None
        rank_ok = fact.get("rank") is None or not placed or place == fact["rank"]   # no share: no place to check
        pct_ok = fact.get("percent") is None or pct is None or (
            round_half_up(pct) == round_half_up(Decimal(str(fact["percent"]))))
        count_ok = fact.get("count") is None or row.count is None or pd.isna(row.count) or int(row.count) == fact["count"]
        if rank_ok and pct_ok and count_ok:
            return ""
        where = ("同率" if place is None else f"{place}位") if lang == "ja" else (
            "tied" if place is None else f"place {place}")
        found.append(where if pct is None else f"{where}・{pct}％" if lang == "ja" else f"{where}, {pct}%")
    said = []
    if fact.get("rank") is not None:
        said.append(f"{fact['rank']}位" if lang == "ja" else f"place {fact['rank']}")
    if fact.get("percent") is not None:
        said.append(f"{fact['percent']}％" if lang == "ja" else f"{fact['percent']}%")
    if fact.get("count") is not None:
        said.append(str(fact["count"]))
    if lang == "ja":
        return f"「{item}」は報告書の本文では{'・'.join(said)}、表では{' / '.join(found)}"
    return f"“{item}”: the report’s text says {', '.join(said)}; the table has {' / '.join(found)}"


def check_prose_facts(survey: Survey, figure: int) -> None:
    """Stop the build where a supplied table contradicts what the prose quotes from the report's text about it.

    A figure without a table is described in the prose by the report's text (``prose_facts``:
    an answer, its place, its share).  Once a table is supplied, each fact that names an answer is
    checked against it: the answer must be in the table, at the place and with the share the text
    gives (a tie at that place fails).  The message names the glued names of the sentences that
    quote the fact, in both languages, as :func:`check_claims` does for findings.
    """
    res = survey.resource(figure)
    if not res.published:
        return
    table = survey.table(figure)
    wrong = [(fact, _fact_disagreement(table, fact, "ja"), _fact_disagreement(table, fact, "en"))
             for fact in res.prose_facts]
    wrong = [w for w in wrong if w[1]]
    if not wrong:
        return
    file = res.path.name
    names = ", ".join(f"{fact['id']}_item/_pct" for fact, _, _ in wrong)
    raise ClaimError(
        f"概要図表{figure}の表（{file}）が、本文が報告書の本文から引いている記述と食い違います。"
        f"これらを使う文（{names}）を両版とも見直すか、表を確かめてください: "
        + " / ".join(ja for _, ja, _ in wrong)
        + f" — the table of Summary Figure {figure} ({file}) contradicts what the chapter quotes from the report’s "
        f"text; revise the sentences that use {names} in both editions, or check the table: "
        + " / ".join(en for _, _, en in wrong))


# --------------------------------------------------------------------------- ties in a ranking the prose states

def _tied_pairs(shares: list[float], upto: int) -> set[tuple[int, int]]:
    """Neighbouring places (1-based) among the first ``upto`` whose shares print the same (one decimal)."""
    return {(i, i + 1) for i in range(1, min(upto, len(shares))) if shares[i - 1] == shares[i]}


def check_ranking_ties(names: str, rows: pd.DataFrame, top: int, ties: tuple[tuple[int, ...], ...] = ()) -> None:
    """Stop where the prose would order answers the data ties, or state a tie the data does not have.

    A sentence built on the glued ``names`` (``…_top1_item`` … ``_top{top}_pct``) names the leading ``top`` answers
    in order.  The places it states as tied are declared beside it (``ties=((1, 2),)``); every other
    pair of neighbouring places must differ, and so must place ``top`` and the next one (else the
    sentence leaves out an answer level with the last one it names).
    """
    shares = [round_half_up(p) for p in rows["_p"].astype(float)]
    stated = {(a, b) for group in ties for a, b in zip(sorted(group), sorted(group)[1:])}
    found = _tied_pairs(shares, top + 1)
    if found == stated:
        return
    labels = rows["item"].tolist()

    def pair(i: int, j: int, lang: str) -> str:
        if lang == "ja":
            return f"{i}位「{labels[i - 1]}」と{j}位「{labels[j - 1]}」（{shares[i - 1]}％）"
        return f"place {i} “{labels[i - 1]}” and place {j} “{labels[j - 1]}” ({shares[i - 1]}%)"

    unstated, untrue = sorted(found - stated), sorted(stated - found)
    ja = [f"データでは{pair(i, j, 'ja')}が同率です" for i, j in unstated]
    ja += [f"{i}位と{j}位を同率と宣言していますが、データでは同率ではありません" for i, j in untrue]
    en = [f"the data ties {pair(i, j, 'en')}" for i, j in unstated]
    en += [f"places {i} and {j} are declared tied, but the data does not tie them" for i, j in untrue]
    beyond = any(j > top for _, j in unstated)
    fix_ja = ("述べる順位をひとつ増やす（top=…）か、" if beyond else "") + "同率を両版の文で述べ、glue_ranking の ties で宣言してください"
    fix_en = ("glue one more place (top=…), or " if beyond else "") + (
        "state the tie in both editions and declare it with glue_ranking’s ties")
    raise ClaimError(f"{names} を使う文の順位がデータと合いません: " + " / ".join(ja) + f"。{fix_ja}"
                     f" — the sentences using {names} state an order the data does not have: "
                     + "; ".join(en) + f"; {fix_en}")
