"""The PDF edition: the site's own executed pages, printed to one A4 file per edition by Debian chromium.

Run ``python -m src.build.pdf build`` after ``python -m src.pipeline build`` (``make pdf`` does both).
Each edition (Japanese, English) is printed the same way from its own staged book:

1. The staged book (``_build/stage``, ``_build/stage-en``: the executed notebooks the site was
   built from) is rendered once more by Sphinx as one page (``singlehtml``); nothing is executed again.
2. That page is rewritten for print (``print_page``): a cover with the table of contents,
   each chapter on a new page, every figure's data table expanded, no site controls
   (navigation, hidden code cells, download rows, links to files of the site), and the
   PDF-only stylesheet ``src/build/pdf.css``.
3. Chromium draws the charts with vega's SVG renderer (vectors in the PDF), then prints
   the page to A4 with page numbers in the footer; fonts are embedded as subsets.

Freshness: ``BUILD_DIR/pdf/pdf.json`` (``pdf-en.json``) records the site digest the edition's PDF
was printed from, the digest of the edition's own stage (which holds ``src/**/*.py``, this module
included) and the stylesheet's hash. A PDF is printed again only when its stage or the
stylesheet changed; when only the other edition changed, its record is moved to the new site
digest without printing. The site carries and links the PDFs (``add_to_site``, called by
``publish.publish``) only when every edition's record holds the site's own digest: a PDF of
other pages is never linked.
"""
from __future__ import annotations

import argparse
import hashlib
import html
import io
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import yaml

from src.base.common import REPO, BuildError
from src.base.i18n import EDITIONS, SOURCE
from src.build.pdf_record import EDITION_JS, RECORD, fresh_pdf, intact_pdf, pdf_dir, read_record, record_name  # noqa: F401  (the CLI's and tests' names)
from src.build.publish import mark_finished, sphinx_build
from src.charts.export import FONT_FAMILY

#: Each edition's PDF, in BUILD_DIR/pdf and in the edition's own _static/pdf (en/_static/pdf/…).
PDF_NAMES = {"ja": "nistep-dp145-saigenban.pdf", "en": "nistep-dp145-reproduction-en.pdf"}
PDF_NAME = PDF_NAMES[SOURCE]
#: What the cover says besides the book's title (the title and part captions come from the edition's stage).
COVER_TEXT = {"ja": {"subtitle": "PDF版", "contents": "目次"},
              "en": {"subtitle": "PDF edition", "contents": "Contents"}}
# Not in src/sphinxext/static: jupyter-book would load every stylesheet there on the web pages too.
STYLESHEET = Path(__file__).resolve().parent / "pdf.css"
PAGE = "pdf.html"                   # the rewritten page, next to the singlehtml output (its _static/ resolves)
PRINT_FONT = "NotoSansJP-print.ttf"  # print_font(): written next to PAGE
PRINT_BOLD_FONT = "NotoSansJP-Bold-print.ttf"   # print_font(bold=True): the same for the bold face
CHART_TIMEOUT_MS = 120_000
FOOTER = ('<div style="width:100%;font-size:8pt;color:#444;text-align:center;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
MARGIN = {"top": "16mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}
# A4's width less the side margins (178 mm) in CSS pixels: charts take their column's width when
# drawn, so the page is laid out at the paper's width before they are (no resize when printing).
PAPER_COLUMN_PX = round((210 - 32) / 25.4 * 96)
_SITE_CONTROLS = ["a.headerlink", ".figure-downloads", "details.hide.above-input", "#jb-print-docs-body"]


# --------------------------------------------------------------------------- freshness

def stylesheet_digest() -> str:
    """Hash of the PDF's stylesheet, the one input of the print that the stage does not hold."""
    return hashlib.sha256(STYLESHEET.read_bytes()).hexdigest()[:24]



# --------------------------------------------------------------------------- the page to print

def part_captions(stage: Path) -> list[str]:
    """Captions of the book's parts (本編, 付録; The report, Appendices) from the staged ``_toc.yml``."""
    toc = yaml.safe_load((stage / "_toc.yml").read_text(encoding="utf-8"))
    return [part.get("caption", "") for part in toc.get("parts", [])]


def _heading_text(section) -> str:
    heading = section.find(re.compile(r"^h[1-6]$"))
    return heading.get_text(" ", strip=True) if heading else ""


def _demote(section, levels: int) -> None:
    """Raise headings by ``levels`` (a chapter nested under the landing page's h2 becomes h1 again)."""
    for heading in section.find_all(re.compile(r"^h[1-6]$")):
        heading.name = f"h{max(1, int(heading.name[1]) - levels)}"


def _fix_links(soup) -> None:
    """Keep links to the web and within the PDF; unwrap links to the site's own files."""
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    for a in soup.find_all("a", href=True):
        href = a["href"]
        if re.match(r"(https?|mailto):", href):
            continue
        fragment = href.partition("#")[2]
        if fragment in ids:
            a["href"] = f"#{fragment}"
        else:
            a.unwrap()


def _expand_details(soup) -> None:
    """Data tables and other folded blocks are printed open, their summary as a title."""
    for details in soup.find_all("details"):
        summary = details.find("summary")
        if summary is not None:
            summary.name = "p"
            summary["class"] = ["folded-title"]
        details.name = "div"
        details["class"] = details.get("class", []) + ["unfolded"]
        details.attrs.pop("open", None)


def _unique_chart_ids(soup) -> None:
    """One page holds every chapter: a chart shown twice (figure 1, on the landing page too) needs a second id."""
    seen: set[str] = set()
    for div in soup.select("div.vega-chart[id]"):
        old = div["id"]
        if old in seen:
            new = f"{old}-{len(seen)}"
            script = div.find_next_sibling("script")
            script.string = script.string.replace(json.dumps(old), json.dumps(new), 1)
            div["id"] = new
        seen.add(div["id"])


def _toc(soup, title: str, parts: list[tuple[str, list]], landing, lang: str) -> object:
    """The cover: the book's title and a table of contents of the landing page, chapters and appendices."""
    cover = soup.new_tag("section", attrs={"class": "pdf-cover"})
    name = soup.new_tag("p", attrs={"class": "pdf-title"})
    name.string = title
    sub = soup.new_tag("p", attrs={"class": "pdf-subtitle"})
    sub.string = COVER_TEXT[lang]["subtitle"]
    nav = soup.new_tag("nav", attrs={"class": "pdf-toc"})
    head = soup.new_tag("p", attrs={"class": "pdf-toc-title"})
    head.string = COVER_TEXT[lang]["contents"]
    nav.append(head)
    entries = [("", [landing])] + parts
    for caption, sections in entries:
        if caption:
            part = soup.new_tag("p", attrs={"class": "pdf-toc-part"})
            part.string = caption
            nav.append(part)
        ul = soup.new_tag("ul")
        for section in sections:
            li = soup.new_tag("li")
            a = soup.new_tag("a", href=f"#{section['id']}")
            a.string = _heading_text(section)
            li.append(a)
            ul.append(li)
        nav.append(ul)
    cover.extend([name, sub, nav])
    return cover


def print_page(single_html: str, captions: list[str], title: str, lang: str = SOURCE) -> str:
    """The singlehtml page of edition ``lang`` rewritten for print: cover and contents, landing page, chapters, appendices."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(single_html, "html.parser")
    article = soup.select_one("article.bd-article")
    if article is None:
        raise BuildError("the single-page book has no article element: the theme's layout changed")
    landing = article.find("section")
    wrappers = article.select(".toctree-wrapper")
    if landing is None or len(wrappers) != len(captions):
        raise BuildError(f"the single-page book has {len(wrappers)} table(s) of contents for {len(captions)} part(s)")
    parts = []
    for caption, wrapper in zip(captions, wrappers):
        chapters = wrapper.find_all("section", recursive=False)
        for chapter in chapters:
            _demote(chapter, int(chapter.find(re.compile(r"^h[1-6]$")).name[1]) - 1)
            chapter["class"] = chapter.get("class", []) + ["pdf-chapter"]
        parts.append((caption, chapters))
    for selector in _SITE_CONTROLS:
        for tag in article.select(selector):
            tag.decompose()
    _expand_details(article)
    _unique_chart_ids(article)
    contents = wrappers[0].find_parent("section")   # the landing page's 構成 (Contents) section: the cover replaces it
    for wrapper in wrappers:
        wrapper.extract()
    contents.decompose()
    landing["class"] = landing.get("class", []) + ["pdf-landing"]
    main = soup.new_tag("main", attrs={"class": "pdf-edition"})
    main.append(_toc(soup, title, parts, landing, lang))
    main.append(landing.extract())
    for _, chapters in parts:
        main.extend([c.extract() for c in chapters])
    _fix_links(main)
    return _document(soup, main, lang)


def _document(soup, main, lang: str) -> str:
    """A bare page: the site's stylesheets, the PDF's own, the vega bundle; none of the theme's scripts."""
    # the web pages' print.css is left out: the PDF's layout is pdf.css's alone (print.css hides code cells)
    styles = "".join(str(link) for link in soup.head.find_all("link", rel="stylesheet")
                     if not link["href"].split("?")[0].endswith("/print.css"))
    bundle = soup.head.find("script", src=re.compile(r"vega-bundle\.js"))
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
            f"<title>{html.escape(soup.title.string if soup.title else '')}</title>{styles}"
            f'<link rel="stylesheet" href="{STYLESHEET.name}">'
            # same family and descriptors as book.css's rule, declared later: this one wins
            f'<style>@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{PRINT_FONT}") format("truetype"); }}'
            f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: 600 900; '
            f'src: url("{PRINT_BOLD_FONT}") format("truetype"); }}</style>'
            f'{bundle or ""}</head>'
            f"<body>{main}</body></html>\n")


# --------------------------------------------------------------------------- building

def print_font(text: str, bold: bool = False) -> bytes:
    """Noto Sans JP (``bold``: its bold face, Noto Sans CJK JP Bold) cut down to the characters
    of ``text`` and converted to TrueType outlines.

    Chromium embeds a CFF (.otf) web font as a Type 3 font, and its text maps some kanji
    to look-alike Kangxi radicals (目 → ⽬), which breaks search and copy in the PDF. The
    TrueType subset is embedded as a real font, and its character map holds only the
    characters the page uses, so every glyph reads back as the character on the page.
    """
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    from src.charts.export import FONT_FILE, font_dir
    from src.charts.site_assets import bold_font_file

    font = TTFont(bold_font_file() if bold else font_dir() / FONT_FILE)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    # ASCII and the ellipsis vega puts on labels it shortens may appear only once the charts are drawn
    subsetter.populate(unicodes={ord(ch) for ch in text} | set(range(0x20, 0x7F)) | {0x2026})
    subsetter.subset(font)
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    quadratic = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        quadratic[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = quadratic
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    for name, glyph in quadratic.items():          # left side bearings follow the new outlines
        advance, _ = font["hmtx"][name]
        font["hmtx"][name] = advance, getattr(glyph, "xMin", 0)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    maxp.maxComponentDepth = 1 if any(g.isComposite() for g in quadratic.values()) else 0
    maxp.compile(font)
    font["post"].formatType = 3.0        # CID-keyed source: no glyph names worth keeping
    font.sfntVersion = "\x00\x01\x00\x00"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def run_singlehtml(stage: Path, out: Path, quiet: bool) -> Path:
    """Render the staged book as one page, strictly (warnings are errors); returns its directory."""
    page = sphinx_build(stage, out, "singlehtml", quiet)
    mark_finished(out)
    return page


def chromium_path() -> str:
    """Debian's chromium (the same one the browser tests use)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise BuildError("the PDF is printed by Debian's chromium: apt-get install chromium")
    return path


def print_pdf(page: Path, pdf: Path) -> None:
    """Open ``page`` in headless chromium, wait until every chart is drawn as SVG, print it to A4."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            tab = browser.new_page(viewport={"width": PAPER_COLUMN_PX, "height": 1000})
            tab.route(re.compile(r"^(?!file:|data:|blob:)"), lambda route: route.abort())   # offline, like the site
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto(page.resolve().as_uri(), wait_until="load")
            undrawn = _wait_for_charts(tab)
            if undrawn or errors:
                raise BuildError(f"charts not drawn for the PDF: {undrawn + errors}")
            tab.pdf(path=str(pdf), format="A4", margin=MARGIN, print_background=True, display_header_footer=True,
                    header_template="<div></div>", footer_template=FOOTER, outline=True, tagged=True)
        finally:
            browser.close()


def _wait_for_charts(tab) -> list[str]:
    """Wait until the web font is loaded and every chart is drawn (or failed); returns the charts not drawn as SVG."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        tab.wait_for_function("() => document.fonts.status === 'loaded' && [...document.querySelectorAll("
                              "'.vega-chart')].every(el => el.querySelector('svg') || el.textContent.trim())",
                              timeout=CHART_TIMEOUT_MS)
    except PlaywrightTimeout:
        pass        # reported below, chart by chart
    return tab.evaluate("[...document.querySelectorAll('.vega-chart')].filter(el => !el.querySelector('svg'))"
                        ".map(el => el.id + ': ' + (el.textContent.trim() || 'not drawn'))")


def page_count(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def build_pdf(build_dir: Path, quiet: bool = False, log=print) -> dict[str, Path]:
    """Print each edition's PDF of the published site's pages unless it is up to date; returns lang → PDF.

    Then publish the site again with the PDFs linked, in the pipeline's atomic switch.
    """
    from src.build.cli import build_lock
    from src.build.publish import Outcome, publish, site_digest
    from src.build.sites import PDF_SUFFIX, published_digest

    lock = build_lock(build_dir)
    try:
        target = build_dir / "html"
        digest = site_digest(build_dir)
        if digest is None or published_digest(target) != digest:
            raise BuildError("the published site was not built from the staged pages: run `make book` first")
        pdfs = {lang: _edition_pdf(build_dir, lang, digest, quiet, log) for lang in EDITIONS}
        if not Path(os.readlink(target)).name.endswith(PDF_SUFFIX):
            publish(target.resolve(), target, digest, Outcome())
            log("pdf: the site now links them")
        return pdfs
    finally:
        os.close(lock)


def singlehtml_dir(build_dir: Path, lang: str) -> Path:
    """Where edition ``lang``'s single page is rendered (BUILD_DIR/pdf-sphinx, BUILD_DIR/pdf-sphinx-en)."""
    return build_dir / ("pdf-sphinx" if lang == SOURCE else f"pdf-sphinx-{lang}")


def _edition_pdf(build_dir: Path, lang: str, digest: str, quiet: bool, log) -> Path:
    """Edition ``lang``'s PDF for the site ``digest``: kept when printed from these pages, else printed."""
    from src.build.publish import stage_digest, stage_dir

    stage = stage_dir(build_dir, lang)
    pages = stage_digest(stage)
    record = read_record(build_dir, lang)
    pdf = intact_pdf(build_dir, record)
    same_print = (pdf is not None and record.get("file") == PDF_NAMES[lang]
                  and record.get("stylesheet") == stylesheet_digest())
    if same_print and record.get("stage_digest") == digest:
        log(f"pdf ({lang}): up to date with the site ({pdf})")
        return pdf
    if same_print and record.get("edition_stage_digest") == pages:
        # only the other edition changed: this PDF is what printing these same pages again would give
        _write_record(build_dir, lang, {**record, "stage_digest": digest})
        log(f"pdf ({lang}): up to date, its pages did not change ({pdf})")
        return pdf
    return _print_edition(build_dir, lang, stage, digest, pages, quiet, log)


def _print_edition(build_dir: Path, lang: str, stage: Path, digest: str, pages: str, quiet: bool, log) -> Path:
    started = time.perf_counter()
    single = run_singlehtml(stage, singlehtml_dir(build_dir, lang), quiet)
    title = yaml.safe_load((stage / "_config.yml").read_text(encoding="utf-8"))["title"]
    page = single / PAGE
    shutil.copyfile(STYLESHEET, single / STYLESHEET.name)
    text = print_page((single / "chapters" / "index.html").read_text(encoding="utf-8"), part_captions(stage),
                      title, lang)
    page.write_text(text, encoding="utf-8")
    (single / PRINT_FONT).write_bytes(print_font(text))
    (single / PRINT_BOLD_FONT).write_bytes(print_font(text, bold=True))
    out = pdf_dir(build_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = PDF_NAMES[lang]
    pdf = out / name
    tmp = out / f".{name}.tmp"
    print_pdf(page, tmp)
    record = {"lang": lang, "stage_digest": digest, "edition_stage_digest": pages, "stylesheet": stylesheet_digest(),
              "file": name, "sha256": hashlib.sha256(tmp.read_bytes()).hexdigest(),
              "pages": page_count(tmp), "bytes": tmp.stat().st_size}
    tmp.replace(pdf)
    _write_record(build_dir, lang, record)
    log(f"pdf ({lang}): printed {record['pages']} pages, {record['bytes'] / 1e6:.1f} MB in "
        f"{time.perf_counter() - started:.1f} s: {pdf}")
    return pdf


def _write_record(build_dir: Path, lang: str, record: dict) -> None:
    out = pdf_dir(build_dir)
    tmp = out / f".{record_name(lang)}.tmp"
    tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
    tmp.replace(out / record_name(lang))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m src.build.pdf", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="print BUILD_DIR/pdf/" + " and ".join(PDF_NAMES.values())
                       + " from the site's pages of each edition and link them")
    b.add_argument("--build-dir", default=str(REPO / "_build"), help="the pipeline's build directory (default: _build)")
    b.add_argument("--quiet", action="store_true", help="print errors only")
    args = parser.parse_args(argv)
    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, flush=True))
    try:
        build_pdf(Path(args.build_dir).resolve(), args.quiet, log)
        return 0
    except BuildError as exc:
        print(f"PDF FAILED — the published site was left as it was.\n{exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"PDF FAILED — could not read or write {exc.filename or ''}: {exc.strerror or exc}; "
              "the published site was left as it was.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("PDF INTERRUPTED — the published site was left as it was.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
