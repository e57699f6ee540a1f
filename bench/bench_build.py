"""Benchmark the build: clean, no-op and one-CSV-change rebuilds, with peak memory.

Run ``make bench`` (or ``.venv/bin/python bench/bench_build.py --runs 3``). Each scenario
runs the real CLI (``python -m src.pipeline build --quiet``) in a scratch directory and
reports the median wall time over the runs, plus the peak resident memory of the whole
process tree (the pipeline, its worker processes and their Jupyter kernels), sampled
every 50 ms with psutil.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
TARGETS = {"clean": 20.0, "no-op": 2.0, "one CSV": 8.0}
# Two valid states of one row of fig15.csv (made-up change for timing only, in a scratch copy).
ROW_A = "為替リスクを伴う,,16,104,15.4"
ROW_B = "為替リスクを伴う,,17,104,16.3"


def timed_build(data: Path, build_dir: Path) -> tuple[float, float]:
    """Wall seconds and peak tree RSS (MiB) of one build."""
    cmd = [sys.executable, "-m", "src.pipeline", "build", "--quiet", "--data", str(data), "--build-dir", str(build_dir)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({proc.returncode})")
    return seconds, peak / 2**20


def toggle_row(csv: Path) -> None:
    text = csv.read_text(encoding="utf-8")
    csv.write_text(text.replace(ROW_A, ROW_B) if ROW_A in text else text.replace(ROW_B, ROW_A), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in TARGETS}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(REPO / "data", data)
        for run in range(args.runs):
            build_dir = Path(tmp) / f"build{run}"
            results["clean"].append(timed_build(data, build_dir))
            results["no-op"].append(timed_build(data, build_dir))
            toggle_row(data / "fig15.csv")
            results["one CSV"].append(timed_build(data, build_dir))
            toggle_row(data / "fig15.csv")
            timed_build(data, build_dir)          # back to the original for the next run
    print(f"{'scenario':<10} {'median s':>9} {'target s':>9} {'peak MiB':>9}   runs (s)")
    for name, runs in results.items():
        seconds = [s for s, _ in runs]
        print(f"{name:<10} {statistics.median(seconds):>9.1f} {TARGETS[name]:>9.1f} "
              f"{max(m for _, m in runs):>9.0f}   {', '.join(f'{s:.1f}' for s in seconds)}")


if __name__ == "__main__":
    main()
