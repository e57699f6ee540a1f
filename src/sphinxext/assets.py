"""Sphinx extension: which files each page loads, names a screen reader can say, a 404 page.

* The chart runtime (``_static/vega/vega-bundle.js``, ≈ 0.9 MB) is added only to pages
  that draw a chart; the others never download it. (jupyter-book lists every ``.js`` file
  of ``_static`` in ``html_js_files``, i.e. on every page; this extension takes them off
  that list and adds each where it belongs.)
* The theme's icon script (Font Awesome's JS, ≈ 1.5 MB) is replaced by an empty file in
  ``src/sphinxext/static/scripts``: the theme's stylesheet already draws the same icons from the
  Font Awesome web font, which the pages load anyway.
* ``a11y.js`` gives the theme's controls Japanese names; the code toggles of folded cells
  lose their English ``aria-label`` here, so they are announced by their visible text.
* ``404.html`` at the site root, for static hosts (GitHub Pages serves it for any missing
  path): self-contained, so it draws the same at whatever depth it is served.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from src.charts.site_assets import BUNDLE_PATH

A11Y_SCRIPT = "a11y.js"                                   # in src/sphinxext/static
PDF_EDITION_SCRIPTS = ["pdf/edition.js", "pdf-edition.js"]  # link the edition's PDF when the site carries it (src/build/pdf.py)
ENGLISH_TOGGLE_LABEL = ' aria-label="Toggle hidden content"'
CHART_MARKER = 'class="vega-chart"'                      # render.embed_html's container
NOT_FOUND_PAGE = "404.html"


def drop_listed_static_scripts(app: Sphinx, config: Config) -> None:
    """Take the scripts of the book's own ``_static`` off the every-page list jupyter-book made."""
    static = Path(app.srcdir, "_static")

    def own_script(entry: str | tuple) -> bool:
        name = entry[0] if isinstance(entry, tuple) else entry
        return bool(name) and (static / name).is_file()

    config.html_js_files = [entry for entry in config.html_js_files if not own_script(entry)]


def draws_chart(body: str) -> bool:
    """Whether a page's HTML body holds a chart container."""
    return CHART_MARKER in body


def load_page_assets(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                     doctree: Any) -> None:
    """The chart runtime on chart pages only; the toggles named by their visible text."""
    body = context.get("body") or ""
    if draws_chart(body):
        # not deferred: each chart's inline script calls vegaEmbed where it stands
        app.add_js_file(BUNDLE_PATH)
    context["body"] = body.replace(ENGLISH_TOGGLE_LABEL, "")


def not_found_html(title: str, home: str) -> str:
    """A page saying the address was not found, with a link to the top page (no external files)."""
    return f"""<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>ページが見つかりません - {html.escape(title)}</title>
<style>
body {{ font-family: "Hiragino Sans", "Yu Gothic", Meiryo, "Noto Sans JP", system-ui, sans-serif;
       max-width: 40em; margin: 3em auto; padding: 0 1em; line-height: 1.8; color: #222; background: #fff; }}
a {{ color: #0b57a4; }}
@media (prefers-color-scheme: dark) {{ body {{ color: #eee; background: #121212; }} a {{ color: #8ab4f8; }} }}
</style>
</head>
<body>
<main>
<h1>ページが見つかりません</h1>
<p>お探しのページは、このサイトにありません。アドレスに誤りがないか確かめてください。</p>
<p><a href="{html.escape(home)}">{html.escape(title)}のトップページへ</a></p>
</main>
</body>
</html>
"""


def not_found_html_en(title: str, home: str) -> str:
    """The English edition's 404 page (same layout)."""
    page = not_found_html(title, home).replace('<html lang="ja">', '<html lang="en">')
    for ja, en in (("ページが見つかりません", "Page not found"),
                   ("お探しのページは、このサイトにありません。アドレスに誤りがないか確かめてください。",
                    "There is no page at this address on this site. Please check the address."),
                   ("のトップページへ", ": home page")):
        page = page.replace(ja, en)
    return page


def write_not_found_page(app: Sphinx, exception: Exception | None) -> None:
    """404.html at the site root; its link goes to the base URL, or to the host's root without one."""
    if exception is not None or app.builder.format != "html":
        return
    home = (app.config.html_baseurl or "").strip() or "/"
    page = not_found_html(app.config.html_title, home)
    if (app.config.language or "ja") != "ja":
        page = not_found_html_en(app.config.html_title, home)
    Path(app.outdir, NOT_FOUND_PAGE).write_text(page, encoding="utf-8")


def add_pdf_edition_scripts(app: Sphinx, config: Config) -> None:
    """Every edition has its own PDF, printed from its own pages: each edition's pages load the link
    scripts from their own ``_static`` (``en/_static/pdf/edition.js`` names the English PDF), and
    pdf-edition.js words the link in the page's language."""
    for script in PDF_EDITION_SCRIPTS:
        app.add_js_file(script)


def setup(app: Sphinx) -> dict[str, Any]:
    # before Sphinx turns the html_js_files strings into tuples (priority 800)
    app.connect("config-inited", drop_listed_static_scripts, priority=700)
    app.add_js_file(A11Y_SCRIPT, loading_method="defer")
    app.connect("config-inited", add_pdf_edition_scripts)
    app.connect("html-page-context", load_page_assets)
    app.connect("build-finished", write_not_found_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
