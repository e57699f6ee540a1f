"""A resource entry of ``datapackage.json`` read into a typed :class:`Resource`, with every problem of the entry.

A table's ``path`` (and a ``schema`` given by file name, ``src/data/tableschema.py``) is confined to
the data directory before anything is opened.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from src.data.files import DESCRIPTOR, Problem, confined_path, link_target
from src.data.rules import COLUMNS, QUESTION_TYPES, RESOURCE_NAME
from src.data.tableschema import SchemaFiles


@dataclass(frozen=True)
class Resource:
    """One figure's entry in the data package, with the metadata the book reads as typed fields.

    The meaning of each key is documented in data/README.md; ``meta`` keeps the raw entry
    (for keys the book does not read).
    """

    name: str
    figure: int
    title: str
    question_type: str
    path: Path | None          # None: the package has no table for this figure
    meta: dict[str, Any] = field(repr=False)
    #: The checked table schema (inline or the shared file), None when the entry has none (src/data/tableschema.py).
    table_schema: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def published(self) -> bool:
        """Whether the package has a table for the figure (key ``published``, kept for old packages)."""
        return self.path is not None

    @property
    def description(self) -> str:
        return str(self.meta.get("description") or "")

    @property
    def caption_parenthetical(self) -> str:
        """The caption's parenthetical as printed, e.g. 「(複数回答あり、n=439)」 ("" when none)."""
        return str(self.meta.get("caption_parenthetical") or "")

    @property
    def n(self) -> dict[str, int | None]:
        """Series → the n the summary states (key "" for a single series)."""
        return dict(self.meta.get("n") or {})

    @property
    def n_by_item(self) -> dict[str, int]:
        return dict(self.meta.get("n_by_item") or {})

    @property
    def percent_base(self) -> int | None:
        """The denominator the report really used for percentages, where it differs from n."""
        return self.meta.get("percent_base")

    @property
    def levels(self) -> list[str]:
        """The rating scale's levels, negative to positive ([] for other question types)."""
        return list(self.meta.get("levels") or [])

    @property
    def question_type_inferred(self) -> str:
        """Why the question type was inferred, when the summary does not state it ("" when stated)."""
        return str(self.meta.get("question_type_inferred") or "")

    @property
    def prose_facts(self) -> list[dict[str, Any]]:
        """What the report's text states about a figure without a table."""
        return list(self.meta.get("prose_facts") or [])

    @property
    def derived_cells(self) -> list[dict[str, Any]]:
        """Cells not printed but proven from the printed ones (with their rule)."""
        return list(self.meta.get("derived_cells") or [])

    @property
    def undetermined_cells(self) -> list[dict[str, Any]]:
        """Cells the summary leaves undetermined, with their candidate values."""
        return list(self.meta.get("undetermined_cells") or [])

    @property
    def published_sequence(self) -> list[float]:
        """The printed values in drawing order, where the reconstruction needed them."""
        return list(self.meta.get("published_sequence") or [])

    def series_type(self, series: str) -> str:
        """Question type of one series (ranked_top3 figures mix single choice and top-3)."""
        return (self.meta.get("series_question_type") or {}).get(series, self.question_type)


def _resource_problems(index: int, res: Any, directory: Path,
                       schemas: SchemaFiles) -> tuple[Resource | None, list[Problem]]:
    where = f"{DESCRIPTOR} (resources[{index}])"
    if not isinstance(res, dict):
        return None, [Problem(where, "is not an object", "write the resource as {\"name\": \"figNN\", ...}")]
    name = str(res.get("name", ""))
    match = RESOURCE_NAME.match(name)
    if not match:
        return None, [Problem(where, f"resource name '{name}' is not of the form figNN",
                              "name each resource after its figure: fig01 … fig17", field="name")]
    number = int(match.group(1))
    problems: list[Problem] = []
    if res.get("figure") not in (None, number) or isinstance(res.get("figure"), bool):
        problems.append(Problem(where, f"'figure' is {res.get('figure')!r} but the name says {number}",
                                f"set \"figure\": {number}", field="figure"))
    problems += _metadata_problems(where, name, res)
    qtype = res.get("question_type")
    if qtype not in QUESTION_TYPES:
        problems.append(Problem(where, f"question_type '{qtype}' is not one of {', '.join(QUESTION_TYPES)}",
                                "set question_type to the figure's question type", field="question_type"))
    if "path" in res and res.get("published") is False or "path" not in res and res.get("published") is True:
        problems.append(Problem(where, f"\"published\": {json.dumps(res.get('published'))} contradicts "
                                f"{'the listed path' if 'path' in res else 'the empty inline table'}",
                                "a table with \"path\" is published (true); one with an empty \"data\" is not (false)",
                                field="published"))
    path = None
    if "path" in res:
        path, problem = _table_path(where, name, res["path"], directory)
        problems += [problem] if problem else []
    elif not _is_empty_inline(res.get("data")):
        problems.append(Problem(where, f"resource '{name}' has neither \"path\" nor an empty inline table",
                                f"set \"path\": \"{name}.csv\" (or \"data\": {json.dumps([list(COLUMNS)])} "
                                "if the table is not published)", field="path"))
    schema, schema_problems = schemas.resolve(where, name, res.get("schema"))
    problems += schema_problems
    if problems:
        return None, problems
    return Resource(name, number, str(res.get("title", "")), qtype, path, res, schema), []


def _table_path(where: str, name: str, listed: Any, directory: Path) -> tuple[Path | None, Problem | None]:
    """The resource's CSV: a file directly inside the data directory (any name, e.g. ``figNN.csv``)."""
    suggested = f"{name}.csv"
    if not isinstance(listed, str):
        return None, Problem(where, f"\"path\" of '{name}' is not a file name", f"set \"path\": \"{suggested}\"", field="path")
    path, why = confined_path(directory, listed)
    if path is None:
        return None, Problem(where, f"resource '{name}': {why}; nothing was read",
                             f"copy the table into the data directory (e.g. as {suggested}) and set \"path\" to its name",
                             field="path")
    if not os.path.lexists(path):
        return None, Problem(where, f"resource '{name}' lists {listed}, but that file does not exist",
                             f"add {listed} to {directory}, or replace \"path\" with an empty table "
                             f"\"data\": {json.dumps([list(COLUMNS)])} if it is not published", field="path")
    return path, None


def _metadata_problems(where: str, name: str, res: dict[str, Any]) -> list[Problem]:
    """Metadata the chapters and checks rely on: n, percent_base, levels, per-series types."""
    problems = []
    n = res.get("n")
    if n is not None and not isinstance(n, dict):
        problems.append(Problem(where, f"'n' of '{name}' must map series to the stated n", "write e.g. \"n\": {\"\": 439}",
                                field="n"))
    base = res.get("percent_base")
    if base is not None and (not isinstance(base, int) or isinstance(base, bool) or base < 1):
        problems.append(Problem(where, f"percent_base {base!r} is not a whole number ≥ 1",
                                "write the denominator the report used, e.g. \"percent_base\": 588", field="percent_base"))
    levels = res.get("levels")
    if res.get("question_type") == "rating" and "path" in res and (
            not isinstance(levels, list) or len(levels) < 2 or not all(isinstance(x, str) and x for x in levels)):
        problems.append(Problem(where, f"rating figure '{name}' needs its scale levels",
                                "add \"levels\": [...] with the level labels from negative to positive", field="levels"))
    for series, qtype in (res.get("series_question_type") or {}).items():
        if qtype not in QUESTION_TYPES:
            problems.append(Problem(where, f"series_question_type of '{series}' is '{qtype}'",
                                    f"use one of {', '.join(QUESTION_TYPES)}", field="series_question_type"))
    return problems


def _is_empty_inline(data: Any) -> bool:
    """An unpublished table: ``[]`` or a header row only (Frictionless cannot validate ``[]``)."""
    return data == [] or data == [list(COLUMNS)]


def read_resources(directory: Path, descriptor: dict[str, Any]) -> tuple[list[Resource], list[Problem]]:
    resources, problems, seen = [], [], set()
    schemas = SchemaFiles(directory)
    for i, raw in enumerate(descriptor["resources"]):
        res, res_problems = _resource_problems(i, raw, directory, schemas)
        problems += res_problems
        if res is None:
            continue
        if res.name in seen:
            problems.append(Problem(DESCRIPTOR, f"resource '{res.name}' is listed twice", "keep one entry per figure",
                                    field="resources"))
            continue
        seen.add(res.name)
        resources.append(res)
    listed = {link_target(directory / str(raw["path"])) for raw in descriptor["resources"]
              if isinstance(raw, dict) and "path" in raw}
    for csv_path in sorted(p for p in directory.iterdir() if p.suffix.lower() == ".csv"):
        if link_target(csv_path) in listed:
            continue
        stem = csv_path.stem
        unpublished = next((r for r in resources if r.name == stem and not r.published), None)
        if unpublished:
            fix = (f"in {DESCRIPTOR}, replace the empty \"data\" of resource '{stem}' with "
                   f"\"path\": \"{csv_path.name}\" and set \"published\": true")
        else:
            fix = f"add a resource for it to {DESCRIPTOR}, or remove the file"
        problems.append(Problem(csv_path.name, f"is not listed in {DESCRIPTOR}", fix))
    return resources, problems
