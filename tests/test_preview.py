"""make preview in Chromium: a CSV edit reaches the open page by itself, bad data shows its error
over the last good site, fixing it clears the error, and stopping leaves no kernel, lock or temp dir."""
from __future__ import annotations

import email.message
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
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


# --------------------------------------------------------------------------- the preview over a stand-in build
# The tests below run the preview's own server, watcher and pages in this process (uvicorn in a
# thread) over FAKE_BUILD, a made-up stand-in for `python -m src.pipeline build`: it takes the real
# build lock, prints data/output.txt and publishes one page naming data/edit.txt — seconds per
# test instead of real builds.

FAKE_BUILD = '''"""Made-up stand-in for the pipeline build (tests/test_preview.py only)."""
import sys
from pathlib import Path

sys.path.insert(0, sys.argv[1])
from src.build.cli import BuildError, build_lock

args = sys.argv[2:]
if "--start-on-stdin" in args and sys.stdin.readline().strip() != "go":
    sys.exit(0)
data, build_dir = Path(args[args.index("--data") + 1]), Path(args[args.index("--build-dir") + 1])
try:
    lock = build_lock(build_dir)
except BuildError as exc:
    print(f"BUILD FAILED — the previous site (if any) was left unchanged.\\n{exc}", file=sys.stderr)
    sys.exit(1)


def read(name):
    return (data / name).read_text(encoding="utf-8") if (data / name).exists() else ""


with open(build_dir / "builds.txt", "a", encoding="utf-8") as log:
    log.write(f"edit {read('edit.txt')}\\n")
print(f"building\\n{read('output.txt')}\\nbuilt", flush=True)
(build_dir / "html").mkdir(exist_ok=True)
page = build_dir / "html" / ".index.html.tmp"       # published in one rename, as the real build does
page.write_text(f"<!DOCTYPE html><html><body><p>edit {read('edit.txt')}</p></body></html>", encoding="utf-8")
page.replace(build_dir / "html" / "index.html")
'''


@pytest.fixture
def fake_build(tmp_path, monkeypatch):
    """The preview's builds are FAKE_BUILD, with the preview's own arguments."""
    from src.build import preview

    script = tmp_path / "fake_build.py"
    script.write_text(FAKE_BUILD, encoding="utf-8")
    monkeypatch.setattr(preview, "build_command", lambda state: [
        sys.executable, str(script), str(REPO), "--data", str(state.data_dir), "--build-dir", str(state.build_dir)])
    return tmp_path


@contextmanager
def served(state, lifespan: str = "on"):
    """The preview's app for ``state`` on a free port (its watcher too, with ``lifespan`` on); the base URL."""
    import uvicorn

    from src.build.preview import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(state, port), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), timeout=30)
        assert server.started
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


def fetch(url: str, **headers) -> tuple[int, "email.message.Message", bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def page_says(url: str, text: str) -> bool:
    return text in fetch(url)[2].decode()


def builds(build_dir: Path) -> list[str]:
    path = build_dir / "builds.txt"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_preview_goes_on_after_a_line_over_64_kib_and_ignores_its_build_dir_inside_the_data(fake_build, capsys):
    from src.build.preview import ECHO_LINE_BYTES, PreviewState

    data = fake_build / "data"
    data.mkdir()
    build_dir = data / "preview-build"             # inside the data directory it watches
    label = "未翻訳のラベル" * 5000                  # one line of 105,000 bytes (a 35,000-character label)
    (data / "output.txt").write_text(label, encoding="utf-8")
    state = PreviewState(fake_build, data, build_dir, jobs=1)
    with served(state) as url:
        wait_until(lambda: page_says(url + "/index.html", "edit </p>"), timeout=60)
        (data / "edit.txt").write_text("1", encoding="utf-8")       # the next edit still rebuilds
        wait_until(lambda: page_says(url + "/index.html", "edit 1</p>"), timeout=60)
        (data / "edit.txt").write_text("2", encoding="utf-8")
        wait_until(lambda: page_says(url + "/index.html", "edit 2</p>"), timeout=60)
    out = capsys.readouterr().out
    shown = f"  {label.encode()[:ECHO_LINE_BYTES].decode(errors='ignore')} … " \
            f"({len(label.encode()) - ECHO_LINE_BYTES} more bytes of this line not shown)"
    assert shown in out.splitlines()
    assert out.count("  built\n") == 3                 # what follows the long line is read too, every time
    # Only the start and the two edits: the build's own files in data/preview-build triggered nothing.
    assert builds(build_dir) == ["edit ", "edit 1", "edit 2"], out
    assert not [line for line in out.splitlines() if "rebuilding" in line and "preview-build" in line]


def test_a_failing_watcher_says_so_in_the_terminal_and_on_the_pages(fake_build, monkeypatch, capsys):
    from src.build import preview

    data = fake_build / "data"
    data.mkdir()
    state = preview.PreviewState(fake_build, data, fake_build / "_build", jobs=1)

    async def broken_echo(stream):      # what reading a line over 64 KiB raised before
        raise ValueError("Separator is not found, and chunk exceed the limit")

    with served(state) as url:
        wait_until(lambda: page_says(url + "/index.html", "edit </p>"), timeout=60)
        monkeypatch.setattr(preview, "_echo", broken_echo)
        (data / "edit.txt").write_text("1", encoding="utf-8")
        wait_until(lambda: page_says(url + "/index.html", 'id="preview-error"'), timeout=60)
        page = fetch(url + "/index.html")[2].decode()
    assert "The preview stopped watching for changes (ValueError: Separator is not found" in page
    assert "stop the preview (Ctrl-C) and start it again" in page
    assert "edit </p>" in page                                  # the last good site is still served
    err = capsys.readouterr().err
    assert "Traceback" in err and "preview: The preview stopped watching for changes (ValueError" in err


def test_an_error_from_the_build_lock_clears_when_the_other_build_ends(fake_build, capsys):
    from src.build.preview import PreviewState

    data = fake_build / "data"
    data.mkdir()
    build_dir = fake_build / "_build"
    state = PreviewState(fake_build, data, build_dir, jobs=1)
    other_build = ("import sys; from pathlib import Path; from src.build.cli import build_lock; "
                   f"fd = build_lock(Path({str(build_dir)!r})); print('locked', flush=True); sys.stdin.readline(); "
                   f"page = Path({str(build_dir / 'html' / 'other.tmp')!r}); page.write_text('<p>the other build</p>'); "
                   "page.replace(page.with_name('index.html'))")
    with served(state) as url:
        wait_until(lambda: page_says(url + "/index.html", "edit </p>"), timeout=60)
        other = subprocess.Popen([sys.executable, "-c", other_build], cwd=REPO, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        try:
            assert other.stdout.readline() == "locked\n"
            (data / "edit.txt").write_text("1", encoding="utf-8")
            wait_until(lambda: page_says(url + "/index.html", "another build (process"), timeout=60)
            other.communicate("publish\n", timeout=60)         # it publishes and ends
        finally:
            if other.poll() is None:
                other.kill()
        wait_until(lambda: not page_says(url + "/index.html", 'id="preview-error"'), timeout=60)
        assert "edit 1</p>" in fetch(url + "/index.html")[2].decode()       # the preview's own build, run again
    out = capsys.readouterr().out
    assert f"the other build (process {other.pid}) has ended — rebuilding" in out
    assert builds(build_dir) == ["edit ", "edit 1"]


def test_a_range_request_gets_the_bytes_its_content_range_names(tmp_path):
    from src.build.preview import PreviewState

    html = tmp_path / "_build" / "html"
    html.mkdir(parents=True)
    page = "<!DOCTYPE html><html><body><p>made-up page for this test</p></body></html>".encode()
    table = b"label,count\nmade-up,1\n"
    (html / "index.html").write_bytes(page)
    (html / "table.csv").write_bytes(table)
    state = PreviewState(tmp_path, tmp_path / "data", tmp_path / "_build", jobs=1, error="a made-up failure")
    with served(state, lifespan="off") as url:
        status, _, whole = fetch(url + "/index.html")
        assert status == 200 and whole.startswith(page) and b"preview-error" in whole and b"websocket-reload" in whole
        for path, raw, asked, expected in [("/index.html", page, "bytes=0-9", (0, 9)),
                                           ("/index.html", page, "bytes=-16", (len(page) - 16, len(page) - 1)),
                                           ("/table.csv", table, "bytes=6-10", (6, 10))]:
            status, headers, body = fetch(url + path, Range=asked)
            first, last = expected
            assert (status, headers["Content-Range"]) == (206, f"bytes {first}-{last}/{len(raw)}"), path
            assert body == raw[first:last + 1] and int(headers["Content-Length"]) == len(body), (path, asked, body)
