"""The command line and the build: validate data → execute chapters (src/execute.py) → Sphinx and publish (src/publish.py).

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
import json
import os
import signal
import sys
import time
from pathlib import Path


from . import changes
from .datafiles import DataError
from .figures import book_problems
from .validate import validate_directory
from .execute import BuildError, REPO, display_data_dir, link_data_dir, plan_tasks, read_record, run_tasks
from .i18n import EDITIONS, SOURCE
from .publish import (SITES, Outcome, PublishError, publish, published_digest, recover, run_editions, site_digest,
                      stage_book, stage_dir)

__all__ = ["build", "main", "BuildError", "Outcome", "PublishError", "SITES", "publish"]   # what tests and tools use


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


def missing_translations(data_dir: Path) -> dict[str, list[str]]:
    """Language → texts of the data package that edition shows untranslated (src/datapkg.py)."""
    from .datapkg import load_survey, missing_translations as missing

    survey = load_survey(data_dir)
    return {lang: missing(survey, lang) for lang in EDITIONS if lang != SOURCE}


def _build_locked(root: Path, data_dir: Path, build_dir: Path, jobs: int, quiet: bool, log, outcome: Outcome,
                  started: float) -> Path:
    target = build_dir / "html"
    recover(target)
    problems = validate_directory(data_dir, requirements=[book_problems])
    if problems:
        raise DataError(problems, display_data_dir(data_dir))
    data_dir = data_dir.resolve()
    shown = display_data_dir(data_dir)
    log(f"data: {shown} is valid")
    untranslated = missing_translations(data_dir)
    for lang, texts in untranslated.items():
        if texts:
            log(f"translations: {len(texts)} text(s) of the data have no '{lang}' translation; the {lang} edition "
                f"shows them in Japanese (add them to translations.{lang} in datapackage.json): "
                + "; ".join(f"「{t}」" for t in texts))
    # Chapters import `src` from this repository, wherever the book sources live.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    link_data_dir(build_dir, data_dir, shown)
    tasks = plan_tasks(root, build_dir, data_dir)
    glued_before = changes.snapshot(tasks)
    results = run_tasks(tasks, jobs, log)
    for lang in EDITIONS:         # one execution, one staged book per edition (src/i18n.py)
        stage_book(root, tasks, stage_dir(build_dir, lang), data_dir, lang)
    digest = site_digest(build_dir)
    record_file = build_dir / "last-build.json"
    last = read_record(record_file)
    if published_digest(target) == digest:
        log("sphinx: nothing changed since the published site; kept it")
    else:
        t0 = time.perf_counter()
        sites = run_editions(build_dir, quiet)
        log(f"sphinx: built {len(sites)} editions in {time.perf_counter() - t0:.1f} s")
        publish(sites.pop(SOURCE), target, digest, outcome, editions=sites)
    executed = sorted(r.docname for r in results if r.executed)
    timings = dict(last.get("timings", {}), **{r.docname: round(r.seconds, 2) for r in results if r.executed})
    data_sum = changes.data_digest(data_dir)
    report = changes.change_report(tasks, results, glued_before, last.get("data_digest", data_sum) != data_sum)
    for line in changes.report_lines(report):
        log(line)
    record = {"missing_translations": untranslated, "stage_digest": digest, "data_dir": str(data_dir), "executed": executed, "timings": timings,
              "data_digest": data_sum, "changes": report}
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
    p = sub.add_parser("preview", help="serve the site on 127.0.0.1, rebuild on change, reload the pages (src/preview.py)")
    p.add_argument("--data", default="data", help="data directory to watch (default: data)")
    p.add_argument("--root", default=str(REPO), help="book sources: _config.yml, _toc.yml, chapters/")
    p.add_argument("--build-dir", default=None, help="output directory (default: ROOT/_build)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="chapters executed in parallel")
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000)")
    args = parser.parse_args(argv)
    if args.command == "preview":
        from .preview import serve
        root = Path(args.root).resolve()
        return serve(root, Path(args.data), Path(args.build_dir).resolve() if args.build_dir else root / "_build",
                     args.port, args.jobs)
    if args.command == "validate":
        problems = validate_directory(Path(args.data), requirements=[book_problems])
        if problems:
            print(f"INVALID — {DataError(problems, args.data)}", file=sys.stderr)
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


def _state(outcome: Outcome, kept: str) -> str:
    if outcome.published:
        return f"the new site had already been published in full ({outcome.published})"
    return kept


if __name__ == "__main__":
    sys.exit(main())
