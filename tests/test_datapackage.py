"""The real data package: Frictionless-valid, complete, and consistent with the loader's rules."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from src.data.figures import REGISTRY, book_problems
from src.data.package import COLUMNS, load_survey
from src.data.rules import FIELD_TYPES
from src.data.tableschema import DEFAULT_SCHEMA
from src.data.validate import validate_directory

from conftest import REPO

DATA = REPO / "data"
DESCRIPTOR = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
PRINTED = {1, 3, 4, 11, 12, 13, 14, 15, 16}      # figures whose numbers the summary prints with labels


def test_frictionless_validate_passes():
    proc = subprocess.run([sys.executable, "-m", "frictionless", "validate", "--json", str(DATA / "datapackage.json")],
                          capture_output=True, text=True, cwd=DATA)
    report = json.loads(proc.stdout)
    assert report["valid"], json.dumps(report["tasks"], ensure_ascii=False)[:2000]
    assert len(report["tasks"]) == len(REGISTRY)          # one resource per figure of the registry


def test_loader_rules_pass_on_the_real_data():
    assert [str(p) for p in validate_directory(DATA, requirements=[book_problems])] == []


def test_one_resource_per_figure_in_order():
    assert [r["name"] for r in DESCRIPTOR["resources"]] == [REGISTRY[n].stem for n in sorted(REGISTRY)]


@pytest.mark.parametrize("res", DESCRIPTOR["resources"], ids=lambda r: r["name"])
def test_resource_metadata_is_complete(res):
    for key in ("title", "figure", "question_type", "n", "sources", "description", "schema"):
        assert res.get(key) not in (None, "", []), f"{res['name']} lacks {key}"
    assert res["schema"] == "table.schema.json"         # the one schema file (issue 23 part 4), not a copy each
    assert f"概要図表{res['figure']}" in res["sources"][0]["title"]
    assert res["published"] == (res["figure"] in PRINTED)


def test_the_schema_file_declares_the_columns_the_code_reads():
    """data/table.schema.json and the rules of src/data/rules.py (the default schema) are the same columns and rules."""
    schema = json.loads((DATA / "table.schema.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in schema["fields"]] == list(COLUMNS)
    assert {f["name"]: f["type"] for f in schema["fields"]} == FIELD_TYPES
    assert [f.get("constraints") for f in schema["fields"]] == [f.get("constraints") for f in DEFAULT_SCHEMA["fields"]]
    assert schema["missingValues"] == [""]


def test_every_printed_figure_has_its_table():
    survey = load_survey(DATA)
    for number in PRINTED:
        table = survey.table(number)
        assert table is not None and len(table) >= 3


def test_survey_facts_let_chapters_compute_the_response_rate():
    survey = DESCRIPTOR["survey"]
    assert survey["population"] > survey["responses"] > 0
    assert {"questionnaire_mailed", "responses_by"} <= survey.keys()


def test_unpublished_figures_record_what_the_prose_says():
    for res in DESCRIPTOR["resources"]:
        if not res["published"] and res["figure"] != 17:
            assert res.get("prose_facts"), res["name"]
    fig17 = DESCRIPTOR["resources"][16]
    assert fig17.get("published_sequence"), "figure 17's printed values are kept as published"


def test_no_fixture_values_leak_into_data():
    text = "".join(p.read_text(encoding="utf-8") for p in DATA.glob("*.csv"))
    assert "選択肢A" not in text and "項目1" not in text
