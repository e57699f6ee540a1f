"""Breakdowns with disclosure control (issue 26, item 5).

Every published count and n is at least the minimum, and no hidden count can be worked out from
what is published: an independent audit (an exact simplex written here, not the engine's network
argument) rebuilds the published sums from the breakdown's CSV and the figure's own table and
finds, for every hidden cell, a least and a largest possible value that differ.
"""
from __future__ import annotations

import csv
import io
from fractions import Fraction

import pytest

from src.data.respondents.aggregate import Row, load_responses
from src.data.respondents.codebook import MENTIONS, RATING, RESPONDENTS, SINGLE, Question, Series
from src.data.respondents.disclosure import SUPPRESSED, breakdown, suppression

from conftest import FIXTURES


@pytest.fixture(scope="module")
def result():
    tables, problems = load_responses(FIXTURES / "responses")
    assert problems == []
    return tables


def published(result, figure: int) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(breakdown(result, figure, "kind").csv_bytes().decode("utf-8"))))


def adds_up(q: Question, series: str) -> bool:
    s = next(s for s in q.series if s.label == series)
    return s.base == MENTIONS or (s.base == RESPONDENTS and (q.type in (SINGLE, RATING) or s.part == "most"))


def audit(q: Question, rows: list[dict[str, str]], totals: list[Row]) -> list[str]:
    """The hidden cells (or n) that the published numbers pin to one value (empty: none)."""
    groups = list(dict.fromkeys(r["group"] for r in rows))
    per_group = len(totals)
    unknown: dict[str, None] = {}
    equations: list[tuple[list[str], int]] = []        # (unknowns, published total minus published members)

    def term(name: str, value: str):
        if value == "":
            unknown[name] = None
            return name, 0
        return None, int(value)

    cell = {}
    base = {}
    for g, group in enumerate(groups):
        for r in range(per_group):
            row = rows[g * per_group + r]
            cell[g, r] = term(f"x{g},{r}", row["count"])
            key = (row["series"], row["item"] if q.type == RATING else "")
            base[g, key] = term(f"n{g},{key}", row["n"])
    for g in range(len(groups)):
        by_key: dict[tuple, list[int]] = {}
        for r, total in enumerate(totals):
            if adds_up(q, total.series):
                by_key.setdefault((total.series, total.item if q.type == RATING else ""), []).append(r)
        for key, rs in by_key.items():
            names = [cell[g, r][0] for r in rs if cell[g, r][0]]
            known = sum(cell[g, r][1] for r in rs)
            bname, bvalue = base[g, key]
            if bname:      # Σ cells − n = 0: n moves to the left as an unknown with coefficient −1
                equations.append((names + ["-" + bname], -known))
            else:
                equations.append((names, bvalue - known))
    for r, total in enumerate(totals):
        names = [cell[g, r][0] for g in range(len(groups)) if cell[g, r][0]]
        equations.append((names, total.count - sum(cell[g, r][1] for g in range(len(groups)))))
    for key in dict.fromkeys((t.series, t.item if q.type == RATING else "") for t in totals):
        n = next(t.n for t in totals if (t.series, t.item if q.type == RATING else "") == key)
        names = [base[g, key][0] for g in range(len(groups)) if base[g, key][0]]
        equations.append((names, n - sum(base[g, key][1] for g in range(len(groups)))))
    variables = list(unknown)
    matrix, rhs = [], []
    for names, total in equations:
        row = [Fraction(0)] * len(variables)
        for v in names:
            name, sign = (v[1:], -1) if v.startswith("-") else (v, 1)
            row[variables.index(name)] += sign
        matrix.append(row)
        rhs.append(Fraction(total))
    pinned, seen = [], []            # seen: optimal tables found so far (a cell differing among them is free)
    for j, v in enumerate(variables):
        if len({x[j] for x in seen}) > 1:
            continue
        unit = [Fraction(int(k == j)) for k in range(len(variables))]
        low, x_low = simplex_max([-c for c in unit], matrix, rhs)
        high, x_high = simplex_max(unit, matrix, rhs)
        seen += [x_low, x_high]
        if high + low < 1:            # the sums are totally unimodular: LP bounds are whole numbers
            pinned.append(v)
    return pinned


def simplex_max(objective: list[Fraction], matrix: list[list[Fraction]],
                rhs: list[Fraction]) -> tuple[Fraction, list[Fraction]]:
    """max objective·x subject to matrix·x = rhs, x ≥ 0, and an optimal x — two-phase simplex in exact
    fractions (Bland's rule)."""
    rows = [(r, b) if b >= 0 else ([-a for a in r], -b) for r, b in zip(matrix, rhs)]
    m, n = len(rows), len(objective)
    tableau = [list(r) + [Fraction(int(i == k)) for k in range(m)] + [b] for i, (r, b) in enumerate(rows)]
    basis = [n + i for i in range(m)]

    def pivot(row: int, col: int) -> None:
        value = tableau[row][col]
        tableau[row] = [a / value for a in tableau[row]]
        for i in range(m):
            if i != row and tableau[i][col]:
                factor = tableau[i][col]
                tableau[i] = [a - factor * b for a, b in zip(tableau[i], tableau[row])]
        basis[row] = col

    def optimise(cost: list[Fraction], allowed: int) -> None:
        while True:
            reduced = [cost[j] - sum(cost[basis[i]] * tableau[i][j] for i in range(m)) for j in range(allowed)]
            entering = next((j for j in range(allowed) if reduced[j] > 0), None)
            if entering is None:
                return
            ratios = [(tableau[i][-1] / tableau[i][entering], basis[i], i) for i in range(m) if tableau[i][entering] > 0]
            assert ratios, "unbounded: the published sums bound every count"
            pivot(min(ratios)[2], entering)

    optimise([Fraction(0)] * n + [Fraction(-1)] * m, n + m)        # phase 1: drive the artificials out
    assert all(tableau[i][-1] == 0 for i in range(m) if basis[i] >= n), "infeasible: no table fits what is published"
    for i in range(m):
        if basis[i] >= n:
            col = next((j for j in range(n) if tableau[i][j] != 0), None)
            if col is not None:
                pivot(i, col)
    cost = list(objective) + [Fraction(0)] * m
    for i in range(m):                                               # redundant rows keep an artificial at 0
        if basis[i] >= n:
            tableau[i] = [a if j < n or j == len(tableau[i]) - 1 else Fraction(0) for j, a in enumerate(tableau[i])]
    optimise(cost, n)
    x = [Fraction(0)] * n
    for i in range(m):
        if basis[i] < n:
            x[basis[i]] = tableau[i][-1]
    return sum(o * v for o, v in zip(objective, x)), x


@pytest.mark.parametrize("figure", [1, 3, 4, 11, 12, 13, 14, 15, 16])
def test_no_published_count_or_n_is_under_the_minimum(result, figure):
    rows = published(result, figure)
    assert rows and all(r["count"] == "" or int(r["count"]) >= 10 for r in rows)
    assert all(r["n"] == "" or int(r["n"]) >= 10 for r in rows)
    assert all((r["suppressed"] == SUPPRESSED) == (r["count"] == "" and r["percent"] == "") for r in rows)
    counts = [int(r["count"]) for r in rows if r["count"]]
    assert counts, "nothing left to show: the test would prove nothing"


@pytest.mark.parametrize("figure", [1, 3, 4, 11, 12, 15])
def test_no_hidden_cell_can_be_worked_out_from_what_is_published(result, figure):
    q = result.responses.codebook.by_figure()[figure]
    assert audit(q, published(result, figure), list(result.tables[figure].rows)) == []


def test_the_audit_catches_a_cell_a_total_reveals(result):
    q = result.responses.codebook.by_figure()[1]
    rows = published(result, 1)
    hidden = [i for i, r in enumerate(rows) if r["suppressed"]]
    true = {i: c for i, c in enumerate(breakdown_counts(result, 1))}
    leaked = [dict(r) for r in rows]
    for i in hidden[1:]:                  # publish all hidden cells but one: the totals give the last
        leaked[i]["count"] = str(true[i])
    assert audit(q, leaked, list(result.tables[1].rows)) != []


def breakdown_counts(result, figure: int) -> list[int]:
    """The true counts per group and row, counted here from the responses directly."""
    responses = result.responses
    q = responses.codebook.by_figure()[figure]
    table = responses.tables[q.unit]
    kinds = table.codes["kind"]
    out = []
    for code in responses.codebook.attribute("kind").options:
        values = table.codes[q.series[0].column]
        out += [int(((kinds == code) & (values == option)).sum()) for option in q.options]
    return out


def single(label: str, counts: list[int]) -> list[Row]:
    return [Row("", f"選択肢{i}", "", c, sum(counts)) for i, c in enumerate(counts, start=1)]


QUESTION = Question("q", SINGLE, "institutions", 1, {1: "選択肢1", 2: "選択肢2", 3: "選択肢3"}, {}, {},
                    (Series("", "q", RESPONDENTS),))


def test_one_small_cell_brings_a_partner_in_its_group_and_in_its_row():
    groups = {"A": single("A", [12, 3, 15]), "B": single("B", [20, 25, 11]), "C": single("C", [30, 40, 50])}
    hidden = suppression(QUESTION, groups, 10)
    cells = {(g, r) for kind, g, r in hidden if kind == "cell"}
    assert (0, 1) in cells                                     # primary: 3 < 10
    assert any((0, r) in cells for r in (0, 2))                # its group adds up to n = 30
    assert any((g, 1) in cells for g in (1, 2))                # its row adds up to the figure's 68
    totals = [Row("", f"選択肢{i}", "", c, 206) for i, c in enumerate([62, 68, 76], start=1)]
    assert sum(sum(r.count for r in g) for g in groups.values()) == 206
    rows = [{"group": g, "series": "", "item": row.item, "level": "",
             "count": "" if ("cell", gi, r) in hidden else str(row.count),
             "n": "" if ("base", gi, ("", "")) in hidden else str(row.n)}
            for gi, (g, group) in enumerate(groups.items()) for r, row in enumerate(group)]
    assert audit(QUESTION, rows, totals) == []


def test_a_zero_forced_by_its_sum_is_protected():
    # group A: 14 of 14 chose option 1, so options 2 and 3 (0 and 0, both hidden) would follow from n = 14
    groups = {"A": single("A", [14, 0, 0]), "B": single("B", [20, 25, 11]), "C": single("C", [30, 40, 50])}
    hidden = suppression(QUESTION, groups, 10)
    assert ("cell", 0, 0) in hidden or ("base", 0, ("", "")) in hidden


def test_a_small_group_is_hidden_whole():
    groups = {"A": single("A", [4, 3, 2]), "B": single("B", [20, 25, 11]), "C": single("C", [30, 40, 50])}
    hidden = suppression(QUESTION, groups, 10)
    assert {("cell", 0, r) for r in range(3)} | {("base", 0, ("", ""))} <= hidden
    assert any(v[1] != 0 and v[0] == "base" for v in hidden)   # another group's n too: the n add up to 206


def test_multiple_choice_needs_no_partner_within_a_group_but_one_across_groups():
    q = Question("m", "multiple_choice", "institutions", 1, {1: "選択肢1", 2: "選択肢2"}, {}, {},
                 (Series("", "m", RESPONDENTS),))
    groups = {"A": [Row("", "選択肢1", "", 3, 40), Row("", "選択肢2", "", 30, 40)],
              "B": [Row("", "選択肢1", "", 20, 50), Row("", "選択肢2", "", 25, 50)]}
    hidden = suppression(q, groups, 10)
    assert ("cell", 0, 1) not in hidden                       # options do not add up to n
    assert ("cell", 1, 0) in hidden                           # but the groups add up to the figure's 23


def test_breakdown_output_carries_no_id_and_marks_hidden_cells(result):
    text = breakdown(result, 12, "kind").csv_bytes().decode("utf-8")
    assert text.splitlines()[0] == "group,series,item,level,count,n,percent,suppressed"
    assert ",x\n" in text and "I0" not in text
