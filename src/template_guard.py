"""Imported first by the kernel and Sphinx templates (multiprocessing fork servers, src/execute.py and
src/publish.py): the template then dies with the process that started it, even while it is still
importing the rest, so a stopped build leaves no template behind (nor its hold on the build's output)."""
from __future__ import annotations

import ctypes
import signal

PR_SET_PDEATHSIG = 1

try:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
except (OSError, AttributeError):      # not Linux: the template still exits when its parent closes the pipe
    pass
