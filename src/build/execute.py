"""Execute the chapters: one papermill run per chapter, in parallel worker processes.

Which chapters run, and the content-hash cache that spares the others, is src/build/plan.py; how
their kernels and workers are started (forked from templates unless ``BOOK_FRESH_KERNELS=1``) is
src/build/templates.py. Each chart a chapter shows is also written as SVG and PNG.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from concurrent.futures import as_completed
from pathlib import Path

from src.base.common import BuildError, sha256_file
from src.build import prose
from src.build.plan import Result, Task, kernel_cwd, last_seconds, remove_unfinished_runs, stale_tasks
from src.build.templates import discard_workers, kernel_options, kill_workers, send_stderr_to, take_workers
from src.data.files import DEPS_ENV


KERNEL = "python3"


def _fold_parameter_cells(nb) -> None:
    """Keep papermill's parameter cells in the executed notebook but off the page (再現方法 names
    the data directory for readers who rebuild)."""
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if ("parameters" in tags or "injected-parameters" in tags) and "remove-cell" not in tags:
            tags.append("remove-cell")


def execute_task(task: Task) -> Result:
    """Execute one chapter into its cache directory (runs in a worker process)."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from src.charts import export

    start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="run-", dir=task.cache_dir.parent))
    try:
        deps_file = work / "deps.txt"
        deps_file.touch()
        send_stderr_to(task.cache_dir.parent / f"{task.cache_dir.name}.kernel.log")
        os.environ[DEPS_ENV] = str(deps_file)
        source_digest = sha256_file(task.source)
        source = prose.read_source(task.source)    # as the prose-only check reads it

        def run(options: dict):
            return papermill.execute_notebook(
                source, None, parameters=task.parameters, kernel_name=KERNEL, cwd=str(kernel_cwd(task.build_dir)),
                progress_bar=False, log_output=False,
                # every cell has run and every output is in: kill the kernel rather than poll it down (0.1 s a chapter)
                shutdown_kernel="immediate", **options,
            )

        try:
            try:
                nb = run(kernel_options())
            except RuntimeError as exc:
                if not _kernel_did_not_start(exc):
                    raise
                # the kernel died before running any cell: no chapter code ran, so one more try, with a
                # kernel started as a new process, changes nothing but the odds (the stderr log keeps both)
                os.write(2, f"kernel for {task.docname} did not start ({exc}); starting a fresh one\n".encode())
                nb = run({})
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
            export.export_figures(nb, work / "assets", task.data_dir,
                                  cache_dir=task.build_dir / "figcache")
        except Exception as exc:
            raise BuildError(f"chapter {task.docname}: its figures could not be exported as SVG/PNG: "
                             f"{type(exc).__name__}: {exc}") from None
        files = sorted({line for line in deps_file.read_text(encoding="utf-8").splitlines() if line})
        deps = {"key": task.key, "source": source_digest, "files": {f: sha256_file(Path(f)) for f in files}}
        (work / "deps.json").write_text(json.dumps(deps, ensure_ascii=False, indent=1), encoding="utf-8")
        deps_file.unlink()
        if task.cache_dir.exists():
            shutil.rmtree(task.cache_dir)
        work.rename(task.cache_dir)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return Result(task.docname, time.perf_counter() - start, True)


def _kernel_did_not_start(exc: BaseException) -> bool:
    """Whether papermill failed because the kernel never answered its first request (no cell ran)."""
    return "before replying to kernel_info" in str(exc) or "Kernel didn't respond" in str(exc)


def run_tasks(tasks: list[Task], jobs: int, log) -> list[Result]:
    """Execute the chapters whose cache is stale, in parallel; every failure is reported."""
    remove_unfinished_runs(tasks)                   # from an interrupted build
    todo = stale_tasks(tasks)
    todo.sort(key=lambda t: -last_seconds(t))       # longest first: shortest wall time on few cores
    results = [Result(t.docname, 0.0, False) for t in tasks if t not in todo]
    log(f"chapters: {len(tasks)} in the book, {len(todo)} to execute, {len(results)} unchanged (cached)")
    if not todo:
        discard_workers()
        return results
    for t in todo:
        t.cache_dir.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    pool = take_workers(max(1, min(jobs, len(todo))))
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
        kill_workers(pool)
        remove_unfinished_runs(tasks)               # killed workers cannot remove their own
        raise
    pool.shutdown()
    if failures:
        raise BuildError("\n".join(failures))
    return results
