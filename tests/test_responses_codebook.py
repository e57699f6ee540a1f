"""codebook.yml (issue 26, item 1): a safe YAML read, the schema, and the rules across entries."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from src.data.files import MAX_FILE_BYTES
from src.data.respondents.codebook import CODEBOOK, RANKED, read_codebook

from conftest import FIXTURES


@pytest.fixture
def responses(tmp_path) -> Path:
    return Path(shutil.copytree(FIXTURES / "responses", tmp_path / "responses"))


def problems(directory: Path) -> list[str]:
    codebook, found = read_codebook(directory)
    assert codebook is None and found
    return [str(p) for p in found]


def write(directory: Path, text: str) -> None:
    (directory / CODEBOOK).write_text(text, encoding="utf-8")


def load(directory: Path) -> dict:
    return yaml.safe_load((directory / CODEBOOK).read_text(encoding="utf-8"))


def dump(directory: Path, document: dict) -> None:
    write(directory, yaml.safe_dump(document, allow_unicode=True, sort_keys=False))


def test_the_fixture_codebook_reads_with_its_figures_series_and_attribute(responses):
    codebook, found = read_codebook(responses)
    assert found == []
    assert sorted(codebook.by_figure()) == [1, 3, 4, 11, 12, 13, 14, 15, 16]
    q13 = codebook.by_figure()[13]
    assert q13.type == RANKED and q13.max_choices == 3 and [s.part for s in q13.series] == ["most", "top"]
    assert [s.label for s in codebook.by_figure()[11].series] == ["共同研究や受託研究", "ライセンシング"]
    assert codebook.attribute("kind").options[6] == "大学共同利用機関" and codebook.minimum == 10


def test_no_codebook_means_a_directory_of_tables():
    assert read_codebook(Path(__file__).resolve().parents[1] / "data") == (None, [])


# --------------------------------------------------------------------------- hostile YAML

def test_aliases_are_refused_before_anything_expands(responses):
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8))
    write(responses, laughs)
    assert problems(responses) == ["codebook.yml, line 1: defines an anchor (&name); aliases and anchors are not "
                                   "accepted — fix: write plain YAML: mappings, lists, text and whole numbers (each "
                                   "value written out; no &anchors, *aliases or !tags)"]


def test_an_alias_without_anchor_is_refused(responses):
    write(responses, "version: 1\nunits: *x\n")
    assert "codebook.yml, line 2" in problems(responses)[0]


def test_deep_nesting_is_refused(responses):
    write(responses, "version: " + "[" * 5000 + "]" * 5000 + "\n")
    assert problems(responses)[0].startswith("codebook.yml, line 1: is nested more than 20 levels deep")


def test_python_tags_are_refused(responses):
    write(responses, "version: !!python/object/apply:os.system [echo hi]\n")
    assert "uses the tag tag:yaml.org,2002:python/object/apply:os.system" in problems(responses)[0]


def test_a_key_written_twice_is_refused(responses):
    text = (responses / CODEBOOK).read_text(encoding="utf-8").replace("    6: 大学共同利用機関\n",
                                                                     "    6: 大学共同利用機関\n    5: 短大\n")
    write(responses, text)
    assert "has the key '5' twice in one mapping" in problems(responses)[0]


def test_an_oversized_codebook_is_refused_unread(responses):
    with open(responses / CODEBOOK, "ab") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    assert problems(responses)[0].startswith(f"codebook.yml: is {MAX_FILE_BYTES + 1:,} bytes; the limit is")


def test_a_codebook_linked_from_outside_is_refused_unread(responses, tmp_path):
    secret = tmp_path / "secret.yml"
    secret.write_text("secret: hostile-4f1e\n", encoding="utf-8")
    (responses / CODEBOOK).unlink()
    (responses / CODEBOOK).symlink_to(secret)
    found = problems(responses)
    assert found[0].startswith("codebook.yml: 'codebook.yml' is a symbolic link to a file outside the data directory; "
                               "nothing was read") and "hostile" not in found[0]


def test_a_codebook_fifo_does_not_hang(responses):
    (responses / CODEBOOK).unlink()
    os.mkfifo(responses / CODEBOOK)
    assert "is not a regular file" in problems(responses)[0]


def test_shift_jis_is_named(responses):
    text = (responses / CODEBOOK).read_text(encoding="utf-8").replace("—", "-").replace("–", "-")
    (responses / CODEBOOK).write_bytes(text.encode("cp932", errors="replace"))
    assert "Shift_JIS/CP932" in problems(responses)[0]


# --------------------------------------------------------------------------- the schema

def test_a_misspelt_key_is_named_with_the_right_one(responses):
    doc = load(responses)
    doc["questions"][0]["optoins"] = doc["questions"][0].pop("options")
    dump(responses, doc)
    found = problems(responses)
    assert any("field 'questions[0].optoins': the key 'optoins' is not allowed here — fix: rename it to 'options'"
               in p for p in found)


def test_a_code_with_a_leading_zero_is_refused(responses):
    write(responses, (responses / CODEBOOK).read_text(encoding="utf-8").replace("    1: 国立\n", "    01: 国立\n"))
    assert "field 'attributes[0].options.01': the key \"01\" is not allowed here (must be a whole number code" \
           in problems(responses)[0]


def test_an_unknown_question_type_is_refused(responses):
    doc = load(responses)
    doc["questions"][2]["type"] = "checkbox"
    dump(responses, doc)
    assert any("field 'questions[2].type': \"checkbox\" is not allowed here (must be single_choice, multiple_choice, "
               "rating or ranked_top3)" in p for p in problems(responses))


def test_a_missing_key_is_named(responses):
    doc = load(responses)
    del doc["units"]
    dump(responses, doc)
    assert problems(responses)[0].startswith("codebook.yml, line 1, field 'units': 'units' is missing — fix: declare the "
                                             "response files")


def test_a_formula_label_is_refused(responses):
    write(responses, (responses / CODEBOOK).read_text(encoding="utf-8").replace("    1: 国立\n", "    1: =HYPERLINK(1)\n"))
    assert "the label of code 1 begins with '=': a spreadsheet would run it as a formula" in problems(responses)[0]


# --------------------------------------------------------------------------- rules across entries

def test_a_filter_on_a_later_question_is_refused(responses):
    doc = load(responses)
    doc["questions"][2]["asked"] = {"q15": [1]}
    dump(responses, doc)
    assert any("field 'questions[2].asked.q15': 'q15' is neither an attribute nor a question declared before this one"
               in p for p in problems(responses))


def test_a_filter_code_the_question_lacks_is_refused(responses):
    doc = load(responses)
    doc["questions"][2]["asked"] = {"q2": [9]}
    dump(responses, doc)
    assert any("field 'questions[2].asked.q2': code 9 is not an option of 'q2' — fix: use its codes: 1, 2, 3" in p
               for p in problems(responses))


def test_two_questions_on_one_column_are_refused(responses):
    doc = load(responses)
    doc["questions"][4]["series"][1]["column"] = "q11_joint"
    dump(responses, doc)
    assert any("the column 'q11_joint' of question 'q11' is also a column of question 'q11'" in p
               for p in problems(responses))


def test_a_ranked_question_needs_its_two_series(responses):
    doc = load(responses)
    doc["questions"][6]["series"] = doc["questions"][6]["series"][:1]
    dump(responses, doc)
    assert any("a ranked_top3 question needs one series with part: most and one with part: top" in p
               for p in problems(responses))


def test_mentions_is_no_base_of_a_single_choice(responses):
    doc = load(responses)
    doc["questions"][0]["base"] = "mentions"
    dump(responses, doc)
    assert any("base 'mentions' counts choices" in p for p in problems(responses))


def test_two_questions_for_one_figure_are_refused(responses):
    doc = load(responses)
    doc["questions"][3]["figure"] = 3
    dump(responses, doc)
    assert any("field 'questions[3].figure': figure 3 is fed by 'q3' already" in p for p in problems(responses))
