"""``python -m src.pipeline build|validate|preview``: the command line, at the name the README and Makefile use.

The code is in src/build/cli.py.
"""
from __future__ import annotations

import sys

from src.build.cli import main

if __name__ == "__main__":
    sys.exit(main())
