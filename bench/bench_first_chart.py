"""Time to first chart drawn: the heaviest chapter opened cold in Chromium, served over HTTP.

Run ``.venv/bin/python bench/bench_first_chart.py [--site _build/html] [--runs 5]`` after
``make book``. Each run opens the page in a fresh browser context (empty cache) at 390 and
at 1280 px and records, from navigation start, when the first ``.vega-chart`` holds an SVG
and when every chart of the page does. Reports the median of the runs.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from browser import CHROMIUM_ARGS, chromium_path  # noqa: E402

PAGE = "chapters/05_institutions.html"
#: Records when the first chart and when all charts have an <svg> (performance.now(), ms).
OBSERVER = """
window.__charts = {first: null, all: null};
new MutationObserver(() => {
  const boxes = document.querySelectorAll('.vega-chart');
  const drawn = document.querySelectorAll('.vega-chart svg').length;
  if (drawn && window.__charts.first === null) window.__charts.first = performance.now();
  if (boxes.length && drawn >= boxes.length && window.__charts.all === null) window.__charts.all = performance.now();
}).observe(document, {childList: true, subtree: true});
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(site: Path) -> http.server.ThreadingHTTPServer:
    """A local static server for ``site`` on a free port (like any static host, without compression)."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def measure(browser, url: str, width: int) -> tuple[float, float]:
    """(first chart, all charts) in ms after navigation start, one cold load."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.add_init_script(OBSERVER)
    page.goto(url)
    page.wait_for_function("window.__charts && window.__charts.all !== null", timeout=60000)
    first, all_ = page.evaluate("[window.__charts.first, window.__charts.all]")
    context.close()
    return first, all_


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=REPO / "_build" / "html")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    server = serve(args.site.resolve())
    url = f"http://127.0.0.1:{server.server_port}/{PAGE}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for width in (390, 1280):
            runs = [measure(browser, url, width) for _ in range(args.runs)]
            first = statistics.median(r[0] for r in runs)
            all_ = statistics.median(r[1] for r in runs)
            print(f"{PAGE} at {width} px: first chart {first:.0f} ms, all charts {all_:.0f} ms "
                  f"(median of {args.runs})")
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
