"""Self-contained SVG downloads: the glyphs the SVG's text uses, embedded as a font subset.

vl-convert draws text as ``<text>`` naming "Noto Sans JP"; a machine without that font (most
outside Japan, and many inside) would draw other glyphs, or empty boxes, at other widths.
``embed_font_subset`` adds an ``@font-face`` with exactly the characters the SVG uses (a WOFF
subset of the bundled Noto Sans JP, ``fonts.subset_font``) under the same family name, which the SVG's
own ``@font-face`` takes over from any installed font.  The text stays text: selectable,
searchable and read by screen readers.
"""
from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_text(svg: str) -> str:
    """Every character the SVG draws as text (its ``<text>`` and ``<tspan>`` contents)."""
    root = ET.fromstring(svg)
    return "".join("".join(el.itertext()) for el in root.iter(f"{SVG_NS}text"))


@lru_cache(maxsize=64)
def font_subset_woff(font_path: Path, characters: str) -> bytes:
    """A WOFF of ``font_path`` holding only ``characters`` (deterministic: no timestamp changes)."""
    from src.charts.fonts import subset_font

    return subset_font(font_path, characters, "woff")


def embed_font_subset(svg: str, font_path: Path, family: str) -> str:
    """``svg`` with an ``@font-face`` for ``family`` holding the glyphs its text uses, as a data: URL."""
    characters = "".join(sorted(set(svg_text(svg)) - {"\n", "\r", "\t"}))
    if not characters:
        return svg
    woff = base64.b64encode(font_subset_woff(font_path, characters)).decode("ascii")
    style = (f'<defs><style>@font-face{{font-family:"{family}";'
             f'src:url(data:font/woff;base64,{woff}) format("woff");}}</style></defs>')
    # right after the opening <svg ...> tag, before anything that draws text
    return re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1) + style, svg, count=1)
