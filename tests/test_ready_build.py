"""The preview's next build, started ahead (``build --start-on-stdin``): it gets its workers ready and
touches nothing until ``go``; then it is the CLI build; end of input stops it, leaving nothing."""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, alive, descendants, tree_hashes, wait_until

from src.build.preview import needs_fresh_process


def lock_is_free(build_dir: Path) -> bool:
    fd = os.open(build_dir / ".lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def start_ready(data: Path, build_dir: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "src.pipeline", "build", "--start-on-stdin", "--jobs", "2", "--data", str(data),
           "--build-dir", str(build_dir)]
    return subprocess.Popen(cmd, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


@pytest.fixture
def ready(clean_build, tmp_path):
    """A copy of the session's build, its file hashes, and a ready build on it whose helpers have started."""
    build_dir = tmp_path / "_build"
    shutil.copytree(clean_build.build_dir, build_dir, symlinks=True)
    before = tree_hashes(build_dir)
    proc = start_ready(clean_build.data_dir, build_dir)
    # ready: its chapter workers (and their kernel templates) run before any edit
    wait_until(lambda: len(descendants(proc.pid)) >= 4, timeout=120)
    yield build_dir, before, proc
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


def test_ready_build_waits_untouched_then_builds_on_go(ready):
    build_dir, before, proc = ready
    time.sleep(1)
    assert proc.poll() is None
    assert lock_is_free(build_dir)                            # nothing locked …
    assert tree_hashes(build_dir) == before                   # … read into, or written, before go
    out, err = proc.communicate("go\n", timeout=300)
    assert proc.returncode == 0, err
    assert "done in" in out and "0 to execute" in out


def test_ready_build_stops_at_end_of_input_leaving_nothing(ready):
    build_dir, before, proc = ready
    helpers = descendants(proc.pid)
    out, err = proc.communicate("", timeout=60)
    assert proc.returncode == 0, err
    assert "done in" not in out
    wait_until(lambda: not any(alive(p) for p in helpers), timeout=10)   # workers, templates: gone
    assert tree_hashes(build_dir) == before


def test_a_change_to_src_needs_a_new_ready_build(tmp_path):
    assert needs_fresh_process([str(REPO / "src" / "book.py")])
    assert needs_fresh_process([str(REPO / "requirements-lock.txt")])
    assert not needs_fresh_process([str(REPO / "chapters" / "02_status.md"), str(tmp_path / "data" / "fig15.csv")])
