"""make preview in Chromium: a CSV edit reaches the open page by itself, bad data shows its error
over the last good site, fixing it clears the error, and stopping leaves no kernel, lock or temp dir."""
from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser import open_page
from conftest import REPO, wait_until

# fig01.csv: 44 more institutions doing both kinds of collaboration, 44 fewer domestic only;
# the glued share of figure 1 (both + international only) goes from 13.9 % to 19.5 %.
GOOD = (",国際的な産学連携、国内の産学連携どちらも行った,,108,784,13.8",
        ",国際的な産学連携は行っていない、国内の産学連携は行った,,452,784,57.7")
CHANGED = (",国際的な産学連携、国内の産学連携どちらも行った,,152,784,19.4",
           ",国際的な産学連携は行っていない、国内の産学連携は行った,,408,784,52.0")
BROKEN = (",国際的な産学連携、国内の産学連携どちらも行った,,1520,784,19.4", CHANGED[1])
TIMEOUT_MS = 240_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_rows(csv: Path, old: tuple[str, str], new: tuple[str, str]) -> None:
    text = csv.read_text(encoding="utf-8")
    for a, b in zip(old, new):
        assert a in text
        text = text.replace(a, b)
    csv.write_text(text, encoding="utf-8")


def site_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def processes_inside(directory: Path) -> list[str]:
    """Live processes whose working directory lies in ``directory`` (kernels run in BUILD_DIR/kernel-cwd)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cwd = os.readlink(proc / "cwd")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and (cwd == str(directory) or cwd.startswith(f"{directory}/")):
            found.append(f"{proc.name} in {cwd}")
    return found


def lock_is_free(build_dir: Path) -> bool:
    fd = os.open(build_dir / ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


@pytest.fixture
def preview(tmp_path):
    """A preview server on a free port over a private copy of data/; Ctrl-C'd (its whole group) at the end."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    build_dir = tmp_path / "_build"
    port = free_port()
    log = open(tmp_path / "preview.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "src.pipeline", "preview", "--data", str(data), "--build-dir",
                             str(build_dir), "--port", str(port)], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    yield proc, data, build_dir, f"http://127.0.0.1:{port}", tmp_path / "preview.log"
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


def test_preview_follows_edits_shows_errors_and_stops_clean(browser, preview):
    proc, data, build_dir, url, log = preview
    page_url = f"{url}/chapters/02_status.html"
    wait_until(lambda: site_ready(page_url), timeout=TIMEOUT_MS / 1000)
    page, _ = open_page(browser, page_url)
    body = page.locator("article")
    expect(body).to_contain_text("13.9％")

    write_rows(data / "fig01.csv", GOOD, CHANGED)         # the open page reloads by itself
    expect(body).to_contain_text("19.5％", timeout=TIMEOUT_MS)

    write_rows(data / "fig01.csv", CHANGED, BROKEN)
    overlay = page.locator("#preview-error")
    expect(overlay).to_contain_text("fig01.csv, line 2, field 'count'", timeout=TIMEOUT_MS)
    expect(body).to_contain_text("19.5％")                   # the last good site is still served
    later, _ = open_page(browser, f"{url}/chapters/index.html")   # opened while the error stands
    expect(later.locator("#preview-error")).to_contain_text("fig01.csv")

    write_rows(data / "fig01.csv", BROKEN, CHANGED)
    expect(overlay).to_have_count(0, timeout=TIMEOUT_MS)
    expect(body).to_contain_text("19.5％")

    write_rows(data / "fig01.csv", CHANGED, GOOD)          # stop in the middle of this rebuild
    wait_until(lambda: list((build_dir / "cache").glob("run-*")), timeout=TIMEOUT_MS / 1000)
    os.killpg(proc.pid, signal.SIGINT)                      # Ctrl-C in the terminal reaches the whole group
    assert proc.wait(timeout=60) in (0, 130), log.read_text()
    wait_until(lambda: not processes_inside(build_dir), timeout=10)
    assert list((build_dir / "cache").glob("run-*")) == []
    assert lock_is_free(build_dir)
