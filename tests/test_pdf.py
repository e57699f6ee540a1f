"""The PDF edition (src/pdf.py): what it contains, read back with pypdf, and when the site links it.

One PDF is printed per session, from a copy of the session's clean build.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from browser import file_url, open_page
from conftest import REPO, run_build
from src import layout
from src import pdf as pdf_edition
from src.execute import toc_chapters

A4_WIDTH, A4_HEIGHT = 595.28, 841.89      # points
PRINT_ROUNDING = 1.0                       # chromium rounds the paper to its pixel grid (595.92 × 842.88)
CHAPTERS = [name for name in toc_chapters(REPO) if name != "chapters/index"]


def run_pdf(build_dir: Path) -> subprocess.CompletedProcess:
    """``python -m src.pdf build`` exactly as ``make pdf`` runs it after the site."""
    return subprocess.run([sys.executable, "-m", "src.pdf", "build", "--build-dir", str(build_dir)], cwd=REPO,
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def printed(clean_build, tmp_path_factory) -> Path:
    """A copy of the session's clean build with its PDF printed and linked; returns the build directory."""
    build_dir = tmp_path_factory.mktemp("pdf") / "_build"
    shutil.copytree(clean_build.build_dir, build_dir, symlinks=True)
    proc = run_pdf(build_dir)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    return build_dir


@pytest.fixture(scope="module")
def reader(printed) -> PdfReader:
    return PdfReader(pdf_edition.pdf_dir(printed) / pdf_edition.PDF_NAME)


@pytest.fixture(scope="module")
def text(reader) -> str:
    """The PDF's text with all white space removed (lines wrap anywhere in Japanese)."""
    return squeezed("".join(page.extract_text() for page in reader.pages))


def squeezed(s: str) -> str:
    return re.sub(r"\s+", "", s)


def chapter_heading(docname: str) -> str:
    """The H1 of a chapter source (``# Ⅱ-1 国際産学連携の実施状況``)."""
    source = (REPO / f"{docname}.md").read_text(encoding="utf-8")
    return re.search(r"^# (.+)$", source, re.M).group(1).strip()


def figure_titles() -> dict[int, str]:
    package = json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))
    return {res["figure"]: res["title"] for res in package["resources"] if "figure" in res}


def test_every_chapter_heading_is_in_the_text_and_in_the_contents_page(reader, text):
    contents = squeezed(reader.pages[0].extract_text())
    assert "目次" in contents
    positions = []
    for docname in CHAPTERS:
        heading = squeezed(chapter_heading(docname))
        assert heading in text, heading
        assert heading in contents, f"{heading} is not in the table of contents"
        positions.append(contents.index(heading))
    assert positions == sorted(positions), "the contents list the chapters out of order"
    assert len(CHAPTERS) == 10 and contents.index("本編") < positions[0] and contents.index("付録") < positions[6]


def test_every_figure_caption_and_source_line_is_in_the_text(text):
    titles = figure_titles()
    assert sorted(titles) == list(range(1, 18))
    for number, title in titles.items():
        assert squeezed(f"概要図表{number} {title}") in text, number
        assert f"出典：NISTEPDISCUSSIONPAPERNo.145、概要図表{number}。" in text, number


def test_figure_16_is_drawn_with_its_last_legend_entry(reader):
    caption = squeezed(f"概要図表16 {figure_titles()[16]}")
    page = next(p.extract_text() for p in reader.pages if caption in squeezed(p.extract_text()))
    legend = [line.split() for line in page.splitlines() if line.split()[:1] == ["課題に感じない"]]
    assert legend and legend[0][-1] == "課題に感じる", "figure 16's legend (ending 課題に感じる) is not text on its page"


def test_each_figure_data_table_is_printed_open_beneath_it(text):
    for number in (1, 3, 4, 11, 12, 13, 14, 15, 16):
        assert f"データ表（概要図表{number}）" in text, number
    assert "選択肢回答数n割合（％）事務職員が担当する事務手続きが煩雑である9010486.5" in text   # figure 15's first row


def test_no_site_controls_in_the_pdf(text):
    for control in ("コードを表示", "コードを隠す", "ダウンロード：CSV", "（描画コード）", "本文へスキップ"):
        assert control not in text, control


def test_every_font_is_embedded_and_the_japanese_one_as_a_subset(reader):
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            fonts[id(font)] = font
    names = []
    for font in fonts.values():
        if font["/Subtype"] == "/Type3":
            # glyphs drawn by the PDF itself (chromium's synthetic bold): embedded by nature; must map to text
            assert "/CharProcs" in font and "/ToUnicode" in font
            continue
        descriptor = (font["/DescendantFonts"][0].get_object() if font["/Subtype"] == "/Type0" else font)
        descriptor = descriptor["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
        names.append(str(font["/BaseFont"]))
    assert any(re.fullmatch(r"/[A-Z]{6}\+NotoSansJP-Regular", n) for n in names), names


def test_pages_are_a4_and_charts_are_vectors(reader):
    assert len(reader.pages) > 20
    for page in reader.pages:
        assert float(page.mediabox.width) <= A4_WIDTH + PRINT_ROUNDING
        assert float(page.mediabox.height) <= A4_HEIGHT + PRINT_ROUNDING
        xobjects = (page["/Resources"].get("/XObject") or {}).values()
        assert not [x for x in xobjects if x.get_object().get("/Subtype") == "/Image"], "a raster image in the PDF"


def test_page_numbers_in_the_footer(reader):
    total = len(reader.pages)
    for number in (1, total // 2, total):
        assert f"{number}/{total}" in squeezed(reader.pages[number - 1].extract_text())


def test_site_carries_and_links_the_fresh_pdf(printed, browser):
    site = printed / "html"
    record = pdf_edition.read_record(printed)
    digest = json.loads((printed / "last-build.json").read_text(encoding="utf-8"))["stage_digest"]
    assert record["stage_digest"] == digest and os.readlink(site).endswith(digest + "-pdf")
    shipped = site / layout.PDF / pdf_edition.PDF_NAME
    assert shipped.read_bytes() == (pdf_edition.pdf_dir(printed) / pdf_edition.PDF_NAME).read_bytes()
    page, visit = open_page(browser, file_url(site / "chapters/index.html"))
    link = page.locator("p.pdf-edition a.pdf-edition-link")
    assert link.count() == 1 and link.get_attribute("href") == f"../_static/pdf/{pdf_edition.PDF_NAME}"
    assert page.locator(".dropdown-download-buttons a.pdf-edition-link").count() == 1
    assert not visit.console_errors and not visit.foreign_requests
    page.context.close()


def test_a_second_run_reprints_nothing(printed):
    pdf = pdf_edition.pdf_dir(printed) / pdf_edition.PDF_NAME
    before = pdf.stat().st_mtime_ns, os.readlink(printed / "html")
    proc = run_pdf(printed)
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stdout
    assert (pdf.stat().st_mtime_ns, os.readlink(printed / "html")) == before


def test_a_stale_pdf_is_not_linked(printed, clean_build, tmp_path, browser):
    build_dir = tmp_path / "_build"
    shutil.copytree(printed, build_dir, symlinks=True)
    data = tmp_path / "data"
    shutil.copytree(clean_build.data_dir, data)
    csv = data / "fig15.csv"                   # customs paperwork: 57 → 70 of 104
    row = "（試作品のやりとりにおける通関手続きなど）が煩雑である,,57,104,54.8"
    csv.write_text(csv.read_text(encoding="utf-8").replace(row, row.replace(",57,104,54.8", ",70,104,67.3")),
                   encoding="utf-8")
    proc = run_build(data, build_dir)          # the site is rebuilt; `make pdf` is not run
    assert proc.returncode == 0, proc.stderr
    site = build_dir / "html"
    assert not os.readlink(site).endswith("-pdf")
    assert pdf_edition.read_record(build_dir)["stage_digest"] != json.loads(
        (build_dir / "last-build.json").read_text(encoding="utf-8"))["stage_digest"]
    assert not (site / layout.PDF / pdf_edition.PDF_NAME).exists()
    assert "window.pdfEdition = null;" in (site / layout.PDF / pdf_edition.EDITION_JS).read_text()
    page, visit = open_page(browser, file_url(site / "chapters/index.html"))
    assert page.locator(".pdf-edition-link").count() == 0
    assert not visit.console_errors
    page.context.close()
