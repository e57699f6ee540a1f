"""Live preview: serve the site on 127.0.0.1, rebuild on every change, reload the open pages.

Run ``make preview`` (``DATA=dir``, ``PORT=n``) or ``python -m src.pipeline preview``.

- **Watching**: watchfiles (inotify) on the data directory, ``chapters/``, ``src/``,
  ``_config.yml`` and ``_toc.yml``.
- **Rebuilding**: each change runs ``python -m src.pipeline build`` — the very build of
  ``make book``: validation first, only the affected chapters, the same lock and the same
  atomic switch of ``_build/html``. A separate process per rebuild means Ctrl-C, SIGTERM and
  a failure behave exactly as they do for ``make book`` (no kernel, lock or temp dir left).
- **Serving and reloading**: starlette's static files over uvicorn, with sphinx-autobuild's
  middleware injecting its websocket reload script into every page. After each build the
  server tells every open page to reload.
- **Errors**: while the last build failed (bad data, failing chapter, Sphinx warning), every
  HTML page — the last good site, still served — carries an overlay with the build's message
  (file, line and field, or chapter and cell). The next good build clears it. A build that
  found another build running in the build directory is run again when that one ends. If the
  watcher itself ever fails, the terminal and every page say so (no more rebuilds until restart).
- **Ranges**: a ``Range`` request gets the file's own bytes (no reload script, no overlay), so
  the body is what ``Content-Range`` names.
"""
from __future__ import annotations

import asyncio
import html
import os
import signal
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from src.base.common import REPO

RELOAD_PATH = "/websocket-reload"
#: Editor and tool droppings that must not trigger a rebuild.
IGNORED_PARTS = {"__pycache__", ".ipynb_checkpoints", ".git", "_build"}
IGNORED_SUFFIXES = (".pyc", ".swp", ".swx", ".tmp", "~")
#: Bytes of one line of build output shown in the terminal; the rest of a longer line is counted, not shown.
ECHO_LINE_BYTES = 4000


@dataclass
class PreviewState:
    """What the server knows between builds."""

    root: Path
    data_dir: Path
    build_dir: Path
    jobs: int
    error: str | None = None            # message of the last failed build; None when the last one succeeded
    building: bool = False
    build_proc: asyncio.subprocess.Process | None = None
    ready: asyncio.subprocess.Process | None = None    # the next build, started and waiting (`_ready_build`)
    clients: set[asyncio.Queue] = field(default_factory=set)
    locked_out_by: int | None = None    # the process whose build held the lock when ours failed: build again when it ends

    @property
    def html(self) -> Path:
        return self.build_dir / "html"


def watched_paths(root: Path, data_dir: Path) -> list[Path]:
    """The data directory, chapters/, src/, _config.yml and _toc.yml (those that exist)."""
    paths = [data_dir, root / "chapters", REPO / "src", root / "_config.yml", root / "_toc.yml"]
    return [p.resolve() for p in paths if p.exists()]


def is_relevant_change(_change, path: str) -> bool:
    """False for caches, editor swap files and build output."""
    p = Path(path)
    return not (IGNORED_PARTS & set(p.parts) or p.name.startswith(".#") or p.name.endswith(IGNORED_SUFFIXES))


def change_filter(state: PreviewState):
    """`is_relevant_change`, and False inside the build directory wherever it lies (even inside the data
    directory: each build would otherwise trigger the next)."""
    build_dir, data_dir = state.build_dir.resolve(), state.data_dir.resolve()
    # A data directory inside the build directory is still watched (only it, not the build's output).
    guard = not (data_dir == build_dir or build_dir in data_dir.parents)

    def relevant(change, path: str) -> bool:
        p = Path(path)
        return is_relevant_change(change, path) and not (guard and (p == build_dir or build_dir in p.parents))

    return relevant


def build_command(state: PreviewState) -> list[str]:
    """The CLI build of ``make book`` for this preview's directories."""
    return [sys.executable, "-m", "src.pipeline", "build", "--data", str(state.data_dir), "--root", str(state.root),
            "--build-dir", str(state.build_dir), "--jobs", str(state.jobs)]


async def _ready_build(state: PreviewState) -> asyncio.subprocess.Process:
    """The next build, started now: it imports its modules and starts its chapter workers and their
    kernel templates, then waits for ``go`` on stdin (``build --start-on-stdin``) — so that an edit
    pays none of that. It is the CLI build all the same, in a process of its own."""
    return await asyncio.create_subprocess_exec(
        *build_command(state), "--start-on-stdin", cwd=REPO, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def discard_ready(state: PreviewState) -> None:
    """Stop the waiting build (it has read, locked and written nothing)."""
    proc, state.ready = state.ready, None
    if proc is not None and proc.returncode is None:
        proc.stdin.close()          # end of input: it exits, and its workers with it
        try:
            await asyncio.wait_for(proc.wait(), timeout=10)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()


def needs_fresh_process(changed: list[str]) -> bool:
    """A waiting build has imported ``src/`` (and its kernel templates too): a change there needs a new one."""
    code = (REPO / "src").resolve()
    return any(code in Path(path).resolve().parents or Path(path).name.startswith("requirements")
               for path in changed)


async def rebuild(state: PreviewState, reason: str, changed: list[str] | None = None) -> None:
    """Run one build; remember its error (or clear it) and tell the open pages to reload."""
    print(f"preview: {reason} — rebuilding", flush=True)
    state.building = True
    state.locked_out_by = None
    holder_before = lock_holder(state.build_dir)
    if state.ready is not None and (state.ready.returncode is not None or needs_fresh_process(changed or [])):
        await discard_ready(state)
    if state.ready is not None:
        proc, state.ready = state.ready, None
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
        proc.stdin.close()
    else:
        proc = await asyncio.create_subprocess_exec(
            *build_command(state), cwd=REPO, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
    state.build_proc = proc
    try:
        stdout, stderr = await asyncio.gather(_echo(proc.stdout), proc.stderr.read())
        code = await proc.wait()
    finally:
        state.build_proc = None
        state.building = False
        await _stop(proc)        # only if reading its output failed: no build left running unwatched
    message = stderr.decode(errors="replace").strip()
    if code == 0:
        state.error = None
    else:
        state.error = message or f"the build stopped with exit status {code}"
        print(message, file=sys.stderr, flush=True)
        print("preview: the last good site stays served; the pages show the error until it is fixed", flush=True)
        state.locked_out_by = _locked_out_by(state.build_dir, proc.pid, holder_before)
        if state.locked_out_by:
            print(f"preview: another build (process {state.locked_out_by}) held the build directory; "
                  "building again when it ends", flush=True)
    notify_pages(state)
    state.ready = await _ready_build(state)


def lock_holder(build_dir: Path) -> int | None:
    """The process that last took the build lock (src/build/cli.py `build_lock` writes its id), without taking it."""
    try:
        return int((build_dir / ".lock").read_text().strip())
    except (OSError, ValueError):
        return None


def _locked_out_by(build_dir: Path, our_build: int, holder_before: int | None) -> int | None:
    """The other build that held the lock when ours failed, or None when ours took it (or none was there).

    A holder that has already ended counts too if it took the lock during our build (it ended
    between our failure and this look); a dead holder from before is what a build that failed
    before reaching the lock leaves, and must not be retried forever.
    """
    holder = lock_holder(build_dir)
    if holder is None or holder == our_build:
        return None
    return holder if _alive(holder) or holder != holder_before else None


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, ended but not yet reaped by its parent, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:         # another user's process: it exists
        pass
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


async def _stop(proc: asyncio.subprocess.Process) -> None:
    """Stop a build as Ctrl-C stops ``make book`` (SIGTERM: it cleans up after itself); kill it after 10 s."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout=10)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()


async def _echo(stream: asyncio.StreamReader) -> None:
    """Print the build's output line by line, however long a line is (over `ECHO_LINE_BYTES`, cut short).

    Not ``async for line in stream``: a line over the stream's 64 KiB limit raises there.
    """
    line, cut = b"", 0
    while chunk := await stream.read(1 << 16):
        *ended, rest = chunk.split(b"\n")
        for part in ended:
            line, cut = _kept(line, cut, part)
            _echo_line(line, cut)
            line, cut = b"", 0
        line, cut = _kept(line, cut, rest)
    if line or cut:
        _echo_line(line, cut)


def _kept(line: bytes, cut: int, more: bytes) -> tuple[bytes, int]:
    room = max(ECHO_LINE_BYTES - len(line), 0)
    return line + more[:room], cut + max(len(more) - room, 0)


def _echo_line(line: bytes, cut: int) -> None:
    text = line.decode(errors="replace").rstrip()
    if cut:
        text = text.rstrip("\ufffd") + f" … ({cut} more bytes of this line not shown)"
    print(f"  {text}", flush=True)


def notify_pages(state: PreviewState) -> None:
    for queue in list(state.clients):
        queue.put_nowait("refresh")


async def watch(state: PreviewState, stop: asyncio.Event) -> None:
    """`watch_and_rebuild`; if it fails, say so in the terminal and on every page instead of dying silently."""
    try:
        await watch_and_rebuild(state, stop)
    except Exception as exc:
        report_watcher_failure(state, exc)


def report_watcher_failure(state: PreviewState, exc: BaseException) -> None:
    """Print the failure with its traceback and put it in the overlay of every page."""
    traceback.print_exception(exc, file=sys.stderr)
    message = (f"The preview stopped watching for changes ({type(exc).__name__}: {exc}). Edits are no longer "
               "rebuilt: stop the preview (Ctrl-C) and start it again.")
    state.error = message + (f"\n\nThe last build had failed:\n{state.error}" if state.error else "")
    print(f"preview: {message}", file=sys.stderr, flush=True)
    notify_pages(state)


async def watch_and_rebuild(state: PreviewState, stop: asyncio.Event) -> None:
    """Build once, then once per batch of changes until ``stop`` is set."""
    import watchfiles

    paths = watched_paths(state.root, state.data_dir)
    print("preview: watching " + ", ".join(_shown(p) for p in paths), flush=True)
    started = False
    # The first (possibly empty) batch comes once the watcher is set up: building only then
    # means an edit saved during the first build is not missed.
    async for changes in watchfiles.awatch(*paths, watch_filter=change_filter(state), stop_event=stop,
                                           rust_timeout=1000, yield_on_timeout=True):
        if not started:
            started = True
            await rebuild(state, "start")
        elif changes:
            names = sorted({_shown(Path(path)) for _, path in changes})
            await rebuild(state, "changed: " + ", ".join(names[:5]) + (" …" if len(names) > 5 else ""),
                          [path for _, path in changes])
        elif state.locked_out_by and not _alive(state.locked_out_by):    # checked about once a second
            await rebuild(state, f"the other build (process {state.locked_out_by}) has ended")


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO).as_posix()
    except ValueError:
        return str(path)


async def stop_build(state: PreviewState) -> None:
    """Stop the running build, if any (`_stop`)."""
    if state.build_proc is not None:
        await _stop(state.build_proc)


def overlay_html(message: str) -> str:
    """The error box laid over every page while the last build failed."""
    return (
        '<div id="preview-error" role="alert" style="position:fixed;inset:auto 1rem 1rem 1rem;max-height:60vh;'
        'overflow:auto;z-index:10000;background:#fff5f5;color:#1a1a1a;border:3px solid #c00;border-radius:6px;'
        'padding:1rem;box-shadow:0 4px 24px rgba(0,0,0,.3);font:14px/1.5 sans-serif">'
        '<strong style="color:#c00">ビルドに失敗しました — 表示中のページは前回成功したビルドのものです。'
        'ファイルを直すと自動で再ビルドされます。</strong>'
        f'<pre style="white-space:pre-wrap;margin:.5rem 0 0">{html.escape(message)}</pre></div>'
    )


def placeholder_page(state: PreviewState) -> str:
    """Served while there is no site yet: building, or the error of the first build."""
    body = overlay_html(state.error) if state.error else "<p>ビルド中です… 終わると自動で表示されます。</p>"
    return f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>preview</title></head><body>{body}</body></html>'


class ErrorOverlayMiddleware:
    """Adds the error overlay to HTML pages while the last build failed; no page is cached.

    A ``Range`` request goes to ``raw`` (the site without the reload script and the overlay):
    added bytes would make the body disagree with its ``Content-Range``.
    """

    def __init__(self, app, state: PreviewState, raw=None) -> None:
        self.app = app
        self.state = state
        self.raw = raw

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self.state.html.is_dir():
            await _send_html(send, placeholder_page(self.state), 503)
            return
        ranged = self.raw is not None and any(name.lower() == b"range" for name, _ in scope.get("headers", ()))
        extra = overlay_html(self.state.error).encode() if self.state.error and not ranged else b""
        is_html = False

        async def send_wrapper(message) -> None:
            nonlocal is_html
            from starlette.datastructures import MutableHeaders

            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Cache-Control"] = "no-store"
                is_html = headers.get("Content-Type", "").startswith("text/html")
                if is_html and extra and "Content-Length" in headers:
                    headers["Content-Length"] = str(int(headers["Content-Length"]) + len(extra))
            elif message["type"] == "http.response.body" and is_html and extra and not message.get("more_body"):
                message["body"] += extra
            await send(message)

        await (self.raw if ranged else self.app)(scope, receive, send_wrapper)


async def _send_html(send, page: str, status: int) -> None:
    body = page.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


def create_app(state: PreviewState, port: int):
    """The ASGI app: the site, the reload websocket and the two middlewares (which a ``Range`` request skips)."""
    from contextlib import asynccontextmanager

    from sphinx_autobuild.middleware import JavascriptInjectorMiddleware
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount, WebSocketRoute
    from starlette.staticfiles import StaticFiles
    from starlette.websockets import WebSocket, WebSocketDisconnect

    async def reload_socket(ws: WebSocket) -> None:
        await ws.accept()
        queue: asyncio.Queue = asyncio.Queue()
        state.clients.add(queue)
        waiter = asyncio.create_task(_drain(ws))
        try:
            while not waiter.done():
                getter = asyncio.create_task(queue.get())
                done, _ = await asyncio.wait({getter, waiter}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    await ws.send_text(getter.result())
                else:
                    getter.cancel()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            state.clients.discard(queue)
            waiter.cancel()

    @asynccontextmanager
    async def lifespan(_app):
        stop = asyncio.Event()
        task = asyncio.create_task(watch(state, stop))
        try:
            yield
        finally:
            stop.set()
            await stop_build(state)
            await discard_ready(state)
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass

    # StaticFiles resolves _build/html on every request, so it follows the atomic switch.
    site = StaticFiles(directory=state.html, html=True, check_dir=False, follow_symlink=True)
    return Starlette(
        routes=[WebSocketRoute(RELOAD_PATH, reload_socket), Mount("/", app=site)],
        middleware=[Middleware(ErrorOverlayMiddleware, state=state, raw=site),
                    Middleware(JavascriptInjectorMiddleware, ws_url=f"127.0.0.1:{port}")],
        lifespan=lifespan,
    )


async def _drain(ws) -> None:
    """Returns when the page closes its socket."""
    async for _ in ws.iter_text():
        pass


def serve(root: Path, data_dir: Path, build_dir: Path, port: int, jobs: int) -> int:
    """Serve on 127.0.0.1:``port`` until Ctrl-C or SIGTERM; returns the exit status."""
    import uvicorn

    state = PreviewState(root, data_dir.resolve(), build_dir, jobs)
    print(f"preview: http://127.0.0.1:{port}/ (Ctrl-C stops)", flush=True)
    config = uvicorn.Config(create_app(state, port), host="127.0.0.1", port=port, log_level="warning",
                            timeout_graceful_shutdown=2, lifespan="on")
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:      # uvicorn re-raises the Ctrl-C it caught, after shutting down cleanly
        pass
    print("preview: stopped", flush=True)
    return 0
