"""A figure's table: parsed and checked row by row and across rows (encoding aside: src/data/files.py).

``read_tables`` returns a frame per readable table and every problem found, each with file,
line, field, what is wrong and how to fix it; a chapter never sees a table validation would refuse.
"""
from __future__ import annotations

import csv
import difflib
import io
import math
import re
import unicodedata
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from src.data.files import Problem, decode_text, read_regular_file, record_read
from src.data.resources import Resource
from src.data.rules import (COLUMNS, CONTROL_CHARACTERS, FORMULA_START, LABEL_COLUMNS, MAX_CELL, MAX_DIGITS,
                            MAX_LABEL, MAX_ROWS)
from src.data.shares import HALF_UNIT, percent_of, round_half_up


_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")


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


def csv_rows(text: str) -> list[list[str]]:
    """The rows of a CSV text, cells of at most MAX_CELL characters (csv.Error, with ``line_num``, otherwise).

    The limit is the csv module's global, which libraries move (importing Frictionless sets 2**31):
    it is set for this read and put back.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = csv.field_size_limit(MAX_CELL)
    try:
        return list(reader)
    except csv.Error as exc:
        exc.line_num = reader.line_num
        raise
    finally:
        csv.field_size_limit(previous)


def _table_problems(res: Resource, text: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse one figure CSV and check it row by row; the frame is None when unusable."""
    fname = res.path.name if res.path else res.name
    try:
        rows = csv_rows(text)
    except csv.Error as exc:
        what = (f"a cell is longer than {MAX_CELL:,} characters" if "field larger" in str(exc)
                else f"cannot be read as CSV ({exc})")
        return None, [Problem(fname, what, f"labels are at most {MAX_LABEL} characters; check the quoting of that line",
                              line=exc.line_num)]
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
    """Shares of one exhaustive set must add to 100 % (each printed value may be off by HALF_UNIT)."""
    problems = []
    pcts = [p for p in rows["percent"] if p is not None and not pd.isna(p)]
    tolerance = float(HALF_UNIT) * len(rows) + 1e-9
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


def read_tables(directory: Path, resources: Iterable[Resource],
                texts: dict[str, str] | None = None) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Each published table parsed and checked; ``texts`` (if given) receives each decoded text, for the generic checks."""
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
        if texts is not None:
            texts[res.name] = text
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
        if res.name not in stated or bases == stated[res.name]:
            continue                  # no stated n to tell its own table by (fig16's is null), or its own table
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


def typed_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.drop(columns="line").copy()
    for col in ("series", "item", "level"):
        out[col] = out[col].astype(str)
    out["count"] = pd.array(out["count"], dtype="Int64")
    out["n"] = pd.array(out["n"], dtype="Int64")
    out["percent"] = pd.array(out["percent"], dtype="Float64")
    return out.reset_index(drop=True)


def frame_labels(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(str(v) for col in ("series", "item", "level") for v in frame[col] if str(v)))


def csv_labels(path: Path) -> list[str]:
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
