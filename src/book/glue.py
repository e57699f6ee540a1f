"""Helpers the chapters call: open the data, glue computed numbers into the prose, show figures.

Chapters import what they use by name, in a folded set-up cell; ``__all__`` lists the
helpers meant for them.  Numbers in the prose are never typed: they are computed from the
data and inserted with myst-nb ``glue`` (``{glue:text}`name```).

A chapter runs once for both editions (src/base/i18n.py): every glue helper glues the
Japanese and the English value under the same name, and what a chapter shows is emitted
per edition; the staging keeps each edition's own.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from IPython.display import Markdown
from myst_nb import glue

from src.base.i18n import ORIGINAL_COLUMNS, SOURCE, Editions, aside, glue_editions, per_edition, tr, use_translations
from src.book import claims
from src.book.appendix import (AUDIT_COLUMNS, FINDING_COLUMNS, findings_html, resources_html, table_html, table_markup,
                               versions_table)
from src.book.provenance import (Number, ProvenanceError, as_number, caption_n, cell, cells, counted, largest, panel,
                                 plus_one, prose_fact, rule, share_of, smallest, survey_fact, total)
from src.book.site_paths import figure_href
from src.data.figures import figure_name, figure_spec, section_name
from src.data.package import Survey, load_survey
from src.data.shares import fmt_percent, ranked, rating_ranking, round_half_up, share

__all__ = [
    # data and formatting
    "glue", "open_survey", "share", "fmt_percent", "fmt_count", "fmt_month", "fmt_date",
    # glue for the prose
    "glue_text", "glue_by_edition", "glue_percent", "percent_text", "glue_count", "glue_n", "glue_item", "glue_ranking", "glue_comparison",
    "glue_prose_facts", "reported_fact", "ranked", "rating_ranking", "unknown_note", "base_note", "check_claims",
    "glue_international_shares", "glue_response_rate",
    # numbers with their provenance (src/book/provenance.py), for glue_percent / glue_count
    "survey_fact", "counted", "rule", "smallest", "largest", "plus_one",
    # figures
    "show_figure", "glue_chart", "figure_caption", "figure_name", "glossary_table", "edition_title", "edition_settings",
    "glue_month", "glue_base_note", "Editions", "tr",
    # the report (package sources)
    "report_source", "report_citation", "glue_report", "source_note", "errata_note", "glue_missing_figures", "figures_text",
    # appendices (src/book/appendix.py)
    "table_html", "AUDIT_COLUMNS", "FINDING_COLUMNS", "findings_html", "resources_html", "versions_table",
]


def open_survey(data_dir: str | Path) -> Survey:
    """Open the data directory a chapter was given and use its label translations (src/base/i18n.py)."""
    survey = load_survey(data_dir)
    use_translations(survey.translations)
    return survey


def fmt_count(value: int) -> str:
    """A count with a thousands separator."""
    return f"{int(value):,}"


class PlainText:
    """Text whose plain representation is itself (a glued ``str`` would show its quotes)."""

    def __init__(self, text: str):
        self.text = str(text)

    def __repr__(self) -> str:
        return self.text

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.text)


def glue_text(name: str, text: str, en: str | None = None) -> str:
    """Glue plain text (an answer label, a date) for ``{glue:text}`` in both editions; returns the Japanese.

    The English edition gets ``en``, or else the data package's translation of ``text``
    (a label without one stays Japanese).  Glued text is inserted as a text node, never
    parsed as markup, so labels from the data cannot inject HTML into the page.
    """
    glue_editions(name, {"ja": PlainText(text), "en": PlainText(tr(text, "en") if en is None else en)})
    return str(text)


def glue_by_edition(name: str, make: Callable[[str], str]) -> str:
    """Glue ``make(lang)`` for each edition (a sentence assembled in Python); returns the Japanese."""
    texts = per_edition(make)
    glue_editions(name, {lang: PlainText(text) for lang, text in texts.items()})
    return texts["ja"]


def percent_text(value: float | Decimal | Number | None, lang: str = "ja") -> str:
    """A percentage as each edition prints it: ``13.9％`` (the report's full-width sign) or ``13.9%``."""
    value = value.value if isinstance(value, Number) else value
    return fmt_percent(value) if lang == "ja" else fmt_percent(value, sign="%")


#: The glue output's metadata key for a number's panel (read by src/sphinxext/numbers.py).
NUMBER_KEY = "number"


def _glue_number(name: str, number: Number) -> str:
    """Glue ``number`` as each edition prints it, with its panel in that edition's words; returns the Japanese."""
    texts = per_edition(number.shown)
    glue_editions(name, {lang: PlainText(text) for lang, text in texts.items()},
                  {lang: {NUMBER_KEY: panel(number, lang)} for lang in texts})
    return texts["ja"]


def glue_percent(name: str, value: Number) -> str:
    """Glue a percentage formatted like the report (``13.9％``; English ``13.9%``) with its provenance.

    ``value`` is a :class:`~src.book.provenance.Number` (a cell, a share, a sum …): a bare float is an error,
    so no number on a page lacks its panel.
    """
    number = as_number(value, name)
    if not number.percent:
        raise ProvenanceError(f"'{name}': {number.value} is a count, not a percentage: use glue_count")
    return _glue_number(name, number)


def glue_count(name: str, value: Number) -> str:
    """Glue a count with a thousands separator (``1,082``) with its provenance (a bare int is an error)."""
    number = as_number(value, name)
    if number.percent:
        raise ProvenanceError(f"'{name}': {number.value} is a percentage: use glue_percent")
    return _glue_number(name, number)


# --------------------------------------------------------------------------- figures

#: Column headings of a figure's data table, per edition.
_TABLE_COLUMNS = {
    "ja": {"series": "系列", "item": "選択肢", "level": "評価", "count": "回答数", "n": "n", "percent": "割合（％）",
           "note": "注"},
    "en": {"series": "Series", "item": "Answer", "level": "Rating", "count": "Respondents", "n": "n",
           "percent": "Share (%)", "note": "Note"},
}

_UNKNOWN = {"ja": "不明", "en": "unknown"}


def figure_caption(survey: Survey, number: int, lang: str = "ja") -> str:
    """「概要図表N タイトル（注記）」 from the data package (English: translated title and note)."""
    res = survey.resource(number)
    if lang == "ja":
        return f"{figure_name(number)} {res.title}{res.caption_parenthetical}"
    note = tr(res.caption_parenthetical, lang)
    return f"{figure_name(number, lang)}: {tr(res.title, lang)}" + (f" {note}" if note else "")


def report_source(survey: Survey) -> dict[str, Any]:
    """The report this book republishes: the first entry of the package's ``sources``."""
    sources = survey.descriptor.get("sources") or [{}]
    return sources[0]


def report_citation(survey: Survey, lang: str = "ja") -> str:
    """「title」（series、publisher、2017年4月）, from the package's ``sources``.

    English: the Japanese title, this site's translation of it (marked as such), then the details.
    """
    src = report_source(survey)
    issued = fmt_month(src["issued"], lang) if src.get("issued") else None
    parts = [src.get("series"), tr(src.get("publisher"), lang) if src.get("publisher") else None, issued]
    title = src.get("title", "")
    if lang == "ja":
        details = "、".join(p for p in parts if p)
        return f"「{title}」" + (f"（{details}）" if details else "")
    details = ", ".join(p for p in parts if p)
    return f"「{title}」 {_title_translation(title)}" + (f" ({details})" if details else "")


def _title_translation(title: str) -> str:
    english = tr(title, "en")
    return f"[“{english}”, this site’s translation]" if english != title else ""


def report_citation_html(survey: Survey, lang: str = "ja") -> str:
    """The citation with the report's title linked to its public page (escaped; the Japanese title marked ``lang="ja"``)."""
    from html import escape

    src = report_source(survey)
    text = escape(report_citation(survey, lang))
    title = escape(f"「{src.get('title', '')}」")
    linked = title
    if src.get("path", "").startswith("https://"):
        linked = f'<a href="{escape(src["path"])}">{title}</a>'
    if lang != "ja":
        linked = f'<span lang="ja">{linked}</span>'
    return text.replace(title, linked, 1)


def report_series_html(survey: Survey) -> str:
    """The report's series name (NISTEP DISCUSSION PAPER No.145), linked to its public page: the short source line."""
    from html import escape

    src = report_source(survey)
    name = escape(src.get("series") or src.get("title", ""))
    link = src.get("path", "")
    return f'<a href="{escape(link)}">{name}</a>' if link.startswith("https://") else name


def glue_report(survey: Survey) -> dict[str, Any]:
    """Glue the report's bibliographic facts: ``report_title``, ``report_citation``, ``report_link`` (markdown)."""
    src = report_source(survey)
    title = src.get("title", "")
    glue_text("report_title", title, en=f"“{tr(title, 'en')}” (this site’s translation of the Japanese title)")
    glue_text("report_series", src.get("series", ""))
    glue_by_edition("report_citation", lambda lang: report_citation(survey, lang))
    link = src.get("path", "")

    def link_markdown(lang: str) -> Markdown:
        text = _md_escape(report_citation(survey, lang))
        if link.startswith("https://"):
            quoted = _md_escape(f"「{title}」")
            target = f"[{quoted}](<{_md_link_target(link)}>)"
            if lang != "ja":      # the Japanese title, marked for readers and screen readers
                target = f'<span lang="ja">{target}</span>'
            text = text.replace(quoted, target, 1)
        return Markdown(text)

    glue_editions("report_link", per_edition(link_markdown))
    return src


def _md_escape(text: str) -> str:
    """Metadata text as Markdown/MyST that reads as the text itself: no emphasis, link, image, role, HTML or math."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)


# Every ASCII punctuation CommonMark lets a backslash escape that starts markup here ({role}, $math$, ~~, | tables, &entities;)
_MD_SPECIAL = frozenset("\\`*_[](){}<>#!$&|~")


def _md_link_target(link: str) -> str:
    """A link target that cannot end the link early: characters outside a plain URL percent-encoded."""
    from urllib.parse import quote

    return quote(link, safe=":/?#=&%~.-_+,;@")


_ORIGINAL_TEXT_NOTE = {
    "ja": "文章はこのサイトが報告書の事実と数値をもとに独自に書いたもので、報告書の文の転載ではありません。",
    "en": "The text is this site’s own, written from the report’s facts and figures; it does not reproduce "
          "the report’s sentences, and the English is this site’s translation.",
}


WHOLE_SUMMARY = "全体"     # source_note's section for a page drawing on the whole summary


def source_note(survey: Survey, section: str) -> Editions:
    """The 出典 paragraph of a chapter: the report (linked), the summary's section and the chapter's figures."""
    from IPython.display import HTML

    from src.data.figures import CHAPTER_OF_SECTION, figures_of

    figures = figures_of(section) if section in CHAPTER_OF_SECTION else []

    def note(lang: str) -> HTML:
        if lang == "ja":
            where = f"概要{section}" + (f"、{_figure_range(figures)}" if figures else "")
            return HTML(f'<p class="source-note">{report_citation_html(survey)}、{where}。{_ORIGINAL_TEXT_NOTE[lang]}</p>')
        where = "summary" + (f", section {section_name(section, lang)}" if section != WHOLE_SUMMARY else "")
        where += f", {_figure_range(figures, lang)}" if figures else ""
        return HTML(f'<p class="source-note">{report_citation_html(survey, lang)}, {where}. {_ORIGINAL_TEXT_NOTE[lang]}</p>')

    return Editions(per_edition(note))


def errata_note(survey: Survey) -> Editions:
    """One paragraph per correction the report's public page records, with this site's recomputation
    (``audit.erratum_checks`` in each edition's language)."""
    from html import escape

    from IPython.display import HTML

    from src.book.audit import erratum_checks

    errata = report_source(survey).get("errata", [])

    def note(lang: str) -> HTML:
        if not errata:
            return HTML("<p>報告書の公開ページに記録された訂正は、データパッケージにありません。</p>" if lang == "ja" else
                        "<p>The data package records no correction on the report’s public page.</p>")
        rows = erratum_checks(survey, lang=lang)

        def continued(label: str) -> str:
            """A noun-phrase label continuing the sentence after the colon: "the share of …" (lower-case)."""
            label = label[:1].lower() + label[1:] if label[1:2].islower() else label
            return label if label.startswith("the ") else f"the {label}"

        parts = []
        for e, check in zip(errata, rows.itertuples()):
            before, after = escape(percent_text(e["before"], lang)), escape(percent_text(e["after"], lang))
            if lang == "ja":
                parts.append(
                    f"<p>{report_citation_html(survey)}の公開ページには、{escape(fmt_date(e['date']))}付けの訂正が記録されています。"
                    f"{escape(e['statement'])}が、{before}から{after}に"
                    f"改められました（{escape(e.get('location', ''))}）。"
                    f"このサイトがデータから計算すると{escape(check.recomputed)}で、判定は「{escape(check.verdict)}」"
                    f"（{escape(check.explanation)}）です。</p>")
            else:
                parts.append(
                    f"<p>The public page of {report_citation_html(survey, lang)} records a correction dated "
                    f"{escape(fmt_date(e['date'], lang))}: {escape(continued(tr(e['statement'], lang)))} "
                    f"was changed from {before} to {after} ({escape(tr(e.get('location', ''), lang))}). "
                    f"Recomputed by this site from the data: {escape(check.recomputed)}; verdict: "
                    f"“{escape(check.verdict)}” ({escape(check.explanation)}).</p>")
        return HTML("\n".join(parts))

    return Editions(per_edition(note))


def _figure_range(numbers: list[int], lang: str = "ja") -> str:
    """「概要図表5〜10」 for a run of three or more, else 「概要図表2・概要図表3」 (English: Summary Figures 5–10)."""
    run = len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1))
    if lang == "ja":
        return f"{figure_name(numbers[0])}〜{numbers[-1]}" if run else "・".join(figure_name(n) for n in numbers)
    if run:
        return f"Summary Figures {numbers[0]}–{numbers[-1]}"
    return " and ".join(figure_name(n, lang) for n in numbers)


def figures_text(numbers: list[int], lang: str = "ja") -> str:
    """「概要図表2、5〜10、17」 (English "Summary Figures 2, 5–10 and 17"): figure numbers with runs collapsed."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    if lang == "ja":
        parts = [f"{r[0]}〜{r[-1]}" if len(r) > 2 else "、".join(map(str, r)) for r in runs]
        return "概要図表" + "、".join(parts) if parts else ""
    parts = [f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs]
    if not parts:
        return ""
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    single = len(numbers) == 1
    return ("Summary Figure " if single else "Summary Figures ") + listed


def glue_missing_figures(survey: Survey, numbers: list[int] | None = None) -> list[int]:
    """Glue ``missing_figures`` (「概要図表2、5〜10、17」): figures among ``numbers`` (default all) without a table."""
    missing = [n for n, res in sorted(survey.resources.items())
               if not res.published and (numbers is None or n in numbers)]
    glue_by_edition("missing_figures", lambda lang: figures_text(missing, lang) or ("なし" if lang == "ja" else "none"))
    return missing


def data_table_html(table, notes: list[str] | None = None, lang: str = "ja") -> str:
    """The figure's rows as an appendix table (escaped; a card per row on phones: ``appendix.table_markup``).

    Empty columns are dropped, unknown values shown as 不明 (English "unknown"), counts formatted, a
    note shown by its short marker; ``notes`` are listed below the table.  The English table gives
    each label in English and, beside it, the original Japanese (``lang="ja"``).
    """
    from html import escape

    shown = _table_cells(table, lang)
    headings = _TABLE_COLUMNS[lang]
    columns = {c: headings[c] for c in shown.columns if c in headings and shown[c].ne("").any()}
    originals = {c: shown[c] for c in ORIGINAL_COLUMNS if c in columns and lang != SOURCE}
    translated = shown.assign(**{c: [tr(v, lang) for v in shown[c]] for c in originals})
    html = table_markup(translated, columns, originals=originals, lang=lang, classes="figure-data")
    return html + "".join(f'<p class="table-note">{escape(n)}</p>' for n in notes or [])


def _table_cells(table, lang: str = "ja"):
    """The figure's rows as the text of their cells: percentages rounded (unknown: 不明), counts with separators,
    notes as their markers; a missing value is an empty cell."""
    import pandas as pd

    shown = table.copy()
    shown["percent"] = [_UNKNOWN[lang] if pd.isna(v) else f"{round_half_up(v)}" for v in shown["percent"]]
    shown["count"] = ["" if pd.isna(v) else fmt_count(v) for v in shown["count"]]
    if "note" in shown:
        shown["note"] = [_short_note(v, lang) for v in shown["note"]]
    return shown.astype(object).map(lambda v: "" if _isna(v) else str(v))


_NOTE_SEPARATOR = {"ja": "：", "en": ": "}     # charts.annotate_cells writes 「導出：rule」 / "derived: rule"


def _short_note(note: str, lang: str = "ja") -> str:
    """The table cell for a note: its marker (導出 or 不明 with ※); the rule goes below the table."""
    return "" if not note else note.split(_NOTE_SEPARATOR[lang], 1)[0] + "※"


def _table_footnotes(table) -> list[str]:
    """One footnote per distinct note of the table (「※導出：rule」, 「※不明：…」)."""
    return [f"※{note}" for note in dict.fromkeys(n for n in table.get("note", []) if n)]


_FIGURE_NOTE_TEXT = {
    "ja": {"source": "出典：{series}、{figure}。", "drawn": "グラフはこのサイトがデータから作成。",
           "table": "データ表（{figure}）", "downloads": "ダウンロード：", "sep": "・", "code": "描画コード"},
    "en": {"source": "Source: {series}, {figure}. ", "drawn": "Chart drawn by this site from the data.",
           "table": "Data table ({figure})", "downloads": "Download: ", "sep": " · ", "code": "code"},
}


def _figure_notes_html(survey: Survey, number: int, table, lang: str = "ja") -> str:
    """The source line under a figure; for a drawn one (``table``: its annotated table, None when not drawn)
    also its data table and downloads."""
    text = _FIGURE_NOTE_TEXT[lang]
    spec = figure_spec(number)
    source = text["source"].format(series=report_series_html(survey), figure=figure_name(number, lang))
    if table is None:
        return f'<p class="figure-source">{source.strip()}</p>'
    links = text["sep"].join(f'<a href="{figure_href(spec.file_name(ext))}" download>{ext.upper()}</a>'
                             for ext in ("csv", "svg", "png"))
    return "\n".join([
        f'<p class="figure-source">{source}{text["drawn"]}</p>',
        f'<details class="figure-data"><summary>{text["table"].format(figure=figure_name(number, lang))}</summary>'
        f"{data_table_html(table, _table_footnotes(table), lang)}</details>",
        f'<p class="figure-downloads">{text["downloads"]}{links}'
        + aside(f'<a href="code.html#{spec.code_anchor}">{text["code"]}</a>', lang) + "</p>"])


def glue_chart(name: str, survey: Survey, number: int, tables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Glue figure ``number``'s chart under ``name`` in each edition's language; returns lang → chart.

    ``tables``: lang → the figure's ``charts.annotated_table`` in that language, when the caller has them.
    """
    from src.charts.builders import figure_chart

    charts = per_edition(lambda lang: figure_chart(survey, number, lang=lang, table=(tables or {}).get(lang)))
    glue_editions(name, charts)
    return charts


def show_figure(survey: Survey, number: int) -> Editions:
    """Glue figure ``number`` (chart, or a 'not published' note) and its caption; show its data and downloads.

    The chapter places the glued figure with ``{glue:figure} figNN`` and ``:name: fig-NN``.
    """
    from IPython.display import HTML

    from src.charts.builders import annotated_table

    stem = figure_spec(number).stem
    # one annotated table per edition, for both the chart and the data table under it
    tables = per_edition(lambda lang: annotated_table(survey, number, lang))
    glue_chart(stem, survey, number, tables)
    glue_by_edition(f"{stem}_caption", lambda lang: figure_caption(survey, number, lang))
    return Editions({lang: HTML(_figure_notes_html(survey, number, table, lang)) for lang, table in tables.items()})


# --------------------------------------------------------------------------- facts for the prose

REPO = Path(__file__).resolve().parent.parent.parent
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


def glue_ranking(prefix: str, table, top: int = 3, series: str | None = None,
                 ties: tuple[tuple[int, ...], ...] = ()):
    """Glue ``{prefix}_top{i}_item`` / ``_pct`` / ``_count`` for the ``top`` largest answers; returns them.

    The sentence that uses them states an order: ``ties`` declares the places it states as tied
    (e.g. ``((1, 2),)``), and the build stops when the data ties other places, or not those
    (:func:`src.book.claims.check_ranking_ties`).
    """
    everything = ranked(table, series)
    claims.check_ranking_ties(prefix, everything, top, ties)
    rows = everything.head(top)
    for i, row in enumerate(rows.itertuples(), start=1):
        glue_text(f"{prefix}_top{i}_item", row.item)
        glue_percent(f"{prefix}_top{i}_pct", cell(rows, row.Index, "percent"))
        if not _isna(row.count):
            glue_count(f"{prefix}_top{i}_count", cell(rows, row.Index, "count"))
    return rows


def glue_item(key: str, table, contains: str, series: str | None = None):
    """Glue the label (``{key}_item``) and percent (``{key}_pct``) of the one answer whose label contains ``contains``."""
    rows = table if series is None else table[table["series"] == series]
    match = rows[rows["item"].str.contains(contains, regex=False)]
    if len(match) != 1:
        raise LookupError(f"expected one answer containing '{contains}', found {len(match)}: {match['item'].tolist()}")
    row = match.iloc[0]
    glue_text(f"{key}_item", row["item"])
    if not _isna(row["percent"]):
        glue_percent(f"{key}_pct", cell(match, row.name, "percent"))
    else:
        glue_by_edition(f"{key}_pct", lambda lang: _UNKNOWN[lang])
    return row


def glue_n(key: str, table, series: str | None = None) -> int:
    """Glue the base n of a figure (or one of its series); returns it."""
    rows = table if series is None else table[table["series"] == series]
    n = int(rows["n"].iloc[0])
    glue_count(key, cell(rows, rows.index[0], "n"))
    return n


def _isna(value) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def fmt_month(value: str, lang: str = "ja") -> str:
    """'2016-01' → '2016年1月' (English 'January 2016')."""
    year, month = (int(x) for x in str(value).split("-")[:2])
    return f"{year}年{month}月" if lang == "ja" else f"{_MONTHS[month - 1]} {year}"


def fmt_date(value: str, lang: str = "ja") -> str:
    """'2017-05-10' → '2017年5月10日' (English '10 May 2017')."""
    year, month, day = (int(x) for x in str(value).split("-")[:3])
    return f"{year}年{month}月{day}日" if lang == "ja" else f"{day} {_MONTHS[month - 1]} {year}"


def glue_month(name: str, value: str) -> str:
    """Glue a month ('2016-01') as each edition writes it; returns the Japanese."""
    return glue_by_edition(name, lambda lang: fmt_month(value, lang))


#: Said where the prose describes a figure whose values the data lacks (the figure's place has the longer note).
_VALUES_NOT_IN_DATA = {
    "ja": "この設問の値は、このサイトのデータには含まれていません（図の位置の注を参照）。",
    "en": "Its values are not in this site’s data (see the note where the figure would be).",
}


def glue_prose_facts(survey: Survey, number: int) -> list[dict]:
    """Glue what the report's text says about an unpublished figure: ``{id}_item`` and ``{id}_pct``.

    Also glues ``figNN_n`` when the caption states n, and ``figNN_values_note``: the sentence that
    the figure's values are not in this site's data, empty once a table is supplied.  With a
    table, the facts must agree with it (:func:`src.book.claims.check_prose_facts`).  Returns the facts.
    """
    res = survey.resource(number)
    stem = figure_spec(number).stem
    n = res.n.get("")
    if n:
        glue_count(f"{stem}_n", caption_n(number, n))
    claims.check_prose_facts(survey, number)
    glue_by_edition(f"{stem}_values_note", lambda lang: "" if res.published else _VALUES_NOT_IN_DATA[lang])
    facts = res.prose_facts
    for fact in facts:
        if fact.get("item"):
            glue_text(f"{fact['id']}_item", fact["item"])
        if fact.get("percent") is not None:
            glue_percent(f"{fact['id']}_pct", prose_fact(number, fact))
    return facts


def glue_response_rate(survey: Survey) -> Number:
    """Glue ``population``, ``responses`` (the report's survey facts) and ``response_rate`` (this site's
    responses ÷ population); returns the rate."""
    population = survey_fact(survey.facts, "population")
    responses = survey_fact(survey.facts, "responses")
    glue_count("population", population)
    glue_count("responses", responses)
    rate = share_of(responses.inputs, population.inputs)
    glue_percent("response_rate", rate)
    return rate


def glue_international_shares(survey: Survey) -> dict[str, Number]:
    """Glue figure 1's institutions doing international collaboration (``intl_count``), doing any
    (``any_count``), and their share among respondents (``intl_share``) and among collaborators
    (``intl_share_of_collaborators``), each with the rows it adds up (audit.international_shares' arithmetic)."""
    from src.book.audit import DOMESTIC_ONLY, INTERNATIONAL, international_shares

    table = survey.table(1)
    shares = international_shares(survey)
    if shares is None:
        raise LookupError("figure 1 lacks the counts of its international and domestic-only answers")
    rows = {item: table[table["item"] == item] for item in (*INTERNATIONAL, DOMESTIC_ONLY)}
    international = sum((cells(rows[item], "count") for item in INTERNATIONAL), ())
    collaborating = international + cells(rows[DOMESTIC_ONLY], "count")
    base = cells(table.head(1), "n")
    numbers = {"intl_count": total(international), "any_count": total(collaborating),
               "intl_share": share_of(international, base), "intl_share_of_collaborators": share_of(international, collaborating)}
    if (numbers["intl_share"].value, numbers["intl_share_of_collaborators"].value) != (
            shares["share_of_respondents"], shares["share_of_collaborators"]):
        raise ProvenanceError("figure 1's shares do not add up as the audit computes them")
    for name, number in numbers.items():
        (glue_percent if number.percent else glue_count)(name, number)
    return numbers


def reported_fact(survey: Survey, ident: str) -> dict:
    """A number the report's prose states (``reported_in_prose`` in datapackage.json)."""
    fact = survey.reported(ident)
    if fact is None:
        raise KeyError(f"datapackage.json has no reported_in_prose entry with id '{ident}'")
    return fact


def base_note(survey: Survey, number: int, lang: str = "ja") -> str:
    """A sentence on the denominator of a figure's percentages, from the audit (this site's own check)."""
    from src.book.audit import base_explanations

    rows = base_explanations(survey, figures=[number])
    if rows.empty:
        return ("この図の割合は、このサイトがキャプションのnから計算し直した値とすべて一致します" if lang == "ja" else
                "every percentage of this figure equals the value this site recomputes from the caption’s n")
    row = rows.iloc[0]
    if row["recomputed"] == "該当なし":
        if lang == "ja":
            return f"このサイトの検算では、この図の割合はキャプションの{row['printed']}でもほかの単一の母数でも再現できません"
        return (f"in this site’s check, the percentages of this figure cannot be reproduced from the caption’s "
                f"{row['printed']} or from any other single base")
    if lang == "ja":
        return (f"このサイトの検算では、この図の割合はキャプションの{row['printed']}ではなく"
                f"{row['recomputed']}で割った値と全項目で一致します")
    return (f"in this site’s check, every percentage of this figure equals the count divided by {row['recomputed']}, "
            f"not by the caption’s {row['printed']}")


def glue_base_note(name: str, survey: Survey, number: int) -> str:
    """Glue :func:`base_note` for each edition; returns the Japanese."""
    return glue_by_edition(name, lambda lang: base_note(survey, number, lang))


def unknown_note(table, series: str | None = None, lang: str = "ja") -> str:
    """A sentence saying how many values the summary leaves undetermined ("" when none)."""
    rows = table if series is None else table[table["series"] == series]
    missing = int(rows["percent"].isna().sum())
    if not missing:
        return ""
    if lang != "ja":
        where = f" of “{tr(series, lang)}”" if series else ""
        values = "value" if missing == 1 else "values"
        return (f"The printed summary does not determine {missing} {values}{where}; the chart and the table show them "
                "as “unknown” (see the table’s note and the data appendix).")
    where = f"「{series}」の" if series else ""
    return (f"なお、{where}{missing}項目の値は概要の印字からは決められないため、図と表では「不明」としています"
            "（表の注とデータの付録を参照）。")


def glue_comparison(name: str, a, b, higher: str, lower: str, same: str = "と同じです",
                    en: tuple[str, str, str] = ("higher than", "lower than", "the same as")) -> str:
    """Glue the phrase that is true of a compared with b, so a comparison in the prose follows the data.

    ``en`` gives the English phrases (higher, lower, same) for the English edition.
    """
    if _isna(a) or _isna(b):
        raise ValueError(f"cannot compare for '{name}': a value is unknown ({a}, {b})")
    a, b = round_half_up(a), round_half_up(b)
    pick = 0 if a > b else 1 if a < b else 2
    return glue_text(name, (higher, lower, same)[pick], en=en[pick])


def check_claims(survey: Survey, names: list[str]) -> None:
    """Stop the build if the data no longer supports a finding this chapter's text states (src/book/claims.py)."""
    claims.check_claims(survey, names)
