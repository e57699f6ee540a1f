"""One code switch per page (issue 21): myst-nb folds each ``hide-input`` cell under its own
「コードを表示」 box; this extension unwraps those boxes into plain ``div.code-input`` blocks, and
code-switch.js (src/sphinxext/static) adds one 「コード」/"Code" button to the page header that shows or hides
them all, remembered across pages. Without JavaScript the code stays visible; print hides it."""
from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx

CODE_SWITCH_SCRIPT = "code-switch.js"   # in src/sphinxext/static
FOLDED_INPUT = re.compile(
    r'<details class="admonition hide above-input">\s*<summary>.*?</summary>(.*?)</details>', re.S)


def unwrapped_code_inputs(body: str) -> str:
    """``body`` with every per-cell code fold replaced by a plain ``div.code-input``."""
    return FOLDED_INPUT.sub(r'<div class="code-input">\1</div>', body)


def unwrap_code_folds(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if "body" in context:
        context["body"] = unwrapped_code_inputs(context["body"])


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_js_file(CODE_SWITCH_SCRIPT)   # in <head>, not deferred: the page must not flash its code
    app.connect("html-page-context", unwrap_code_folds)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
