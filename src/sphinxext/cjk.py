"""Sphinx extension: join the lines of Japanese paragraphs.

The chapters are written one sentence per line (readable diffs).  MyST keeps those soft
line breaks as newlines in the HTML, and Chromium draws a newline between two Japanese
characters as a space (CSS Text 3's segment-break rule for East Asian text is not
implemented), so 「あ⏎い」 reads as 「あ い」.  This transform removes a soft break
wherever the character on either side is Japanese and leaves a plain space elsewhere.
"""
from __future__ import annotations

import re

from docutils import nodes
from sphinx.transforms import SphinxTransform

#: Kana, CJK ideographs, CJK punctuation and full-width forms.
JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def join_soft_breaks(text: str, before: str = "", after: str = "") -> str:
    """``text`` with each newline removed next to Japanese, else turned into a space.

    ``before`` / ``after`` are the characters adjacent to ``text`` in its paragraph.
    """
    if "\n" not in text:
        return text
    out = []
    for i, ch in enumerate(text):
        if ch != "\n":
            out.append(ch)
            continue
        left = text[i - 1] if i else before
        right = text[i + 1] if i + 1 < len(text) else after
        if not (JAPANESE.match(left or " ") or JAPANESE.match(right or " ")):
            out.append(" ")
    return "".join(out)


class JoinJapaneseLines(SphinxTransform):
    """Apply :func:`join_soft_breaks` to the text of every paragraph (code and literals untouched)."""

    default_priority = 900

    def apply(self, **kwargs) -> None:
        for paragraph in self.document.findall(nodes.paragraph):
            texts = [t for t in paragraph.findall(nodes.Text)
                     if not isinstance(t.parent, (nodes.literal, nodes.raw, nodes.literal_block))]
            for i, text in enumerate(texts):
                before = str(texts[i - 1])[-1:] if i else ""
                after = str(texts[i + 1])[:1] if i + 1 < len(texts) else ""
                joined = join_soft_breaks(str(text), before, after)
                if joined != str(text):
                    text.parent.replace(text, nodes.Text(joined))


def setup(app):
    app.add_transform(JoinJapaneseLines)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
