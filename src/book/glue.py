"""What the chapters call: open the data and glue the facts a chapter states into its prose.

This module's own job is the facts of the survey and its figures as the prose states them: an
answer and its share (``glue_item``), a ranking, n, a comparison that follows the data, the
report's prose facts, the response rate, the international shares, and the notes on a figure's
base or its unknown values.  It is also the one place chapters import from: ``__all__`` lists
the helpers meant for them, including those of the modules it builds on (gluing a value in both
editions: src/book/text.py; the report and its citations: src/book/sources.py; a figure on the
page: src/book/figure_notes.py; the book's title and glossary: src/book/settings.py; numbers with
their provenance: src/book/provenance.py; appendix tables: src/book/appendix.py).  Numbers in the
prose are never typed: they are computed from the data and inserted with myst-nb ``glue``
(``{glue:text}`name```).

A chapter runs once for both editions (src/base/i18n.py): every glue helper glues the
Japanese and the English value under the same name, and what a chapter shows is emitted
per edition; the staging keeps each edition's own.
"""
from __future__ import annotations

import re

from pathlib import Path

from myst_nb import glue

from src.base.i18n import Editions, tr, use_translations
from src.book import claims
from src.book.appendix import AUDIT_COLUMNS, FINDING_COLUMNS, findings_html, resources_html, table_html, versions_table
from src.book.figure_notes import figure_caption, glue_chart, show_figure
from src.book.provenance import (Number, base_of, caption_n, cell, cells, counted, half_unit, largest, plus_one,
                                 prose_fact, rule, share_of, smallest, survey_fact, unknown_cells)
from src.book.settings import edition_settings, edition_title, glossary_table
from src.book.sources import (errata_note, figures_text, glue_missing_figures, glue_report, report_citation,
                              report_source, source_note)
from src.book.text import (UNKNOWN, Part, fmt_count, fmt_date, fmt_month, glue_by_edition, glue_count, glue_month,
                           glue_percent, glue_sentence, glue_text, is_missing)
from src.data.figures import figure_name, figure_spec
from src.data.package import Survey, load_survey
from src.data.shares import fmt_percent, ranked, rating_ranking, round_half_up, share

__all__ = [
    # data and formatting
    "glue", "open_survey", "share", "fmt_percent", "fmt_count", "fmt_month", "fmt_date",
    # glue for the prose
    "glue_text", "glue_by_edition", "glue_sentence", "glue_percent", "glue_count", "glue_n", "glue_item", "glue_ranking", "glue_comparison",
    "glue_prose_facts", "reported_fact", "ranked", "rating_ranking", "unknown_note", "base_note", "check_claims",
    "glue_international_shares", "glue_response_rate",
    # numbers with their provenance (src/book/provenance.py), for glue_percent / glue_count
    "survey_fact", "counted", "rule", "half_unit", "smallest", "largest", "plus_one",
    # figures
    "show_figure", "glue_chart", "figure_caption", "figure_name", "glossary_table", "edition_title", "edition_settings",
    "glue_month", "glue_base_note", "Editions", "tr",
    # the report (package sources)
    "report_source", "report_citation", "glue_report", "source_note", "errata_note", "glue_missing_figures", "figures_text",
    # appendices (src/book/appendix.py)
    "table_html", "AUDIT_COLUMNS", "FINDING_COLUMNS", "findings_html", "resources_html", "versions_table",
]


def open_survey(data_dir: str | Path) -> Survey:
    """Open the data directory a chapter was given and use its label translations (src/base/i18n.py)."""
    survey = load_survey(data_dir)
    use_translations(survey.translations)
    return survey


# --------------------------------------------------------------------------- facts for the prose


_RANKING_NAME = re.compile(r"_top([1-9]\d*)_(item|pct|count)\Z")
_ITEM_NAME = re.compile(r"_(item|pct)\Z")


def _fields(names: tuple[str, ...], pattern: re.Pattern, helper: str, shape: str) -> list[re.Match]:
    """The parts of each literal glue name (``fig03_top1_pct`` → place 1, pct); a name of another shape is an error."""
    found = [pattern.search(name) for name in names]
    wrong = [name for name, match in zip(names, found) if match is None]
    if wrong:
        raise ValueError(f"{helper}: {', '.join(wrong)} is not a name it glues; write them as {shape}")
    return found


def glue_ranking(table, *names: str, series: str | None = None, ties: tuple[tuple[int, ...], ...] = ()):
    """Glue the leading answers of ``table`` under the names the prose uses; returns those rows.

    Each name is written out in full where it is glued, so a search for a name in the prose finds
    this call: ``…_top{place}_item`` is the answer at that place, ``…_pct`` its share, ``…_count``
    its count.  The sentence states the order of the places it names: ``ties`` declares those it
    states as tied (e.g. ``((1, 2),)``), and the build stops when the data ties other places, or
    not those (:func:`src.book.claims.check_ranking_ties`).
    """
    fields = _fields(names, _RANKING_NAME, "glue_ranking", "…_top1_item, …_top1_pct or …_top1_count")
    top = max(int(match[1]) for match in fields)
    everything = ranked(table, series)
    if len(everything) < top:
        raise LookupError(f"glue_ranking: {', '.join(names)} name place {top}, but the table ranks "
                          f"{len(everything)} answers")
    claims.check_ranking_ties(", ".join(names), everything, top, ties)
    rows = everything.head(top)
    for name, match in zip(names, fields):
        index = rows.index[int(match[1]) - 1]
        if match[2] == "item":
            glue_text(name, rows.loc[index, "item"])
        elif match[2] == "pct":
            glue_percent(name, cell(rows, index, "percent"))
        else:
            glue_count(name, cell(rows, index, "count"))
    return rows


def glue_item(table, contains: str, *names: str, series: str | None = None):
    """Glue the one answer whose label contains ``contains``: ``…_item`` its label, ``…_pct`` its share
    (names written out in full); returns its row."""
    fields = _fields(names, _ITEM_NAME, "glue_item", "…_item or …_pct")
    rows = table if series is None else table[table["series"] == series]
    match = rows[rows["item"].str.contains(contains, regex=False)]
    if len(match) != 1:
        raise LookupError(f"expected one answer containing '{contains}', found {len(match)}: {match['item'].tolist()}")
    row = match.iloc[0]
    for name, field in zip(names, fields):
        if field[1] == "item":
            glue_text(name, row["item"])
        elif not is_missing(row["percent"]):
            glue_percent(name, cell(match, row.name, "percent"))
        else:
            glue_by_edition(name, lambda lang: UNKNOWN[lang])
    return row


def glue_n(key: str, table, series: str | None = None) -> int:
    """Glue the base n of a figure (or one of its series); returns it."""
    rows = table if series is None else table[table["series"] == series]
    n = cell(rows, rows.index[0], "n")
    glue_count(key, n)
    return int(n.value)


#: Said where the prose describes a figure whose values the data lacks (the figure's place has the longer note).
_VALUES_NOT_IN_DATA = {
    "ja": "この設問の値は、このサイトのデータには含まれていません（図の位置の注を参照）。",
    "en": "Its values are not in this site’s data (see the note where the figure would be).",
}


def glue_prose_facts(survey: Survey, number: int, *names: str) -> list[dict]:
    """Glue what the report's text says about a figure without a table, under the names the prose uses.

    The names are written out in full: ``{fact id}_item`` (the answer a fact names) and ``{fact id}_pct``
    (its share), the ids being those of the figure's ``prose_facts`` in datapackage.json;
    ``figNN_n`` (the caption's n) and ``figNN_values_note`` (the sentence that the figure's values are
    not in this site's data, empty once a table is supplied).  With a table, the facts must agree with
    it (:func:`src.book.claims.check_prose_facts`).  Returns the facts.
    """
    res = survey.resource(number)
    stem = figure_spec(number).stem
    claims.check_prose_facts(survey, number)
    facts = res.prose_facts
    by_name = {f"{fact['id']}_{field}": (fact, field) for fact in facts for field in ("item", "pct")}
    unknown = [name for name in names if name not in {*by_name, f"{stem}_n", f"{stem}_values_note"}]
    if unknown:
        raise LookupError(f"figure {number} has no fact to glue as {', '.join(unknown)} (its facts: "
                          f"{', '.join(fact['id'] for fact in facts)})")
    for name in names:
        if name == f"{stem}_n":
            glue_count(name, caption_n(number, res.n.get("")))
        elif name == f"{stem}_values_note":
            glue_by_edition(name, lambda lang: "" if res.published else _VALUES_NOT_IN_DATA[lang])
        else:
            fact, field = by_name[name]
            if field == "item" and fact.get("item"):
                glue_text(name, fact["item"])
            elif field == "pct" and fact.get("percent") is not None:
                glue_percent(name, prose_fact(number, fact))
            else:
                raise LookupError(f"fact {fact['id']} of figure {number} states no {'answer' if field == 'item' else 'share'}")
    return facts


def glue_response_rate(survey: Survey) -> Number:
    """Glue ``population``, ``responses`` (the report's survey facts) and ``response_rate`` (this site's
    responses ÷ population); returns the rate."""
    population = survey_fact(survey.facts, "population")
    responses = survey_fact(survey.facts, "responses")
    glue_count("population", population)
    glue_count("responses", responses)
    rate = share_of(responses.inputs, population.inputs)
    glue_percent("response_rate", rate)
    return rate


def glue_international_shares(survey: Survey) -> dict[str, Number]:
    """Glue figure 1's institutions doing international collaboration (``intl_count``), doing any
    (``any_count``), and their share among respondents (``intl_share``) and among collaborators
    (``intl_share_of_collaborators``), each with the rows it adds up (audit.international_shares' arithmetic)."""
    from src.book.audit_prose import international_numbers

    numbers = international_numbers(survey)
    if numbers is None:
        raise LookupError("figure 1 lacks the counts of its international and domestic-only answers")
    for name, number in numbers.items():
        (glue_percent if number.percent else glue_count)(name, number)
    return numbers


def reported_fact(survey: Survey, ident: str) -> dict:
    """A number the report's prose states (``reported_in_prose`` in datapackage.json)."""
    fact = survey.reported(ident)
    if fact is None:
        raise KeyError(f"datapackage.json has no reported_in_prose entry with id '{ident}'")
    return fact


def base_note(survey: Survey, number: int, lang: str = "ja") -> list[Part]:
    """A sentence on the denominator of a figure's percentages, from the audit (this site's own check), as
    text and numbers (:func:`glue_sentence`): the caption's n as the report prints it, and the base(s) that
    reproduce every percentage as this site found them, each with its panel."""
    from src.book.audit import base_explanations, base_rows, fitting_bases, stated_n

    rows = base_explanations(survey, figures=[number])
    if rows.empty:
        return [("この図の割合は、このサイトがキャプションのnから計算し直した値とすべて一致します" if lang == "ja" else
                 "every percentage of this figure equals the value this site recomputes from the caption’s n")]
    series = str(rows.iloc[0]["series"] or "")
    group = base_rows(survey, number, series)
    printed = stated_n(survey, number, group)
    bases = [base_of(group, b) for b in fitting_bases(group)[:5]]
    if not bases:
        if lang == "ja":
            return ["このサイトの検算では、この図の割合はキャプションのn=", printed, "でもほかの単一の母数でも再現できません"]
        return ["in this site’s check, the percentages of this figure cannot be reproduced from the caption’s n=", printed,
                " or from any other single base"]
    fits: list[Part] = []
    for i, base in enumerate(bases):
        if i:
            fits.append("、" if lang == "ja" else " or ")
        fits += ["n=", base]
    if lang == "ja":
        return ["このサイトの検算では、この図の割合はキャプションのn=", printed, "ではなく", *fits, "で割った値と全項目で一致します"]
    return ["in this site’s check, every percentage of this figure equals the count divided by ", *fits,
            ", not by the caption’s n=", printed]


def glue_base_note(name: str, survey: Survey, number: int) -> str:
    """Glue :func:`base_note` for each edition, its numbers with their panels; returns the Japanese."""
    return glue_sentence(name, lambda lang: base_note(survey, number, lang))


def unknown_note(table, series: str | None = None, lang: str = "ja") -> list[Part]:
    """A sentence saying how many values the summary leaves undetermined (nothing when none), as text and
    the count with its panel (the rows it counts): glue it with ``glue_by_edition`` or ``glue_sentence``."""
    rows = table if series is None else table[table["series"] == series]
    unknown = unknown_cells(rows)
    if not unknown:
        return []
    missing = counted(len(unknown), "unknown", unknown)
    if lang != "ja":
        where = f" of “{tr(series, lang)}”" if series else ""
        values = "value" if len(unknown) == 1 else "values"
        return ["The printed summary does not determine ", missing, f" {values}{where}; the chart and the table show them "
                "as “unknown” (see the table’s note and the data appendix)."]
    where = f"「{series}」の" if series else ""
    return [f"なお、{where}", missing, "項目の値は概要の印字からは決められないため、図と表では「不明」としています"
            "（表の注とデータの付録を参照）。"]


def glue_comparison(name: str, a, b, higher: str, lower: str, same: str = "と同じです",
                    en: tuple[str, str, str] = ("higher than", "lower than", "the same as")) -> str:
    """Glue the phrase that is true of a compared with b, so a comparison in the prose follows the data.

    ``en`` gives the English phrases (higher, lower, same) for the English edition.
    """
    if is_missing(a) or is_missing(b):
        raise ValueError(f"cannot compare for '{name}': a value is unknown ({a}, {b})")
    a, b = round_half_up(a), round_half_up(b)
    pick = 0 if a > b else 1 if a < b else 2
    return glue_text(name, (higher, lower, same)[pick], en=en[pick])


def check_claims(survey: Survey, names: list[str]) -> None:
    """Stop the build if the data no longer supports a finding this chapter's text states (src/book/claims.py)."""
    claims.check_claims(survey, names)
