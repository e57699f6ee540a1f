"""Tables for the appendices: the audit's result tables, the data package's resources,
package versions and data-file checksums. Everything is escaped: labels are text."""
from __future__ import annotations

from pathlib import Path

from .datapkg import Survey
from .figures import missing_values_text
from .layout import data_href


def table_markup(frame, columns: dict[str, str] | None = None, *, max_rows: int | None = None) -> str:
    """An escaped HTML table (labels from data are text, never markup) whose cells name their column.

    ``data-label`` lets a phone show each row as a card of 「column：value」 lines (src/static/tables.css);
    the explicit roles keep it a table for screen readers when it is laid out that way.
    """
    from html import escape

    import pandas as pd

    shown = frame.rename(columns=columns or {})
    if columns:
        shown = shown[list(columns.values())]
    shown = shown.head(max_rows)
    head = "".join(f'<th scope="col" role="columnheader">{escape(str(c))}</th>' for c in shown.columns)
    body = "".join(
        '<tr role="row">' + "".join(
            f'<td role="cell" data-label="{escape(str(c))}">{escape("—" if pd.isna(v) else str(v))}</td>'
            for c, v in zip(shown.columns, row)) + "</tr>"
        for row in shown.itertuples(index=False))
    return (f'<div class="table-wrapper"><table class="audit-table" role="table">'
            f'<thead><tr role="row">{head}</tr></thead><tbody>{body}</tbody></table></div>')


def table_html(frame, columns: dict[str, str] | None = None, *, max_rows: int | None = None):
    """The table for the page (see ``table_markup``)."""
    from IPython.display import HTML

    return HTML(table_markup(frame, columns, max_rows=max_rows))


def findings_html(findings, columns: dict[str, str]):
    """One paragraph per cause of disagreement, the rows it explains folded beneath it."""
    from html import escape

    from IPython.display import HTML

    return HTML("\n".join(
        f'<div class="audit-finding"><p>{escape(f.sentence)}</p>'
        f'<details class="audit-rows"><summary>該当する{len(f.rows)}行を見る</summary>'
        f"{table_markup(f.rows, columns)}</details></div>"
        for f in findings))


AUDIT_COLUMNS = {"figure": "図表・章", "what": "対象", "printed": "報告書の値", "recomputed": "再計算", "verdict": "判定",
                 "explanation": "説明"}
#: The rows under a finding: all of them disagree, so no 判定 column.
FINDING_COLUMNS = {k: v for k, v in AUDIT_COLUMNS.items() if k != "verdict"}


_QTYPE_JA = {"single_choice": "単一回答", "multiple_choice": "複数回答", "rating": "評価尺度", "ranked_top3": "重要度上位3つ"}


def resources_html(survey: Survey):
    """The data appendix: one entry per resource with its caption, type, n, file and reconstruction notes."""
    from html import escape

    from IPython.display import HTML

    parts = []
    for number, res in sorted(survey.resources.items()):
        stem = f"fig{number:02d}"
        n = res.n
        n_text = "、".join(f"{k or '全体'}：{v if v is not None else '記載なし'}" for k, v in n.items()) or "—"
        if res.n_by_item:
            n_text += "（項目ごとのnは表のn列）"
        table = survey.table(number)
        if res.published:
            rows = 0 if table is None else len(table)
            status = f'<a href="{escape(data_href(res.path.name))}" download>{escape(res.path.name)}</a>（{rows}行）'
        else:
            status = escape(missing_values_text(unlabelled=bool(res.published_sequence)))
        qtype = escape(_QTYPE_JA.get(res.question_type, res.question_type))
        if res.question_type_inferred:
            qtype += f"（推定：{escape(res.question_type_inferred)}）"
        parts.append(
            f'<section class="resource" id="data-{stem}"><h3>概要図表{number}　{escape(res.title)}</h3>'
            '<table class="resource-meta" border="0">'
            f"<tr><th>資源名</th><td><code>{stem}</code></td></tr>"
            f"<tr><th>設問形式</th><td>{qtype}</td></tr>"
            f"<tr><th>n（キャプション等の記載）</th><td>{escape(n_text)}</td></tr>"
            + (f"<tr><th>割合の母数（percent_base）</th><td>{res.percent_base}</td></tr>" if res.percent_base else "")
            + f"<tr><th>データ</th><td>{status}</td></tr>"
            "<tr><th>列</th><td><code>series, item, level, count, n, percent</code></td></tr></table>"
            f'<details><summary>再構成の記録</summary><p class="resource-description">{escape(res.description)}</p></details>'
            "</section>")
    return HTML("\n".join(parts))


def data_downloads_html(data_dir: str | Path):
    """The published data files (datapackage.json, README.md, the tables) as download links."""
    from html import escape

    from IPython.display import HTML

    from .datafiles import published_files

    notes = {"datapackage.json": "メタデータと各資源の説明", "README.md": "書式と検査の規則"}
    items = "".join(f'<li><a href="{escape(data_href(p.name))}" download>{escape(p.name)}</a>'
                    + (f"（{notes[p.name]}）" if p.name in notes else "") + "</li>" for p in published_files(data_dir))
    return HTML(f'<ul class="data-downloads">{items}</ul>')


def figure_code_index(survey: Survey):
    """The コード page's entry per figure (anchor ``code-fig-NN``): its data, its builder and the cell that drew it."""
    from html import escape
    from pathlib import PurePosixPath

    from IPython.display import HTML

    from .charts import BUILDERS
    from .figures import REGISTRY

    parts = []
    for number, spec in REGISTRY.items():
        res = survey.resource(number)
        page = PurePosixPath(spec.chapter).name + ".html"
        builder = BUILDERS[spec.kind].__name__
        drawn = (f'<a href="{page}#{spec.label}">{escape(spec.section)}の章の図の下</a>で'
                 f"<code>show_figure(survey, {number})</code>が<code>figure_chart</code>を経て"
                 f'<a href="#{spec.kind}-chart"><code>{builder}</code></a>を呼んで描画')
        if not res.published:
            drawn = f'表がないため描画せず（<a href="{page}#{spec.label}">{escape(spec.section)}の章</a>に注）'
        parts.append(
            f'<section class="figure-code" id="{spec.code_anchor}"><h3>概要図表{number}「{escape(res.title)}」</h3>'
            f"<ul><li>データ資源：<code>{escape(spec.resource)}</code>（<code>datapackage.json</code>）</li>"
            f"<li>グラフの種類：<code>{escape(spec.kind)}</code> → <code>{builder}</code>（<code>src/charts.py</code>）</li>"
            f"<li>{drawn}</li></ul></section>")
    return HTML("\n".join(parts))


def versions_table(requirements: Path | None = None):
    """Installed versions of every package pinned in requirements.txt."""
    import importlib.metadata as md
    import re

    import pandas as pd

    requirements = requirements or Path(__file__).resolve().parent.parent / "requirements.txt"
    rows = []
    for line in Path(requirements).read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s#]+)", line.strip())
        if match:
            name, pinned = match.groups()
            try:
                installed = md.version(name)
            except md.PackageNotFoundError:
                installed = "未インストール"
            rows.append({"パッケージ": name, "固定した版": pinned, "実行時の版": installed})
    return pd.DataFrame(rows)


def checksums_table(data_dir: str | Path):
    """sha256 of every data file the site publishes (datapackage.json, README.md, the tables)."""
    import hashlib

    import pandas as pd

    from .datafiles import data_file_bytes, published_files, record_read

    rows = []
    for path in published_files(data_dir):
        data = data_file_bytes(Path(data_dir), path.name)
        record_read(path)   # the page shows every file's hash: rebuild it when any file changes
        rows.append({"ファイル": path.name, "バイト数": f"{len(data):,}", "sha256": hashlib.sha256(data).hexdigest()})
    return pd.DataFrame(rows)
