"""The appendices in English (issue 15): every text src/book/audit.py (with audit_prose.py, checks.py) and src/book/appendix.py write for readers
exists per language; the English has no Japanese outside the marked originals; the Japanese is unchanged."""
from __future__ import annotations

import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from src.base import i18n
from src.book import appendix, audit, checks
from src.data.package import load_survey

from conftest import REPO
from fixtures.package import HEADER, write_package

# counts 30/40/10 of n=80 → 37.5, 50.0, 12.5; printed as if n were 81 → 37.0, 49.4, 12.3 (made up)
WRONG_BASE = HEADER + ",A,,30,80,37.0\n,B,,40,80,49.4\n,C,,10,80,12.3\n"
CHECKS = ["percent_checks", "base_explanations", "implied_base_checks", "sum_checks", "prose_checks",
          "erratum_checks", "disagreements"]
TEXT_COLUMNS = ["figure", "what", "printed", "recomputed", "verdict", "explanation"]
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")


class EveryLabel(dict):
    """A translation table with an English text for every Japanese label (what the package will carry)."""

    def get(self, key, default=None):
        return f"label-{len(key)}" if i18n.has_japanese(key) else default


@pytest.fixture
def translated(monkeypatch):
    monkeypatch.setattr(i18n, "_translations", {"en": EveryLabel()})


@pytest.fixture
def untranslated(monkeypatch):
    monkeypatch.setattr(i18n, "_translations", {})


def real_survey():
    return load_survey(REPO / "data")


def fixture_survey(tmp_path):
    directory = write_package(tmp_path)
    (directory / "fig03.csv").write_text(WRONG_BASE, encoding="utf-8")
    return load_survey(directory, strict=False)


def html_of(value) -> str:
    return value.data if hasattr(value, "data") else str(value)


def japanese_outside_originals(html: str) -> list[str]:
    """Text with a Japanese character that is not inside an element marked ``lang="ja"``."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.select('[lang="ja"]'):
        tag.decompose()
    return [s.strip()[:80] for s in soup.find_all(string=JAPANESE)]


def test_english_verdicts_and_headings_have_no_japanese():
    english = [*checks.VERDICTS["en"].values(), *appendix.audit_columns("en").values(), appendix.ORIGINAL_HEADING,
               *appendix.finding_columns("en").values(), *checks.NONE_FOUND["en"],
               *appendix.versions_table(lang="en").columns]
    assert [t for t in english if i18n.has_japanese(t)] == []
    assert checks.verdict(True, "en") == "agrees" and checks.verdict(False, "en") == "disagrees"
    assert "verdict" not in appendix.finding_columns("en")


def test_every_english_text_of_the_audit_is_english_when_the_labels_are_translated(translated):
    survey = real_survey()
    frames = {name: i18n.per_edition(lambda lang, f=getattr(audit, name): f(survey, lang=lang)) for name in CHECKS}
    for name, by_lang in frames.items():
        cells = by_lang["en"][TEXT_COLUMNS].astype(str).stack()
        assert not [c for c in cells if i18n.has_japanese(c)], name
        assert set(by_lang["en"]["verdict"]) <= set(checks.VERDICTS["en"].values()), name
        assert japanese_outside_originals(html_of(appendix.audit_table_editions(by_lang)["en"])) == [], name
    findings = i18n.per_edition(lambda lang: audit.disagreement_findings(survey, lang))
    assert findings["en"] and not [f.sentence for f in findings["en"] if i18n.has_japanese(f.sentence)]
    assert japanese_outside_originals(html_of(appendix.findings_editions(findings)["en"])) == []


@pytest.mark.parametrize("page", ["resources", "code", "downloads"])
def test_the_data_and_code_appendices_are_english_when_the_labels_are_translated(translated, page):
    survey = real_survey()
    html = {"resources": lambda: appendix.resources_html(survey, "en"),
            "code": lambda: appendix.figure_code_index(survey, "en"),
            "downloads": lambda: appendix.data_downloads_html(REPO / "data", "en")}[page]()
    assert japanese_outside_originals(html_of(html)) == []


def test_the_english_resource_entry_gives_the_original_title_marked(translated):
    survey = real_survey()
    soup = BeautifulSoup(html_of(appendix.resources_html(survey, "en")), "html.parser")
    entry = soup.select_one("#data-fig01")
    assert entry.h3.get_text().startswith("Summary Figure 1: label-")
    assert entry.select_one('td[lang="ja"]').get_text() == survey.resource(1).title


def test_the_english_audit_table_shows_each_subject_beside_its_original(translated, tmp_path):
    survey = fixture_survey(tmp_path)
    frames = i18n.per_edition(lambda lang: audit.percent_checks(survey, lang))
    soup = BeautifulSoup(html_of(appendix.audit_table_editions(frames)["en"]), "html.parser")
    headings = [th.get_text() for th in soup.select("th")]
    assert headings[headings.index("Subject") + 1] == appendix.ORIGINAL_HEADING
    originals = [td.get_text() for td in soup.select('td[lang="ja"]')]
    assert originals == frames["ja"]["what"].tolist()


def test_an_untranslated_label_stays_japanese_and_is_marked(untranslated):
    survey = real_survey()
    en = audit.percent_checks(survey, "en")
    assert en["what"].iloc[0] == survey.table(1)["item"].iloc[0]          # the fallback is the Japanese label
    html = appendix.table_markup(en.head(1), appendix.audit_columns("en"), lang="en")
    assert japanese_outside_originals(html) == []                           # …in a cell marked lang="ja"


def test_both_languages_have_the_same_checks_in_the_same_order(tmp_path):
    for survey in (real_survey(), fixture_survey(tmp_path)):
        for name in CHECKS:
            ja, en = (getattr(audit, name)(survey, lang=lang) for lang in ("ja", "en"))
            assert list(ja.columns) == list(en.columns), name
            assert ja[["number", "series"]].equals(en[["number", "series"]]), name
            assert [checks.VERDICTS["en"][v] for v in ja["verdict"]] == en["verdict"].tolist(), name


def test_erratum_checks_in_english_keep_the_columns():
    survey = real_survey()
    ja, en = audit.erratum_checks(survey), audit.erratum_checks(survey, lang="en")
    assert list(en.columns) == list(ja.columns) and len(en) == len(ja) == 1
    row = en.iloc[0]
    assert row["recomputed"] == ja.iloc[0]["recomputed"].replace("％", "%")
    assert row["verdict"] == "agrees" and not i18n.has_japanese(row["explanation"])


def test_the_english_findings_state_the_wrong_base(tmp_path, untranslated):
    findings = audit.disagreement_findings(fixture_survey(tmp_path), "en")
    assert [f.sentence for f in findings] == [
        "In Summary Figure 3, 3 of the printed percentages do not agree with the values recomputed with the stated "
        "n=80. The percentages of all 3 rows of the figure equal the counts divided by n=81, so the percentages "
        "appear to have been computed on a base other than the stated one."]
    assert findings[0].rows["what"].tolist() == ["A", "B", "C", "base of the percentages"]


def test_the_japanese_output_is_unchanged(tmp_path):
    survey = fixture_survey(tmp_path)
    assert audit.disagreement_findings(survey)[0].sentence == (
        "概要図表3では、印字された割合のうち3個が、記載のn=80で計算し直した値と一致しません。"
        "図の全3行の割合はn=81で割った値と一致するため、割合は記載と異なる母数で計算されたとみられます。")
    checks = audit.percent_checks(survey)
    checks = checks[checks["number"] == 3]
    assert checks["printed"].tolist()[:1] == ["37.0％（30/80）"] and checks["recomputed"].tolist()[:1] == ["37.5％"]
    for name in CHECKS:
        assert getattr(audit, name)(survey).equals(getattr(audit, name)(survey, lang="ja")), name
    frame = pd.DataFrame([{"what": "選択肢A", "verdict": audit.AGREE}])
    assert appendix.table_markup(frame) == (
        '<div class="table-wrapper"><table class="audit-table" role="table"><thead><tr role="row">'
        '<th scope="col" role="columnheader">what</th><th scope="col" role="columnheader">verdict</th></tr></thead>'
        '<tbody><tr role="row"><td role="cell" data-label="what">選択肢A</td>'
        '<td role="cell" data-label="verdict">一致</td></tr></tbody></table></div>')
    findings = audit.disagreement_findings(survey)
    assert "<summary>該当する4行を見る</summary>" in appendix.findings_html(findings, appendix.FINDING_COLUMNS).data
    assert appendix.findings_editions({"ja": findings, "en": findings})["ja"].data == \
        appendix.findings_html(findings, appendix.FINDING_COLUMNS).data


def test_a_table_with_several_original_columns_names_each_after_its_column():
    frame = pd.DataFrame([{"series": "Most important", "item": "Answer A"}])
    one = BeautifulSoup(appendix.table_markup(frame, {"item": "Answer"}, originals={"item": ["選択肢A"]}, lang="en"),
                        "html.parser")
    assert [th.get_text() for th in one.select("th")] == ["Answer", appendix.ORIGINAL_HEADING]
    two = BeautifulSoup(appendix.table_markup(frame, {"series": "Series", "item": "Answer"}, lang="en",
                                              originals={"series": ["最も重要"], "item": ["選択肢A"]},
                                              classes="figure-data"), "html.parser")
    assert [th.get_text() for th in two.select("th")] == ["Series", "Series (original)", "Answer", "Answer (original)"]
    assert [td["data-label"] for td in two.select("td")] == [th.get_text() for th in two.select("th")]
    assert [td.get("lang") for td in two.select("td")] == [None, "ja", None, "ja"]
    assert two.table["class"] == ["audit-table", "figure-data"]
