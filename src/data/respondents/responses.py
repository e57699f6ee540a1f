"""Reading response files (one row per institution or project) safely: CSV, .xlsx, .sav and .dta.

The promises of :mod:`src.data.files` hold: a file is named directly inside the data directory
and opened only if it is a regular file there (no ``..``, absolute paths, subdirectories or
symlinks leaving it; FIFOs and devices are never opened), CSV must be UTF-8. Response files
have limits of their own (data/README.md, 回答ファイル): bytes and rows per file, and for
``.xlsx`` — a zip archive — the decompressed size its directory declares, checked before any
member is unpacked (Python's zipfile never returns more than a member declares, so a zip bomb
is refused unread). Only the columns the codebook names are kept, as numbers; a cell that is
no whole number is remembered by position only. Nothing here quotes a cell.
"""
from __future__ import annotations

import csv
import io
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from src.data.files import Problem, confined_path, decode_text, read_regular_file, record_read

MiB = 1024 * 1024
#: Bytes of one response file: CSV and .xlsx 64 MiB, .sav/.dta (8 bytes per numeric cell) 256 MiB.
MAX_BYTES = {".csv": 64 * MiB, ".xlsx": 64 * MiB, ".sav": 256 * MiB, ".dta": 256 * MiB}
#: What an .xlsx may unpack to, by the sizes its zip directory declares, and how many members it may have.
MAX_XLSX_UNPACKED = 256 * MiB
MAX_XLSX_MEMBERS = 1000
#: Rows (besides the header) of each file: 1,082 institutions were surveyed, each with at most 5 projects.
MAX_ROWS = {"institutions": 100_000, "projects": 500_000}
#: Columns of one file (only those the codebook names are kept).
MAX_COLUMNS = 5000

FORMATS = tuple(MAX_BYTES)


@dataclass
class ResponseTable:
    """The codebook's columns of one response file, as numbers; no cell text is kept besides the ids.

    ``rows`` are the positions a person finds in the file (CSV line, spreadsheet row, SPSS/Stata
    case), ``row_word`` names them. ``codes[column]`` is float (NaN: empty); ``not_codes[column]``
    the positions of cells that are no whole number ≥ 0 (text, fractions, negative numbers).
    """

    name: str
    row_word: str
    rows: np.ndarray
    ids: list[str]
    codes: dict[str, np.ndarray]
    not_codes: dict[str, np.ndarray] = field(default_factory=dict)
    value_labels: dict[str, dict[int, str]] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)      # projects: the institution id of each row

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class ResponseProblem(Problem):
    """A :class:`Problem` in a response file, located by row (CSV: line; xlsx: row; SPSS/Stata: case) and column."""

    row_word: str = "line"
    field_word = "column"


def read_response_file(directory: Path | str, name: str, unit: str, id_column: str, columns: list[str],
                       sheet: str | None = None, link: str | None = None) -> tuple[ResponseTable | None, list[Problem]]:
    """The id column, the ``link`` column (text) and ``columns`` (codes) of response file ``name``, or why not.

    Columns the file lacks are problems (with the closest name it has); others are ignored.
    """
    directory = Path(directory)
    suffix = Path(name).suffix.lower()
    if suffix not in MAX_BYTES:
        return None, [Problem(name, f"is not a response file type this book reads ({', '.join(FORMATS)})",
                              "save the responses as CSV (UTF-8), .xlsx, .sav or .dta")]
    path, why = confined_path(directory, name)
    if path is None:
        raw, why = None, why + "; nothing was read"
    else:
        raw, why = read_regular_file(path, MAX_BYTES[suffix], "the limit for this kind of response file")
    if raw is None:
        return None, [Problem(name, why, "put the response file itself directly in the data directory")]
    record_read(path)
    wanted = list(dict.fromkeys([id_column, *([link] if link else []), *columns]))
    reader = {".csv": _read_csv, ".xlsx": _read_xlsx, ".sav": _read_stat, ".dta": _read_stat}[suffix]
    return reader(name, raw, wanted, MAX_ROWS[unit], sheet=sheet, texts=2 if link else 1)


def _too_many_rows(name: str, count: int, limit: int) -> Problem:
    return Problem(name, f"has more than {limit:,} rows", "one row per institution or project: check that the file "
                   "holds one survey's responses (limits: data/README.md, 回答ファイル)")


def _header_problems(name: str, header: list[str], wanted: list[str], row_word: str) -> list[Problem]:
    import difflib

    problems: list[Problem] = []
    if len(header) > MAX_COLUMNS:
        return [Problem(name, f"has {len(header):,} columns; the limit is {MAX_COLUMNS:,}", "keep the codebook's columns")]
    seen: set[str] = set()
    for col in header:
        if col in seen and col in wanted:
            problems.append(ResponseProblem(name, "this column name appears twice", "keep each column once", 1, col,
                                            row_word))
        seen.add(col)
    for col in wanted:
        if col not in seen:
            close = difflib.get_close_matches(col, [h for h in header if h not in wanted], n=1)
            fix = f"rename the column '{close[0]}' to '{col}'" if close else f"add the column '{col}' (codebook.yml names it)"
            problems.append(ResponseProblem(name, f"the column '{col}' is missing", fix, 1, col, row_word))
    return problems


def _table(name: str, row_word: str, rows: np.ndarray, cells: dict[str, pd.Series], texts: int,
           labels: dict[str, dict[int, str]] | None = None) -> ResponseTable:
    """The first ``texts`` columns (id, link) as text, the others as float codes (NaN: empty), remembering
    which cells are no code (by position only)."""
    names = list(cells)
    ids = _ids(cells.pop(names[0]))
    links = _ids(cells.pop(names[1])) if texts > 1 else []
    codes, not_codes = {}, {}
    for col, values in cells.items():
        if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            numbers = values.to_numpy(dtype="float64", na_value=np.nan)
            empty = np.isnan(numbers)
        else:       # text in the column (or a spreadsheet's mixed cells): the slow path, this column only
            text = values.astype(object)
            blank = text.map(lambda v: v is None or (isinstance(v, float) and math.isnan(v))
                             or (isinstance(v, str) and not v.strip()))
            numbers = pd.to_numeric(text.where(~blank), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            empty = blank.to_numpy(dtype=bool)
        with np.errstate(invalid="ignore"):
            bad = ~empty & (np.isnan(numbers) | (numbers < 0) | (np.mod(numbers, 1) != 0) | ~np.isfinite(numbers))
        numbers = np.where(bad, np.nan, numbers)
        codes[col] = numbers.astype("float32")
        if bad.any():
            not_codes[col] = np.flatnonzero(bad)
    return ResponseTable(name, row_word, rows, ids, codes, not_codes, labels or {}, links)


def _ids(values: pd.Series) -> list[str]:
    """Ids as text; a whole number read as a float (12.0 from a spreadsheet) is written 12."""
    out = []
    for v in values.tolist():
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append("")
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v).strip())
    return out


def _read_csv(name: str, raw: bytes, wanted: list[str], max_rows: int, sheet: str | None = None, texts: int = 1):
    text, problems = decode_text(Path(name), raw)
    if text is None:
        return None, problems
    try:
        header = next(csv.reader(io.StringIO(text[:1_000_000], newline="")), [])
    except csv.Error as exc:
        return None, [ResponseProblem(name, f"the header cannot be read as CSV ({exc})", "write one header row", 1)]
    header = [h.strip() for h in header]
    problems = _header_problems(name, header, wanted, "line")
    if problems:
        return None, problems
    try:       # numbers are parsed in C; a column with any text stays text and takes the slow path in _table
        frame = pd.read_csv(io.StringIO(text), dtype={c: str for c in header if c.strip() in wanted[:texts]},
                            keep_default_na=False, na_values=[""], usecols=lambda c: c.strip() in wanted,
                            skip_blank_lines=False, nrows=max_rows + 1)
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        return None, [ResponseProblem(name, "cannot be read as CSV (a row has more cells than the header, or a quote "
                                      "is not closed)", "quote cells that contain commas; one cell per column",
                                      _parser_line(str(exc)))]
    if len(frame) > max_rows:          # lines after the header, blank ones included
        return None, [_too_many_rows(name, len(frame), max_rows)]
    frame.columns = [c.strip() for c in frame.columns]
    rows, ragged = _line_numbers(text, len(header))
    if ragged:
        return None, [ResponseProblem(name, f"has {cells} cells, the header has {len(header)}", "quote cells that "
                                      "contain commas; one cell per column", line) for line, cells in ragged[:10]]
    if len(rows) != len(frame):
        rows = np.arange(2, len(frame) + 2)
    keep = frame.notna().any(axis=1).to_numpy()
    frame, rows = frame[keep], rows[keep]
    cells = {col: frame[col] for col in wanted}
    return _table(name, "line", np.asarray(rows), cells, texts), []


def _parser_line(message: str) -> int | None:
    import re

    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _line_numbers(text: str, width: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The line on which each record starts (quoted line breaks followed), and (line, cells) of rows
    whose number of cells is not the header's (pandas drops the extra cells of a row when it reads
    only some columns)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    starts, ragged, line = [], [], reader.line_num
    for row in reader:
        starts.append(line + 1)
        if row and len(row) != width:
            ragged.append((line + 1, len(row)))
        line = reader.line_num
    return np.array(starts, dtype=np.int64), ragged


def _read_xlsx(name: str, raw: bytes, wanted: list[str], max_rows: int, sheet: str | None = None, texts: int = 1):
    problem = _zip_problem(name, raw)
    if problem:
        return None, [problem]
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:         # openpyxl raises many kinds for a damaged workbook
        return None, [Problem(name, f"cannot be read as an Excel workbook ({type(exc).__name__})",
                              "save it again from Excel as .xlsx (Excel Workbook), or as CSV UTF-8")]
    try:
        if sheet is not None and sheet not in book.sheetnames:
            return None, [Problem(name, f"has no worksheet named '{sheet}'",
                                  f"name one of its worksheets: {', '.join(book.sheetnames[:10])}")]
        ws = book[sheet] if sheet else book.worksheets[0]
        rows_iter = ws.iter_rows(values_only=True)
        header = [("" if v is None else str(v)).strip() for v in next(rows_iter, ())]
        problems = _header_problems(name, header, wanted, "row")
        if problems:
            return None, problems
        index = {col: header.index(col) for col in wanted}
        columns: dict[str, list] = {col: [] for col in wanted}
        numbers = []
        for number, row in enumerate(rows_iter, start=2):
            if not any(v not in (None, "") for v in row):
                continue
            if len(numbers) >= max_rows:
                return None, [_too_many_rows(name, len(numbers) + 1, max_rows)]
            numbers.append(number)
            for col, i in index.items():
                columns[col].append(_xlsx_cell(row[i]) if i < len(row) else None)
    finally:
        book.close()
    cells = {col: pd.Series(values, dtype=object) for col, values in columns.items()}
    return _table(name, "row", np.array(numbers, dtype=np.int64), cells, texts), []


def _xlsx_cell(value):
    """A spreadsheet cell as a number or text (True/False and dates are no codes: kept as text)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) and value is not None:
        return "not a code"
    return value


def _zip_problem(name: str, raw: bytes) -> Problem | None:
    """Why an .xlsx must not be unpacked: not a zip, too many members, or more declared bytes than the limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError):
        return Problem(name, "is not an Excel workbook (an .xlsx file is a zip archive; this one is not)",
                       "save it again from Excel as .xlsx (Excel Workbook), or as CSV UTF-8")
    with archive:
        members = archive.infolist()
        if len(members) > MAX_XLSX_MEMBERS:
            return Problem(name, f"has {len(members):,} parts; an Excel workbook has a few dozen "
                           f"(limit {MAX_XLSX_MEMBERS:,}); nothing was unpacked", "save it again from Excel as .xlsx")
        declared = sum(m.file_size for m in members)
        if declared > MAX_XLSX_UNPACKED:
            return Problem(name, f"would unpack to {declared:,} bytes; the limit is {MAX_XLSX_UNPACKED:,} bytes "
                           "(a zip bomb is refused unread); nothing was unpacked",
                           "save the responses as CSV UTF-8, or split the file")
    return None


def _read_stat(name: str, raw: bytes, wanted: list[str], max_rows: int, sheet: str | None = None, texts: int = 1):
    import pyreadstat

    read = pyreadstat.read_sav if name.lower().endswith(".sav") else pyreadstat.read_dta
    kind = "an SPSS (.sav)" if name.lower().endswith(".sav") else "a Stata (.dta)"
    try:
        _, meta = read(io.BytesIO(raw), metadataonly=True)
        header = list(meta.column_names)
        problems = _header_problems(name, header, wanted, "case")
        if problems:
            return None, problems
        if meta.number_rows is not None and meta.number_rows > max_rows:
            return None, [_too_many_rows(name, meta.number_rows, max_rows)]
        frame, meta = read(io.BytesIO(raw), usecols=wanted, row_limit=max_rows + 1)
    except Exception as exc:          # readstat's errors for a damaged or foreign file
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        return None, [Problem(name, f"cannot be read as {kind} file ({reason})",
                              "save it again from SPSS/Stata (or export it as CSV UTF-8)")]
    if len(frame) > max_rows:
        return None, [_too_many_rows(name, len(frame), max_rows)]
    labels = {col: {int(k): str(v) for k, v in (meta.variable_value_labels.get(col) or {}).items()
                    if isinstance(k, (int, float)) and float(k).is_integer()}
              for col in wanted if meta.variable_value_labels.get(col)}
    cells = {col: frame[col].astype(object).where(frame[col].notna(), None) for col in wanted}
    return _table(name, "case", np.arange(1, len(frame) + 1), cells, texts, labels), []
