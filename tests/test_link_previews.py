"""Link previews and sitemap.xml, derived from the one base URL (html.baseurl in _config.yml).

Both variants are rebuilt from a copy of the session's clean build, so no chapter is
executed again: only Sphinx runs.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup

from src.build.plan import toc_chapters
from src.sphinxext.link_previews import NO_BASE_URL

from conftest import REPO, copy_book_sources, run_build

BASE_URL = "https://example.org/nistep-dp145/"
CHAPTERS = toc_chapters(REPO)
# The preview is the page's first drawn chart. Figure 2 is on Ⅱ-2 but the summary prints no
# numbers for it (a note, no chart), so Ⅱ-2's is figure 3; Ⅱ-3 draws none. Others: figure 1.
FIRST_CHART = {"chapters/02_status": 1, "chapters/03_non_adopters": 3, "chapters/05_institutions": 11}


def built_with_base_url(url: str, clean_build, tmp: Path) -> Path:
    """The book rebuilt with ``html.baseurl`` set to ``url``; returns the HTML directory."""
    root = copy_book_sources(tmp / "book")
    config = root / "_config.yml"
    text, count = re.subn(r"^(\s*baseurl:).*$", rf'\1 "{url}"', config.read_text(encoding="utf-8"), count=1, flags=re.M)
    assert count == 1, "_config.yml has no html.baseurl line"
    config.write_text(text, encoding="utf-8")
    build_dir = tmp / "_build"
    shutil.copytree(clean_build.build_dir, build_dir, symlinks=True)
    proc = run_build(clean_build.data_dir, build_dir, root)
    assert proc.returncode == 0, f"build failed:\n{proc.stdout}\n{proc.stderr}"
    return build_dir / "html"


@pytest.fixture(scope="module")
def with_url(clean_build, tmp_path_factory) -> Path:
    return built_with_base_url(BASE_URL, clean_build, tmp_path_factory.mktemp("with-url"))


@pytest.fixture(scope="module")
def without_url(clean_build, tmp_path_factory) -> Path:
    return built_with_base_url("", clean_build, tmp_path_factory.mktemp("without-url"))


def meta_tags(page: Path) -> dict[str, str]:
    """The page's <meta property|name=… content=…> tags."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return {m.get("property") or m.get("name"): m["content"] for m in soup.find_all("meta")
            if (m.get("property") or m.get("name")) and m.has_attr("content")}


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("docname", CHAPTERS)
def test_every_page_has_title_description_and_its_first_chart_as_image(with_url, docname):
    page = with_url / f"{docname}.html"
    tags = meta_tags(page)
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    assert tags["og:title"] and tags["og:title"] in soup.find("h1").get_text()
    assert tags["og:url"] == f"{BASE_URL}{docname}.html"
    # the description is the page's own prose, from its start, at most 200 characters
    description = tags["og:description"]
    assert 40 <= len(description) <= 200
    prose = squeezed(soup.find("article").get_text())
    for sentence in filter(None, description.rstrip("…").split("。")):
        assert squeezed(sentence) in prose
    assert tags["description"] == description
    image = f"_static/figures/fig{FIRST_CHART.get(docname, 1):02d}.png"
    assert tags["og:image"] == BASE_URL + image
    assert (with_url / image).is_file()
    assert tags["twitter:card"] == "summary_large_image"


def test_sitemap_lists_every_content_page(with_url):
    root = ElementTree.parse(with_url / "sitemap.xml").getroot()
    locs = {e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert locs == {f"{BASE_URL}{docname}.html" for docname in CHAPTERS}


def test_without_base_url_the_book_builds_without_previews_or_sitemap(without_url):
    assert not (without_url / "sitemap.xml").exists()
    for docname in CHAPTERS:
        tags = meta_tags(without_url / f"{docname}.html")
        assert not [name for name in tags if name.startswith(("og:", "twitter:"))], docname
        assert tags["description"]          # the plain description needs no URL


def test_without_base_url_sphinx_says_so_once_and_warns_nothing(tmp_path):
    """The same extension in a one-page Sphinx project, where its log is visible."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["src.sphinxext.link_previews"]\nhtml_baseurl = ""\n', encoding="utf-8")
    (src / "index.rst").write_text("Title\n=====\n\nA first paragraph that is long enough to describe the page "
                                   "in a link preview, with a few more words.\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-b", "html", str(src), str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=REPO, env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (proc.stdout + proc.stderr).count(NO_BASE_URL) == 1
    assert "WARNING" not in proc.stderr and "matplotlib" not in proc.stdout
    assert not (tmp_path / "out/sitemap.xml").exists()
