"""Build the book: validate data → execute chapters with papermill → Sphinx → swap in the new site.

Run ``python -m src.pipeline --help``.  Steps:

1. validate the whole data directory (every problem reported at once; nothing runs on bad data);
2. execute each MyST chapter (read in memory with jupytext) with papermill, in parallel,
   injecting ``data_dir``; each chart a chapter shows is also written as SVG and PNG; a chapter is re-executed only when its
   source, the ``src/`` code, the parameters, the pinned requirements or one of the data
   files it read last time changed (content hashes, never timestamps);
3. write the executed notebooks to a staging book under ``_build/stage`` and build it with
   jupyter-book (strict: warnings are errors), executing nothing a second time;
4. replace ``_build/html`` only when everything succeeded.
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import datapkg, render

REPO = Path(__file__).resolve().parent.parent
KERNEL = "python3"


class BuildError(RuntimeError):
    """A build step failed; the message says which chapter / cell / step."""


# --------------------------------------------------------------------------- hashing

def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_bytes(path.read_bytes())


def tree_digest(paths: list[Path], root: Path) -> str:
    """One hash over the relative names and contents of ``paths``."""
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def code_digest() -> str:
    """Hash of everything a chapter's result can depend on besides its own source and data."""
    files = [p for p in (REPO / "src").rglob("*.py") if "__pycache__" not in p.parts]
    files += [REPO / name for name in ("requirements.txt", "requirements-lock.txt") if (REPO / name).exists()]
    return tree_digest(files, REPO)


# --------------------------------------------------------------------------- chapters

def toc_chapters(root: Path) -> list[str]:
    """Docnames (e.g. ``chapters/02_status``) in table-of-contents order."""
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
    key: str              # hash of source + code + parameters
    build_dir: Path

    @property
    def cache_dir(self) -> Path:
        """Holds notebook.ipynb, assets/ and deps.json of the chapter's last good run."""
        return self.build_dir / "cache" / self.docname.replace("/", "__")


@dataclass(frozen=True)
class Result:
    docname: str
    seconds: float
    executed: bool


def _deps_valid(cache_dir: Path, key: str) -> bool:
    meta = cache_dir / "deps.json"
    if not meta.exists() or not (cache_dir / "notebook.ipynb").exists():
        return False
    record = json.loads(meta.read_text(encoding="utf-8"))
    if record.get("key") != key:
        return False
    for path, digest in record.get("files", {}).items():
        p = Path(path)
        if not p.exists() or sha256_file(p) != digest:
            return False
    return True


def _fold_parameter_cells(nb) -> None:
    """Keep papermill's parameter cells in the notebook but off the reader's way on the page."""
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "hide-input" not in tags:
            tags.append("hide-input")
        if "parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")


def _send_stderr_to(log: Path) -> None:
    """Kernel start-up chatter goes to a log file, not the build output (errors come from the notebook)."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def execute_task(task: Task) -> Result:
    """Execute one chapter into its cache directory (runs in a worker process)."""
    import jupytext
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="run-", dir=task.cache_dir.parent))
    try:
        deps_file = work / "deps.txt"
        deps_file.touch()
        _send_stderr_to(task.cache_dir.parent / f"{task.cache_dir.name}.kernel.log")
        os.environ[datapkg.DEPS_ENV] = str(deps_file)
        nb = jupytext.read(task.source)
        try:
            nb = papermill.execute_notebook(
                nb, None, parameters=task.parameters, kernel_name=KERNEL, cwd=str(task.source.parent),
                progress_bar=False, log_output=False,
            )
        except PapermillExecutionError as exc:
            raise BuildError(
                f"chapter {task.docname} ({task.source.name}) failed in cell {exc.cell_index} "
                f"(execution count {exc.exec_count}): {exc.ename}: {exc.evalue}"
            ) from None
        except Exception as exc:  # kernel died, bad notebook …
            raise BuildError(f"chapter {task.docname} ({task.source.name}) could not run: "
                             f"{type(exc).__name__}: {exc}") from None
        _fold_parameter_cells(nb)
        for index, cell in enumerate(nb.cells):
            cell.id = f"cell-{index:03d}"      # jupytext and papermill pick random ids: keep builds identical
        for key in ("input_path", "output_path"):
            nb.metadata.get("papermill", {}).pop(key, None)
        nbformat.write(nb, work / "notebook.ipynb")
        try:
            render.export_figures(nb, work / "assets", Path(task.parameters["data_dir"]),
                                  cache_dir=task.build_dir / "figcache")
        except Exception as exc:
            raise BuildError(f"chapter {task.docname}: its figures could not be exported as SVG/PNG: "
                             f"{type(exc).__name__}: {exc}") from None
        files = sorted({line for line in deps_file.read_text(encoding="utf-8").splitlines() if line})
        deps = {"key": task.key, "files": {f: sha256_file(Path(f)) for f in files}}
        (work / "deps.json").write_text(json.dumps(deps, ensure_ascii=False, indent=1), encoding="utf-8")
        deps_file.unlink()
        if task.cache_dir.exists():
            shutil.rmtree(task.cache_dir)
        work.rename(task.cache_dir)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return Result(task.docname, time.perf_counter() - start, True)


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

    import jupytext

    for cell in jupytext.read(source).cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            tree = ast.parse(cell.source)
            return {t.id for node in tree.body if isinstance(node, ast.Assign)
                    for t in node.targets if isinstance(t, ast.Name)}
    raise BuildError(f"{source} has no cell tagged 'parameters' (it must declare data_dir)")


def plan_tasks(root: Path, build_dir: Path, data_dir: Path) -> list[Task]:
    """One task per chapter: data_dir for every chapter, build facts for those that declare them."""
    code = code_digest()
    sources = {d: root / f"{d}.md" for d in toc_chapters(root)}
    for docname, source in sources.items():
        if not source.exists():
            raise BuildError(f"_toc.yml lists {docname}, but {source} does not exist")
    declared = {d: declared_parameters(src) for d, src in sources.items()}
    base = {"data_dir": str(data_dir)}
    info = build_info() if any("build_commit" in names for names in declared.values()) else {}
    injected = {d: dict(base, **{k: v for k, v in info.items() if k in declared[d]}) for d in sources}
    listing = json.dumps(injected, ensure_ascii=False)
    tasks = []
    for docname, source in sources.items():
        params = dict(injected[docname])
        if "chapter_parameters" in declared[docname]:
            params["chapter_parameters"] = listing
        key = sha256_bytes(json.dumps(
            {"source": sha256_file(source), "code": code, "params": params, "docname": docname},
            sort_keys=True).encode())
        tasks.append(Task(docname, source, params, key, build_dir))
    return tasks


def _last_seconds(task: Task) -> float:
    """How long the chapter took the last time it ran (0 if unknown)."""
    record = task.build_dir / "last-build.json"
    timings = json.loads(record.read_text(encoding="utf-8")).get("timings", {}) if record.exists() else {}
    return float(timings.get(task.docname, 0))


def run_tasks(tasks: list[Task], jobs: int, log) -> list[Result]:
    """Execute the chapters whose cache is stale, in parallel; every failure is reported."""
    for stale in {t.cache_dir.parent for t in tasks}:
        for leftover in stale.glob("run-*") if stale.exists() else []:
            shutil.rmtree(leftover, ignore_errors=True)   # from an interrupted build
    todo = [t for t in tasks if not _deps_valid(t.cache_dir, t.key)]
    todo.sort(key=lambda t: -_last_seconds(t))       # longest first: shortest wall time on few cores
    results = [Result(t.docname, 0.0, False) for t in tasks if t not in todo]
    log(f"chapters: {len(tasks)} in the book, {len(todo)} to execute, {len(results)} unchanged (cached)")
    if not todo:
        return results
    for t in todo:
        t.cache_dir.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo)))) as pool:
        futures = {pool.submit(execute_task, t): t for t in todo}
        for done, future in enumerate(as_completed(futures), start=1):
            task = futures[future]
            try:
                result = future.result()
            except BuildError as exc:
                failures.append(str(exc))
                log(f"[{done}/{len(todo)}] FAILED {task.docname}")
                continue
            except Exception as exc:  # a worker died (memory), hashing failed …
                failures.append(f"chapter {task.docname} ({task.source.name}) could not run: {type(exc).__name__}: {exc}")
                log(f"[{done}/{len(todo)}] FAILED {task.docname}")
                continue
            results.append(result)
            log(f"[{done}/{len(todo)}] executed {task.docname} in {result.seconds:.1f} s")
    if failures:
        raise BuildError("\n".join(failures))
    return results


# --------------------------------------------------------------------------- staging + sphinx

def stage_digest(stage: Path) -> str:
    """Hash of the whole staged book: equal digests mean Sphinx would produce the same site."""
    return tree_digest([p for p in stage.rglob("*") if p.is_file()], stage)


def stage_book(root: Path, tasks: list[Task], stage: Path, data_dir: Path) -> None:
    """A book tree of executed notebooks that jupyter-book can render without executing.

    Besides the notebooks it holds the data package (downloads) and a copy of ``src/``
    that the code appendix quotes.
    """
    for name in ("_config.yml", "_toc.yml"):
        render.write_if_changed(stage / name, (root / name).read_bytes())
    wanted = {f"{t.docname}.ipynb" for t in tasks}
    for old in stage.rglob("*.ipynb"):
        if str(old.relative_to(stage)) not in wanted:
            old.unlink()
    figures = {}
    for t in tasks:
        render.write_if_changed(stage / f"{t.docname}.ipynb", (t.cache_dir / "notebook.ipynb").read_bytes())
        figures.update({p.name: p for p in (t.cache_dir / "assets").glob("*") if p.is_file()})
    _mirror(figures, stage / "_static" / "figures")          # a withdrawn figure's files go too
    data_files = [p for pattern in ("datapackage.json", "*.csv", "README.md") for p in data_dir.glob(pattern)]
    _mirror({p.name: p for p in data_files if p.is_file()}, stage / "_static" / "data")
    _mirror({p.name: p for p in (REPO / "src").glob("*.py")}, stage / "_code" / "src")
    # last: the font is cut down to the characters of everything staged above
    render.write_site_static(stage / "_static", stage.parent / "vendor")


def _mirror(wanted: dict[str, Path], dest: Path) -> None:
    """Make ``dest`` hold exactly ``wanted`` (name → source file); unchanged files are left untouched."""
    if dest.exists():
        for old in dest.iterdir():
            if old.name not in wanted:
                old.unlink()
    for name, path in wanted.items():
        render.write_if_changed(dest / name, path.read_bytes())


def run_sphinx(stage: Path, out: Path, quiet: bool) -> Path:
    """Build the staged book strictly; returns the HTML directory."""
    # Sphinx never deletes stale static files (e.g. a withdrawn figure's SVG): start its
    # _static afresh. It copies them only when it writes pages, and with no page out of
    # date (a stylesheet or the font subset changed) it writes none: --all makes it write
    # every page (reading stays incremental) and so copy _static again.
    shutil.rmtree(out / "_build" / "html" / "_static", ignore_errors=True)
    cmd = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(stage), "--path-output", str(out),
           "--builder", "html", "-W", "-n", "--keep-going", "--all"]
    if quiet:
        cmd.append("--quiet")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-40:])
        raise BuildError(f"jupyter-book/Sphinx failed (strict build: warnings are errors):\n{tail}")
    return out / "_build" / "html"


def publish(html: Path, target: Path) -> None:
    """Replace ``target`` with a copy of ``html``; the old site stays until the new one is complete."""
    new = target.with_name(target.name + ".new")
    old = target.with_name(target.name + ".old")
    for leftover in (new, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    shutil.copytree(html, new)
    # The two renames are the only moment without a site: keep Ctrl-C out of it
    # (and `recover` finishes the swap if the process is killed in between).
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        if target.exists():
            target.rename(old)
        new.rename(target)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    if old.exists():
        shutil.rmtree(old)


def recover(target: Path) -> None:
    """Finish a swap that an interrupted build left half done."""
    old = target.with_name(target.name + ".old")
    if not target.exists() and old.exists():
        old.rename(target)


# --------------------------------------------------------------------------- entry points

def build(root: Path, data_dir: Path, build_dir: Path, jobs: int, quiet: bool = False) -> Path:
    """Build the whole book; returns the published HTML directory."""
    log = (lambda msg: None) if quiet else (lambda msg: print(msg, flush=True))
    started = time.perf_counter()
    build_dir.mkdir(parents=True, exist_ok=True)
    lock = open(build_dir / ".lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise BuildError(f"another build is running in {build_dir}; wait for it or use --build-dir") from None
    target = build_dir / "html"
    recover(target)
    data_dir = data_dir.resolve()
    problems = datapkg.validate_directory(data_dir)
    if problems:
        raise datapkg.DataError(problems, data_dir)
    log(f"data: {data_dir} is valid")
    # Chapters import `src` from this repository, wherever the book sources live.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    tasks = plan_tasks(root, build_dir, data_dir)
    results = run_tasks(tasks, jobs, log)
    stage = build_dir / "stage"
    stage_book(root, tasks, stage, data_dir)
    digest = stage_digest(stage)
    record_file = build_dir / "last-build.json"
    last = json.loads(record_file.read_text(encoding="utf-8")) if record_file.exists() else {}
    if last.get("stage_digest") == digest and target.is_dir():
        log("sphinx: nothing changed since the published site; kept it")
    else:
        t0 = time.perf_counter()
        html = run_sphinx(stage, build_dir / "sphinx", quiet)
        log(f"sphinx: built in {time.perf_counter() - t0:.1f} s")
        publish(html, target)
    executed = sorted(r.docname for r in results if r.executed)
    timings = dict(last.get("timings", {}), **{r.docname: round(r.seconds, 2) for r in results if r.executed})
    record = {"stage_digest": digest, "data_dir": str(data_dir), "executed": executed, "timings": timings}
    record_file.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    log(f"done in {time.perf_counter() - started:.1f} s ({len(executed)} chapter(s) executed): {target / 'index.html'}")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m src.pipeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the site into BUILD_DIR/html")
    b.add_argument("--data", default="data", help="data directory laid out like data/ (default: data)")
    b.add_argument("--root", default=str(REPO), help="book sources: _config.yml, _toc.yml, chapters/")
    b.add_argument("--build-dir", default=None, help="output directory (default: ROOT/_build)")
    b.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="chapters executed in parallel")
    b.add_argument("--quiet", action="store_true", help="print errors only (for CI)")
    v = sub.add_parser("validate", help="check a data directory and list every problem")
    v.add_argument("--data", default="data")
    args = parser.parse_args(argv)
    try:
        if args.command == "validate":
            problems = datapkg.validate_directory(Path(args.data))
            if problems:
                raise datapkg.DataError(problems, args.data)
            print(f"{args.data}: valid")
            return 0
        root = Path(args.root).resolve()
        build_dir = Path(args.build_dir).resolve() if args.build_dir else root / "_build"
        build(root, Path(args.data), build_dir, args.jobs, args.quiet)
        return 0
    except (BuildError, datapkg.DataError) as exc:
        print(f"BUILD FAILED — the previous site (if any) was left unchanged.\n{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("BUILD INTERRUPTED — the previous site (if any) was left unchanged.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
