"""Where things live in the built site: figure downloads, data downloads and the quoted source code.

Staging (src/build/publish.py), the figure notes (src/book/figure_notes.py), the appendices (src/book/appendix.py)
and the link previews (src/sphinxext/link_previews.py) all ask this module, so moving a folder is one edit.
Paths are relative to the site root; links from a chapter page go up one level (``../``).
"""
from __future__ import annotations

from pathlib import PurePosixPath

FIGURES = PurePosixPath("_static/figures")   # figNN.csv / .svg / .png of every drawn figure
DATA = PurePosixPath("_static/data")         # datapackage.json, README.md and the tables, as published
CODE = PurePosixPath("_code/src")            # copy of src/**/*.py that the コード page quotes
PDF = PurePosixPath("_static/pdf")           # the edition's PDF (src/build/pdf.py) and edition.js, which says whether it is there;
                                             # from each edition's root: _static/pdf, en/_static/pdf
CHAPTER_TO_ROOT = "../"                      # every page lives in chapters/


def figure_href(file_name: str) -> str:
    """Link from a chapter page to one of a figure's downloads."""
    return f"{CHAPTER_TO_ROOT}{FIGURES / file_name}"


def data_href(file_name: str) -> str:
    """Link from a chapter page to a published data file."""
    return f"{CHAPTER_TO_ROOT}{DATA / file_name}"
