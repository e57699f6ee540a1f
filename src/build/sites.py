"""The published versions of the site: which one BUILD_DIR/html shows, and whether it is still intact.

Each version is a directory BUILD_DIR/sites/<stage digest>; BUILD_DIR/html is a symlink to one.
When a version is published, a digest of its files is recorded in BUILD_DIR/published-trees.json:
a build may keep a site (the no-op path, or "nothing changed since the published site") only
while its files still match that digest — a page deleted or edited under _build/html is rebuilt.
Hashing the 26 MB, 450-file site takes about 60 ms. Light on imports: the no-op path uses it.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from src.base.common import tree_digest

SITES = "sites"           # BUILD_DIR/sites/<digest>: published versions; BUILD_DIR/html links to one
PDF_SUFFIX = "-pdf"       # BUILD_DIR/sites/<digest>-pdf: the same pages, carrying each edition's PDF printed from them (src/build/pdf.py)
TREES = "published-trees.json"


def current_version(target: Path) -> Path | None:
    """The version directory the link ``target`` points at (None: no link)."""
    return (target.parent / os.readlink(target)) if target.is_symlink() else None


def files_digest(version: Path) -> str:
    """One digest over the names and contents of every file of a version."""
    return tree_digest([p for p in version.rglob("*") if p.is_file()], version)


def _read_trees(build_dir: Path) -> dict[str, str]:
    try:
        trees = json.loads((build_dir / TREES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}                   # absent or unreadable: no version is vouched for, so the site is rebuilt
    return trees if isinstance(trees, dict) else {}


def record_tree(version: Path, keep: Path | None = None) -> None:
    """Record the files digest of ``version`` (and keep the record of ``keep``, the version now shown)."""
    build_dir = version.parent.parent
    recorded = _read_trees(build_dir)
    trees = {keep.name: recorded[keep.name]} if keep is not None and keep.name in recorded else {}
    trees[version.name] = files_digest(version)
    tmp = build_dir / f".{TREES}.tmp"
    tmp.write_text(json.dumps(trees, indent=1), encoding="utf-8")
    tmp.replace(build_dir / TREES)


def is_intact(version: Path) -> bool:
    """Whether ``version``'s files are exactly those it was published with."""
    recorded = _read_trees(version.parent.parent).get(version.name)
    return version.is_dir() and recorded is not None and recorded == files_digest(version)


def published_digest(target: Path) -> str | None:
    """The stage digest of the site ``target`` shows (None: no site, not one of ours, or damaged since)."""
    version = current_version(target)
    if version is None or not is_intact(version):
        return None
    return version.name.removesuffix(PDF_SUFFIX)
