"""Frictionless's generic checks of the tables (types, required cells, constraints, cells per row, header),
run inside validation beside the project's own parser and mapped to its messages.

Only validation runs them (the no-op build and the chapters never import Frictionless). They run
after the project's path checks and parser, on what those already read and could parse: each
table's rows (the parser's own CSV reading of the decoded text) and its schema as a checked dict
(``tableschema.for_frictionless``). Frictionless therefore opens no file, fetches nothing, and
never parses or sniffs the CSV text itself (its dialect sniffer took 20 GB on a 131,073-character
cell, which the parser refuses outright); a table the parser could not read at all is left to
the parser's message.

The project's parser (``src/data/tables.py``) stays the source of the messages the authors see:
it is stricter (ASCII digits only, no ``1_08`` or ``1e2``, limits, formulas, encodings) and
knows the domain (percent against count/base, sums, stated n). A Frictionless error is reported
only where the parser said nothing about that line (and cell); mapped, it reads like the
parser's own: ``figNN.csv, line L, field 'F': what — fix: how``. A rule that a schema adds on top
of the project's (a constraint of its own, a primary key) is enforced that way.
"""
from __future__ import annotations

import csv
from typing import Any, Iterable

from src.data.files import Problem
from src.data.resources import Resource
from src.data.tables import csv_rows
from src.data.tableschema import SCHEMA_FILE, for_frictionless

#: Errors the project decides otherwise: blank rows are skipped by the parser (data/README.md).
SKIPPED = ["blank-row"]

_WHOLE = {"integer": "a whole number", "number": "a number"}


def import_frictionless() -> None:
    """Import Frictionless (≈0.3 s: validation only, never the no-op build; the preview's waiting build does it
    ahead), leaving the csv module's global field limit as it was: importing it raises the limit to 2**31."""
    limit = csv.field_size_limit()
    import frictionless  # noqa: F401
    csv.field_size_limit(limit)


def frictionless_problems(resources: Iterable[Resource], texts: dict[str, str],
                          reported: Iterable[Problem]) -> list[Problem]:
    """Frictionless's errors for each table in ``texts`` (resource name → decoded CSV text, only the tables the
    parser could read) that the project's own ``reported`` problems do not already cover."""
    resources = [r for r in resources if r.name in texts and r.path is not None]
    if not resources:
        return []
    import_frictionless()
    from frictionless import Checklist, Resource as Table, Schema

    reported = list(reported)
    cells = {(p.file, p.line, p.field) for p in reported}                  # what the parser said, where
    rows_said = {(p.file, p.line) for p in reported if p.field is None}     # …about a whole row
    lines = {(p.file, p.line) for p in reported}
    checklist = Checklist(skip_errors=SKIPPED)
    problems = []
    for res in resources:
        fname = res.path.name
        schema = for_frictionless(res.table_schema)
        rows = csv_rows(texts[res.name])          # the parser read it already: it parses
        table = Table(data=rows, schema=Schema.from_descriptor(schema))
        report = table.validate(checklist)
        for task in report.tasks:
            for error in task.errors:
                problem = _problem(fname, error, schema, declared=res.table_schema is not None)
                key, line = (problem.file, problem.line, problem.field), (problem.file, problem.line)
                if key in cells or line in rows_said or (problem.field is None and line in lines):
                    continue
                cells.add(key)
                problems.append(problem)
    return problems


def _problem(fname: str, error: Any, schema: dict[str, Any], *, declared: bool) -> Problem:
    """One Frictionless error as the project's message: file, line, field, what is wrong, how to fix it."""
    line = getattr(error, "row_number", None)
    field = getattr(error, "field_name", None) or None
    cell = getattr(error, "cell", "")
    source = f"the schema ({SCHEMA_FILE})" if declared else "the column rules (data/README.md)"
    kind = error.type
    if kind == "type-error":
        wanted = next((f["type"] for f in schema["fields"] if f["name"] == field), "")
        return Problem(fname, f"'{cell}' is not {_WHOLE.get(wanted, wanted)} ({source})",
                       f"write {field} as {_WHOLE.get(wanted, wanted)} (or leave it empty if not published)", line, field)
    if kind == "constraint-error":
        return Problem(fname, f"{'an empty cell' if cell in ('', None) else repr(cell)} breaks {source}: {error.note}",
                       f"correct the cell (or the constraint in {SCHEMA_FILE})", line, field)
    if kind in ("missing-cell", "extra-cell"):
        return Problem(fname, f"has {'too few' if kind == 'missing-cell' else 'too many'} cells for the header",
                       "quote cells that contain commas; one cell per column", line)
    if kind.endswith("-label") or kind == "label-error":
        return Problem(fname, f"the header does not match {source}: {error.note or error.message}",
                       f"the header must be exactly: {','.join(f['name'] for f in schema['fields'])}", 1, field)
    if kind in ("primary-key", "unique-error"):
        return Problem(fname, f"repeats a key the schema declares unique ({error.note})",
                       "remove or correct one of the copies", line, field)
    return Problem(fname, f"{error.message} (Frictionless: {kind})", "see the CSV rules in data/README.md", line, field)
