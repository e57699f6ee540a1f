"""Sphinx extension: Japanese search that finds words as they are typed.

Sphinx indexes Japanese pages with TinySegmenter (``sphinx.search.ja.DefaultSplitter``)
but ships no browser-side splitter for Japanese, so a typed compound such as 与信能力
was looked up as one term that the index never holds (it has 与信 and 能力). This
extension gives the Japanese search language a ``js_splitter_code``: the same segmenter
in JavaScript, its model tables written out from the Python class itself, so the query
is cut exactly where the index was cut.

Splitting is pure Python and about a fifth of a Japanese Sphinx run; a page re-read after a
data edit mostly holds the same sentences. Each text's words are therefore kept between
builds (``ja-split-cache.json`` beside Sphinx's doctrees) and only new texts are split.

``search-ja.js`` (every page) replaces the result snippet on the search page (Sphinx shows
the text around a term's first occurrence, which on these pages is the table of contents)
with the sentence of the article that holds the query, and highlights the terms on the
page a result opens.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sphinx

from sphinx.application import Sphinx
from sphinx.search.ja import DefaultSplitter, SearchJapanese

SEARCH_SCRIPT = "search-ja.js"      # in src/sphinxext/static, copied to _static by render.write_site_static

# The segmenter loop of DefaultSplitter.split, line for line (including its use of UQ1
# for the third position), so that browser and index agree on every cut.
_SEGMENTER_JS = """
  const ts = (table, key) => (Object.prototype.hasOwnProperty.call(table, key) ? table[key] : 0);
  const ctype = (ch) => {
    for (const [pattern, value] of PATTERNS) if (pattern.test(ch)) return value;
    return "O";
  };
  const segment = (input) => {
    if (!input) return [];
    const chars = Array.from(input);
    const seg = ["B3", "B2", "B1", ...chars, "E1", "E2", "E3"];
    const ct = ["O", "O", "O", ...chars.map(ctype), "O", "O", "O"];
    const result = [];
    let word = seg[3], p1 = "U", p2 = "U", p3 = "U";
    for (let i = 4; i < seg.length - 3; i++) {
      const [w1, w2, w3, w4, w5, w6] = seg.slice(i - 3, i + 3);
      const [c1, c2, c3, c4, c5, c6] = ct.slice(i - 3, i + 3);
      let score = M.BIAS__;
      score += ts(M.UP1__, p1) + ts(M.UP2__, p2) + ts(M.UP3__, p3);
      score += ts(M.BP1__, p1 + p2) + ts(M.BP2__, p2 + p3);
      score += ts(M.UW1__, w1) + ts(M.UW2__, w2) + ts(M.UW3__, w3);
      score += ts(M.UW4__, w4) + ts(M.UW5__, w5) + ts(M.UW6__, w6);
      score += ts(M.BW1__, w2 + w3) + ts(M.BW2__, w3 + w4) + ts(M.BW3__, w4 + w5);
      score += ts(M.TW1__, w1 + w2 + w3) + ts(M.TW2__, w2 + w3 + w4);
      score += ts(M.TW3__, w3 + w4 + w5) + ts(M.TW4__, w4 + w5 + w6);
      score += ts(M.UC1__, c1) + ts(M.UC2__, c2) + ts(M.UC3__, c3);
      score += ts(M.UC4__, c4) + ts(M.UC5__, c5) + ts(M.UC6__, c6);
      score += ts(M.BC1__, c2 + c3) + ts(M.BC2__, c3 + c4) + ts(M.BC3__, c4 + c5);
      score += ts(M.TC1__, c1 + c2 + c3) + ts(M.TC2__, c2 + c3 + c4);
      score += ts(M.TC3__, c3 + c4 + c5) + ts(M.TC4__, c4 + c5 + c6);
      score += ts(M.UQ1__, p1 + c1) + ts(M.UQ2__, p2 + c2) + ts(M.UQ1__, p3 + c3);
      score += ts(M.BQ1__, p2 + c2 + c3) + ts(M.BQ2__, p2 + c3 + c4);
      score += ts(M.BQ3__, p3 + c2 + c3) + ts(M.BQ4__, p3 + c3 + c4);
      score += ts(M.TQ1__, p2 + c1 + c2 + c3) + ts(M.TQ2__, p2 + c2 + c3 + c4);
      score += ts(M.TQ3__, p3 + c1 + c2 + c3) + ts(M.TQ4__, p3 + c2 + c3 + c4);
      let p = "O";
      if (score > 0) {
        result.push(word.trim());
        word = "";
        p = "B";
      }
      p1 = p2; p2 = p3; p3 = p;
      word += seg[i];
    }
    result.push(word.trim());
    return result;
  };
  // The index keeps words of two or more characters (SearchJapanese.word_filter);
  // a one-character piece of a query would match nothing, so it is dropped unless
  // nothing else is left.
  return (query) => {
    const words = query.split(/\\s+/).flatMap(segment).filter((w) => w);
    const indexable = words.filter((w) => Array.from(w).length > 1);
    return indexable.length ? indexable : words;
  };
"""


def model_tables() -> dict[str, Any]:
    """TinySegmenter's weights as DefaultSplitter holds them (BIAS__, UW1__ …)."""
    return {name: value for name, value in vars(DefaultSplitter).items()
            if name.endswith("__") and not name.startswith("__")}


def character_types() -> list[tuple[str, str]]:
    """DefaultSplitter's character classes (regex source, type letter), in the order it tries them."""
    return [(pattern.pattern, value) for pattern, value in DefaultSplitter.patterns_.items()]


def splitter_js() -> str:
    """``splitQuery`` for searchtools.js: the index's own segmenter, in JavaScript."""
    patterns = ", ".join(f"[new RegExp({json.dumps(source)}), {json.dumps(kind)}]"
                         for source, kind in character_types())
    tables = json.dumps(model_tables(), ensure_ascii=False, sort_keys=True)
    return ("var splitQuery = (function () {\n"
            f"  const M = {tables};\n"
            f"  const PATTERNS = [{patterns}];\n"
            f"{_SEGMENTER_JS}}})();\n")


class SearchJapaneseTyped(SearchJapanese):
    """Sphinx's Japanese search language plus the browser-side splitter it lacks; splits are cached."""

    #: text → its words, most recently used last (loaded and saved by ``_load_splits``/``_save_splits``)
    splits: dict[str, list[str]] = {}

    @property
    def js_splitter_code(self) -> str:   # type: ignore[override]
        return splitter_js()

    def split(self, input: str) -> list[str]:
        words = self.splits.pop(input, None)
        if words is None:
            words = super().split(input)
        self.splits[input] = words
        return list(words)


SPLITS_FILE = "ja-split-cache.json"
#: Texts kept between builds (the book has a few thousand; older ones go first).
SPLITS_KEPT = 50_000


def _splits_file(app: Sphinx) -> Path:
    return Path(app.doctreedir) / SPLITS_FILE


def _splitter_version() -> str:
    """What the cached words depend on: Sphinx's splitter (its code ships with Sphinx)."""
    return f"sphinx {sphinx.__version__} DefaultSplitter"


def _load_splits(app: Sphinx) -> None:
    try:
        saved = json.loads(_splits_file(app).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = {}
    ok = isinstance(saved, dict) and saved.get("version") == _splitter_version() and isinstance(saved.get("splits"), dict)
    SearchJapaneseTyped.splits = dict(saved["splits"]) if ok else {}


def _save_splits(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or not SearchJapaneseTyped.splits:
        return
    kept = dict(list(SearchJapaneseTyped.splits.items())[-SPLITS_KEPT:])
    path = _splits_file(app)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"version": _splitter_version(), "splits": kept}, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_search_language(SearchJapaneseTyped)
    app.connect("builder-inited", _load_splits)
    app.connect("build-finished", _save_splits)
    app.add_js_file(SEARCH_SCRIPT, loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
