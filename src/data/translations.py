"""Which texts of the package a reader sees, and which of them an edition lacks a translation for.

The one list of what another edition must translate (data/README.md, 「翻訳」); the build and the
tests use it. ``survey`` below is a :class:`src.data.package.Survey` (not imported: the package
model imports this module).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from src.base.i18n import SOURCE, has_japanese
from src.data.resources import Resource
from src.data.rules import LABEL, TEXT


def reader_text_kinds(descriptor: dict[str, Any], resources: Iterable[Resource],
                      labels: Callable[[Resource], Iterable[str]]) -> dict[str, str]:
    """Every Japanese text of the package a reader sees → its kind (:data:`LABEL` or :data:`TEXT`).

    The one list of what an edition in another language must translate (data/README.md,
    「翻訳」): the package's title, description and licence note; the report's title, publisher
    and errata (``sources``); the texts of ``survey`` and ``reported_in_prose``; and per resource
    its title, caption parenthetical, description, inferred question type, notes, prose facts,
    the rules of derived cells and every series, item and level label (from ``labels(res)``: the
    table's, for a resource with one). Only texts with a Japanese character count: anything
    else (numbers, codes, ``(n=784)``) reads the same in every edition. In package order, each
    text once; a text that is a label anywhere is a label.
    """
    found: dict[str, str] = {}

    def add(value: Any, kind: str) -> None:
        if isinstance(value, str) and has_japanese(value) and found.get(value) != LABEL:
            found[value] = kind

    def objects(value: Any) -> list[dict[str, Any]]:
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    add(descriptor.get("title"), TEXT)
    add(descriptor.get("description"), TEXT)
    add(descriptor.get("license_note"), TEXT)
    for source in objects(descriptor.get("sources")):
        for key in ("title", "publisher", "part_used"):
            add(source.get(key), TEXT)
        for erratum in objects(source.get("errata")):
            for key in ("statement", "location", "note"):
                add(erratum.get(key), TEXT)
    facts = descriptor.get("survey")
    for key, value in (facts.items() if isinstance(facts, dict) else ()):
        add(value, LABEL if key in ("population_description", "projects_since_fiscal_year_label") else TEXT)
    for fact in objects(descriptor.get("reported_in_prose")):
        for key in ("statement", "value", "check"):
            add(fact.get(key), TEXT)
    for res in resources:
        meta = res.meta
        add(res.title, LABEL)
        add(meta.get("caption_parenthetical"), LABEL)
        for key in ("question_type_inferred", "description", "published_sequence_note"):
            add(meta.get(key), TEXT)
        for source in objects(meta.get("sources")):
            add(source.get("title"), TEXT)
        for key in ("n", "n_by_item", "series_question_type"):
            for label in meta.get(key) if isinstance(meta.get(key), dict) else ():
                add(label, LABEL)
        for level in meta.get("levels") if isinstance(meta.get("levels"), list) else ():
            add(level, LABEL)
        for fact in objects(meta.get("prose_facts")):
            add(fact.get("item"), LABEL)
            add(fact.get("statement"), TEXT)
        for cell in objects(meta.get("derived_cells")) + objects(meta.get("undetermined_cells")):
            for key in ("series", "item", "level"):
                add(cell.get(key), LABEL)
            add(cell.get("rule"), TEXT)
        for label in labels(res):
            add(label, LABEL)
    return found


def reader_texts(survey) -> list[str]:
    """Every Japanese text of the package a reader of the site sees, each once, in package order.

    What a translation must cover (:func:`reader_text_kinds` says which places count); the
    build and the tests use this one list.
    """
    return list(reader_text_kinds(survey.descriptor, survey.resources.values(),
                                  lambda res: survey.labels(res.figure)))


def missing_translations(survey, lang: str) -> list[str]:
    """The reader texts (:func:`reader_texts`) without a translation into ``lang``, in the same order.

    ``[]`` for the data's own language. A label without one is shown in Japanese (``i18n.tr``).
    """
    if lang == SOURCE:
        return []
    table = survey.translations.get(lang, {})
    return [text for text in reader_texts(survey) if text not in table]


def unused_translations(survey, lang: str) -> list[str]:
    """Keys of ``translations[lang]`` that are no reader text (a typo, or a label that changed), in package order."""
    texts = set(reader_texts(survey))
    return [key for key in survey.translations.get(lang, {}) if key not in texts]
