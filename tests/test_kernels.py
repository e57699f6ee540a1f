"""Chapter kernels forked from a template that has done the imports: still one fresh process per
chapter (no state shared between chapters), in the chapter's directory and environment, gone after.

The forked kernels rely on private names of jupyter_client (src/build/templates.py, README "Speed"):
a version that renames one must fail here, loudly, rather than make every build silently slower."""
from __future__ import annotations

import importlib
import inspect
import json
import os
import shutil

import nbformat
import papermill
import pytest
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

from src.build.execute import KERNEL
from src.build.templates import FRESH_KERNELS_ENV, kernel_options

from conftest import REPO


def run(source: str, cwd, **env) -> dict:
    """Execute one code cell in a kernel as the pipeline starts it; returns the JSON it printed."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": KERNEL, "language": "python", "display_name": "Python 3"}
    old = dict(os.environ)
    os.environ.update(env)
    try:
        out = papermill.execute_notebook(nb, None, kernel_name=KERNEL, cwd=str(cwd), progress_bar=False,
                                         **kernel_options())
    finally:
        os.environ.clear()
        os.environ.update(old)
    return json.loads(out.cells[0].outputs[0]["text"])


PROBE = """
import json, os, sys
print(json.dumps({"pid": os.getpid(), "cwd": os.getcwd(), "env": os.environ.get("PROBE_VALUE"),
                  "pandas_loaded": "pandas" in sys.modules, "seen": "shared" in globals()}))
shared = 1
"""


#: The private names of jupyter_client src/build/templates.py relies on: (class, name, the parameters we
#: override or call it with, whether it is a coroutine).
PRIVATE_NAMES = [
    ("jupyter_client.manager:AsyncKernelManager", "_async_launch_kernel", ["self", "kernel_cmd", "kw"], True),
    ("jupyter_client.manager:AsyncKernelManager", "_reconcile_connection_info", ["self", "info"], False),
    ("jupyter_client.asynchronous:AsyncKernelClient", "_handle_kernel_info_reply", ["self", "msg"], False),
    ("jupyter_client.asynchronous:AsyncKernelClient", "_async_is_alive", ["self"], True),
]


@pytest.mark.parametrize("where, name, parameters, coroutine", PRIVATE_NAMES, ids=[n for _, n, _, _ in PRIVATE_NAMES])
def test_the_private_jupyter_client_names_forked_kernels_rely_on_are_there(where, name, parameters, coroutine):
    import jupyter_client

    module, cls = where.split(":")
    method = getattr(getattr(importlib.import_module(module), cls), name, None)
    found = f"jupyter_client {jupyter_client.__version__}: {cls}.{name}"
    assert method is not None, f"{found} is gone: update the forked kernels (src/build/templates.py)"
    assert list(inspect.signature(method).parameters) == parameters, (
        f"{found}{inspect.signature(method)} no longer takes {parameters}: update src/build/templates.py")
    assert inspect.iscoroutinefunction(method) == coroutine, f"{found}: coroutine or not, it changed"


def test_jupyter_client_still_starts_kernels_through_the_overridden_hook():
    """Our ``_async_launch_kernel`` is only used if jupyter_client still calls it (else kernels start the slow way);
    and the local provisioner still has the attributes the forked kernel sets."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    start = inspect.getsource(AsyncKernelManager._async_start_kernel)
    assert "self._async_launch_kernel(kernel_cmd, **kw)" in start
    assert all(hasattr(LocalProvisioner, a) for a in ("process", "pid", "pgid", "cwd", "connection_info"))


def test_each_chapter_gets_a_fresh_forked_kernel(tmp_path, monkeypatch):
    monkeypatch.delenv(FRESH_KERNELS_ENV, raising=False)
    assert kernel_options(), "kernels are forked from the template unless fresh ones are asked for"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = run(PROBE, tmp_path / "a", PROBE_VALUE="one")
    second = run(PROBE, tmp_path / "b", PROBE_VALUE="two")
    # the template's imports are there (else the kernel was not forked: a jupyter_client hook changed) …
    assert first["pandas_loaded"] and second["pandas_loaded"], "the kernel did not come from the template"
    assert not first["seen"] and not second["seen"]                  # … but nothing a chapter defined
    assert first["pid"] != second["pid"] != os.getpid()
    assert (first["cwd"], second["cwd"]) == (str(tmp_path / "a"), str(tmp_path / "b"))
    assert (first["env"], second["env"]) == ("one", "two")           # each kernel has its chapter's environment
    for pid in (first["pid"], second["pid"]):                        # shut down with its chapter
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
        assert state == "Z", f"kernel {pid} still running"


def test_fresh_kernels_on_request(tmp_path, monkeypatch):
    monkeypatch.setenv(FRESH_KERNELS_ENV, "1")
    assert kernel_options() == {}
    probe = run(PROBE, tmp_path)
    assert not probe["pandas_loaded"] and probe["pid"] != os.getpid()


class _DiesAtOnce(AsyncKernelManager):
    """A kernel manager whose kernels exit before their first reply."""

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel([kernel_cmd[0], "-c", "import sys; sys.exit(3)"], **kw)


class _DiesAtOnceReadyClient(_DiesAtOnce):
    """The same, waited for by the client the forked kernels use (its own ``wait_for_ready``)."""

    @default("client_factory")
    def _ready_client(self):
        from src.build.templates import ready_client_class

        return ready_client_class()


def _execute_with_dying_kernels(task, results, manager) -> None:
    """In a forked child (execute_task redirects stderr and sets the environment, as in a worker)."""
    from src.build import execute

    execute.kernel_options = lambda: {"kernel_manager_class": manager}
    try:
        results.put(execute.execute_task(task).executed)
    except Exception as exc:             # reported to the test, which fails on it
        results.put(repr(exc))


@pytest.mark.parametrize("manager", [_DiesAtOnce, _DiesAtOnceReadyClient])
def test_a_kernel_that_dies_before_its_first_reply_is_started_once_more(tmp_path, manager):
    """A chapter whose kernel dies before running any cell runs in a fresh kernel; no cell ran twice."""
    import multiprocessing

    from src.build import execute, plan

    chapter = tmp_path / "chapter.md"
    chapter.write_text("---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
                       "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"
                       "```{code-cell} ipython3\nprint('ran', 6 * 7)\n```\n", encoding="utf-8")
    build_dir = tmp_path / "_build"
    (build_dir / "cache").mkdir(parents=True)
    plan.kernel_cwd(build_dir).mkdir(parents=True, exist_ok=True)
    task = plan.Task("chapters/probe", chapter, {}, "k" * 64, build_dir, REPO / "data")
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_execute_with_dying_kernels, args=(task, results, manager))
    child.start()
    outcome = results.get(timeout=240)
    child.join(timeout=30)
    assert outcome is True, outcome
    nb = nbformat.read(task.cache_dir / "notebook.ipynb", as_version=4)
    assert [o["text"] for o in nb.cells[0].outputs] == ["ran 42\n"]
    log = (task.cache_dir.parent / f"{task.cache_dir.name}.kernel.log").read_text(encoding="utf-8")
    assert "kernel for chapters/probe did not start" in log


def test_a_build_stopped_by_bad_data_leaves_no_worker(tmp_path):
    """The chapter workers start before the data are validated; a refused build stops them again."""
    from src.build import cli, templates
    from src.data.files import DataError

    from conftest import alive, copy_book_sources, descendants

    root = copy_book_sources(tmp_path / "book")
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    (data / "fig15.csv").write_text("series,item\nbroken", encoding="utf-8")
    before = descendants(os.getpid())
    with pytest.raises(DataError, match="fig15.csv"):
        cli.build(root, data, tmp_path / "_build", jobs=2, quiet=True)
    assert templates._prestarted is None
    left = {pid for pid in descendants(os.getpid()) - before if alive(pid)}
    assert not left, f"processes left behind: {left}"
