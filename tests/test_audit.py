"""The audit recomputes the report's numbers and explains planted inconsistencies (made-up fixtures)."""
from __future__ import annotations


from src.book import audit, audit_prose
from src.data import figures
from src.data.package import load_survey

from conftest import REPO
from fixtures.package import HEADER, write_package

# counts 30/40/10 of n=80 → 37.5, 50.0, 12.5; printed as if n were 81 → 37.0, 49.4, 12.3
WRONG_BASE = HEADER + ",A,,30,80,37.0\n,B,,40,80,49.4\n,C,,10,80,12.3\n"
ONE_TYPO = HEADER + ",A,,30,80,37.5\n,B,,40,80,50.0\n,C,,10,80,21.5\n"


def survey_with(tmp_path, fig3: str):
    directory = write_package(tmp_path)
    (directory / "fig03.csv").write_text(fig3, encoding="utf-8")
    return load_survey(directory, strict=False)


def test_wrong_percent_is_listed(tmp_path):
    checks = audit.percent_checks(survey_with(tmp_path, ONE_TYPO))
    bad = checks[checks["verdict"] == audit.DISAGREE]
    assert bad["what"].tolist() == ["C"]
    assert bad["printed"].iloc[0].startswith("21.5") and bad["recomputed"].iloc[0] == "12.5％"


def test_wrong_n_for_a_whole_figure_is_explained_by_the_fitting_base(tmp_path):
    survey = survey_with(tmp_path, WRONG_BASE)
    assert (audit.percent_checks(survey)["verdict"] == audit.DISAGREE).sum() == 3
    explained = audit.base_explanations(survey)
    assert explained["figure"].tolist() == ["概要図表3"]
    assert "n=81" in explained["recomputed"].iloc[0]
    assert "n=80ではなくn=81" in explained["explanation"].iloc[0]


def test_a_single_typo_is_not_blamed_on_the_base(tmp_path):
    explained = audit.base_explanations(survey_with(tmp_path, ONE_TYPO))
    assert "どの単一の母数でも" in explained["explanation"].iloc[0]


def test_consistent_data_has_no_disagreements(tmp_path):
    assert audit.disagreements(load_survey(write_package(tmp_path))).empty


def test_response_rate_is_recomputed_from_survey_facts(tmp_path):
    directory = write_package(tmp_path, survey={"population": 200, "responses": 150, "reported_response_rate_percent": 70.0})
    prose = audit.prose_checks(load_survey(directory))
    row = prose[prose["what"].str.startswith("回収率")].iloc[0]
    assert row["recomputed"] == "75.0％" and row["verdict"] == audit.DISAGREE


def test_real_report_figure4_uses_588_not_589():
    survey = load_survey(REPO / "data")
    explained = audit.base_explanations(survey)
    row = explained[explained["figure"] == "概要図表4"].iloc[0]
    assert row["printed"] == "n=589" and "n=588" in row["recomputed"]


def test_real_report_prose_numbers_follow_from_the_figures():
    survey = load_survey(REPO / "data")
    prose = audit.prose_checks(survey)
    assert (prose["verdict"] != audit.DISAGREE).all(), prose[prose["verdict"] == audit.DISAGREE].to_dict("records")


def test_audit_page_changes_with_the_data(tmp_path):
    a = audit.disagreements(survey_with(tmp_path / "a", ONE_TYPO))
    b = audit.disagreements(survey_with(tmp_path / "b", WRONG_BASE))
    assert a["what"].tolist() == ["C", "割合の母数"]
    assert b["what"].tolist() == ["A", "B", "C", "割合の母数"]
    assert (b["explanation"].iloc[:3] == "図全体の割合がn=81で割った値と一致する（母数の違い）").all()


def test_rough_shares_in_words_are_parsed():
    assert audit_prose.rough_share_bounds("2割程度") == (15, 25)
    assert audit_prose.rough_share_bounds("約三割") == (25, 35)
    assert audit_prose.rough_share_bounds("半数") == (None, None)


def test_disagreements_lead_with_one_finding_per_cause(tmp_path):
    findings = audit.disagreement_findings(survey_with(tmp_path, WRONG_BASE))
    assert len(findings) == 1
    sentence = findings[0].sentence
    assert "概要図表3" in sentence and "3個" in sentence and "n=80" in sentence and "n=81" in sentence
    assert "全3行" in sentence and " " not in sentence
    assert findings[0].rows["what"].tolist() == ["A", "B", "C", "割合の母数"]


def test_real_report_findings_name_figure4s_base_once():
    findings = audit.disagreement_findings(load_survey(REPO / "data"))
    base = [f for f in findings if "概要図表4" in f.sentence]
    assert len(base) == 1 and "n=589" in base[0].sentence and "n=588" in base[0].sentence
    assert sum(len(f.rows) for f in findings) == len(audit.disagreements(load_survey(REPO / "data")))


def test_places_in_the_report_are_named_the_way_each_edition_writes_them():
    assert [figures.place_name("Ⅲ", 1, lang=lang) for lang in ("ja", "en")] == ["Ⅲ／概要図表1", "III / Summary Figure 1"]
    assert [figures.place_name("（１－１）", "Ⅲ", lang=lang) for lang in ("ja", "en")] == ["（１－１）／Ⅲ", "(1-1) / III"]
    assert [figures.section_name(s, "en") for s in figures.CHAPTER_OF_SECTION] == ["II-1", "II-2", "II-3", "II-4"]
    assert figures.section_name("Ⅱ-3") == "Ⅱ-3" and figures.figure_name(12, "en") == "Summary Figure 12"


def test_the_audit_names_its_places_with_the_figure_helpers():
    survey = load_survey(REPO / "data")
    for lang in ("ja", "en"):
        places = audit.prose_checks(survey, lang)["figure"].tolist()
        assert places[:2] == [figures.place_name("Ⅰ", lang=lang), figures.place_name("Ⅲ", 1, lang=lang)]
        assert figures.place_name("（１－１）", "Ⅲ", lang=lang) in places
        checks = audit.percent_checks(survey, lang)
        assert (checks["figure"] == [figures.figure_name(n, lang) for n in checks["number"]]).all()
