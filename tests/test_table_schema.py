"""The table schema once (issue 23, part 4): one schema file every resource names, inline schemas still valid,
confinement before Frictionless, Frictionless's generic checks mapped to the project's messages."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from src.data import generic
from src.data.figures import REGISTRY
from src.data.files import published_files

from conftest import REPO
from fixtures.package import edit_package, problems

SECRET = "table-schema-secret-9c2d"


@pytest.fixture
def data(tmp_path) -> Path:
    return Path(shutil.copytree(REPO / "data", tmp_path / "data"))


def set_schema(directory: Path, value, names=("fig12",)) -> None:
    def change(package):
        for res in package["resources"]:
            if res["name"] in names:
                res["schema"] = value
    edit_package(directory, change)


class Spy:
    """What Frictionless is handed: every schema and every table (their rows)."""

    def __init__(self, monkeypatch):
        import frictionless

        self.seen: list[str] = []
        real_schema, real_validate = frictionless.Schema.from_descriptor, frictionless.Resource.validate

        def schema(descriptor, *args, **kwargs):
            self.seen.append(json.dumps(descriptor, ensure_ascii=False))
            return real_schema(descriptor, *args, **kwargs)

        def validate(resource, *args, **kwargs):
            self.seen.append(repr((resource.path, resource.data)))
            assert resource.path is None and isinstance(resource.data, list), "Frictionless got a path, not rows"
            return real_validate(resource, *args, **kwargs)

        monkeypatch.setattr(frictionless.Schema, "from_descriptor", schema)
        monkeypatch.setattr(frictionless.Resource, "validate", validate)


# --------------------------------------------------------------------------- both forms validate

def test_the_real_data_names_one_schema_file():
    package = json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["schema"] for r in package["resources"]} == {"table.schema.json"}
    assert problems(REPO / "data") == []


def test_a_package_with_inline_schemas_validates(data):
    """The older form: each resource carries the schema itself (and no schema file is present)."""
    inline = json.loads((data / "table.schema.json").read_text(encoding="utf-8"))
    (data / "table.schema.json").unlink()
    set_schema(data, inline, names=[spec.stem for spec in REGISTRY.values()])
    assert problems(data) == []
    assert "table.schema.json" not in [p.name for p in published_files(data)]


def test_a_package_with_a_shared_schema_file_validates_and_publishes_it(data):
    assert problems(data) == []
    assert "table.schema.json" in [p.name for p in published_files(data)]


def test_the_frictionless_command_accepts_both_forms(data):
    """`frictionless validate` (data/README.md) resolves the relative schema path inside the directory."""
    proc = subprocess.run([sys.executable, "-m", "frictionless", "validate", "--json", "datapackage.json"],
                          capture_output=True, text=True, cwd=data)
    assert json.loads(proc.stdout)["valid"], proc.stdout[:2000]


# --------------------------------------------------------------------------- confinement first

@pytest.mark.parametrize("value, said", [
    ("https://example.org/table.schema.json", "is an address (URL)"),
    ("file:///etc/passwd", "is an address (URL)"),
    ("/etc/passwd", "is an absolute path"),
    ("../x.json", "leads out of the data directory"),
    ("sub/table.schema.json", "is in a subdirectory"),
])
def test_a_schema_outside_the_directory_is_refused_before_frictionless(data, monkeypatch, value, said):
    spy = Spy(monkeypatch)
    set_schema(data, value)
    found = problems(data)
    assert [p for p in found if "field 'schema'" in p and said in p and "nothing was read" in p
            and "fix: copy the schema into the data directory as table.schema.json" in p], found
    assert not any(value in seen for seen in spy.seen)
    assert spy.seen, "Frictionless still checked the other tables"
    assert value not in [str(p) for p in published_files(data)]


def test_a_schema_link_leaving_the_directory_is_refused_unread(data, tmp_path, monkeypatch):
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps({"fields": [], "description": SECRET}), encoding="utf-8")
    (data / "linked.schema.json").symlink_to(outside)
    spy = Spy(monkeypatch)
    set_schema(data, "linked.schema.json")
    found = problems(data)
    assert any("schema 'linked.schema.json' is a symbolic link to a file outside the data directory" in p for p in found)
    assert SECRET not in "\n".join(found + spy.seen)
    assert "linked.schema.json" not in [p.name for p in published_files(data)]


def test_frictionless_opens_no_file_and_no_connection(data):
    """An audit hook in a fresh interpreter: during validation nothing outside the data directory and Python's
    own files is opened, and no socket is made — Frictionless gets rows and dicts, not paths."""
    script = f"""
import sys
from src.data.generic import frictionless_problems   # noqa: F401
import frictionless                                    # imported before the hook: its modules are not the data
events = []
sys.addaudithook(lambda event, args: events.append((event, args)) if event in ("open", "socket.connect",
                 "socket.getaddrinfo", "urllib.Request") else None)
from src.data.validate import validate_directory
assert validate_directory({str(data)!r}) == []
opened = [str(a[0]) for e, a in events if e == "open" and isinstance(a[0], str)]
assert not [e for e, a in events if e != "open"], events
outside = [p for p in opened if not p.startswith(({str(data)!r}, sys.prefix, sys.base_prefix, {str(REPO / 'src')!r},
                                                    '/usr/share/zoneinfo', '/usr/lib/python3'))]
assert not outside, outside
print(sorted({{p.rsplit('/', 1)[-1] for p in opened if p.startswith({str(data)!r})}}))
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "table.schema.json" in proc.stdout      # read once, by the project


# --------------------------------------------------------------------------- the schema file itself

def test_a_schema_file_that_does_not_declare_the_columns_is_a_message(data):
    schema = json.loads((data / "table.schema.json").read_text(encoding="utf-8"))
    schema["fields"][3]["type"] = "string"
    (data / "table.schema.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    found = problems(data)
    assert ("table.schema.json, field 'fields[3].type': field 'count' is typed 'string'; the book reads it as "
            "'integer' — fix: set \"type\": \"integer\"") in found
    assert len([p for p in found if "table.schema.json" in p]) == 1, "reported once, not once per resource"


def test_a_schema_file_that_is_not_json_names_its_line(data):
    (data / "table.schema.json").write_text('{\n  "fields": [\n  }\n', encoding="utf-8")
    assert any(p.startswith("table.schema.json, line 3: is not valid JSON") for p in problems(data))


def test_a_missing_schema_file_is_a_message(data):
    (data / "table.schema.json").unlink()
    found = problems(data)
    assert any("resource 'fig01' names the schema table.schema.json, but that file does not exist" in p for p in found)


def test_an_inline_schema_with_other_columns_is_a_message(data):
    set_schema(data, {"fields": [{"name": "item", "type": "string"}], "missingValues": [""]})
    assert any("field 'schema.fields': the table schema declares the fields item, not series, item, level, count, n, "
               "percent" in p for p in problems(data))


# --------------------------------------------------------------------------- Frictionless's checks, mapped

def test_a_constraint_the_schema_adds_is_enforced_with_the_projects_message(data):
    """A rule only the schema states (no item longer than 5 characters) is Frictionless's to find; the message
    still names file, line, field, what and how to fix it."""
    schema = json.loads((data / "table.schema.json").read_text(encoding="utf-8"))
    schema["fields"][1]["constraints"]["maxLength"] = 5
    (data / "table.schema.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    found = problems(data)
    assert ("fig12.csv, line 2, field 'item': '常勤職員' breaks the schema (table.schema.json): constraint "
            "\"maxLength\" is \"5\"" not in "\n".join(found))          # 4 characters: fine
    assert any(p.startswith("fig12.csv, line 3, field 'item': '嘱託・非常勤職員' breaks the schema (table.schema.json): "
                            "constraint \"maxLength\" is \"5\" — fix: correct the cell (or the constraint in "
                            "table.schema.json)") for p in found), found


def test_a_cell_both_find_is_reported_once_in_the_projects_words(data):
    path = data / "fig12.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",常勤職員,,31,", ",常勤職員,,x,"), encoding="utf-8")
    found = [p for p in problems(data) if p.startswith("fig12.csv, line 2, field 'count'")]
    assert found == ["fig12.csv, line 2, field 'count': 'x' is not a number — fix: write count as a whole number "
                     "(or leave it empty if not published)"]


def test_frictionless_error_mapping_covers_its_generic_errors():
    """Every kind of error the checks can raise reads as file, line, field, what, fix."""
    from frictionless import Resource, Schema

    from src.data.tableschema import DEFAULT_SCHEMA

    rows = [["series", "item", "level", "count", "n", "percent"], ["", "a", "", "x", "10", "5"],
            ["", "", "", "1", "10", "200"], ["", "b", "", "1"], ["", "c", "", "1", "10", "10", "9"]]
    report = Resource(data=rows, schema=Schema.from_descriptor(DEFAULT_SCHEMA)).validate()
    mapped = [str(generic._problem("fig01.csv", e, DEFAULT_SCHEMA, declared=False)) for e in report.tasks[0].errors]
    assert mapped[0] == ("fig01.csv, line 2, field 'count': 'x' is not a whole number (the column rules "
                         "(data/README.md)) — fix: write count as a whole number (or leave it empty if not published)")
    assert "fig01.csv, line 3, field 'item': an empty cell breaks the column rules" in mapped[1]
    assert any(m.startswith("fig01.csv, line 4: has too few cells for the header") for m in mapped)
    assert any(m.startswith("fig01.csv, line 5: has too many cells for the header") for m in mapped)
    assert all(" — fix: " in m and "line " in m for m in mapped)


def test_validation_leaves_the_csv_field_limit_as_it_was(data):
    before = csv.field_size_limit()
    problems(data)
    assert csv.field_size_limit() == before


def test_loading_does_not_import_frictionless():
    """Chapters and the no-op build load the data without paying Frictionless's import."""
    code = ("import sys; from src.data.package import load_survey; s = load_survey('data'); s.table(12); "
            "print('frictionless' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ))
    assert proc.stdout.strip() == "False", proc.stderr[-2000:]


def test_a_schema_rule_on_a_line_the_parser_flagged_elsewhere_is_still_reported(data):
    """The parser's message covers its own cell (or a whole row), not the other cells of that line."""
    schema = json.loads((data / "table.schema.json").read_text(encoding="utf-8"))
    schema["fields"][1]["constraints"]["maxLength"] = 5
    (data / "table.schema.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    path = data / "fig12.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",嘱託・非常勤職員,,14,108,13.0", ",嘱託・非常勤職員,,14,108,13.5"),
                    encoding="utf-8")
    found = problems(data)
    assert any(p.startswith("fig12.csv, line 3, field 'percent': percent 13.5 disagrees") for p in found), found
    assert any(p.startswith("fig12.csv, line 3, field 'item': '嘱託・非常勤職員' breaks the schema") for p in found), found
