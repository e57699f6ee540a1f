"""Tables for the appendices: the audit's result tables, the data package's resources,
package versions and data-file checksums. Everything is escaped: labels are text.

Every function takes ``lang`` (``"ja"``, the default, or ``"en"``): the English edition's
headings, notes and descriptions are English, labels from the data are translated with
:func:`src.base.i18n.tr`, and where a table shows a label from the data the English table gives
the original Japanese beside it (a cell marked ``lang="ja"``).  The ``*_editions`` helpers
return :class:`src.base.i18n.Editions` for a chapter to display: one output per edition.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping, Sequence

from src.base.i18n import Editions, aside, has_japanese, per_edition, tr
from src.book.site_paths import data_href
from src.book.text import number_html
from src.data.figures import figure_name, missing_values_text
from src.data.package import Survey


_JAPANESE_RUN = re.compile(r"[「『（]*[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60]+")


def _text(text: Any, lang: str) -> str:
    """``text`` from the data in ``lang``, escaped; in English, its Japanese (an untranslated label, an
    original quoted in a translated note) is marked ``lang="ja"`` run by run."""
    from html import escape

    shown = escape(tr(text, lang))
    if lang == "ja" or not has_japanese(shown):
        return shown
    return _JAPANESE_RUN.sub(lambda m: f'<span lang="ja">{m.group()}</span>', shown)


#: Heading of the column that repeats a label's original Japanese (English edition).
ORIGINAL_HEADING = "Original (Japanese)"


def table_markup(frame, columns: dict[str, str] | None = None, *, max_rows: int | None = None,
                 originals: Mapping[str, Sequence[Any]] | None = None, lang: str = "ja",
                 classes: str = "") -> str:
    """An escaped HTML table (labels from data are text, never markup) whose cells name their column.

    ``data-label`` lets a phone show each row as a card of 「column：value」 lines (src/sphinxext/static/tables.css,
    class ``audit-table``); the explicit roles keep it a table for screen readers when it is laid out that way.
    ``originals`` maps a column of ``frame`` to the original Japanese of its values (row by row):
    each such column is followed by a column of originals (:func:`original_headings`) whose cells are
    marked ``lang="ja"``.  ``classes``: the table's classes besides ``audit-table``.
    """
    from html import escape

    import pandas as pd

    shown = frame.rename(columns=columns or {})
    if columns:
        shown = shown[list(columns.values())]
    shown = shown.head(max_rows)
    after = {(columns or {}).get(key, key): list(values)[:len(shown)] for key, values in (originals or {}).items()}
    heading = original_headings(list(after), lang)

    def th(c) -> str:
        return f'<th scope="col" role="columnheader">{escape(str(c))}</th>'

    def td(c, v, marked: bool = False) -> str:
        text = "—" if pd.isna(v) else str(v)
        # an original, or (English edition) a label from the data that has no translation yet
        mark = ' lang="ja"' if marked or (lang != "ja" and has_japanese(text)) else ""
        return f'<td role="cell"{mark} data-label="{escape(str(c))}">{escape(text)}</td>'

    head = "".join(th(c) + (th(heading[c]) if c in after else "") for c in shown.columns)
    body = "".join(
        '<tr role="row">' + "".join(
            td(c, v) + (td(heading[c], after[c][i], marked=True) if c in after else "")
            for c, v in zip(shown.columns, row)) + "</tr>"
        for i, row in enumerate(shown.itertuples(index=False)))
    table_class = " ".join(["audit-table", *classes.split()])
    return (f'<div class="table-wrapper"><table class="{escape(table_class)}" role="table">'
            f'<thead><tr role="row">{head}</tr></thead><tbody>{body}</tbody></table></div>')


#: How a column of originals is headed, per edition: alone, or after the column it repeats (``{column}``).
_ORIGINAL_HEADINGS = {"ja": ("原文", "{column}（原文）"), "en": (ORIGINAL_HEADING, "{column} (original)")}


def original_headings(columns: Sequence[str], lang: str = "ja") -> dict[str, str]:
    """Column heading → heading of the originals beside it: 「Original (Japanese)」 for a table's only
    such column, else "Series (original)", "Answer (original)" … so no two headings are the same."""
    alone, beside = _ORIGINAL_HEADINGS["ja" if lang == "ja" else "en"]
    if len(columns) == 1:
        return {columns[0]: alone}
    return {c: beside.format(column=c) for c in columns}


def table_html(frame, columns: dict[str, str] | None = None, *, max_rows: int | None = None,
               originals: Mapping[str, Sequence[Any]] | None = None, lang: str = "ja"):
    """The table for the page (see ``table_markup``)."""
    from IPython.display import HTML

    return HTML(table_markup(frame, columns, max_rows=max_rows, originals=originals, lang=lang))


AUDIT_COLUMNS = {"figure": "図表・章", "what": "対象", "printed": "報告書の値", "recomputed": "再計算", "verdict": "判定",
                 "explanation": "説明"}
#: The rows under a finding: all of them disagree, so no 判定 column.
FINDING_COLUMNS = {k: v for k, v in AUDIT_COLUMNS.items() if k != "verdict"}

_AUDIT_COLUMNS_EN = {"figure": "Figure / section", "what": "Subject", "printed": "Report’s value",
                     "recomputed": "Recomputed", "verdict": "Verdict", "explanation": "Explanation"}


def audit_columns(lang: str = "ja") -> dict[str, str]:
    """The audit tables' column headings in ``lang`` (Japanese: :data:`AUDIT_COLUMNS`)."""
    return dict(AUDIT_COLUMNS) if lang == "ja" else dict(_AUDIT_COLUMNS_EN)


def finding_columns(lang: str = "ja") -> dict[str, str]:
    """The headings of the rows under a finding (no verdict column: they all disagree)."""
    return {k: v for k, v in audit_columns(lang).items() if k != "verdict"}


def audit_table_editions(frames: Mapping[str, Any], *, finding: bool = False) -> Editions:
    """An audit table per edition from ``frames`` (lang → the same checks in that language, e.g. from
    ``per_edition(lambda lang: audit.percent_checks(survey, lang))``).

    The English table gives each subject (``what``: labels from the data) its original Japanese beside it.
    """
    columns = finding_columns if finding else audit_columns

    def table(lang: str):
        if lang == "ja":
            return table_html(frames["ja"], columns("ja"))
        return table_html(frames[lang], columns(lang), originals={"what": frames["ja"]["what"]}, lang=lang)

    return Editions(per_edition(table))


#: The summary that unfolds a finding's rows, per edition: (several rows, one row).
_ROWS_SUMMARY = {"ja": ("該当する{count}行を見る", "該当する{count}行を見る"),
                 "en": ("Show the {count} rows concerned", "Show the row concerned")}


def findings_html(findings, columns: dict[str, str], lang: str = "ja", originals=None):
    """One paragraph per cause of disagreement, the rows it explains folded beneath it.

    ``originals``: the same findings in Japanese (English edition: the original subject beside each row's).
    """
    from html import escape

    from IPython.display import HTML

    def summary(count: int) -> str:
        return _ROWS_SUMMARY["ja" if lang == "ja" else "en"][count == 1].format(count=count)

    def rows_markup(i: int, f) -> str:
        if originals is None:
            return table_markup(f.rows, columns)
        return table_markup(f.rows, columns, originals={"what": originals[i].rows["what"]}, lang=lang)

    def sentence(f) -> str:
        """The finding's sentence, each of its numbers with its panel (src/book/text.py ``number_html``)."""
        if not f.parts:
            return escape(f.sentence)
        return "".join(escape(p) if isinstance(p, str) else number_html(p, lang) for p in f.parts)

    return HTML("\n".join(
        f'<div class="audit-finding"><p>{sentence(f)}</p>'
        f'<details class="audit-rows"><summary>{escape(summary(len(f.rows)))}</summary>'
        f"{rows_markup(i, f)}</details></div>"
        for i, f in enumerate(findings)))


def findings_editions(findings: Mapping[str, list]) -> Editions:
    """:func:`findings_html` per edition (``findings``: lang → ``audit.disagreement_findings(survey, lang)``)."""
    def make(lang: str):
        if lang == "ja":
            return findings_html(findings["ja"], FINDING_COLUMNS)
        return findings_html(findings[lang], finding_columns(lang), lang, originals=findings["ja"])

    return Editions(per_edition(make))


_QTYPE = {
    "ja": {"single_choice": "単一回答", "multiple_choice": "複数回答", "rating": "評価尺度", "ranked_top3": "重要度上位3つ"},
    "en": {"single_choice": "single answer", "multiple_choice": "multiple answers", "rating": "rating scale",
           "ranked_top3": "top 3 by importance"},
}
_QTYPE_JA = _QTYPE["ja"]


def resources_html(survey: Survey, lang: str = "ja"):
    """The data appendix: one entry per resource with its caption, type, n, file and reconstruction notes."""
    from IPython.display import HTML

    if lang != "ja":
        return HTML(_resources_markup_en(survey, lang))
    from html import escape

    parts = []
    for number, res in sorted(survey.resources.items()):
        stem = f"fig{number:02d}"
        n = res.n
        n_text = "、".join(f"{k or '全体'}：{v if v is not None else '記載なし'}" for k, v in n.items()) or "—"
        if res.n_by_item:
            n_text += "（項目ごとのnは表のn列）"
        if res.published:    # the link alone: a row count would make this page re-run on every CSV edit
            status = f'<a href="{escape(data_href(res.path.name))}" download>{escape(res.path.name)}</a>'
        else:
            status = escape(missing_values_text(bool(res.published_sequence), lang="ja"))
        qtype = escape(_QTYPE_JA.get(res.question_type, res.question_type))
        if res.question_type_inferred:
            qtype += f"（推定：{escape(res.question_type_inferred)}）"
        parts.append(
            f'<section class="resource" id="data-{stem}"><h3>{figure_name(number)}　{escape(res.title)}</h3>'
            '<table class="resource-meta" border="0">'
            f"<tr><th>資源名</th><td><code>{stem}</code></td></tr>"
            f"<tr><th>設問形式</th><td>{qtype}</td></tr>"
            f"<tr><th>n（キャプション等の記載）</th><td>{escape(n_text)}</td></tr>"
            + (f"<tr><th>割合の母数</th><td>{res.percent_base}</td></tr>" if res.percent_base else "")
            + f"<tr><th>データ</th><td>{status}</td></tr>"
            "<tr><th>列</th><td><code>series, item, level, count, n, percent</code></td></tr></table>"
            f'<details><summary>再構成の記録</summary><p class="resource-description">{escape(res.description)}</p></details>'
            "</section>")
    return HTML("\n".join(parts))


def _resources_markup_en(survey: Survey, lang: str) -> str:
    """The English data appendix: English texts, the original Japanese title marked ``lang="ja"``."""
    from html import escape

    parts = []
    for number, res in sorted(survey.resources.items()):
        stem = f"fig{number:02d}"
        n_text = ", ".join(f"{tr(k, lang) if k else 'all'}: {v if v is not None else 'not stated'}"
                           for k, v in res.n.items()) or "—"
        if res.n_by_item:
            n_text += " (the n of each item is in the table’s n column)"
        if res.published:
            status = f'<a href="{escape(data_href(res.path.name))}" download>{escape(res.path.name)}</a>'
        else:
            status = escape(missing_values_text(bool(res.published_sequence), lang=lang))
        qtype = escape(_QTYPE[lang].get(res.question_type, res.question_type))
        if res.question_type_inferred:
            qtype += f" (inferred: {_text(res.question_type_inferred, lang)})"
        parts.append(
            f'<section class="resource" id="data-{stem}"><h3>{figure_name(number, lang)}: {_text(res.title, lang)}</h3>'
            '<table class="resource-meta" border="0">'
            f'<tr><th>Original title</th><td lang="ja">{escape(res.title)}</td></tr>'
            f"<tr><th>Resource name</th><td><code>{stem}</code></td></tr>"
            f"<tr><th>Question type</th><td>{qtype}</td></tr>"
            f"<tr><th>n (as stated in the caption etc.)</th><td>{escape(n_text)}</td></tr>"
            + (f"<tr><th>Base of the percentages</th><td>{res.percent_base}</td></tr>"
               if res.percent_base else "")
            + f"<tr><th>Data</th><td>{status}</td></tr>"
            "<tr><th>Columns</th><td><code>series, item, level, count, n, percent</code></td></tr></table>"
            '<details><summary>Reconstruction notes</summary>'
            f'<p class="resource-description">{_text(res.description, lang)}</p></details>'
            "</section>")
    return "\n".join(parts)


_DOWNLOAD_NOTES = {
    "ja": {"datapackage.json": "メタデータと各資源の説明", "README.md": "書式と検査の規則"},
    "en": {"datapackage.json": "metadata and a description of each resource", "README.md": "format and validation rules"},
}


def data_downloads_html(data_dir: str | Path, lang: str = "ja"):
    """The published data files (datapackage.json, README.md, the tables) as download links."""
    from html import escape

    from IPython.display import HTML

    from src.data.files import published_files

    notes = _DOWNLOAD_NOTES["ja" if lang == "ja" else "en"]
    items = "".join(f'<li><a href="{escape(data_href(p.name))}" download>{escape(p.name)}</a>'
                    + (aside(notes[p.name], lang) if p.name in notes else "") + "</li>"
                    for p in published_files(data_dir))
    return HTML(f'<ul class="data-downloads">{items}</ul>')


_CODE_INDEX = {
    "ja": {"heading": "概要図表{number}「{title}」", "resource": "データ資源：<code>{resource}</code>（<code>datapackage.json</code>）",
           "kind": "グラフの種類：<code>{kind}</code> → <code>{builder}</code>（<code>src/charts/builders.py</code>）",
           "drawn": '<a href="{page}#{label}">{section}の章の図の下</a>で<code>show_figure(survey, {number})</code>が'
                    '<code>figure_chart</code>を経て<a href="#{kind}-chart"><code>{builder}</code></a>を呼んで描画',
           "not_drawn": '表がないため描画せず（<a href="{page}#{label}">{section}の章</a>に注）'},
    "en": {"heading": "Summary Figure {number}: “{title}”",
           "resource": "Data resource: <code>{resource}</code> (<code>datapackage.json</code>)",
           "kind": "Chart kind: <code>{kind}</code> → <code>{builder}</code> (<code>src/charts/builders.py</code>)",
           "drawn": 'Drawn <a href="{page}#{label}">under the figure in chapter {section}</a>: '
                    '<code>show_figure(survey, {number})</code> calls <a href="#{kind}-chart"><code>{builder}</code></a> '
                    'through <code>figure_chart</code>',
           "not_drawn": 'Not drawn, as there is no table (a note in <a href="{page}#{label}">chapter {section}</a>)'},
}


def figure_code_index(survey: Survey, lang: str = "ja"):
    """The コード page's entry per figure (anchor ``code-fig-NN``): its data, its builder and the cell that drew it."""
    from html import escape
    from pathlib import PurePosixPath

    from IPython.display import HTML

    from src.charts.builders import BUILDERS
    from src.data.figures import REGISTRY, section_name

    words = _CODE_INDEX[lang]
    parts = []
    for number, spec in REGISTRY.items():
        res = survey.resource(number)
        fields = {"number": number, "title": _text(res.title, lang), "resource": escape(spec.resource),
                  "kind": escape(spec.kind), "builder": BUILDERS[spec.kind].__name__,
                  "page": PurePosixPath(spec.chapter).name + ".html", "label": spec.label,
                  "section": escape(section_name(spec.section, lang))}
        drawn = words["drawn" if res.published else "not_drawn"].format(**fields)
        parts.append(f'<section class="figure-code" id="{spec.code_anchor}"><h3>{words["heading"].format(**fields)}</h3>'
                     f'<ul><li>{words["resource"].format(**fields)}</li><li>{words["kind"].format(**fields)}</li>'
                     f"<li>{drawn}</li></ul></section>")
    return HTML("\n".join(parts))


_VERSION_COLUMNS = {"ja": ("パッケージ", "固定した版", "実行時の版", "未インストール"),
                    "en": ("Package", "Pinned version", "Version at run time", "not installed")}


def versions_table(requirements: Path | None = None, lang: str = "ja"):
    """Installed versions of every package pinned in requirements.txt."""
    import importlib.metadata as md
    import re

    import pandas as pd

    package, pinned_heading, installed_heading, missing = _VERSION_COLUMNS["ja" if lang == "ja" else "en"]
    requirements = requirements or Path(__file__).resolve().parent.parent.parent / "requirements.txt"
    rows = []
    for line in Path(requirements).read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s#]+)", line.strip())
        if match:
            name, pinned = match.groups()
            try:
                installed = md.version(name)
            except md.PackageNotFoundError:
                installed = missing
            rows.append({package: name, pinned_heading: pinned, installed_heading: installed})
    return pd.DataFrame(rows)


def table_editions(make) -> Editions:
    """``table_html(make(lang))`` per edition (``make``: lang → a frame whose headings are in that language)."""
    return Editions(per_edition(lambda lang: table_html(make(lang))))

