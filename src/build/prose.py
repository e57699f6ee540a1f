"""A chapter's prose apart from its code: an edit to the prose reuses the executed outputs.

A chapter's outputs depend on its code cells (and the parameters, ``src/``, the data it read …:
the cache key in src/build/plan.py), not on its Markdown cells.  So when only Markdown changed,
the cached executed notebook is still right: staging takes its code cells and outputs and the
chapter's current Markdown cells (:func:`with_current_prose`).  Whether only Markdown changed
is decided by comparing the code cells themselves, as jupytext reads them
(:func:`same_code`), never by a parser of our own.

A prose edit can name a glued value no code cell produces; :func:`missing_glue` finds those
before Sphinx does, so the build names the chapter and the name.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from src.base.i18n import EDITION_KEY

#: ``{glue:text}`name``` and the other glue roles, and the ```` ```{glue:figure} name ```` directive.
_GLUE_ROLE = re.compile(r"\{glue(?::[a-z]+)?\}`([^`<>]+?)`")
_GLUE_DIRECTIVE = re.compile(r"^\s*(`{3,}|:{3,})\{glue(?::[a-z]+)?\}[ \t]+(\S+)", re.M)

#: Tags the build adds to a cell that ran (src/build/execute.py folds the parameters cells off the page).
_ADDED_TAGS = {"remove-cell"}


def read_source(path: Path) -> Any:
    """The chapter's MyST-Markdown source as a notebook (jupytext)."""
    import jupytext

    return jupytext.reads(path.read_text(encoding="utf-8"), fmt="md:myst")


def _text(cell: dict) -> str:
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def _tags(cell: dict) -> tuple[str, ...]:
    return tuple(t for t in cell.get("metadata", {}).get("tags", []) if t not in _ADDED_TAGS)


def _ran(cell: dict) -> bool:
    """A code cell of the chapter itself (papermill's injected parameters cell is not one)."""
    return cell.get("cell_type") == "code" and "injected-parameters" not in _tags(cell)


def code_cells(nb: dict) -> list[tuple[str, tuple[str, ...]]]:
    """Each code cell of the chapter as (source, tags), in order: what its outputs depend on."""
    return [(_text(c), _tags(c)) for c in nb["cells"] if _ran(c)]


def same_code(source: Any, executed: dict) -> bool:
    """Whether the chapter ``source`` has exactly the code cells (and kernel) that ``executed`` ran."""
    kernel = lambda nb: (nb.get("metadata", {}).get("kernelspec") or {}).get("name")  # noqa: E731
    return code_cells(source) == code_cells(executed) and kernel(source) == kernel(executed)


def with_current_prose(executed: dict, source: Any) -> dict:
    """``executed`` with the Markdown cells of ``source`` (same code cells: :func:`same_code`).

    Each run of Markdown cells before a code cell, and after the last, is taken from the source;
    the code cells keep their outputs, and papermill's injected cell stays after the parameters.
    Cell ids are renumbered as src/build/execute.py numbers them.
    """
    if not same_code(source, executed):
        raise ValueError("the source's code cells differ from the executed notebook's: execute it again")
    code = [c for c in executed["cells"] if c.get("cell_type") == "code"]
    after: dict[int, list[dict]] = {}          # papermill's cell, by the number of chapter cells before it
    for index, cell in enumerate(code):
        if not _ran(cell):
            after.setdefault(sum(_ran(c) for c in code[:index]), []).append(cell)
    ran = iter(c for c in code if _ran(c))
    cells: list[dict] = []
    count = 0
    for cell in source["cells"]:
        if cell["cell_type"] != "code":
            cells.append({"cell_type": "markdown", "metadata": dict(cell.get("metadata", {})),
                          "source": _text(cell)})
            continue
        if count == 0:
            cells += after.get(0, [])
        cells.append(next(ran))
        count += 1
        cells += after.get(count, [])
    out = copy.copy(executed)
    out["cells"] = [dict(c, id=f"cell-{i:03d}") for i, c in enumerate(cells)]
    return out


def missing_glue(nb: dict, editions: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """(edition, name) of every glued value the Markdown of ``editions`` (those being built) names but no
    output provides; an untagged cell is checked in each of them."""
    glued: dict[str, set[str]] = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {})
            name = (meta.get("scrapbook") or {}).get("name")
            if name:
                glued.setdefault(meta.get(EDITION_KEY, ""), set()).add(name)
    missing = []
    for cell in nb["cells"]:
        if cell.get("cell_type") != "markdown":
            continue
        edition = cell.get("metadata", {}).get(EDITION_KEY, "")
        if edition and edition not in editions:
            continue                          # an edition this build does not make (BOOK_EDITIONS)
        text = _text(cell)
        names = _GLUE_ROLE.findall(text) + [m[1] for m in _GLUE_DIRECTIVE.findall(text)]
        for name in dict.fromkeys(n.split(":")[0].strip() for n in names):
            for lang in [edition] if edition else editions:
                if name not in glued.get(lang, set()) | glued.get("", set()):
                    missing.append((lang, name))
    return missing
