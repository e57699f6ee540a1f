"""Sphinx extension: a page is read again when its content changed, whatever its timestamp says.

Sphinx decides what to re-read from modification times alone.  After a clock skew (or a
staged notebook written with an older time) a changed chapter kept its old page although
the build had executed and staged the new one.  This extension keeps each page's source
digest in Sphinx's environment and, through ``env-get-outdated``, names every page whose
source bytes differ from those it was last read from — the content hashes the README promises.
"""
from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from src.base.common import sha256_file

ATTRIBUTE = "source_digests"        # docname -> sha256 of the source it was last read from


def source_digest(env: BuildEnvironment, docname: str) -> str | None:
    """The sha256 of a page's source file (None if it cannot be read)."""
    try:
        return sha256_file(env.doc2path(docname))
    except OSError:
        return None


def _digests(env: BuildEnvironment) -> dict[str, str]:
    if not isinstance(getattr(env, ATTRIBUTE, None), dict):
        setattr(env, ATTRIBUTE, {})
    return getattr(env, ATTRIBUTE)


def pages_changed_by_content(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str],
                             removed: set[str]) -> list[str]:
    """The pages Sphinx found unchanged by time whose source bytes are not those last read."""
    known = _digests(env)
    for gone in set(known) - env.found_docs:
        del known[gone]
    return sorted(doc for doc in env.found_docs - added - changed
                  if known.get(doc) is None or known[doc] != source_digest(env, doc))


def _remember(app: Sphinx, doctree: Any) -> None:
    """Record the digest of the source the page was just read from."""
    _digests(app.env)[app.env.docname] = source_digest(app.env, app.env.docname)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    """Parallel reading: take the digests the reading processes recorded."""
    _digests(env).update({doc: digest for doc, digest in _digests(other).items() if doc in docnames})


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("env-get-outdated", pages_changed_by_content)
    app.connect("doctree-read", _remember)
    app.connect("env-merge-info", _merge)
    return {"version": "1", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
