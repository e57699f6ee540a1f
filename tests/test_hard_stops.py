"""Hard stops (issue 14): a killed or interrupted build never blocks the next one, Ctrl-C and
SIGTERM stop within about a second, and publishing is one atomic switch that the next build
can always complete or undo.  Each test works on a private copy of the session's build."""
from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from src.build import cli

from conftest import REPO, alive, descendants, run_build, start_build, tree_hashes, wait_until


@pytest.fixture
def built(tmp_path, clean_build) -> Path:
    """A private copy of the session's clean build (its site is a relative symlink into sites/)."""
    dest = tmp_path / "_build"
    shutil.copytree(clean_build.build_dir, dest, symlinks=True)
    return dest


def executing(build_dir: Path) -> bool:
    return bool(list((build_dir / "cache").glob("run-*")))


# --------------------------------------------------------------------------- 2. signals and the lock

@pytest.mark.parametrize("how", ["SIGINT to the process group (Ctrl-C)", "SIGTERM to the build"])
def test_interrupt_stops_within_a_second_and_keeps_the_site(built, data_copy, tmp_path, how):
    other = shutil.copytree(data_copy, tmp_path / "other-data")      # every chapter must run again
    before = tree_hashes(built / "html")
    proc = start_build(other, built)
    wait_until(lambda: executing(built))
    workers = descendants(proc.pid)
    sent = time.perf_counter()
    if how.startswith("SIGINT"):
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    stopped = time.perf_counter() - sent
    print(f"{how}: stopped in {stopped:.2f} s")
    assert proc.returncode == 130 and "BUILD INTERRUPTED" in err and "left unchanged" in err
    assert "Traceback" not in err
    assert stopped < 2.0
    wait_until(lambda: not any(alive(p) for p in workers), timeout=5)     # kernels poll their parent each second
    assert tree_hashes(built / "html") == before


def test_kill_9_leaves_no_worker_and_no_lock_behind(built, data_copy, tmp_path):
    other = shutil.copytree(data_copy, tmp_path / "other-data")
    proc = start_build(other, built)
    wait_until(lambda: executing(built))
    workers = descendants(proc.pid)
    assert workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    wait_until(lambda: not any(alive(p) for p in workers), timeout=5)
    done = run_build(other, built)
    assert done.returncode == 0, done.stderr
    assert "another build" not in done.stderr


def test_a_lock_file_left_by_a_dead_build_does_not_block(built, data_copy):
    (built / ".lock").write_text("999999", encoding="utf-8")
    proc = run_build(data_copy, built)
    assert proc.returncode == 0, proc.stderr


def test_a_running_build_blocks_a_second_one_with_a_sentence(built, data_copy, tmp_path):
    other = shutil.copytree(data_copy, tmp_path / "other-data")
    proc = start_build(other, built)
    try:
        wait_until(lambda: executing(built))
        second = run_build(other, built)
        assert second.returncode == 1
        assert f"another build (process {proc.pid}) is running in {built}" in second.stderr
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=30)


def test_an_unwritable_build_directory_is_a_sentence(data_copy):
    proc = run_build(data_copy, Path("/sys/book-build-test"))     # not writable, even for root
    assert proc.returncode == 1
    assert "cannot write to the build directory /sys/book-build-test" in proc.stderr
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- 3. publishing

def test_published_site_is_a_relative_symlink_that_a_copy_keeps(built, tmp_path):
    link = os.readlink(built / "html")
    assert not os.path.isabs(link) and link.startswith(cli.SITES + "/")
    assert (built / "html" / "index.html").exists()
    copy = tmp_path / "www"
    subprocess.run(["cp", "-rL", str(built / "html"), str(copy)], check=True)   # the README's copy command
    assert (copy / "index.html").is_file() and not copy.is_symlink()


@pytest.mark.parametrize("damage", ["last-build.json deleted", "publish interrupted before the switch",
                                    "site of the old layout"])
def test_next_build_repairs_and_succeeds_at_once(built, data_copy, damage):
    if damage == "last-build.json deleted":
        (built / "last-build.json").unlink()
    elif damage == "publish interrupted before the switch":
        (built / "html").unlink()              # as if the first publish had died half-way
        (built / "sites" / ".0123.partial").mkdir()
    else:
        site = built / "html"
        real = site.resolve()
        site.unlink()
        real.rename(site)                      # _build/html as a real directory, as builds before made it
        (built / "html.new").mkdir()
    proc = run_build(data_copy, built)
    assert proc.returncode == 0, proc.stderr
    assert "ExtensionError" not in proc.stderr
    site = built / "html"
    assert site.is_symlink() and (site / "index.html").exists()
    assert list((site / "_static").glob("mystnb.*.css"))
    assert [p.name for p in (built / cli.SITES).iterdir()] == [Path(os.readlink(site)).name]
    assert not (built / "html.new").exists()


def _fake_site(root: Path, text: str) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "index.html").write_text(text, encoding="utf-8")
    (root / "sub" / "page.html").write_text(text, encoding="utf-8")
    return root


def test_full_disk_during_publish_is_one_sentence_and_keeps_the_old_site(tmp_path, monkeypatch):
    target = tmp_path / "_build" / "html"
    target.parent.mkdir()
    cli.publish(_fake_site(tmp_path / "old", "old"), target, "old", cli.Outcome())
    real_copy = shutil.copyfile

    def copy_until_full(src, dst, **kwargs):
        if Path(src).name == "page.html":
            Path(dst).write_text("ne", encoding="utf-8")          # half a file, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real_copy(src, dst, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", copy_until_full)
    outcome = cli.Outcome()
    with pytest.raises(cli.PublishError) as err:
        cli.publish(_fake_site(tmp_path / "new", "new"), target, "new", outcome)
    message = str(err.value)
    assert "the disk is full" in message and "previous site is still published" in message
    assert "\n" not in message and "Traceback" not in message
    assert outcome.published is None
    assert (target / "index.html").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in (target.parent / cli.SITES).iterdir()) == ["old"]   # partial copy removed


def test_search_index_forgets_words_of_earlier_data(built, data_copy, tmp_path):
    data = shutil.copytree(data_copy, tmp_path / "data")
    csv = data / "fig12.csv"
    original = csv.read_text(encoding="utf-8")
    csv.write_text(original.replace("常勤職員,", "常勤職員 Zyxwvutsr,", 1), encoding="utf-8")
    assert run_build(data, built).returncode == 0
    assert "zyxwvutsr" in _search_terms(built / "html")
    csv.write_text(original, encoding="utf-8")
    proc = run_build(data, built)
    assert proc.returncode == 0, proc.stderr
    terms = _search_terms(built / "html")
    assert "zyxwvutsr" not in terms
    assert not [word for word, docs in terms.items() if docs == []]


def _search_terms(html: Path) -> dict:
    text = (html / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1: text.rindex(")")])["terms"]


# --------------------------------------------------------------------------- issue 22, item 2

def test_a_data_file_changed_after_the_chapters_is_never_published(built, data_copy, tmp_path):
    """Between the chapters and staging a table is replaced: the build fails naming it, the old site stays."""
    other = shutil.copytree(data_copy, tmp_path / "other-data")
    before = tree_hashes(built / "html")
    proc = start_build(other, built, BOOK_TEST_PAUSE="stage=8")
    log = built.parent / "build.log"
    try:
        wait_until(lambda: "[test] paused at stage" in log.read_text(), timeout=300)
        table = other / "fig12.csv"
        table.write_text(table.read_text(encoding="utf-8") + '=HYPERLINK("https://evil.invalid"),1,1\n',
                         encoding="utf-8")
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            proc.communicate(timeout=30)
    assert proc.returncode == 1, err
    assert "fig12.csv changed after it was validated" in err and "Build again" in err
    assert tree_hashes(built / "html") == before


# --------------------------------------------------------------------------- issue 22, item 11

@pytest.mark.parametrize("text", ["[]", "null", '{"timings": 5}', '{"outputs": 5}', '{"timings": {"x": "a"}}',
                                  '{"files": {"a": 1}', '{"key": ['])
def test_an_unusable_build_record_reads_as_absent_in_one_line(tmp_path, capsys, text):
    from src.build.plan import read_record

    record = tmp_path / "last-build.json"
    record.write_text(text, encoding="utf-8")
    assert read_record(record) == {}
    assert read_record(record) == {}
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "treated as absent" in err and str(record) in err


def test_builds_go_on_after_their_records_are_corrupted(built, data_copy):
    """A record of the wrong shape and a truncated deps.json: the build rebuilds what they recorded, says so."""
    (built / "last-build.json").write_text('{"timings": 5, "outputs": 5}', encoding="utf-8")
    deps = sorted((built / "cache").glob("*/deps.json"))[0]
    deps.write_text(deps.read_text(encoding="utf-8")[:40], encoding="utf-8")
    proc = run_build(data_copy, built)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("treated as absent") == 2, proc.stderr
    record = json.loads((built / "last-build.json").read_text(encoding="utf-8"))
    assert record["executed"] == [deps.parent.name.replace("__", "/")]   # only the chapter whose record broke


# --------------------------------------------------------------------------- issue 22, item 13

def _pool_workers(pid: int) -> int:
    """The build's chapter workers alive now (spawned multiprocessing children)."""
    count = 0
    for child in descendants(pid):
        try:
            if b"multiprocessing.spawn" in Path(f"/proc/{child}/cmdline").read_bytes():
                count += 1
        except OSError:
            pass
    return count


def test_no_more_workers_than_chapters_to_run(built, data_copy):
    """--jobs 8 with one table edited: as many workers as chapters that read it, not eight (each ~100 MB)."""
    table = data_copy.parent / "one-edit" / "data"
    shutil.copytree(data_copy, table)
    proc_record = json.loads((built / "last-build.json").read_text(encoding="utf-8"))
    assert proc_record["chapters"] > 2
    run_build(table, built)          # the copy under a new name runs every chapter once
    fig = table / "fig15.csv"        # the edit of tests/test_rebuild.py: customs paperwork 57 → 70 of 104
    old_row = "（試作品のやりとりにおける通関手続きなど）が煩雑である,,57,104,54.8"
    fig.write_text(fig.read_text(encoding="utf-8").replace(old_row, old_row.replace(",57,104,54.8", ",70,104,67.3")),
                   encoding="utf-8")
    cmd = [sys.executable, "-m", "src.pipeline", "build", "--data", str(table), "--build-dir", str(built),
           "--jobs", "8"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    most = 0
    while proc.poll() is None:
        most = max(most, _pool_workers(proc.pid))
        time.sleep(0.05)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    executed = json.loads((built / "last-build.json").read_text(encoding="utf-8"))["executed"]
    assert 1 <= len(executed) < proc_record["chapters"], executed
    assert 1 <= most <= len(executed), (most, executed, out)
