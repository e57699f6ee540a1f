"""Link previews (Open Graph, Twitter card) and sitemap.xml from one base URL.

The base URL is ``html.baseurl`` in ``_config.yml`` (Sphinx ``html_baseurl``) and nothing
else: this extension derives ``ogp_site_url`` and every preview image from it, and loads
sphinx-sitemap only when it is set. Without it the build says so once (an info message,
not a warning, since the book is built with ``-W``) and pages carry no preview tags,
because Open Graph needs absolute URLs.

Each page's preview image is the PNG of the first chart it shows (the pipeline writes
``_static/figures/figNN.png``); pages without a chart use figure 1's. Its description is
the page's lead: its first paragraphs of prose (opengraph's own would also read tables).
"""
from __future__ import annotations

import contextlib
import html
import io
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from src.book import site_paths
from src.data.figures import REGISTRY

logger = logging.getLogger(__name__)

NO_BASE_URL = "no base URL configured: no link-preview URLs or sitemap"
FIGURES_DIR = str(site_paths.FIGURES)
DEFAULT_FIGURE = 1
LEAD_MIN, LEAD_MAX = 80, 200          # characters of the description
NOT_PAGES = ["genindex.html", "search.html"]   # Sphinx's index and search: no content of their own
_LABELS = {spec.label: spec.number for spec in REGISTRY.values()}


def base_url(config: Config) -> str:
    """The configured site root with one trailing slash, or "" when none is set."""
    url = (config.html_baseurl or "").strip()
    return url.rstrip("/") + "/" if url else ""


def figures_shown(doctree: nodes.document) -> list[int]:
    """Report figure numbers of the page's figure targets (``fig-NN``), in page order."""
    found: list[int] = []
    for node in doctree.findall(nodes.Element):
        for ident in node.get("ids", []):
            number = _LABELS.get(ident)
            if number is not None and number not in found:
                found.append(number)
    return found


def preview_figure(doctree: nodes.document, srcdir: Path) -> tuple[int, str] | None:
    """Number and site-relative PNG path of the page's preview: its first drawn chart, else figure 1."""
    for number in [*figures_shown(doctree), DEFAULT_FIGURE]:
        relative = f"{FIGURES_DIR}/{REGISTRY[number].file_name('png')}"
        if (srcdir / relative).is_file():   # an unpublished figure has a note, not a chart
            return number, relative
    return None


def lead_text(doctree: nodes.document) -> str:
    """The page's opening prose: the first paragraphs written directly in one section
    (not in tables, code cells or captions), never running on into the next section."""
    text, section = "", None
    for paragraph in doctree.findall(nodes.paragraph):
        if isinstance(paragraph.parent, nodes.section) and section in (None, paragraph.parent):
            section = paragraph.parent
            # soft line breaks become spaces; none belongs after Japanese punctuation
            words = "".join(t.astext() for t in paragraph.findall(nodes.Text)
                            if not isinstance(t.parent, nodes.raw))     # inline HTML (<span lang="ja">): its text only
            text += re.sub(r"(?<=[。、）」])\s+(?![\x00-\x7f“‘])", "", re.sub(r"\s+", " ", words)).strip()
            if len(text) >= LEAD_MIN:
                break
    if len(text) <= LEAD_MAX:
        return text
    cut = text.rfind("。", 0, LEAD_MAX)
    return text[:cut + 1] if cut >= LEAD_MIN else text[:LEAD_MAX - 1] + "…"


def configure_urls(app: Sphinx, config: Config) -> None:
    """Point opengraph and the sitemap at the base URL, or turn their URL output off."""
    config.ogp_enable_meta_description = False   # add_page_preview writes it, from the lead
    url = base_url(config)
    if not url:
        logger.info(NO_BASE_URL)
        return
    config.html_baseurl = url
    config.ogp_site_url = url
    config.ogp_site_name = config.html_title
    config.sitemap_excludes = NOT_PAGES
    config.sitemap_url_scheme = "{link}"   # the default puts the language (ja/) in every URL
    config.sitemap_show_lastmod = False    # needs a git checkout; the staged book is none


def add_page_preview(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                     doctree: nodes.document | None) -> None:
    """Describe the page by its lead; give opengraph its image, or switch it off without a base URL."""
    if doctree is None:
        return
    meta = dict(context.get("meta") or {})     # a copy: the environment's metadata stays as read
    lead = lead_text(doctree)
    if lead:
        context["metatags"] += f'<meta name="description" content="{html.escape(lead)}" />\n'
        meta["og:description"] = lead
    url = base_url(app.config)
    preview = preview_figure(doctree, Path(app.srcdir)) if url else None
    if not url:
        meta["ogp_disable"] = True
    elif preview:
        number, image = preview
        meta["og:image"] = url + image
        meta["og:image:alt"] = f"概要図表{number}のグラフ"
        context["metatags"] += '<meta name="twitter:card" content="summary_large_image" />\n'
    context["meta"] = meta


def setup(app: Sphinx) -> dict[str, Any]:
    # opengraph prints a notice on import when matplotlib (for its generated "social cards")
    # is missing; the previews here are the charts themselves, so it is noise.
    with contextlib.redirect_stdout(io.StringIO()):
        import sphinxext.opengraph  # noqa: F401
    app.setup_extension("sphinxext.opengraph")
    if base_url(app.config):
        app.setup_extension("sphinx_sitemap")
    app.connect("config-inited", configure_urls)
    # before opengraph's own handler (priority 500), which reads the page's metadata
    app.connect("html-page-context", add_page_preview, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
