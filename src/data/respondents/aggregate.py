"""From checked responses to the figure tables of the data package: ``series,item,level,count,n,percent``.

Each figure's rows come in its display order (series as the codebook lists them, then its
options, or items then levels), with ``count``, ``n`` (the series' base: see the codebook's
``base``) and ``percent`` = count/n rounded half-up to one decimal (:func:`src.data.shares.percent_of`,
the book's one rounding). :meth:`FigureTable.csv_bytes` is byte for byte a ``figNN.csv`` of
data/, so the same validation and chapters read it. :func:`compare_tables` names every cell
where supplied tables disagree; :func:`write_snapshot` writes the data directory the chapters
read when tables come from responses.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from src.data.files import DESCRIPTOR, README, Problem, confined_path, decode_text, read_descriptor, read_regular_file
from src.data.package import COLUMNS
from src.data.shares import percent_of, round_half_up

from src.data.respondents.answers import Responses, read_responses
from src.data.respondents.codebook import ASKED, MENTIONS, MOST, RATING, SINGLE, Question

#: Keys of a resource that describe the report's printed table, not one computed from responses:
#: every computed cell is known (no undetermined or derived cells) and its percent is count/n.
PRINTED_TABLE_KEYS = ("percent_base", "derived_cells", "undetermined_cells")


@dataclass(frozen=True)
class Row:
    """One row of a figure table (``percent`` None when n is 0)."""

    series: str
    item: str
    level: str
    count: int
    n: int

    @property
    def percent(self) -> Decimal | None:
        return percent_of(self.count, self.n) if self.n > 0 else None


@dataclass(frozen=True)
class FigureTable:
    """The table of one figure computed from the responses."""

    figure: int
    question: str
    rows: tuple[Row, ...]
    rating: bool = False

    @property
    def name(self) -> str:
        return f"fig{self.figure:02d}"

    def frame(self) -> pd.DataFrame:
        """The rows typed as :meth:`src.data.package.Survey.table` returns a table."""
        out = pd.DataFrame([(r.series, r.item, r.level, r.count, r.n, None if r.percent is None else float(r.percent))
                            for r in self.rows], columns=list(COLUMNS))
        out["count"] = pd.array(out["count"], dtype="Int64")
        out["n"] = pd.array(out["n"], dtype="Int64")
        out["percent"] = pd.array(out["percent"], dtype="Float64")
        return out

    def csv_bytes(self) -> bytes:
        """The table as data/'s ``figNN.csv``: UTF-8 without BOM, LF, header ``series,item,level,count,n,percent``."""
        return table_csv([(r.series, r.item, r.level, r.count, r.n, r.percent) for r in self.rows], COLUMNS)

    def resource_n(self) -> dict[str, Any]:
        """The resource keys that state the base: ``n`` (series → n) and, for a rating scale, ``n_by_item``."""
        if self.rating:
            return {"n": {"": None}, "n_by_item": {r.item: r.n for r in self.rows}}
        return {"n": {r.series: r.n for r in self.rows}}


def table_csv(rows: list[tuple], header: tuple[str, ...]) -> bytes:
    """CSV bytes as data/ writes them (minimal quoting, LF); None is an empty cell."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- counting


def question_rows(q: Question, responses: Responses, within: np.ndarray | None = None) -> list[Row]:
    """The rows of question ``q``, counting only the rows of its unit in ``within`` (all when None)."""
    table = responses.tables[q.unit]
    asked = responses.asked[q.id] if within is None else responses.asked[q.id] & within
    rows: list[Row] = []
    for s in q.series:
        if q.type == SINGLE or s.part == MOST:
            values = table.codes[s.column if q.type == SINGLE else q.most_column(s)]
            answered = asked & ~np.isnan(values)
            counts = {code: int(np.count_nonzero(answered & (values == code))) for code in q.options}
            n = int(asked.sum()) if s.base == ASKED else int(answered.sum())
            rows += [Row(s.label, label, "", counts[code], n) for code, label in q.options.items()]
        elif q.type == RATING:
            for code, column in q.option_columns(s).items():
                values = table.codes[column]
                answered = asked & ~np.isnan(values)
                n = int(asked.sum()) if s.base == ASKED else int(answered.sum())
                rows += [Row(s.label, q.options[code], level, int(np.count_nonzero(answered & (values == lc))), n)
                         for lc, level in q.levels.items()]
        else:
            chosen = {code: table.codes[column] == 1 for code, column in q.option_columns(s).items()}
            answered = asked & np.any(list(chosen.values()), axis=0)
            counts = {code: int(np.count_nonzero(answered & mask)) for code, mask in chosen.items()}
            n = {ASKED: int(asked.sum()), MENTIONS: sum(counts.values())}.get(s.base, int(answered.sum()))
            rows += [Row(s.label, label, "", counts[code], n) for code, label in q.options.items()]
    return rows


def figure_tables(responses: Responses) -> dict[int, FigureTable]:
    """Figure number → its table, for every question of the codebook that feeds a figure."""
    return {figure: FigureTable(figure, q.id, tuple(question_rows(q, responses)), q.type == RATING)
            for figure, q in sorted(responses.codebook.by_figure().items())}


@dataclass
class ResponseTables:
    """What a data directory's responses give the book: the checked responses and every figure's table."""

    responses: Responses
    tables: dict[int, FigureTable]


def load_responses(directory: Path | str) -> tuple[ResponseTables | None, list[Problem]]:
    """Read, check and aggregate the responses of ``directory``.

    ``(None, [])``: the directory has no codebook.yml (tables only). ``(None, problems)``: every
    problem of the codebook, the files and the answers, at once; nothing was computed.
    """
    responses, problems = read_responses(directory)
    if responses is None:
        return None, problems
    return ResponseTables(responses, figure_tables(responses)), []


# --------------------------------------------------------------------------- supplied tables


def compare_tables(tables: dict[int, FigureTable], directory: Path | str) -> list[Problem]:
    """Every cell of a table supplied in ``directory`` that disagrees with the table computed from the responses.

    Rows are matched by (series, item, level); a supplied empty cell (a value the report does
    not print) is not compared. Missing and extra rows are named too.
    """
    directory = Path(directory)
    descriptor, problems = read_descriptor(directory)
    if descriptor is None:
        return problems
    paths = {res.get("figure"): res.get("path") for res in descriptor["resources"]
             if isinstance(res, dict) and isinstance(res.get("path"), str)}
    for figure, table in sorted(tables.items()):
        name = paths.get(figure)
        path = confined_path(directory, name)[0] if name else None
        if path is None or not path.is_file():
            continue
        raw, why = read_regular_file(path)
        text = decode_text(path, raw)[0] if raw is not None else None
        if text is None:
            problems.append(Problem(name, why or "cannot be read as UTF-8", "fix the table first (validate the directory)"))
            continue
        problems += _cell_problems(name, text, table)
    return problems


def _cell_problems(name: str, text: str, table: FigureTable) -> list[Problem]:
    computed = {(r.series, r.item, r.level): r for r in table.rows}
    reader = csv.DictReader(io.StringIO(text, newline=""))
    problems, seen = [], set()
    fix = ("correct the response files or the table; the two must agree (or remove the table: the build computes it "
           "from the responses)")
    for record in reader:
        line = reader.line_num
        key = tuple((record.get(c) or "").strip() for c in ("series", "item", "level"))
        if not any(key):
            continue
        seen.add(key)
        row = computed.get(key)
        if row is None:
            problems.append(Problem(name, "this row has no counterpart in the responses (codebook.yml lists no such "
                                    "series, option or level)", fix, line, "item"))
            continue
        for column, value in (("count", row.count), ("n", row.n), ("percent", row.percent)):
            supplied = (record.get(column) or "").strip()
            if not supplied or value is None:
                continue
            try:
                same = (round_half_up(supplied) == value) if column == "percent" else int(supplied) == value
            except (ValueError, ArithmeticError):
                same = False
            if not same:
                problems.append(Problem(name, f"the responses give {column} {value}, the table says {supplied}",
                                        fix, line, column))
    for key, row in computed.items():
        if key not in seen:
            label = " / ".join(k for k in key if k)
            problems.append(Problem(name, f"the responses have a row the table lacks ({label})", fix))
    return problems


# --------------------------------------------------------------------------- the snapshot the chapters read


def snapshot_descriptor(descriptor: dict[str, Any], tables: dict[int, FigureTable]) -> dict[str, Any]:
    """``datapackage.json`` for computed tables: each fed resource lists ``figNN.csv`` with the computed n.

    Keys that describe the report's printed table (:data:`PRINTED_TABLE_KEYS`) are dropped for
    those resources; every other key (titles, captions, translations, prose facts) is kept.
    """
    out = json.loads(json.dumps(descriptor))
    csv_like = next((r for r in out["resources"] if isinstance(r, dict) and "path" in r), {})
    for res in out["resources"]:
        table = tables.get(res.get("figure")) if isinstance(res, dict) else None
        if table is None:
            continue
        res.pop("data", None)
        for key in PRINTED_TABLE_KEYS:
            res.pop(key, None)
        res.update(path=f"{table.name}.csv", published=True, format="csv", mediatype="text/csv", encoding="utf-8")
        res.update(table.resource_n())
        if "schema" not in res and "schema" in csv_like:
            res["schema"] = csv_like["schema"]
    return out


def write_snapshot(directory: Path | str, out: Path | str, tables: dict[int, FigureTable]) -> Path:
    """Write ``out``: a data directory like data/ — datapackage.json, README.md and one CSV per computed table.

    Tables the directory supplies for figures without responses are copied as they are. The
    response files and codebook.yml are not copied: ``out`` holds only what the site may publish.
    """
    directory, out = Path(directory), Path(out)
    descriptor, problems = read_descriptor(directory)
    if descriptor is None:
        raise ValueError("; ".join(str(p) for p in problems))
    out.mkdir(parents=True, exist_ok=True)
    snapshot = snapshot_descriptor(descriptor, tables)
    (out / DESCRIPTOR).write_text(json.dumps(snapshot, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for table in tables.values():
        (out / f"{table.name}.csv").write_bytes(table.csv_bytes())
    supplied = [r["path"] for r in descriptor["resources"]
                if isinstance(r, dict) and isinstance(r.get("path"), str) and r.get("figure") not in tables]
    # a table schema shared by file ("schema": "table.schema.json") goes with the tables that name it
    schemas = dict.fromkeys(r["schema"] for r in descriptor["resources"]
                            if isinstance(r, dict) and isinstance(r.get("schema"), str))
    for name in [README, *supplied, *schemas]:
        path, _ = confined_path(directory, name)
        raw = read_regular_file(path)[0] if path is not None and path.is_file() else None
        if raw is not None:
            (out / Path(name).name).write_bytes(raw)
    return out
