"""Sphinx extension: the link on every page to the same page in the other edition.

The staging (src/build/publish.py ``edition_book_files``) sets ``edition_switch`` for each
edition: the other edition's language, the link's label and title, and the relative path
from this edition's root to the other's ("en/" or "../").  Each page gets the link at the
top of its article and a ``<link rel="alternate" hreflang>`` in its head.
"""
from __future__ import annotations

import html
from typing import Any

from sphinx.application import Sphinx

SWITCH_CLASS = "edition-switch"


def other_edition_href(pagename: str, to_other: str) -> str:
    """Relative link from page ``pagename`` to the same page in the other edition."""
    return "../" * pagename.count("/") + to_other + pagename + ".html"


def switch_html(pagename: str, switch: dict[str, str]) -> str:
    """The switch paragraph: a link in the other edition's language, with its own ``lang``."""
    href = html.escape(other_edition_href(pagename, switch["to_other"]))
    lang = html.escape(switch["lang"])
    return (f'<p class="{SWITCH_CLASS}"><a href="{href}" hreflang="{lang}" lang="{lang}" '
            f'title="{html.escape(switch["title"])}">{html.escape(switch["label"])}</a></p>\n')


def add_switch(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    switch = app.config.edition_switch
    if not switch or doctree is None:
        return
    href = html.escape(other_edition_href(pagename, switch["to_other"]))
    context["metatags"] = context.get("metatags", "") + (
        f'\n<link rel="alternate" hreflang="{html.escape(switch["lang"])}" href="{href}">')
    context["body"] = switch_html(pagename, switch) + (context.get("body") or "")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("edition_switch", None, "html", [dict])
    app.connect("html-page-context", add_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
