"""Response files (issue 26, item 2): .xlsx and .sav give the CSV's tables; hostile files are refused with a sentence."""
from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from src.data.respondents import responses as reader
from src.data.respondents.aggregate import load_responses
from src.data.respondents.answers import read_responses
from src.data.respondents.codebook import CODEBOOK, read_codebook

from conftest import FIXTURES
from fixtures.make_responses import write_sav, write_xlsx

SECRET = "hostile-response-secret-91c2"


@pytest.fixture
def responses(tmp_path) -> Path:
    return Path(shutil.copytree(FIXTURES / "responses", tmp_path / "responses"))


@pytest.fixture(scope="module")
def csv_tables():
    result, problems = load_responses(FIXTURES / "responses")
    assert problems == []
    return {f: t.csv_bytes() for f, t in result.tables.items()}


def use_file(directory: Path, name: str) -> None:
    """Point the codebook's institutions file at ``name``."""
    path = directory / CODEBOOK
    path.write_text(path.read_text(encoding="utf-8").replace("path: institutions.csv", f"path: {name}"), encoding="utf-8")


def problems(directory: Path) -> list[str]:
    result, found = read_responses(directory)
    assert result is None and found
    return [str(p) for p in found]


def value_labels(directory: Path) -> dict[str, dict[int, str]]:
    codebook, _ = read_codebook(directory)
    labels = {"kind": codebook.attribute("kind").options}
    for q in codebook.questions:
        if q.type == "single_choice":
            labels.update({s.column: q.options for s in q.series})
        if q.type == "ranked_top3":
            labels[f"{q.id}_most"] = q.options
        if q.type == "rating":
            labels.update({c: q.levels for c in q.option_columns(q.series[0]).values()})
    return labels


# --------------------------------------------------------------------------- the same tables from every format

def test_an_xlsx_copy_gives_the_csv_tables(responses, csv_tables):
    write_xlsx(responses / "institutions.csv", responses / "institutions.xlsx")
    (responses / "institutions.csv").unlink()
    use_file(responses, "institutions.xlsx")
    result, found = load_responses(responses)
    assert found == []
    assert {f: t.csv_bytes() for f, t in result.tables.items()} == csv_tables


def test_a_sav_copy_with_value_labels_gives_the_csv_tables(responses, csv_tables):
    write_sav(responses / "institutions.csv", responses / "institutions.sav", value_labels(responses))
    (responses / "institutions.csv").unlink()
    use_file(responses, "institutions.sav")
    result, found = load_responses(responses)
    assert found == [], "\n".join(map(str, found))
    assert {f: t.csv_bytes() for f, t in result.tables.items()} == csv_tables


def test_sav_value_labels_that_disagree_with_the_codebook_are_named(responses):
    labels = value_labels(responses)
    labels["kind"] = {**labels["kind"], 1: "公立", 2: "国立"}        # two codes swapped
    labels["q1"] = {**labels["q1"], 9: "無回答"}
    write_sav(responses / "institutions.csv", responses / "institutions.sav", labels)
    use_file(responses, "institutions.sav")
    assert problems(responses) == [
        "institutions.sav, field 'kind': code 1 is labelled '公立' in the file but '国立' in codebook.yml — fix: check "
        "that the file and the codebook use the same codes; then make the labels equal",
        "institutions.sav, field 'kind': code 2 is labelled '国立' in the file but '公立' in codebook.yml — fix: check "
        "that the file and the codebook use the same codes; then make the labels equal",
        "institutions.sav, field 'q1': the value label of code 9 ('無回答') is no option of the codebook — fix: use the "
        "codebook's codes: 1 国際的な産学連携、国内の産学連携どちらも行った, 2 国際的な産学連携は行ったが、国内の産学連携は行っていない, "
        "3 国際的な産学連携は行っていない、国内の産学連携は行った, 4 国際的な産学連携も、国内の産学連携も行っていない"]


def test_xlsx_rows_are_named_as_spreadsheet_rows(responses):
    text = (responses / "institutions.csv").read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    cells = text[4].split(",")
    cells[header.index("q1")] = "7"
    text[4] = ",".join(cells)
    (responses / "institutions.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    write_xlsx(responses / "institutions.csv", responses / "institutions.xlsx")
    use_file(responses, "institutions.xlsx")
    assert problems(responses)[0].startswith("institutions.xlsx, row 5, column 'q1': is not an option of q1")


# --------------------------------------------------------------------------- hostile files

def test_a_zip_bomb_is_refused_unread(responses, monkeypatch):
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("openpyxl opened the zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"0" * (1024 * 1024)
            for _ in range(reader.MAX_XLSX_UNPACKED // len(block) + 1):
                member.write(block)
    (responses / "institutions.xlsx").write_bytes(buffer.getvalue())
    assert len(buffer.getvalue()) < 2 * 1024 * 1024
    use_file(responses, "institutions.xlsx")
    found = problems(responses)
    assert len(found) == 1 and found[0].startswith(
        f"institutions.xlsx: would unpack to {reader.MAX_XLSX_UNPACKED + 1024 * 1024:,} bytes; the limit is "
        f"{reader.MAX_XLSX_UNPACKED:,} bytes (a zip bomb is refused unread); nothing was unpacked")


def test_a_zip_with_thousands_of_members_is_refused(responses):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(reader.MAX_XLSX_MEMBERS + 1):
            archive.writestr(f"x{i}", b"")
    (responses / "institutions.xlsx").write_bytes(buffer.getvalue())
    use_file(responses, "institutions.xlsx")
    assert "an Excel workbook has a few dozen" in problems(responses)[0]


def test_a_file_named_xlsx_that_is_no_zip_is_refused(responses):
    (responses / "institutions.xlsx").write_bytes(b"<html>" + SECRET.encode())
    use_file(responses, "institutions.xlsx")
    found = problems(responses)
    assert found == ["institutions.xlsx: is not an Excel workbook (an .xlsx file is a zip archive; this one is not) — "
                     "fix: save it again from Excel as .xlsx (Excel Workbook), or as CSV UTF-8"]


@pytest.mark.parametrize("content", [b"$FL2@(#) SPSS DATA FILE" + b"\x00" * 40, b"garbage " + SECRET.encode(), b""])
def test_a_malformed_sav_is_refused_with_a_sentence(responses, content):
    (responses / "institutions.sav").write_bytes(content)
    use_file(responses, "institutions.sav")
    found = problems(responses)
    assert len(found) == 1 and found[0].startswith("institutions.sav: cannot be read as an SPSS (.sav) file (")
    assert found[0].endswith("fix: save it again from SPSS/Stata (or export it as CSV UTF-8)") and SECRET not in found[0]


def test_a_truncated_sav_is_refused(responses):
    write_sav(responses / "institutions.csv", responses / "whole.sav")
    (responses / "institutions.sav").write_bytes((responses / "whole.sav").read_bytes()[:5000])
    use_file(responses, "institutions.sav")
    assert problems(responses)[0].startswith("institutions.sav: cannot be read as an SPSS (.sav) file")


def test_a_huge_file_is_refused_before_reading(responses):
    with open(responses / "institutions.csv", "ab") as fh:
        fh.truncate(reader.MAX_BYTES[".csv"] + 1)
    assert problems(responses) == [
        f"institutions.csv: is {reader.MAX_BYTES['.csv'] + 1:,} bytes; the limit for this kind of response file is "
        f"{reader.MAX_BYTES['.csv']:,} bytes — fix: put the response file itself directly in the data directory"]


def test_too_many_rows_are_refused(responses, monkeypatch):
    monkeypatch.setitem(reader.MAX_ROWS, "institutions", 500)
    assert problems(responses)[0].startswith("institutions.csv: has more than 500 rows")


def test_a_symlink_leaving_the_directory_is_refused_unread(responses, tmp_path):
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("institution_id\n" + SECRET + "\n", encoding="utf-8")
    (responses / "institutions.csv").unlink()
    (responses / "institutions.csv").symlink_to(outside)
    found = problems(responses)
    assert found == ["institutions.csv: 'institutions.csv' is a symbolic link to a file outside the data directory; "
                     "nothing was read — fix: put the response file itself directly in the data directory"]


def test_a_path_outside_the_directory_is_refused(responses):
    use_file(responses, "../institutions.csv")
    assert "is not allowed here (must be a file name ending in .csv, .xlsx, .sav or .dta)" in \
           str(read_codebook(responses)[1][0])


def test_a_fifo_is_not_opened(responses):
    (responses / "projects.csv").unlink()
    os.mkfifo(responses / "projects.csv")
    assert problems(responses) == ["projects.csv: is not a regular file (a FIFO, socket or device) — fix: put the "
                                   "response file itself directly in the data directory"]


def test_shift_jis_csv_is_named(responses):
    text = (responses / "institutions.csv").read_text(encoding="utf-8")
    (responses / "institutions.csv").write_bytes(text.replace("I0001", "機関1").encode("cp932"))
    assert "Shift_JIS/CP932" in problems(responses)[0]


def test_a_row_with_too_many_cells_names_its_line(responses):
    lines = (responses / "projects.csv").read_text(encoding="utf-8").splitlines()
    lines[6] += ",extra"
    (responses / "projects.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert problems(responses) == ["projects.csv, line 7: has 3 cells, the header has 2 — fix: quote cells that "
                                   "contain commas; one cell per column"]
