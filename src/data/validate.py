"""Validation of a whole data directory before anything runs: every problem at once.

``validate_directory`` checks the package's own metadata against ``datapackage.schema.json``,
every resource and table (through the loader's parser, then Frictionless's generic checks:
``src/data/generic.py``), and the published README; the book's
own requirements (a resource per figure of the registry) are passed in by the caller
(``src/figures.book_problems``), so this module does not depend on the book.
"""
from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable


from src.data.files import DESCRIPTOR, README, Problem, confined_path, read_descriptor, read_regular_file
from src.data.generic import frictionless_problems
from src.data.resources import Resource, read_resources
from src.data.rules import CONTROL_CHARACTERS, LABEL, MAX_LABEL
from src.data.tables import frame_labels, read_tables, swapped_table_problems
from src.data.translations import reader_text_kinds


SCHEMA = Path(__file__).resolve().parent / "datapackage.schema.json"


@lru_cache(maxsize=1)
def _schema_validator():
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _json_where(path: Iterable[Any]) -> str:
    """``resources[3].title``; a key that is not a name is quoted: ``translations.en["国外の企業等"]``."""
    def step(p: Any) -> str:
        if isinstance(p, int):
            return f"[{p}]"
        return f".{p}" if _NAME.match(str(p)) else f"[{json.dumps(str(p), ensure_ascii=False)}]"
    return "".join(step(p) for p in path).lstrip(".")


def _schema_problems(descriptor: dict[str, Any]) -> list[Problem]:
    """What the book needs of the package's own metadata (src/data/datapackage.schema.json)."""
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
            if "propertyNames" in error.absolute_schema_path:     # a key, not a value: name it in the field
                message = f"the key {shown} is not allowed here ({_schema_reason(error)})"
                field = _json_where([*error.absolute_path, error.instance])
            else:
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


_TYPE_NAMES = {"string": "a string (text)", "object": "an object {…}", "array": "a list […]", "integer": "a whole number",
               "number": "a number", "null": "null", "boolean": "true or false"}


def _schema_reason(error) -> str:
    if error.schema.get("reason"):
        return error.schema["reason"]
    if error.validator == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return "must be " + " or ".join(_TYPE_NAMES.get(t, str(t)) for t in types)
    if error.validator == "minLength":
        return "must not be empty" if error.validator_value == 1 else f"shorter than {error.validator_value} characters"
    reasons = {"pattern": "wrong form", "not": "contains a control character",
               "maxLength": f"longer than {error.validator_value} characters", "minimum": f"must be ≥ {error.validator_value}", "maximum": f"must be ≤ {error.validator_value}",
               "minItems": "must not be empty",
               "maxItems": f"at most {error.validator_value} entries"}
    return reasons.get(error.validator, error.validator)


def _control_character_problems(value: Any, path: tuple = ()) -> list[Problem]:
    """Control characters anywhere in the metadata (a line break is allowed in long texts).

    ``translations`` is left to the schema, which says which text of it is wrong.
    """
    if isinstance(value, dict):
        return [p for k, v in value.items() if not (path == () and k == "translations")
                for p in _control_character_problems(k, path) + _control_character_problems(v, path + (k,))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _control_character_problems(v, path + (i,))]
    if isinstance(value, str):
        found = CONTROL_CHARACTERS.search(value.replace("\n", ""))
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
    resources, res_problems = read_resources(directory, descriptor)
    texts: dict[str, str] = {}
    frames, table_problems = read_tables(directory, resources, texts)
    table_problems += frictionless_problems(resources, {k: v for k, v in texts.items() if k in frames},
                                            table_problems)
    required = [p for check in requirements for p in check(descriptor, resources)]
    translated = translation_problems(descriptor, resources, frames)
    swapped = swapped_table_problems(resources, frames)
    return (problems + schema + translated + res_problems + _readme_problems(directory) + required + swapped
            + table_problems)


def translation_problems(descriptor: dict[str, Any], resources: Iterable[Resource],
                         frames: dict[str, Any]) -> list[Problem]:
    """A translated label must fit where the label goes: at most MAX_LABEL characters, like the label.

    The shape of ``translations`` is the schema's (``_schema_problems``); which texts are labels
    is :func:`src.data.translations.reader_text_kinds`'s, with the labels of the tables that could be read.
    """
    by_language = descriptor.get("translations")
    if not isinstance(by_language, dict) or not any(isinstance(t, dict) and t for t in by_language.values()):
        return []
    kinds = reader_text_kinds(descriptor, resources,
                              lambda res: frame_labels(frames[res.name]) if res.name in frames else [])
    problems = []
    for lang, table in by_language.items():
        for text, translation in (table.items() if isinstance(table, dict) else ()):
            if kinds.get(text) == LABEL and isinstance(translation, str) and len(translation) > MAX_LABEL:
                problems.append(Problem(
                    DESCRIPTOR, f"the translation of the label {json.dumps(text, ensure_ascii=False)} is "
                    f"{len(translation):,} characters long; the limit for labels is {MAX_LABEL}",
                    "shorten the translation: labels (titles, captions, answer options, series, levels) are shown "
                    "in charts and tables", field=_json_where(("translations", lang, text))))
    return problems


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
