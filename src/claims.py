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

from .datapkg import Survey
from .shares import ranked, rating_ranking


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
    shares, labels = rows["_p"].tolist(), rows["item"].tolist()
    if len(shares) > k and shares[k - 1] == shares[k]:
        labels = [label for label, share in zip(labels, shares) if share > shares[k]]
    return (labels[:k] + [""] * k)[:k]


def _all_contain(items: list[str], *words: str) -> bool:
    return all(any(w in item for item in items) for w in words)


def _positive_ranking(survey: Survey) -> list[str]:
    ranking, _ = rating_ranking(survey.table(16), survey.resource(16).levels)
    return ranking["item"].tolist()


def _international_minority(survey: Survey, among: str = "share_of_respondents") -> bool:
    from .audit import international_shares

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
