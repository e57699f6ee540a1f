"""Validation of a whole data directory before anything runs: every problem at once.

``validate_directory`` checks the package's own metadata against ``datapackage.schema.json``,
every resource and table (through the loader's parser), and the published README; the book's
own requirements (a resource per figure of the registry) are passed in by the caller
(``src/figures.book_problems``), so this module does not depend on the book.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable


from .datafiles import DESCRIPTOR, README, Problem, confined_path, read_descriptor, read_regular_file
from .datapkg import _CONTROL, Resource, _resources, _tables


SCHEMA = Path(__file__).resolve().parent / "datapackage.schema.json"


@lru_cache(maxsize=1)
def _schema_validator():
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _json_where(path: Iterable[Any]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _schema_problems(descriptor: dict[str, Any]) -> list[Problem]:
    """What the book needs of the package's own metadata (src/datapackage.schema.json)."""
    problems = []
    for error in sorted(_schema_validator().iter_errors(descriptor), key=lambda e: list(map(str, e.absolute_path))):
        where = _json_where(error.absolute_path)
        fix = error.schema.get("fix", "see the metadata rules in data/README.md")
        if error.validator == "required":
            missing = error.message.split("'")[1]
            fix = error.schema.get("properties", {}).get(missing, {}).get("fix", fix)
            message = f"'{missing}' is missing" + (f" in {where}" if where else "")
            field = f"{where}.{missing}" if where else missing
        else:
            value = json.dumps(error.instance, ensure_ascii=False)
            shown = value if len(value) <= 60 else value[:57] + "…"
            message = f"{shown} is not allowed here ({_schema_reason(error)})"
            field = where
        problems.append(Problem(DESCRIPTOR, message, fix, field=field or None))
    problems += _control_character_problems(descriptor)
    survey = descriptor.get("survey")
    if isinstance(survey, dict) and all(isinstance(survey.get(k), int) for k in ("population", "responses")) \
            and survey["responses"] > survey["population"]:
        problems.append(Problem(DESCRIPTOR, f"responses {survey['responses']} exceed population {survey['population']}",
                                "check the two numbers of the survey block", field="survey.responses"))
    return problems


def _schema_reason(error) -> str:
    reasons = {"pattern": "wrong form", "not": "contains a control character",
               "maxLength": f"longer than {error.validator_value} characters", "minimum": f"must be ≥ {error.validator_value}", "maximum": f"must be ≤ {error.validator_value}",
               "type": f"must be {error.validator_value}", "minItems": "must not be empty",
               "maxItems": f"at most {error.validator_value} entries"}
    return reasons.get(error.validator, error.validator)


def _control_character_problems(value: Any, path: tuple = ()) -> list[Problem]:
    """Control characters anywhere in the metadata (a line break is allowed in long texts)."""
    if isinstance(value, dict):
        return [p for k, v in value.items()
                for p in _control_character_problems(k, path) + _control_character_problems(v, path + (k,))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _control_character_problems(v, path + (i,))]
    if isinstance(value, str):
        found = _CONTROL.search(value.replace("\n", ""))
        if found:
            return [Problem(DESCRIPTOR, f"contains the control character U+{ord(found.group()):04X}",
                            "remove it (labels and texts are plain text)", field=_json_where(path) or None)]
    return []


#: A check the caller adds (the book's own requirements): (descriptor, resources) → problems.
Requirement = Callable[[dict[str, Any], list[Resource]], list[Problem]]


def validate_directory(directory: Path | str, requirements: Iterable[Requirement] = ()) -> list[Problem]:
    """Every problem in a data directory (empty list: the data can be built).

    ``requirements`` are further checks of the caller's, e.g. ``figures.book_problems`` for
    what the chapters need; without them only the package itself is checked.
    """
    directory = Path(directory)
    descriptor, problems = read_descriptor(directory)
    if descriptor is None:
        return problems
    schema = _schema_problems(descriptor)
    resources, res_problems = _resources(directory, descriptor)
    _, table_problems = _tables(directory, resources)
    required = [p for check in requirements for p in check(descriptor, resources)]
    return problems + schema + res_problems + _readme_problems(directory) + required + table_problems


def _readme_problems(directory: Path) -> list[Problem]:
    """The site publishes README.md: it must be an ordinary file inside the directory (or absent)."""
    path, why = confined_path(directory, README)
    if path is not None and not os.path.lexists(path):
        return []
    if path is not None:
        _, why = read_regular_file(path)
    if why:
        return [Problem(README, why, "make README.md an ordinary file in the data directory, or remove it")]
    return []
