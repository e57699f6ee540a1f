"""The invented response set (tests/fixtures/responses): up to date, invented, and aggregating to data/'s printed numbers.

Issue 26, item 6: figures 1, 3, 11, 12 and 15 reproduce every printed count, n and percent;
figure 16 every percent and n; figures 4, 13 and 14 the printed counts and n (their printed
percentages fit no count of the printed n; the 検証 page explains why).
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys

import pytest

from src.data.figures import book_problems
from src.data.package import load_survey
from src.data.respondents.aggregate import compare_tables, load_responses, write_snapshot
from src.data.validate import validate_directory

from conftest import FIXTURES, REPO

RESPONSES = FIXTURES / "responses"
DATA = REPO / "data"


@pytest.fixture(scope="module")
def result():
    tables, problems = load_responses(RESPONSES)
    assert problems == [], "\n".join(map(str, problems))
    return tables


def printed(figure: int) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((DATA / f"fig{figure:02d}.csv").read_text(encoding="utf-8"))))


def computed(result, figure: int) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result.tables[figure].csv_bytes().decode("utf-8"))))


def test_the_script_rewrites_the_committed_fixture_byte_for_byte(tmp_path):
    proc = subprocess.run([sys.executable, str(FIXTURES / "make_responses.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in RESPONSES.iterdir())
    for name in made:
        assert (tmp_path / name).read_bytes() == (RESPONSES / name).read_bytes(), (
            f"tests/fixtures/responses/{name} is stale (it copies data/datapackage.json's metadata); "
            "regenerate it: python tests/fixtures/make_responses.py --out tests/fixtures/responses")


def test_the_fixture_says_it_is_invented_and_holds_no_tables():
    package = json.loads((RESPONSES / "datapackage.json").read_text(encoding="utf-8"))
    assert "架空" in package["title"] and "架空" in package["description"]
    en = package["translations"]["en"]
    assert "Invented" in en[package["title"]] and "invented" in en[package["description"]]
    assert "架空" in (RESPONSES / "README.md").read_text(encoding="utf-8")
    assert "INVENTED" in (RESPONSES / "codebook.yml").read_text(encoding="utf-8").splitlines()[0]
    assert not list(RESPONSES.glob("fig*.csv"))


@pytest.mark.parametrize("figure", [1, 3, 11, 12, 15])
def test_fully_printed_figures_come_back_byte_for_byte(result, figure):
    assert result.tables[figure].csv_bytes() == (DATA / f"fig{figure:02d}.csv").read_bytes()


def test_figure_16_gives_every_printed_percent_and_n(result):
    got, want = computed(result, 16), printed(16)
    assert [(r["item"], r["level"], r["n"], r["percent"]) for r in got] == \
           [(r["item"], r["level"], r["n"], r["percent"]) for r in want]


@pytest.mark.parametrize("figure", [4, 13, 14])
def test_figures_4_13_14_give_the_printed_counts_and_n(result, figure):
    got, want = computed(result, figure), printed(figure)
    assert [(r["series"], r["item"], r["n"]) for r in got] == [(r["series"], r["item"], r["n"]) for r in want]
    for g, w in zip(got, want):
        if w["count"]:
            assert g["count"] == w["count"], (g["item"], g["count"], w["count"])


def test_figures_13_14_most_important_series_give_their_printed_percentages(result):
    for figure in (13, 14):
        for g, w in zip(computed(result, figure), printed(figure)):
            if w["series"] in ("最も重要", "最も重視") and w["percent"]:
                assert g["percent"] == w["percent"], (figure, g["item"])


def test_comparison_names_exactly_the_cells_whose_printed_percent_fits_no_count_of_n(result):
    problems = compare_tables(result.tables, DATA)
    cells = sorted((p.file, p.line, p.field) for p in problems)
    top3 = [("fig13.csv", line, "percent") for line in range(12, 22)] + \
           [("fig14.csv", line, "percent") for line in range(12, 22)]
    fig4 = [("fig04.csv", line, "percent") for line in (2, 3, 4, 7, 8, 9, 11, 12)]   # count/589 ≠ count/588
    assert cells == sorted(fig4 + top3)
    assert all("the responses give percent" in str(p) and "the table says" in str(p) for p in problems)


def test_a_changed_count_in_a_supplied_table_is_named_with_its_cell(result, tmp_path):
    data = shutil.copytree(DATA, tmp_path / "data")
    text = (data / "fig12.csv").read_text(encoding="utf-8").replace(",14,108,13.0\n", ",15,108,13.9\n", 1)
    (data / "fig12.csv").write_text(text, encoding="utf-8")
    found = [str(p) for p in compare_tables(result.tables, data) if p.file == "fig12.csv"]
    assert found == [
        "fig12.csv, line 3, field 'count': the responses give count 14, the table says 15 — fix: correct the response "
        "files or the table; the two must agree (or remove the table: the build computes it from the responses)",
        "fig12.csv, line 3, field 'percent': the responses give percent 13.0, the table says 13.9 — fix: correct the "
        "response files or the table; the two must agree (or remove the table: the build computes it from the responses)"]


def test_the_snapshot_passes_the_tables_validation_and_holds_no_response_file(result, tmp_path):
    out = write_snapshot(RESPONSES, tmp_path / "snapshot", result.tables)
    assert [str(p) for p in validate_directory(out, requirements=[book_problems])] == []
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["README.md", "datapackage.json"] + [f"fig{n:02d}.csv" for n in (1, 3, 4, 11, 12, 13, 14, 15, 16)])
    survey = load_survey(out)
    assert survey.resource(4).percent_base is None                   # computed: percent = count/n
    assert survey.resource(16).n_by_item["その他"] == 8
    assert survey.resource(13).n == {"最も重要": 107, "重要なもの（上位3つまで回答）": 301}
    published = "".join(p.read_text(encoding="utf-8") for p in out.iterdir())
    assert not re.search(r"\b[IP][0-9]{4}\b", published)          # no institution or project id


def test_a_snapshot_of_responses_whose_package_shares_one_schema_file_validates(result, tmp_path):
    # Issue 23 item 4: a package may name one schema file ("schema": "table.schema.json") instead of inline schemas;
    # the snapshot of its tables must carry that file, or it names a schema it does not hold
    responses = shutil.copytree(RESPONSES, tmp_path / "responses")
    shutil.copy(DATA / "table.schema.json", responses / "table.schema.json")
    package = json.loads((responses / "datapackage.json").read_text(encoding="utf-8"))
    for res in package["resources"]:
        if isinstance(res.get("schema"), dict):
            res["schema"] = "table.schema.json"
    (responses / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    out = write_snapshot(responses, tmp_path / "snapshot", result.tables)
    assert (out / "table.schema.json").read_bytes() == (DATA / "table.schema.json").read_bytes()
    assert [str(p) for p in validate_directory(out, requirements=[book_problems])] == []
