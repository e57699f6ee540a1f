"""What the built pages say: true statements about the source, clean Japanese, one glossary.

Each test reads the HTML of a clean build (the session's ``clean_build``) the way a reader
sees it: the page's main text, without scripts, code and the theme's navigation.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import REPO
from src.datapkg import load_survey
from src.figures import figure_spec
from src.sphinx_cjk import join_soft_breaks

PAGES = ["index", "01_method", "02_status", "03_non_adopters", "04_projects", "05_institutions", "06_discussion",
         "audit", "data", "reproduce", "code"]
JAPANESE = r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]"
GLOSSARY = yaml.safe_load((REPO / "chapters" / "glossary.yml").read_text(encoding="utf-8"))["terms"]
SURVEY = load_survey(REPO / "data")


def page_soup(build, name: str) -> BeautifulSoup:
    soup = BeautifulSoup((build.html / "chapters" / f"{name}.html").read_text(encoding="utf-8"), "html.parser")
    main = soup.select_one("main") or soup
    for tag in main.select("script, style, .cell_input, pre, .headerlink"):
        tag.decompose()
    return main


def prose_blocks(main: BeautifulSoup) -> list[str]:
    """Text of the site's own sentences: paragraphs, list items and headings outside tables, charts and data."""
    for tag in main.select("table, .figure-data, .resource, .vega-chart, figure, .toctree-wrapper, nav"):
        tag.decompose()
    return [el.get_text() for el in main.find_all(["p", "li", "h1", "h2", "h3"]) if not el.find(["p", "li"])]


def unquoted(text: str) -> str:
    """``text`` without quoted report wording (「…」, one level of nesting)."""
    return re.sub(r"「(?:[^「」]|「[^「」]*」)*」", "「」", text)


@pytest.mark.parametrize("name", PAGES)
def test_no_stray_space_in_japanese_text(clean_build, name):
    main = page_soup(clean_build, name)
    bad = []
    for el in main.find_all(["p", "li", "td", "h1", "h2", "h3", "figcaption", "summary"]):
        if el.find(["p", "li", "ul", "ol", "table"]):
            continue
        text = el.get_text()
        bad += [text[max(0, m.start() - 10):m.end() + 10] for m in re.finditer(JAPANESE + r"[ \n]+" + JAPANESE, text)]
    for glued in main.select("span.pasted-text"):
        for sibling, edge in ((glued.previous_sibling, -1), (glued.next_sibling, 0)):
            if isinstance(sibling, str) and sibling.strip(" \n") and sibling[edge] in " \n":
                bad.append(f"{sibling[-10:] if edge else sibling[:10]!r} beside glued {glued.get_text()!r}")
    assert not bad, f"{name}: spaces inside Japanese text: {bad[:8]}"


@pytest.mark.parametrize("name", PAGES)
def test_prose_uses_the_glossary_terms(clean_build, name):
    found = []
    for block in prose_blocks(page_soup(clean_build, name)):
        text = unquoted(block)
        for term in GLOSSARY:
            for rule in term["ruled_out"]:
                found += [f"{m.group(0)} → {rule['use']}: …{text[max(0, m.start() - 12):m.end() + 12]}…"
                          for m in re.finditer(rule["pattern"], text)]
    assert not found, f"{name}: {found[:8]}"


def test_the_glossary_check_catches_a_variant():
    rules = [rule["pattern"] for term in GLOSSARY for rule in term["ruled_out"]]
    hits = lambda text: [r for r in rules if re.search(r, unquoted(text))]  # noqa: E731
    assert hits("自校のシーズ") and hits("海外企業と組む") and hits("多くの大学で")
    assert not hits("大学等と短期大学、大学共同利用機関") and not hits("「大学の基盤技術」")


@pytest.mark.parametrize("name", PAGES)
def test_no_missing_value_marker_and_no_claim_that_the_report_did_not_publish(clean_build, name):
    text = page_soup(clean_build, name).get_text()
    assert "<NA>" not in text and "nan%" not in text.lower()
    untrue = re.findall(r"[^。]*(?:公表されていません|未公表|未掲載|掲載されていない|載せていません|載っていない)[^。]*。?", text)
    assert not untrue, f"{name}: {untrue[:3]}"


def test_landing_page_names_the_report_and_links_its_page(clean_build):
    source = json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))["sources"][0]
    main = page_soup(clean_build, "index")
    assert source["title"] in main.get_text() and source["series"] in main.get_text()
    assert main.find("a", href=source["path"]), "the report's public page is not linked"
    h1 = main.find("h1").get_text()
    assert "再現版" in h1 and source["title"] not in h1      # the site's title reads as a re-publication


@pytest.mark.parametrize("number", [n for n, r in sorted(SURVEY.resources.items()) if r.derived_cells])
def test_every_derived_value_is_marked_in_its_data_table(clean_build, number):
    main = page_soup(clean_build, Path(figure_spec(number).chapter).name)
    summary = main.find("summary", string=re.compile(f"データ表（概要図表{number}）"))
    table = summary.find_parent("details")
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in table.select("tbody tr")]
    header = [th.get_text() for th in table.select("thead th")]
    for cell in SURVEY.resource(number).derived_cells:
        row = next(r for r in rows if cell["item"] in r and (not cell.get("level") or cell["level"] in r))
        assert row[header.index("注")].startswith("導出"), row
    assert "※導出：" in table.get_text()


def test_undetermined_cells_read_as_unknown_with_a_footnote(clean_build):
    table = page_soup(clean_build, "05_institutions").find("summary", string=re.compile("データ表（概要図表13）"))
    text = table.find_parent("details").get_text()
    assert "不明" in text and "※不明：" in text


def test_only_the_report_and_licences_are_linked_off_site(clean_build):
    allowed = {json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))["sources"][0]["path"]}
    allowed |= {lic["path"] for lic in json.loads((REPO / "data" / "datapackage.json").read_text())["licenses"]}
    for name in PAGES:
        main = page_soup(clean_build, name)
        external = {a["href"] for a in main.find_all("a", href=True) if a["href"].startswith(("http:", "https:", "//"))}
        assert external <= allowed, f"{name} links off-site: {external - allowed}"


@pytest.mark.parametrize("name", PAGES)
def test_pages_show_no_path_of_the_build_machine(clean_build, name):
    raw = (clean_build.html / "chapters" / f"{name}.html").read_text(encoding="utf-8")
    for path in {str(REPO), str(clean_build.data_dir), str(clean_build.build_dir), "/tmp/", "/root/", "/home/"}:
        assert path not in raw, f"{name} shows {path}"


def test_soft_breaks_are_joined_next_to_japanese_only():
    assert join_soft_breaks("あ\nい") == "あい"
    assert join_soft_breaks("word\nword") == "word word"
    assert join_soft_breaks("\n", before="。", after="A") == ""
    assert join_soft_breaks("\n", before="a", after="b") == " "


def test_the_space_check_would_catch_a_glue_artefact(tmp_path):
    html = '<main><p>回答機関の <span class="pasted-text">13.9％</span> でした</p></main>'
    page = tmp_path / "chapters"
    page.mkdir()
    (page / "x.html").write_text(html, encoding="utf-8")

    class Fake:
        html = tmp_path

    with pytest.raises(AssertionError):
        test_no_stray_space_in_japanese_text(Fake, "x")
