"""The command line and the build: validate data → plan and execute chapters (src/build/plan.py, execute.py) → Sphinx and publish (src/build/publish.py).

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
import fcntl
import hashlib
import json
import os
import signal
import stat
import sys
import time
from pathlib import Path
from types import SimpleNamespace


from src.base.common import BuildError, REPO, pause_for_test, sha256_file
from src.base.i18n import EDITIONS_ENV
from src.build.plan import read_record
from src.build.sites import SITES, is_intact, published_digest
from src.build.templates import discard_workers
from src.data.files import DataError, link_target

# The heavy modules (pandas behind validation, papermill, Sphinx helpers) are imported only
# when a build has work to do: a no-op build decides from content hashes alone (`_unchanged`).
_LAZY = {"Outcome": "publish", "PublishError": "publish", "publish": "publish"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __package__), name)
    raise AttributeError(name)


__all__ = ["build", "main", "BuildError", "Outcome", "PublishError", "SITES", "publish"]   # what tests and tools use


def build_lock(build_dir: Path) -> int:
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


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def build(root: Path, data_dir: Path, build_dir: Path, jobs: int, quiet: bool = False,
          outcome: "Outcome | None" = None) -> Path:
    """Build the whole book; returns the published HTML directory."""
    log = (lambda msg: None) if quiet else (lambda msg: print(msg, flush=True))
    started = time.perf_counter()
    lock = build_lock(build_dir)
    try:
        base = _inputs_base(root, data_dir, build_dir)
        record_file = build_dir / RECORD
        last = read_record(record_file)
        if _unchanged(last, inputs_digest(root, data_dir, build_dir, base), build_dir):
            return _keep(last, record_file, build_dir, log, started)
        if INPUTS_KEY in last:      # from here on the record no longer vouches for the site (until this build ends)
            _write_atomically(record_file, json.dumps({k: v for k, v in last.items() if k != INPUTS_KEY},
                                                      ensure_ascii=False, indent=1))
        from src.build.publish import Outcome

        outcome = outcome if outcome is not None else Outcome()
        return _build_locked(root, data_dir, build_dir, jobs, quiet, log, outcome, started, base)
    finally:
        discard_workers()         # started by `_build_locked`, but the build stopped before the chapters
        os.close(lock)


# --------------------------------------------------------------------------- the no-op fast path

RECORD = "last-build.json"
#: The record's hash of every input of the build that produced the published site (see `inputs_digest`).
INPUTS_KEY = "inputs_digest"
_SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints"}


def _files_under(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.is_file() and not _SKIPPED_PARTS & set(p.parts))


def _data_entries(data_dir: Path, add) -> None:
    """Every entry of the data directory: name, type, link text; the content of regular files inside it.

    A link that leaves the directory is hashed by its text only: the build never reads it (a
    build that needed it failed, and a failed build leaves no digest).
    """
    directory = data_dir.resolve()
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as exc:
        add("data-unreadable", exc.errno)
        return
    for entry in entries:
        path = Path(entry.path)
        mode = entry.stat(follow_symlinks=False).st_mode
        add("data", entry.name, mode)
        if entry.is_symlink():
            add(os.readlink(path))
            resolved = link_target(path)
            if resolved is None or directory not in resolved.parents:
                continue
            path = resolved
        try:
            if path.is_file() and stat.S_ISREG(path.stat().st_mode):
                add(sha256_file(path))
        except OSError as exc:
            add("unreadable", exc.errno)


def _installed_distributions() -> list[str]:
    """Names (with versions) of the installed packages, from the site-packages folders."""
    names = []
    for entry in sys.path:
        if entry.endswith("site-packages") and os.path.isdir(entry):
            names += sorted(n for n in os.listdir(entry) if n.endswith((".dist-info", ".egg-info", ".pth")))
    return names


def inputs_digest(root: Path, data_dir: Path, build_dir: Path, base: str | None = None,
                  recorded: bool = False) -> str:
    """One hash over everything a build reads, by content (never timestamps).

    The data directory (every entry), the book sources (``_config.yml``, ``_toc.yml``, every file
    under ``chapters/``), ``src/`` (code, static files, schema), the pinned requirements and the
    installed packages, the commit and date the reproduction page shows, the interpreter and the
    directories (``base``, see `_inputs_base`); and every file a chapter recorded reading, by its
    content now — or, with ``recorded``, by the hash its chapter's ``deps.json`` recorded when it
    ran (what a build stores at its end). Equal digests: a build would execute nothing and
    publish the same site — so it need not import anything to find that out.
    """
    h = hashlib.sha256((base or _inputs_base(root, data_dir, build_dir)).encode())
    read = {}
    for deps in sorted((build_dir / "cache").glob("*/deps.json")):     # what each chapter read
        read.update(read_record(deps).get("files", {}))
    for name, digest in sorted(read.items()):
        if not recorded:
            try:
                digest = sha256_file(Path(name))
            except OSError as exc:
                digest = f"unreadable {exc.errno}"
        h.update(f"{name}\0{digest}\0".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _inputs_base(root: Path, data_dir: Path, build_dir: Path) -> str:
    """The part of `inputs_digest` that does not depend on what the chapters read."""
    from src.build.plan import build_info

    h = hashlib.sha256()

    def add(*parts) -> None:
        for part in parts:
            h.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogateescape"))
            h.update(b"\0")

    add("inputs v1", sys.executable, sys.version, REPO, root.resolve(), data_dir.resolve(), build_dir.resolve(),
        _src_first(os.environ.get("PYTHONPATH", "")), os.environ.get("SOURCE_DATE_EPOCH", ""), json.dumps(build_info()),
        os.environ.get(EDITIONS_ENV, ""))   # BOOK_EDITIONS=ja: a Japanese-only site is not a no-op for both
    _data_entries(data_dir, add)
    files = [root / "_config.yml", root / "_toc.yml", *_files_under(root / "chapters"), *_files_under(REPO / "src")]
    files += [REPO / name for name in ("requirements.txt", "requirements-lock.txt")]
    for path in files:
        try:
            add(path, sha256_file(path))
        except OSError as exc:
            add(path, "unreadable", exc.errno)
    add(*_installed_distributions())
    return h.hexdigest()


def _unchanged(last: dict, inputs: str, build_dir: Path) -> bool:
    """Whether the published site is the build of exactly these inputs, and is still there as published."""
    if last.get(INPUTS_KEY) != inputs:
        return False
    target = build_dir / "html"
    try:
        shown = os.readlink(target)
    except OSError:
        return False
    return (shown == last.get("published") and is_intact(target.parent / shown)
            and all(Path(p).exists() for p in last.get("outputs", [])))


def _keep(last: dict, record_file: Path, build_dir: Path, log, started: float) -> Path:
    """Nothing changed: say so as a full build would, record it, keep the site."""
    log("inputs: unchanged since the last build (content hashes of the data, chapters, src/, configuration and "
        "requirements); data validated then")
    for lang, texts in last.get("missing_translations", {}).items():
        if texts:
            log(_untranslated_line(lang, texts))
    chapters = last.get("chapters", len(last.get("timings", {})))
    log(f"chapters: {chapters} in the book, 0 to execute, {chapters} unchanged (cached)")
    log("sphinx: nothing changed since the published site; kept it")
    record = dict(last, executed=[], changes={"data_changed": False, "glue_changes": [], "findings_rechecked": {}})
    _write_atomically(record_file, json.dumps(record, ensure_ascii=False, indent=1))
    target = build_dir / "html"
    log(f"done in {time.perf_counter() - started:.1f} s (0 chapter(s) executed): {target / 'index.html'}")
    return target


def _untranslated_line(lang: str, texts: list[str]) -> str:
    return (f"translations: {len(texts)} text(s) of the data have no '{lang}' translation; the {lang} edition "
            f"shows them in Japanese (add them to translations.{lang} in datapackage.json): "
            + "; ".join(f"「{t}」" for t in texts))


# --------------------------------------------------------------------------- the full build

def missing_translations(data_dir: Path) -> dict[str, list[str]]:
    """Language → texts of the data package that edition shows untranslated (src/data/package.py)."""
    from src.base.i18n import EDITIONS, SOURCE
    from src.data.package import load_survey, missing_translations as missing

    survey = load_survey(data_dir)
    return {lang: missing(survey, lang) for lang in EDITIONS if lang != SOURCE}


def _build_locked(root: Path, data_dir: Path, build_dir: Path, jobs: int, quiet: bool, log, outcome: "Outcome",
                  started: float, inputs_base: str) -> Path:
    from src.base.i18n import EDITIONS, SOURCE
    from src.build import changes
    from src.build.execute import run_tasks
    from src.build.plan import display_data_dir, link_data_dir, plan_tasks, read_record, stale_tasks
    from src.build.publish import (current_notebook, publish, recover, run_editions, site_digest, stage_book, stage_dir,
                                  stage_static)
    from src.build.templates import start_sphinx_template, start_workers
    from src.data.figures import book_problems
    from src.data.validate import validate_directory

    step = [time.perf_counter()]

    def lap() -> float:
        now = time.perf_counter()
        seconds, step[0] = now - step[0], now
        return seconds

    _chapters_import_src()            # before the workers start: they import `src` from here
    tasks = plan_tasks(root, build_dir, data_dir.resolve())
    if to_run := len(stale_tasks(tasks)):   # they start while the data are validated: no more than chapters to run
        start_workers(min(jobs, to_run))
    target = build_dir / "html"
    recover(target)
    validated = _data_digests(data_dir)       # the bytes validation reads (checked again after it, and at staging)
    problems = validate_directory(data_dir, requirements=[book_problems])
    if problems:
        raise DataError(problems, display_data_dir(data_dir))
    _same_data(validated, _data_digests(data_dir), "while it was validated")
    data_dir = data_dir.resolve()
    shown = display_data_dir(data_dir)
    untranslated = missing_translations(data_dir)
    log(f"data: {shown} is valid ({lap():.1f} s with the imports)")
    for lang, texts in untranslated.items():
        if texts:
            log(_untranslated_line(lang, texts))
    link_data_dir(build_dir, data_dir, shown)
    start_sphinx_template()           # it imports Sphinx while the chapters run
    glued_before = changes.snapshot(tasks)
    results = run_tasks(tasks, jobs, log)
    if any(r.executed for r in results):
        log(f"execute: {lap():.1f} s")
    pause_for_test("stage")
    notebooks = {t.docname: current_notebook(t) for t in tasks}   # with the current prose, once for all editions
    for lang in EDITIONS:         # one execution, one staged book per edition (src/base/i18n.py)
        stage_book(root, tasks, notebooks, stage_dir(build_dir, lang), data_dir, lang)
        _same_data(validated, _staged_digests(stage_dir(build_dir, lang), validated), "after it was validated")
    _same_data(validated, _data_digests(data_dir), "while the chapters ran")
    stage_static([stage_dir(build_dir, lang) for lang in EDITIONS])
    digest = site_digest(build_dir)
    log(f"stage: {lap():.1f} s")
    record_file = build_dir / RECORD
    last = read_record(record_file)
    if published_digest(target) == digest:
        log("sphinx: nothing changed since the published site; kept it")
    else:
        sites = run_editions(build_dir, quiet)
        log(f"sphinx: built {len(sites)} editions in {lap():.1f} s")
        publish(sites.pop(SOURCE), target, digest, outcome, editions=sites)
        log(f"publish: {lap():.1f} s")
    executed = sorted(r.docname for r in results if r.executed)
    timings = dict(last.get("timings", {}), **{r.docname: round(r.seconds, 2) for r in results if r.executed})
    data_sum = changes.data_digest(data_dir)
    report = changes.change_report(tasks, results, glued_before, last.get("data_digest", data_sum) != data_sum)
    for line in changes.report_lines(report):
        log(line)
    record = {"missing_translations": untranslated, "stage_digest": digest, "data_dir": str(data_dir), "executed": executed, "timings": timings,
              "data_digest": data_sum, "changes": report, "chapters": len(tasks),
              # what the next build's no-op check needs: the inputs, the link it must find, what must still exist
              INPUTS_KEY: inputs_digest(root, data_dir, build_dir, inputs_base, recorded=True), "published": os.readlink(target),
              "outputs": [str(stage_dir(build_dir, lang)) for lang in EDITIONS] + [str(t.cache_dir) for t in tasks]}
    _write_atomically(record_file, json.dumps(record, ensure_ascii=False, indent=1))
    log(f"done in {time.perf_counter() - started:.1f} s ({len(executed)} chapter(s) executed): {target / 'index.html'}")
    return target


def _data_digests(data_dir: Path) -> dict[str, str]:
    """File name → sha256 of every data file the site publishes (read in chunks; an unreadable one by its reason)."""
    from src.data.files import published_files

    digests = {}
    for path in published_files(data_dir):
        try:
            digests[path.name] = sha256_file(path)
        except OSError as exc:
            digests[path.name] = f"unreadable {exc.errno}"
    return digests


def _staged_digests(stage: Path, names) -> dict[str, str]:
    """sha256 of the data files a staged book will publish (those named in ``names``)."""
    from src.book import site_paths

    found = {}
    for name in names:
        path = stage / site_paths.DATA / name
        found[name] = sha256_file(path) if path.is_file() else "missing"
    return found


def _same_data(validated: dict[str, str], now: dict[str, str], when: str) -> None:
    """Fail when a data file is not the one validated: the site must publish the bytes that were checked."""
    changed = sorted(n for n in validated.keys() | now.keys() if validated.get(n) != now.get(n))
    if changed:
        raise BuildError(f"data file(s) {', '.join(changed)} changed {when}; nothing was published from them. "
                         "Build again once the data stop changing.")


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
    b.add_argument("--start-on-stdin", action="store_true", help=argparse.SUPPRESS)   # src/build/preview.py: `_ready_build`
    v = sub.add_parser("validate", help="check a data directory and list every problem")
    v.add_argument("--data", default="data")
    p = sub.add_parser("preview", help="serve the site on 127.0.0.1, rebuild on change, reload the pages (src/build/preview.py)")
    p.add_argument("--data", default="data", help="data directory to watch (default: data)")
    p.add_argument("--root", default=str(REPO), help="book sources: _config.yml, _toc.yml, chapters/")
    p.add_argument("--build-dir", default=None, help="output directory (default: ROOT/_build)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="chapters executed in parallel")
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000)")
    args = parser.parse_args(argv)
    if args.command == "preview":
        from src.build.preview import serve
        root = Path(args.root).resolve()
        return serve(root, Path(args.data), Path(args.build_dir).resolve() if args.build_dir else root / "_build",
                     args.port, args.jobs)
    if args.command == "validate":
        from src.data.figures import book_problems
        from src.data.validate import validate_directory

        problems = validate_directory(Path(args.data), requirements=[book_problems])
        if problems:
            print(f"INVALID — {DataError(problems, args.data)}", file=sys.stderr)
            return 1
        print(f"{args.data}: valid")
        return 0
    for signum in (signal.SIGTERM, signal.SIGHUP):     # a stopped build stops like Ctrl-C
        signal.signal(signum, _interrupt)
    outcome = SimpleNamespace(published=None)     # a publish.Outcome, without importing publish on a no-op
    kept = "the previous site (if any) was left unchanged"
    try:
        if args.start_on_stdin and not _wait_for_go(args.jobs):
            return 0
        root = Path(args.root).resolve()
        build_dir = Path(args.build_dir).resolve() if args.build_dir else root / "_build"
        build(root, Path(args.data), build_dir, args.jobs, args.quiet, outcome)
        return 0
    except (BuildError, DataError) as exc:
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


def _src_first(pythonpath: str) -> str:
    paths = pythonpath.split(os.pathsep) if pythonpath else []
    return os.pathsep.join(paths if paths[:1] == [str(REPO)] else [str(REPO), *paths])


def _chapters_import_src() -> None:
    """Chapters (and the workers that run them) import `src` from this repository, wherever the book sources live."""
    os.environ["PYTHONPATH"] = _src_first(os.environ.get("PYTHONPATH", ""))


def _wait_for_go(jobs: int) -> bool:
    """Get ready to build (src/build/templates.py ``prepare_waiting_build``), then wait for a line ``go`` on
    stdin (the preview's next build); False: not needed."""
    from src.build.templates import prepare_waiting_build

    _chapters_import_src()
    prepare_waiting_build(jobs)
    return sys.stdin.readline().strip() == "go"


def _state(outcome, kept: str) -> str:
    if outcome.published:
        return f"the new site had already been published in full ({outcome.published})"
    return kept


if __name__ == "__main__":
    sys.exit(main())
