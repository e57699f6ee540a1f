"""Plan and execute the chapters: one papermill run per chapter, in parallel, with a content-hash cache.

A chapter is re-executed only when its source, the ``src/`` code, the pinned requirements,
its parameters or one of the data files it read last time changed (content hashes, never
timestamps). Each chart a chapter shows is also written as SVG and PNG.

Why not jupyter-book's own cache (``execute_notebooks: cache``): it keys a notebook on its
code cells only, so after a CSV edit it re-renders the old numbers (measured: the figure-1
share stayed 13.9 % after the data changed it to 19.5 %). Here the data files a chapter
read are part of its key.
"""
from __future__ import annotations

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

from src.base.common import BuildError, REPO, die_with_parent, sha256_bytes, sha256_file, tree_digest
from src.base.i18n import EDITIONS
from src.data.files import DEPS_ENV


KERNEL = "python3"


def _worker_init(parent: int) -> None:
    """Pool workers die with the build and leave Ctrl-C to it (it stops them itself).

    Each worker starts its kernel template at once (`kernel_template`): it imports what every
    chapter imports while the worker imports papermill.
    """
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.getppid() != parent:          # the build died before we could ask
        os._exit(1)
    if os.environ.get(FRESH_KERNELS_ENV) != "1":
        from multiprocessing import forkserver

        kernel_template()
        forkserver.ensure_running()


# --------------------------------------------------------------------------- kernels forked from a template
#
# Starting a kernel (python, ipykernel, zmq) and importing what a chapter imports (pandas,
# altair, myst_nb, src.book.glue …) takes about a second, for every chapter. Each worker therefore
# keeps one template process — multiprocessing's fork server — that has imported all of it
# once, and each chapter's kernel is forked from it: still a fresh process per chapter, that
# no other chapter ran in (the template never runs a chapter), whose imports are done.

#: Set to "1" to start every kernel as a new ``python -m ipykernel_launcher`` process instead.
FRESH_KERNELS_ENV = "BOOK_FRESH_KERNELS"
#: What the template imports: the kernel itself and what the chapters import.
KERNEL_PRELOAD = ["src.build.template_guard", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "IPython.display", "pandas",
                  "altair", "yaml", "myst_nb", "src.book.glue", "src.charts.builders", "src.book.audit", "src.book.appendix", "src.charts.export"]


def kernel_template():
    """The multiprocessing context whose fork server is this process's kernel template."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(KERNEL_PRELOAD)
    return context


def _kernel_main(argv: list[str], env: dict[str, str], cwd: str, log: str | None) -> None:
    """Runs in a process forked from the template: become the kernel ``python -m ipykernel_launcher ARGV`` would be."""
    os.setsid()                           # as jupyter_client starts kernels: its own session, interrupted as a group
    die_with_parent()                     # the template dies with its worker, and the kernel with the template
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env, JPY_PARENT_PID=str(os.getppid()))
    if log:
        _send_stderr_to(Path(log), truncate=False)
    from ipykernel import kernelapp

    # the template imported kernelapp, whose default parent handle was read from its environment then
    kernelapp.launch_new_instance(argv=[*argv, f"--IPKernelApp.parent_handle={os.getppid()}"])


class _Forked:
    """The ``Popen`` interface jupyter_client's local provisioner uses, for a forked kernel."""

    def __init__(self, process) -> None:
        self.process, self.pid = process, process.pid
        self.stdin = self.stdout = self.stderr = None

    @property
    def returncode(self) -> int | None:
        return self.process.exitcode

    def poll(self) -> int | None:
        return self.process.exitcode

    def wait(self, timeout: float | None = None) -> int | None:
        self.process.join(timeout)
        return self.process.exitcode

    def send_signal(self, signum: int) -> None:
        try:
            os.killpg(self.pid, signum)   # the kernel leads its own process group (setsid in _kernel_main) …
        except ProcessLookupError:
            os.kill(self.pid, signum)     # … once it has got that far
        if signum == signal.SIGKILL:
            self.process.join(1)          # reaped at once: jupyter_client sees it gone without polling for 0.1 s

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.process.terminate()


def _ready_client_class():
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class ReadyClient(AsyncKernelClient):
        """jupyter_client's client, ready as soon as the kernel answers on both channels.

        jupyter_client's own ``wait_for_ready`` ends by waiting until IOPub has been silent for
        0.2 s, for every chapter. nbclient files each output under the request that caused it,
        so a late status message of the start-up is ignored anyway: this one drains only what
        has already arrived. The waiting and its errors are jupyter_client's.
        """

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.time() + (float("inf") if timeout is None else timeout)
            while True:
                self.kernel_info()
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    reply = None
                if reply is not None and reply["msg_type"] == "kernel_info_reply":
                    try:                                   # IOPub connected: the kernel's status for this request
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(reply)
                        break
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.time() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
            while await self.iopub_channel.msg_ready():
                await self.iopub_channel.get_msg(timeout=0)

    return ReadyClient


def _kernel_manager_class():
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class ForkedKernelManager(AsyncKernelManager):
        """Launches ``python -m ipykernel_launcher`` kernels by forking the worker's template."""

        @default("client_factory")
        def _ready_client(self):
            return _ready_client_class()

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
            if kernel_cmd[1:3] != ["-m", "ipykernel_launcher"] or os.path.realpath(kernel_cmd[0]) != os.path.realpath(sys.executable):
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            log = os.readlink("/proc/self/fd/2") if os.path.exists("/proc/self/fd/2") else None
            process = kernel_template().Process(
                target=_kernel_main, args=(kernel_cmd[3:], dict(kw.get("env") or os.environ),
                                           str(kw.get("cwd") or os.getcwd()), log if log and os.path.isfile(log) else None))
            process.start()
            provisioner = self.provisioner
            # no pgid: jupyter_client then signals through _Forked.send_signal, which signals the group itself
            provisioner.process, provisioner.pid, provisioner.pgid = _Forked(process), process.pid, None
            provisioner.cwd = kw.get("cwd")
            self._reconcile_connection_info(provisioner.connection_info)

    return ForkedKernelManager


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


def _fold_parameter_cells(nb) -> None:
    """Keep papermill's parameter cells in the executed notebook but off the page (再現方法 names
    the data directory for readers who rebuild)."""
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if ("parameters" in tags or "injected-parameters" in tags) and "remove-cell" not in tags:
            tags.append("remove-cell")


def _send_stderr_to(log: Path, truncate: bool = True) -> None:
    """Kernel start-up chatter goes to a log file, not the build output (errors come from the notebook)."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if truncate else os.O_APPEND), 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def execute_task(task: Task) -> Result:
    """Execute one chapter into its cache directory (runs in a worker process)."""
    import jupytext
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from src.charts import export

    start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="run-", dir=task.cache_dir.parent))
    try:
        deps_file = work / "deps.txt"
        deps_file.touch()
        _send_stderr_to(task.cache_dir.parent / f"{task.cache_dir.name}.kernel.log")
        os.environ[DEPS_ENV] = str(deps_file)
        source_digest = sha256_file(task.source)
        source = jupytext.read(task.source)

        def run(options: dict):
            return papermill.execute_notebook(
                source, None, parameters=task.parameters, kernel_name=KERNEL, cwd=str(kernel_cwd(task.build_dir)),
                progress_bar=False, log_output=False,
                # every cell has run and every output is in: kill the kernel rather than poll it down (0.1 s a chapter)
                shutdown_kernel="immediate", **options,
            )

        try:
            try:
                nb = run(_kernel_options())
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


def _kernel_options() -> dict:
    """How papermill starts the chapter's kernel: forked from the template, unless fresh kernels are asked for."""
    if os.environ.get(FRESH_KERNELS_ENV) == "1":
        return {}
    return {"kernel_manager_class": _kernel_manager_class()}


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


def _last_seconds(task: Task) -> float:
    """How long the chapter took the last time it ran (0 if unknown)."""
    timings = read_record(task.build_dir / "last-build.json").get("timings", {})
    return float(timings.get(task.docname, 0))


def stale_tasks(tasks: list[Task]) -> list[Task]:
    """The chapters whose cached run no longer matches their inputs: those a build executes."""
    return [t for t in tasks if not _deps_valid(t)]


def run_tasks(tasks: list[Task], jobs: int, log) -> list[Result]:
    """Execute the chapters whose cache is stale, in parallel; every failure is reported."""
    remove_unfinished_runs(tasks)                   # from an interrupted build
    todo = stale_tasks(tasks)
    todo.sort(key=lambda t: -_last_seconds(t))       # longest first: shortest wall time on few cores
    results = [Result(t.docname, 0.0, False) for t in tasks if t not in todo]
    log(f"chapters: {len(tasks)} in the book, {len(todo)} to execute, {len(results)} unchanged (cached)")
    if not todo:
        discard_workers()
        return results
    for t in todo:
        t.cache_dir.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    global _prestarted
    pool, _prestarted = _prestarted or _new_pool(max(1, min(jobs, len(todo)))), None
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
        remove_unfinished_runs(tasks)               # killed workers cannot remove their own
        raise
    pool.shutdown()
    if failures:
        raise BuildError("\n".join(failures))
    return results


def _new_pool(workers: int) -> ProcessPoolExecutor:
    # Spawned workers inherit no descriptor (so never the build lock) and die with the build.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init, initargs=(os.getpid(),))


_prestarted: ProcessPoolExecutor | None = None


def _warm_up() -> int:
    """Runs in a new worker (whose initializer has started its kernel template): the imports a chapter
    needs first, and vl-convert's JavaScript engine, which the first figure export would otherwise start."""
    import papermill  # noqa: F401  (what execute_task imports first)

    from src.charts import export

    export.warm_up_exports()
    time.sleep(0.2)                # hold this worker, so that each warm-up starts a worker of its own
    return os.getpid()


def start_workers(jobs: int, warm: bool = False) -> None:
    """Start the next ``run_tasks``'s workers (unless started already).

    By default return at once: they import while the build validates and plans. ``warm``: return
    once each has also done ``_warm_up`` — for a build started before it is needed (the live
    preview's next build), whose chapters then start at once. Each chapter still gets a kernel of its own.
    """
    global _prestarted
    if _prestarted is not None:
        return
    workers = max(1, jobs)
    pool = _new_pool(workers)
    # each call queued before a worker is free spawns one
    started = [pool.submit(_warm_up if warm else os.getpid) for _ in range(workers)]
    if warm:
        for future in started:
            future.result()
    _prestarted = pool


def discard_workers() -> None:
    """Stop workers started for a ``run_tasks`` that does not need them (no chapter to run, or the build stopped)."""
    global _prestarted
    pool, _prestarted = _prestarted, None
    if pool is not None:
        _kill_workers(pool)


def remove_unfinished_runs(tasks: list[Task]) -> None:
    """Delete the work directories (``cache/run-*``) of executions that did not finish."""
    for stale in {t.cache_dir.parent for t in tasks}:
        for leftover in stale.glob("run-*") if stale.exists() else []:
            shutil.rmtree(leftover, ignore_errors=True)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop at once (Ctrl-C, SIGTERM): kill the workers; their kernels notice within a second and exit."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=2)
