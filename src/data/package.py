"""Loading the survey data package: a :class:`Survey` of typed resources and lazily read figure tables.

``load_survey`` returns a :class:`Survey`; each chapter reads only the CSVs it shows, which
keeps rebuilds incremental. The jobs live beside it: resource entries (``resources``), tables
parsed and checked on read (``tables``), the rules (``rules``), the texts a translation covers
(``translations``); the names other layers use are re-exported here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from src.base.i18n import SOURCE
from src.data.files import DESCRIPTOR, DataError, read_descriptor
from src.data.resources import Resource, read_resources
from src.data.rules import COLUMNS, FORMULA_START, LANGUAGE, MAX_LABEL, MAX_ROWS, MAX_TEXT
from src.data.tables import csv_labels, frame_labels, read_tables, typed_frame
from src.data.translations import missing_translations, reader_text_kinds, reader_texts, unused_translations

__all__ = ["COLUMNS", "FORMULA_START", "MAX_LABEL", "MAX_ROWS", "MAX_TEXT", "Resource", "Survey", "load_survey",
           "missing_translations", "reader_text_kinds", "reader_texts", "unused_translations"]


class Survey:
    """The survey data of one directory: package metadata plus lazily read figure tables."""

    def __init__(self, directory: Path | str, strict: bool = True):
        self.directory = Path(directory).resolve()
        self.strict = strict
        descriptor, problems = read_descriptor(self.directory)
        if descriptor is None:
            raise DataError(problems, self.directory)
        resources, problems = read_resources(self.directory, descriptor)
        if problems:
            raise DataError(problems, self.directory)
        self.descriptor = descriptor
        self.resources = {r.figure: r for r in resources}
        self._frames: dict[int, pd.DataFrame | None] = {}

    @property
    def facts(self) -> dict[str, Any]:
        """Survey facts (population, responses, dates) stated in the report's method section."""
        return self.descriptor.get("survey", {})

    @property
    def translations(self) -> dict[str, dict[str, str]]:
        """Language → {Japanese text: translation} (key ``translations``; {} when absent).

        Only well-formed entries (validation reports the others), so ``i18n.tr`` never returns
        a non-string.
        """
        raw = self.descriptor.get("translations")
        if not isinstance(raw, dict):
            return {}
        return {lang: {k: v for k, v in table.items() if isinstance(k, str) and k and isinstance(v, str) and v}
                for lang, table in raw.items()
                if isinstance(lang, str) and LANGUAGE.match(lang) and lang != SOURCE and isinstance(table, dict)}

    def labels(self, figure: int) -> list[str]:
        """The distinct series, item and level labels of a figure's table, in table order ([] without a table).

        Uses the parsed table when a chapter has read it already, else a plain CSV read (no checks:
        validation has run) — cheap enough for the build to call for every figure.
        """
        res = self.resources.get(figure)
        if res is None or not res.published:
            return []
        frame = self._frames.get(figure)
        if frame is not None:
            return frame_labels(frame)
        return csv_labels(res.path)

    def reported(self, ident: str) -> dict[str, Any] | None:
        """A number the report's prose states (``reported_in_prose``), or None."""
        return next((f for f in self.descriptor.get("reported_in_prose", []) if f.get("id") == ident), None)

    def resource(self, figure: int) -> Resource:
        """Metadata of one figure (KeyError when the package does not list it)."""
        try:
            return self.resources[figure]
        except KeyError:
            raise KeyError(f"{DESCRIPTOR} in {self.directory} lists no resource for 概要図表{figure}") from None

    def table(self, figure: int) -> pd.DataFrame | None:
        """The figure's rows (columns as in the CSV), or None when its table is not published."""
        if figure not in self._frames:
            res = self.resources.get(figure)
            if res is None or not res.published:
                self._frames[figure] = None
            else:
                frames, problems = read_tables(self.directory, [res])
                if problems and (self.strict or res.name not in frames):
                    raise DataError(problems, self.directory)
                self._frames[figure] = typed_frame(frames[res.name])
                # the rows remember their figure (pandas keeps attrs through filters): src/book/provenance.py
                self._frames[figure].attrs["figure"] = figure
        return self._frames[figure]


def load_survey(directory: Path | str, strict: bool = True) -> Survey:
    """Open a data directory; raises :class:`DataError` listing every problem with the package itself.

    With ``strict=False`` tables whose values disagree with each other still load (the
    audit uses this to explain the disagreements); unreadable tables always raise.
    """
    return Survey(directory, strict)
