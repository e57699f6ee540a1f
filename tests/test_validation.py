"""Every validation rule of the data loader, each with a fixture that breaks it (made-up values)."""
from __future__ import annotations

import json

import pytest

from src.data.figures import book_problems
from src.data.files import DataError
from src.data.package import load_survey
from src.data.validate import validate_directory

from fixtures.package import HEADER, MULTI, RATING, SINGLE, write_package


def problems_text(directory) -> str:
    """The package rules only: the fixture has three figures, not all the book needs."""
    return "\n".join(str(p) for p in validate_directory(directory))


def test_fixture_package_is_valid(tmp_path):
    assert validate_directory(write_package(tmp_path)) == []


def test_the_book_needs_every_figure_and_the_tables_its_text_uses(tmp_path):
    write_package(tmp_path)
    desc = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    desc["resources"] = [r for r in desc["resources"] if r["name"] != "fig07"]
    (tmp_path / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    text = "\n".join(str(p) for p in validate_directory(tmp_path, requirements=[book_problems]))
    assert "no resource for figure 7 ('fig07')" in text
    assert "the chapters' text is computed from figure 15's table, but 'fig15' has none" in text
    assert "figure 1's table" not in text                     # figure 1 is there


@pytest.mark.parametrize("cell, field, expected", [
    ("nan", "count", "'nan' is not a finite number"),
    ("inf", "n", "'inf' is not a finite number"),
])
def test_non_finite_numbers_are_reported_not_crashed_on(tmp_path, cell, field, expected):
    row = {"count": f",{cell},100,30.0", "n": f",30,{cell},30.0"}[field]
    write_package(tmp_path, tables={1: SINGLE.replace(",30,100,30.0", row)})
    assert f"field '{field}': {expected}" in problems_text(tmp_path)


def test_empty_n_with_count_and_percent_is_reported(tmp_path):
    write_package(tmp_path, tables={1: SINGLE.replace(",30,100,30.0", ",30,,30.0")})
    assert "line 2, field 'n': n is empty" in problems_text(tmp_path)


@pytest.mark.parametrize("change, expected", [
    ({"percent_base": "81"}, "percent_base '81' is not a whole number ≥ 1"),
    ({"published": False}, '"published": false contradicts the listed path'),
    ({"n": 100}, "'n' of 'fig01' must map series to the stated n"),
])
def test_resource_metadata_is_checked(tmp_path, change, expected):
    write_package(tmp_path)
    desc = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    desc["resources"][0].update(change)
    (tmp_path / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    text = problems_text(tmp_path)
    assert expected in text
    assert "fig01.csv: is not listed" not in text            # a bad entry still lists its file


def test_rating_figure_needs_levels(tmp_path):
    write_package(tmp_path)
    desc = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    del desc["resources"][15]["levels"]
    (tmp_path / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    assert "rating figure 'fig16' needs its scale levels" in problems_text(tmp_path)


def test_missing_descriptor(tmp_path):
    text = problems_text(tmp_path)
    assert "datapackage.json: missing" in text and "fix:" in text


def test_missing_directory(tmp_path):
    assert "does not exist" in problems_text(tmp_path / "nope")


def test_invalid_json_names_the_line(tmp_path):
    write_package(tmp_path)
    (tmp_path / "datapackage.json").write_text('{\n "resources": [\n}', encoding="utf-8")
    text = problems_text(tmp_path)
    assert "not valid JSON" in text and "line 3" in text


def test_listed_csv_missing(tmp_path):
    write_package(tmp_path)
    (tmp_path / "fig03.csv").unlink()
    assert "field 'path': resource 'fig03' lists fig03.csv, but that file does not exist" in problems_text(tmp_path)


def test_csv_not_listed(tmp_path):
    write_package(tmp_path)
    (tmp_path / "extra.csv").write_text(HEADER, encoding="utf-8")
    text = problems_text(tmp_path)
    assert "extra.csv: is not listed in datapackage.json" in text


def test_unpublished_figure_csv_not_listed_explains_the_switch(tmp_path):
    write_package(tmp_path)
    (tmp_path / "fig05.csv").write_text(MULTI, encoding="utf-8")
    text = problems_text(tmp_path)
    assert "fig05.csv: is not listed" in text and '"path": "fig05.csv"' in text


def test_unknown_figure(tmp_path):
    write_package(tmp_path)
    desc = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    desc["resources"].append({"name": "fig99", "figure": 99, "question_type": "single_choice", "data": []})
    (tmp_path / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    assert "'fig99' is not a figure of the report (unknown figure)" in "\n".join(
        str(p) for p in validate_directory(tmp_path, requirements=[book_problems]))   # the book's requirement


def test_bad_question_type(tmp_path):
    write_package(tmp_path)
    desc = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    desc["resources"][0]["question_type"] = "pie"
    (tmp_path / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    assert "question_type 'pie' is not one of" in problems_text(tmp_path)


@pytest.mark.parametrize("header, expected", [
    ("series,item,level,count,percent", "missing column 'n'"),
    ("series,item,level,count,n,percent,note", "unexpected column 'note'"),
    ("series,item,level,cuont,n,percent", "unexpected column 'cuont' — fix: rename it to 'count'"),
])
def test_missing_extra_and_misspelt_columns(tmp_path, header, expected):
    write_package(tmp_path, tables={1: header + "\n,A,,1,2\n"})
    text = problems_text(tmp_path)
    assert "fig01.csv, line 1" in text and expected in text


@pytest.mark.parametrize("cell, expected", [
    ("abc", "field 'count': 'abc' is not a number"),
    ("-3", "field 'count': count -3 is negative"),
    ("2.5", "field 'count': '2.5' is not a whole number"),
    ("130", "field 'count': count 130 is larger than n 100"),
])
def test_bad_counts(tmp_path, cell, expected):
    write_package(tmp_path, tables={1: SINGLE.replace(",30,100,30.0", f",{cell},100,30.0")})
    text = problems_text(tmp_path)
    assert "fig01.csv, line 2" in text and expected in text


@pytest.mark.parametrize("cell, expected", [
    ("130.0", "percent 130.0 is outside 0–100"),
    ("31.0", "percent 31.0 disagrees with count 30 / n 100 = 30.0"),
    ("x", "'x' is not a number"),
])
def test_bad_percents(tmp_path, cell, expected):
    write_package(tmp_path, tables={1: SINGLE.replace(",30,100,30.0", f",30,100,{cell}")})
    text = problems_text(tmp_path)
    assert "line 2, field 'percent'" in text and expected in text


def test_percent_is_rounded_half_up(tmp_path):
    # 1/8 = 12.5 %, 1/16 = 6.25 % → 6.3 (half-up), not 6.2 (banker's rounding)
    table = HEADER + ",A,,1,16,6.3\n,B,,15,16,93.8\n"
    write_package(tmp_path, tables={1: table})
    assert problems_text(tmp_path) == ""
    write_package(tmp_path, tables={1: table.replace("6.3", "6.2")})
    assert "disagrees with count 1 / n 16 = 6.3" in problems_text(tmp_path)


def test_declared_percent_base_is_used(tmp_path):
    write_package(tmp_path)
    desc = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    desc["resources"][2]["percent_base"] = 81
    (tmp_path / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    assert "count 40 / percent_base 81 = 49.4" in problems_text(tmp_path)


def test_single_choice_must_sum_to_100_and_n(tmp_path):
    write_package(tmp_path, tables={1: HEADER + ",A,,30,100,30.0\n,B,,60,100,60.0\n"})
    text = problems_text(tmp_path)
    assert "percentages of the figure sum to 90.0, not 100" in text
    assert "counts of the figure sum to 90, not n 100" in text


def test_rating_item_must_sum_to_100(tmp_path):
    write_package(tmp_path, tables={16: RATING.replace(",項目1,まったくない,,10,10.0", ",項目1,まったくない,,10,30.0")})
    assert "percentages of item '項目1' sum to 120.0, not 100" in problems_text(tmp_path)


def test_rating_level_must_be_declared(tmp_path):
    write_package(tmp_path, tables={16: RATING.replace("項目1,ややある", "項目1,やや有る")})
    assert "level 'やや有る' is not one of the figure's levels" in problems_text(tmp_path)


def test_duplicate_rows(tmp_path):
    write_package(tmp_path, tables={3: MULTI + ",選択肢A,,40,80,50.0\n"})
    text = problems_text(tmp_path)
    assert "fig03.csv, line 5" in text and "duplicate (series, item, level) row, same as line 2" in text


def test_empty_item_and_n(tmp_path):
    write_package(tmp_path, tables={3: MULTI + ",,,1,,\n"})
    text = problems_text(tmp_path)
    assert "item is empty" in text and "n is empty" in text


def test_all_problems_are_reported_together(tmp_path):
    write_package(tmp_path, tables={1: SINGLE.replace("30,100,30.0", "x,100,30.0"), 3: MULTI.replace("40,80", "90,80")})
    (tmp_path / "stray.csv").write_text(HEADER, encoding="utf-8")
    problems = validate_directory(tmp_path)
    files = {p.file for p in problems}
    assert {"fig01.csv", "fig03.csv", "stray.csv"} <= files


def test_shift_jis_is_rejected_with_conversion_advice(tmp_path):
    write_package(tmp_path)
    (tmp_path / "fig01.csv").write_bytes(SINGLE.encode("cp932"))
    text = problems_text(tmp_path)
    assert "fig01.csv, line 2: the file is Shift_JIS/CP932" in text and "iconv -f CP932 -t UTF-8" in text


def test_bom_and_crlf_are_accepted(tmp_path):
    write_package(tmp_path)
    (tmp_path / "fig01.csv").write_bytes(b"\xef\xbb\xbf" + SINGLE.replace("\n", "\r\n").encode("utf-8"))
    assert validate_directory(tmp_path) == []
    table = load_survey(tmp_path).table(1)
    assert list(table.columns) == ["series", "item", "level", "count", "n", "percent"]
    assert table["item"].tolist() == ["選択肢A", "選択肢B"]


def test_loader_raises_with_every_problem(tmp_path):
    write_package(tmp_path, tables={1: SINGLE.replace("30,100,30.0", "x,100,31.0")})
    survey = load_survey(tmp_path)
    with pytest.raises(DataError) as err:
        survey.table(1)
    assert "fig01.csv, line 2, field 'count'" in str(err.value)


def test_unpublished_table_is_none(tmp_path):
    survey = load_survey(write_package(tmp_path))
    assert survey.table(5) is None and not survey.resource(5).published
