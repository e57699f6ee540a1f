"""Readers never meet build vocabulary: field and tool names stay on 再現方法 and コード (or in ``code``).

Reads every built page of both editions except those two, as a reader sees it: without scripts,
code cells, ``<code>``/``<pre>`` (the data appendix's technical table names its fields that way).
"""
from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from test_editorial import PAGES

#: Pages whose job is to name the machinery.
MACHINERY_PAGES = {"reproduce", "code"}
READER_PAGES = [name for name in PAGES if name not in MACHINERY_PAGES]
#: Field names of the data package and the build's tools, as they would leak into a sentence.
BUILD_WORDS = re.compile(
    r"published_sequence|\bpublished\s*[=:]|prose[_ ]facts|single_choice|multiple_choice|percent_base|ranked_top3"
    r"|undetermined_cells|project_sample_note|\brank\s*=|\bpapermill\b|\bglue\b|\bMyST\b|myst[-_]nb|jupyter[- ]book"
    r"|\bSphinx\b|\bAltair\b|(?-i:\bAUDIT\b)", re.IGNORECASE)


def build_words(html: str) -> list[str]:
    """The build words in the reader's text of one page (code, scripts and code cells left out)."""
    soup = BeautifulSoup(html, "html.parser")
    main = soup.select_one("article.bd-article") or soup.select_one("main") or soup   # not the theme's header
    for tag in main.select("script, style, code, pre, kbd, .cell_input, .headerlink"):
        tag.decompose()
    text = main.get_text(" ")
    return [text[max(0, m.start() - 30):m.end() + 30] for m in BUILD_WORDS.finditer(text)]


def test_the_check_finds_build_words_in_prose_but_not_in_code():
    assert build_words("<main><p>表は空で published=false。</p></main>")
    assert build_words("<main><li>each chapter is executed by papermill</li></main>")
    assert build_words("<main><p>本文の記述をprose_factsに記録</p></main>")
    assert not build_words("<main><p>列<code>percent_base</code>は母数</p><pre>glue('x', 1)</pre></main>")
    assert not build_words("<main><p>facts published by NISTEP, ranked by share</p></main>")


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("name", READER_PAGES)
def test_reader_pages_name_no_fields_or_tools(clean_build, name, lang):
    root = clean_build.html if lang == "ja" else clean_build.html / "en"
    found = build_words((root / "chapters" / f"{name}.html").read_text(encoding="utf-8"))
    assert not found, f"{name} ({lang}): {found[:6]}"

