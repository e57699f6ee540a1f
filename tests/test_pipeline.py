"""The pipeline: data → papermill-executed chapters → strict Sphinx build → _build/html."""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from src.build.plan import toc_chapters

from conftest import REPO, copy_book_sources, run_build

CHAPTERS = toc_chapters(REPO)


def chapter_title(docname: str) -> str:
    """The H1 of a chapter's MyST source."""
    text = (REPO / f"{docname}.md").read_text(encoding="utf-8")
    return re.search(r"^# (.+)$", text, re.M).group(1).strip()


def test_toc_lists_landing_page_and_six_chapters_in_report_order():
    titles = [chapter_title(d) for d in CHAPTERS[1:7]]
    assert [t.split()[0] for t in titles] == ["Ⅰ", "Ⅱ-1", "Ⅱ-2", "Ⅱ-3", "Ⅱ-4", "Ⅲ"]
    assert CHAPTERS[0] == "chapters/index"


@pytest.mark.parametrize("docname", CHAPTERS)
def test_every_chapter_page_exists_with_its_heading(clean_build, docname):
    page = clean_build.html / f"{docname}.html"
    assert page.exists(), f"{page} was not built"
    h1 = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("h1")
    assert h1 is not None and chapter_title(docname) in h1.get_text()


def test_site_has_an_index_page(clean_build):
    assert (clean_build.html / "index.html").exists()


@pytest.mark.parametrize("docname", CHAPTERS)
def test_executed_notebook_has_injected_data_dir(clean_build, docname):
    nb = nbformat.read(clean_build.stage / f"{docname}.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1, "papermill's injected-parameters cell is missing"
    # the data directory lies outside the repository: the page names it, never its absolute path
    assert f"data_dir = {json.dumps(clean_build.data_dir.name)}" in injected[0].source
    assert str(clean_build.data_dir.parent) not in json.dumps(nb)
    # it is removed from the page (issue 21), and no cell was left unexecuted
    assert "remove-cell" in injected[0].metadata["tags"]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)


def test_pages_never_show_the_parameters_cells_and_reproduce_names_the_data_directory(clean_build):
    """Issue 21: the injected parameters cell left the pages (it was folded there before); the
    executed notebook keeps it and 再現方法 still names the data directory, as the README promises."""
    soup = BeautifulSoup((clean_build.html / "chapters/01_method.html").read_text(encoding="utf-8"), "html.parser")
    assert not soup.select("div.tag_injected-parameters") and not soup.select("div.tag_parameters")
    assert 'data_dir = "' not in soup.get_text()
    reproduce = (clean_build.html / "chapters/reproduce.html").read_text(encoding="utf-8")
    assert clean_build.data_dir.name in BeautifulSoup(reproduce, "html.parser").get_text()


def test_no_page_or_download_shows_the_absolute_data_path(clean_build):
    leaks = [str(p.relative_to(clean_build.html)) for p in clean_build.html.rglob("*") if p.is_file()
             and str(clean_build.data_dir.parent).encode() in p.read_bytes()]
    assert leaks == []


def test_data_inside_the_repository_is_named_relative_to_it():
    from src.build.plan import display_data_dir

    assert display_data_dir(REPO / "data") == "data"
    assert display_data_dir(REPO / "tests" / "fixtures") == "tests/fixtures"
    assert display_data_dir(Path("/srv/survey/2026-data")) == "2026-data"


def test_download_button_offers_the_executed_notebook(clean_build):
    html = (clean_build.html / "chapters/01_method.html").read_text(encoding="utf-8")
    assert "_sources/chapters/01_method.ipynb" in html
    nb = nbformat.read(clean_build.html / "_sources/chapters/01_method.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)


def _search_index(html_dir):
    text = (html_dir / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1: text.rindex(")")])


def _page_text(html_file) -> str:
    soup = BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser")
    article = soup.find("article") or soup
    return article.get_text()


@pytest.mark.parametrize("word, docname", [("郵送", "chapters/01_method"), ("為替", "chapters/05_institutions")])
def test_search_index_finds_a_chapter_specific_japanese_word(clean_build, word, docname):
    from sphinx.search.ja import SearchJapanese

    pages = {d: _page_text(clean_build.html / f"{d}.html") for d in CHAPTERS}
    assert [d for d, text in pages.items() if word in text] == [docname], "pick a word only one page uses"
    index = _search_index(clean_build.html)
    hits = None
    for token in SearchJapanese({}).split(word):   # the same splitter the page's search box uses
        docs = index["terms"].get(token)
        assert docs is not None, f"'{token}' is not in the search index"
        docs = {docs} if isinstance(docs, int) else set(docs)
        hits = docs if hits is None else hits & docs
    assert {index["docnames"][i] for i in hits} == {docname}


def test_a_failing_chapter_fails_the_build_and_is_named(tmp_path, data_copy):
    root = copy_book_sources(tmp_path / "book")
    chapter = root / "chapters" / "04_projects.md"
    chapter.write_text(chapter.read_text(encoding="utf-8")
                       + "\n```{code-cell} ipython3\nraise RuntimeError('planted failure')\n```\n", encoding="utf-8")
    proc = run_build(data_copy, tmp_path / "build", root)
    assert proc.returncode != 0
    assert "chapters/04_projects" in proc.stderr and "planted failure" in proc.stderr
    assert re.search(r"cell \d+", proc.stderr)
    assert not (tmp_path / "build" / "html").exists()
