"""The no-op fast path: a build decides "nothing changed" from content hashes of its inputs, before
importing pandas or validating; any changed input (or a missing output) takes the full path."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, copy_book_sources, run_build, tree_hashes

from src.build.cli import INPUTS_KEY, inputs_digest

FAST = "inputs: unchanged since the last build"


def record(build_dir: Path) -> dict:
    return json.loads((build_dir / "last-build.json").read_text(encoding="utf-8"))


@pytest.fixture
def sources(tmp_path, data_copy):
    """A private data directory, book sources and an empty build directory (nothing is built)."""
    data = tmp_path / "data"
    shutil.copytree(data_copy, data)
    return data, copy_book_sources(tmp_path / "book"), tmp_path / "_build"


def test_digest_follows_content_not_timestamps(sources):
    data, root, build_dir = sources
    first = inputs_digest(root, data, build_dir)
    csv = data / "fig15.csv"
    os.utime(csv, (1, 1))                                       # touched only
    assert inputs_digest(root, data, build_dir) == first
    csv.write_text(csv.read_text(encoding="utf-8").replace(",57,104,", ",58,104,"), encoding="utf-8")
    assert inputs_digest(root, data, build_dir) != first
    csv.write_text(csv.read_text(encoding="utf-8").replace(",58,104,", ",57,104,"), encoding="utf-8")
    assert inputs_digest(root, data, build_dir) == first       # the same content again


@pytest.mark.parametrize("change", ["new data file", "data link", "chapter", "toc", "config", "editions",
                                    "another data directory", "Japanese edition only"])
def test_digest_changes_with_every_kind_of_input(sources, tmp_path, monkeypatch, change):
    data, root, build_dir = sources
    first = inputs_digest(root, data, build_dir)
    if change == "new data file":
        (data / "notes.csv").write_text("a,b\n", encoding="utf-8")
    elif change == "data link":                                 # a link that leaves the directory: its text counts
        (data / "outside.csv").symlink_to(tmp_path / "elsewhere.csv")
    elif change == "chapter":
        chapter = root / "chapters" / "02_status.md"
        chapter.write_text(chapter.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "toc":
        (root / "_toc.yml").write_text((root / "_toc.yml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "config":
        (root / "_config.yml").write_text((root / "_config.yml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "editions":
        editions = root / "chapters" / "editions.yml"
        editions.write_text(editions.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "another data directory":
        other = tmp_path / "other"
        shutil.copytree(data, other)
        data = other
    elif change == "Japanese edition only":
        monkeypatch.setenv("BOOK_EDITIONS", "ja")
    assert inputs_digest(root, data, build_dir) != first


def test_digest_covers_what_chapters_recorded_reading(sources, tmp_path):
    """A file outside the watched trees that a chapter read (its deps.json) is part of the inputs."""
    data, root, build_dir = sources
    extra = tmp_path / "read-by-a-chapter.yml"
    extra.write_text("a: 1\n", encoding="utf-8")
    cache = build_dir / "cache" / "chapters__x"
    cache.mkdir(parents=True)
    (cache / "deps.json").write_text(json.dumps({"key": "k", "files": {str(extra): "recorded"}}), encoding="utf-8")
    first = inputs_digest(root, data, build_dir)
    extra.write_text("a: 2\n", encoding="utf-8")
    assert inputs_digest(root, data, build_dir) != first


def test_noop_takes_the_fast_path_and_any_change_the_full_one(clean_build, tmp_path):
    build_dir = tmp_path / "_build"
    shutil.copytree(clean_build.build_dir, build_dir, symlinks=True)
    data = clean_build.data_dir                                 # read only: other tests share it
    # the copy lives elsewhere: the first build here is a full one (the directories are inputs)
    proc = run_build(data, build_dir)
    assert proc.returncode == 0, proc.stderr
    assert FAST not in proc.stdout and INPUTS_KEY in record(build_dir)
    before = tree_hashes(build_dir / "html")

    # nothing changed: decided without importing pandas (nor validating), the site is kept
    cmd = [sys.executable, "-X", "importtime", "-m", "src.pipeline", "build", "--data", str(data),
           "--build-dir", str(build_dir)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert FAST in proc.stdout and "0 to execute" in proc.stdout
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert imported and not {"pandas", "src.data.validate", "papermill"} & imported
    assert record(build_dir)["executed"] == []
    assert tree_hashes(build_dir / "html") == before

    # bad data (another directory): the full path runs, validation fails, and the record no
    # longer vouches for the site
    bad = tmp_path / "bad"
    shutil.copytree(data, bad)
    csv = bad / "fig12.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace(",31,108,", ",310,108,"), encoding="utf-8")
    proc = run_build(bad, build_dir)
    assert proc.returncode != 0 and "count 310 is larger than n 108" in proc.stderr
    assert INPUTS_KEY not in record(build_dir)
    assert tree_hashes(build_dir / "html") == before
    # the good data again: not trusted from an old record, the full path checks it (and executes nothing)
    proc = run_build(data, build_dir)
    assert proc.returncode == 0, proc.stderr
    assert FAST not in proc.stdout and "is valid" in proc.stdout and record(build_dir)["executed"] == []
    assert FAST in run_build(data, build_dir).stdout

    # a published site that is gone is rebuilt, not vouched for
    shutil.rmtree((build_dir / "html").resolve())
    proc = run_build(data, build_dir)
    assert proc.returncode == 0, proc.stderr
    assert FAST not in proc.stdout and (build_dir / "html" / "index.html").is_file()

    # a damaged site (a page deleted under html/) is rebuilt, not kept: by the no-op check, and with the record
    # gone, by the "nothing changed since the published site" check (issue 22 item 7)
    page = build_dir / "html" / "chapters" / "02_status.html"
    for lose_record in (False, True):
        page.unlink()
        if lose_record:
            (build_dir / "last-build.json").unlink()
        proc = run_build(data, build_dir)
        assert proc.returncode == 0, proc.stderr
        assert FAST not in proc.stdout and "nothing changed since the published site" not in proc.stdout
        assert page.is_file(), f"the deleted page was not restored (record deleted: {lose_record})"
    assert FAST in run_build(data, build_dir).stdout
