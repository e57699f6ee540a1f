"""Benchmark of the response engine (issue 26, item 7): 100,000 synthetic respondents, time and peak memory.

    .venv/bin/python bench/bench_aggregate.py [--respondents 100000] [--runs 3]

The invented fixture (tests/fixtures/responses, 793 institutions) is copied row by row, with new
ids, until it has ``--respondents`` rows: every copy keeps the codebook's rules, so the engine
reads, checks and counts a valid file of that size. Each step runs in a fresh Python process
(median of ``--runs``), which reports its wall time and its peak resident memory (ru_maxrss):

- ``import``: Python, pandas, numpy and src.data.respondents imported, nothing read (the floor of the others);
- ``read + check``: read_responses (CSV parsed, every answer checked);
- ``read + check + aggregate``: load_responses (all nine figure tables);
- ``aggregate``: figure_tables alone, on responses already read (timed inside the process);
- ``breakdowns``: all nine figures by 設置形態 with complementary suppression, on responses already read.
"""
from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "responses"

STEP = r"""
import json, resource, sys, time
sys.path.insert(0, {repo!r})
start = time.perf_counter()
from src.data.respondents.aggregate import figure_tables, load_responses
from src.data.respondents.answers import read_responses
from src.data.respondents.disclosure import breakdown
directory, step = {directory!r}, {step!r}
inner = None
if step == "read + check":
    responses, problems = read_responses(directory)
    assert not problems, problems[:3]
elif step == "read + check + aggregate":
    result, problems = load_responses(directory)
    assert not problems, problems[:3]
elif step in ("aggregate", "breakdowns"):
    result, problems = load_responses(directory)
    assert not problems, problems[:3]
    t = time.perf_counter()
    if step == "aggregate":
        figure_tables(result.responses)
    else:
        for figure in result.tables:
            breakdown(result, figure, "kind")
    inner = time.perf_counter() - t
wall = time.perf_counter() - start
print(json.dumps({{"wall": wall, "inner": inner, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

STEPS = ("import", "read + check", "read + check + aggregate", "aggregate", "breakdowns")


def synthetic(directory: Path, respondents: int) -> Path:
    """The fixture with its institutions copied until there are ``respondents`` rows (new ids)."""
    shutil.copytree(FIXTURE, directory)
    with open(FIXTURE / "institutions.csv", encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    with open(directory / "institutions.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for k in range(respondents):
            row = rows[k % len(rows)]
            writer.writerow([row[0] if k < len(rows) else f"S{k:07d}", *row[1:]])
    return directory


def run(directory: Path, step: str) -> dict:
    code = STEP.format(repo=str(REPO), directory=str(directory), step=step)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    if proc.returncode:
        raise SystemExit(f"{step} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = synthetic(Path(tmp) / "responses", args.respondents)
        size = (directory / "institutions.csv").stat().st_size
        print(f"{args.respondents:,} respondents, institutions.csv {size / 2**20:.1f} MiB, median of {args.runs} runs")
        print(f"{'step':<28} {'wall s':>8} {'step s':>8} {'peak MiB':>9}")
        for step in STEPS:
            runs = [run(directory, step) for _ in range(args.runs)]
            wall = statistics.median(r["wall"] for r in runs)
            inner = [r["inner"] for r in runs if r["inner"] is not None]
            peak = statistics.median(r["peak_mib"] for r in runs)
            shown = f"{statistics.median(inner):8.3f}" if inner else f"{'':>8}"
            print(f"{step:<28} {wall:8.2f} {shown} {peak:9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
