"""What the book says about itself: each edition's title and settings (_config.yml, chapters/editions.yml)
and the glossary of its terms (chapters/glossary.yml), shown to readers as a table.

Each read is recorded (src/data/files.py ``record_read``): the page that shows it is executed
again when the file changes.
"""
from __future__ import annotations

from typing import Any

from src.base.common import REPO
from src.base.i18n import Editions




GLOSSARY = REPO / "chapters" / "glossary.yml"


EDITIONS_FILE = REPO / "chapters" / "editions.yml"


def edition_settings(lang: str) -> dict[str, Any]:
    """What the ``lang`` edition says about itself (chapters/editions.yml: title, part captions, switch label)."""
    import yaml

    from src.data.files import record_read

    record_read(EDITIONS_FILE)
    return yaml.safe_load(EDITIONS_FILE.read_text(encoding="utf-8"))[lang]


def edition_title(lang: str = "ja") -> str:
    """This site's own title (``title`` in _config.yml; the English one in chapters/editions.yml)."""
    import yaml

    from src.data.files import record_read

    if lang != "ja":
        return edition_settings(lang)["title"]
    config = REPO / "_config.yml"
    record_read(config)   # re-execute the page that shows it when the title changes
    return yaml.safe_load(config.read_text(encoding="utf-8"))["title"]


def glossary_table():
    """The book's terms (chapters/glossary.yml) as a table for readers: the term and its meaning.

    The variants the prose must not use (``ruled_out``) are the site's style rules: the tests read them
    from the glossary, readers are not shown them.
    """
    import pandas as pd
    import yaml

    from src.book.appendix import table_html
    from src.data.files import record_read

    record_read(GLOSSARY)   # re-execute the chapter that shows it when the glossary changes
    terms = yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))["terms"]
    rows = [{"用語": t["term"], "意味": t["meaning"]} for t in terms]
    english = _glossary_html_en(terms)
    return Editions({"ja": table_html(pd.DataFrame(rows)), "en": english})


def _glossary_html_en(terms: list[dict[str, Any]]):
    """The English glossary: the English term this site uses, the Japanese term (marked), its meaning."""
    from html import escape

    from IPython.display import HTML

    rows = "".join(
        f'<tr><td>{escape(t.get("en", {}).get("term", t["term"]))}</td><td lang="ja">{escape(t["term"])}</td>'
        f'<td>{escape(t.get("en", {}).get("meaning", t["meaning"]))}</td></tr>' for t in terms)
    return HTML('<table class="dataframe"><thead><tr><th>Term</th><th>Japanese</th><th>Meaning</th></tr></thead>'
                f"<tbody>{rows}</tbody></table>")
