"""How charts reach the reader: an offline HTML embed, and each figure's SVG/PNG/CSV downloads.

* In a notebook, Altair charts are displayed by the ``book`` renderer: a ``<div>`` plus a
  call to ``vegaEmbed`` from the site's own pinned bundle (no CDN), and the Vega-Lite
  spec itself so the build can export the figure.
* ``export_figures`` writes every figure of an executed notebook as SVG and PNG with
  vl-convert, using the Japanese font shipped on PyPI, plus its data CSV — once per
  edition: the Japanese files into the assets folder, the English ones into its ``en/``.
* The site's static assets (the vega bundle, the CSS, the web fonts) are src/charts/site_assets.py.
"""
from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from src.base import i18n
from src.data.figures import figure_spec
from src.data.files import data_file_bytes
from src.data.package import FORMULA_START, Resource, load_survey

MIME_VEGALITE = "application/vnd.vegalite.v6+json"
RENDERER = "book"
FONT_FAMILY = "Noto Sans JP"
FONT_FILE = "NotoSansJP-Regular.otf"
PNG_SCALE = 2
#: Width (px) of a figure's SVG/PNG download; on the page a chart takes its column's width.
EXPORT_WIDTH = 640


def font_dir() -> Path:
    """Directory of the pip-installed Noto Sans JP font (SIL Open Font License 1.1)."""
    import pylopdf_fonts_jp

    return Path(pylopdf_fonts_jp.__file__).resolve().parent


@lru_cache(maxsize=1)
def _vl_convert():
    import vl_convert as vlc

    vlc.register_font_directory(str(font_dir()))
    return vlc


def vegalite_version() -> str:
    """Vega-Lite major.minor that this Altair writes (the bundle is built for it)."""
    import altair as alt

    return ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def _script_safe_json(spec: dict[str, Any]) -> str:
    # Data labels are untrusted text: never let them close the <script> element.
    return (json.dumps(spec, ensure_ascii=False, sort_keys=True)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def embed_html(spec: dict[str, Any]) -> str:
    """HTML that draws ``spec`` with the site's own vegaEmbed (SVG renderer, no actions menu)."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    div_id = f"vega-{digest}"
    # Vega measures label widths when it draws: wait for the Japanese web font first,
    # or labels measured with a fallback font are clipped.  The box is as wide as the
    # column; a chart whose width is "container" takes that width and follows resizes.
    return (
        f'<div class="vega-chart" id="{div_id}" style="width:100%"></div>\n'
        "<script>(function(){var el=document.getElementById(" + json.dumps(div_id) + ");"
        "if(typeof vegaEmbed!=='function'){el.textContent=/^ja/.test(document.documentElement.lang)"
        "?'図を表示できません（vega-bundle.js が読み込まれていません）'"
        ":'The chart cannot be displayed (vega-bundle.js did not load).';"
        "console.error('vegaEmbed is not loaded');return;}"
        f"var spec={_script_safe_json(spec)};"
        "var draw=function(){vegaEmbed(el,spec,{renderer:'svg',actions:false})"
        # a second layout pass: a legend that wraps at the new width changes the chart's height
        ".then(function(r){var again=function(){return r.view.resize().runAsync();};"
        "window.addEventListener('resize',function(){requestAnimationFrame(again);});return again();})"
        ".catch(function(e){console.error(e);el.textContent=String(e);});};"
        "var fonts=document.fonts&&document.fonts.load?document.fonts.load('12px \"" + FONT_FAMILY + "\"'):null;"
        "fonts?fonts.then(draw,draw):draw();})();</script>"
    )


def book_renderer(spec: dict[str, Any], **_: Any) -> dict[str, Any]:
    """Altair renderer: offline HTML for the page plus the raw spec for the build."""
    return {"text/html": embed_html(spec), MIME_VEGALITE: spec}


def enable_renderer() -> None:
    """Display Altair charts with the offline ``book`` renderer (call once per kernel)."""
    import altair as alt

    if RENDERER not in alt.renderers.names():
        alt.renderers.register(RENDERER, book_renderer)
    alt.renderers.enable(RENDERER)


# --------------------------------------------------------------------------- static images


def fixed_width(spec: dict[str, Any], width: int = EXPORT_WIDTH) -> dict[str, Any]:
    """The spec for a static file: ``width`` px where the page lets the chart take its column's width."""
    return {**spec, "width": width} if spec.get("width") == "container" else spec


def static_files(spec: dict[str, Any]) -> tuple[bytes, bytes]:
    """The figure's downloads, drawn once: a self-contained SVG (its text carries a subset of the
    Japanese font, src/charts/svgfont.py) and a PNG rasterised from the same SVG before the font is embedded —
    the bytes vegalite_to_png gives (checked for every figure), without compiling the spec again."""
    from src.charts.svgfont import embed_font_subset

    vlc = _vl_convert()    # its text names "Noto Sans JP", which vl-convert has registered (font_dir)
    svg = vlc.vegalite_to_svg(fixed_width(spec), vl_version=vegalite_version())
    return (embed_font_subset(svg, font_dir() / FONT_FILE, FONT_FAMILY).encode("utf-8"),
            vlc.svg_to_png(svg, scale=PNG_SCALE))


def warm_up_exports() -> None:
    """Start vl-convert's JavaScript engine and load the font (≈ 0.6 s), for a process that will export figures."""
    static_files({"data": {"values": [{"x": "国"}]}, "mark": "text", "encoding": {"text": {"field": "x"}}})


UTF8_BOM = b"\xef\xbb\xbf"


def with_bom(csv_bytes: bytes) -> bytes:
    """The CSV as Excel on Japanese Windows reads it: UTF-8 with a byte-order mark (else it assumes Shift_JIS)."""
    return csv_bytes if csv_bytes.startswith(UTF8_BOM) else UTF8_BOM + csv_bytes


def spreadsheet_safe(cell: str) -> str:
    """A CSV cell that a spreadsheet shows as text: one that would start a formula gets a leading apostrophe (OWASP)."""
    return "'" + cell if cell[:1] in FORMULA_START or cell.lstrip(" ")[:1] in FORMULA_START else cell


def figure_csv(data_dir: Path, res: Resource, lang: str = i18n.SOURCE) -> bytes:
    """A figure's CSV download in edition ``lang``: UTF-8 with a BOM, which Excel on Japanese Windows needs
    to read it as UTF-8.

    Japanese edition: the resource's own file, byte for byte — validation has refused cells a
    spreadsheet would run as formulas, and ``data/`` is what we publish.  A translated edition:
    the same rows and numbers with the labels translated by ``i18n.tr`` with the translations in use
    (``export_figures`` uses the data package's, as the chart does),
    and the original labels in ``series_ja``, ``item_ja`` and ``level_ja``; a label without a
    translation stays Japanese.  Translated labels were not in the validated file, so a label a
    spreadsheet would run as a formula is neutralised.
    """
    raw = data_file_bytes(data_dir, res.path.name)
    if lang == i18n.SOURCE:
        return with_bom(raw)
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    columns = list(reader.fieldnames or [])
    out = io.StringIO()
    writer = csv.DictWriter(out, [*columns, *i18n.ORIGINAL_COLUMNS.values()], lineterminator="\n")
    writer.writeheader()
    for row in reader:
        originals = {c: row.get(c) or "" for c in i18n.ORIGINAL_COLUMNS}
        writer.writerow({**row, **{c: spreadsheet_safe(i18n.tr(v, lang)) for c, v in originals.items()},
                         **{i18n.ORIGINAL_COLUMNS[c]: v for c, v in originals.items()}})
    return with_bom(out.getvalue().encode("utf-8"))


def output_edition(output: dict[str, Any]) -> str:
    """The edition a notebook output belongs to (its ``edition`` metadata); untagged outputs are Japanese."""
    return (output.get("metadata") or {}).get(i18n.EDITION_KEY, i18n.SOURCE)


def edition_dir(out_dir: Path, lang: str) -> Path:
    """Where edition ``lang``'s figure files go: ``out_dir`` for Japanese, ``out_dir / lang`` for the others."""
    return out_dir if lang == i18n.SOURCE else out_dir / lang


def figure_specs(nb, lang: str = i18n.SOURCE) -> dict[int, dict[str, Any]]:
    """Vega-Lite specs of the report figures an executed notebook shows in edition ``lang`` (``usermeta.figure``)."""
    found: dict[int, dict[str, Any]] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if output_edition(out) != lang:
                continue
            # glued outputs carry their mimetypes behind papermill's record prefix
            spec = next((v for k, v in out.get("data", {}).items() if k.endswith(MIME_VEGALITE)), None)
            if isinstance(spec, dict):
                number = spec.get("usermeta", {}).get("figure")
                if isinstance(number, int):
                    found[number] = spec
    return found


@lru_cache(maxsize=1)
def drawing_versions() -> str:
    """The installed font and the tools that draw and cut it: the cached files depend on them."""
    return " ".join(f"{name} {importlib.metadata.version(name)}"
                    for name in ("pylopdf-fonts-jp", "vl-convert-python", "uharfbuzz", "fonttools"))


def _rendered(spec: dict[str, Any], cache_dir: Path | None) -> tuple[bytes, bytes]:
    """SVG and PNG bytes of a spec; cached by the spec's content (unchanged figures are not redrawn)."""
    if cache_dir is None:
        return static_files(spec)
    # what the files depend on besides the spec: a change to any of these redraws them
    settings = {"width": EXPORT_WIDTH, "png_scale": PNG_SCALE, "svg_font": f"{FONT_FILE} subset, woff",
                "versions": drawing_versions()}
    key = hashlib.sha256(json.dumps([spec, settings], sort_keys=True).encode()).hexdigest()
    svg_path, png_path = cache_dir / f"{key}.svg", cache_dir / f"{key}.png"
    if not (svg_path.exists() and png_path.exists()):
        cache_dir.mkdir(parents=True, exist_ok=True)
        for path, data in zip((svg_path, png_path), static_files(spec)):
            tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
    return svg_path.read_bytes(), png_path.read_bytes()


def export_figures(nb, out_dir: Path, data_dir: Path, cache_dir: Path | None = None,
                   translations: dict[str, dict[str, str]] | None = None) -> list[Path]:
    """Write figNN.svg, figNN.png and figNN.csv for every figure in ``nb``, per edition; returns the files.

    The Japanese edition's charts (outputs tagged ``edition: ja``, or untagged) go into
    ``out_dir``, each other edition's into ``out_dir / lang`` under the same names.
    ``translations``: the labels of the translated CSVs (default: the data package's, which the
    chapters' charts are drawn with; this process has not opened the survey).
    """
    survey = load_survey(data_dir)
    with i18n.translations_in_use(survey.translations if translations is None else translations):
        return _export(nb, out_dir, data_dir, survey, cache_dir)


def _export(nb, out_dir: Path, data_dir: Path, survey, cache_dir: Path | None) -> list[Path]:
    written = []
    for lang in i18n.EDITIONS:
        target = edition_dir(out_dir, lang)
        for number, spec in sorted(figure_specs(nb, lang).items()):
            target.mkdir(parents=True, exist_ok=True)
            stem = figure_spec(number).stem
            svg_bytes, png_bytes = _rendered(spec, cache_dir)
            svg = target / f"{stem}.svg"
            svg.write_bytes(svg_bytes)
            png = target / f"{stem}.png"
            png.write_bytes(png_bytes)
            written += [svg, png]
            res = survey.resources.get(number)
            if res is not None and res.published:
                table = target / figure_spec(number).file_name("csv")
                table.write_bytes(figure_csv(data_dir, res, lang))
                written.append(table)
    return written
