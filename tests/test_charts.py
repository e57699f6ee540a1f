"""Chart builders: every figure with data → a spec holding exactly its data, renderable offline."""
from __future__ import annotations

import itertools
import re
import json
import struct

import pandas as pd
import pytest

from src.base import i18n
from src.charts import builders, export, theme, wrapping
from src.data.figures import REGISTRY, missing_values_text
from src.data.package import load_survey

from conftest import REPO
from fixtures.package import write_package

SURVEY = load_survey(REPO / "data")
WITH_DATA = [n for n in REGISTRY if SURVEY.table(n) is not None]


def spec_rows(spec: dict) -> list[dict]:
    """The rows of the chart's main dataset (the one that carries the figure's items)."""
    datasets = [rows for rows in spec.get("datasets", {}).values() if rows and "item" in rows[0]]
    assert datasets, "no dataset with items in the spec"
    return max(datasets, key=len)


def test_the_real_data_has_figures_to_draw():
    assert len(WITH_DATA) >= 9


@pytest.mark.parametrize("number", WITH_DATA)
def test_spec_holds_exactly_the_data_file_values(number):
    table = SURVEY.table(number)
    spec = builders.figure_chart(SURVEY, number).to_dict()
    rows = spec_rows(spec)
    assert [r["item"] for r in rows] == table["item"].tolist()          # same items, same order
    assert [r["series"] for r in rows] == table["series"].tolist()
    assert [r["level"] for r in rows] == table["level"].tolist()
    assert [r["n"] for r in rows] == table["n"].astype(int).tolist()
    expected = [None if pd.isna(p) else float(p) for p in table["percent"]]
    assert [r["percent_value"] for r in rows] == expected
    assert spec["usermeta"] == {"figure": number}
    assert "title" not in spec                    # the book's caption is the title
    assert spec["description"].strip()


@pytest.mark.parametrize("number", WITH_DATA)
def test_spec_survives_a_json_round_trip(number):
    spec = builders.figure_chart(SURVEY, number).to_dict()
    assert json.loads(json.dumps(spec)) == spec


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("number", WITH_DATA)
def test_png_renders_at_the_expected_size(number):
    spec = builders.figure_chart(SURVEY, number).to_dict()
    svg, png = export.static_files(spec)
    width, height = png_size(png)
    rows = SURVEY.table(number)["item"].nunique()
    assert 600 <= width <= 2400
    assert height >= rows * 20 * export.PNG_SCALE      # one readable band per item
    svg = svg.decode("utf-8")
    assert svg.startswith("<svg") and 'aria-label="' in svg and "<text" in svg


@pytest.mark.parametrize("text", [
    "国際的な契約等の事務手続きに対応できるような、高度な技術を持った内部スタッフや外部専門家がいない（少ない）",
    "その他", "", "ABC def（括弧）、読点。" * 5,
])
def test_wrapping_keeps_every_character(text):
    lines = wrapping.wrap_label(text, width=12)
    assert "".join(lines) == text
    assert all(len(line) <= 13 for line in lines)
    assert not any(line[:1] in "）、。" for line in lines[1:])


def test_labels_break_between_phrases_never_inside_a_word():
    label = "知財管理を担当する内部スタッフが不足している"
    lines = wrapping.wrap_label(label, width=12)
    assert lines == ["知財管理を担当する", "内部スタッフが", "不足している"]
    assert all(not line.endswith("スタ") for line in lines)
    # every line break of every label on the site falls between two BudouX phrases
    for number in WITH_DATA:
        for item in SURVEY.table(number)["item"].unique():
            bounds = set(itertools.accumulate(len(p) for p in wrapping.phrases(item)))
            ends = set(itertools.accumulate(len(line) for line in wrapping.wrap_label(item)))
            long_phrase = any(len(p) > theme.LABEL_WIDTH for p in wrapping.phrases(item))
            assert long_phrase or ends <= bounds, (item, wrapping.wrap_label(item))


@pytest.mark.parametrize(("a", "b", "ratio"), [
    ("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#777777", "#ffffff", 4.48),
    ("#0072B2", "#ffffff", 5.19),
])
def test_contrast_ratio_follows_wcag(a, b, ratio):
    assert theme.contrast_ratio(a, b) == pytest.approx(ratio, abs=0.01)
    assert theme.contrast_ratio(b, a) == pytest.approx(ratio, abs=0.01)


@pytest.mark.parametrize("fill", theme.SERIES_COLOURS + theme.RATING_COLOURS)
def test_value_labels_contrast_with_their_bar(fill):
    assert theme.contrast_ratio(theme.text_colour_on(fill), fill) >= theme.MIN_CONTRAST


def test_every_value_label_on_a_segment_is_coloured_for_its_fill():
    rows = spec_rows(builders.figure_chart(SURVEY, 16).to_dict())
    levels = list(dict.fromkeys(r["level"] for r in rows))
    fills = dict(zip(levels, theme.RATING_COLOURS))
    for row in rows:
        assert theme.contrast_ratio(row["on_bar"], fills[row["level"]]) >= theme.MIN_CONTRAST


def test_unpublished_figure_gives_a_note_not_an_exception(tmp_path):
    survey = load_survey(write_package(tmp_path))
    result = builders.figure_chart(survey, 5)
    assert isinstance(result, builders.NotPublished)
    html = result._repr_html_()
    assert "グラフとして掲載" in html and builders.SUPPLY_TABLE_LINK in html
    assert missing_values_text() not in html and html.count("。") == 1      # one short line; 再現方法 explains
    assert "公表されていません" not in html and "掲載されていない" not in html


def test_fixture_tables_draw_every_kind(tmp_path):
    survey = load_survey(write_package(tmp_path))
    for number in (1, 3, 13, 16):
        spec = builders.figure_chart(survey, number).to_dict()
        assert spec_rows(spec)
        png_size(export.static_files(spec)[1])


def test_rating_segments_are_centred_on_the_neutral_level(tmp_path):
    survey = load_survey(write_package(tmp_path))
    rows = spec_rows(builders.figure_chart(survey, 16).to_dict())
    item1 = [r for r in rows if r["item"] == "項目1"]
    neutral = item1[2]
    assert neutral["x0"] == pytest.approx(-neutral["x1"])               # straddles zero
    assert item1[0]["x0"] == pytest.approx(-(10 + 20 + 15))             # left edge = negatives + half neutral
    assert item1[-1]["x1"] == pytest.approx(20 + 20 + 15)


def test_labels_cannot_break_out_of_the_script(tmp_path):
    html = export.embed_html({"data": {"values": [{"item": "</script><script>alert(1)</script>"}]}})
    assert "</script><script>alert(1)" not in html
    assert html.count("</script>") == 1


# --------------------------------------------------------------------------- the English edition

def english_map(survey, numbers) -> dict[str, str]:
    """A made-up English label for every Japanese label, level and derived-cell rule of ``numbers``."""
    texts = []
    for number in numbers:
        res, table = survey.resource(number), survey.table(number)
        texts += [res.title, *(res.levels or []), *(cell["rule"] for cell in res.derived_cells)]
        if table is not None:
            texts += [v for column in ("series", "item", "level") for v in table[column]]
    japanese = [t for t in dict.fromkeys(texts) if t and i18n.has_japanese(t)]
    return {t: f"English label {i} of the test translations" for i, t in enumerate(japanese)}


@pytest.fixture
def translations():
    """Install a translation map for one test; the next test starts without one."""
    def install(table: dict[str, str]) -> dict[str, str]:
        i18n.use_translations({"en": table})
        return table

    yield install
    i18n.use_translations({})


def without_originals(spec: dict) -> dict:
    """The spec with the rows' original Japanese labels (the English chart's one tooltip field) left out."""
    datasets = {name: [{k: v for k, v in row.items() if k not in theme.ORIGINAL_COLUMNS.values()} for row in rows]
                for name, rows in spec.get("datasets", {}).items()}
    return {**spec, "datasets": datasets}


def japanese_strings(value) -> list[str]:
    """Every string anywhere in a JSON value that has a Japanese character."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in japanese_strings(k) + japanese_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in japanese_strings(v)]
    return [value] if isinstance(value, str) and i18n.has_japanese(value) else []


@pytest.mark.parametrize("number", WITH_DATA)
def test_english_chart_shows_no_japanese_but_the_original_labels(number, translations):
    table = translations(english_map(SURVEY, [number]))
    spec = builders.figure_chart(SURVEY, number, "en").to_dict()
    assert japanese_strings(without_originals(spec)) == []
    rows = spec_rows(spec)
    source = SURVEY.table(number)
    assert [r["item_ja"] for r in rows] == source["item"].tolist()                 # the originals, row by row
    assert [r["item"] for r in rows] == [table.get(t, t) for t in source["item"]]
    assert [r["level"] for r in rows] == [table.get(t, t) for t in source["level"]]
    tooltips = {t["title"]: t["field"] for layer in spec["layer"] for t in layer.get("encoding", {}).get("tooltip", [])}
    assert tooltips["Original (Japanese)"] == builders.ORIGINAL_FIELD
    assert {"Answer", "Responses", "Share"} <= set(tooltips)
    assert spec["usermeta"] == {"figure": number}
    # the description (the SVG's aria-label) is an English sentence with an English percent
    description = spec["description"]
    assert not i18n.has_japanese(description) and "％" not in description
    assert re.search(r"\bchart\b.*\d+ items\b.*\d+\.\d%", description), description


def test_english_chart_falls_back_to_the_japanese_label_without_a_translation(translations):
    items = SURVEY.table(15)["item"].tolist()
    table = english_map(SURVEY, [15])
    del table[items[1]]
    translations(table)
    rows = spec_rows(builders.figure_chart(SURVEY, 15, "en").to_dict())
    assert rows[1]["item"] == items[1] and rows[1]["label"].replace("\n", "") == items[1]
    assert rows[0]["item"] == table[items[0]] and not i18n.has_japanese(rows[0]["label"])
    # with no translations at all, every label is the Japanese one, and the chart is still drawn
    translations({})
    rows = spec_rows(builders.figure_chart(SURVEY, 15, "en").to_dict())
    assert [r["item"] for r in rows] == items


def test_japanese_chart_is_the_same_with_translations_installed(translations):
    before = builders.figure_chart(SURVEY, 16).to_dict()
    translations(english_map(SURVEY, [16]))
    assert builders.figure_chart(SURVEY, 16, "ja").to_dict() == before
    assert "item_ja" not in spec_rows(before) and builders.ORIGINAL_FIELD not in json.dumps(before)


@pytest.mark.parametrize("text", [
    "Researchers are too busy with teaching and supervising theses to take on international collaboration",
    "Short", "A-word-far-too-long-for-any-line-of-the-chart-so-it-must-be-cut-somewhere-in-the-middle",
])
def test_english_labels_wrap_at_spaces_to_the_width_of_the_japanese_ones(text):
    limit = theme.LABEL_WIDTH * theme.LABEL_SIZE
    lines = wrapping.wrap_label(text, lang="en")
    assert all(wrapping.font_px(line) <= limit for line in lines)
    if " " in text:
        assert " ".join(lines) == text                               # broken only at spaces
        assert len(lines) == 1 or wrapping.font_px(lines[0] + " " + lines[1].split(" ")[0]) > limit   # lines are filled
    else:
        assert "".join(lines) == text
    # Japanese text is wrapped as Japanese in either edition
    japanese = "知財管理を担当する内部スタッフが不足している"
    assert wrapping.wrap_label(japanese, 12, lang="en") == wrapping.wrap_label(japanese, 12)


def test_font_px_measures_latin_text_with_the_font():
    assert wrapping.font_px("iiii") < wrapping.font_px("WWWW")
    assert wrapping.font_px("国際") == pytest.approx(2 * theme.LABEL_SIZE)          # full-width: 1 em
    assert wrapping.font_px("international collaboration") < wrapping.text_px("international collaboration", 12)


def test_unpublished_figure_gives_an_english_note_in_the_english_edition(tmp_path):
    survey = load_survey(write_package(tmp_path))
    result = builders.figure_chart(survey, 5, "en")
    assert isinstance(result, builders.NotPublished)
    html = result._repr_html_()
    assert "graphic in the report" in html and builders.SUPPLY_TABLE_LINK in html
    assert missing_values_text(lang="en") not in html and html.count(". ") + html.count(".<") <= 1
    assert not i18n.has_japanese(html.replace(result.title, ""))
    assert not i18n.has_japanese(missing_values_text(unlabelled=True, lang="en"))


def test_english_notes_say_unknown_and_derived_in_english(translations):
    translations(english_map(SURVEY, [13, 14]))
    for number in (13, 14):
        rows = spec_rows(builders.figure_chart(SURVEY, number, "en").to_dict())
        notes = {r["note"] for r in rows if r["note"]}
        assert notes and not any(i18n.has_japanese(n) for n in notes), notes
    unknown = [r for r in spec_rows(builders.figure_chart(SURVEY, 13, "en").to_dict()) if r["percent_value"] is None]
    assert unknown and all(r["note"].startswith("unknown: ") for r in unknown)
