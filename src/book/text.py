"""Gluing one value in both editions: text, a sentence, a percentage or count with its panel, a month.

The primitives of src/book/glue.py and the modules beside it: each glues the Japanese and the
English value under the same name (src/base/i18n.py ``glue_editions``) and returns the Japanese;
and how each edition writes a count, a percentage, a month and a date.
"""
from __future__ import annotations

import json
from html import escape
from typing import Callable, Union

from src.base.i18n import NUMBER_CLASS, NUMBER_KEY, SENTENCE_KEY, glue_editions, per_edition, tr
from src.book.provenance import Number, ProvenanceError, as_number, panel


def fmt_count(value: int) -> str:
    """A count with a thousands separator."""
    return f"{int(value):,}"


class PlainText:
    """Text whose plain representation is itself (a glued ``str`` would show its quotes)."""

    def __init__(self, text: str):
        self.text = str(text)

    def __repr__(self) -> str:
        return self.text

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.text)


def glue_text(name: str, text: str, en: str | None = None) -> str:
    """Glue plain text (an answer label, a date) for ``{glue:text}`` in both editions; returns the Japanese.

    The English edition gets ``en``, or else the data package's translation of ``text``
    (a label without one stays Japanese).  Glued text is inserted as a text node, never
    parsed as markup, so labels from the data cannot inject HTML into the page.
    """
    glue_editions(name, {"ja": PlainText(text), "en": PlainText(tr(text, "en") if en is None else en)})
    return str(text)


def glue_by_edition(name: str, make: Callable[[str], "str | list[Part]"]) -> str:
    """Glue ``make(lang)`` for each edition (a sentence assembled in Python); returns the Japanese.

    When ``make`` gives the sentence as a list of text and numbers, it is glued by :func:`glue_sentence`:
    its numbers keep their panels."""
    texts = per_edition(make)
    if any(isinstance(text, list) for text in texts.values()):
        return glue_sentence(name, lambda lang: texts[lang])
    glue_editions(name, {lang: PlainText(text) for lang, text in texts.items()})
    return texts["ja"]


def _glue_number(name: str, number: Number) -> str:
    """Glue ``number`` as each edition prints it, with its panel in that edition's words; returns the Japanese."""
    texts = per_edition(number.shown)
    glue_editions(name, {lang: PlainText(text) for lang, text in texts.items()},
                  {lang: {NUMBER_KEY: panel(number, lang)} for lang in texts})
    return texts["ja"]


def glue_percent(name: str, value: Number) -> str:
    """Glue a percentage formatted like the report (``13.9％``; English ``13.9%``) with its provenance.

    ``value`` is a :class:`~src.book.provenance.Number` (a cell, a share, a sum …): a bare float is an error,
    so no number on a page lacks its panel.
    """
    number = as_number(value, name)
    if not number.percent:
        raise ProvenanceError(f"'{name}': {number.value} is a count, not a percentage: use glue_count")
    return _glue_number(name, number)


def glue_count(name: str, value: Number) -> str:
    """Glue a count with a thousands separator (``1,082``), or another number that is no percentage (a rule's
    ``0.05``), with its provenance (a bare int is an error)."""
    number = as_number(value, name)
    if number.percent:
        raise ProvenanceError(f"'{name}': {number.value} is a percentage: use glue_percent")
    return _glue_number(name, number)


#: A part of a sentence assembled in Python: text, or a number that keeps its panel.
Part = Union[str, Number]


def glue_sentence(name: str, make: Callable[[str], list[Part]]) -> str:
    """Glue a sentence assembled in Python whose numbers keep their panels; returns the Japanese.

    ``make(lang)`` gives the sentence in that edition as a list of text and :class:`Number` parts; the page
    shows the text with each number pasted as a number with its panel, as ``glue_count`` pastes one.
    """
    parts = per_edition(make)
    texts, extra = {}, {}
    for lang, these in parts.items():
        for part in these:
            if not isinstance(part, str):
                as_number(part, name)
        texts[lang] = "".join(p if isinstance(p, str) else p.shown(lang) for p in these)
        extra[lang] = {SENTENCE_KEY: [p if isinstance(p, str) else {"text": p.shown(lang), NUMBER_KEY: panel(p, lang)}
                                      for p in these if p != ""]}
    glue_editions(name, {lang: PlainText(text) for lang, text in texts.items()}, extra)
    return texts["ja"]


def number_html(number: Number, lang: str = "ja") -> str:
    """A number with its panel inside HTML a chapter displays (a paragraph assembled in Python): the same
    ``<span class="num" data-num="…">`` the ``{glue:text}`` role pastes, every text escaped."""
    data = json.dumps(panel(number, lang), ensure_ascii=False, separators=(",", ":"))
    return f'<span class="{NUMBER_CLASS}" data-num="{escape(data, quote=True)}">{escape(number.shown(lang))}</span>'


#: How each edition names a value the data leaves unknown.
UNKNOWN = {"ja": "不明", "en": "unknown"}


def is_missing(value) -> bool:
    """None or a missing value of pandas (NaN, NA)."""
    import pandas as pd

    return value is None or bool(pd.isna(value))


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def fmt_month(value: str, lang: str = "ja") -> str:
    """'2016-01' → '2016年1月' (English 'January 2016')."""
    year, month = (int(x) for x in str(value).split("-")[:2])
    return f"{year}年{month}月" if lang == "ja" else f"{_MONTHS[month - 1]} {year}"


def fmt_date(value: str, lang: str = "ja") -> str:
    """'2017-05-10' → '2017年5月10日' (English '10 May 2017')."""
    year, month, day = (int(x) for x in str(value).split("-")[:3])
    return f"{year}年{month}月{day}日" if lang == "ja" else f"{day} {_MONTHS[month - 1]} {year}"


def glue_month(name: str, value: str) -> str:
    """Glue a month ('2016-01') as each edition writes it; returns the Japanese."""
    return glue_by_edition(name, lambda lang: fmt_month(value, lang))
