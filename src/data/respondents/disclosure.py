"""Breakdowns of a figure by an attribute (e.g. 設置形態), with disclosure control.

A breakdown has the figure's rows once per group of the attribute. Before anything is shown:

- **primary suppression**: a count under the codebook's ``disclosure_minimum`` (default 10) is
  hidden, and so is a group's whole series (its n and every cell) when its n is under it;
- **complementary suppression**: further cells are hidden until no hidden cell can be worked out
  exactly from what is published. The published numbers tie cells together by sums: the options
  of a single-choice series and the levels of a rating item add up to the group's n (so do the
  choices of a series whose base is ``mentions``), the groups of every row add up to the row of
  the figure's own table, and the groups' n add up to the figure's n. A multiple-choice series'
  rows do not add up to n, so within a group primary suppression suffices there — but its groups
  still add up to the published table, so complementary suppression applies across groups for
  every question type.

Whether a hidden cell can be worked out is decided exactly, counts being never negative (``x + y = 0``
gives both, which linear algebra alone would miss): the sums form a network (each count is in at most
two of them), and a hidden count is free exactly when it lies on a cycle of hidden counts along which
it can change (:func:`fixed`). Each time one is fixed, the smallest published member of a sum that
holds it is hidden too, until none is. The published figure tables themselves
(no group) are the report's and are not suppressed. Only counts leave this module; the rows
marked hidden carry no count, n or percent, and no reason (a reason would say "under 10").
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from src.data.shares import percent_of

from src.data.respondents.aggregate import ResponseTables, Row, question_rows, table_csv
from src.data.respondents.codebook import MENTIONS, MOST, RATING, RESPONDENTS, SINGLE, Question

#: The mark of a hidden cell in the CSV (as e-Stat writes 秘匿 cells).
SUPPRESSED = "x"
BREAKDOWN_COLUMNS = ("group", "series", "item", "level", "count", "n", "percent", "suppressed")


@dataclass(frozen=True)
class BreakdownRow:
    """One row of one group; ``count``, ``n`` and ``percent`` are None where hidden."""

    group: str
    series: str
    item: str
    level: str
    count: int | None
    n: int | None
    suppressed: bool

    @property
    def percent(self) -> Decimal | None:
        return percent_of(self.count, self.n) if self.count is not None and self.n else None


@dataclass(frozen=True)
class Breakdown:
    """A figure's table by the groups of an attribute, with the hidden cells marked."""

    figure: int
    attribute: str          # the attribute's id
    label: str              # its label, e.g. 設置形態
    minimum: int
    rows: tuple[BreakdownRow, ...]

    def csv_bytes(self) -> bytes:
        """``group,series,item,level,count,n,percent,suppressed``; a hidden cell has empty numbers and ``x``."""
        return table_csv([(r.group, r.series, r.item, r.level, r.count, r.n, r.percent,
                           SUPPRESSED if r.suppressed else "") for r in self.rows], BREAKDOWN_COLUMNS)

    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame([(r.group, r.series, r.item, r.level, r.count, r.n,
                             None if r.percent is None else float(r.percent), r.suppressed) for r in self.rows],
                           columns=list(BREAKDOWN_COLUMNS))
        for col in ("count", "n"):
            out[col] = pd.array(out[col], dtype="Int64")
        out["percent"] = pd.array(out["percent"], dtype="Float64")
        return out


def breakdown(result: ResponseTables, figure: int, attribute: str) -> Breakdown:
    """Figure ``figure`` by the groups of ``attribute``, every cell a total could reveal hidden."""
    responses = result.responses
    codebook = responses.codebook
    q = codebook.by_figure()[figure]
    attr = codebook.attribute(attribute)
    codes = responses.attribute_codes(attribute, q.unit)
    groups = {label: question_rows(q, responses, within=codes == code) for code, label in attr.options.items()}
    hidden = suppression(q, groups, codebook.minimum)
    rows = []
    for g, (label, group_rows) in enumerate(groups.items()):
        for r, row in enumerate(group_rows):
            cell_hidden = ("cell", g, r) in hidden
            base_hidden = ("base", g, _base_key(q, row)) in hidden
            rows.append(BreakdownRow(label, row.series, row.item, row.level, None if cell_hidden else row.count,
                                     None if base_hidden else row.n, cell_hidden))
    return Breakdown(figure, attr.id, attr.label, codebook.minimum, tuple(rows))


# --------------------------------------------------------------------------- the suppression pattern


def _base_key(q: Question, row: Row) -> tuple[str, str]:
    """Which n a row is a share of: its series' (and, on a rating scale, its item's)."""
    return (row.series, row.item if q.type == RATING else "")


def _adds_up(q: Question, series_label: str) -> bool:
    """Whether the rows of one group's series (rating: of one item) add up to its n."""
    s = next(s for s in q.series if s.label == series_label)
    if s.base == MENTIONS:
        return True
    return s.base == RESPONDENTS and (q.type in (SINGLE, RATING) or s.part == MOST)


def suppression(q: Question, groups: dict[str, list[Row]], minimum: int) -> set[tuple]:
    """The hidden variables: ``("cell", group, row)`` and ``("base", group, base key)``.

    Primary: counts and n under ``minimum`` (a hidden n hides its cells). Then, while some hidden
    variable can be solved from the published sums, the smallest published member of a sum that
    holds it is hidden too. What the figure's own table gives on its own (a row whose total is 0
    has 0 in every group) cannot be hidden by a breakdown and is left as it is.
    """
    cells = {("cell", g, r): row.count for g, rows in enumerate(groups.values()) for r, row in enumerate(rows)}
    bases = {("base", g, _base_key(q, row)): row.n for g, rows in enumerate(groups.values()) for row in rows}
    values = {**cells, **bases}
    equations = _equations(q, groups)
    members: dict[tuple, list[int]] = {}
    for i, eq in enumerate(equations):
        for var in eq:
            members.setdefault(var, []).append(i)
    hidden = {var for var, value in values.items() if value < minimum}
    hidden |= _cells_of_hidden_bases(q, groups, hidden)
    implied = set(fixed(equations, set(values), values))    # what the figure's own table gives by itself
    free: set[tuple] = set()      # hidden and not fixable: stays so as more is hidden
    while True:
        revealed = fixed(equations, hidden, values, settled=implied | free)
        free |= hidden - implied - set(revealed)
        if not revealed:
            return hidden
        var = revealed[0]
        partners = [v for i in members.get(var, []) for v in equations[i] if v not in hidden]
        if not partners:       # only a combination of sums reveals it: hide the smallest published neighbour
            partners = [v for v in values if v not in hidden and v[1] == var[1]] or \
                       [v for v in values if v not in hidden]
        partner = min(partners, key=lambda v: (values[v], v[0] != "cell", v[1:]))
        hidden.add(partner)
        hidden |= _cells_of_hidden_bases(q, groups, hidden)


def _cells_of_hidden_bases(q: Question, groups: dict[str, list[Row]], hidden: set[tuple]) -> set[tuple]:
    """A hidden n hides the shares of its cells, so the cells go too (their count and percent would give n)."""
    return {("cell", g, r) for g, rows in enumerate(groups.values()) for r, row in enumerate(rows)
            if ("base", g, _base_key(q, row)) in hidden}


def _equations(q: Question, groups: dict[str, list[Row]]) -> list[dict[tuple, int]]:
    """Every published sum as {variable: coefficient}; the published totals are constants and left out."""
    equations: list[dict[tuple, int]] = []
    group_rows = list(groups.values())
    for g, rows in enumerate(group_rows):          # a group's options (or levels) add up to its n
        by_base: dict[tuple, list[int]] = {}
        for r, row in enumerate(rows):
            if _adds_up(q, row.series):
                by_base.setdefault(_base_key(q, row), []).append(r)
        for key, rs in by_base.items():
            equations.append({**{("cell", g, r): 1 for r in rs}, ("base", g, key): -1})
    if group_rows:
        for r in range(len(group_rows[0])):        # the groups add up to the figure's own row (written negated,
            equations.append({("cell", g, r): -1 for g in range(len(group_rows))})   # so sums form a network)
        keys = list(dict.fromkeys(_base_key(q, row) for row in group_rows[0]))
        for key in keys:                           # and to its n
            equations.append({("base", g, key): 1 for g in range(len(group_rows))})
    return equations


GROUND = -1


def fixed(equations: list[dict[tuple, int]], hidden: set[tuple], values: dict[tuple, int],
          settled: set[tuple] = frozenset()) -> list[tuple]:
    """The hidden variables that the published sums and ``x ≥ 0`` leave with one possible value (sorted).

    The sums form a network: every variable is in at most two of them, with opposite signs (see
    :func:`_equations`), so it is an arc between two sums (or a sum and a ground node). A hidden
    count can change, all sums kept and no count negative, exactly when it lies on a cycle along
    which every hidden 0 would grow: a path back in the residual graph of the hidden arcs (an arc
    can always grow, and shrink only if its count is positive). Variables in ``settled`` are skipped.
    """
    arcs: list[tuple[int, int, tuple]] = []          # (tail, head, variable): growing the variable runs tail → head
    where: dict[tuple, list[tuple[int, int]]] = {}
    for i, eq in enumerate(equations):
        for var, coef in eq.items():
            if var in hidden:
                where.setdefault(var, []).append((i, coef))
    for var in sorted(where):
        entries = where[var]
        if len(entries) == 1:
            entries.append((GROUND, -entries[0][1]))
        (a, ca), (b, cb) = entries
        if len(entries) != 2 or {ca, cb} != {1, -1}:
            raise ValueError(f"the sums holding {var} are not a network (each variable in two sums, opposite signs)")
        tail, head = (a, b) if ca == -1 else (b, a)
        arcs.append((tail, head, var))
    out: dict[int, list[tuple[int, tuple]]] = {}
    for tail, head, var in arcs:
        out.setdefault(tail, []).append((head, var))
        if values[var] > 0:
            out.setdefault(head, []).append((tail, var))
    result = []
    for tail, head, var in arcs:
        if var in settled:
            continue
        grows = _reaches(out, head, tail, var)
        shrinks = values[var] > 0 and _reaches(out, tail, head, var)
        if not (grows or shrinks):
            result.append(var)
    return sorted(result)


def _reaches(out: dict[int, list[tuple[int, tuple]]], start: int, goal: int, without: tuple) -> bool:
    """Whether ``goal`` can be reached from ``start`` by residual arcs not of variable ``without``."""
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for nxt, var in out.get(node, ()):
            if var != without and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False
