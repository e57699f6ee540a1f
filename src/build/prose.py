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

from src.base.common import BuildError
from src.base.i18n import EDITION_KEY

#: ``{glue:text}`name``` and the other glue roles, and the ```` ```{glue:figure} name ```` directive.
_GLUE_ROLE = re.compile(r"\{glue(?::[a-z]+)?\}`([^`<>]+?)`")
_GLUE_DIRECTIVE = re.compile(r"^\s*(`{3,}|:{3,})\{glue(?::[a-z]+)?\}[ \t]+(\S+)", re.M)

#: Keys of a cell's metadata that the run writes (timings), not the author.
_RUN_KEYS = {"papermill", "execution"}
#: Notebook metadata that belongs to the run (the kernel it ran in), not to the source's front matter.
_RUN_METADATA = {"kernelspec", "language_info", "papermill"}


def read_source(path: Path) -> Any:
    """The chapter's MyST-Markdown source as a notebook (jupytext)."""
    import jupytext

    return jupytext.reads(path.read_text(encoding="utf-8"), fmt="md:myst")


def _text(cell: dict) -> str:
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _ran(cell: dict) -> bool:
    """A code cell of the chapter itself (papermill's injected parameters cell is not one)."""
    return cell.get("cell_type") == "code" and "injected-parameters" not in _tags(cell)


def _authored(cell: dict) -> dict:
    """A code cell's metadata as its author wrote it: without the run's timings, and without the
    ``remove-cell`` the build adds to the parameters cell (src/build/execute.py)."""
    meta = {k: v for k, v in cell.get("metadata", {}).items() if k not in _RUN_KEYS}
    tags = _tags(cell)
    if "parameters" in tags:
        tags = [t for t in tags if t != "remove-cell"]
    meta.pop("tags", None)
    return dict(meta, tags=tags) if tags else meta


def code_cells(nb: dict) -> list[tuple[str, dict]]:
    """Each code cell of the chapter as (source, metadata), in order: what its outputs and their display
    depend on (a change of tags, e.g. remove-cell, or of its edition is not a prose edit)."""
    return [(_text(c), _authored(c)) for c in nb["cells"] if _ran(c)]


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
    if not same_code(source, executed):      # e.g. a code cell saved while this build ran: the next build runs it
        raise BuildError("a chapter's code cells changed while it was being built; build again")
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
            cells.append({"cell_type": cell["cell_type"], "metadata": dict(cell.get("metadata", {})),
                          "source": _text(cell)})
            continue
        if not _ran(cell):                    # a cell tagged like papermill's own: the run replaced it
            continue
        if count == 0:
            cells += after.get(0, [])
        cells.append(next(ran))
        count += 1
        cells += after.get(count, [])
    out = copy.copy(executed)
    out["cells"] = [dict(c, id=f"cell-{i:03d}") for i, c in enumerate(cells)]
    front_matter = {k: v for k, v in source.get("metadata", {}).items() if k not in _RUN_METADATA}
    out["metadata"] = dict({k: v for k, v in executed.get("metadata", {}).items() if k in _RUN_METADATA},
                           **front_matter)
    return out


def glue_names(text: str) -> list[str]:
    """The glued values a Markdown text names (roles and ``{glue:figure}`` directives), in order, once each."""
    names = _GLUE_ROLE.findall(text) + [m[1] for m in _GLUE_DIRECTIVE.findall(text)]
    return list(dict.fromkeys(n.split(":")[0].strip() for n in names))


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
        for name in glue_names(_text(cell)):
            for lang in [edition] if edition else editions:
                if name not in glued.get(lang, set()) | glued.get("", set()):
                    missing.append((lang, name))
    return missing
