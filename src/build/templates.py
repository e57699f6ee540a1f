"""Processes started ahead of the work they do: the build's speed machinery, each part behind a switch.

- **Kernel templates** (off with ``BOOK_FRESH_KERNELS=1``). Starting a kernel (python, ipykernel,
  zmq) and importing what a chapter imports (pandas, altair, myst_nb, src.book.glue …) takes about a
  second, for every chapter. Each chapter worker therefore keeps one template process —
  multiprocessing's fork server — that has imported all of it once, and each chapter's kernel is
  forked from it: still a fresh process per chapter, that no other chapter ran in (the template
  never runs a chapter), whose imports are done. ``kernel_options`` gives papermill the kernel
  manager that forks them.
- **The Sphinx template** (off with ``BOOK_FRESH_SPHINX=1``). Importing jupyter-book, Sphinx,
  myst-nb and the theme takes about a second, for each edition. Each build is therefore run in a
  process forked from a template that has imported them: a fresh process per build, as a new
  ``jupyter-book build`` would be, minus the imports. The book's own extensions (src/sphinxext/*.py)
  are not preloaded: each build imports them anew (``run_jupyter_book``).
- **Chapter workers started early**: while the build validates and plans (``start_workers``), and,
  for the live preview's next build, started, warmed up and waiting before it is asked for
  (``prepare_waiting_build``; src/build/cli.py ``--start-on-stdin``).

jupyter_client has no public hook for starting a kernel some other way, so the forked kernels rely
on private names of its classes: ``AsyncKernelManager._async_launch_kernel`` (overridden),
``AsyncKernelManager._reconcile_connection_info``, ``AsyncKernelClient._handle_kernel_info_reply`` and
``AsyncKernelClient._async_is_alive`` (called), and the local provisioner's ``process``, ``pid``, ``pgid``
and ``cwd``. tests/test_kernels.py checks each, with the signature called, on the installed version,
and that a forked kernel starts, so an upgrade that changes them fails loudly rather than slowly.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from src.base.common import die_with_parent


# --------------------------------------------------------------------------- kernels forked from a template

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


def kernel_options() -> dict:
    """How papermill starts the chapter's kernel: forked from the template, unless fresh kernels are asked for."""
    if os.environ.get(FRESH_KERNELS_ENV) == "1":
        return {}
    return {"kernel_manager_class": kernel_manager_class()}


def _kernel_main(argv: list[str], env: dict[str, str], cwd: str, log: str | None) -> None:
    """Runs in a process forked from the template: become the kernel ``python -m ipykernel_launcher ARGV`` would be."""
    os.setsid()                           # as jupyter_client starts kernels: its own session, interrupted as a group
    die_with_parent()                     # the template dies with its worker, and the kernel with the template
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env, JPY_PARENT_PID=str(os.getppid()))
    if log:
        send_stderr_to(Path(log), truncate=False)
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


def ready_client_class():
    """jupyter_client's asynchronous client, made ready without the 0.2 s wait (``ReadyClient``)."""
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


def kernel_manager_class():
    """The kernel manager that forks each kernel from the template (``ForkedKernelManager``)."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class ForkedKernelManager(AsyncKernelManager):
        """Launches ``python -m ipykernel_launcher`` kernels by forking the worker's template."""

        @default("client_factory")
        def _ready_client(self):
            return ready_client_class()

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


def send_stderr_to(log: Path, truncate: bool = True) -> None:
    """Kernel start-up chatter goes to a log file, not the build output (errors come from the notebook)."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if truncate else os.O_APPEND), 0o644)
    os.dup2(fd, 2)
    os.close(fd)


# --------------------------------------------------------------------------- the Sphinx template

#: Set to "1" to run every Sphinx build as a new ``jupyter-book build`` process instead.
FRESH_SPHINX_ENV = "BOOK_FRESH_SPHINX"


#: What the template imports: jupyter-book, Sphinx and the extensions and theme of _config.yml.
SPHINX_PRELOAD = ["src.build.template_guard", "jupyter_book.cli.main", "jupyter_book.sphinx", "sphinx.application", "sphinx.builders.html",
                  "sphinx.search.ja", "myst_nb.sphinx_ext", "myst_parser", "sphinx_book_theme", "pydata_sphinx_theme",
                  "sphinx_togglebutton", "sphinx_copybutton", "sphinx_design", "sphinx_comments",
                  "sphinx_external_toc", "sphinx_multitoc_numbering", "sphinx_thebe", "sphinx_jupyterbook_latex"]


def sphinx_template():
    """The multiprocessing context whose fork server (this process's) is the Sphinx template."""
    import importlib.util

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([m for m in SPHINX_PRELOAD if importlib.util.find_spec(m.split(".")[0])])
    return context


def start_sphinx_template() -> None:
    """Start this process's Sphinx template now, unless Sphinx runs as new processes."""
    from multiprocessing import forkserver

    if os.environ.get(FRESH_SPHINX_ENV) != "1":
        sphinx_template()
        # Started ignoring Ctrl-C (as the fork server does once it runs), so that a Ctrl-C to the
        # terminal cannot break its imports with a traceback; it exits with this process.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, previous)


def run_jupyter_book(argv: list[str], log: Path) -> tuple[int, str]:
    """Run ``jupyter-book ARGV`` to its end in a process forked from the Sphinx template (its output in
    ``log``), or as a new process with ``BOOK_FRESH_SPHINX=1``; returns its exit code and output."""
    if os.environ.get(FRESH_SPHINX_ENV) == "1":
        proc = subprocess.run([sys.executable, "-c", "from jupyter_book.cli.main import main; main()", *argv],
                              capture_output=True, text=True, preexec_fn=die_with_parent)
        return proc.returncode, proc.stdout + proc.stderr
    process = sphinx_template().Process(target=_jupyter_book_main, args=(argv, str(log)))
    process.start()
    try:
        process.join()
    finally:
        if process.exitcode is None:      # interrupted: do not leave it running
            process.kill()
            process.join()
    return process.exitcode, log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""


def _jupyter_book_main(argv: list[str], log: str) -> None:
    """Runs in a process forked from the template: ``jupyter-book ARGV``, its output into ``log``."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.default_int_handler)    # the template ignores Ctrl-C; a build stops on it
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.argv = ["jupyter-book", *argv]
    from jupyter_book.cli.main import main

    main()


# --------------------------------------------------------------------------- chapter workers, started early

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


def take_workers(workers: int) -> ProcessPoolExecutor:
    """The workers ``start_workers`` started, else ``workers`` new ones; the caller shuts them down."""
    global _prestarted
    pool, _prestarted = _prestarted or _new_pool(workers), None
    return pool


def discard_workers() -> None:
    """Stop workers started for a ``run_tasks`` that does not need them (no chapter to run, or the build stopped)."""
    global _prestarted
    pool, _prestarted = _prestarted, None
    if pool is not None:
        kill_workers(pool)


def kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop at once (Ctrl-C, SIGTERM): kill the workers; their kernels notice within a second and exit."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=2)


#: What a waiting build imports before it is asked to start: the modules the build imports first
#: (a prose-only edit reads its chapter with jupytext: src/build/prose.py).
BUILD_PRELOAD = ["jupytext", "src.data.validate", "src.build.changes", "src.build.publish"]


def prepare_waiting_build(jobs: int) -> None:
    """Get the preview's next build ready before it is asked for (src/build/cli.py ``_wait_for_go``).

    Ready means: the build's modules imported, the Sphinx template started, and the chapter workers
    started with their kernel templates (``kernel_template``) and warmed up. Nothing is read, locked or
    written: the build itself is the one ``make book`` runs, started from there.
    """
    import importlib

    from src.data.generic import import_frictionless

    for name in BUILD_PRELOAD:
        importlib.import_module(name)
    import_frictionless()               # validation's generic checks: 0.25 s less after each save
    start_sphinx_template()             # it imports while the workers start
    start_workers(jobs, warm=True)
