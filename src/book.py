"""Helpers the chapters call: open the data, glue computed numbers into the prose, show figures.

Chapters import what they use by name, in a folded set-up cell; ``__all__`` lists the
helpers meant for them.  Numbers in the prose are never typed: they are computed from the
data and inserted with myst-nb ``glue`` (``{glue:text}`name```).
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from IPython.display import Markdown
from myst_nb import glue

from . import claims
from .appendix import AUDIT_COLUMNS, FINDING_COLUMNS, checksums_table, findings_html, resources_html, table_html, versions_table
from .datapkg import Survey, load_survey
from .figures import figure_spec
from .layout import figure_href
from .shares import fmt_percent, ranked, rating_ranking, round_half_up, share

__all__ = [
    # data and formatting
    "glue", "open_survey", "share", "fmt_percent", "fmt_count", "fmt_month", "fmt_date",
    # glue for the prose
    "glue_text", "glue_percent", "glue_count", "glue_n", "glue_item", "glue_ranking", "glue_comparison",
    "glue_prose_facts", "reported_fact", "ranked", "rating_ranking", "unknown_note", "base_note", "check_claims",
    # figures
    "show_figure", "figure_caption", "glossary_table", "edition_title",
    # the report (package sources)
    "report_source", "report_citation", "glue_report", "source_note", "errata_note", "glue_missing_figures", "figures_text",
    # appendices (src/appendix.py)
    "table_html", "AUDIT_COLUMNS", "FINDING_COLUMNS", "findings_html", "resources_html", "versions_table", "checksums_table",
]


def open_survey(data_dir: str | Path) -> Survey:
    """Open the data directory a chapter was given (charts are set up when first drawn)."""
    return load_survey(data_dir)


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


def glue_text(name: str, text: str) -> str:
    """Glue plain text (an answer label, a date) for ``{glue:text}``; returns it for reuse.

    Glued text is inserted as a text node, never parsed as markup, so labels from
    the data cannot inject HTML into the page.
    """
    glue(name, PlainText(text), display=False)
    return str(text)


def glue_percent(name: str, value: float | Decimal) -> str:
    """Glue a percentage formatted like the report (``13.9％``)."""
    return glue_text(name, fmt_percent(value))


def glue_count(name: str, value: int) -> str:
    """Glue a count with a thousands separator (``1,082``)."""
    return glue_text(name, fmt_count(value))


# --------------------------------------------------------------------------- figures

_TABLE_COLUMNS = {"series": "系列", "item": "選択肢", "level": "評価", "count": "回答数", "n": "n", "percent": "割合（％）",
                  "note": "注"}


def figure_caption(survey: Survey, number: int) -> str:
    """「概要図表N タイトル（注記）」 from the data package."""
    res = survey.resource(number)
    return f"概要図表{number} {res.title}{res.caption_parenthetical}"


def report_source(survey: Survey) -> dict[str, Any]:
    """The report this book republishes: the first entry of the package's ``sources``."""
    sources = survey.descriptor.get("sources") or [{}]
    return sources[0]


def report_citation(survey: Survey) -> str:
    """「title」（series、publisher、2017年4月）, from the package's ``sources``."""
    src = report_source(survey)
    parts = [src.get("series"), src.get("publisher"), fmt_month(src["issued"]) if src.get("issued") else None]
    details = "、".join(p for p in parts if p)
    return f"「{src.get('title', '')}」" + (f"（{details}）" if details else "")


def report_citation_html(survey: Survey) -> str:
    """The citation with the report's title linked to its public page (escaped)."""
    from html import escape

    src = report_source(survey)
    text = escape(report_citation(survey))
    if src.get("path", "").startswith("https://"):
        title = escape(f"「{src.get('title', '')}」")
        text = text.replace(title, f'<a href="{escape(src["path"])}">{title}</a>', 1)
    return text


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
    glue_text("report_title", src.get("title", ""))
    glue_text("report_series", src.get("series", ""))
    glue_text("report_citation", report_citation(survey))
    link = src.get("path", "")
    text = _md_escape(report_citation(survey))
    glue("report_link", Markdown(f"[{text}]({link})" if link.startswith("https://") else text), display=False)
    return src


def _md_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_[]()<>#" else ch for ch in text)


def source_note(survey: Survey, section: str):
    """The 出典 paragraph of a chapter: the report (linked), the summary's section and the chapter's figures."""
    from IPython.display import HTML

    from .figures import CHAPTER_OF_SECTION, figures_of

    figures = figures_of(section) if section in CHAPTER_OF_SECTION else []
    where = f"概要{section}" + (f"、{_figure_range(figures)}" if figures else "")
    return HTML(f'<p class="source-note">{report_citation_html(survey)}、{where}。'
                "文章はこのサイトが報告書の事実と数値をもとに独自に書いたもので、報告書の文の転載ではありません。</p>")


def errata_note(survey: Survey, checks):
    """One paragraph per correction the report's public page records, with this site's recomputation."""
    from html import escape

    from IPython.display import HTML

    errata = report_source(survey).get("errata", [])
    if not errata:
        return HTML("<p>報告書の公開ページに記録された訂正は、データパッケージにありません。</p>")
    parts = []
    for e, check in zip(errata, checks.itertuples()):
        parts.append(
            f"<p>{report_citation_html(survey)}の公開ページには、{escape(fmt_date(e['date']))}付けの訂正が記録されています。"
            f"{escape(e['statement'])}が、{escape(fmt_percent(e['before']))}から{escape(fmt_percent(e['after']))}に"
            f"改められました（{escape(e.get('location', ''))}）。"
            f"このサイトがデータから計算すると{escape(check.recomputed)}で、判定は「{escape(check.verdict)}」"
            f"（{escape(check.explanation)}）です。</p>")
    return HTML("\n".join(parts))


def _figure_range(numbers: list[int]) -> str:
    """「概要図表5〜10」 for a run of three or more, else 「概要図表2・概要図表3」."""
    if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"概要図表{numbers[0]}〜{numbers[-1]}"
    return "・".join(f"概要図表{n}" for n in numbers)


def figures_text(numbers: list[int]) -> str:
    """「概要図表2、5〜10、17」: figure numbers with runs collapsed."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [f"{r[0]}〜{r[-1]}" if len(r) > 2 else "、".join(map(str, r)) for r in runs]
    return "概要図表" + "、".join(parts) if parts else ""


def glue_missing_figures(survey: Survey, numbers: list[int] | None = None) -> list[int]:
    """Glue ``missing_figures`` (「概要図表2、5〜10、17」): figures among ``numbers`` (default all) without a table."""
    missing = [n for n, res in sorted(survey.resources.items())
               if not res.published and (numbers is None or n in numbers)]
    glue_text("missing_figures", figures_text(missing) or "なし")
    return missing


def data_table_html(table, notes: list[str] | None = None) -> str:
    """The figure's rows as an escaped HTML table (empty columns dropped, unknown values shown as 不明)."""
    import pandas as pd

    from .charts import UNKNOWN

    shown = table.copy()
    shown["percent"] = [UNKNOWN if pd.isna(v) else f"{round_half_up(v)}" for v in shown["percent"]]
    shown["count"] = ["" if pd.isna(v) else fmt_count(v) for v in shown["count"]]
    if "note" in shown:
        shown["note"] = [_short_note(v) for v in shown["note"]]
    shown = shown.rename(columns=_TABLE_COLUMNS)
    shown = shown[[c for c in shown.columns if shown[c].astype(str).replace({"": None}).notna().any()]]
    html = shown.to_html(index=False, escape=True, na_rep="—", classes="figure-data", border=0)
    if notes:
        from html import escape

        html += "".join(f'<p class="table-note">{escape(n)}</p>' for n in notes)
    return html


def _short_note(note: str) -> str:
    """The table cell for a note: its marker (導出 or 不明 with ※); the rule goes below the table."""
    return "" if not note else note.split("：", 1)[0] + "※"


def _table_footnotes(table) -> list[str]:
    """One footnote per distinct note of the table (「※導出：rule」, 「※不明：…」)."""
    return [f"※{note}" for note in dict.fromkeys(n for n in table.get("note", []) if n)]


def _figure_notes_html(survey: Survey, number: int, chart) -> str:
    from .charts import NotPublished, annotate_cells

    spec = figure_spec(number)
    res = survey.resource(number)
    source = f"出典：{report_series_html(survey)}、概要図表{number}。"
    if isinstance(chart, NotPublished):
        return f'<p class="figure-source">{source}</p>'
    table = annotate_cells(survey.table(number), res)
    return "\n".join([
        f'<p class="figure-source">{source}グラフはこのサイトがデータから作成。</p>',
        f'<details class="figure-data"><summary>データ表（概要図表{number}）</summary>'
        f"{data_table_html(table, _table_footnotes(table))}</details>",
        '<p class="figure-downloads">ダウンロード：'
        f'<a href="{figure_href(spec.file_name("csv"))}" download>CSV</a>・'
        f'<a href="{figure_href(spec.file_name("svg"))}" download>SVG</a>・'
        f'<a href="{figure_href(spec.file_name("png"))}" download>PNG</a>'
        f'（<a href="code.html#{spec.code_anchor}">描画コード</a>）</p>'])


def show_figure(survey: Survey, number: int):
    """Glue figure ``number`` (chart, or a 'not published' note) and its caption; show its data and downloads.

    The chapter places the glued figure with ``{glue:figure} figNN`` and ``:name: fig-NN``.
    """
    from IPython.display import HTML

    from .charts import figure_chart

    chart = figure_chart(survey, number)
    stem = figure_spec(number).stem
    glue(stem, chart, display=False)
    glue_text(f"{stem}_caption", figure_caption(survey, number))
    return HTML(_figure_notes_html(survey, number, chart))


# --------------------------------------------------------------------------- facts for the prose

REPO = Path(__file__).resolve().parent.parent
GLOSSARY = REPO / "chapters" / "glossary.yml"


def edition_title() -> str:
    """This site's own title (``title`` in _config.yml, the one place it is set)."""
    import yaml

    from .datafiles import record_read

    config = REPO / "_config.yml"
    record_read(config)   # re-execute the page that shows it when the title changes
    return yaml.safe_load(config.read_text(encoding="utf-8"))["title"]


def glossary_table():
    """The book's terms (chapters/glossary.yml) as a table for readers: term, meaning, variants not used."""
    import pandas as pd
    import yaml

    from .appendix import table_html
    from .datafiles import record_read

    record_read(GLOSSARY)   # re-execute the chapter that shows it when the glossary changes
    terms = yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))["terms"]
    rows = [{"用語": t["term"], "意味": t["meaning"],
             "使わない言い方": "、".join(r["example"] for r in t["ruled_out"])} for t in terms]
    return table_html(pd.DataFrame(rows))


def glue_ranking(prefix: str, table, top: int = 3, series: str | None = None):
    """Glue ``{prefix}_top{i}_item`` / ``_pct`` / ``_count`` for the ``top`` largest answers; returns them."""
    rows = ranked(table, series).head(top)
    for i, row in enumerate(rows.itertuples(), start=1):
        glue_text(f"{prefix}_top{i}_item", row.item)
        glue_percent(f"{prefix}_top{i}_pct", row.percent)
        if not _isna(row.count):
            glue_count(f"{prefix}_top{i}_count", row.count)
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
        glue_percent(f"{key}_pct", row["percent"])
    else:
        glue_text(f"{key}_pct", "不明")
    return row


def glue_n(key: str, table, series: str | None = None) -> int:
    """Glue the base n of a figure (or one of its series); returns it."""
    rows = table if series is None else table[table["series"] == series]
    n = int(rows["n"].iloc[0])
    glue_count(key, n)
    return n


def _isna(value) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


def fmt_month(value: str) -> str:
    """'2016-01' → '2016年1月'."""
    year, month = str(value).split("-")[:2]
    return f"{int(year)}年{int(month)}月"


def fmt_date(value: str) -> str:
    """'2017-05-10' → '2017年5月10日'."""
    year, month, day = (int(x) for x in str(value).split("-")[:3])
    return f"{year}年{month}月{day}日"


def glue_prose_facts(survey: Survey, number: int) -> list[dict]:
    """Glue what the report's text says about an unpublished figure: ``{id}_item`` and ``{id}_pct``.

    Also glues ``figNN_n`` when the caption states n.  Returns the facts.
    """
    res = survey.resource(number)
    n = res.n.get("")
    if n:
        glue_count(f"{figure_spec(number).stem}_n", n)
    facts = res.prose_facts
    for fact in facts:
        if fact.get("item"):
            glue_text(f"{fact['id']}_item", fact["item"])
        if fact.get("percent") is not None:
            glue_percent(f"{fact['id']}_pct", fact["percent"])
    return facts


def reported_fact(survey: Survey, ident: str) -> dict:
    """A number the report's prose states (``reported_in_prose`` in datapackage.json)."""
    fact = survey.reported(ident)
    if fact is None:
        raise KeyError(f"datapackage.json has no reported_in_prose entry with id '{ident}'")
    return fact


def base_note(survey: Survey, number: int) -> str:
    """A sentence on the denominator of a figure's percentages, from the audit (this site's own check)."""
    from .audit import base_explanations

    rows = base_explanations(survey, figures=[number])
    if rows.empty:
        return "この図の割合は、このサイトがキャプションのnから計算し直した値とすべて一致します"
    row = rows.iloc[0]
    if row["recomputed"] == "該当なし":
        return f"このサイトの検算では、この図の割合はキャプションの{row['printed']}でもほかの単一の母数でも再現できません"
    return (f"このサイトの検算では、この図の割合はキャプションの{row['printed']}ではなく"
            f"{row['recomputed']}で割った値と全項目で一致します")


def unknown_note(table, series: str | None = None) -> str:
    """A sentence saying how many values the summary leaves undetermined ("" when none)."""
    rows = table if series is None else table[table["series"] == series]
    missing = int(rows["percent"].isna().sum())
    if not missing:
        return ""
    where = f"「{series}」の" if series else ""
    return (f"なお、{where}{missing}項目の値は概要の印字からは決められないため、図と表では「不明」としています"
            "（表の注とデータの付録を参照）。")


def glue_comparison(name: str, a, b, higher: str, lower: str, same: str = "と同じです") -> str:
    """Glue the phrase that is true of a compared with b, so a comparison in the prose follows the data."""
    if _isna(a) or _isna(b):
        raise ValueError(f"cannot compare for '{name}': a value is unknown ({a}, {b})")
    a, b = round_half_up(a), round_half_up(b)
    return glue_text(name, higher if a > b else lower if a < b else same)


def check_claims(survey: Survey, names: list[str]) -> None:
    """Stop the build if the data no longer supports a finding this chapter's text states (src/claims.py)."""
    claims.check_claims(survey, names)
