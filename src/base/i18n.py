"""Two editions from one execution: Japanese (the site root) and English (``en/``).

A chapter runs once.  Whatever differs between the editions — glued text, a chart, a
table, a note — is emitted once per edition, each output tagged with the notebook
output metadata ``{"edition": "ja"|"en"}``; prose cells are tagged the same way in the
chapter source (``+++ {"edition": "en"}``).  When the executed notebooks are staged, each
edition keeps the untagged cells and outputs and its own tagged ones
(:func:`edition_notebook`), so both editions show the numbers of the same run.

Labels that come from the data (answer options, series, levels, figure titles) are
translated with the data package's ``translations`` (``{"en": {Japanese: English}}``,
optional): :func:`use_translations` is called when a chapter opens the survey, and
:func:`tr` falls back to the Japanese text when a label has no translation.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

ALL_EDITIONS = ("ja", "en")
SOURCE = "ja"                    # the language of the data and of the report
EDITION_KEY = "edition"          # cell and output metadata key
#: Glue output metadata of a number with its panel (src/book/text.py writes it, src/sphinxext/numbers.py reads it):
#: the panel, a glued sentence's text and numbers, and the class of the number on the page.
NUMBER_KEY, SENTENCE_KEY, NUMBER_CLASS = "number", "sentence", "num"
#: ``BOOK_EDITIONS=ja`` builds the Japanese edition alone (the benchmark's baseline for the cost of English).
EDITIONS_ENV = "BOOK_EDITIONS"


def editions_from(value: str | None) -> tuple[str, ...]:
    """The editions a build makes, from ``BOOK_EDITIONS`` ("ja,en" when unset); the source language always."""
    chosen = [lang.strip() for lang in (value or "").split(",") if lang.strip()] or list(ALL_EDITIONS)
    unknown = sorted(set(chosen) - set(ALL_EDITIONS))
    if unknown:
        raise ValueError(f"{EDITIONS_ENV}={value!r}: unknown edition(s) {unknown}; use a comma-separated subset of "
                         f"{','.join(ALL_EDITIONS)}")
    return tuple(lang for lang in ALL_EDITIONS if lang in chosen or lang == SOURCE)


EDITIONS = editions_from(os.environ.get(EDITIONS_ENV))

#: A translated table keeps each original label in a column of its own (chart data, English CSV downloads).
ORIGINAL_COLUMNS = {"series": "series_ja", "item": "item_ja", "level": "level_ja"}

#: An aside after a word or a link, as each edition writes it: 「（…）」 / " (…)".
_ASIDE = {"ja": "（{}）", "en": " ({})"}


def aside(text: str, lang: str) -> str:
    """``text`` in parentheses as edition ``lang`` writes them after a word (full-width in Japanese)."""
    return _ASIDE["ja" if lang == SOURCE else "en"].format(text)

_JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60]")

_translations: dict[str, dict[str, str]] = {}


def has_japanese(text: str) -> bool:
    """Whether ``text`` has a Japanese character (kana, kanji, full-width punctuation)."""
    return bool(_JAPANESE.search(str(text)))


def use_translations(by_language: Mapping[str, Mapping[str, str]]) -> None:
    """Set the label translations :func:`tr` uses (the data package's ``translations``)."""
    _translations.clear()
    _translations.update({lang: dict(table) for lang, table in by_language.items()})


@contextmanager
def translations_in_use(by_language: Mapping[str, Mapping[str, str]]) -> Iterator[None]:
    """Translate with ``by_language`` inside the block (a process that did not open the survey, e.g. the
    figure export); the translations in use before are restored after it."""
    saved = {lang: dict(table) for lang, table in _translations.items()}
    use_translations(by_language)
    try:
        yield
    finally:
        use_translations(saved)


def translation(text: str, lang: str) -> str | None:
    """The translation of ``text`` into ``lang``; None when there is none (or ``lang`` is the source)."""
    if lang == SOURCE:
        return str(text)
    return _translations.get(lang, {}).get(str(text))


def tr(text: Any, lang: str) -> str:
    """``text`` in ``lang``: its translation, or the text itself (numbers, codes, an untranslated label)."""
    text = "" if text is None else str(text)
    if lang == SOURCE or not has_japanese(text):
        return text
    found = translation(text, lang)
    return text if found is None else found


def per_edition(make: Callable[[str], Any]) -> dict[str, Any]:
    """``{lang: make(lang)}`` for every edition."""
    return {lang: make(lang) for lang in EDITIONS}


def glue_editions(name: str, values: Mapping[str, Any], extra: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """Glue ``values[lang]`` under ``name`` for each edition (myst-nb's glue, output tagged by edition).

    ``extra[lang]`` is added to that edition's output metadata (a number's panel: src/sphinxext/numbers.py).
    """
    import IPython
    from IPython.display import display

    for lang, value in values.items():
        bundle, metadata = IPython.core.formatters.format_display_data(value)
        metadata["scrapbook"] = {"name": name, "mime_prefix": "application/papermill.record/"}
        metadata[EDITION_KEY] = lang
        metadata.update((extra or {}).get(lang, {}))
        display({"application/papermill.record/" + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)


class Editions:
    """Something shown differently in each edition: displays one tagged output per edition."""

    def __init__(self, values: Mapping[str, Any]):
        self.values = dict(values)

    def __getitem__(self, lang: str) -> Any:
        return self.values[lang]

    def _ipython_display_(self) -> None:
        import IPython
        from IPython.display import display

        for lang, value in self.values.items():
            bundle, metadata = IPython.core.formatters.format_display_data(value)
            metadata[EDITION_KEY] = lang
            display(bundle, raw=True, metadata=metadata)


def edition_notebook(nb: dict[str, Any], lang: str) -> dict[str, Any]:
    """A copy of executed notebook ``nb`` (JSON) with only what edition ``lang`` shows."""
    import copy

    def keep(meta: Mapping[str, Any] | None) -> bool:
        return (meta or {}).get(EDITION_KEY, lang) == lang

    out = copy.deepcopy(nb)
    out["cells"] = [c for c in out["cells"] if keep(c.get("metadata"))]
    for cell in out["cells"]:
        if "outputs" in cell:
            cell["outputs"] = [o for o in cell["outputs"] if keep(o.get("metadata"))]
    out.setdefault("metadata", {})["language_edition"] = lang
    return out
