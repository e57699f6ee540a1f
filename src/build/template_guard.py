"""Imported first by the kernel and Sphinx templates (multiprocessing fork servers,
src/build/templates.py): the template then dies with the process that started it, even while it is still
importing the rest, so a stopped build leaves no template behind (nor its hold on the build's output)."""
from __future__ import annotations

from src.base.common import die_with_parent

die_with_parent()
