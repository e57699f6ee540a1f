"""Label translations in the data package (issue 15): the real package translates every text a
reader sees, a missing translation is listed, a malformed one is a clear validation error, and
``i18n.tr`` falls back to the Japanese text.
"""
from __future__ import annotations

import json
import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from src.base import i18n
from src.data.package import (MAX_LABEL, load_survey, missing_translations, reader_text_kinds, reader_texts,
                              unused_translations)
from src.data.validate import validate_directory

from conftest import REPO
from fixtures.package import edit_package, problems, write_package

DATA = REPO / "data"


@pytest.fixture
def data(tmp_path) -> Path:
    """A private copy of data/ (as in test_hostile_data)."""
    return Path(shutil.copytree(DATA, tmp_path / "data"))


@pytest.fixture
def restore_translations():
    """``i18n`` keeps the installed translations in a module global: leave it as it was."""
    saved = {lang: dict(table) for lang, table in i18n._translations.items()}
    yield
    i18n.use_translations(saved)


# --------------------------------------------------------------------------- the real package

def test_the_real_package_translates_every_reader_text():
    survey = load_survey(DATA)
    assert missing_translations(survey, "en") == []
    assert unused_translations(survey, "en") == []          # no stale key (a label that changed, a typo)
    assert missing_translations(survey, "ja") == []          # the data's own language needs nothing


def test_reader_texts_cover_every_place_a_reader_sees():
    """The one list includes the tables' labels and the metadata the pages show."""
    survey = load_survey(DATA)
    texts = set(reader_texts(survey))
    assert len(texts) == len(reader_texts(survey))           # each text once
    for number, res in survey.resources.items():
        assert res.title in texts
        if i18n.has_japanese(res.caption_parenthetical):
            assert res.caption_parenthetical in texts
        assert res.description in texts
        table = survey.table(number)
        if table is not None:
            labels = {v for col in ("series", "item", "level") for v in table[col] if v}
            assert labels <= texts, labels - texts
        assert {c["rule"] for c in res.derived_cells} <= texts
        assert {f["item"] for f in res.prose_facts if f.get("item")} <= texts
        if res.question_type_inferred:
            assert res.question_type_inferred in texts
    package = survey.descriptor
    assert {package["title"], package["description"], package["sources"][0]["title"],
            package["sources"][0]["errata"][0]["statement"], package["survey"]["population_description"],
            "2割程度"} <= texts
    assert "(n=784)" not in texts                             # no Japanese: the same in every edition


def test_labels_read_from_the_csv_are_the_parsed_labels():
    """The build lists missing translations without parsing the tables; the labels are the same."""
    plain = load_survey(DATA)
    parsed = load_survey(DATA)
    for number in parsed.resources:
        parsed.table(number)
    assert reader_texts(plain) == reader_texts(parsed)


def test_the_glossary_terms_are_translated_consistently():
    table = load_survey(DATA).translations["en"]
    for japanese, english in table.items():
        if "国際産学連携" in japanese or "国際的な産学連携" in japanese and "、国内の産学連携" not in japanese:
            assert "international industry–academia collaboration" in english, japanese
        if "大学等" in japanese:
            assert "academic institutions" in english, japanese
        if "企業等" in japanese or "企業（等）" in japanese:
            assert re.search(r"companies \(?and other organisations", english), japanese
        assert not re.search(r"\b(?:universities|compan(?:y|ies)) \(?etc\b", english), (japanese, english)


_NUMBER_WORDS = {"zero": "0", "zeros": "0", "one": "1", "two": "2", "three": "3", "per year": "1 year"}


def _numbers(text: str) -> set[str]:
    text = unicodedata.normalize("NFKC", text)
    for word, digits in _NUMBER_WORDS.items():
        text = re.sub(rf"\b{word}\b", digits, text, flags=re.IGNORECASE)
    return set(re.findall(r"\d+(?:\.\d+)?", text))


def _japanese_part(text: str) -> str:
    """A description without its short English summary (「… / English …」): the translation renders the Japanese."""
    head, sep, tail = text.rpartition(" / ")
    return head if sep and re.match(r"[A-Z]", tail) else text


def test_translations_keep_every_number():
    """A translation never changes, drops or adds a number (「2割程度」 is said in other digits on purpose, and
    平成22年度 is given with its Western year, as survey.project_sample_note writes 「平成22年度（2010年度）」)."""
    table = load_survey(DATA).translations["en"]
    reworded = {"2割程度": "about 20 percent", "平成22年度": "fiscal year 2010 (Heisei 22)"}
    for japanese, english in table.items():
        if japanese in reworded:
            assert english == reworded[japanese]
            continue
        source = _japanese_part(japanese)
        for text in reworded:
            source = source.replace(text, reworded[text])
        assert _numbers(source) <= _numbers(english), (japanese, _numbers(source) - _numbers(english))
        assert _numbers(english) <= _numbers(source) | {"1", "0"}, (english, _numbers(english) - _numbers(source))


# --------------------------------------------------------------------------- missing translations

def test_a_removed_label_translation_is_listed(data):
    edit_package(data, lambda p: p["translations"]["en"].pop("確保していない"))
    assert missing_translations(load_survey(data), "en") == ["確保していない"]
    assert problems(data) == []                              # missing is allowed: the label shows in Japanese


def test_a_removed_description_translation_is_listed(data):
    description = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))["resources"][11]["description"]
    edit_package(data, lambda p: p["translations"]["en"].pop(description))
    assert missing_translations(load_survey(data), "en") == [description]


def test_a_changed_label_is_missing_and_its_old_translation_unused(data):
    csv_path = data / "fig12.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace("確保していない", "確保していない機関"),
                        encoding="utf-8")
    survey = load_survey(data)
    assert missing_translations(survey, "en") == ["確保していない機関"]
    assert unused_translations(survey, "en") == ["確保していない"]


def test_a_package_without_translations_is_valid_and_misses_every_text(data):
    edit_package(data, lambda p: p.pop("translations"))
    assert problems(data) == []
    survey = load_survey(data)
    assert survey.translations == {}
    assert missing_translations(survey, "en") == reader_texts(survey) != []


def test_the_made_up_fixture_package_needs_its_labels_translated(tmp_path):
    survey = load_survey(write_package(tmp_path))
    assert validate_directory(tmp_path) == []
    missing = missing_translations(survey, "en")
    assert missing == reader_texts(survey)
    assert {"テスト図表1", "選択肢A", "まったくない", "最も重要", "架空の機関", "架空の事実"} <= set(missing)
    assert missing_translations(survey, "fr") == missing      # any language: none translated


# --------------------------------------------------------------------------- malformed translations

MALFORMED = [
    (lambda t: t["en"].update({"国外の企業等": 5}),
     'field \'translations.en["国外の企業等"]\': 5 is not allowed here (must be a string (text))'),
    (lambda t: t.update(ja={"その他": "Other"}),
     "field 'translations.ja': the key \"ja\" is not allowed here (ja is the language of the data itself"),
    (lambda t: t["en"].update({"": "Other"}),
     "field 'translations.en[\"\"]': the key \"\" is not allowed here (must not be empty)"),
    (lambda t: t["en"].update({"その他": ""}),
     "field 'translations.en[\"その他\"]': \"\" is not allowed here (must not be empty)"),
    (lambda t: t.update(English={"その他": "Other"}),
     "field 'translations.English': the key \"English\" is not allowed here (not a two-letter lower-case language code)"),
    (lambda t: t.update(fr=["Autre"]),
     "field 'translations.fr': [\"Autre\"] is not allowed here (must be an object"),
    (lambda t: t["en"].update({"その他": "Other\nlabel"}),
     "field 'translations.en[\"その他\"]': \"Other\\nlabel\" is not allowed here (contains a control character)"),
    (lambda t: t["en"].update({"その他": "O" * (MAX_LABEL + 1)}),
     f"field 'translations.en[\"その他\"]': the translation of the label \"その他\" is {MAX_LABEL + 1} characters "
     f"long; the limit for labels is {MAX_LABEL}"),
]


@pytest.mark.parametrize("change, expected", MALFORMED, ids=["number", "ja", "empty key", "empty value", "not a code",
                                                             "not an object", "control character", "long label"])
def test_malformed_translations_are_a_clear_error(data, change, expected):
    edit_package(data, lambda p: change(p["translations"]))
    found = problems(data)
    assert len(found) == 1, found
    assert found[0].startswith("datapackage.json, field 'translations")
    assert expected in found[0]
    assert " — fix: " in found[0]


def test_translations_that_are_not_an_object_are_a_clear_error(data):
    edit_package(data, lambda p: p.update(translations="English"))
    found = problems(data)
    assert found == ["datapackage.json, field 'translations': \"English\" is not allowed here (must be an object {…}) "
                     "— fix: write \"translations\": {\"en\": {\"<Japanese text as in the package>\": \"<English>\"}} "
                     "(data/README.md, 翻訳)"]


def test_a_description_may_translate_longer_than_a_label(data):
    description = load_survey(data).resource(13).description
    edit_package(data, lambda p: p["translations"]["en"].update({description: "x" * 3000}))
    assert problems(data) == []
    edit_package(data, lambda p: p["translations"]["en"].update({description: "x" * 4001}))
    assert "longer than 4000 characters" in "\n".join(problems(data))


def test_the_loader_ignores_malformed_entries(data):
    """Chapters never get a non-string from ``tr``, even from a package that was not validated."""
    edit_package(data, lambda p: p["translations"]["en"].update({"その他": 5}) or p["translations"].update(ja={"a": "b"}))
    survey = load_survey(data)
    assert "その他" not in survey.translations["en"]
    assert "ja" not in survey.translations
    assert missing_translations(survey, "en") == ["その他"]


# --------------------------------------------------------------------------- i18n.tr

def test_tr_translates_and_falls_back_to_japanese(restore_translations):
    survey = load_survey(DATA)
    i18n.use_translations(survey.translations)
    assert i18n.tr("その他", "en") == "Other"
    assert i18n.tr("2割程度", "en") == "about 20 percent"
    assert i18n.tr("確保していない", "ja") == "確保していない"
    assert i18n.tr("この表にない選択肢", "en") == "この表にない選択肢"      # no translation: the Japanese text
    assert i18n.tr("(n=784)", "en") == "(n=784)"                      # nothing Japanese: as it is
    assert i18n.tr("その他", "fr") == "その他"                          # a language without translations


def test_tr_falls_back_for_a_package_without_translations(data, restore_translations):
    edit_package(data, lambda p: p.pop("translations"))
    survey = load_survey(data)
    i18n.use_translations(survey.translations)
    assert all(i18n.tr(text, "en") == text for text in reader_texts(survey))


def test_reader_text_kinds_mark_labels():
    survey = load_survey(DATA)
    kinds = reader_text_kinds(survey.descriptor, survey.resources.values(), lambda res: survey.labels(res.figure))
    assert kinds["確保していない"] == "label"
    assert kinds["課題に感じる"] == "label"
    assert kinds[survey.resource(12).description] == "text"
    assert list(kinds) == reader_texts(survey)


def test_the_schema_states_the_loader_limits():
    """The limits are written twice (schema and src/data/rules.py): they must agree."""
    from src.data.package import MAX_TEXT
    from src.data.validate import SCHEMA

    defs = json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]
    assert defs["translation"]["maxLength"] == defs["translated_text"]["maxLength"] == MAX_TEXT
    assert defs["label"]["maxLength"] == MAX_LABEL


def test_labels_of_a_csv_saved_with_bom_and_crlf_are_found(data):
    """Excel's UTF-8 CSV (BOM, CRLF) is accepted by validation; its labels are the same texts."""
    path = data / "fig12.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert problems(data) == []
    assert missing_translations(load_survey(data), "en") == []
