"""The English edition (issue 15): built from the same run as the Japanese one, page for page.

One execution serves both editions (src/base/i18n.py): these tests read the session's clean
build — its two staged books and the published site, Japanese at the root, English in en/.
"""
from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path, PurePosixPath

import pytest
from bs4 import BeautifulSoup

from browser import open_page
from site_server import serve
from src.base.i18n import edition_notebook, has_japanese
from src.build.plan import toc_chapters

from conftest import REPO

DOCS = toc_chapters(REPO)
GLUE = "application/papermill.record/"


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def switch_target(page: Path) -> Path:
    """Where the page's edition switch points, as a file."""
    link = soup_of(page).select_one("p.edition-switch a")
    assert link is not None, f"{page} has no edition switch"
    return Path(urllib.parse.unquote(str(PurePosixPath(page.parent.as_posix()) / link["href"]))).resolve()


@pytest.mark.parametrize("doc", DOCS)
def test_every_page_exists_in_both_editions_and_the_switch_opens_the_same_page(clean_build, doc):
    ja, en = clean_build.html / f"{doc}.html", clean_build.html / "en" / f"{doc}.html"
    assert ja.is_file() and en.is_file()
    assert switch_target(ja) == en.resolve()
    assert switch_target(en) == ja.resolve()
    assert soup_of(ja).html["lang"] == "ja" and soup_of(en).html["lang"] == "en"


def glued(notebook: Path) -> dict[str, dict]:
    """Name → mime bundle of every value a staged notebook glues."""
    values = {}
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                values[name] = {k.removeprefix(GLUE): v for k, v in output.get("data", {}).items()}
    return values


@pytest.mark.parametrize("doc", DOCS)
def test_both_editions_glue_the_same_keys_and_the_same_numbers(clean_build, doc):
    ja = glued(clean_build.stage / f"{doc}.ipynb")
    en = glued(clean_build.build_dir / "stage-en" / f"{doc}.ipynb")
    assert set(ja) == set(en), set(ja) ^ set(en)
    for name, bundle in ja.items():
        text = str(bundle.get("text/plain", ""))
        if "text/plain" in bundle and not has_japanese(text) and set(bundle) == {"text/plain"}:
            # numbers, counts, codes: the same value, the percent sign as each language writes it
            assert str(en[name]["text/plain"]) == text.replace("％", "%"), name


def test_staging_keeps_each_editions_cells_and_outputs():
    nb = {"cells": [
        {"cell_type": "markdown", "metadata": {"edition": "ja"}, "source": "日本語"},
        {"cell_type": "markdown", "metadata": {"edition": "en"}, "source": "English"},
        {"cell_type": "markdown", "metadata": {}, "source": "both"},
        {"cell_type": "code", "metadata": {}, "source": "x", "outputs": [
            {"output_type": "display_data", "metadata": {"edition": "ja"}, "data": {"text/plain": "ja"}},
            {"output_type": "display_data", "metadata": {"edition": "en"}, "data": {"text/plain": "en"}},
            {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "both"}}]}]}
    en = edition_notebook(nb, "en")
    assert [c["source"] for c in en["cells"]] == ["English", "both", "x"]
    assert [o["data"]["text/plain"] for o in en["cells"][-1]["outputs"]] == ["en", "both"]
    assert [c["source"] for c in edition_notebook(nb, "ja")["cells"]] == ["日本語", "both", "x"]
    assert len(nb["cells"]) == 4      # the executed notebook itself is left as it was


def english_text_outside_originals(page: Path) -> list[str]:
    """Japanese runs an English page shows outside the places marked as originals (``lang="ja"``).

    Code (folded inputs, quoted source) is code; every other text a reader sees or hears —
    prose, tables, captions, chart descriptions (aria-label), link titles — must be English.
    """
    soup = soup_of(page)
    article = soup.select_one("article") or soup
    for tag in article.select('script, style, .cell_input, pre, code, [lang="ja"], .edition-switch'):
        tag.decompose()
    texts = [article.get_text(" ")]
    texts += [el[attr] for attr in ("aria-label", "title", "alt") for el in article.select(f"[{attr}]")]
    return sorted({m for t in texts for m in re.findall(r"\S*[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]+\S*", t)})


@pytest.mark.parametrize("doc", DOCS)
def test_english_pages_show_japanese_only_where_marked_as_the_original(clean_build, doc):
    assert english_text_outside_originals(clean_build.html / "en" / f"{doc}.html") == []


def test_the_english_check_finds_unmarked_japanese(tmp_path):
    page = tmp_path / "p.html"
    page.write_text('<html lang="en"><article><p>Answer: <span lang="ja">「国外」</span></p>'
                    '<p>Label 国外の企業等</p><div aria-label="図"></div><pre>コード</pre></article></html>',
                    encoding="utf-8")
    assert english_text_outside_originals(page) == sorted(["国外の企業等", "図"])


def unique_english_word(html: Path) -> tuple[str, str]:
    """A long word that occurs in exactly one English chapter's prose: (word, its page)."""
    words: dict[str, set[str]] = {}
    for doc in DOCS:
        soup = soup_of(html / "en" / f"{doc}.html")
        article = soup.select_one("article")
        for tag in article.select("script, style, .cell_input, pre, code, table, nav"):
            tag.decompose()
        for word in set(re.findall(r"\b[a-z]{9,}\b", article.get_text(" ").lower())):
            words.setdefault(word, set()).add(f"{doc}.html")
    word = sorted(w for w, pages in words.items() if len(pages) == 1 and w.endswith(("ing", "tion", "ment")))[0]
    return word, next(iter(words[word]))


def test_english_search_finds_a_word_of_one_english_chapter(browser, clean_build):
    word, holder = unique_english_word(clean_build.html)
    with serve(clean_build.html) as site:
        page, visit = open_page(browser, site + "en/search.html?q=" + urllib.parse.quote(word))
        page.wait_for_function("document.querySelector('#search-results h2:not(:has(span))')", timeout=30000)
        hrefs = page.eval_on_selector_all("#search-results li a", "els => els.map(a => a.getAttribute('href'))")
        summary = page.eval_on_selector("#search-results .search-summary", "p => p.textContent")
        page.context.close()
    assert holder in {h.split("#")[0].split("?")[0] for h in hrefs}, (word, holder, hrefs)
    assert not has_japanese(summary), summary
    assert visit.console_errors == []


@pytest.mark.parametrize("doc", DOCS)
def test_myst_roles_survive_in_the_english_edition(clean_build, doc):
    """Glue and cross-reference roles written in English cells resolve: no role is left as text,
    and every link within the English edition leads to a page and anchor that exist."""
    page = clean_build.html / "en" / f"{doc}.html"
    soup = soup_of(page)
    article = soup.select_one("article")
    prose = soup_of(page).select_one("article")
    for tag in prose.select("pre, code, .cell_input"):     # the code page quotes src/, roles in docstrings included
        tag.decompose()
    text = prose.get_text(" ")
    assert not re.search(r"\{(glue|ref|doc|numref)[:a-z]*\}", text), re.findall(r".{30}\{(?:glue|ref|doc).{40}", text)
    for link in article.select("a.reference.internal[href]"):
        target, _, anchor = link["href"].partition("#")
        file = (page.parent / target).resolve() if target else page.resolve()
        assert file.is_file(), (link["href"], link.get_text())
        assert clean_build.html.resolve() / "en" in file.parents, f"{link['href']} leaves the English edition"
        if anchor:
            assert soup_of(file).find(id=anchor) is not None, (link["href"], link.get_text())


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_no_chapter_prints_a_stray_value(clean_build, lang):
    """A cell ending in a bare call shows its return value (e.g. 「'0.0％'」) to readers: only displays are shown."""
    stage = clean_build.stage if lang == "ja" else clean_build.build_dir / "stage-en"
    stray = [(nb.name, str(o["data"].get("text/plain"))[:60]) for nb in sorted(stage.rglob("*.ipynb"))
             for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"] for o in cell.get("outputs", [])
             if o.get("output_type") == "execute_result" and set(o["data"]) == {"text/plain"}]
    assert stray == []


def test_english_page_descriptions_are_plain_text(clean_build):
    """The landing page's lead holds inline HTML (the report's title marked lang="ja"): its description
    (search results, link previews) carries the text only."""
    meta = soup_of(clean_build.html / "en" / "chapters" / "index.html").select_one('meta[name="description"]')
    assert meta is not None and "This site" in meta["content"]
    assert "<" not in meta["content"] and "lang=" not in meta["content"], meta["content"]
