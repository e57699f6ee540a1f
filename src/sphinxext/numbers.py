"""Sphinx extension: every computed number explains itself (issue 21, part 2).

A number the chapters glue (src/book/text.py ``glue_percent``/``glue_count``) carries its panel in its glue
output's metadata (``number``: src/book/provenance.py ``panel``, already in the edition's language). This
extension's ``{glue:text}`` role pastes such a number as a :class:`number` node, which the HTML writer
renders as ``<span class="num" data-num="…" data-cell="cell-005">13.9％</span>``: the page's text is
the number alone; the panel travels in an escaped attribute, which is no text of the page, so it
stays out of the search index, the search snippets, copy and paste and print. ``numbers.js``
(src/sphinxext/static) makes the number a control named 「13.9％の根拠」 and builds the panel from text nodes
when it is activated. The code cell that glued the number gets its notebook cell id as its HTML id,
so the panel can link to it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from myst_nb.core.variables import RetrievalError
from myst_nb.ext.glue.roles import PasteTextRole
from myst_nb.ext.glue.utils import retrieve_glue_data

from src.base.i18n import NUMBER_CLASS, NUMBER_KEY, SENTENCE_KEY

NUMBERS_SCRIPT = "numbers.js"        # in src/sphinxext/static
GLUE_CELLS = "number_glue_cells"     # document attribute: glue key → (cell index, cell id), read once per page
CELL_IDS = "number_cell_ids"         # document attribute: notebook cell index → cell id, for the cells that glued numbers


class number(nodes.inline):
    """A glued number with its panel (``panel``: JSON) and the id of the code cell that glued it (``cell``)."""


def _glue_cells(document: nodes.document) -> dict[str, tuple[int, str]]:
    """Glue key → index and id of the (last) code cell whose outputs glue it, read from the executed
    notebook itself (myst-nb takes the glue outputs out of its cells; it keeps the last of a key too)."""
    env = document.settings.env
    found: dict[str, tuple[int, str]] = {}
    try:
        notebook = json.loads(Path(env.doc2path(env.docname)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return found
    for index, cell in enumerate(notebook.get("cells", [])):
        for output in cell.get("outputs", []):
            key = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if key:
                found[key] = (index, cell.get("id") or f"cell-{index}")
    return found


class NumberTextRole(PasteTextRole):
    """``{glue:text}``: as myst-nb's, but a number glued with its panel becomes a :class:`number` node, and
    so does each number of a glued sentence (src/book/text.py ``glue_sentence``)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        pasted, messages = super().run()
        key = self.text.rsplit(":", 1)[0] if ":" in self.text else self.text
        if "::" in key or len(pasted) != 1 or not isinstance(pasted[0], nodes.inline):
            return pasted, messages
        try:
            result = retrieve_glue_data(self.document, key)
        except RetrievalError:
            return pasted, messages
        data, parts = result.metadata.get(NUMBER_KEY), result.metadata.get(SENTENCE_KEY)
        text = pasted[0].astext()
        if data:
            return [self._number(key, text, data)], messages
        if not parts or "".join(p if isinstance(p, str) else p["text"] for p in parts) != text:
            return pasted, messages
        sentence = nodes.inline(text, "", *(nodes.Text(p) if isinstance(p, str) else self._number(key, p["text"], p[NUMBER_KEY])
                                            for p in parts))
        self.set_source_info(sentence)
        return [sentence], messages

    def _number(self, key: str, text: str, data: dict) -> number:
        node = number(text, text, classes=[NUMBER_CLASS],
                      panel=json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        if GLUE_CELLS not in self.document:
            self.document[GLUE_CELLS] = _glue_cells(self.document)
        cell = self.document[GLUE_CELLS].get(key)
        if cell is not None:
            node["cell"] = cell[1]
            self.document.setdefault(CELL_IDS, {})[cell[0]] = cell[1]
        self.set_source_info(node)
        return node


def visit_number_html(self, node: number) -> None:
    attributes = {"data-num": node["panel"]}
    if node.get("cell"):
        attributes["data-cell"] = node["cell"]
    self.body.append(self.starttag(node, "span", "", **attributes))   # starttag escapes the values


def depart_number_html(self, node: number) -> None:
    self.body.append("</span>")


def anchor_glue_cells(app: Sphinx, doctree: nodes.document) -> None:
    """Give each code cell that glued a number its notebook cell id, so a panel can link to it."""
    cells = doctree.get(CELL_IDS) or {}
    if not cells:
        return
    for container in doctree.findall(nodes.container):
        if container.get("nb_element") == "cell_code" and container.get("cell_index") in cells:
            ident = cells[container["cell_index"]]
            if ident not in container["ids"]:
                container["ids"].append(ident)


def load_numbers_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """numbers.js on the pages that show a number with a panel."""
    if f'class="{NUMBER_CLASS}"' in (context.get("body") or ""):
        app.add_js_file(NUMBERS_SCRIPT, loading_method="defer")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(number, html=(visit_number_html, depart_number_html))
    app.add_role_to_domain("glue", "text", NumberTextRole(), override=True)
    app.connect("doctree-read", anchor_glue_cells)
    app.connect("html-page-context", load_numbers_script)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
