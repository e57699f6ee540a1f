"""Checking every answer against the codebook before anything is computed: every problem at once.

The rules (data/README.md, 回答ファイル): ids present and unique; projects point at a known
institution that may have projects, at most ``max_per_institution`` each; every declared
attribute present and one of its codes; every answer one of its question's codes (multiple
choice: 1 chosen, 0 or empty not chosen); no answer from a respondent the question's filter
excludes; at most ``max_choices`` chosen; an exclusive option chosen alone; the most important
one among the chosen; value labels of .sav/.dta files equal to the codebook's labels (or those
cut at SPSS's 120 bytes).

A problem names the file, the row and the column — never the cell's content (ids included):
error messages reach pages and logs, response rows must not. Each rule reports at most
:data:`SHOWN` rows per column and then how many more there are.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from src.data.files import Problem

from src.data.respondents.codebook import (INSTITUTIONS, MOST, PROJECTS, RANKED, RATING, SINGLE, Codebook, Question,
                                           read_codebook)
from src.data.respondents.responses import ResponseProblem, ResponseTable, read_response_file

#: Rows shown per column and rule; the rest are counted in one more problem.
SHOWN = 10


@dataclass
class Responses:
    """Checked responses: the codes of every file, who was asked each question, and each attribute's groups."""

    codebook: Codebook
    tables: dict[str, ResponseTable]               # unit → its file
    asked: dict[str, np.ndarray]                   # question id → bool per row of its unit
    institution_of_project: np.ndarray | None = None   # projects: row index of the institution

    def attribute_codes(self, attribute: str, unit: str) -> np.ndarray:
        """The attribute's code for each row of ``unit`` (a project takes its institution's)."""
        attr = self.codebook.attribute(attribute)
        codes = self.tables[INSTITUTIONS].codes[attr.column]
        return codes if unit == INSTITUTIONS else codes[self.institution_of_project]


def read_responses(directory: Path | str) -> tuple[Responses | None, list[Problem]]:
    """The checked responses of ``directory``; (None, []) without a codebook; (None, problems) when any is wrong."""
    codebook, problems = read_codebook(directory)
    if codebook is None:
        return None, problems
    tables: dict[str, ResponseTable] = {}
    for name, unit in codebook.units.items():
        columns = [c for q in codebook.questions if q.unit == name for c in q.columns()]
        if name == INSTITUTIONS:
            columns = [a.column for a in codebook.attributes] + columns
        table, file_problems = read_response_file(directory, unit.path, name, unit.id, columns, unit.sheet,
                                                  link=unit.institution)
        problems += file_problems
        if table is not None:
            tables[name] = table
    if problems:
        return None, problems
    return check_answers(codebook, tables)


def check_answers(codebook: Codebook, tables: dict[str, ResponseTable]) -> tuple[Responses | None, list[Problem]]:
    """Every rule of this module on files already read; (Responses, []) when all hold."""
    problems: list[Problem] = []
    institutions = tables[INSTITUTIONS]
    problems += _id_problems(institutions)
    problems += _label_problems(codebook, tables)
    for attr in codebook.attributes:
        codes = institutions.codes[attr.column]
        problems += _not_code_problems(institutions, attr.column)
        problems += _rows(institutions, np.isnan(codes) & ~_marked(institutions, attr.column), attr.column,
                          f"the attribute {attr.label} ({attr.id}) is missing",
                          "every institution needs it for the breakdowns: fill in its code "
                          f"({_codes_text(attr.options)})")
        problems += _rows(institutions, ~np.isnan(codes) & ~np.isin(codes, list(attr.options)), attr.column,
                          f"is not a code of the attribute {attr.label}", f"use one of {_codes_text(attr.options)}")
    responses = Responses(codebook, tables, {})
    if PROJECTS in tables:
        problems += _project_problems(codebook, tables, responses)
    for q in codebook.questions:
        table = tables[q.unit]
        for column in q.columns():
            problems += _not_code_problems(table, column)
        asked = _filter_mask(codebook, tables, q.asked, q.unit)
        responses.asked[q.id] = asked
        problems += _question_problems(q, table, asked)
    return (None, problems) if problems else (responses, [])


# --------------------------------------------------------------------------- helpers


def _rows(table: ResponseTable, mask: np.ndarray, column: str | None, message: str, fix: str) -> list[Problem]:
    """One problem per flagged row (at most SHOWN), then one counting the rest."""
    where = np.flatnonzero(mask)
    out: list[Problem] = [ResponseProblem(table.name, message, fix, int(table.rows[i]), column, table.row_word)
                          for i in where[:SHOWN]]
    if len(where) > SHOWN:
        out.append(ResponseProblem(table.name, f"{len(where) - SHOWN:,} more {table.row_word}s have the same problem "
                                   f"({message})", fix, None, column, table.row_word))
    return out


def _marked(table: ResponseTable, column: str) -> np.ndarray:
    """Cells of ``column`` already reported as no code (so they are not reported twice)."""
    mask = np.zeros(len(table), dtype=bool)
    mask[table.not_codes.get(column, [])] = True
    return mask


def _not_code_problems(table: ResponseTable, column: str) -> list[Problem]:
    return _rows(table, _marked(table, column), column, "is not a whole-number code (text, a fraction or a negative "
                 "number)", "write the answer's code as codebook.yml lists it, or leave the cell empty")


def _codes_text(codes: dict[int, str]) -> str:
    shown = ", ".join(f"{c} {label}" for c, label in list(codes.items())[:6])
    return shown + (", …" if len(codes) > 6 else "")


def _id_problems(table: ResponseTable) -> list[Problem]:
    """Each row has an id, and no id is used twice (the row of the first use is named, never the id)."""
    ids = np.array(table.ids, dtype=object)
    problems = _rows(table, ids == "", None, "the id is empty", "give every row its own id")
    first: dict[str, int] = {}
    duplicate = np.zeros(len(ids), dtype=bool)
    earlier = np.zeros(len(ids), dtype=np.int64)
    for i, ident in enumerate(table.ids):
        if not ident:
            continue
        if ident in first:
            duplicate[i], earlier[i] = True, table.rows[first[ident]]
        else:
            first[ident] = i
    for i in np.flatnonzero(duplicate)[:SHOWN]:
        problems.append(ResponseProblem(table.name, f"the id is the same as on {table.row_word} {earlier[i]}",
                                        "give every row its own id (remove a repeated row)", int(table.rows[i]),
                                        None, table.row_word))
    if duplicate.sum() > SHOWN:
        problems.append(ResponseProblem(table.name, f"{int(duplicate.sum()) - SHOWN:,} more rows repeat an id",
                                        "give every row its own id", None, None, table.row_word))
    return problems


def _project_problems(codebook: Codebook, tables: dict[str, ResponseTable], responses: Responses) -> list[Problem]:
    """Projects: own ids, a known institution that may have projects, at most max_per_institution each."""
    unit = codebook.units[PROJECTS]
    projects, institutions = tables[PROJECTS], tables[INSTITUTIONS]
    problems = _id_problems(projects)
    index = {ident: i for i, ident in enumerate(institutions.ids) if ident}
    position = np.array([index.get(link, -1) for link in projects.links], dtype=np.int64)
    problems += _rows(projects, position < 0, unit.institution, "points at no institution of "
                      f"{institutions.name}", f"write the id of an institution listed in {institutions.name}")
    known = position >= 0
    if unit.asked:
        allowed = _filter_mask(codebook, tables, unit.asked, INSTITUTIONS)
        problems += _rows(projects, known & ~allowed[np.where(known, position, 0)], unit.institution,
                          "belongs to an institution that was not asked about projects (codebook.yml: units.projects.asked)",
                          "check the institution's id, or its answer to the question the filter names")
    if unit.max_per_institution:
        seen = np.zeros(len(institutions), dtype=np.int64)
        over = np.zeros(len(projects), dtype=bool)
        for i, pos in enumerate(position):
            if pos >= 0:
                seen[pos] += 1
                over[i] = seen[pos] > unit.max_per_institution
        problems += _rows(projects, over, unit.institution, f"is one project too many for its institution (at most "
                          f"{unit.max_per_institution} each)", "keep the institution's projects the survey asked for")
    responses.institution_of_project = np.where(known, position, 0)
    return problems


def _link_ids(projects: ResponseTable, column: str) -> list[str]:
    return projects.link_ids if hasattr(projects, "link_ids") else []


def _filter_mask(codebook: Codebook, tables: dict[str, ResponseTable], asked: dict[str, tuple[int, ...]],
                 unit: str) -> np.ndarray:
    """Rows of ``unit`` that every condition of the filter lets through (a missing earlier answer: not asked)."""
    table = tables[unit]
    mask = np.ones(len(table), dtype=bool)
    for ident, codes in asked.items():
        if any(a.id == ident for a in codebook.attributes):
            values = tables[INSTITUTIONS].codes[codebook.attribute(ident).column]
            mask &= np.isin(values, codes)
            continue
        q = codebook.question(ident)
        if q.type == SINGLE:
            mask &= np.isin(tables[q.unit].codes[q.series[0].column], codes)
        else:      # multiple choice: any of the codes chosen
            columns = q.option_columns(q.series[0])
            mask &= np.any([tables[q.unit].codes[columns[c]] == 1 for c in codes], axis=0)
    return mask


def _question_problems(q: Question, table: ResponseTable, asked: np.ndarray) -> list[Problem]:
    """Codes, filter, choice limits, exclusive options and the most important one, for one question."""
    problems: list[Problem] = []
    fix_filter = (f"the codebook asks '{q.id}' only of " + ", ".join(f"{k} = {list(v)}" for k, v in q.asked.items())
                  + ": remove the answer, or correct the earlier answer")
    for s in q.series:
        if q.type == SINGLE or s.part == MOST:
            column = s.column if q.type == SINGLE else q.most_column(s)
            values = table.codes[column]
            problems += _rows(table, ~np.isnan(values) & ~np.isin(values, list(q.options)), column,
                              f"is not an option of {q.id}", f"use one of {_codes_text(q.options)}")
            problems += _rows(table, ~np.isnan(values) & ~asked, column, "answers a question this respondent was not "
                              "asked", fix_filter)
            continue
        columns = q.option_columns(s)
        valid = list(q.levels) if q.type == RATING else [0, 1]
        for code, column in columns.items():
            values = table.codes[column]
            what = f"is not a level of {q.id}" if q.type == RATING else "is neither 1 (chosen) nor 0 (not chosen)"
            fix = f"use one of {_codes_text(q.levels)}" if q.type == RATING else "write 1 if chosen, else 0 or nothing"
            problems += _rows(table, ~np.isnan(values) & ~np.isin(values, valid), column, what, fix)
            answered = ~np.isnan(values) if q.type == RATING else values == 1
            problems += _rows(table, answered & ~asked, column, "answers a question this respondent was not asked",
                              fix_filter)
        if q.type == RATING:
            continue
        chosen = np.sum([table.codes[c] == 1 for c in columns.values()], axis=0)
        first = next(iter(columns.values()))
        if q.max_choices:
            problems += _rows(table, chosen > q.max_choices, first, f"more than {q.max_choices} options of {q.id} are "
                              "chosen", f"keep at most {q.max_choices} (codebook.yml: max_choices)")
        for code in q.exclusive:
            alone = table.codes[columns[code]] == 1
            problems += _rows(table, alone & (chosen > 1), columns[code], f"option {code} ({q.options[code]}) excludes "
                              "the others, but others are chosen too", "keep either this option or the others")
    if q.type == RANKED:
        most_series = next(s for s in q.series if s.part == MOST)
        top_series = next(s for s in q.series if s.part != MOST)
        most = table.codes[q.most_column(most_series)]
        columns = q.option_columns(top_series)
        among = np.zeros(len(table), dtype=bool)
        for code, column in columns.items():
            among |= (most == code) & (table.codes[column] == 1)
        problems += _rows(table, ~np.isnan(most) & np.isin(most, list(q.options)) & ~among, q.most_column(most_series),
                          "the most important option is not among the chosen ones",
                          f"mark it as chosen too ({top_series.column}_<code> = 1), or correct the most important one")
    return problems


def _label_problems(codebook: Codebook, tables: dict[str, ResponseTable]) -> list[Problem]:
    """Value labels a .sav/.dta file carries must be the codebook's labels of the same codes."""
    expected: dict[tuple[str, str], dict[int, str]] = {}
    for attr in codebook.attributes:
        expected[(INSTITUTIONS, attr.column)] = attr.options
    for q in codebook.questions:
        for s in q.series:
            if q.type == SINGLE:
                expected[(q.unit, s.column)] = q.options
            elif s.part == MOST:
                expected[(q.unit, q.most_column(s))] = q.options
            elif q.type == RATING:
                for column in q.option_columns(s).values():
                    expected[(q.unit, column)] = q.levels
    problems: list[Problem] = []
    for (unit, column), codes in expected.items():
        table = tables.get(unit)
        for code, label in (table.value_labels.get(column, {}) if table else {}).items():
            if code not in codes:
                problems.append(Problem(table.name, f"the value label of code {code} ('{label[:60]}') is no option of "
                                        "the codebook", f"use the codebook's codes: {_codes_text(codes)}",
                                        field=column))
            elif label.strip() != codes[code] and not _cut_by_spss(label, codes[code]):
                problems.append(Problem(table.name, f"code {code} is labelled '{label[:60]}' in the file but "
                                        f"'{codes[code]}' in codebook.yml", "check that the file and the codebook use "
                                        "the same codes; then make the labels equal", field=column))
    return problems


#: SPSS keeps at most 120 bytes of a value label: a longer codebook label arrives cut there.
SPSS_LABEL_BYTES = 120


def _cut_by_spss(label: str, expected: str) -> bool:
    """Whether ``label`` is ``expected`` cut at SPSS's value-label limit (a UTF-8 character never split)."""
    size = len(label.encode("utf-8"))
    return expected.startswith(label) and size > SPSS_LABEL_BYTES - 4 and len(expected.encode("utf-8")) > size


__all__ = ["Responses", "read_responses", "check_answers", "SHOWN"]
