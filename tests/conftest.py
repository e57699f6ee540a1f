"""Shared fixtures: one clean build of the book into a temporary directory per test session."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Build:
    build_dir: Path
    data_dir: Path
    proc: subprocess.CompletedProcess

    @property
    def html(self) -> Path:
        return self.build_dir / "html"

    @property
    def stage(self) -> Path:
        return self.build_dir / "stage"


def run_build(data_dir: Path, build_dir: Path, root: Path = REPO, *extra: str,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the pipeline CLI exactly as `make book` does (``env``: variables to set, e.g. the BOOK_FRESH_* switches)."""
    cmd = [sys.executable, "-m", "src.pipeline", "build", "--data", str(data_dir), "--root", str(root),
           "--build-dir", str(build_dir), *extra]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=dict(os.environ, **(env or {})))


def start_build(data: Path, build_dir: Path, **env) -> subprocess.Popen:
    """The pipeline CLI in its own session (a test can signal its group), output in BUILD_DIR/../build.log."""
    cmd = [sys.executable, "-m", "src.pipeline", "build", "--data", str(data), "--build-dir", str(build_dir)]
    with open(build_dir.parent / "build.log", "w") as log:
        return subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.PIPE, text=True, start_new_session=True,
                                env=dict(os.environ, **env))


def wait_until(condition, timeout: float = 90) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds."""
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.02)


def tree_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (a symlinked site is followed)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def descendants(pid: int) -> set[int]:
    """Every live (not zombie) descendant of ``pid``, from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        kids = {p for p, pp in parents.items() if pp == parent}
        found |= kids
        todo += kids
    return found


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def copy_book_sources(dest: Path) -> Path:
    """A copy of the book sources (config, toc, chapters) that a test may break."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(REPO / name, dest / name)
    shutil.copytree(REPO / "chapters", dest / "chapters")
    return dest


@pytest.fixture(scope="session")
def data_copy(tmp_path_factory) -> Path:
    """A copy of data/ under another name, so tests can see which directory was injected."""
    dest = tmp_path_factory.mktemp("input") / "survey-data-copy"
    shutil.copytree(REPO / "data", dest)
    return dest


@pytest.fixture(scope="session")
def clean_build(tmp_path_factory, data_copy) -> Build:
    """The whole book built from scratch with DATA=<copy of data/>."""
    build_dir = tmp_path_factory.mktemp("build")
    proc = run_build(data_copy, build_dir)
    assert proc.returncode == 0, f"build failed:\n{proc.stdout}\n{proc.stderr}"
    return Build(build_dir, data_copy, proc)


@pytest.fixture(scope="session")
def playwright_driver():
    """The one Playwright sync driver of the session (Playwright allows one per process)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_driver):
    """One headless Debian Chromium for the whole session."""
    from browser import CHROMIUM_ARGS, chromium_path

    b = playwright_driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    yield b
    b.close()
