"""Headless Debian Chromium driven by Playwright, with every non-local request blocked and recorded."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    """Debian's chromium; the browser tests fail (never skip) without it."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Debian's chromium is required for the browser tests: apt-get install chromium "
                    "(.ci/run installs it)")
    return path


@dataclass
class PageVisit:
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)


def open_page(browser, url: str, width: int = 1280):
    """Open ``url`` with only file:// and localhost allowed; returns (page, visit record)."""
    visit = PageVisit()
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()

    def route(r):
        url_ = r.request.url
        if url_.startswith(("file://", "http://127.0.0.1", "http://localhost", "data:", "blob:")):
            r.continue_()
        else:
            visit.foreign_requests.append(url_)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.console_errors.append(str(e)))
    page.goto(url)
    return page, visit


def file_url(path: Path) -> str:
    return path.resolve().as_uri()
