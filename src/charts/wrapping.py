"""Chart labels that fit: Japanese wrapped at phrase boundaries (BudouX), English at spaces to the
same drawn width, and the width of a text as the charts draw it (the font's own advance widths).
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from src.base import i18n
from src.charts.theme import LABEL_SIZE, LABEL_WIDTH, TEXT_SIZE

#: Characters that never start a line (closing brackets, punctuation, the long-vowel mark).
NO_LINE_START = set("）)」』】、。，．・ー％:：")


@lru_cache(maxsize=1)
def _phrase_parser():
    import budoux

    return budoux.load_default_japanese_parser()


def phrases(text: str) -> list[str]:
    """The text cut into Japanese phrases (BudouX): the places a line may break."""
    return _phrase_parser().parse(str(text)) or [str(text)]


def _cut(phrase: str, width: int) -> list[str]:
    """A phrase longer than a line, cut into pieces of ``width`` characters (never before a closing mark)."""
    pieces: list[str] = []
    for ch in phrase:
        if pieces and (len(pieces[-1]) < width or ch in NO_LINE_START):
            pieces[-1] += ch
        else:
            pieces.append(ch)
    return pieces


def wrap_label(text: str, width: int = LABEL_WIDTH, lang: str = "ja") -> list[str]:
    """Split a label into lines of at most ``width`` characters at Japanese phrase boundaries.

    Lines break only between BudouX phrases (「内部スタッフが」 stays whole); only a phrase
    longer than a line is cut, and never before a closing bracket or punctuation.
    Every character is kept.  In ``lang="en"`` a label without Japanese breaks at spaces
    to the same drawn width (``width`` full-width characters of 12 px: ``wrap_words``); an
    untranslated label in the English chart is still wrapped as Japanese.
    """
    if lang != i18n.SOURCE and not i18n.has_japanese(text):
        return wrap_words(str(text), width * LABEL_SIZE)
    lines: list[str] = []
    current = ""
    for phrase in phrases(text):
        for piece in _cut(phrase, width) if len(phrase) > width else [phrase]:
            if current and len(current) + len(piece) > width and piece[:1] not in NO_LINE_START:
                lines.append(current)
                current = ""
            current += piece
    lines.append(current)
    return lines


def wrap_words(text: str, max_px: float, size: float = LABEL_SIZE) -> list[str]:
    """Split Latin text into lines no wider than ``max_px`` as drawn (``font_px``), breaking at spaces.

    A word wider than a line is cut where it must be.  The spaces at the breaks are dropped.
    """
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and font_px(candidate, size) > max_px:
            lines.append(current)
            candidate = word
        current = candidate
        while len(current) > 1 and font_px(current, size) > max_px:
            cut = 1
            while cut < len(current) - 1 and font_px(current[:cut + 1], size) <= max_px:
                cut += 1
            lines.append(current[:cut])
            current = current[cut:]
    lines.append(current)
    return lines


def attach_suffix(lines: list[str], suffix: str, width: int = LABEL_WIDTH, lang: str = "ja") -> list[str]:
    """Append a short suffix such as （n=106） without splitting it across lines."""
    if not suffix:
        return lines
    if lang != i18n.SOURCE:
        if font_px(lines[-1] + suffix) <= width * LABEL_SIZE:
            return lines[:-1] + [lines[-1] + suffix]
        return lines + [suffix.strip()]
    if len(lines[-1]) + len(suffix) <= width:
        return lines[:-1] + [lines[-1] + suffix]
    return lines + [suffix]


def text_px(text: str, size: float = TEXT_SIZE) -> float:
    """Generous width of ``text`` in px: full-width characters 1 em, the others 0.62 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.62 * size for ch in str(text))


@lru_cache(maxsize=1)
def _advance_widths() -> dict[int, float]:
    """Advance width (em) of every character of the chart font (Noto Sans JP), read once with fontTools."""
    from fontTools.ttLib import TTFont

    from src.charts.export import FONT_FILE, font_dir

    font = TTFont(str(font_dir() / FONT_FILE), lazy=True)
    units = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    return {code: metrics[glyph][0] / units for code, glyph in font.getBestCmap().items()}


def font_px(text: str, size: float = LABEL_SIZE) -> float:
    """Width of ``text`` in px as the charts draw it: the font's own advance widths (no kerning).

    ``text_px`` is a generous estimate (0.62 em for every character that is not full-width),
    right for deciding whether a short value label fits, but about a quarter wider than
    English words are drawn (Noto Sans JP's Latin letters average ≈ 0.48 em); wrapping English
    by it would break lines early.  Characters the font lacks count as ``text_px`` counts them.
    """
    widths = _advance_widths()
    return sum(widths[ord(ch)] * size if ord(ch) in widths else text_px(ch, size) for ch in str(text))
