"""Rebuilding: nothing lost on failure, incremental on content, deterministic, glue follows the data."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from conftest import REPO, copy_book_sources, run_build

#: Pages a fig15.csv edit must not re-execute: other figures' chapters, and the appendices that only
#: list the data files (their checksums come from Sphinx, see src/sphinxext/checksums.py).
UNRELATED_TO_FIG15 = {"chapters/01_method", "chapters/02_status", "chapters/03_non_adopters", "chapters/04_projects",
                      "chapters/code", "chapters/data", "chapters/reproduce"}


def tree_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def last_build(build_dir: Path) -> dict:
    return json.loads((build_dir / "last-build.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def base_build(tmp_path_factory, data_copy):
    """A second clean build from the same data directory as the session's clean build."""
    build_dir = tmp_path_factory.mktemp("base") / "_build"
    proc = run_build(data_copy, build_dir)
    assert proc.returncode == 0, proc.stderr
    return build_dir


@pytest.fixture
def built_copy(tmp_path, base_build) -> Path:
    """A private copy of the base build (cache and site) that a test may rebuild."""
    dest = tmp_path / "_build"
    shutil.copytree(base_build, dest, symlinks=True)
    return dest


def test_noop_rebuild_executes_nothing_and_keeps_the_site(built_copy, data_copy):
    before = tree_hashes(built_copy / "html")
    proc = run_build(data_copy, built_copy)
    assert proc.returncode == 0, proc.stderr
    assert last_build(built_copy)["executed"] == []
    assert "0 to execute" in proc.stdout
    assert tree_hashes(built_copy / "html") == before


def test_bad_data_fails_before_any_chapter_runs_and_keeps_the_old_site(built_copy, data_copy, tmp_path):
    bad = tmp_path / "bad-data"
    shutil.copytree(data_copy, bad)
    csv = bad / "fig12.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace(",31,108,", ",310,108,"), encoding="utf-8")
    (bad / "notes.csv").write_text("a,b\n", encoding="utf-8")
    before = tree_hashes(built_copy / "html")
    proc = run_build(bad, built_copy)
    assert proc.returncode != 0
    assert "fig12.csv, line 2, field 'count': count 310 is larger than n 108" in proc.stderr
    assert "notes.csv: is not listed in datapackage.json" in proc.stderr
    assert "chapters:" not in proc.stdout          # validation stops the build before execution
    assert tree_hashes(built_copy / "html") == before


def test_failing_chapter_keeps_the_old_site_byte_identical(built_copy, data_copy, tmp_path):
    root = copy_book_sources(tmp_path / "book")
    chapter = root / "chapters" / "02_status.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n```{code-cell} ipython3\n1 / 0\n```\n",
                       encoding="utf-8")
    before = tree_hashes(built_copy / "html")
    proc = run_build(data_copy, built_copy, root)
    assert proc.returncode != 0
    assert "chapters/02_status" in proc.stderr and "ZeroDivisionError" in proc.stderr
    assert tree_hashes(built_copy / "html") == before


def test_interrupted_build_keeps_the_old_site(built_copy, data_copy, tmp_path):
    other = tmp_path / "other-data"            # another directory: every chapter must run again
    shutil.copytree(data_copy, other)
    before = tree_hashes(built_copy / "html")
    cmd = [sys.executable, "-m", "src.pipeline", "build", "--data", str(other), "--build-dir", str(built_copy)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and not list((built_copy / "cache").glob("run-*")):
        time.sleep(0.05)                       # wait until chapters are executing
    assert list((built_copy / "cache").glob("run-*")), "the build never started executing chapters"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "BUILD INTERRUPTED" in err
    assert tree_hashes(built_copy / "html") == before
    assert list((built_copy / "cache").glob("run-*")) == []     # Ctrl-C leaves no half-executed chapter
    # the next build cleans up and succeeds
    proc = run_build(other, built_copy)
    assert proc.returncode == 0, proc.stderr


def _comparable(nb_path: Path) -> dict:
    """An executed notebook without timing metadata."""
    nb = nbformat.read(nb_path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nb


def test_two_clean_builds_are_identical(clean_build, base_build):
    first = sorted((clean_build.stage / "chapters").glob("*.ipynb"))
    assert first
    for nb_path in first:
        other = base_build / "stage" / "chapters" / nb_path.name
        assert _comparable(nb_path) == _comparable(other), f"{nb_path.name} differs between two clean builds"
    specs = sorted((clean_build.stage / "_static" / "figures").glob("*.svg"))
    assert specs
    for svg in specs:
        assert svg.read_bytes() == (base_build / "stage" / "_static" / "figures" / svg.name).read_bytes()


def page_text(html: Path) -> str:
    """The article's text with all white space removed (Japanese has no word spaces)."""
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    return "".join((soup.find("article") or soup).get_text().split())


#: The build's speed machinery off (src/build/templates.py): every kernel and every Sphinx build a new process.
FRESH_PROCESSES = {"BOOK_FRESH_KERNELS": "1", "BOOK_FRESH_SPHINX": "1"}


@pytest.mark.parametrize("switches", [{}, FRESH_PROCESSES], ids=["templates", "fresh-processes"])
def test_one_csv_change_reruns_only_its_chapters_and_changes_the_glued_text(tmp_path, data_copy, switches):
    """… in both editions, with kernels and Sphinx forked from their templates or started as new processes (the
    same build either way); and a label whose translation is removed is listed and shown in Japanese."""
    data = tmp_path / "data"
    shutil.copytree(data_copy, data)
    build_dir = tmp_path / "_build"
    proc = run_build(data, build_dir, env=switches)
    assert proc.returncode == 0, proc.stderr
    page = build_dir / "html" / "chapters" / "05_institutions.html"
    english = build_dir / "html" / "en" / "chapters" / "05_institutions.html"
    second = "「研究者が行わなければならない事務作業・手続きが多く負担になる」（60.6％）"
    assert second in page_text(page)
    assert "60.6%" in page_text(english) and "67.3%" not in page_text(english)

    csv = data / "fig15.csv"                   # customs paperwork moves up to second place: 70 of 104
    old_row = "（試作品のやりとりにおける通関手続きなど）が煩雑である,,57,104,54.8"
    csv.write_text(csv.read_text(encoding="utf-8").replace(old_row, old_row.replace(",57,104,54.8", ",70,104,67.3")),
                   encoding="utf-8")
    proc = run_build(data, build_dir, env=switches)
    assert proc.returncode == 0, proc.stderr
    executed = set(last_build(build_dir)["executed"])
    assert "chapters/05_institutions" in executed and "chapters/06_discussion" in executed
    assert not executed & UNRELATED_TO_FIG15, executed & UNRELATED_TO_FIG15
    text = page_text(page)
    customs = "（試作品のやりとりにおける通関手続きなど）が煩雑である」（67.3％）"
    assert customs in text and text.index(customs) < text.index(second)     # now second, before the researchers' item
    assert "67.3%" in (build_dir / "html" / "_static" / "figures" / "fig15.svg").read_text(encoding="utf-8")
    assert "67.3%" in page_text(english)                 # the same run feeds the English edition
    assert "67.3%" in (build_dir / "html" / "en" / "_static" / "figures" / "fig15.svg").read_text(encoding="utf-8")
    # the build says which glued values changed and which findings it checked again; the record keeps it
    assert "fig15_top2_pct: 60.6％ → 67.3％" in proc.stdout
    report = last_build(build_dir)["changes"]
    assert {"chapter": "chapters/05_institutions", "name": "fig15_top2_pct", "old": "60.6％", "new": "67.3％"} \
        in report["glue_changes"]
    assert "paperwork_burden_leads" in report["findings_rechecked"]["chapters/05_institutions"]
    if switches:
        return          # what follows does not depend on how the build starts its processes

    # a label without an English translation: listed once by the build, shown in Japanese in the English edition
    label = next(line.split(",")[1] for line in csv.read_text(encoding="utf-8").splitlines() if "通関手続き" in line)
    descriptor = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["translations"]["en"].pop(label)
    (data / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=1), encoding="utf-8")
    proc = run_build(data, build_dir)
    assert proc.returncode == 0, proc.stderr
    listed = [line for line in proc.stdout.splitlines() if line.startswith("translations:")]
    assert len(listed) == 1 and f"「{label}」" in listed[0], listed
    assert last_build(build_dir)["missing_translations"] == {"en": [label]}
    assert "".join(label.split()) in page_text(english)

    # data that contradicts a finding the text states stops the build, naming it; the site stays
    before = tree_hashes(build_dir / "html")
    csv.write_text(csv.read_text(encoding="utf-8").replace("為替リスクを伴う,,16,104,15.4", "為替リスクを伴う,,95,104,91.3"),
                   encoding="utf-8")
    proc = run_build(data, build_dir)
    assert proc.returncode != 0
    assert "chapters/05_institutions" in proc.stderr and "ClaimError" in proc.stderr
    assert "図表15の負担の上位3つはいずれも事務・手続きに関するものである" in proc.stderr
    assert tree_hashes(build_dir / "html") == before
