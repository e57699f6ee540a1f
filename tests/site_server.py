"""The built site over HTTP on 127.0.0.1, as a static host serves it, and what a page load weighs."""
from __future__ import annotations

import functools
import gzip
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

# What static hosts (GitHub Pages, nginx's gzip_types) compress; fonts in WOFF2 and images are sent as they are.
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:   # noqa: A002 - the base class's signature
        pass


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on a free port of 127.0.0.1; yields the base URL (with a trailing slash)."""
    handler = functools.partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def served_size(content_type: str, body: bytes) -> int:
    """Bytes a static host sends for a response: gzip-compressed text, other files as they are."""
    if content_type.split(";")[0].strip().startswith(COMPRESSED_TYPES):
        return len(gzip.compress(body, compresslevel=6, mtime=0))
    return len(body)
