"""Chapter kernels forked from a template that has done the imports: still one fresh process per
chapter (no state shared between chapters), in the chapter's directory and environment, gone after."""
from __future__ import annotations

import json
import os

import nbformat
import papermill

from src.execute import FRESH_KERNELS_ENV, KERNEL, _kernel_options


def run(source: str, cwd, **env) -> dict:
    """Execute one code cell in a kernel as the pipeline starts it; returns the JSON it printed."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": KERNEL, "language": "python", "display_name": "Python 3"}
    old = dict(os.environ)
    os.environ.update(env)
    try:
        out = papermill.execute_notebook(nb, None, kernel_name=KERNEL, cwd=str(cwd), progress_bar=False,
                                         **_kernel_options())
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


def test_each_chapter_gets_a_fresh_forked_kernel(tmp_path, monkeypatch):
    monkeypatch.delenv(FRESH_KERNELS_ENV, raising=False)
    assert _kernel_options(), "kernels are forked from the template unless fresh ones are asked for"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = run(PROBE, tmp_path / "a", PROBE_VALUE="one")
    second = run(PROBE, tmp_path / "b", PROBE_VALUE="two")
    assert first["pandas_loaded"] and second["pandas_loaded"]        # the template's imports are there …
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
    assert _kernel_options() == {}
    probe = run(PROBE, tmp_path)
    assert not probe["pandas_loaded"] and probe["pid"] != os.getpid()
