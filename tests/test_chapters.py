"""Chapters: every figure in place with caption, anchor and downloads; no number typed into the prose."""
from __future__ import annotations

import re

import jupytext
import pytest
from bs4 import BeautifulSoup

from src.build.plan import toc_chapters
from src.build.prose import glue_names
from src.data.figures import REGISTRY
from src.data.package import load_survey

from conftest import REPO

CHAPTERS = toc_chapters(REPO)
SURVEY = load_survey(REPO / "data")


@pytest.mark.parametrize("number", sorted(REGISTRY))
def test_every_figure_is_on_its_chapter_page(clean_build, number):
    spec = REGISTRY[number]
    soup = BeautifulSoup((clean_build.html / f"{spec.chapter}.html").read_text(encoding="utf-8"), "html.parser")
    figure = soup.find(id=spec.label)
    assert figure is not None and figure.name == "figure", f"no anchor #{spec.label}"
    caption = figure.find("figcaption").get_text(" ", strip=True)
    assert caption.startswith(f"概要図表{number} ") and SURVEY.resource(number).title in caption
    stem = f"fig{number:02d}"
    sources = [p.get_text() for p in soup.select("p.figure-source") if f"概要図表{number}。" in p.get_text()]
    assert len(sources) == 1
    if SURVEY.table(number) is not None:
        assert figure.select(".vega-chart")
        links = [a["href"] for a in soup.select(".figure-downloads a")]
        for ext in ("csv", "svg", "png"):
            href = f"../_static/figures/{stem}.{ext}"
            assert href in links and (clean_build.html / "_static/figures" / f"{stem}.{ext}").exists()
        assert soup.find("summary", string=re.compile(f"データ表（概要図表{number}）"))
    else:
        box = figure.select_one(".not-published")
        assert box is not None and "グラフとして掲載" in box.get_text()
        assert box.find("a", href="reproduce.html#reproduce-supply-table")   # how to supply it: explained once
        assert "このサイトがデータから作成" not in sources[0]     # only drawn charts say so


def test_figure_code_cells_are_one_short_folded_call():
    for docname in CHAPTERS:
        nb = jupytext.read(REPO / f"{docname}.md")
        for cell in nb.cells:
            if "show_figure(" in cell.source and cell.cell_type == "code":
                assert cell.source.strip().count("\n") == 0, cell.source
                assert "hide-input" in cell.metadata.get("tags", [])


#: The only external links: the report's public page and the licences (links, never loaded resources).
OFF_SITE_LINKS = {SURVEY.descriptor["sources"][0]["path"]} | {lic["path"] for lic in SURVEY.descriptor["licenses"]}


def test_every_local_link_and_asset_exists(clean_build):
    """Cross-references, downloads (figures, data package, notebooks), scripts and styles."""
    checked = 0
    for docname in CHAPTERS:
        page = clean_build.html / f"{docname}.html"
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        refs = [a.get("href") for a in soup.find_all("a")] + [t.get("src") for t in soup.find_all("script")]
        refs += [link.get("href") for link in soup.find_all("link")]
        for ref in filter(None, refs):
            if ref.startswith(("#", "mailto:", "javascript:")):
                continue
            if ref.startswith(("http:", "https:", "//")):
                assert ref in OFF_SITE_LINKS, f"{docname} links off-site: {ref}"   # never a loaded resource
                continue
            target = ref.split("#")[0].split("?")[0]
            if target:
                assert page.parent.joinpath(target).resolve().exists(), (docname, ref)
                checked += 1
    assert checked > 100


# Digits may appear in prose only inside glue/ref/doc roles, code, labels and these citation tokens.
ALLOWED = [r"概要図表\d+(〜\d+)?", r"Ⅱ-\d", r"fig-\d+", r"[（(][０-９]+－[０-９]+[）)]",
           r"UTF-8", r"SHA-256", r"CC BY 4\.0", r"License 1\.1", r"小数第1位", r"1年あたり", r"1行", r"上位3つ", r"3つまで",
           # the English edition's names for the same places: Summary Figure N, II-3, (3-1)
           r"Summary Figures? \d+(–\d+)?", r"\bI{1,3}-\d", r"\(\d+-\d+\)"]
ROLE = re.compile(r"\{[a-z:]+\}`[^`]*`")


def prose_numbers(text: str) -> list[str]:
    text = re.sub(r"```.*?```", "", text, flags=re.S)          # code cells and directives
    text = ROLE.sub("", text)
    text = re.sub(r"`[^`]*`", "", text)                          # inline code
    text = re.sub(r"\]\([^)]*\)", "]", text)                     # link targets (URLs)
    text = re.sub(r"^\(.+\)=$", "", text, flags=re.M)            # labels
    text = re.sub(r"^---.*?---", "", text, count=1, flags=re.S)  # front matter
    for pattern in ALLOWED:
        text = re.sub(pattern, "", text)
    return re.findall(r"[0-9０-９]+(?:[.．][0-9０-９]+)?\s*(?:％|%|機関|件|割|ポイント)?", text)


@pytest.mark.parametrize("docname", CHAPTERS)
def test_no_number_is_typed_into_chapter_prose(docname):
    assert prose_numbers((REPO / f"{docname}.md").read_text(encoding="utf-8")) == []


def test_the_prose_scan_catches_typed_numbers():
    assert prose_numbers("回答は 793 機関で、13.9％が実施") == ["793 機関", "13.9％"]
    assert prose_numbers("## (3-1) In II-3, 13.9% of 793 institutions") == ["13.9%", "793 "]
    assert prose_numbers("回答は {glue:text}`responses` 機関（概要図表1）") == []




def edition_pairs(text: str, docname: str = "") -> list[tuple[dict, dict]]:
    """Each Japanese prose cell of a chapter's source with the English cell that follows it."""
    notebook = jupytext.reads(text, fmt="md:myst")
    tagged = [c for c in notebook.cells if c.cell_type == "markdown" and c.metadata.get("edition")]
    editions = [c.metadata["edition"] for c in tagged]
    assert editions == ["ja", "en"] * (len(tagged) // 2), f"{docname}: prose cells are not in ja/en pairs: {editions}"
    return list(zip(tagged[::2], tagged[1::2]))


@pytest.mark.parametrize("docname", CHAPTERS)
def test_the_two_editions_of_a_paragraph_use_the_same_glue_names(docname):
    # Issue 23 item 6: a name glued in one edition's sentence and not the other's means the two say different
    # things (or one shows a number the other lost)
    for ja, en in edition_pairs((REPO / f"{docname}.md").read_text(encoding="utf-8"), docname):
        names_ja, names_en = set(glue_names(ja.source)), set(glue_names(en.source))
        assert names_ja == names_en, (f"{docname}: the Japanese cell uses {sorted(names_ja - names_en)} and the "
                                      f"English cell {sorted(names_en - names_ja)} where the other does not; "
                                      f"cell starting {ja.source[:60]!r}")


def test_the_glue_name_pairing_check_catches_a_difference():
    pairs = edition_pairs('+++ {"edition": "ja"}\n\n{glue:text}`a`と{glue:text}`b`\n\n+++ {"edition": "en"}\n\n'
                          '{glue:text}`a` only\n')
    (ja, en), = pairs
    assert set(glue_names(ja.source)) - set(glue_names(en.source)) == {"b"}


def glued_in_code(text: str) -> tuple[set[str], set[int]]:
    """String literals of a chapter's code cells, and the figures its ``show_figure(survey, N)`` calls show."""
    import ast

    notebook = jupytext.reads(text, fmt="md:myst")
    literals, figures = set(), set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "show_figure" and len(node.args) == 2
                    and isinstance(node.args[1], ast.Constant)):
                figures.add(node.args[1].value)
    return literals, figures


def names_not_written_in_code(text: str, src_literals: set[str]) -> list[str]:
    literals, figures = glued_in_code(text)
    shown = {REGISTRY[n].stem for n in figures if n in REGISTRY}
    shown |= {f"{stem}_caption" for stem in shown}
    prose = re.sub(r"```\{code-cell\}.*?\n```", "", text, flags=re.S)
    used = set(glue_names(prose))
    return sorted(used - literals - shown - src_literals)


def src_string_literals() -> set[str]:
    """Every string literal under src/ (helpers such as glue_response_rate glue names written there)."""
    import ast

    found = set()
    for path in (REPO / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


@pytest.mark.parametrize("docname", CHAPTERS)
def test_every_glued_name_in_the_prose_is_written_in_the_code(docname):
    # Issue 23 item 6: a name used in the prose is found by searching the code — written out in full in the
    # chapter's code cells (or in the helper under src/ that glues it), never assembled from parts; a figure's
    # own figNN / figNN_caption are glued by show_figure(survey, N) right under its {glue:figure} figNN
    text = (REPO / f"{docname}.md").read_text(encoding="utf-8")
    assert names_not_written_in_code(text, src_string_literals()) == []


def test_the_written_name_check_catches_an_assembled_name():
    text = ('```{code-cell} ipython3\nglue_ranking(table, "fig03_top1_item")\nshow_figure(survey, 3)\n```\n\n'
            '+++ {"edition": "ja"}\n\n{glue:text}`fig03_top1_item` {glue:text}`fig03_top1_pct` {glue:text}`fig03_caption`\n')
    assert names_not_written_in_code(text, set()) == ["fig03_top1_pct"]
