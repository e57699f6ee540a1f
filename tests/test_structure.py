"""One fact, one place: import structure of src/, chapters that ask the registry, one code anchor per figure."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import jupytext
import pytest
from bs4 import BeautifulSoup

from conftest import REPO
from src.figures import REGISTRY

SRC = REPO / "src"
CHAPTERS = sorted((REPO / "chapters").glob("*.md"))


def local_imports(path: Path) -> set[str]:
    """The src modules ``path`` imports (``from .x import``, ``from src.x import``, ``import src.x``), at any depth."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found |= {alias.name for alias in node.names}
            elif node.module and node.module.startswith("src."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("src.")}
    return found & {p.stem for p in SRC.glob("*.py")}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle of the import graph, each as a path that returns to its start."""
    cycles, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == "open":
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_src_has_no_import_cycle():
    graph = {p.stem: local_imports(p) - {p.stem} for p in SRC.glob("*.py")}
    assert import_cycles(graph) == []


def test_the_cycle_check_finds_a_cycle():
    assert import_cycles({"book": {"claims"}, "claims": {"book"}, "figures": set()}) == [["book", "claims", "book"]]


def test_the_data_layer_does_not_import_the_book():
    for module in ("datapkg", "figures"):
        assert not local_imports(SRC / f"{module}.py") & {"book", "charts", "claims", "appendix", "audit", "pipeline"}


DOCNAME = re.compile(r"chapters/\w+|\b(?:0[1-6]_\w+)\b")
FIGURE_RANGE = re.compile(r"range\(\s*\d+\s*,\s*\d+\s*\)|\bfor\s+\w+\s+in\s+\(\s*\d+\s*,")


def chapter_code(path: Path) -> str:
    nb = jupytext.read(path)
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_code_asks_the_registry(path):
    code = chapter_code(path)
    assert not DOCNAME.search(code), f"{path.name} names a chapter in code: ask src.figures.figures_of(section)"
    assert not FIGURE_RANGE.search(code), f"{path.name} types a figure range: ask src.figures.figures_of(section)"
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
