"""An edit to a chapter's prose runs no code (issue 25): the cached outputs take the current Markdown.

A chapter's cache key leaves its source out; its code cells are compared with the cached run's
instead (src/build/prose.py). These tests rebuild a private copy of one clean build.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO, copy_book_sources, run_build
from src.base.common import BuildError
from src.build import prose

II4 = "chapters/05_institutions"
JA_OLD, JA_NEW = "国際産学連携を実際に行っている大学等は、どんな方針で", "国際産学連携を実際に行っている大学等は、どのような方針で"
EN_OLD = "the academic institutions that actually engage in international industry–academia collaboration"


@pytest.fixture(scope="module")
def prose_base(tmp_path_factory, data_copy):
    """A clean build from a copy of the book sources (which the tests edit in their own copies)."""
    base = tmp_path_factory.mktemp("prose")
    root = copy_book_sources(base / "book")
    proc = run_build(data_copy, base / "_build", root)
    assert proc.returncode == 0, proc.stderr
    return base


@pytest.fixture
def book(tmp_path, prose_base):
    """(root, build_dir): private copies of the sources and of the base build."""
    root = Path(shutil.copytree(prose_base / "book", tmp_path / "book"))
    build = Path(shutil.copytree(prose_base / "_build", tmp_path / "_build", symlinks=True))
    return root, build


def edit(root: Path, docname: str, old: str, new: str) -> None:
    path = root / f"{docname}.md"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def executed(build: Path) -> list[str]:
    return json.loads((build / "last-build.json").read_text(encoding="utf-8"))["executed"]


def test_a_prose_edit_executes_no_chapter_and_shows_in_both_editions(book, data_copy):
    root, build = book
    assert EN_OLD in (root / f"{II4}.md").read_text(encoding="utf-8")
    edit(root, II4, JA_OLD, JA_NEW)
    edit(root, II4, EN_OLD, "the institutions that really engage in international industry–academia collaboration")
    proc = run_build(data_copy, build, root)
    assert proc.returncode == 0, proc.stderr
    assert executed(build) == []
    assert JA_NEW in (build / "html" / f"{II4}.html").read_text(encoding="utf-8")
    assert "the institutions that really engage" in (build / "html" / "en" / f"{II4}.html").read_text(encoding="utf-8")
    figures = (build / "html" / f"{II4}.html").read_text(encoding="utf-8").count('class="vega-chart')
    assert figures >= 6                                 # the cached outputs are all there


def test_a_prose_edit_naming_a_value_no_cell_glues_fails_with_the_chapter_and_name(book, data_copy):
    root, build = book
    before = (build / "html" / f"{II4}.html").read_bytes()
    edit(root, II4, JA_OLD, "{glue:text}`fig15_top9_pct`" + JA_OLD)
    proc = run_build(data_copy, build, root)
    assert proc.returncode == 1
    output = proc.stdout + proc.stderr
    assert f"chapter {II4}" in output and "'fig15_top9_pct' (ja)" in output
    assert (build / "html" / f"{II4}.html").read_bytes() == before


def test_a_code_edit_executes_the_chapter_again(book, data_copy):
    root, build = book
    edit(root, II4, "fig15 = survey.table(15)", "fig15 = survey.table(15)  # an edit to a code cell")
    proc = run_build(data_copy, build, root)
    assert proc.returncode == 0, proc.stderr
    assert executed(build) == [II4]


def test_a_translation_edit_executes_the_chapters_that_read_the_package(book, data_copy, tmp_path):
    root, build = book
    data = Path(shutil.copytree(data_copy, tmp_path / "survey-data-copy"))
    package = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    label = next(iter(package["translations"]["en"]))
    package["translations"]["en"][label] += " (edited)"
    (data / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    proc = run_build(data, build, root)
    assert proc.returncode == 0, proc.stderr
    assert II4 in executed(build)


# ---------------------------------------------------------------------------- the merge itself, without a build

def executed_notebook(build_dir: Path, docname: str) -> dict:
    return json.loads((build_dir / "cache" / docname.replace("/", "__") / "notebook.ipynb").read_text("utf-8"))


def test_the_merge_keeps_every_output_and_takes_the_new_prose(prose_base):
    nb = executed_notebook(prose_base / "_build", II4)
    source = prose.read_source(prose_base / "book" / f"{II4}.md")
    for cell in source.cells:
        if cell.cell_type == "markdown" and JA_OLD in cell.source:
            cell.source = cell.source.replace(JA_OLD, JA_NEW)
    merged = prose.with_current_prose(nb, source)
    outputs = lambda n: [c.get("outputs") for c in n["cells"] if c["cell_type"] == "code"]  # noqa: E731
    assert outputs(merged) == outputs(nb)
    assert any(JA_NEW in c["source"] for c in merged["cells"] if c["cell_type"] == "markdown")
    assert [c["id"] for c in merged["cells"]] == [f"cell-{i:03d}" for i in range(len(merged["cells"]))]
    assert prose.missing_glue(merged, ["ja", "en"]) == []


def test_the_merge_refuses_a_source_whose_code_changed(prose_base):
    nb = executed_notebook(prose_base / "_build", II4)
    source = prose.read_source(prose_base / "book" / f"{II4}.md")
    code = next(c for c in source.cells if c.cell_type == "code" and "survey.table(15)" in c.source)
    code.source += "\nprint('changed')"
    assert not prose.same_code(source, nb)
    with pytest.raises(BuildError, match="build again"):      # a sentence, not a traceback
        prose.with_current_prose(nb, source)


def test_missing_glue_names_the_edition():
    nb = {"cells": [
        {"cell_type": "code", "source": "", "metadata": {}, "outputs": [
            {"metadata": {"edition": "ja", "scrapbook": {"name": "a"}}},
            {"metadata": {"edition": "en", "scrapbook": {"name": "a"}}},
            {"metadata": {"edition": "ja", "scrapbook": {"name": "only_ja"}}}]},
        {"cell_type": "markdown", "metadata": {"edition": "en"}, "source": "{glue:text}`a` {glue:text}`only_ja`"},
        {"cell_type": "markdown", "metadata": {}, "source": "```{glue:figure} fig99\n:name: x\n```"},
    ]}
    assert sorted(prose.missing_glue(nb, ["ja", "en"])) == [("en", "fig99"), ("en", "only_ja"), ("ja", "fig99")]
    # a build of the Japanese edition alone (BOOK_EDITIONS=ja) glues nothing for English: its cells are not checked
    assert prose.missing_glue(nb, ["ja"]) == [("ja", "fig99")]


def test_a_change_to_a_code_cells_tags_is_not_a_prose_edit(prose_base):
    # review: adding remove-cell to a code cell counted as prose, and the staged cell kept the old tags
    nb = executed_notebook(prose_base / "_build", II4)
    source = prose.read_source(prose_base / "book" / f"{II4}.md")
    code = next(c for c in source.cells if c.cell_type == "code" and "survey.table(15)" in c.source)
    code.metadata["tags"] = [*code.metadata.get("tags", []), "remove-cell"]
    assert not prose.same_code(source, nb)


def test_the_merge_takes_the_sources_front_matter(prose_base):
    nb = executed_notebook(prose_base / "_build", II4)
    source = prose.read_source(prose_base / "book" / f"{II4}.md")
    source.metadata["html_meta"] = {"description": "an edited description"}
    merged = prose.with_current_prose(nb, source)
    assert merged["metadata"]["html_meta"] == {"description": "an edited description"}
    assert merged["metadata"]["kernelspec"] == nb["metadata"]["kernelspec"]
