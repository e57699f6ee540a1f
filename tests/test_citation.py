"""CITATION.cff: valid Citation File Format 1.2.0, naming this edition and the original report."""
from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from conftest import REPO

SCHEMA = json.loads((REPO / "tests/schemas/citation-cff-1.2.0.json").read_text(encoding="utf-8"))


def load_cff() -> dict:
    """CITATION.cff as JSON data (YAML dates become strings, as the schema expects)."""
    data = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    return json.loads(json.dumps(data, default=str))


def schema_errors(data: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def test_citation_file_validates_against_cff_1_2_0():
    assert schema_errors(load_cff()) == []


@pytest.mark.parametrize("broken", [{"license": "CC BY 4.0"}, {"cff-version": None}, {"references": [{"type": "report"}]}])
def test_the_schema_check_catches_a_broken_file(broken):
    data = load_cff()
    data.update(broken)
    data = {k: v for k, v in data.items() if v is not None}
    assert schema_errors(data)


def test_citation_names_the_edition_and_its_licence():
    cff = load_cff()
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    assert cff["title"] == config["title"]
    assert cff["license"] == "CC-BY-4.0"


def test_citation_references_the_original_report():
    [report] = [r for r in load_cff()["references"] if r["type"] == "report"]
    assert report["title"] == "アンケート調査から見た国内大学等による国際産学連携の現状"
    assert "NISTEP DISCUSSION PAPER No.145" in report["notes"]
    assert report["institution"]["name"] == "科学技術・学術政策研究所 (NISTEP)"
    assert (report["year"], report["month"]) == (2017, 4)
    assert report["url"] == "https://www.nistep.go.jp/archives/32309"
