"""What a rebuild changed for readers: the glued values (old → new) and the findings re-checked.

Before the chapters run, the pipeline takes a snapshot of the values each cached chapter
glued; after, it compares them with the new runs. Findings are the ``check_claims`` calls in a
chapter's source (src/book/claims.py): every chapter that ran again checked its findings again.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from src.base.common import tree_digest
from src.build.plan import Result, Task

GLUE_RECORD = "application/papermill.record/"
#: Glued values shown as text; tables (HTML) and charts are compared as figures, not here.
TEXT_KINDS = ("text/markdown", "text/plain")
CHECK_CALL = re.compile(r"check_claims\(\s*\w+\s*,\s*\[([^\]]*)\]")


def glued_values(notebook: Path) -> dict[str, str]:
    """Name → text of every value the executed notebook glued as text (empty if there is none)."""
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    values = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("edition", "ja") != "ja":
                continue       # the English edition glues the same values in English
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            kinds = {k.removeprefix(GLUE_RECORD) for k in output.get("data", {})}
            if name and kinds <= set(TEXT_KINDS):
                kind = next(k for k in TEXT_KINDS if k in kinds)
                values[name] = str(output["data"][GLUE_RECORD + kind]).strip()
    return values


def snapshot(tasks: list[Task]) -> dict[str, dict[str, str]]:
    """Docname → glued values of its last good run."""
    return {t.docname: glued_values(t.cache_dir / "notebook.ipynb") for t in tasks}


def data_digest(data_dir: Path) -> str:
    """One hash over the data directory's files (names and contents)."""
    return tree_digest([p for p in data_dir.iterdir() if p.is_file()], data_dir)


def checked_findings(source: Path) -> list[str]:
    """Names of the findings a chapter checks with ``check_claims(survey, [...])``."""
    names = []
    for listed in CHECK_CALL.findall(source.read_text(encoding="utf-8")):
        names += [n.strip().strip("\"'") for n in listed.split(",") if n.strip()]
    return names


def change_report(tasks: list[Task], results: list[Result], before: dict[str, dict[str, str]],
                  data_changed: bool) -> dict:
    """Glued values that changed in the chapters that ran, and the findings those chapters re-checked."""
    ran = {r.docname for r in results if r.executed}
    changed = []
    for task in tasks:
        if task.docname not in ran:
            continue
        old, new = before.get(task.docname, {}), glued_values(task.cache_dir / "notebook.ipynb")
        changed += [{"chapter": task.docname, "name": name, "old": old.get(name), "new": new.get(name)}
                    for name in sorted(set(old) | set(new)) if old and old.get(name) != new.get(name)]
    findings = {t.docname: checked_findings(t.source) for t in tasks if t.docname in ran}
    return {"data_changed": data_changed, "glue_changes": changed,
            "findings_rechecked": {doc: names for doc, names in findings.items() if names}}


def report_lines(report: dict) -> list[str]:
    """The report as printed after a build whose data changed."""
    if not report["data_changed"]:
        return []
    lines = [f"data changed: {len(report['glue_changes'])} glued value(s) changed"]
    lines += [f"  {c['chapter']}: {c['name']}: {_short(c['old'])} → {_short(c['new'])}" for c in report["glue_changes"]]
    checked = report["findings_rechecked"]
    lines.append("findings re-checked (all hold): " + ("; ".join(f"{doc} ({', '.join(names)})"
                                                              for doc, names in checked.items()) or "none"))
    return lines


def _short(value: str | None, width: int = 60) -> str:
    if value is None:
        return "(none)"
    flat = " ".join(value.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"
