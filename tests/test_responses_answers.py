"""Validation of answers (issue 26, item 4): one test per rule, every problem at once, no cell content quoted.

Each test copies the invented fixture, breaks one thing and expects the sentence that names
file, row and column and says how to fix it.
"""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from src.data.respondents.answers import SHOWN, read_responses

from conftest import FIXTURES

SECRET_ID = "SECRET-ID-7f3a"


@pytest.fixture
def responses(tmp_path) -> Path:
    return Path(shutil.copytree(FIXTURES / "responses", tmp_path / "responses"))


def rows_of(path: Path) -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    return header, rows


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def edit(path: Path, changes: dict[tuple[int, str], str]) -> None:
    """Set cells: (data row index, column) → value. Data row i is on CSV line i + 2."""
    header, rows = rows_of(path)
    for (i, column), value in changes.items():
        rows[i][header.index(column)] = value
    write_rows(path, header, rows)


def first_row(path: Path, **conditions: str) -> int:
    header, rows = rows_of(path)
    return next(i for i, row in enumerate(rows) if all(row[header.index(k)] == v for k, v in conditions.items()))


def problems(directory: Path) -> list[str]:
    result, found = read_responses(directory)
    assert result is None and found, "the broken responses were accepted"
    return [str(p) for p in found]


def test_the_fixture_itself_passes(responses):
    result, found = read_responses(responses)
    assert found == [] and result is not None


def test_a_code_not_in_the_codebook(responses):
    i = first_row(responses / "institutions.csv", q1="3")
    edit(responses / "institutions.csv", {(i, "q1"): "7"})
    assert f"institutions.csv, line {i + 2}, column 'q1': is not an option of q1 — fix: use one of 1 国際的な産学連携、" \
           in problems(responses)[0]


def test_text_where_a_code_belongs(responses):
    i = first_row(responses / "institutions.csv", q1="3")
    edit(responses / "institutions.csv", {(i, "q1"): "国立です"})
    text = "\n".join(problems(responses))
    assert f"institutions.csv, line {i + 2}, column 'q1': is not a whole-number code" in text
    assert "国立です" not in text


def test_an_answer_from_a_respondent_the_filter_excludes(responses):
    i = first_row(responses / "institutions.csv", q1="3")         # not international: never asked question 11
    edit(responses / "institutions.csv", {(i, "q11_joint"): "1"})
    assert problems(responses) == [
        f"institutions.csv, line {i + 2}, column 'q11_joint': answers a question this respondent was not asked — fix: "
        "the codebook asks 'q11' only of q1 = [1, 2]: remove the answer, or correct the earlier answer"]


def test_more_than_three_choices(responses):
    i = first_row(responses / "institutions.csv", q1="1", q13_1="0", q13_2="0")
    header, rows = rows_of(responses / "institutions.csv")
    most = rows[i][header.index("q13_most")]
    chosen = {f"q13_{c}": "1" for c in range(1, 11)}
    edit(responses / "institutions.csv", {(i, col): v for col, v in chosen.items()} | {(i, "q13_most"): most})
    assert f"institutions.csv, line {i + 2}, column 'q13_1': more than 3 options of q13 are chosen — fix: keep at " \
           "most 3 (codebook.yml: max_choices)" in problems(responses)


def test_a_most_important_not_among_the_chosen(responses):
    i = first_row(responses / "institutions.csv", q1="1", q13_1="0")
    header, rows = rows_of(responses / "institutions.csv")
    assert rows[i][header.index("q13_most")] not in ("", "1")
    edit(responses / "institutions.csv", {(i, "q13_most"): "1"})
    assert problems(responses) == [
        f"institutions.csv, line {i + 2}, column 'q13_most': the most important option is not among the chosen ones "
        "— fix: mark it as chosen too (q13_<code> = 1), or correct the most important one"]


def test_an_exclusive_option_chosen_with_others(responses):
    i = first_row(responses / "institutions.csv", q12_5="1")
    edit(responses / "institutions.csv", {(i, "q12_1"): "1"})
    assert f"institutions.csv, line {i + 2}, column 'q12_5': option 5 (確保していない) excludes the others" \
           in problems(responses)[0]


def test_a_dichotomy_that_is_neither_0_nor_1(responses):
    i = first_row(responses / "institutions.csv", q12_5="1")
    edit(responses / "institutions.csv", {(i, "q12_2"): "2"})
    assert f"institutions.csv, line {i + 2}, column 'q12_2': is neither 1 (chosen) nor 0 (not chosen)" \
           in problems(responses)[0]


def test_duplicate_ids_name_the_first_row_never_the_id(responses):
    edit(responses / "institutions.csv", {(0, "institution_id"): SECRET_ID, (5, "institution_id"): SECRET_ID})
    found = problems(responses)
    assert found == ["institutions.csv, line 7: the id is the same as on line 2 — fix: give every row its own id "
                     "(remove a repeated row)"]
    assert SECRET_ID not in "".join(found)


def test_a_project_pointing_at_an_unknown_institution(responses):
    edit(responses / "projects.csv", {(3, "institution_id"): SECRET_ID})
    found = problems(responses)
    assert found == ["projects.csv, line 5, column 'institution_id': points at no institution of institutions.csv "
                     "— fix: write the id of an institution listed in institutions.csv"]
    assert SECRET_ID not in "".join(found)


def test_a_project_of_an_institution_without_international_collaboration(responses):
    i = first_row(responses / "institutions.csv", q1="4")
    header, rows = rows_of(responses / "institutions.csv")
    edit(responses / "projects.csv", {(0, "institution_id"): rows[i][0]})
    assert problems(responses)[0].startswith("projects.csv, line 2, column 'institution_id': belongs to an institution "
                                             "that was not asked about projects")


def test_too_many_projects_for_one_institution(responses):
    header, rows = rows_of(responses / "projects.csv")
    owner = rows[0][1]
    rows += [[f"X{k}", owner] for k in range(6)]
    write_rows(responses / "projects.csv", header, rows)
    found = problems(responses)
    assert any("is one project too many for its institution (at most 5 each)" in p for p in found)


def test_a_missing_breakdown_attribute(responses):
    edit(responses / "institutions.csv", {(9, "kind"): ""})
    assert problems(responses) == [
        "institutions.csv, line 11, column 'kind': the attribute 設置形態 (kind) is missing — fix: every institution "
        "needs it for the breakdowns: fill in its code (1 国立, 2 公立, 3 私立, 4 高専, 5 短大, 6 大学共同利用機関)"]


def test_a_missing_column_is_named_with_the_closest_one(responses):
    text = (responses / "institutions.csv").read_text(encoding="utf-8").replace(",q15_3,", ",q15-3,", 1)
    (responses / "institutions.csv").write_text(text, encoding="utf-8")
    assert problems(responses) == ["institutions.csv, line 1, column 'q15_3': the column 'q15_3' is missing — fix: "
                                   "rename the column 'q15-3' to 'q15_3'"]


def test_every_problem_at_once_and_many_rows_counted(responses):
    header, rows = rows_of(responses / "institutions.csv")
    for row in rows:
        row[header.index("kind")] = ""
    rows[0][header.index("q1")] = "9"
    write_rows(responses / "institutions.csv", header, rows)
    found = problems(responses)
    assert len([p for p in found if "is missing" in p]) == SHOWN + 1
    assert f"{len(rows) - SHOWN:,} more lines have the same problem (the attribute 設置形態 (kind) is missing)" \
           in "\n".join(found)
    assert any("column 'q1': is not an option of q1" in p for p in found)
