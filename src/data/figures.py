"""The figure registry: report figure number → data resource, chart kind and chapter.

Adding a figure is one entry here (plus its resource in ``datapackage.json``);
the chart code is shared by every figure of the same kind.  ``book_problems`` is what
the book needs of a data directory beyond a valid package (the pipeline adds it to
validation). Plain data only: no Altair, and the data layer never imports this module.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from src.data.files import DESCRIPTOR, Problem
from src.data.resources import Resource

#: Chart kinds, one builder each in ``src/charts/builders.py``.
SHARE = "share"            # one single-choice question, as aligned bars of its shares
BARS = "bars"              # multiple choice, horizontal bars
PAIRED = "paired"          # 最も重要 vs 上位3つ for one set of items
RATING = "rating"          # 5-level rating, diverging stacked bars


@dataclass(frozen=True)
class FigureSpec:
    """Everything about one report figure (概要図表N): its data, its chart and where it appears."""

    number: int
    kind: str
    section: str          # the report section that presents it, e.g. "Ⅱ-2"
    text_needs_table: bool = False   # the chapter's sentences are computed from this table

    @property
    def stem(self) -> str:
        """figNN: the name of its data resource and of its published files (figNN.csv/.svg/.png)."""
        return f"fig{self.number:02d}"

    resource = stem

    @property
    def chapter(self) -> str:
        """Docname of the chapter that shows it."""
        return CHAPTER_OF_SECTION[self.section]

    @property
    def label(self) -> str:
        """Cross-reference target of the figure in the book (``:name:`` of its glue:figure)."""
        return f"fig-{self.number:02d}"

    @property
    def code_anchor(self) -> str:
        """Anchor of its entry on the コード page (builder and chapter cell)."""
        return f"code-{self.label}"

    def file_name(self, ext: str) -> str:
        """Name of one of its published files: figNN.csv, figNN.svg, figNN.png."""
        return f"{self.stem}.{ext}"


#: Report section → docname of the chapter that presents it (the only place docnames are typed).
CHAPTER_OF_SECTION = {
    "Ⅱ-1": "chapters/02_status",
    "Ⅱ-2": "chapters/03_non_adopters",
    "Ⅱ-3": "chapters/04_projects",
    "Ⅱ-4": "chapters/05_institutions",
}

REGISTRY: dict[int, FigureSpec] = {
    spec.number: spec
    for spec in [
        FigureSpec(1, SHARE, "Ⅱ-1", text_needs_table=True),
        FigureSpec(2, BARS, "Ⅱ-2"),
        FigureSpec(3, BARS, "Ⅱ-2", text_needs_table=True),
        FigureSpec(4, BARS, "Ⅱ-2", text_needs_table=True),
        FigureSpec(5, BARS, "Ⅱ-3"),
        FigureSpec(6, BARS, "Ⅱ-3"),
        FigureSpec(7, BARS, "Ⅱ-3"),
        FigureSpec(8, BARS, "Ⅱ-3"),
        FigureSpec(9, BARS, "Ⅱ-3"),
        FigureSpec(10, RATING, "Ⅱ-3"),
        FigureSpec(11, SHARE, "Ⅱ-4", text_needs_table=True),
        FigureSpec(12, BARS, "Ⅱ-4", text_needs_table=True),
        FigureSpec(13, PAIRED, "Ⅱ-4", text_needs_table=True),
        FigureSpec(14, PAIRED, "Ⅱ-4", text_needs_table=True),
        FigureSpec(15, BARS, "Ⅱ-4", text_needs_table=True),
        FigureSpec(16, RATING, "Ⅱ-4", text_needs_table=True),
        FigureSpec(17, RATING, "Ⅱ-4"),
    ]
}


def missing_values_text(unlabelled: bool = False, lang: str = "ja") -> str:
    """The one sentence the site uses for a figure whose values our text source lacks.

    The report did publish these figures (as graphics in its PDF); only the text
    extraction this data was transcribed from lacks their values (figure 17: lacks
    their labels).  Pages, notes and appendices all use this wording; ``lang="en"``
    gives the English edition's sentence, which says the same.
    """
    if lang == "en":
        if unlabelled:
            return ("In the report this figure is a graphic; in the text of the summary from which this site’s data "
                    "was transcribed, its values have lost their labels, so it is not known which item and level "
                    "each value belongs to.")
        return ("In the report this figure is a graphic; its values are not in the text of the summary from which "
                "this site’s data was transcribed.")
    if unlabelled:
        lost = "では値のラベルが失われており、どの項目・段階の値か分かりません"
    else:
        lost = "には値が含まれていません"
    return f"報告書ではグラフとして掲載されている図ですが、このサイトがデータの元にした概要のテキスト{lost}。"


def section_name(section: str, lang: str = "ja") -> str:
    """The report's section as each edition writes it: 「Ⅱ-3」 / "II-3", 「（１－１）」 / "(1-1)" (Latin letters
    and ASCII, not the Roman-numeral signs and full-width forms: their NFKC forms)."""
    return section if lang == "ja" else unicodedata.normalize("NFKC", section)


_FIGURE_NAME = {"ja": "概要図表{number}", "en": "Summary Figure {number}"}
_PLACE_SEPARATOR = {"ja": "／", "en": " / "}


def figure_name(number: int, lang: str = "ja") -> str:
    """「概要図表N」 / "Summary Figure N": how the site names the report's figures."""
    return _FIGURE_NAME["ja" if lang == "ja" else "en"].format(number=number)


def place_name(*places: str | int, lang: str = "ja") -> str:
    """Places in the report, each named as edition ``lang`` names it, in a row: a section (:func:`section_name`)
    or a figure number (:func:`figure_name`) — 「Ⅲ／概要図表1」 / "III / Summary Figure 1"."""
    names = (figure_name(p, lang) if isinstance(p, int) else section_name(p, lang) for p in places)
    return _PLACE_SEPARATOR["ja" if lang == "ja" else "en"].join(names)


def figures_of(section: str) -> list[int]:
    """Numbers of the figures that the chapter of report section ``section`` (e.g. "Ⅱ-2") shows, in order."""
    if section not in CHAPTER_OF_SECTION:
        raise KeyError(f"no chapter for report section '{section}' (known: {', '.join(CHAPTER_OF_SECTION)})")
    return [spec.number for spec in REGISTRY.values() if spec.section == section]


def figure_spec(number: int) -> FigureSpec:
    """The registry entry for figure ``number`` (KeyError names the known figures)."""
    try:
        return REGISTRY[number]
    except KeyError:
        known = ", ".join(str(n) for n in REGISTRY)
        raise KeyError(f"概要図表{number} is not in the figure registry (known: {known})") from None


def book_problems(descriptor: dict[str, Any], resources: list[Resource]) -> list[Problem]:
    """What the book needs beyond a valid package: a resource per registered figure, and the
    tables the chapters' sentences are computed from."""
    problems = []
    names = {str(raw.get("name")) for raw in descriptor["resources"] if isinstance(raw, dict)}
    for number, spec in REGISTRY.items():
        if spec.resource not in names:
            problems.append(Problem(DESCRIPTOR, f"no resource for figure {number} ('{spec.resource}')",
                                    f"add a resource named {spec.resource} (an empty inline table if it is not published)",
                                    field="resources"))
    for res in resources:
        if REGISTRY.get(res.figure) and REGISTRY[res.figure].text_needs_table and not res.published:
            problems.append(Problem(DESCRIPTOR, f"the chapters' text is computed from figure {res.figure}'s table, "
                                    f"but '{res.name}' has none", f"supply {res.name}.csv and list it as \"path\"",
                                    field="resources"))
    for raw in descriptor["resources"]:
        name = str(raw.get("name", "")) if isinstance(raw, dict) else ""
        if name.startswith("fig") and name[3:].isdigit() and int(name[3:]) not in REGISTRY:
            problems.append(Problem(DESCRIPTOR, f"'{name}' is not a figure of the report (unknown figure)",
                                    f"use one of fig{min(REGISTRY):02d}–fig{max(REGISTRY):02d}, or add the figure "
                                    "to src/data/figures.py", field="resources"))
    return problems
