"""A book built from fixture data (made-up values, written here, never in data/):
untrusted labels stay text, and a figure the summary does not publish draws once its table exists."""
from __future__ import annotations

import json
import shutil

import pytest
from bs4 import BeautifulSoup

from browser import file_url, open_page
from conftest import run_build

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=\"window.__pwned=1\">"
# Made-up table for figure 5 (the summary prints no numbers for it). The report's text says joint research
# (共同研究) is the most frequent kind, and a supplied table is checked against that, so it leads here too.
FIG05 = "series,item,level,count,n,percent\n,共同研究,,50,100,50.0\n,架空の選択肢乙,,30,100,30.0\n,架空の選択肢丙,,10,100,10.0\n"
# Made-up table for figure 2, agreeing with the two values the report's text gives (65.0 % and 3.6 % of n 675).
FIG02 = ("series,item,level,count,n,percent\n,国際的な産学連携を行うのに十分な体制がない,,439,675,65.0\n"
         ",国際的な産学連携を試みたが、実施に至らなかった,,24,675,3.6\n,架空の理由（テスト用）,,212,675,31.4\n")


@pytest.fixture(scope="module")
def fixture_book(tmp_path_factory, data_copy):
    data = tmp_path_factory.mktemp("fixture") / "data"
    shutil.copytree(data_copy, data)
    fig03 = data / "fig03.csv"
    text = fig03.read_text(encoding="utf-8")
    text = text.replace("海外企業等のニーズを探索する内部スタッフや外部専門家がいない（少ない）", SCRIPT)
    text = text.replace(",その他,", f",\"{IMG.replace(chr(34), chr(34) * 2)}\",")
    fig03.write_text(text, encoding="utf-8")
    (data / "fig05.csv").write_text(FIG05, encoding="utf-8")
    package = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    fig05 = package["resources"][4]
    fig05.pop("data")
    fig05.update(path="fig05.csv", published=True, n={"": 100})     # the made-up table's base, as an author would state it
    (data / "fig02.csv").write_text(FIG02, encoding="utf-8")
    fig02 = package["resources"][1]
    fig02.pop("data")
    fig02.update(path="fig02.csv", published=True)
    (data / "fig12.csv").rename(data / "table_12.csv")        # a table need not be named after its resource
    next(r for r in package["resources"] if r["name"] == "fig12")["path"] = "table_12.csv"
    (data / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    build_dir = data.parent / "_build"
    proc = run_build(data, build_dir)
    assert proc.returncode == 0, proc.stderr
    return build_dir / "html"


def test_a_table_under_its_own_file_name_is_published_and_linked(fixture_book):
    page = fixture_book / "chapters" / "05_institutions.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    csv_links = [a["href"] for a in soup.select(".figure-downloads a") if a["href"].endswith("fig12.csv")]
    assert csv_links, "no CSV download for figure 12"
    target = (page.parent / csv_links[0]).resolve()
    # published with a UTF-8 BOM (Excel on Japanese Windows), the file's own bytes after it
    assert target.read_bytes().startswith(b"\xef\xbb\xbfseries,item,level,count,n,percent")
    assert "常勤職員" in target.read_text("utf-8-sig")
    data_page = BeautifulSoup((fixture_book / "chapters" / "data.html").read_text(encoding="utf-8"), "html.parser")
    hrefs = [a["href"] for a in data_page.find_all("a", href=True) if a["href"].endswith("table_12.csv")]
    assert hrefs and all((fixture_book / "chapters" / h).resolve().is_file() for h in hrefs)


def test_labels_are_escaped_in_the_html(fixture_book):
    html = (fixture_book / "chapters" / "03_non_adopters.html").read_text(encoding="utf-8")
    assert SCRIPT not in html and "<img src=x" not in html
    soup = BeautifulSoup(html, "html.parser")
    text = soup.get_text()
    assert SCRIPT in text                     # the data table and the prose show it literally
    assert any(SCRIPT in table.get_text() for table in soup.select("table.figure-data"))   # figure 3's table


def test_injected_labels_run_nothing_in_the_browser(browser, fixture_book):
    dialogs = []
    page, visit = open_page(browser, file_url(fixture_book / "chapters" / "03_non_adopters.html"))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.reload()                      # the listener is attached: load again
    page.wait_for_function("document.querySelectorAll('.vega-chart svg').length >= 2", timeout=30000)
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    chart_text = page.evaluate(
        "Array.from(document.querySelectorAll('.vega-chart svg text')).map(t => t.textContent).join('')")
    assert SCRIPT in chart_text and "onerror" in chart_text
    assert visit.console_errors == []


def test_supplied_table_for_an_unpublished_figure_draws_its_chart(fixture_book):
    soup = BeautifulSoup((fixture_book / "chapters" / "04_projects.html").read_text(encoding="utf-8"), "html.parser")
    figure = soup.find(id="fig-05")
    assert figure is not None and figure.select(".vega-chart")
    assert "架空の選択肢乙" in str(figure)             # the chart's data is the supplied table
    assert not figure.select(".not-published")
    assert (fixture_book / "_static" / "figures" / "fig05.png").exists()
    other = soup.find(id="fig-06")                 # still unpublished: still the note
    assert other.select(".not-published")


@pytest.mark.parametrize("lang, sentence", [
    ("ja", "この設問の値は、このサイトのデータには含まれていません"),
    ("en", "Its values are not in this site’s data"),
])
def test_a_supplied_table_drops_the_values_not_in_data_sentence(fixture_book, lang, sentence):
    # Issue 22 item 4: with fig02.csv supplied, Ⅱ-2 still said the values are not in the data beside the drawn chart
    root = fixture_book if lang == "ja" else fixture_book / "en"
    soup = BeautifulSoup((root / "chapters" / "03_non_adopters.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.find(id="fig-02").select(".vega-chart")
    assert sentence not in soup.get_text()
    still = BeautifulSoup((root / "chapters" / "05_institutions.html").read_text(encoding="utf-8"), "html.parser")
    assert sentence in still.get_text()                # figure 17 has no table: the sentence stays


def test_withdrawn_figure_files_leave_the_site(fixture_book):
    """Runs last in this module: turn figure 5 back into an unpublished table and rebuild."""
    data = fixture_book.parent.parent / "data"
    package = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    fig05 = package["resources"][4]
    fig05.pop("path")
    fig05.update(data=[["series", "item", "level", "count", "n", "percent"]], published=False)
    (data / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    (data / "fig05.csv").unlink()
    proc = run_build(data, fixture_book.parent)
    assert proc.returncode == 0, proc.stderr
    assert not list((fixture_book / "_static" / "figures").glob("fig05.*"))
    assert not (fixture_book / "_static" / "data" / "fig05.csv").exists()
