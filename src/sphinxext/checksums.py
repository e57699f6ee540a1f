"""Sphinx extension: the sha256 of the files a reader downloads, listed where the site is built.

The chapters run before the figure downloads exist (each chapter writes its own figures'
CSV/SVG/PNG after it runs), so the 再現方法 page cannot list them itself.  The directive

    ```{published-checksums} figures
    ```

lists every file of the staged ``_static/figures`` (or ``data``: ``_static/data``) with its
size and sha256, computed from the very files the site publishes.  A page holding the
directive is read again on every build, so the list never lags behind the downloads.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from src.book.site_paths import DATA, FIGURES

FOLDERS = {"figures": FIGURES, "data": DATA}
HEADINGS = {"ja": ("ファイル", "バイト数", "sha256"), "en": ("File", "Bytes", "sha256")}
NOTHING = {"ja": "公開しているファイルはありません。", "en": "The site publishes no such file."}


def checksum_rows(folder: Path) -> list[tuple[str, int, str]]:
    """(name, size, sha256) of every file in ``folder``, by name."""
    files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    return [(p.name, p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]


class PublishedChecksums(SphinxDirective):
    """``{published-checksums} figures|data``: a table of the published files of that folder."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        import pandas as pd

        from src.book.appendix import table_markup

        folder = self.arguments[0]
        if folder not in FOLDERS:
            raise self.error(f"published-checksums: unknown folder '{folder}'; use one of {sorted(FOLDERS)}")
        lang = "ja" if (self.config.language or "ja") == "ja" else "en"
        self.env.checksum_docs.add(self.env.docname)
        rows = checksum_rows(Path(self.env.srcdir) / FOLDERS[folder])
        if not rows:
            return [nodes.paragraph(text=NOTHING[lang])]
        frame = pd.DataFrame([(name, f"{size:,}", digest) for name, size, digest in rows], columns=HEADINGS[lang])
        return [nodes.raw("", table_markup(frame), format="html")]


def _init(app: Sphinx, env: Any, docnames: list[str]) -> None:
    if not hasattr(env, "checksum_docs"):
        env.checksum_docs = set()


def _always_outdated(app: Sphinx, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    """Pages listing checksums are read again on every build (the files may change without them)."""
    return sorted(getattr(env, "checksum_docs", set()) - removed)


def _merge(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    env.checksum_docs |= getattr(other, "checksum_docs", set())


def _purge(app: Sphinx, env: Any, docname: str) -> None:
    getattr(env, "checksum_docs", set()).discard(docname)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("published-checksums", PublishedChecksums)
    app.connect("env-before-read-docs", _init)
    app.connect("env-get-outdated", _always_outdated)
    app.connect("env-merge-info", _merge)
    app.connect("env-purge-doc", _purge)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
