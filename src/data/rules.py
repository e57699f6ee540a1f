"""The rules of the package's tables and texts, once: columns, question types, limits, characters refused.

data/README.md states them for authors; ``table.schema.json`` in the data directory states the
columns for Frictionless (``src/data/tableschema.py`` checks it agrees with :data:`FIELD_TYPES`).
"""
from __future__ import annotations

import re


COLUMNS = ("series", "item", "level", "count", "n", "percent")


#: Each column's Frictionless type: what the project's parser reads (src/data/tables.py).
FIELD_TYPES = {"series": "string", "item": "string", "level": "string", "count": "integer", "n": "integer",
               "percent": "number"}


QUESTION_TYPES = ("single_choice", "multiple_choice", "rating", "ranked_top3")


RESOURCE_NAME = re.compile(r"^fig(\d{2})$")


MAX_ROWS = 200


MAX_LABEL = 200


#: Longest cell the CSV reader takes at all (the csv module's default): longer is "a cell is longer than …".
MAX_CELL = 131_072


#: A cell starting with one of these is a formula when the CSV is opened in a spreadsheet (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


LABEL_COLUMNS = ("series", "item", "level")
MAX_DIGITS = 15                 # a float holds 15 significant digits exactly; no count of 793 institutions needs more


# Bidi controls too: they can make a published CSV read differently from the page (issue 22, data/README.md).
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


#: A language of the package's ``translations``: two lower-case letters (ISO 639-1), never the data's own (ja).
LANGUAGE = re.compile(r"^[a-z]{2}\Z")


#: Longest translation of a text that is not a label (descriptions, rules, notes); labels keep MAX_LABEL.
MAX_TEXT = 4000


#: Kinds of reader-visible text: a label (title, answer option, series, level…: at most MAX_LABEL
#: characters, in the package and in a translation) or a longer text (description, rule, note).
LABEL, TEXT = "label", "text"
