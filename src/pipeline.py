"""Build the book: validate data → execute chapters with papermill → Sphinx → swap in the new site.

Run ``python -m src.pipeline --help``.  Steps:

1. validate the whole data directory (every problem reported at once; nothing runs on bad data);
2. execute each MyST chapter (read in memory with jupytext) with papermill, in parallel,
   injecting ``data_dir``; each chart a chapter shows is also written as SVG and PNG; a chapter is re-executed only when its
   source, the ``src/`` code, the parameters, the pinned requirements or one of the data
   files it read last time changed (content hashes, never timestamps);
3. write the executed notebooks to a staging book under ``_build/stage`` and build it with
   jupyter-book (strict: warnings are errors), executing nothing a second time;
4. publish: copy the site into ``_build/sites/<digest>`` and switch the relative symlink
   ``_build/html`` to it with one ``rename`` — readers see the old site or the new one, never
   a mix; an interrupted build leaves nothing the next one cannot repair.

The data directory is shown on the pages by its path relative to the repository (or its
name when it lies outside); the cache keys on its resolved absolute path.
"""
from __future__ import annotations

import argparse
import ctypes
import errno
import fcntl
import hashlib
import json
import multiprocessing
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
SITES = "sites"           # BUILD_DIR/sites/<digest>: published versions; BUILD_DIR/html links to one
#: Test hook: the pipeline sleeps this many seconds at the named step ("publish-copy",
#: "publish-switch") so a test can kill it there.
PAUSE_ENV = "BOOK_TEST_PAUSE"


class BuildError(RuntimeError):
    """A build step failed; the message says which chapter / cell / step."""


@dataclass
class Outcome:
    """What a build has done so far, so an interruption can be reported truthfully."""

    published: Path | None = None       # the new site went live (the switch happened)


def _pause(step: str) -> None:
    wanted, _, seconds = os.environ.get(PAUSE_ENV, "").partition("=")
    if wanted == step:
        print(f"[test] paused at {step}", flush=True)
        time.sleep(float(seconds or 5))


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (even by kill -9)."""
    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):   # not Linux: the lock is still not inherited
        pass


def _worker_init(parent: int) -> None:
    """Pool workers die with the build and leave Ctrl-C to it (it stops them itself)."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.getppid() != parent:          # the build died before we could ask
        os._exit(1)


def display_data_dir(data_dir: Path) -> str:
    """How the pages name the data directory: relative to the repository, else its name."""
    resolved = data_dir.resolve()
    try:
        relative = resolved.relative_to(REPO)
    except ValueError:
        return resolved.name or "data"
    return relative.as_posix() if relative.parts else resolved.name


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
    key: str              # hash of source + code + parameters + the resolved data directory
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
                nb, None, parameters=task.parameters, kernel_name=KERNEL, cwd=str(kernel_cwd(task.build_dir)),
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
            render.export_figures(nb, work / "assets", task.data_dir,
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
    base = {"data_dir": display_data_dir(data_dir)}
    info = build_info() if any("build_commit" in names for names in declared.values()) else {}
    injected = {d: dict(base, **{k: v for k, v in info.items() if k in declared[d]}) for d in sources}
    listing = json.dumps(injected, ensure_ascii=False)
    tasks = []
    for docname, source in sources.items():
        params = dict(injected[docname])
        if "chapter_parameters" in declared[docname]:
            params["chapter_parameters"] = listing
        key = sha256_bytes(json.dumps(
            {"source": sha256_file(source), "code": code, "params": params, "docname": docname,
             "data_dir": str(data_dir.resolve())}, sort_keys=True).encode())
        tasks.append(Task(docname, source, params, key, build_dir, data_dir.resolve()))
    return tasks


def _last_seconds(task: Task) -> float:
    """How long the chapter took the last time it ran (0 if unknown)."""
    timings = _read_record(task.build_dir / "last-build.json").get("timings", {})
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
    # Spawned workers inherit no descriptor (so never the build lock) and die with the build.
    pool = ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo))), mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init, initargs=(os.getpid(),))
    try:
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
    except BaseException:
        _kill_workers(pool)
        raise
    pool.shutdown()
    if failures:
        raise BuildError("\n".join(failures))
    return results


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop at once (Ctrl-C, SIGTERM): kill the workers; their kernels notice within a second and exit."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=2)


# --------------------------------------------------------------------------- staging + sphinx

def stage_digest(stage: Path) -> str:
    """Hash of the whole staged book: equal digests mean Sphinx would produce the same site."""
    return tree_digest([p for p in stage.rglob("*") if p.is_file()], stage)


def stage_book(root: Path, tasks: list[Task], stage: Path, data_dir: Path) -> None:
    """A book tree of executed notebooks that jupyter-book can render without executing.

    Besides the notebooks it holds the data package (downloads: only the files
    ``datapkg.published_files`` allows) and a copy of ``src/`` that the code appendix quotes.
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
        figures.update({p.name: p.read_bytes() for p in (t.cache_dir / "assets").glob("*") if p.is_file()})
    _mirror(figures, stage / "_static" / "figures")          # a withdrawn figure's files go too
    render.write_site_static(stage / "_static", stage.parent / "vendor")
    data = {p.name: datapkg.data_file_bytes(data_dir, p.name) for p in datapkg.published_files(data_dir)}
    _mirror(data, stage / "_static" / "data")
    _mirror({p.name: p.read_bytes() for p in (REPO / "src").glob("*.py")}, stage / "_code" / "src")


def _mirror(wanted: dict[str, bytes], dest: Path) -> None:
    """Make ``dest`` hold exactly ``wanted`` (name → content); unchanged files are left untouched."""
    if dest.exists():
        for old in dest.iterdir():
            if old.name not in wanted:
                old.unlink()
    for name, data in wanted.items():
        render.write_if_changed(dest / name, data)


def run_sphinx(stage: Path, out: Path, quiet: bool) -> Path:
    """Build the staged book strictly; returns the HTML directory.

    A run that did not finish (killed, failed) may leave pages or an environment that
    disagree with each other: the next run then starts from scratch.
    """
    unfinished = out / ".unfinished"
    if unfinished.exists():
        shutil.rmtree(out, ignore_errors=True)     # a killed Sphinx may still be dying (it dies with its build)
    out.mkdir(parents=True, exist_ok=True)
    unfinished.touch()
    cmd = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(stage), "--path-output", str(out),
           "--builder", "html", "-W", "-n", "--keep-going"]
    if quiet:
        cmd.append("--quiet")
    proc = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=die_with_parent)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-40:])
        raise BuildError(f"jupyter-book/Sphinx failed (strict build: warnings are errors):\n{tail}")
    html = out / "_build" / "html"
    _sync_static(stage / "_static", html / "_static")
    _drop_empty_search_terms(html / "searchindex.js")
    unfinished.unlink()
    return html


def _sync_static(staged: Path, built: Path) -> None:
    """Our static files exactly as staged: Sphinx copies them only when a page changed, and
    never deletes one (a withdrawn figure's files, a data file no longer published)."""
    for path in staged.rglob("*"):
        if path.is_file():
            render.write_if_changed(built / path.relative_to(staged), path.read_bytes())
    for sub in ("figures", "data"):
        keep = {p.name for p in (staged / sub).glob("*")}
        for old in (built / sub).glob("*") if (built / sub).exists() else []:
            if old.name not in keep:
                old.unlink()


def _drop_empty_search_terms(index_file: Path) -> None:
    """Sphinx keeps a word of a page it re-reads, mapped to no page, forever: drop such words."""
    from sphinx.search import js_index

    if not index_file.exists():
        return
    index = js_index.loads(index_file.read_text(encoding="utf-8"))
    for key in ("terms", "titleterms"):
        index[key] = {word: docs for word, docs in index[key].items() if docs != []}
    render.write_if_changed(index_file, js_index.dumps(index).encode("utf-8"))


# --------------------------------------------------------------------------- publishing

def published_digest(target: Path) -> str | None:
    """The stage digest of the site ``target`` shows (None: no site, or not one of ours)."""
    if not target.is_symlink() or not target.is_dir():
        return None
    return Path(os.readlink(target)).name


class PublishError(BuildError):
    """Publishing failed before the switch: the previous site is still the published one."""


def publish(html: Path, target: Path, digest: str, outcome: Outcome) -> None:
    """Copy ``html`` to BUILD_DIR/sites/<digest>, then point the symlink ``target`` at it.

    The switch is one ``rename`` of a relative symlink over ``target``: atomic, and it
    keeps a copied build directory working.  Older versions are removed afterwards.
    """
    sites = target.parent / SITES
    version = sites / digest
    partial = sites / f".{digest}.partial"
    sites.mkdir(exist_ok=True)
    for leftover in (version, partial):
        if leftover.exists() and leftover != _current(target):
            shutil.rmtree(leftover)
    if not version.exists():
        try:
            _pause("publish-copy")
            shutil.copytree(html, partial, copy_function=_copy_or_stop)
            partial.rename(version)
        except (OSError, _CopyFailed) as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise PublishError(_disk_message(getattr(exc, "error", exc), target)) from None
    _switch(target, version, outcome)
    remove_stale_versions(target)


class _CopyFailed(Exception):
    """Stops copytree at the first failed file (it would otherwise go on, e.g. on a full disk)."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


def _copy_or_stop(src: str, dst: str) -> None:
    try:
        shutil.copy2(src, dst)
    except OSError as exc:
        raise _CopyFailed(exc) from None


def _current(target: Path) -> Path | None:
    return (target.parent / os.readlink(target)) if target.is_symlink() else None


def _disk_message(exc: OSError, target: Path) -> str:
    what = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror or type(exc).__name__
    return (f"could not copy the new site next to {target} ({what}); the partial copy was removed "
            "and the previous site is still published")


def _switch(target: Path, version: Path, outcome: Outcome) -> None:
    """Point ``target`` at ``version`` in one rename; an old-style directory is moved aside first."""
    link = target.with_name(f".{target.name}.link")
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(version.relative_to(target.parent), target_is_directory=True)
    _pause("publish-switch")
    # Ctrl-C / SIGTERM must not land between the switch and recording it.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
    try:
        if target.is_dir() and not target.is_symlink():      # a build directory from before versioned sites
            target.rename(version.parent / f".legacy-{os.getpid()}")
        os.replace(link, target)
        outcome.published = target
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def remove_stale_versions(target: Path) -> None:
    """Delete what interrupted builds left: unpublished versions, partial copies, the old layout."""
    current = _current(target)
    sites = target.parent / SITES
    for path in sites.iterdir() if sites.is_dir() else []:
        if current is None or path.name != current.name:
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
    for leftover in (target.with_name(target.name + ".new"), target.with_name(f".{target.name}.link")):
        if leftover.is_symlink() or leftover.is_file():
            leftover.unlink()
        elif leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)


def recover(target: Path) -> None:
    """Repair what an interrupted build left: put back an old-layout site moved aside, drop leftovers."""
    if target.is_symlink() and not target.exists():      # its version is gone: there is no site
        target.unlink()
    moved_aside = [target.with_name(target.name + ".old"), *(target.parent / SITES).glob(".legacy-*")]
    for old in moved_aside:
        if not os.path.lexists(target) and old.is_dir():
            old.rename(target)
    remove_stale_versions(target)
    for old in moved_aside:
        shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- entry points

def _lock(build_dir: Path) -> int:
    """Hold BUILD_DIR/.lock for this process only (the kernel releases it when we die)."""
    try:
        build_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(build_dir / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise BuildError(f"cannot write to the build directory {build_dir} ({exc.strerror}); "
                         "choose a writable one with --build-dir") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise BuildError(f"another build (process {holder}) is running in {build_dir}; "
                         "wait for it or use --build-dir") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def _read_record(record_file: Path) -> dict:
    try:
        return json.loads(record_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def build(root: Path, data_dir: Path, build_dir: Path, jobs: int, quiet: bool = False,
          outcome: Outcome | None = None) -> Path:
    """Build the whole book; returns the published HTML directory."""
    log = (lambda msg: None) if quiet else (lambda msg: print(msg, flush=True))
    outcome = outcome if outcome is not None else Outcome()
    started = time.perf_counter()
    lock = _lock(build_dir)
    try:
        return _build_locked(root, data_dir, build_dir, jobs, quiet, log, outcome, started)
    finally:
        os.close(lock)


def _build_locked(root: Path, data_dir: Path, build_dir: Path, jobs: int, quiet: bool, log, outcome: Outcome,
                  started: float) -> Path:
    target = build_dir / "html"
    recover(target)
    problems = datapkg.validate_directory(data_dir)
    if problems:
        raise datapkg.DataError(problems, display_data_dir(data_dir))
    data_dir = data_dir.resolve()
    shown = display_data_dir(data_dir)
    log(f"data: {shown} is valid")
    # Chapters import `src` from this repository, wherever the book sources live.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    link_data_dir(build_dir, data_dir, shown)
    tasks = plan_tasks(root, build_dir, data_dir)
    results = run_tasks(tasks, jobs, log)
    stage = build_dir / "stage"
    stage_book(root, tasks, stage, data_dir)
    digest = stage_digest(stage)[:24]
    record_file = build_dir / "last-build.json"
    last = _read_record(record_file)
    if published_digest(target) == digest:
        log("sphinx: nothing changed since the published site; kept it")
    else:
        t0 = time.perf_counter()
        html = run_sphinx(stage, build_dir / "sphinx", quiet)
        log(f"sphinx: built in {time.perf_counter() - t0:.1f} s")
        publish(html, target, digest, outcome)
    executed = sorted(r.docname for r in results if r.executed)
    timings = dict(last.get("timings", {}), **{r.docname: round(r.seconds, 2) for r in results if r.executed})
    record = {"stage_digest": digest, "data_dir": str(data_dir), "executed": executed, "timings": timings}
    _write_atomically(record_file, json.dumps(record, ensure_ascii=False, indent=1))
    log(f"done in {time.perf_counter() - started:.1f} s ({len(executed)} chapter(s) executed): {target / 'index.html'}")
    return target


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


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
    if args.command == "validate":
        problems = datapkg.validate_directory(Path(args.data))
        if problems:
            print(f"INVALID — {datapkg.DataError(problems, args.data)}", file=sys.stderr)
            return 1
        print(f"{args.data}: valid")
        return 0
    for signum in (signal.SIGTERM, signal.SIGHUP):     # a stopped build stops like Ctrl-C
        signal.signal(signum, _interrupt)
    outcome = Outcome()
    kept = "the previous site (if any) was left unchanged"
    try:
        root = Path(args.root).resolve()
        build_dir = Path(args.build_dir).resolve() if args.build_dir else root / "_build"
        build(root, Path(args.data), build_dir, args.jobs, args.quiet, outcome)
        return 0
    except (BuildError, datapkg.DataError) as exc:
        print(f"BUILD FAILED — {_state(outcome, kept)}.\n{exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"BUILD FAILED — could not read or write{where}: {exc.strerror or exc}; {_state(outcome, kept)}.",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"BUILD INTERRUPTED — {_state(outcome, kept)}.", file=sys.stderr)
        return 130


def _state(outcome: Outcome, kept: str) -> str:
    if outcome.published:
        return f"the new site had already been published in full ({outcome.published})"
    return kept


if __name__ == "__main__":
    sys.exit(main())
