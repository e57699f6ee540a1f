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
  (file, line and field, or chapter and cell). The next good build clears it.
"""
from __future__ import annotations

import asyncio
import html
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .execute import REPO

RELOAD_PATH = "/websocket-reload"
#: Editor and tool droppings that must not trigger a rebuild.
IGNORED_PARTS = {"__pycache__", ".ipynb_checkpoints", ".git", "_build"}
IGNORED_SUFFIXES = (".pyc", ".swp", ".swx", ".tmp", "~")


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
    message = stderr.decode(errors="replace").strip()
    if code == 0:
        state.error = None
    else:
        state.error = message or f"the build stopped with exit status {code}"
        print(message, file=sys.stderr, flush=True)
        print("preview: the last good site stays served; the pages show the error until it is fixed", flush=True)
    notify_pages(state)
    state.ready = await _ready_build(state)


async def _echo(stream: asyncio.StreamReader) -> None:
    async for line in stream:
        print(f"  {line.decode(errors='replace').rstrip()}", flush=True)


def notify_pages(state: PreviewState) -> None:
    for queue in list(state.clients):
        queue.put_nowait("refresh")


async def watch_and_rebuild(state: PreviewState, stop: asyncio.Event) -> None:
    """Build once, then once per batch of changes until ``stop`` is set."""
    import watchfiles

    paths = watched_paths(state.root, state.data_dir)
    print("preview: watching " + ", ".join(_shown(p) for p in paths), flush=True)
    started = False
    # The first (possibly empty) batch comes once the watcher is set up: building only then
    # means an edit saved during the first build is not missed.
    async for changes in watchfiles.awatch(*paths, watch_filter=is_relevant_change, stop_event=stop,
                                           rust_timeout=1000, yield_on_timeout=True):
        if not started:
            started = True
            await rebuild(state, "start")
        elif changes:
            names = sorted({_shown(Path(path)) for _, path in changes})
            await rebuild(state, "changed: " + ", ".join(names[:5]) + (" …" if len(names) > 5 else ""),
                          [path for _, path in changes])


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO).as_posix()
    except ValueError:
        return str(path)


async def stop_build(state: PreviewState) -> None:
    """Stop a running build as Ctrl-C stops ``make book``: it cleans up after itself."""
    proc = state.build_proc
    if proc is None or proc.returncode is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), timeout=10)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()


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
    """Adds the error overlay to HTML pages while the last build failed; no page is cached."""

    def __init__(self, app, state: PreviewState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self.state.html.is_dir():
            await _send_html(send, placeholder_page(self.state), 503)
            return
        extra = overlay_html(self.state.error).encode() if self.state.error else b""
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

        await self.app(scope, receive, send_wrapper)


async def _send_html(send, page: str, status: int) -> None:
    body = page.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


def create_app(state: PreviewState, port: int):
    """The ASGI app: the site, the reload websocket and the two middlewares."""
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
        task = asyncio.create_task(watch_and_rebuild(state, stop))
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
        middleware=[Middleware(JavascriptInjectorMiddleware, ws_url=f"127.0.0.1:{port}"),
                    Middleware(ErrorOverlayMiddleware, state=state)],
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
