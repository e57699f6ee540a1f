"""Whether the site carries the PDF edition: its record, its freshness, and putting it into a site.

Apart from src/pdf.py (which prints it) so that publishing (src/publish.py) can ask without
importing the printer, which itself publishes.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from . import layout

RECORD = "pdf.json"                 # BUILD_DIR/pdf/pdf.json: the stage digest the PDF was printed from
EDITION_JS = "edition.js"           # in layout.PDF, next to the PDF; the pages' link script reads it


def pdf_dir(build_dir: Path) -> Path:
    """Where ``make pdf`` writes the PDF and its record."""
    return build_dir / "pdf"


def read_record(build_dir: Path) -> dict:
    """The record of the last PDF printed ({} when none)."""
    path = pdf_dir(build_dir) / RECORD
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def fresh_pdf(build_dir: Path, digest: str) -> tuple[Path, dict] | None:
    """The PDF and its record when it was printed from the pages with stage digest ``digest``, else None."""
    record = read_record(build_dir)
    pdf = pdf_dir(build_dir) / str(record.get("file", ""))
    if record.get("stage_digest") != digest or not pdf.is_file():
        return None
    if hashlib.sha256(pdf.read_bytes()).hexdigest() != record.get("sha256"):
        return None     # replaced or truncated since it was recorded
    return pdf, record


def edition_script(record: dict | None) -> str:
    """``_static/pdf/edition.js``: what the pages' link script (pdf-edition.js) reads."""
    edition = None if record is None else {"href": str(layout.PDF / record["file"]),
                                           **{k: record[k] for k in ("pages", "bytes", "stage_digest")}}
    return f"window.pdfEdition = {json.dumps(edition, ensure_ascii=False)};\n"


def add_to_site(site: Path, edition: tuple[Path, dict]) -> None:
    """Put the PDF into an unpublished copy of the site and let its pages link it."""
    pdf, record = edition
    dest = site / layout.PDF
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, dest / pdf.name)
    (dest / EDITION_JS).write_text(edition_script(record), encoding="utf-8")
