"""Findings the prose states in words are checked against the data (src/claims.py)."""
from __future__ import annotations

import shutil

import pytest

from src.claims import CLAIMS, ClaimError, check_claims
from src.datapkg import load_survey
from src.i18n import has_japanese

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


def test_every_claim_is_checked_by_some_chapter():
    text = "".join(p.read_text(encoding="utf-8") for p in (REPO / "chapters").glob("*.md"))
    assert [name for name in CLAIMS if f'"{name}"' not in text] == []


def test_every_finding_has_its_english_wording():
    """The English edition states the same findings: a failed check names the sentence in both editions."""
    assert [name for name, claim in CLAIMS.items() if not claim.en or has_japanese(claim.en)] == []
    assert CLAIMS["no_staff_leads"].wording("en") == CLAIMS["no_staff_leads"].en
    assert CLAIMS["no_staff_leads"].wording() == CLAIMS["no_staff_leads"].text
