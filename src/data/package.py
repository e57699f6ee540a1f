"""Loading the survey data package: typed :class:`Resource` metadata and lazily read figure tables.

``load_survey`` returns a :class:`Survey`; each chapter reads only the CSVs it shows, which
keeps rebuilds incremental. Parsing a table checks it too (encoding, columns, numbers,
counts against n, sums), so a chapter never sees a table that validation would refuse.
"""
from __future__ import annotations

import csv
import difflib
import io
import json
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd

from src.base.i18n import SOURCE, has_japanese
from src.data.files import (DESCRIPTOR, DataError, Problem, confined_path, decode_text, read_descriptor, link_target,
                            read_regular_file, record_read)
from src.data.shares import percent_of, round_half_up


COLUMNS = ("series", "item", "level", "count", "n", "percent")


QUESTION_TYPES = ("single_choice", "multiple_choice", "rating", "ranked_top3")


RESOURCE_NAME = re.compile(r"^fig(\d{2})$")


MAX_ROWS = 200


MAX_LABEL = 200


#: A cell starting with one of these is a formula when the CSV is opened in a spreadsheet (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


LABEL_COLUMNS = ("series", "item", "level")
MAX_DIGITS = 15                 # a float holds 15 significant digits exactly; no count of 793 institutions needs more
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")


# Bidi controls too: they can make a published CSV read differently from the page (issue 22, data/README.md).
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


#: A language of the package's ``translations``: two lower-case letters (ISO 639-1), never the data's own (ja).
LANGUAGE = re.compile(r"^[a-z]{2}\Z")


#: Longest translation of a text that is not a label (descriptions, rules, notes); labels keep MAX_LABEL.
MAX_TEXT = 4000


#: Kinds of reader-visible text: a label (title, answer option, series, level…: at most MAX_LABEL
#: characters, in the package and in a translation) or a longer text (description, rule, note).
LABEL, TEXT = "label", "text"


@dataclass(frozen=True)
class Resource:
    """One figure's entry in the data package, with the metadata the book reads as typed fields.

    The meaning of each key is documented in data/README.md; ``meta`` keeps the raw entry
    (for keys the book does not read, such as ``schema``).
    """

    name: str
    figure: int
    title: str
    question_type: str
    path: Path | None          # None: the package has no table for this figure
    meta: dict[str, Any] = field(repr=False)

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


def _resource_problems(index: int, res: Any, directory: Path) -> tuple[Resource | None, list[Problem]]:
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
    if problems:
        return None, problems
    return Resource(name, number, str(res.get("title", "")), qtype, path, res), []


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


def _number(text: str, *, integer: bool) -> tuple[float | int | None, str | None]:
    """Parse a cell written with ASCII digits, an optional point and (to report it) a minus sign.

    Returns (value, error text).  Anything else — full-width digits, ``1_08``, ``1.08e2``,
    ``+5`` — is refused rather than read as a number the download would not show.
    """
    if text == "":
        return None, None
    if not _PLAIN_NUMBER.match(text):
        return None, _number_error(text)
    digits = sum(ch.isdigit() for ch in text)
    if digits > MAX_DIGITS:
        return None, f"'{text[:12]}…' has {digits} digits; no count, n or percent needs more than {MAX_DIGITS}"
    value = float(text)
    if text.startswith("-") and value == 0:
        return None, f"'{text}' has a minus sign"
    if integer:
        if value != int(value):
            return None, f"'{text}' is not a whole number"
        return int(value), None
    return value, None


def _number_error(text: str) -> str:
    shown = text if len(text) <= 40 else text[:37] + "…"
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        ascii_digits = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in text)
        ascii_digits = unicodedata.normalize("NFKC", ascii_digits)
        return f"'{shown}' is written with full-width or other non-ASCII digits (write {ascii_digits})"
    try:
        value = float(text)
    except ValueError:
        return f"'{shown}' is not a number"
    if not math.isfinite(value):
        return f"'{shown}' is not a finite number"
    if "_" in text:
        return f"'{shown}' contains '_' (write the digits alone)"
    if "e" in text.lower():
        return f"'{shown}' is in exponent notation (write it out, e.g. {value:g})"
    return f"'{shown}' is not a plain number (ASCII digits and at most one decimal point)"


def _table_problems(res: Resource, text: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse one figure CSV and check it row by row; the frame is None when unusable."""
    fname = res.path.name if res.path else res.name
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        what = (f"a cell is longer than {csv.field_size_limit():,} characters" if "field larger" in str(exc)
                else f"cannot be read as CSV ({exc})")
        return None, [Problem(fname, what, f"labels are at most {MAX_LABEL} characters; check the quoting of that line",
                              line=reader.line_num)]
    if len(rows) - 1 > MAX_ROWS:
        return None, [Problem(fname, f"has {len(rows) - 1} rows; the limit is {MAX_ROWS}",
                              "a figure's table has one row per (series, item, level); shorten it (data/README.md)")]
    if not rows:
        return None, [Problem(fname, "the file is empty", f"write the header {','.join(COLUMNS)} and one row per item")]
    header = [h.strip() for h in rows[0]]
    problems: list[Problem] = []
    missing = [c for c in COLUMNS if c not in header]
    extra = [c for c in header if c not in COLUMNS]
    for col in extra:
        close = difflib.get_close_matches(col, missing, n=1)
        hint = f"rename it to '{close[0]}'" if close else "remove the column"
        problems.append(Problem(fname, f"unexpected column '{col}'", hint, line=1, field=col))
    for col in missing:
        if not difflib.get_close_matches(col, extra, n=1):
            problems.append(Problem(fname, f"missing column '{col}'",
                                    f"the header must be exactly: {','.join(COLUMNS)}", line=1, field=col))
    if len(header) != len(set(header)):
        problems.append(Problem(fname, "a column name appears twice", "keep each column once", line=1))
    if problems:
        return None, problems

    records = []
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(Problem(fname, f"has {len(row)} cells, the header has {len(header)}",
                                    "quote cells that contain commas; one cell per column", line=lineno))
            continue
        problems += _cell_text_problems(fname, lineno, dict(zip(header, row)))
        cells = {h: c.strip() for h, c in zip(header, row)}
        rec: dict[str, Any] = {"line": lineno, "series": cells["series"], "item": cells["item"],
                               "level": cells["level"]}
        if not rec["item"]:
            problems.append(Problem(fname, "item is empty", "write the answer option's label", lineno, "item"))
        for col, integer in (("count", True), ("n", True), ("percent", False)):
            value, err = _number(cells[col], integer=integer)
            if err:
                problems.append(Problem(fname, err, f"write {col} as a {'whole ' if integer else ''}number"
                                        " (or leave it empty if not published)", lineno, col))
            rec[col] = value
        if rec["n"] is None and cells["n"] == "":
            problems.append(Problem(fname, "n is empty", "write the base (回答数) the report states for this row",
                                    lineno, "n"))
        problems += _row_range_problems(fname, lineno, rec)
        records.append(rec)
    frame = pd.DataFrame.from_records(records, columns=["line", *COLUMNS])
    problems += _table_consistency_problems(res, fname, frame)
    return frame, problems


def _cell_text_problems(fname: str, lineno: int, raw: dict[str, str]) -> list[Problem]:
    """Labels are one line of plain text that a spreadsheet will not run as a formula."""
    problems = []
    for col, cell in raw.items():
        text = cell.strip()
        formula = cell[:1] in ("\t", "\r") or col in LABEL_COLUMNS and text[:1] in FORMULA_START
        control = CONTROL_CHARACTERS.search(cell)
        if formula:
            problems.append(Problem(fname, f"begins with {cell.lstrip(' ')[:1]!r}: a spreadsheet opening the CSV download "
                                    "would run the cell as a formula", "start the label differently (e.g. with a "
                                    "full-width ＝ ＋ － ＠) and remove leading tabs", lineno, col))
        elif control:
            problems.append(Problem(fname, f"contains the control character U+{ord(control.group()):04X}",
                                    "remove it: labels are one line of plain text", lineno, col))
        if len(text) > MAX_LABEL and col in LABEL_COLUMNS:      # a number that long gets its own message
            problems.append(Problem(fname, f"is {len(text):,} characters long; the limit is {MAX_LABEL}",
                                    "shorten the label", lineno, col))
    return problems


def _row_range_problems(fname: str, lineno: int, rec: dict[str, Any]) -> list[Problem]:
    problems = []
    count, n, pct = rec["count"], rec["n"], rec["percent"]
    if count is not None and count < 0:
        problems.append(Problem(fname, f"count {count} is negative", "counts are numbers of respondents (≥ 0)",
                                lineno, "count"))
    if n is not None and n < 1:
        problems.append(Problem(fname, f"n {n} is not positive", "n is the number of respondents (≥ 1)", lineno, "n"))
    if pct is not None and not 0 <= pct <= 100:
        problems.append(Problem(fname, f"percent {pct} is outside 0–100", "write the percentage without the % sign",
                                lineno, "percent"))
    if count is not None and n is not None and n >= 1 and count > n:
        problems.append(Problem(fname, f"count {count} is larger than n {n}",
                                "check the two cells: the count cannot exceed the base", lineno, "count"))
    return problems


def _table_consistency_problems(res: Resource, fname: str, frame: pd.DataFrame) -> list[Problem]:
    """Rules across rows: duplicates, percent = count/base, sums of single-choice and rating rows."""
    problems: list[Problem] = []
    if frame.empty:
        return [Problem(fname, "has a header but no rows", "add one row per item (or mark the figure unpublished)")]
    keys = frame[["series", "item", "level"]].astype(str).agg("|".join, axis=1)
    first_line: dict[str, int] = {}
    for line, key in zip(frame["line"], keys):
        if key in first_line:
            problems.append(Problem(fname, f"duplicate (series, item, level) row, same as line {first_line[key]}",
                                    "remove or correct one of the copies", int(line), "item"))
        else:
            first_line[key] = int(line)
    base_override = res.percent_base
    for rec in frame.itertuples():
        if rec.count is None or pd.isna(rec.count) or rec.percent is None or pd.isna(rec.percent):
            continue
        base = base_override or rec.n
        if base is None or pd.isna(base) or base < 1 or rec.count > base:
            continue
        expected = percent_of(int(rec.count), int(base))
        if round_half_up(rec.percent) != expected:
            basis = f"percent_base {base}" if base_override else f"n {base}"
            problems.append(Problem(fname, f"percent {rec.percent} disagrees with count {int(rec.count)} / {basis} "
                                    f"= {expected}", "correct the percent or the count (or declare the report's real "
                                    "denominator as \"percent_base\" in datapackage.json)", int(rec.line), "percent"))
    levels = res.levels
    problems += _series_problems(fname, res, frame)
    for series, group in frame.groupby("series", sort=False):
        problems += _stated_n_problems(fname, res, series, group)
        qtype = res.series_type(series)
        if qtype == "single_choice":
            problems += _sum_problems(fname, group, f"series '{series}'" if series else "the figure", check_counts=True)
        if qtype == "rating":
            if levels:
                for rec in group.itertuples():
                    if rec.level not in levels:
                        problems.append(Problem(fname, f"level '{rec.level}' is not one of the figure's levels",
                                                f"use one of: {', '.join(levels)}", int(rec.line), "level"))
            for item, rows in group.groupby("item", sort=False):
                problems += _sum_problems(fname, rows, f"item '{item}'", check_counts=False)
    return problems


def _series_problems(fname: str, res: Resource, frame: pd.DataFrame) -> list[Problem]:
    """The table's series must be the ones the metadata's ``n`` names: the chapters and captions show each of those
    (figure 11 with one series of two stopped inside its chapter)."""
    named = list(res.n)
    if not named:
        return []
    problems = []
    found = dict(zip(frame["series"], frame["line"]))
    for series, line in found.items():
        if series not in named:
            problems.append(Problem(fname, f"series '{series}' is not one of the series datapackage.json's n names "
                                    f"({', '.join(repr(s) for s in named)})", "correct the series label, or add the "
                                    "series to the resource's \"n\" in datapackage.json", int(line), "series"))
    for series in named:
        if series not in found:
            what = f"series '{series}'" if series else "the figure's single series (an empty series cell)"
            problems.append(Problem(fname, f"has no rows of {what}, which datapackage.json's n names",
                                    "add that series' rows, or remove it from the resource's \"n\" in "
                                    "datapackage.json", field="series"))
    return problems


def _stated_n_problems(fname: str, res: Resource, series: str, rows: pd.DataFrame) -> list[Problem]:
    """A row whose n is not the n datapackage.json states for its series (the caption's n) contradicts the caption."""
    stated = res.n.get(series)
    if stated is None or isinstance(stated, bool) or not isinstance(stated, int):
        return []
    for rec in rows.itertuples():
        if rec.n is not None and not pd.isna(rec.n) and int(rec.n) != stated:
            where = f"series '{series}'" if series else "the figure"
            return [Problem(fname, f"n {int(rec.n)} disagrees with the n {stated} that datapackage.json states for "
                            f"{where} (the caption's n)", "correct this row's n, or the resource's \"n\" in "
                            "datapackage.json if the caption says otherwise", int(rec.line), "n")]
    return []


def _sum_problems(fname: str, rows: pd.DataFrame, what: str, *, check_counts: bool) -> list[Problem]:
    """Shares of one exhaustive set must add to 100 % (each printed value may be off by 0.05)."""
    problems = []
    pcts = [p for p in rows["percent"] if p is not None and not pd.isna(p)]
    tolerance = 0.05 * len(rows) + 1e-9
    total = sum(pcts)
    complete = len(pcts) == len(rows)
    first = int(rows["line"].iloc[0])
    if (complete and abs(total - 100) > tolerance) or (not complete and total > 100 + tolerance):
        problems.append(Problem(fname, f"percentages of {what} sum to {total:.1f}, not 100 (±{tolerance:.2f})",
                                "every option of a single-choice question or rating scale needs a row; check the values",
                                first, "percent"))
    counts = [c for c in rows["count"] if c is not None and not pd.isna(c)]
    known_n = rows["n"].notna().all()
    if check_counts and known_n and rows["n"].nunique() > 1:
        problems.append(Problem(fname, f"n differs between the rows of {what}",
                                "every option of one single-choice question has the same base n", first, "n"))
    if check_counts and known_n and len(counts) == len(rows) and rows["n"].nunique() == 1:
        n = int(rows["n"].iloc[0])
        if sum(counts) != n:
            problems.append(Problem(fname, f"counts of {what} sum to {int(sum(counts))}, not n {n}",
                                    "each respondent picks one option: the counts must add up to n", first, "count"))
    return problems


def read_tables(directory: Path, resources: Iterable[Resource]) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    frames, problems = {}, []
    for res in resources:
        if not res.published:
            continue
        raw, why = read_regular_file(res.path)
        if raw is None:
            problems.append(Problem(res.path.name, why, f"make {res.path.name} an ordinary CSV file in the data directory"))
            continue
        record_read(res.path)
        text, decode_problems = decode_text(res.path, raw)
        problems += decode_problems
        if text is None:
            continue
        frame, table_problems = _table_problems(res, text)
        problems += table_problems
        if frame is not None:
            frames[res.name] = frame
    return frames, problems


def _stated_bases(frame: pd.DataFrame) -> dict[str, int | None]:
    """A table's series → the n its first row of that series carries (the table's own view of the caption's n)."""
    bases: dict[str, int | None] = {}
    for series, rows in frame.groupby("series", sort=False):
        n = rows["n"].iloc[0]
        bases[str(series)] = None if n is None or pd.isna(n) else int(n)
    return bases


def swapped_table_problems(resources: Iterable[Resource], frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """A table that carries another figure's series and n is that figure's table: say so first.

    Two files swapped (or one copied over another) otherwise show as a list of percent and n
    disagreements, or pass validation and stop later at a finding in the prose, which points the
    author at the wrong place.  The evidence is the n that ``datapackage.json`` states for each
    figure's series: a table whose series and n are exactly another figure's stated ones, and not
    its own, belongs to that figure.
    """
    resources = list(resources)
    stated = {res.name: res.n for res in resources if res.n and all(isinstance(v, int) for v in res.n.values())}
    problems = []
    for res in resources:
        frame = frames.get(res.name)
        if frame is None or frame.empty or not res.path:
            continue
        bases = _stated_bases(frame)
        if bases == stated.get(res.name):
            continue
        owners = [other for other in resources if other.name != res.name and stated.get(other.name) == bases]
        if len(owners) != 1:
            continue
        other = owners[0]
        shown = ", ".join(f"n={n}" if not s else f"'{s}' n={n}" for s, n in bases.items())
        problems.append(Problem(
            res.path.name, f"looks like figure {other.figure}'s table, not figure {res.figure}'s: its series and n "
            f"({shown}) are the ones datapackage.json states for figure {other.figure} (resource '{other.name}')",
            f"check that resource '{res.name}' points at figure {res.figure}'s file and that the two figures' files "
            f"were not swapped or copied over each other; the problems listed after this follow from it",
            field="n"))
    return problems


def read_resources(directory: Path, descriptor: dict[str, Any]) -> tuple[list[Resource], list[Problem]]:
    resources, problems, seen = [], [], set()
    for i, raw in enumerate(descriptor["resources"]):
        res, res_problems = _resource_problems(i, raw, directory)
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


class Survey:
    """The survey data of one directory: package metadata plus lazily read figure tables."""

    def __init__(self, directory: Path | str, strict: bool = True):
        self.directory = Path(directory).resolve()
        self.strict = strict
        descriptor, problems = read_descriptor(self.directory)
        if descriptor is None:
            raise DataError(problems, self.directory)
        resources, problems = read_resources(self.directory, descriptor)
        if problems:
            raise DataError(problems, self.directory)
        self.descriptor = descriptor
        self.resources = {r.figure: r for r in resources}
        self._frames: dict[int, pd.DataFrame | None] = {}

    @property
    def facts(self) -> dict[str, Any]:
        """Survey facts (population, responses, dates) stated in the report's method section."""
        return self.descriptor.get("survey", {})

    @property
    def translations(self) -> dict[str, dict[str, str]]:
        """Language → {Japanese text: translation} (key ``translations``; {} when absent).

        Only well-formed entries (validation reports the others), so ``i18n.tr`` never returns
        a non-string.
        """
        raw = self.descriptor.get("translations")
        if not isinstance(raw, dict):
            return {}
        return {lang: {k: v for k, v in table.items() if isinstance(k, str) and k and isinstance(v, str) and v}
                for lang, table in raw.items()
                if isinstance(lang, str) and LANGUAGE.match(lang) and lang != SOURCE and isinstance(table, dict)}

    def labels(self, figure: int) -> list[str]:
        """The distinct series, item and level labels of a figure's table, in table order ([] without a table).

        Uses the parsed table when a chapter has read it already, else a plain CSV read (no checks:
        validation has run) — cheap enough for the build to call for every figure.
        """
        res = self.resources.get(figure)
        if res is None or not res.published:
            return []
        frame = self._frames.get(figure)
        if frame is not None:
            return frame_labels(frame)
        return _csv_labels(res.path)

    def reported(self, ident: str) -> dict[str, Any] | None:
        """A number the report's prose states (``reported_in_prose``), or None."""
        return next((f for f in self.descriptor.get("reported_in_prose", []) if f.get("id") == ident), None)

    def resource(self, figure: int) -> Resource:
        """Metadata of one figure (KeyError when the package does not list it)."""
        try:
            return self.resources[figure]
        except KeyError:
            raise KeyError(f"{DESCRIPTOR} in {self.directory} lists no resource for 概要図表{figure}") from None

    def table(self, figure: int) -> pd.DataFrame | None:
        """The figure's rows (columns as in the CSV), or None when its table is not published."""
        if figure not in self._frames:
            res = self.resources.get(figure)
            if res is None or not res.published:
                self._frames[figure] = None
            else:
                frames, problems = read_tables(self.directory, [res])
                if problems and (self.strict or res.name not in frames):
                    raise DataError(problems, self.directory)
                self._frames[figure] = _typed(frames[res.name])
                # the rows remember their figure (pandas keeps attrs through filters): src/book/provenance.py
                self._frames[figure].attrs["figure"] = figure
        return self._frames[figure]


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.drop(columns="line").copy()
    for col in ("series", "item", "level"):
        out[col] = out[col].astype(str)
    out["count"] = pd.array(out["count"], dtype="Int64")
    out["n"] = pd.array(out["n"], dtype="Int64")
    out["percent"] = pd.array(out["percent"], dtype="Float64")
    return out.reset_index(drop=True)


def frame_labels(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(str(v) for col in ("series", "item", "level") for v in frame[col] if str(v)))


def _csv_labels(path: Path) -> list[str]:
    """The labels of a CSV read without the table checks ([] when it cannot be read: validation says why)."""
    raw, _ = read_regular_file(path)
    if raw is None:
        return []
    record_read(path)
    text, _ = decode_text(path, raw)
    if text is None:
        return []
    try:
        header, *rows = list(csv.reader(io.StringIO(text, newline=""))) or [[]]
    except csv.Error:
        return []
    columns = [i for name in ("series", "item", "level") for i, h in enumerate(header) if h.strip() == name]
    return list(dict.fromkeys(label for i in columns for row in rows if i < len(row) and (label := row[i].strip())))


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


def reader_texts(survey: Survey) -> list[str]:
    """Every Japanese text of the package a reader of the site sees, each once, in package order.

    What a translation must cover (:func:`reader_text_kinds` says which places count); the
    build and the tests use this one list.
    """
    return list(reader_text_kinds(survey.descriptor, survey.resources.values(),
                                  lambda res: survey.labels(res.figure)))


def missing_translations(survey: Survey, lang: str) -> list[str]:
    """The reader texts (:func:`reader_texts`) without a translation into ``lang``, in the same order.

    ``[]`` for the data's own language. A label without one is shown in Japanese (``i18n.tr``).
    """
    if lang == SOURCE:
        return []
    table = survey.translations.get(lang, {})
    return [text for text in reader_texts(survey) if text not in table]


def unused_translations(survey: Survey, lang: str) -> list[str]:
    """Keys of ``translations[lang]`` that are no reader text (a typo, or a label that changed), in package order."""
    texts = set(reader_texts(survey))
    return [key for key in survey.translations.get(lang, {}) if key not in texts]


def load_survey(directory: Path | str, strict: bool = True) -> Survey:
    """Open a data directory; raises :class:`DataError` listing every problem with the package itself.

    With ``strict=False`` tables whose values disagree with each other still load (the
    audit uses this to explain the disagreements); unreadable tables always raise.
    """
    return Survey(directory, strict)
