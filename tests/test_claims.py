"""Findings the prose states in words are checked against the data (src/book/claims.py)."""
from __future__ import annotations

import shutil

import pytest

from src.base.i18n import has_japanese
from src.book.claims import CLAIMS, ClaimError, check_claims
from src.data.package import load_survey

from conftest import REPO


def test_every_finding_holds_for_the_report_data():
    survey = load_survey(REPO / "data")
    assert [name for name, claim in CLAIMS.items() if not claim.holds(survey)] == []


def test_a_contradicted_finding_stops_with_its_wording(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    csv = data / "fig12.csv"                    # 常勤職員 overtakes 確保していない (70 of 108)
    csv.write_text(csv.read_text(encoding="utf-8").replace(",常勤職員,,31,108,28.7", ",常勤職員,,70,108,64.8"),
                   encoding="utf-8")
    survey = load_survey(data)
    with pytest.raises(ClaimError) as err:
        check_claims(survey, ["no_staff_leads", "needs_seeds_match_leads"])
    assert CLAIMS["no_staff_leads"].text in str(err.value)
    assert CLAIMS["no_staff_leads"].en in str(err.value)            # the English edition states it too
    assert CLAIMS["needs_seeds_match_leads"].text not in str(err.value)


def test_a_finding_that_one_answer_leads_fails_on_a_tie(tmp_path):
    # Issue 22 item 6: with 常勤職員 made up to tie 確保していない (58 of 108 each) and listed after it, the prose
    # read "the most frequent answer is 確保していない, 53.7 %, followed by 常勤職員, 53.7 %" and the finding held
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    csv = data / "fig12.csv"
    text = csv.read_text(encoding="utf-8")
    assert ",常勤職員,,31,108,28.7\n" in text
    csv.write_text(text.replace(",常勤職員,,31,108,28.7\n", "") + ",常勤職員,,58,108,53.7\n", encoding="utf-8")
    with pytest.raises(ClaimError) as err:
        check_claims(load_survey(data), ["no_staff_leads"])
    assert CLAIMS["no_staff_leads"].text in str(err.value)


def _with_fig15(tmp_path, changes: dict[str, str]):
    """A copy of the data with made-up counts in fig15.csv (``changes``: row as printed → row as made up)."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    csv = data / "fig15.csv"
    text = csv.read_text(encoding="utf-8")
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    csv.write_text(text, encoding="utf-8")
    return load_survey(data)


OVERSEAS = "overseas_procedure_in_top3_others_below"
CUSTOMS = "（試作品のやりとりにおける通関手続きなど）が煩雑である,,57,104,54.8"


def test_the_overseas_burden_finding_fails_where_the_old_sentence_would_be_true(tmp_path):
    """Ⅱ-4 (４－５) once said the top burdens were all paperwork and that burdens peculiar to dealings abroad
    were named less often. In the report the third burden, customs and other overseas-specific procedures, is
    peculiar to dealings abroad. Made-up data in which it drops out of the top three (the old sentence's
    premise) must stop the build, and so must data in which exchange-rate risk overtakes a paperwork item."""
    survey = load_survey(REPO / "data")
    assert CLAIMS[OVERSEAS].holds(survey) and CLAIMS["paperwork_burden_leads"].holds(survey)
    no_customs = _with_fig15(tmp_path / "a", {CUSTOMS: "（試作品のやりとりにおける通関手続きなど）が煩雑である,,5,104,4.8"})
    with pytest.raises(ClaimError) as err:
        check_claims(no_customs, [OVERSEAS])
    assert CLAIMS[OVERSEAS].text in str(err.value) and CLAIMS[OVERSEAS].en in str(err.value)
    exchange = _with_fig15(tmp_path / "b", {",為替リスクを伴う,,16,104,15.4": ",為替リスクを伴う,,70,104,67.3"})
    assert not CLAIMS[OVERSEAS].holds(exchange)
    costs = _with_fig15(tmp_path / "c", {",通信費や交通費が多額になる,,14,104,13.5": ",通信費や交通費が多額になる,,57,104,54.8"})
    assert not CLAIMS[OVERSEAS].holds(costs)        # level with the third burden is not below it


def test_the_share_among_collaborators_is_checked(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    csv = data / "fig01.csv"                    # made up: 400 of the 452 domestic-only did international too
    text = csv.read_text(encoding="utf-8")
    for old, new in {",108,784,13.8": ",508,784,64.8", ",452,784,57.7": ",52,784,6.6"}.items():
        assert old in text
        text = text.replace(old, new)
    csv.write_text(text, encoding="utf-8")
    survey = load_survey(data)
    assert not CLAIMS["international_is_minority_of_collaborators"].holds(survey)
    assert CLAIMS["international_is_minority_of_collaborators"].holds(load_survey(REPO / "data"))


def test_every_claim_is_checked_by_some_chapter():
    text = "".join(p.read_text(encoding="utf-8") for p in (REPO / "chapters").glob("*.md"))
    assert [name for name in CLAIMS if f'"{name}"' not in text] == []


def test_every_finding_has_its_english_wording():
    """The English edition states the same findings: a failed check names the sentence in both editions."""
    assert [name for name, claim in CLAIMS.items() if not claim.en or has_japanese(claim.en)] == []
    assert CLAIMS["no_staff_leads"].wording("en") == CLAIMS["no_staff_leads"].en
    assert CLAIMS["no_staff_leads"].wording() == CLAIMS["no_staff_leads"].text


def _fig12_with(tmp_path, row: str):
    """A copy of the data whose fig12.csv has the made-up row ``row`` in place of 常勤職員's (31 of 108)."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    csv = data / "fig12.csv"
    text = csv.read_text(encoding="utf-8")
    assert ",常勤職員,,31,108,28.7\n" in text
    csv.write_text(text.replace(",常勤職員,,31,108,28.7\n", row), encoding="utf-8")
    return load_survey(data).table(12)


def test_a_ranking_sentence_does_not_order_tied_answers(tmp_path):
    # Issue 22 item 6: with 常勤職員 made up to tie 確保していない (58 of 108 each) the prose read 「最も多い答えは
    # 「確保していない」で53.7％、次いで「常勤職員」が53.7％」; the order it states is now checked against the data
    from src.book.glue import glue_ranking

    tied = _fig12_with(tmp_path, ",常勤職員,,58,108,53.7\n")
    with pytest.raises(ClaimError) as err:
        glue_ranking(tied, "fig12_top1_item", "fig12_top1_pct", "fig12_top2_item", "fig12_top2_pct")
    assert "1位「常勤職員」と2位「確保していない」（53.7％）が同率" in str(err.value)   # tied rows keep report order
    assert "state the tie in both editions" in str(err.value)
    rows = glue_ranking(tied, "fig12_top1_item", "fig12_top1_pct", "fig12_top2_item", "fig12_top2_pct", ties=((1, 2),))      # a sentence that states the tie
    assert rows["percent"].tolist() == [53.7, 53.7]


def test_a_tie_the_sentence_states_must_be_in_the_data():
    from src.book.glue import glue_ranking

    with pytest.raises(ClaimError, match="declared tied, but the data does not tie them"):
        glue_ranking(load_survey(REPO / "data").table(12), "fig12_top1_item", "fig12_top1_pct", "fig12_top2_item", "fig12_top2_pct", ties=((1, 2),))


def test_a_tie_just_below_the_named_places_asks_for_one_more(tmp_path):
    from src.book.glue import glue_ranking

    # 常勤職員 made up to 14 of 108 (13.0 %), level with place 3: "the top two" are still two, but the top three
    # would leave out an answer as large as the third
    tied = _fig12_with(tmp_path, ",常勤職員,,14,108,13.0\n")
    glue_ranking(tied, "fig12_top1_item", "fig12_top1_pct")
    with pytest.raises(ClaimError, match=r"glue one more place"):
        glue_ranking(tied, "fig12_top1_item", "fig12_top1_pct", "fig12_top2_item", "fig12_top2_pct")



def test_ties_are_judged_on_the_printed_shares_everywhere():
    # review: 20.04 and 19.96 both print as 20.0: the ranking check called it a tie, the claims did not
    import pandas as pd

    from src.book.claims import _place
    from src.data.shares import ranked

    table = pd.DataFrame({"series": ["", ""], "item": ["a", "b"], "level": ["", ""], "count": [None, None],
                          "n": [100, 100], "percent": [20.04, 19.96]})
    assert _place(ranked(table), "a") is None                     # a tie as printed, not place 1
