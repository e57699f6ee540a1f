"""Plan the chapters' execution: what each needs (a task), and which need to run again (the cache).

A chapter is re-executed only when its source, the ``src/`` code, the pinned requirements,
its parameters or one of the data files it read last time changed (content hashes, never
timestamps); src/build/execute.py runs the stale ones.

Why not jupyter-book's own cache (``execute_notebooks: cache``): it keys a notebook on its
code cells only, so after a CSV edit it re-renders the old numbers (measured: the figure-1
share stayed 13.9 % after the data changed it to 19.5 %). Here the data files a chapter
read are part of its key.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from src.base.common import REPO, BuildError, sha256_bytes, sha256_file, tree_digest
from src.base.i18n import EDITIONS


def display_data_dir(data_dir: Path) -> str:
    """How the pages name the data directory: relative to the repository, else its name."""
    resolved = data_dir.resolve()
    try:
        relative = resolved.relative_to(REPO)
    except ValueError:
        return resolved.name or "data"
    return relative.as_posix() if relative.parts else resolved.name


def code_digest() -> str:
    """Hash of everything a chapter's result can depend on besides its own source and data."""
    files = [p for p in (REPO / "src").rglob("*.py") if "__pycache__" not in p.parts]
    files += [REPO / name for name in ("requirements.txt", "requirements-lock.txt") if (REPO / name).exists()]
    return tree_digest(files, REPO)


def toc_chapters(root: Path) -> list[str]:
    """Docnames (e.g. ``chapters/02_status``) in table-of-contents order."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [n[:-3] if n.endswith(".md") else n for n in names]


@dataclass(frozen=True)
class Task:
    docname: str
    source: Path          # the MyST-Markdown chapter
    parameters: dict
    key: str              # hash of src/ and the pins + parameters + the resolved data directory + the editions
    build_dir: Path
    data_dir: Path        # resolved; the parameters name it as shown on the page

    @property
    def cache_dir(self) -> Path:
        """Holds notebook.ipynb, assets/ and deps.json of the chapter's last good run."""
        return self.build_dir / "cache" / self.docname.replace("/", "__")


@dataclass(frozen=True)
class Result:
    docname: str
    seconds: float
    executed: bool


def _deps_valid(task: "Task") -> bool:
    """Whether the chapter's cached run still holds: same key, same data files read, same code cells.

    The key leaves the chapter's source out; a source that changed since the run is still valid
    when only its Markdown changed (src/build/prose.py compares the code cells themselves), and staging
    then takes the current prose.
    """
    cache_dir = task.cache_dir
    meta = cache_dir / "deps.json"
    if not meta.exists() or not (cache_dir / "notebook.ipynb").exists():
        return False
    record = read_record(meta)
    if record.get("key") != task.key:
        return False
    for path, digest in record.get("files", {}).items():
        p = Path(path)
        if not p.exists() or sha256_file(p) != digest:
            return False
    return record.get("source") == sha256_file(task.source) or _only_prose_changed(task)


_PROSE_CHECKED: dict[tuple[str, str], bool] = {}


def _only_prose_changed(task: "Task") -> bool:
    """Whether the chapter's code cells are those of its cached run (read by jupytext; once per source and run)."""
    from src.build import prose

    executed_file = task.cache_dir / "notebook.ipynb"
    memo = (sha256_file(task.source), sha256_file(executed_file))
    if memo not in _PROSE_CHECKED:
        executed = json.loads(executed_file.read_text(encoding="utf-8"))
        _PROSE_CHECKED[memo] = prose.same_code(prose.read_source(task.source), executed)
    return _PROSE_CHECKED[memo]


def executed_source_digest(task: "Task") -> str | None:
    """sha256 of the chapter source the cached run executed (None: not recorded)."""
    return read_record(task.cache_dir / "deps.json").get("source")


def kernel_cwd(build_dir: Path) -> Path:
    """The chapters' working directory: it holds the data directory under its displayed name."""
    return build_dir / "kernel-cwd"


def link_data_dir(build_dir: Path, data_dir: Path, shown: str) -> None:
    """Make ``shown`` (relative to the kernels' working directory) lead to ``data_dir``."""
    cwd = kernel_cwd(build_dir)
    if cwd.exists():
        shutil.rmtree(cwd)
    link = cwd / shown
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(data_dir, target_is_directory=True)


def build_info() -> dict:
    """Commit and date of the sources, for the reproduction appendix (deterministic per commit)."""
    def git(*args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return proc.stdout.strip() if proc.returncode == 0 else ""

    commit = git("rev-parse", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(epoch)))
    else:
        date = git("log", "-1", "--format=%cI") or "unknown"
    return {"build_commit": commit, "build_date": date}


def declared_parameters(source: Path) -> set[str]:
    """Names assigned in the chapter's ``parameters`` cell."""
    import ast

    from src.build import prose

    for cell in prose.read_source(source).cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            tree = ast.parse(cell.source)
            return {t.id for node in tree.body if isinstance(node, ast.Assign)
                    for t in node.targets if isinstance(t, ast.Name)}
    raise BuildError(f"{source} has no cell tagged 'parameters' (it must declare data_dir)")


def declared_parameters_cached(sources: dict[str, Path], cache_file: Path) -> dict[str, set[str]]:
    """``declared_parameters`` of each chapter, remembered by source hash (parsing all takes ≈ 0.3 s)."""
    try:
        known = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    digests = {d: sha256_file(src) for d, src in sources.items()}
    declared = {d: set(known[h]) if h in known else declared_parameters(sources[d]) for d, h in digests.items()}
    wanted = {h: sorted(declared[d]) for d, h in digests.items()}
    if wanted != known:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        cache_file.write_text(json.dumps(wanted, indent=1), encoding="utf-8")
    return declared


def plan_tasks(root: Path, build_dir: Path, data_dir: Path) -> list[Task]:
    """One task per chapter: data_dir for every chapter, build facts for those that declare them."""
    code = code_digest()
    sources = {d: root / f"{d}.md" for d in toc_chapters(root)}
    for docname, source in sources.items():
        if not source.exists():
            raise BuildError(f"_toc.yml lists {docname}, but {source} does not exist")
    declared = declared_parameters_cached(sources, build_dir / "cache" / "parameters.json")
    base = {"data_dir": display_data_dir(data_dir)}
    info = build_info() if any("build_commit" in names for names in declared.values()) else {}
    injected = {d: dict(base, **{k: v for k, v in info.items() if k in declared[d]}) for d in sources}
    listing = json.dumps(injected, ensure_ascii=False)
    tasks = []
    for docname, source in sources.items():
        params = dict(injected[docname])
        if "chapter_parameters" in declared[docname]:
            params["chapter_parameters"] = listing
        # not the source: its code cells are compared with the cached run's (_deps_valid), its prose is not an input
        key = sha256_bytes(json.dumps(
            {"code": code, "params": params, "docname": docname,
             "data_dir": str(data_dir.resolve()), "editions": EDITIONS}, sort_keys=True).encode())
        tasks.append(Task(docname, source, params, key, build_dir, data_dir.resolve()))
    return tasks


#: What each field of a build record (last-build.json, a chapter's deps.json) must be, when present.
_RECORD_FIELDS = {
    "timings": lambda v: isinstance(v, dict) and all(isinstance(x, (int, float)) for x in v.values()),
    "outputs": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "files": lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
    "missing_translations": lambda v: isinstance(v, dict) and all(isinstance(x, list) for x in v.values()),
    "chapters": lambda v: isinstance(v, int),
    **{name: lambda v: isinstance(v, str) for name in ("key", "published", "inputs_digest", "data_digest",
                                                        "stage_digest")},
}


_NOTICED: set[Path] = set()


def read_record(record_file: Path) -> dict:
    """A build record; a missing one is empty, and so is an unreadable or malformed one, said in one
    line: what it recorded is rebuilt, instead of every later build failing until it is deleted."""
    try:
        record = json.loads(record_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, RecursionError) as exc:
        return _unreadable_record(record_file, f"it is not valid JSON ({type(exc).__name__})")
    if not isinstance(record, dict):
        return _unreadable_record(record_file, f"it holds a JSON {type(record).__name__}, not an object")
    wrong = [name for name, ok in _RECORD_FIELDS.items() if name in record and not ok(record[name])]
    if wrong:
        return _unreadable_record(record_file, f"its field(s) {', '.join(wrong)} have the wrong type")
    return record


def _unreadable_record(record_file: Path, why: str) -> dict:
    if record_file not in _NOTICED:
        _NOTICED.add(record_file)
        print(f"note: build record {record_file} is unusable ({why}); treated as absent, "
              "so what it recorded is rebuilt", file=sys.stderr, flush=True)
    return {}


def last_seconds(task: Task) -> float:
    """How long the chapter took the last time it ran (0 if unknown)."""
    timings = read_record(task.build_dir / "last-build.json").get("timings", {})
    return float(timings.get(task.docname, 0))


def stale_tasks(tasks: list[Task]) -> list[Task]:
    """The chapters whose cached run no longer matches their inputs: those a build executes."""
    return [t for t in tasks if not _deps_valid(t)]


def remove_unfinished_runs(tasks: list[Task]) -> None:
    """Delete the work directories (``cache/run-*``) of executions that did not finish."""
    for stale in {t.cache_dir.parent for t in tasks}:
        for leftover in stale.glob("run-*") if stale.exists() else []:
            shutil.rmtree(leftover, ignore_errors=True)
