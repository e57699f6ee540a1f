"""The Japanese search splitter's cache (src/sphinxext/search.py): the same words as Sphinx's own
splitter, each text split once, kept between builds only for the splitter that made them."""
from __future__ import annotations

import json
from types import SimpleNamespace

from sphinx.search.ja import DefaultSplitter

from src.sphinxext import search as sphinx_search
from src.sphinxext.search import SPLITS_FILE, SearchJapaneseTyped, _load_splits, _save_splits

TEXTS = ["国際産学連携に取り組む大学等の割合", "与信能力を確認する手続き", "793校を対象とした調査"]


def test_cached_words_are_the_splitters_own_and_each_text_is_split_once(monkeypatch):
    calls = []
    original = DefaultSplitter.split
    monkeypatch.setattr(DefaultSplitter, "split", lambda self, text: calls.append(text) or original(self, text))
    monkeypatch.setattr(SearchJapaneseTyped, "splits", {})
    language = SearchJapaneseTyped({})
    first = [language.split(t) for t in TEXTS]
    again = [language.split(t) for t in TEXTS]
    assert first == again == [original(DefaultSplitter({}), t) for t in TEXTS]
    assert calls == TEXTS
    first[0].append("changed by a caller")
    assert language.split(TEXTS[0]) == again[0]          # callers get copies


def test_splits_survive_a_build_but_not_another_splitter_or_a_failed_build(tmp_path, monkeypatch):
    app = SimpleNamespace(doctreedir=str(tmp_path))
    monkeypatch.setattr(SearchJapaneseTyped, "splits", {})
    language = SearchJapaneseTyped({})
    for text in TEXTS:
        language.split(text)
    _save_splits(app, None)
    saved = json.loads((tmp_path / SPLITS_FILE).read_text(encoding="utf-8"))
    assert list(saved["splits"]) == TEXTS

    monkeypatch.setattr(SearchJapaneseTyped, "splits", {})
    _load_splits(app)
    assert SearchJapaneseTyped.splits == saved["splits"]

    monkeypatch.setattr(sphinx_search, "_splitter_version", lambda: "another Sphinx")
    _load_splits(app)
    assert SearchJapaneseTyped.splits == {}

    SearchJapaneseTyped.splits = {"新しい文": ["新しい", "文"]}
    _save_splits(app, RuntimeError("the build failed"))
    assert json.loads((tmp_path / SPLITS_FILE).read_text(encoding="utf-8")) == saved


def test_only_the_most_recently_used_texts_are_kept(tmp_path, monkeypatch):
    app = SimpleNamespace(doctreedir=str(tmp_path))
    monkeypatch.setattr(sphinx_search, "SPLITS_KEPT", 2)
    monkeypatch.setattr(SearchJapaneseTyped, "splits", {})
    language = SearchJapaneseTyped({})
    for text in [*TEXTS, TEXTS[0]]:           # the first text is used again, last
        language.split(text)
    _save_splits(app, None)
    kept = json.loads((tmp_path / SPLITS_FILE).read_text(encoding="utf-8"))["splits"]
    assert list(kept) == [TEXTS[2], TEXTS[0]]
