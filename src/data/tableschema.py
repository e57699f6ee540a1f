"""The table schema of a resource: inline, or one file in the data directory that every resource names.

``"schema": "table.schema.json"`` names a Frictionless Table Schema beside ``datapackage.json``
(data/README.md); an inline ``"schema": {...}`` (older packages) and no schema at all stay valid.
A named file is confined like a table (``files.confined_path``: no URL, no absolute path, no
``..``, no subdirectory, no link leaving the directory) and read here, strictly, before
Frictionless sees anything: Frictionless only ever gets the schema as a checked dict
(``src/data/generic.py``), so it never opens or fetches a schema itself.

Whatever its form, the schema must declare the columns the project reads (:data:`rules.FIELD_TYPES`,
in that order, with ``""`` as the one missing value); constraints it adds are enforced by
Frictionless's checks during validation.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from src.data.files import Problem, confined_path, decode_text, parse_json, read_regular_file, record_read
from src.data.rules import COLUMNS, FIELD_TYPES

#: The file name the data directory's resources share (data/table.schema.json).
SCHEMA_FILE = "table.schema.json"

#: What a resource without a schema is validated against: the columns, their types, the rules of data/README.md.
DEFAULT_SCHEMA: dict[str, Any] = {
    "fields": [{"name": name, "type": kind, **({"constraints": constraints} if constraints else {})}
               for name, kind, constraints in (
                   ("series", "string", {}), ("item", "string", {"required": True}), ("level", "string", {}),
                   ("count", "integer", {"minimum": 0}), ("n", "integer", {"required": True, "minimum": 1}),
                   ("percent", "number", {"minimum": 0, "maximum": 100}))],
    "missingValues": [""],
}

_FIX_FIELDS = (f"declare the fields {', '.join(COLUMNS)} in that order, typed "
               + ", ".join(f"{name} {kind}" for name, kind in FIELD_TYPES.items()) + f" (as data/{SCHEMA_FILE})")


class SchemaFiles:
    """The schema files of one directory, each read and checked once however many resources name it."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._read: dict[str, tuple[dict[str, Any] | None, list[Problem]]] = {}

    def resolve(self, where: str, name: str, value: Any) -> tuple[dict[str, Any] | None, list[Problem]]:
        """Resource ``name``'s schema as a checked dict (None: absent or unusable) and its problems.

        A file's own problems are reported once, at the file; each resource naming a bad file
        adds nothing more (its entry is not what is wrong).
        """
        if value is None:
            return None, []
        if isinstance(value, dict):
            return value, schema_problems(where, value, field_prefix="schema.")
        if not isinstance(value, str):
            return None, [Problem(where, f"\"schema\" of '{name}' is neither a file name nor an object",
                                  f"set \"schema\": \"{SCHEMA_FILE}\"", field="schema")]
        path, why = confined_path(self.directory, value)
        if path is None:
            return None, [Problem(where, f"resource '{name}': schema {why}; nothing was read",
                                  f"copy the schema into the data directory as {SCHEMA_FILE} and set "
                                  f"\"schema\": \"{SCHEMA_FILE}\"", field="schema")]
        if not os.path.lexists(path):
            return None, [Problem(where, f"resource '{name}' names the schema {value}, but that file does not exist",
                                  f"copy data/{SCHEMA_FILE} into {self.directory.name}/ (or write the schema inline)",
                                  field="schema")]
        if path.name not in self._read:
            self._read[path.name] = self._read_file(path)
        schema, problems = self._read[path.name]
        self._read[path.name] = (schema, [])
        return schema, problems

    def _read_file(self, path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
        raw, why = read_regular_file(path)
        if raw is None:
            return None, [Problem(path.name, why, f"make {path.name} an ordinary file in the data directory")]
        record_read(path)
        text, problems = decode_text(path, raw)
        if text is None:
            return None, problems
        schema, problems = parse_json(path.name, text)
        if problems:
            return None, problems
        problems = schema_problems(path.name, schema)
        return (schema if not problems else None), problems


def for_frictionless(schema: dict[str, Any] | None) -> dict[str, Any]:
    """The part of a checked schema Frictionless's checks use: fields (name, type, format, constraints),
    missingValues and primaryKey. References it would follow (``foreignKeys``, a ``$schema`` or ``profile``
    address) are left out: each table is checked on its own and nothing is fetched."""
    schema = schema or DEFAULT_SCHEMA
    fields = [{k: v for k, v in f.items() if k in ("name", "type", "format", "constraints")} for f in schema["fields"]]
    out = {"fields": fields, "missingValues": [""]}
    if "primaryKey" in schema:
        out["primaryKey"] = schema["primaryKey"]
    return out


def schema_problems(where: str, schema: Any, field_prefix: str = "") -> list[Problem]:
    """A table schema must declare the project's columns and types (constraints and descriptions are free)."""
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        return [Problem(where, "the table schema has no \"fields\" list", _FIX_FIELDS, field=f"{field_prefix}fields")]
    fields = schema["fields"]
    names = [f.get("name") if isinstance(f, dict) else None for f in fields]
    if names != list(COLUMNS):
        shown = ", ".join(str(n) for n in names)
        return [Problem(where, f"the table schema declares the fields {shown}, not {', '.join(COLUMNS)}", _FIX_FIELDS,
                        field=f"{field_prefix}fields")]
    problems = []
    for i, f in enumerate(fields):
        declared = f.get("type", "any")
        if declared != FIELD_TYPES[f["name"]]:
            problems.append(Problem(where, f"field '{f['name']}' is typed {declared!r}; the book reads it as "
                                    f"{FIELD_TYPES[f['name']]!r}", f"set \"type\": \"{FIELD_TYPES[f['name']]}\"",
                                    field=f"{field_prefix}fields[{i}].type"))
        if not isinstance(f.get("constraints", {}), dict):
            problems.append(Problem(where, f"the constraints of field '{f['name']}' are not an object",
                                    "write e.g. \"constraints\": {\"minimum\": 0}",
                                    field=f"{field_prefix}fields[{i}].constraints"))
    if schema.get("missingValues", [""]) != [""]:
        problems.append(Problem(where, f"missingValues is {schema.get('missingValues')!r}: the tables mark a value "
                                "the report does not print by an empty cell only", "set \"missingValues\": [\"\"]",
                                field=f"{field_prefix}missingValues"))
    return problems

