"""Benchmark the build against the conventional jupyter-book build of the same chapters.

Run ``make bench`` (or ``.venv/bin/python bench/bench_build.py --runs 3``). In a scratch
directory, each run times three scenarios — clean build, no-op rebuild, one CSV changed —
for three ways of building:

- ``ours``: the real CLI (``python -m src.pipeline build --quiet``), which builds both editions
  (Japanese and English) from one execution of each chapter;
- ``jb force`` / ``jb cache``: ``jupyter-book build`` of the Japanese edition of the same chapters
  (their untagged and Japanese cells) with ``execute_notebooks: force`` / ``cache``. It reuses our
  staging of the static assets and the code copy (``_static``, ``_code``), but jupyter-book does
  all the executing.

For each it reports the median wall time and whether the result is correct: after the CSV
edit, the changed number must appear on the page. A fourth scenario is a prose-only edit: one word
of Ⅱ-4 changes in each edition (in a copy of the book sources); ours must show both words and execute
no chapter (``_build/last-build.json``), and jupyter-book's two modes build the same edit of their
Japanese chapter. Each scenario is also given as a ratio to the clean build of the same run, the
form of the targets of issue 25. It also times ``make preview``: from saving
the same edit to the server handing out the page with the new number (saved PREVIEW_READ_SECONDS
after the page first showed, as an author reads before editing), and the same for the prose
edit. Times are taken without any sampler;
``--memory`` adds one separate run of ours that samples the peak memory of the whole process
tree (pipeline, workers, kernels) every 50 ms with psutil.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
#: Issue 25's targets, as ratios to a clean build of ours in the same run (clean: to jupyter-book force).
TARGETS = {"clean": "≤ 0.6 × jb force", "no-op": "≤ 0.02 × clean", "one CSV": "≤ 0.35 × clean",
           "prose": "≤ 0.2 × clean, no chapter executed"}
RATIO_TARGETS = {"no-op": 0.02, "one CSV": 0.35, "prose": 0.2}
EDITIONS_TARGET = "≤ 1.5 ×"   # a clean build of both editions against the Japanese edition alone
# Sphinx re-reads only sources that changed, so after a CSV edit jupyter-book re-executes
# nothing in either mode (the chapters' .md files are unchanged): its pages keep the old numbers.
# Two valid states of one row of fig15.csv (made-up change for timing only, in a scratch copy):
# customs paperwork goes from 57 to 70 of 104, and the glued "67.3％" appears in chapter Ⅲ.
ROW_A = "（試作品のやりとりにおける通関手続きなど）が煩雑である,,57,104,54.8"
ROW_B = "（試作品のやりとりにおける通関手続きなど）が煩雑である,,70,104,67.3"
#: Seconds between the page first showing and the edit in the preview run (the preview meanwhile
#: gets its next build ready: src/build/preview.py).
PREVIEW_READ_SECONDS = 8
CHANGED_PAGE, ORIGINAL_TEXT, CHANGED_TEXT = "chapters/05_institutions.html", "54.8％", "67.3％"
# A prose-only edit: one word of a sentence of Ⅱ-4 in each edition, in a scratch copy of the sources.
PROSE_CHAPTER = "chapters/05_institutions"
PROSE_EDITS = [("大学等は、どんな方針で", "大学等は、どのような方針で"),
               ("How do they choose partners,", "How do they select partners,")]


LOADS: list[float] = []       # 1-minute load average before each timed command


def run(cmd: list[str], env: dict | None = None) -> float:
    """Wall seconds of one command, which must succeed."""
    LOADS.append(os.getloadavg()[0])
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:6])} … failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return time.perf_counter() - start


def ours(data: Path, build_dir: Path, root: Path = REPO) -> list[str]:
    return [sys.executable, "-m", "src.pipeline", "build", "--quiet", "--data", str(data), "--build-dir", str(build_dir),
            "--root", str(root)]


def book_sources(dest: Path) -> Path:
    """A scratch copy of the book sources (config, toc, chapters) whose prose the floor scenario edits."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(REPO / name, dest / name)
    shutil.copytree(REPO / "chapters", dest / "chapters", dirs_exist_ok=True)
    return dest


def toggle_prose(path: Path) -> list[str]:
    """Change one word of Ⅱ-4 in each edition (back and forth) in the chapter file ``path``; returns the
    new phrases (Japanese, English)."""
    text = path.read_text(encoding="utf-8")
    shown = []
    for a, b in PROSE_EDITS:
        old, new = (a, b) if a in text else (b, a)
        text = text.replace(old, new)
        shown.append(new)
    path.write_text(text, encoding="utf-8")
    return shown


def page_says(html_dir: Path, page: str, expected: str) -> bool:
    soup = BeautifulSoup((html_dir / page).read_text(encoding="utf-8"), "html.parser")
    return "".join(expected.split()) in "".join((soup.find("article") or soup).get_text().split())


def prose_shown(html_dir: Path, phrases: list[str], english: bool = True) -> bool:
    """Ⅱ-4's pages show the edited phrases: both editions' (``english=False``: a Japanese-only site)."""
    ja, en = phrases
    return page_says(html_dir, f"{PROSE_CHAPTER}.html", ja) and (
        not english or page_says(html_dir / "en", f"{PROSE_CHAPTER}.html", en))


def executed_nothing(build_dir: Path) -> bool:
    import json

    return json.loads((build_dir / "last-build.json").read_text(encoding="utf-8"))["executed"] == []


def conventional_book(tmp: Path, stage: Path, data: Path, mode: str) -> Path:
    """A jupyter-book source tree of the Japanese edition of the same chapters, which jupyter-book
    executes itself (``mode``).

    Each chapter keeps its untagged cells and its Japanese ones (``src/base/i18n.py``), unexecuted;
    configuration and table of contents are the Japanese edition's (``edition_book_files``).
    """
    import jupytext
    import nbformat
    import yaml

    from src.base.i18n import EDITION_KEY, SOURCE
    from src.build.publish import edition_book_files

    book = tmp / f"jb-{mode}"
    shutil.rmtree(book, ignore_errors=True)
    for source in sorted((REPO / "chapters").glob("*.md")):
        nb = jupytext.read(source)
        nb.cells = [c for c in nb.cells if c.get("metadata", {}).get(EDITION_KEY, SOURCE) == SOURCE]
        (book / "chapters").mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, book / "chapters" / f"{source.stem}.ipynb")
    for other in (REPO / "chapters").iterdir():           # glossary.yml, editions.yml: what chapters read
        if other.suffix != ".md" and other.is_file():
            shutil.copy(other, book / "chapters" / other.name)
    shutil.copytree(data, book / "data")               # the chapters' default data_dir is ../data
    shutil.copytree(stage / "_static", book / "_static")
    shutil.copytree(stage / "_code", book / "_code")
    config, toc = edition_book_files(REPO, SOURCE)
    config = yaml.safe_load(config)
    config.setdefault("execute", {})["execute_notebooks"] = mode
    (book / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (book / "_toc.yml").write_bytes(toc)
    return book


def jb_command(book: Path) -> list[str]:
    return [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(book), "--builder",
            "html", "--quiet"]


def shows_change(html_dir: Path, expected: str) -> bool:
    """Whether the changed page's article states ``expected`` (``54.8％``; or ``54.8%``, see below).

    The chapters glue every value once per edition under the same name (``src/base/i18n.py``);
    jupyter-book, which cannot pick an edition's outputs, shows the last one glued — the English
    ``54.8%``. Either form of the number counts.
    """
    page = html_dir / CHANGED_PAGE
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    text = "".join((soup.find("article") or soup).get_text().split())
    return expected in text or expected.replace("％", "%") in text


def toggle_row(csv: Path) -> None:
    text = csv.read_text(encoding="utf-8")
    csv.write_text(text.replace(ROW_A, ROW_B) if ROW_A in text else text.replace(ROW_B, ROW_A), encoding="utf-8")


def one_run(tmp: Path, data: Path, run_index: int) -> dict[str, dict[str, tuple[float, bool]]]:
    """Clean, no-op and one-CSV times (and correctness) of each way, for one run."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    build_dir = tmp / f"build{run_index}"
    html = build_dir / "html"
    clean, noop = run(ours(data, build_dir)), run(ours(data, build_dir))
    result = {"ours": {"clean": (clean, shows_change(html, ORIGINAL_TEXT)), "no-op": (noop, shows_change(html, ORIGINAL_TEXT))}}
    # the same code building the Japanese edition alone (BOOK_EDITIONS=ja): what the English edition costs
    ja_dir = tmp / f"build{run_index}-ja"
    ja_clean = run(ours(data, ja_dir), dict(os.environ, BOOK_EDITIONS="ja"))
    result["ours ja"] = {"clean": (ja_clean, shows_change(ja_dir / "html", ORIGINAL_TEXT))}
    shutil.rmtree(ja_dir, ignore_errors=True)
    toggle_row(data / "fig15.csv")
    seconds = run(ours(data, build_dir))
    result["ours"]["one CSV"] = (seconds, shows_change(html, CHANGED_TEXT))
    toggle_row(data / "fig15.csv")
    run(ours(data, build_dir))                        # back to the original for the next way
    sources = book_sources(tmp / f"sources{run_index}")
    run(ours(data, build_dir, sources))               # the same sources, copied: nothing runs again
    phrases = toggle_prose(sources / f"{PROSE_CHAPTER}.md")
    seconds = run(ours(data, build_dir, sources))
    result["ours"]["prose"] = (seconds, prose_shown(html, phrases) and executed_nothing(build_dir))
    shutil.rmtree(sources, ignore_errors=True)
    for mode in ("force", "cache"):
        book = conventional_book(tmp, build_dir / "stage", data, mode)
        out = book / "_build" / "html"
        clean = run(jb_command(book), env)
        noop = run(jb_command(book), env)
        correct = shows_change(out, ORIGINAL_TEXT)
        toggle_row(book / "data" / "fig15.csv")
        changed = run(jb_command(book), env)
        phrases = toggle_prose(book / f"{PROSE_CHAPTER}.ipynb")     # its Japanese cell (the English is not in it)
        prose = run(jb_command(book), env)
        result[f"jb {mode}"] = {"clean": (clean, correct), "no-op": (noop, correct),
                                "one CSV": (changed, shows_change(out, CHANGED_TEXT)),
                                "prose": (prose, prose_shown(out, phrases, english=False))}
    shutil.rmtree(build_dir, ignore_errors=True)
    return result


def preview_edit_seconds(tmp: Path, data: Path, prose: bool = False) -> tuple[float, bool]:
    """Seconds from saving the one-CSV edit (``prose``: the one-word edit of chapter Ⅰ) to the preview
    serving the page that shows it."""
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    build_dir = tmp / "preview"
    sources = book_sources(tmp / "preview-sources")
    page_path, before = (f"{PROSE_CHAPTER}.html", PROSE_EDITS[0][0]) if prose else (CHANGED_PAGE, ORIGINAL_TEXT)
    url = f"http://127.0.0.1:{port}/{page_path}"
    LOADS.append(os.getloadavg()[0])
    proc = subprocess.Popen([sys.executable, "-m", "src.pipeline", "preview", "--data", str(data), "--root", str(sources),
                             "--build-dir", str(build_dir), "--port", str(port)], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)

    def page() -> str:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8") if response.status == 200 else ""
        except OSError:
            return ""

    def edit() -> str:
        if prose:
            return toggle_prose(sources / f"{PROSE_CHAPTER}.md")[0]
        toggle_row(data / "fig15.csv")
        return CHANGED_TEXT

    try:
        while before not in page():                        # the first build, then a settled watcher
            time.sleep(0.2)
        # As the open page does: wait on the reload socket, fetch the page once per reload. (Polling
        # the page every few milliseconds instead would load the server that is rebuilding it.)
        from websockets.sync.client import connect

        with connect(f"ws://127.0.0.1:{port}/websocket-reload") as socket_:
            time.sleep(PREVIEW_READ_SECONDS)               # the author reads the page, then edits
            expected = edit()
            start = time.perf_counter()
            shown = False
            while not shown and time.perf_counter() < start + 600:
                try:
                    socket_.recv(timeout=600)              # "refresh": a build ended
                except TimeoutError:
                    break
                shown = "".join(expected.split()) in "".join(page().split())
            return time.perf_counter() - start, shown
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)
        if not prose:
            toggle_row(data / "fig15.csv")
        shutil.rmtree(build_dir, ignore_errors=True)
        shutil.rmtree(sources, ignore_errors=True)


def peak_memory(data: Path, build_dir: Path) -> float:
    """Peak RSS (MiB) of the whole process tree of one build of ours."""
    proc = subprocess.Popen(ours(data, build_dir), cwd=REPO)
    root, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    return peak / 2**20


def memory_run(tmp: Path, data: Path) -> dict[str, float]:
    build_dir = tmp / "memory"
    peaks = {"clean": peak_memory(data, build_dir), "no-op": peak_memory(data, build_dir)}
    toggle_row(data / "fig15.csv")
    peaks["one CSV"] = peak_memory(data, build_dir)
    toggle_row(data / "fig15.csv")
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="also one separate run that samples peak memory")
    parser.add_argument("--preview-only", action="store_true", help="time only the preview edit (--runs times)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "data"
        shutil.copytree(REPO / "data", data)
        if args.preview_only:
            previews = [preview_edit_seconds(tmp, data) for _ in range(args.runs)]
            print(f"one CSV, preview: median {statistics.median(s for s, _ in previews):.1f} s, correct "
                  f"{all(ok for _, ok in previews)}, runs " + ", ".join(f"{s:.1f}" for s, _ in previews)
                  + f"; load {min(LOADS + [load]):.1f}–{max(LOADS + [load, os.getloadavg()[0]]):.1f}")
            return
        runs = [one_run(tmp, data, i) for i in range(args.runs)]
        previews = [preview_edit_seconds(tmp, data) for _ in range(args.runs)]
        prose_previews = [preview_edit_seconds(tmp, data, prose=True) for _ in range(args.runs)]
        peaks = memory_run(tmp, data) if args.memory else {}
    LOADS.extend([load, os.getloadavg()[0]])
    print(f"median of {args.runs} run(s); 1-minute load average {min(LOADS):.1f}–{max(LOADS):.1f} "
          f"(median {statistics.median(LOADS):.1f}) on {os.cpu_count()} cores")
    print("ours: the CLI, both editions (Japanese and English) from one execution; ours ja: the same CLI with "
          "BOOK_EDITIONS=ja (Japanese only); jb force / jb cache: the Japanese edition only")
    print(f"{'scenario':<9} {'way':<9} {'median s':>9} {'× clean':>8} {'correct':>8}   runs (s)")
    for scenario in TARGETS:
        for way in (w for w in runs[0] if scenario in runs[0][w]):
            timings = [r[way][scenario][0] for r in runs]
            ratio = statistics.median(r[way][scenario][0] / r[way]["clean"][0] for r in runs)
            correct = all(r[way][scenario][1] for r in runs)
            print(f"{scenario:<9} {way:<9} {statistics.median(timings):>9.1f} {ratio:>8.3f} "
                  f"{'yes' if correct else 'NO':>8}   " + ", ".join(f"{s:.1f}" for s in timings))
    for scenario, limit in RATIO_TARGETS.items():
        ratio = statistics.median(r["ours"][scenario][0] / r["ours"]["clean"][0] for r in runs)
        print(f"{scenario}, ours / ours clean: {ratio:.3f} × (target {TARGETS[scenario]}): "
              + ("met" if ratio <= limit else "not met"))
    print(f"{'one CSV':<9} {'preview':<9} {statistics.median(s for s, _ in previews):>9.1f} "
          f"{'yes' if all(ok for _, ok in previews) else 'NO':>8}   " + ", ".join(f"{s:.1f}" for s, _ in previews)
          + "   (save → page served with the new number; target ≤ 3 s)")
    print(f"{'prose':<9} {'preview':<9} {statistics.median(s for s, _ in prose_previews):>9.1f} "
          f"{'yes' if all(ok for _, ok in prose_previews) else 'NO':>8}   " + ", ".join(f"{s:.1f}" for s, _ in prose_previews)
          + "   (one word of Ⅱ-4; save → page served with it; target ≤ 2 s)")
    ratio = statistics.median(r["ours"]["clean"][0] / r["jb force"]["clean"][0] for r in runs)
    print(f"clean build, ours / jb force: {ratio:.2f} × (target {TARGETS['clean']})"
          + ("" if ratio <= 0.6 else ": not met"))
    both = statistics.median(r["ours"]["clean"][0] / r["ours ja"]["clean"][0] for r in runs)
    print(f"clean build, both editions / Japanese only: {both:.2f} × (target {EDITIONS_TARGET}, issue 15)")
    for scenario, mib in peaks.items():
        print(f"peak memory of ours, {scenario}: {mib:.0f} MiB")


if __name__ == "__main__":
    main()
