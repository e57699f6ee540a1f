"""Whether the site carries the PDF edition: its records, their freshness, and putting the PDFs into a site.

Apart from src/build/pdf.py (which prints them) so that publishing (src/build/publish.py) can ask without
importing the printer, which itself publishes.

Each edition of the site (src/base/i18n.py ``EDITIONS``: Japanese, English) has its own PDF,
printed from its own staged book, with its own record in BUILD_DIR/pdf.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from src.base.i18n import EDITIONS, SOURCE
from src.book import site_paths

RECORD = "pdf.json"                 # BUILD_DIR/pdf/pdf.json: the site digest the Japanese PDF was printed from
EDITION_JS = "edition.js"           # in layout.PDF, next to the PDF; the pages' link script reads it


def pdf_dir(build_dir: Path) -> Path:
    """Where ``make pdf`` writes the PDFs and their records."""
    return build_dir / "pdf"


def record_name(lang: str = SOURCE) -> str:
    """The record of edition ``lang``'s PDF: ``pdf.json`` (Japanese), ``pdf-en.json``."""
    return RECORD if lang == SOURCE else f"pdf-{lang}.json"


def read_record(build_dir: Path, lang: str = SOURCE) -> dict:
    """The record of the last PDF of edition ``lang`` printed ({} when none)."""
    path = pdf_dir(build_dir) / record_name(lang)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def intact_pdf(build_dir: Path, record: dict) -> Path | None:
    """The PDF a record names, when it is there as recorded (not replaced or truncated since)."""
    pdf = pdf_dir(build_dir) / str(record.get("file", ""))
    if not record.get("file") or not pdf.is_file():
        return None
    if hashlib.sha256(pdf.read_bytes()).hexdigest() != record.get("sha256"):
        return None
    return pdf


def fresh_pdf(build_dir: Path, digest: str, lang: str = SOURCE) -> tuple[Path, dict] | None:
    """Edition ``lang``'s PDF and its record when it was printed from the site with digest ``digest``, else None."""
    record = read_record(build_dir, lang)
    if record.get("stage_digest") != digest:
        return None
    pdf = intact_pdf(build_dir, record)
    return None if pdf is None else (pdf, record)


def fresh_pdfs(build_dir: Path, digest: str) -> dict[str, tuple[Path, dict]]:
    """Every edition's PDF (lang → PDF, record) when each was printed from the site ``digest``; else {}.

    All or none: a site version named ``<digest>-pdf`` carries the PDF of every edition, so the
    name alone tells whether `make pdf` still has to publish (src/build/pdf.py ``build_pdf``).
    """
    found = {lang: fresh_pdf(build_dir, digest, lang) for lang in EDITIONS}
    return {lang: edition for lang, edition in found.items() if edition} if all(found.values()) else {}


def edition_script(record: dict | None) -> str:
    """``_static/pdf/edition.js``: what the pages' link script (pdf-edition.js) reads."""
    edition = None if record is None else {"href": str(site_paths.PDF / record["file"]),
                                           **{k: record[k] for k in ("pages", "bytes", "stage_digest")}}
    return f"window.pdfEdition = {json.dumps(edition, ensure_ascii=False)};\n"


def add_to_site(site: Path, edition: tuple[Path, dict]) -> None:
    """Put a PDF into an unpublished copy of the site and let its pages link it.

    ``site`` is the root of the PDF's edition in that copy (the site root, or ``en/``).
    """
    pdf, record = edition
    dest = site / site_paths.PDF
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, dest / pdf.name)
    (dest / EDITION_JS).write_text(edition_script(record), encoding="utf-8")
