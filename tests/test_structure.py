"""One fact, one place: chapters that ask the registry, one code anchor per figure (the import structure: test_layers.py)."""
from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest
from bs4 import BeautifulSoup

from conftest import REPO
from src.data.figures import REGISTRY

CHAPTERS = sorted((REPO / "chapters").glob("*.md"))


DOCNAME = re.compile(r"chapters/\w+|\b(?:0[1-6]_\w+)\b")
FIGURE_RANGE = re.compile(r"range\(\s*\d+\s*,\s*\d+\s*\)|\bfor\s+\w+\s+in\s+\(\s*\d+\s*,")


def chapter_code(path: Path) -> str:
    nb = jupytext.read(path)
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_code_asks_the_registry(path):
    code = chapter_code(path)
    assert not DOCNAME.search(code), f"{path.name} names a chapter in code: ask src.data.figures.figures_of(section)"
    assert not FIGURE_RANGE.search(code), f"{path.name} types a figure range: ask src.data.figures.figures_of(section)"
    assert "import *" not in code, f"{path.name}: import by name"


def test_the_registry_check_catches_typed_docnames_and_ranges():
    assert DOCNAME.search('sum(s.chapter == "chapters/03_non_adopters" for s in x)')
    assert FIGURE_RANGE.search("for number in range(5, 11):")
    assert not FIGURE_RANGE.search('for number in figures_of("Ⅱ-3"):')


@pytest.mark.parametrize("number", sorted(REGISTRY))
def test_every_figure_has_its_own_code_anchor(clean_build, number):
    spec = REGISTRY[number]
    code_page = BeautifulSoup((clean_build.html / "chapters" / "code.html").read_text(encoding="utf-8"), "html.parser")
    entry = code_page.find(id=spec.code_anchor)
    assert entry is not None and f"概要図表{number}" in entry.get_text()
    chapter = BeautifulSoup((clean_build.html / f"{spec.chapter}.html").read_text(encoding="utf-8"), "html.parser")
    links = {a["href"] for a in chapter.select(".figure-downloads a")}
    if (clean_build.html / "_static" / "figures" / spec.file_name("svg")).exists():
        assert f"code.html#{spec.code_anchor}" in links
        assert entry.find("a", href=f"#{spec.kind}-chart")          # the builder's source on the same page
