"""Tables for the appendices: the audit's result tables, the data package's resources,
package versions and data-file checksums. Everything is escaped: labels are text."""
from __future__ import annotations

from pathlib import Path

from .datapkg import Survey


def table_html(frame, columns: dict[str, str] | None = None, *, max_rows: int | None = None):
    """An escaped HTML table for the page (labels from data are text, never markup)."""
    from IPython.display import HTML

    shown = frame.rename(columns=columns or {})
    if columns:
        shown = shown[list(columns.values())]
    if "判定" in shown.columns:
        shown = shown.assign(判定=shown["判定"].map({True: "一致", False: "不一致"}))
    html = shown.head(max_rows).to_html(index=False, escape=True, border=0, classes="audit-table", na_rep="—")
    return HTML(f'<div class="table-wrapper">{html}</div>')


AUDIT_COLUMNS = {"figure": "図表・章", "what": "対象", "printed": "報告書の値", "recomputed": "再計算", "agrees": "判定",
                 "explanation": "説明"}


_QTYPE_JA = {"single_choice": "単一回答", "multiple_choice": "複数回答", "rating": "評価尺度", "ranked_top3": "重要度上位3つ"}


def resources_html(survey: Survey):
    """The data appendix: one entry per resource with its caption, type, n, file and reconstruction notes."""
    from html import escape

    from IPython.display import HTML

    parts = []
    for number, res in sorted(survey.resources.items()):
        stem = f"fig{number:02d}"
        n = res.meta.get("n") or {}
        n_text = "、".join(f"{k or '全体'}：{v if v is not None else '記載なし'}" for k, v in n.items()) or "—"
        if res.meta.get("n_by_item"):
            n_text += "（項目ごとの n は表の n 列）"
        table = survey.table(number)
        if res.published:
            rows = 0 if table is None else len(table)
            status = f'<a href="../_static/data/{escape(res.path.name)}" download>{escape(res.path.name)}</a>（{rows}行）'
        else:
            status = "数値は概要に未掲載（表なし）"
        parts.append(
            f'<section class="resource" id="data-{stem}"><h3>概要図表{number}　{escape(res.title)}</h3>'
            '<table class="resource-meta" border="0">'
            f"<tr><th>資源名</th><td><code>{stem}</code></td></tr>"
            f"<tr><th>設問形式</th><td>{escape(_QTYPE_JA.get(res.question_type, res.question_type))}</td></tr>"
            f"<tr><th>n（キャプション等の記載）</th><td>{escape(n_text)}</td></tr>"
            + (f"<tr><th>割合の母数（percent_base）</th><td>{res.percent_base}</td></tr>" if res.percent_base else "")
            + f"<tr><th>データ</th><td>{status}</td></tr>"
            "<tr><th>列</th><td><code>series, item, level, count, n, percent</code></td></tr></table>"
            f'<details><summary>再構成の記録</summary><p class="resource-description">{escape(res.meta.get("description", ""))}</p></details>'
            "</section>")
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

    from .datapkg import data_file_bytes, published_files, record_read

    rows = []
    for path in published_files(data_dir):
        data = data_file_bytes(Path(data_dir), path.name)
        record_read(path)   # the page shows every file's hash: rebuild it when any file changes
        rows.append({"ファイル": path.name, "バイト数": f"{len(data):,}", "sha256": hashlib.sha256(data).hexdigest()})
    return pd.DataFrame(rows)
