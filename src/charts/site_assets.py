"""The site's static assets: the vega/vega-lite/vega-embed bundle, the CSS and scripts, and WOFF2 subsets
of the fonts holding only the characters the book's pages use (the glyph scan), put into ``_static``.

Files are written only when their bytes change (``write_if_changed``): Sphinx then re-reads only what changed.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import re
from pathlib import Path
from typing import Iterable

from src.charts.export import FONT_FILE, drawing_versions, font_dir, vegalite_version

WEB_FONT_PATH = "fonts/NotoSansJP-Regular-subset.woff2"   # relative to _static; named in book.css
#: The bold face (Noto Sans CJK JP Bold: Japanese glyph forms) declared as Noto Sans JP weight 700 in book.css.
BOLD_WEB_FONT_PATH = "fonts/NotoSansJP-Bold-subset.woff2"
STATIC_SRC = Path(__file__).resolve().parent.parent / "sphinxext" / "static"
BUNDLE_PATH = "vega/vega-bundle.js"      # relative to _static; listed in _config.yml


def vega_bundle(cache_dir: Path) -> Path:
    """The vega + vega-lite + vega-embed bundle shipped inside vl-convert, cached per version."""
    # Keyed on the installed versions, so a rebuild need not import altair and vl-convert (≈ 1 s).
    installed = "-".join(f"{name}{importlib.metadata.version(name)}" for name in ("altair", "vl-convert-python"))
    path = cache_dir / f"vega-bundle-{installed}-iife.js"
    if not path.exists():
        import vl_convert as vlc

        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        # The bundle declares top-level names (`_`, `t` …) that clash with Sphinx's own
        # scripts; a function scope keeps them private (it sets window.vegaEmbed itself).
        bundle = vlc.javascript_bundle(vl_version=vegalite_version())
        tmp.write_text(f"(function(){{\n{bundle}\n}})();\n", encoding="utf-8")
        tmp.rename(path)
    return path


def write_if_changed(path: Path, data: bytes) -> bool:
    """Leave unchanged files untouched (Sphinx then re-reads only what changed); True if written."""
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def _copy_if_changed(src: Path, dest: Path) -> None:
    write_if_changed(dest, src.read_bytes())


# Characters the pages show besides the book's own text: the ja messages of Sphinx and the
# theme (buttons, search page), and whole sets a reader may meet in any page or search.
SITE_LANGUAGE = "ja"
UI_PACKAGES = ("sphinx", "pydata_sphinx_theme", "sphinx_book_theme", "sphinx_togglebutton")
ALWAYS_IN_FONT = "".join(chr(c) for ranges in ((0x20, 0x7F), (0x3000, 0x3040), (0x3041, 0x3097),
                                                (0x309B, 0x3100), (0xFF01, 0xFF5F))
                         for c in range(*ranges))
TEXT_SUFFIXES = {".ipynb", ".md", ".yml", ".py", ".csv", ".json", ".js", ".html", ".txt", ".css"}
NOT_SCANNED = ("vega", "fonts", "figures")   # _static folders without page text of their own


def ui_message_text(language: str = SITE_LANGUAGE) -> str:
    """Every translated message of the site's Sphinx, theme and toggle-button catalogs."""
    from babel.messages.mofile import read_mo

    texts = []
    for package in UI_PACKAGES:
        spec = importlib.util.find_spec(package)
        for root in (spec.submodule_search_locations or []) if spec else []:
            for mo in sorted(Path(root).rglob(f"{language}/LC_MESSAGES/*.mo")):
                with mo.open("rb") as fh:
                    for message in read_mo(fh):
                        forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
                        texts += [form for form in forms if form]
    return "".join(texts)


def book_text_files(stage: Path) -> list[Path]:
    """The staged book's text files (notebooks with their outputs, config, data, code, scripts)."""
    skipped = [stage / "_static" / name for name in NOT_SCANNED]
    return sorted(p for p in stage.rglob("*")
                  if p.is_file() and p.suffix in TEXT_SUFFIXES and not any(d in p.parents for d in skipped))


def glyphs_used(files: Iterable[Path]) -> str:
    """Sorted distinct characters of ``files``, the UI messages and ALWAYS_IN_FONT."""
    chars = set(ALWAYS_IN_FONT) | set(ui_message_text())
    for path in files:
        chars |= set(path.read_text(encoding="utf-8-sig", errors="ignore"))
    return "".join(sorted(c for c in chars if c.isprintable()))


#: Markdown that draws bold: headings (also in a notebook's JSON lines) and **strong** spans.
_BOLD_MARKUP = re.compile(r'(?m)^[ \t]*"?(#{1,6} [^"\n]*)|\*\*(.+?)\*\*')


def bold_glyphs_used(files: Iterable[Path]) -> str:
    """Sorted distinct characters drawn bold: ASCII and those of headings and **strong** text in
    ``files``. Kept small on purpose (each bold CJK glyph is ~0.2 kB); any other bold character
    falls back to the reader's fonts."""
    chars = {chr(c) for c in range(0x20, 0x7F)}
    for path in files:
        if path.suffix in (".md", ".ipynb"):
            for match in _BOLD_MARKUP.finditer(path.read_text(encoding="utf-8-sig", errors="ignore")):
                chars |= set(match.group(1) or match.group(2))
    return "".join(sorted(c for c in chars if c.isprintable()))


def bold_font_file() -> Path:
    """The pip-installed Noto Sans CJK JP Bold OTF (SIL Open Font License 1.1)."""
    import noto_cjk_sans_jp_bold

    return Path(str(noto_cjk_sans_jp_bold.FONT_PATH))


def font_subset(glyphs: str, cache_dir: Path, bold: bool = False) -> Path:
    """WOFF2 of Noto Sans JP (or its bold face) cut down to ``glyphs``, cached by the glyph set and the fonts' versions."""
    from src.charts.fonts import subset_font

    source = bold_font_file() if bold else font_dir() / FONT_FILE
    weight = f"Bold {importlib.metadata.version('noto-cjk-sans-jp-bold')}" if bold else "Regular"
    key = hashlib.sha256((drawing_versions() + weight + glyphs).encode("utf-8")).hexdigest()[:16]
    path = cache_dir / f"NotoSansJP-{'Bold' if bold else 'Regular'}-{key}.woff2"
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        # CFF hints add bytes; browsers rasterise CJK well without them
        data = subset_font(source, glyphs, "woff2", hinting=False)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def write_site_static(static_dir: Path, cache_dir: Path) -> None:
    """Put the JS bundle, the stylesheet and scripts where Sphinx copies static files from (the font: ``write_web_font``)."""
    _copy_if_changed(vega_bundle(cache_dir), static_dir / BUNDLE_PATH)
    licence = importlib.metadata.distribution("pylopdf-fonts-jp").read_text("licenses/LICENSE") or ""
    write_if_changed(static_dir / "fonts" / "OFL.txt", licence.encode("utf-8"))
    for path in STATIC_SRC.rglob("*"):
        if path.is_file():
            _copy_if_changed(path, static_dir / path.relative_to(STATIC_SRC))


def write_web_font(static_dir: Path, cache_dir: Path, glyphs: str, bold_glyphs: str) -> None:
    """The web fonts: the regular face cut down to ``glyphs`` (``glyphs_used`` of everything staged,
    static files included), the bold face to ``bold_glyphs`` (``bold_glyphs_used``)."""
    fonts = {static_dir / WEB_FONT_PATH: font_subset(glyphs, cache_dir),
             static_dir / BOLD_WEB_FONT_PATH: font_subset(bold_glyphs, cache_dir, bold=True)}
    for target, subset in fonts.items():
        _copy_if_changed(subset, target)
    bold_licence = importlib.metadata.distribution("noto-cjk-sans-jp-bold").read_text("licenses/LICENSE") or ""
    write_if_changed(static_dir / "fonts" / "OFL-NotoSansCJKjp-Bold.txt", bold_licence.encode("utf-8"))
    for old in (static_dir / WEB_FONT_PATH).parent.iterdir():   # a previous build's font (another subset, or the whole OTF)
        if old.suffix in (".otf", ".woff2") and old not in fonts:
            old.unlink()
