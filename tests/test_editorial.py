"""What the built pages say: true statements about the source, clean Japanese, one glossary in each edition,
the report's modality kept in the headings, and the site's own sentences (no copied runs of the summary).

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
from fixtures import summary_runs
from src.data.figures import figure_spec
from src.data.package import load_survey
from src.sphinxext.cjk import join_soft_breaks

PAGES = ["index", "01_method", "02_status", "03_non_adopters", "04_projects", "05_institutions", "06_discussion",
         "audit", "data", "reproduce", "code"]
JAPANESE = r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]"
_GLOSSARY = yaml.safe_load((REPO / "chapters" / "glossary.yml").read_text(encoding="utf-8"))
GLOSSARY = _GLOSSARY["terms"]
SURVEY = load_survey(REPO / "data")


def ruled_out(lang: str) -> list[dict]:
    """The glossary's rules for one edition's prose: each term's ruled-out variants, then the phrase rules."""
    if lang == "ja":
        return [rule for term in GLOSSARY for rule in term.get("ruled_out", [])] + _GLOSSARY["phrases"].get("ja", [])
    return ([rule for term in GLOSSARY for rule in term.get("en", {}).get("ruled_out", [])]
            + _GLOSSARY["phrases"].get("en", []))


def page_soup(build, name: str, lang: str = "ja") -> BeautifulSoup:
    root = build.html if lang == "ja" else build.html / "en"
    soup = BeautifulSoup((root / "chapters" / f"{name}.html").read_text(encoding="utf-8"), "html.parser")
    main = soup.select_one("main") or soup
    for tag in main.select("script, style, .cell_input, pre, .headerlink"):
        tag.decompose()
    return main


def prose_blocks(main: BeautifulSoup) -> list[str]:
    """Text of the site's own sentences: paragraphs, list items and headings outside tables, charts and data."""
    for tag in main.select("table, .figure-data, .resource, .vega-chart, figure, .toctree-wrapper, nav"):
        tag.decompose()
    return [el.get_text() for el in main.find_all(["p", "li", "h1", "h2", "h3"]) if not el.find(["p", "li"])]


def unquoted(text: str, lang: str = "ja") -> str:
    """``text`` without quoted report wording (「…」, one level of nesting; English “…”)."""
    if lang != "ja":
        return re.sub(r"“[^“”]*”", "“”", text)
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
    for glued in main.select("span.pasted-text, span.num"):   # glued text, and numbers with their panel
        for sibling, edge in ((glued.previous_sibling, -1), (glued.next_sibling, 0)):
            if isinstance(sibling, str) and sibling.strip(" \n") and sibling[edge] in " \n":
                bad.append(f"{sibling[-10:] if edge else sibling[:10]!r} beside glued {glued.get_text()!r}")
    assert not bad, f"{name}: spaces inside Japanese text: {bad[:8]}"


def glossary_variants(text: str, lang: str = "ja") -> list[str]:
    """Every ruled-out variant in ``text`` (one edition's prose), with the form to use and some context."""
    text = unquoted(text, lang)
    return [f"{m.group(0)} → {rule['use']}: …{text[max(0, m.start() - 12):m.end() + 12]}…"
            for rule in ruled_out(lang) for m in re.finditer(rule["pattern"], text)]


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_prose_uses_the_glossary_terms(clean_build, name, lang):
    main = page_soup(clean_build, name, lang)
    for original in main.select('[lang="ja"]') if lang != "ja" else []:
        original.decompose()                     # the English pages' marked originals keep the report's words
    found = [hit for block in prose_blocks(main) for hit in glossary_variants(block, lang)]
    assert not found, f"{name} ({lang}): {found[:8]}"


def test_the_glossary_check_catches_a_variant():
    assert glossary_variants("自校のシーズ") and glossary_variants("海外企業と組む") and glossary_variants("多くの大学で")
    assert not glossary_variants("大学等と短期大学、大学共同利用機関") and not glossary_variants("「大学の基盤技術」")
    english = lambda text: glossary_variants(text, "en")  # noqa: E731
    # the calques the first English pass used, and the idiom the review ruled out
    assert english("how universities etc. in Japan collaborate") and english("with foreign companies etc.")
    assert english("domestic companies (etc.)") and english("an insufficient structure") and english("In detail, 13.8%")
    assert english("multiple answers, n=104") and english("see figure 2") and english("organizations")
    assert not english("academic institutions in Japan and companies and other organisations abroad")
    assert not english("(Summary Figure 2, multiple answers allowed)") and not english("“Time differences etc.”")


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


#: Headings that restate one of the report's perceptions or hedged conclusions, in each edition: page, the
#: heading (its section number as the edition writes it, or its label), and the words one of which it must
#: keep.  (４－４) and (４－６) report what institutions feel or see as challenges (「感じている」「認識されている」),
#: (４－７) the support they feel they need (「必要性を感じている」), and Ⅲ's staff heading the report's hedged
#: view (「ボトルネックと考えられる」「つながる可能性がある」).
HEDGED_HEADINGS = [
    ("05_institutions", {"ja": "（４－４）", "en": "(4-4)"}),
    ("05_institutions", {"ja": "（４－６）", "en": "(4-6)"}),
    ("05_institutions", {"ja": "（４－７）", "en": "(4-7)"}),
    ("06_discussion", {"ja": "#discussion-staff", "en": "#discussion-staff"}),
]
HEDGE_WORDS = {
    "ja": r"感じ|認識|受け止め|考え|とみ|みる|みて|可能性|思わ",
    "en": r"\b(?:feels?|felt|sees?|seen|perceived?|considers?|considered|may|might|could|likely|view)\b",
}


def keeps_its_modality(heading: str, lang: str) -> bool:
    return re.search(HEDGE_WORDS[lang], heading, flags=re.IGNORECASE) is not None


def heading_text(main: BeautifulSoup, where: str) -> str | None:
    if where.startswith("#"):                    # a label: the section itself, or a mark just before it
        target = main.find(id=where[1:])
        heading = target and (target.find(["h1", "h2", "h3"]) or target.find_next(["h1", "h2", "h3"]))
    else:
        heading = next((h for h in main.find_all(["h2", "h3"]) if h.get_text().strip().startswith(where)), None)
    return heading.get_text().strip() if heading else None


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("name, where", HEDGED_HEADINGS, ids=[f"{n}-{w['en']}" for n, w in HEDGED_HEADINGS])
def test_headings_that_restate_a_perception_or_a_hedge_keep_it(clean_build, name, where, lang):
    heading = heading_text(page_soup(clean_build, name, lang), where[lang])
    assert heading is not None, f"{name} ({lang}) has no heading {where[lang]}: update HEDGED_HEADINGS"
    assert keeps_its_modality(heading, lang), f"{name} ({lang}): “{heading}” states as fact what the report " \
        "gives as a perception or a hedged view"


def test_the_modality_check_catches_a_heading_stated_as_fact():
    """The wordings the review found: a perception and a hedged conclusion turned into plain statements."""
    assert not keeps_its_modality("（４－６）大きな課題は、担い手のスタッフ不足、連携相手との接点の乏しさ、規則・規約の未整備", "ja")
    assert not keeps_its_modality("人材の不足が、始める前にも始めた後にも壁になっている", "ja")
    assert not keeps_its_modality("A shortage of people is a barrier both before and after starting", "en")
    assert not keeps_its_modality("(4-6) The main challenges: too few staff to do the work", "en")
    assert keeps_its_modality("（４－６）大きな課題と受け止められているのは…", "ja")
    assert keeps_its_modality("(4-6) Seen as the main challenges: …", "en")


#: What the copied-run check leaves out: quotes, asides and link text (the rule's exceptions), and the data
#: package's per-resource notes on the data page (the record of the transcription, quoting its labels).
COPIED_RUN_EXCEPTIONS = re.compile(r"「[^「」]*」|『[^『』]*』|（[^（）]*）|\([^()]*\)")


def own_sentences(main: BeautifulSoup) -> list[str]:
    """The site's own Japanese prose, paragraph by paragraph and item by item, cut where an exception was."""
    for tag in main.select(".resource, .prev-next-area"):
        tag.decompose()
    for link in main.find_all("a"):
        link.replace_with("\x00")
    parts = []
    for block in prose_blocks(main):
        previous = None
        while previous != block:                 # innermost first: 「…（…）…」 and （…「…」…）
            previous, block = block, COPIED_RUN_EXCEPTIONS.sub("\x00", block)
        parts += [part for part in block.split("\x00") if part.strip()]
    return parts


@pytest.mark.parametrize("name", PAGES)
def test_no_run_of_the_summarys_text_is_copied_into_the_prose(clean_build, name):
    """Facts carry over, sentences do not: no 14 characters in a row of the summary's text in a paragraph or a
    list item of the chapters and the appendices (fingerprints in tests/fixtures/summary_windows.txt)."""
    known = summary_runs.load()
    main = page_soup(clean_build, name)
    for heading in main.find_all(["h1", "h2", "h3"]):
        heading.decompose()                      # headings name the report's sections and findings
    copied = [run for part in own_sentences(main) for run in summary_runs.copied_runs(part, known)]
    assert not copied, f"{name}: {len(copied)} run(s) of {summary_runs.WINDOW}+ characters copied: {copied[:6]}"


def test_the_copied_run_check_finds_a_sentence_of_the_summary():
    known = summary_runs.load()
    # (３－１) of the summary, quoted here as test input; the paraphrase and the quoted form pass
    copied = "本調査の回答サンプルにおいては、国際産学連携プロジェクトの種類としては共同研究が最も多かった。"
    assert summary_runs.copied_runs(copied, known) == [summary_runs.normalise(copied)]
    assert summary_runs.copied_runs("回答されたプロジェクトでは、連携の種類は共同研究が最も多い。", known) == []
    main = BeautifulSoup(f"<main><p>報告書は「{copied}」と述べる。</p><p>{copied[:14]}</p></main>", "html.parser")
    runs = [run for part in own_sentences(main) for run in summary_runs.copied_runs(part, known)]
    assert runs == [copied[:14]]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_readers_see_the_terms_and_their_meaning_not_the_style_rules(clean_build, lang):
    """The 用語 table of chapter Ⅰ: term and meaning only; the ruled-out variants stay in glossary.yml."""
    main = page_soup(clean_build, "01_method", lang)
    table = next(t for t in main.find_all("table") if GLOSSARY[0]["term"] in t.get_text())
    headings = [th.get_text() for th in table.select("thead th")]
    assert headings == (["用語", "意味"] if lang == "ja" else ["Term", "Japanese", "Meaning"]), headings
    shown = [td.get_text() for td in table.select("tbody td")]
    assert all((term["term"] if lang == "ja" else term["en"]["term"]) in shown for term in GLOSSARY)
    width = len(headings)
    assert all(len(row.find_all("td")) == width for row in table.select("tbody tr"))
    old_column = {"、".join(rule["example"] for rule in term["ruled_out"]) for term in GLOSSARY if term["ruled_out"]}
    assert not old_column & set(shown), "the ruled-out variants are shown to readers"
