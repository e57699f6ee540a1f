"""The codebook (``codebook.yml``): what each question asked, of whom, with which options, on which base.

Read with the safe YAML loader (:mod:`.safeyaml`), checked against ``codebook.schema.json`` and
then across entries (filters name earlier questions and their codes, columns are unique, a
ranked question has its two series…). Every problem is a :class:`src.data.files.Problem` with
the codebook's line and the key, at once.

Where each answer sits in a response file (data/README.md, 回答ファイル):

- ``single_choice``: the code in the series' column (default: the question's ``column``, else its id);
- ``multiple_choice``: one column per option, ``<column>_<code>``, holding 1 (chosen), 0 or empty;
- ``rating``: one column per item, ``<column>_<item code>``, holding the level's code;
- ``ranked_top3``: ``<column>_<code>`` as for multiple choice (the chosen, at most ``max_choices``,
  default 3) and ``<column>_most``, the code of the most important one, which must be among them.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from src.data.files import Problem, confined_path, decode_text, read_regular_file, record_read
from src.data.package import FORMULA_START

from src.data.respondents.safeyaml import YamlRefused, load_yaml_with_lines

CODEBOOK = "codebook.yml"
SCHEMA = Path(__file__).resolve().parent / "codebook.schema.json"

#: Fewest respondents a published breakdown cell may have, as statistical offices use (issue 26).
DEFAULT_MINIMUM = 10

SINGLE, MULTIPLE, RATING, RANKED = "single_choice", "multiple_choice", "rating", "ranked_top3"
RESPONDENTS, ASKED, MENTIONS = "respondents", "asked", "mentions"
INSTITUTIONS, PROJECTS = "institutions", "projects"
MOST, TOP = "most", "top"


@dataclass(frozen=True)
class Series:
    """One series or panel of a figure: its label as printed, where its answers are, and its base."""

    label: str
    column: str          # the code column (single choice) or the prefix of the option/item columns
    base: str
    part: str = ""       # ranked_top3: MOST or TOP


@dataclass(frozen=True)
class Question:
    """One question of the codebook (keys as in codebook.yml)."""

    id: str
    type: str
    unit: str
    figure: int | None
    options: dict[int, str]            # code → label, in display order (rating: the items)
    levels: dict[int, str]             # rating only: code → level label, negative to positive
    asked: dict[str, tuple[int, ...]]  # earlier question or attribute → codes that lead here (all must hold)
    series: tuple[Series, ...]
    max_choices: int | None = None
    exclusive: tuple[int, ...] = ()

    def option_columns(self, series: Series) -> dict[int, str]:
        """Code → column of each option (multiple choice, ranked top) or item (rating)."""
        return {code: f"{series.column}_{code}" for code in self.options}

    def most_column(self, series: Series) -> str:
        return f"{series.column}_most"

    def columns(self) -> list[str]:
        """Every column of the response file this question reads, in order."""
        out: list[str] = []
        for s in self.series:
            if self.type == SINGLE or s.part == MOST:
                out.append(s.column if self.type == SINGLE else self.most_column(s))
            else:
                out += self.option_columns(s).values()
        return out


@dataclass(frozen=True)
class Attribute:
    """A property of institutions a breakdown may use (e.g. 設置形態)."""

    id: str
    column: str
    label: str
    options: dict[int, str]


@dataclass(frozen=True)
class Unit:
    """One response file: institutions (one row each) or projects (one row each, with an institution's id)."""

    name: str
    path: str
    id: str
    sheet: str | None = None
    institution: str | None = None          # projects: the column holding the institution's id
    max_per_institution: int | None = None
    asked: dict[str, tuple[int, ...]] = field(default_factory=dict)   # projects: which institutions have any


@dataclass(frozen=True)
class Codebook:
    """The whole codebook of a data directory."""

    units: dict[str, Unit]
    attributes: tuple[Attribute, ...]
    questions: tuple[Question, ...]
    minimum: int = DEFAULT_MINIMUM
    title: str = ""

    def question(self, ident: str) -> Question:
        return next(q for q in self.questions if q.id == ident)

    def attribute(self, ident: str) -> Attribute:
        return next(a for a in self.attributes if a.id == ident)

    def by_figure(self) -> dict[int, Question]:
        """Figure number → the question that feeds it."""
        return {q.figure: q for q in self.questions if q.figure is not None}


# --------------------------------------------------------------------------- reading


def read_codebook(directory: Path | str) -> tuple[Codebook | None, list[Problem]]:
    """The codebook of ``directory`` (None and the problems when it cannot be used).

    ``(None, [])`` when the directory has no codebook.yml (a directory of tables only).
    """
    directory = Path(directory)
    path, why = confined_path(directory, CODEBOOK)
    if path is not None and not path.exists() and not path.is_symlink():
        return None, []
    raw, why = (None, why) if path is None else read_regular_file(path)
    if raw is None:
        return None, [Problem(CODEBOOK, f"{why}; nothing was read", "make codebook.yml an ordinary file in the data directory")]
    record_read(path)
    text, problems = decode_text(path, raw)
    if text is None:
        return None, problems
    try:
        document, lines = load_yaml_with_lines(text)
    except YamlRefused as exc:
        return None, [Problem(CODEBOOK, exc.message, "write plain YAML: mappings, lists, text and whole numbers "
                              "(each value written out; no &anchors, *aliases or !tags)", line=exc.line)]
    return parse_codebook(document, lines)


def parse_codebook(document: Any, lines: dict[tuple, int] | None = None) -> tuple[Codebook | None, list[Problem]]:
    """A :class:`Codebook` from the loaded YAML, or every problem of its shape and of its cross-references."""
    lines = lines or {}
    problems = _schema_problems(document, lines)
    if problems:
        return None, problems
    minimum = document.get("disclosure_minimum", DEFAULT_MINIMUM)
    units = {name: _unit(name, raw) for name, raw in document["units"].items()}
    attributes = tuple(_attribute(raw) for raw in document.get("attributes", []))
    questions = tuple(_question(raw) for raw in document["questions"])
    codebook = Codebook(units, attributes, questions, minimum, str(document.get("title", "")))
    problems = _cross_problems(document, codebook, lines)
    return (None, problems) if problems else (codebook, [])


def _codes(raw: dict[str, str] | None) -> dict[int, str]:
    return {int(code): label for code, label in (raw or {}).items()}


def _filter(raw: dict[str, list[int]] | None) -> dict[str, tuple[int, ...]]:
    return {key: tuple(codes) for key, codes in (raw or {}).items()}


def _unit(name: str, raw: dict[str, Any]) -> Unit:
    return Unit(name, raw["path"], raw["id"], raw.get("sheet"), raw.get("institution"), raw.get("max_per_institution"),
                _filter(raw.get("asked")))


def _attribute(raw: dict[str, Any]) -> Attribute:
    return Attribute(raw["id"], raw.get("column", raw["id"]), raw["label"], _codes(raw["options"]))


def _question(raw: dict[str, Any]) -> Question:
    qtype = raw["type"]
    column = raw.get("column", raw["id"])
    base = raw.get("base", RESPONDENTS)
    series = tuple(Series(s["label"], s.get("column", column), s.get("base", base), s.get("part", ""))
                   for s in raw.get("series", [])) or (Series("", column, base),)
    options = _codes(raw.get("items") if qtype == RATING else raw.get("options"))
    max_choices = raw.get("max_choices", 3 if qtype == RANKED else None)
    return Question(raw["id"], qtype, raw.get("unit", INSTITUTIONS), raw.get("figure"), options, _codes(raw.get("levels")),
                    _filter(raw.get("asked")), series, max_choices, tuple(raw.get("exclusive", ())))


# --------------------------------------------------------------------------- checks


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def where(path: tuple) -> str:
    """``questions[3].options.1`` for the path ``("questions", 3, "options", "1")``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _line(lines: dict[tuple, int], path: tuple) -> int | None:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path)


def _schema_problems(document: Any, lines: dict[tuple, int]) -> list[Problem]:
    problems = []
    for error in sorted(_validator().iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]):
        path = tuple(error.absolute_path)
        fix = error.schema.get("fix", "see data/README.md (回答ファイル)") if isinstance(error.schema, dict) else ""
        if error.validator == "required":
            missing = error.message.split("'")[1]
            message = f"'{missing}' is missing" + (f" in {where(path)}" if path else "")
            fix = error.schema.get("properties", {}).get(missing, {}).get("fix", fix)
            field_name = where(path + (missing,))
        elif error.validator == "additionalProperties" and error.validator_value is False:
            allowed = list(error.schema.get("properties", {}))
            extra = [k for k in error.instance if k not in allowed]
            close = difflib.get_close_matches(extra[0], allowed, n=1) if extra else []
            message = f"the key '{extra[0] if extra else '?'}' is not allowed here"
            fix = f"rename it to '{close[0]}'" if close else f"remove it (allowed: {', '.join(allowed)})"
            field_name = where(path + (extra[0],)) if extra else where(path)
        else:
            shown = json.dumps(error.instance, ensure_ascii=False)
            shown = shown if len(shown) <= 60 else shown[:57] + "…"
            is_key = "propertyNames" in error.absolute_schema_path
            reason = error.schema.get("reason") or _reason(error)
            message = f"{'the key ' if is_key else ''}{shown} is not allowed here ({reason})"
            field_name = where(path + ((str(error.instance),) if is_key else ()))
        problems.append(Problem(CODEBOOK, message, fix, line=_line(lines, path), field=field_name or None))
    return problems


def _reason(error) -> str:
    names = {"string": "text", "object": "a mapping", "array": "a list", "integer": "a whole number",
             "boolean": "true or false"}
    if error.validator == "type":
        kinds = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return "must be " + " or ".join(names.get(k, k) for k in kinds)
    return {"minimum": f"must be ≥ {error.validator_value}", "maximum": f"must be ≤ {error.validator_value}",
            "minItems": "must not be empty", "minProperties": "must not be empty",
            "maxItems": f"at most {error.validator_value} entries", "maxProperties": f"at most {error.validator_value} entries",
            "const": f"must be {error.validator_value}", "enum": "must be one of " + ", ".join(map(str, error.validator_value or [])),
            }.get(error.validator, error.validator)


def _cross_problems(document: dict[str, Any], codebook: Codebook, lines: dict[tuple, int]) -> list[Problem]:
    """Rules across entries that a JSON Schema cannot say."""
    problems: list[Problem] = []

    def add(path: tuple, message: str, fix: str) -> None:
        problems.append(Problem(CODEBOOK, message, fix, line=_line(lines, path), field=where(path)))

    for name, unit in codebook.units.items():
        if name == INSTITUTIONS and (unit.institution or unit.asked or unit.max_per_institution):
            add(("units", name), "institution, asked and max_per_institution belong to the projects file",
                "move them to units.projects (or remove them)")
    if len({u.path for u in codebook.units.values()}) < len(codebook.units):
        add(("units",), "institutions and projects name the same file", "give each its own file")
    known: dict[str, tuple[str, dict[int, str], str]] = {}       # id → (kind, codes, unit)
    for i, attr in enumerate(codebook.attributes):
        if attr.id in known:
            add(("attributes", i, "id"), f"the id '{attr.id}' is used twice", "give every attribute its own id")
        known[attr.id] = ("attribute", attr.options, INSTITUTIONS)
        _label_problems(("attributes", i, "options"), attr.options, add)
    columns: dict[str, str] = {a.column: f"attribute '{a.id}'" for a in codebook.attributes}
    for unit in codebook.units.values():
        columns.setdefault(unit.id, f"the id of {unit.name}")
        if unit.institution:
            columns.setdefault(unit.institution, "the institution id of projects")
    figures: dict[int, str] = {}
    for i, (raw, q) in enumerate(zip(document["questions"], codebook.questions)):
        here = ("questions", i)
        if q.id in known:
            add(here + ("id",), f"the id '{q.id}' is used twice", "give every question and attribute its own id")
        if q.unit == PROJECTS and PROJECTS not in codebook.units:
            add(here + ("unit",), f"question '{q.id}' is about projects, but units has no projects file",
                "declare units.projects: {path: projects.csv, id: project_id, institution: institution_id}")
        if q.figure is not None:
            if q.figure in figures:
                add(here + ("figure",), f"figure {q.figure} is fed by '{figures[q.figure]}' already",
                    "one question per figure: a figure's panels are the series of one question")
            figures[q.figure] = q.id
        _type_problems(here, raw, q, add)
        _label_problems(here + ("items" if q.type == RATING else "options",), q.options, add)
        _label_problems(here + ("levels",), q.levels, add)
        _filter_problems(here + ("asked",), q.asked, known, q.unit, add)
        for column in q.columns():
            if column in columns:
                add(here, f"the column '{column}' of question '{q.id}' is also {columns[column]}",
                    "give each question its own column (or column prefix)")
            columns.setdefault(column, f"a column of question '{q.id}'")
        known[q.id] = (q.type, q.options, q.unit)
    if PROJECTS in codebook.units:          # which institutions have projects: any question of theirs
        _filter_problems(("units", PROJECTS, "asked"), codebook.units[PROJECTS].asked, known, INSTITUTIONS, add)
    return problems


def _type_problems(here: tuple, raw: dict[str, Any], q: Question, add) -> None:
    """Keys that fit the question's type: options or items/levels, series parts, bases, choice limits."""
    needs = ("items", "levels") if q.type == RATING else ("options",)
    for key in needs:
        if key not in raw:
            add(here + (key,), f"a {q.type} question needs '{key}'", f"add {key}: {{code: label, …}} in display order")
    for key in {"items", "levels", "options"} - set(needs):
        if key in raw:
            add(here + (key,), f"a {q.type} question has no '{key}'", f"write {' and '.join(needs)} instead")
    if q.type not in (MULTIPLE, RANKED):
        for key in ("max_choices", "exclusive"):
            if key in raw:
                add(here + (key,), f"'{key}' applies to multiple_choice and ranked_top3 questions", "remove it")
    for code in q.exclusive:
        if code not in q.options:
            add(here + ("exclusive",), f"exclusive code {code} is not an option", f"use codes of options: {_listed(q.options)}")
    parts = [s.part for s in q.series]
    for j, s in enumerate(raw.get("series", [])):
        if q.type == RANKED and "column" in s:
            add(here + ("series", j, "column"), "the two series of a ranked question read the question's columns",
                "remove the series' column; set the question's column instead")
    if q.type == RANKED and sorted(parts) != [MOST, TOP]:
        add(here + ("series",), "a ranked_top3 question needs one series with part: most and one with part: top",
            "write series: [{label: 最も重要, part: most}, {label: <the top-3 legend>, part: top}]")
    if q.type != RANKED and any(parts):
        add(here + ("series",), "'part' applies to ranked_top3 questions only", "remove it")
    for j, s in enumerate(q.series):
        if s.base == MENTIONS and not (q.type == MULTIPLE or s.part == TOP):
            add(here + (("series", j) if raw.get("series") else ()) + ("base",),
                "base 'mentions' counts choices: it applies to multiple choices and the top series of a ranked question",
                "use base: respondents")
    if q.type == RATING and len(q.series) > 1:
        add(here + ("series",), "a rating question has one series (its items are the rows)", "write one question per scale")
    if q.type == RANKED and q.max_choices is not None and q.max_choices < 1:
        add(here + ("max_choices",), "max_choices must be at least 1", "write max_choices: 3")


def _filter_problems(path: tuple, asked: dict[str, tuple[int, ...]], known, unit: str, add) -> None:
    """A filter names an earlier single/multiple-choice question (or an attribute) of the same unit, and its codes."""
    for ident, codes in asked.items():
        if ident not in known:
            add(path + (ident,), f"'{ident}' is neither an attribute nor a question declared before this one",
                "a filter names an attribute or an earlier question (order the questions as the questionnaire does)")
            continue
        kind, options, its_unit = known[ident]
        if kind not in ("attribute", SINGLE, MULTIPLE):
            add(path + (ident,), f"'{ident}' is a {kind} question; a filter needs a single or multiple choice",
                "filter on a single-choice or multiple-choice question, or on an attribute")
        if its_unit != unit and not (its_unit == INSTITUTIONS and path[0] == "units"):
            add(path + (ident,), f"'{ident}' is answered by {its_unit}, this question by {unit}",
                "filter on a question of the same file")
        for code in codes:
            if code not in options:
                add(path + (ident,), f"code {code} is not an option of '{ident}'", f"use its codes: {_listed(options)}")


def _label_problems(path: tuple, codes: dict[int, str], add) -> None:
    """Labels of one list are distinct and would not run as a spreadsheet formula in a CSV download."""
    seen: dict[str, int] = {}
    for code, label in codes.items():
        if label in seen:
            add(path + (str(code),), f"the label of code {code} is the label of code {seen[label]} too",
                "give every option its own label (as the report prints it)")
        seen.setdefault(label, code)
        if label[:1] in FORMULA_START:
            add(path + (str(code),), f"the label of code {code} begins with {label[:1]!r}: a spreadsheet would run it "
                "as a formula", "start the label differently (e.g. with a full-width ＝ ＋ － ＠)")


def _listed(codes: dict[int, str]) -> str:
    shown = ", ".join(str(c) for c in list(codes)[:12])
    return shown + (", …" if len(codes) > 12 else "")
