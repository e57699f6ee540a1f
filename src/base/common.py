"""Shared helpers, used across layers: the repository's root, the build's error, content hashes,
and process helpers (die with the parent; the tests' pause hook).
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import signal
import time
from pathlib import Path


REPO = Path(__file__).resolve().parent.parent.parent


#: Test hook: the pipeline sleeps this many seconds at the named step ("publish-copy",
#: "publish-switch") so a test can kill it there.
PAUSE_ENV = "BOOK_TEST_PAUSE"


class BuildError(RuntimeError):
    """A build step failed; the message says which chapter / cell / step."""


def pause_for_test(step: str) -> None:
    wanted, _, seconds = os.environ.get(PAUSE_ENV, "").partition("=")
    if wanted == step:
        print(f"[test] paused at {step}", flush=True)
        time.sleep(float(seconds or 5))


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (even by kill -9)."""
    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):   # not Linux: the lock is still not inherited
        pass


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """sha256 of a file's content, read in chunks: a 1 GB file dropped into data/ costs no more memory to hash
    than a small one (it is refused by size later, by the validation)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def tree_digest(paths: list[Path], root: Path) -> str:
    """One hash over the relative names and contents (by their sha256) of ``paths``."""
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(root)).encode())
        h.update(sha256_file(p).encode())
    return h.hexdigest()
