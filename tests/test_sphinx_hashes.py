"""Issue 22 item 3: Sphinx re-reads a page whose content changed even when its timestamp did not move."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import REPO


def sphinx_build(src: Path, out: Path, extensions: list[str]) -> None:
    (src / "conf.py").write_text(f"extensions = {extensions!r}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src), str(out)], cwd=REPO,
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode == 0, proc.stderr


def rebuilt_after_a_clock_skew(tmp_path: Path, extensions: list[str]) -> str:
    """Build a page, change its text but give it an mtime from before the first build, build again."""
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    page = src / "index.rst"
    page.write_text("Title\n=====\n\n87.5 percent\n", encoding="utf-8")
    os.utime(page, (1_000_000_000, 1_000_000_000))
    sphinx_build(src, out, extensions)
    page.write_text("Title\n=====\n\n86.5 percent\n", encoding="utf-8")
    os.utime(page, (1_000_000_000, 1_000_000_000))      # the clock went back: same time as before
    sphinx_build(src, out, extensions)
    return (out / "index.html").read_text(encoding="utf-8")


def test_without_the_extension_sphinx_keeps_the_old_page(tmp_path):
    # the defect this extension exists for: shows the test below can fail
    assert "87.5 percent" in rebuilt_after_a_clock_skew(tmp_path, [])


def test_a_page_whose_content_changed_is_read_again_whatever_its_time(tmp_path):
    html = rebuilt_after_a_clock_skew(tmp_path, ["src.sphinxext.hashes"])
    assert "86.5 percent" in html and "87.5 percent" not in html


def test_the_book_loads_the_extension():
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    assert "src.sphinxext.hashes" in config["sphinx"]["config"]["extensions"]
