"""Kill a build at random points, publish included, again and again (issue 14).

After every kill the published site must be the old one or the new one, entirely, and the
next build must succeed.  The two data versions differ only in README.md, so each rebuild
executes no chapter and stays cheap (Sphinx reads the reproduction page again: its checksum tables are
computed from the staged files); that page shows the README's sha256, which ties the page to the
download: a mix of the two sites would show.
"""
from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import time
from pathlib import Path

from conftest import run_build, start_build, tree_hashes, wait_until

# (signal, to the whole process group?, pause the build at this step first, or None: kill after a random delay)
KILLS = [
    (signal.SIGKILL, False, None),
    (signal.SIGTERM, False, None),
    (signal.SIGINT, True, None),
    (signal.SIGKILL, False, None),
    (signal.SIGKILL, False, "publish-copy"),
    (signal.SIGKILL, False, "publish-switch"),
    (signal.SIGINT, True, "publish-switch"),
    (signal.SIGTERM, False, None),
]


def readme(variant: str, base: str) -> str:
    return f"{base}\n<!-- variant {variant} -->\n"


def site_variant(html: Path, texts: dict[str, str]) -> str:
    """Which data version the whole site shows; fails on a mix or a broken site."""
    published = (html / "_static" / "data" / "README.md").read_text(encoding="utf-8")
    variant = next(v for v, text in texts.items() if text == published)
    digest = hashlib.sha256(published.encode("utf-8")).hexdigest()
    assert digest in (html / "chapters" / "reproduce.html").read_text(encoding="utf-8"), "page and download disagree"
    assert (html / "index.html").exists() and list((html / "_static").glob("mystnb.*.css"))
    return variant


def test_killed_at_random_points_the_site_is_old_or_new_and_the_next_build_succeeds(tmp_path, clean_build, data_copy):
    seed = int(os.environ.get("KILL_SEED", time.time()))      # a failure names it: KILL_SEED=… reproduces the delays
    rng = random.Random(seed)
    data = Path(shutil.copytree(data_copy, tmp_path / "data"))
    base = (data / "README.md").read_text(encoding="utf-8")
    texts = {v: readme(v, base) for v in "AB"}
    build_dir = tmp_path / "_build"
    shutil.copytree(clean_build.build_dir, build_dir, symlinks=True)
    (data / "README.md").write_text(texts["A"], encoding="utf-8")
    assert run_build(data, build_dir).returncode == 0
    current = "A"
    for signum, group, pause in KILLS:
        old_hashes = tree_hashes(build_dir / "html")
        new = "B" if current == "A" else "A"
        (data / "README.md").write_text(texts[new], encoding="utf-8")
        env = {"BOOK_TEST_PAUSE": f"{pause}=30"} if pause else {}
        proc = start_build(data, build_dir, **env)
        log = tmp_path / "build.log"
        if pause:
            wait_until(lambda: f"paused at {pause}" in log.read_text(encoding="utf-8"))
            where = pause
        else:
            delay = rng.uniform(0.2, 3.0)        # a rebuild takes ≈ 3 s: validation, a chapter, Sphinx, publish
            time.sleep(delay)
            where = f"{delay:.2f} s (KILL_SEED={seed})"
        (os.killpg if group else os.kill)(proc.pid, signum)
        _, err = proc.communicate(timeout=60)

        shown = site_variant(build_dir / "html", texts)
        if shown == current:
            assert tree_hashes(build_dir / "html") == old_hashes, f"old site changed ({signum!r} at {where})"
        if proc.returncode == 130:                      # it could report: the report must be true
            assert ("left unchanged" in err) == (shown == current), err
        t0 = time.time()
        done = run_build(data, build_dir)
        print(f"{signum!r} {where}: rc {proc.returncode}, shown {shown}, next build {time.time() - t0:.1f} s")
        assert done.returncode == 0, f"build after {signum!r} at {where} failed:\n{done.stderr}"
        assert site_variant(build_dir / "html", texts) == new
        current = new
