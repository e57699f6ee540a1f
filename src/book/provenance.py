"""Numbers that remember where they come from (issue 21, part 2: every computed number explains itself).

A glue helper (src/book/text.py) never glues a bare number: it glues a :class:`Number`, which holds the
value, what kind of number it is (printed by the report, computed by this site, stated in the
report's text, counted by this site, or a rule of this site's check), the operation that made it and
each input with its source — the figure's CSV file and the row's labels, or the package's metadata.
The record is made while the chapter executes, from the very rows the number was computed from, so
new data changes it with the number.  :func:`panel` words it for one edition: the short panel a
reader opens from the number on the page (src/sphinxext/numbers.py, src/sphinxext/static/numbers.js).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from src.base.i18n import SOURCE, tr
from src.book.site_paths import data_href, figure_href
from src.data.figures import figure_name, figure_spec
from src.data.shares import HALF_UNIT, UNIT, fmt_percent, percent_of, round_half_up

PRINTED, COMPUTED, STATED, COUNTED, RULE = "printed", "computed", "stated", "counted", "rule"
KINDS = (PRINTED, COMPUTED, STATED, COUNTED, RULE)
#: operations: one input as it is; (sum of the first ``split`` inputs) ÷ (sum of the rest); a sum; the
#: smallest or largest input; an input plus one; the base n for which each of the first ``split`` inputs
#: (counts) ÷ n gives the rest (the printed shares) in every row; a count or rule (``what`` says what it
#: is; its inputs, if any, are the rows it counts)
OPS = ("value", "share", "sum", "min", "max", "plus_one", "base", "count")

PACKAGE_FILE = "datapackage.json"
FIGURE_KEY = "figure"            # DataFrame.attrs key: the figure a table belongs to (datapkg.Survey.table)
PARTS_KEY = "parts"              # DataFrame.attrs key: item → ((level, percent), …) a rating sum adds up


class ProvenanceError(ValueError):
    """A number was glued without knowing where it comes from, or its record does not add up."""


@dataclass(frozen=True)
class Source:
    """One input of a number: a cell of a figure's table (``file`` figNN.csv), or a value the data
    package's metadata records (``file`` datapackage.json: a survey fact, a caption's n, the report's text)."""
    value: Decimal | int | None  # None: a cell the report's summary leaves unknown (a counted row)
    file: str
    column: str                  # count | n | percent (a table's column); fact | caption | text | erratum (metadata)
    item: str = ""
    series: str = ""
    level: str = ""
    figure: int | None = None
    fact: str = ""               # the metadata key (never shown to readers: FACT_TEXT words it); erratum: before | after


@dataclass(frozen=True)
class Number:
    """A value glued into the prose, with how it was obtained."""
    value: Decimal | int
    kind: str
    op: str
    inputs: tuple[Source, ...] = ()
    split: int = 0               # share: how many inputs make the numerator
    what: str = ""               # count: key of WHAT_TEXT
    percent: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS or self.op not in OPS:
            raise ProvenanceError(f"unknown kind or operation: {self.kind}, {self.op}")
        if self.op == "count" and self.what not in WHAT_TEXT:
            raise ProvenanceError(f"a counted number needs to say what it counts (one of {sorted(WHAT_TEXT)})")
        if self.op != "count" and not self.inputs:
            raise ProvenanceError(f"a {self.kind} number needs its inputs")
        if self.recompute() != self.value:
            raise ProvenanceError(f"the record does not recompute to its value: {self.recompute()} != {self.value}")

    def recompute(self) -> Decimal | int:
        """The value from the inputs alone (what a reader can redo from the CSV)."""
        values = [Decimal(str(s.value)) for s in self.inputs if s.value is not None]
        if self.op == "value":
            result = values[0]
        elif self.op == "share":
            result = sum(values[:self.split], Decimal(0)) * 100 / sum(values[self.split:], Decimal(0))
        elif self.op == "sum":
            result = sum(values, Decimal(0))
        elif self.op == "min":
            result = min(values)
        elif self.op == "max":
            result = max(values)
        elif self.op == "plus_one":
            result = values[0] + 1
        elif self.op == "base":
            counts, printed = values[:self.split], values[self.split:]
            fits = len(counts) == len(printed) and all(percent_of(int(c), int(self.value)) == round_half_up(p)
                                                       for c, p in zip(counts, printed))
            return self.value if fits else None
        elif self.what == HALF:
            return UNIT / 2
        elif self.inputs:
            return len(self.inputs)
        else:
            return self.value
        return int(result) if isinstance(self.value, int) else result

    def shown(self, lang: str = "ja") -> str:
        """The value as the page prints it: ``13.9％`` / ``13.9%``, or ``1,082``."""
        if self.percent:
            return fmt_percent(self.value, "％" if lang == SOURCE else "%")
        if isinstance(self.value, Decimal):
            return f"{self.value}"          # a constant of the rules (0.05): as exact as it is
        return f"{int(self.value):,}"


def as_number(value: Any, name: str) -> Number:
    """``value`` itself when it is a :class:`Number`; a bare number is a loud error."""
    if not isinstance(value, Number):
        raise ProvenanceError(f"'{name}': glue a number with its provenance (src/book/provenance.py: cell, share_of, "
                              f"total, smallest, largest, survey_fact, counted …), not the bare value {value!r}")
    return value


# --------------------------------------------------------------------------- making records

def _exact(value: Any, column: str) -> Decimal | int:
    return int(value) if column in ("count", "n") else Decimal(str(float(value)))


def figure_of(table) -> int:
    """The figure a table's rows come from (set by ``Survey.table`` and kept by pandas through filters)."""
    number = getattr(table, "attrs", {}).get(FIGURE_KEY)
    if number is None:
        raise ProvenanceError("these rows do not say which figure they come from: take them from survey.table(n)")
    return int(number)


def _source(table, index, column: str) -> Source:
    row = table.loc[index]
    value = row[column]
    if value is None or value != value:          # NA
        raise ProvenanceError(f"no {column} in this row: {row['item']}")
    number = figure_of(table)
    return Source(_exact(value, column), figure_spec(number).file_name("csv"), column, str(row["item"]),
                  str(row.get("series", "") or ""), str(row.get("level", "") or ""), number)


def cell(table, index, column: str) -> Number:
    """The value of one cell of a figure's table (row ``index``): printed by the report; for a rating
    ranking's summed share (``shares.rating_ranking``), this site's sum of the printed levels."""
    parts = getattr(table, "attrs", {}).get(PARTS_KEY)
    if parts is not None and column == "percent":
        item = str(table.loc[index]["item"])
        number = figure_of(table)
        sources = tuple(Source(Decimal(str(p)), figure_spec(number).file_name("csv"), "percent", item, series, level,
                               number) for series, level, p in parts[item])
        return total(sources, percent=True)
    source = _source(table, index, column)
    return Number(source.value, PRINTED, "value", (source,), percent=column == "percent")


def cells(rows, column: str) -> tuple[Source, ...]:
    """The ``column`` of every row, as inputs."""
    return tuple(_source(rows, index, column) for index in rows.index)


def share_of(parts: tuple[Source, ...], bases: tuple[Source, ...]) -> Number:
    """(sum of ``parts``) ÷ (sum of ``bases``) as a percentage, computed by this site."""
    value = sum((Decimal(s.value) for s in parts), Decimal(0)) * 100 / sum((Decimal(s.value) for s in bases), Decimal(0))
    return Number(value, COMPUTED, "share", tuple(parts) + tuple(bases), split=len(parts), percent=True)


def total(sources: tuple[Source, ...], percent: bool = False) -> Number:
    """The sum of ``sources``, computed by this site."""
    if len(sources) == 1:
        return Number(sources[0].value, PRINTED, "value", tuple(sources), percent=percent)
    value = sum((Decimal(str(s.value)) for s in sources), Decimal(0))
    return Number(value if percent else int(value), COMPUTED, "sum", tuple(sources), percent=percent)


def smallest(rows, column: str = "percent") -> Number:
    """The smallest ``column`` among ``rows`` (e.g. the lowest share of a group of answers)."""
    sources = cells(rows, column)
    return Number(min(s.value for s in sources), COMPUTED, "min", sources, percent=column == "percent")


def largest(rows, column: str = "percent") -> Number:
    """The largest ``column`` among ``rows``."""
    sources = cells(rows, column)
    return Number(max(s.value for s in sources), COMPUTED, "max", sources, percent=column == "percent")


def plus_one(number: Number) -> Number:
    """``number`` + 1 (e.g. "5 or more" starts at 6), computed by this site."""
    return Number(number.value + 1, COMPUTED, "plus_one", number.inputs)


def survey_fact(facts: dict[str, Any], key: str) -> Number:
    """A fact about the survey the report states (the package's ``survey`` block: FACT_TEXT words it)."""
    if key not in FACT_TEXT:
        raise ProvenanceError(f"no reader's wording for the survey fact '{key}': add it to FACT_TEXT")
    source = Source(int(facts[key]), PACKAGE_FILE, "fact", fact=key)
    return Number(source.value, STATED, "value", (source,))


def caption_n(number: int, n: int) -> Number:
    """The n a figure's caption prints (kept in the package's metadata when the figure has no table)."""
    source = Source(int(n), PACKAGE_FILE, "caption", figure=number)
    return Number(source.value, PRINTED, "value", (source,))


def prose_fact(number: int, fact: dict[str, Any]) -> Number:
    """A percentage the report's text states about figure ``number`` (its ``prose_facts``)."""
    source = Source(Decimal(str(fact["percent"])), PACKAGE_FILE, "text", str(fact.get("item") or ""), figure=number)
    return Number(source.value, STATED, "value", (source,), percent=True)


def erratum(entry: dict[str, Any], which: str) -> Number:
    """The value before or after (``which``) a correction the report's public page records (the package's
    errata): the report's corrected statement, as the correction states it."""
    source = Source(Decimal(str(entry[which])), PACKAGE_FILE, "erratum", str(entry.get("statement") or ""),
                    fact=which)
    return Number(source.value, STATED, "value", (source,), percent=True)


def counted(value: int, what: str, rows: tuple[Source, ...] = ()) -> Number:
    """A count this site makes that is not a value of the data (e.g. the figures of a section); with
    ``rows``, the rows it counts (its value is their number)."""
    return Number(int(value), COUNTED, "count", tuple(rows), what=what)


def unknown_cells(rows, column: str = "percent") -> tuple[Source, ...]:
    """The rows whose ``column`` the report's summary leaves unknown, as inputs of a count (:func:`counted`)."""
    number = figure_of(rows)
    missing = rows[rows[column].isna()]
    return tuple(Source(None, figure_spec(number).file_name("csv"), column, str(row["item"]),
                        str(row.get("series", "") or ""), str(row.get("level", "") or ""), number)
                 for _, row in missing.iterrows())


def base_of(rows, base: int) -> Number:
    """The base n that reproduces every printed share of ``rows`` from its count (count ÷ n, rounded as
    the report rounds), found by this site's check (src/book/audit.py ``base_explanations``)."""
    counts, printed = cells(rows, "count"), cells(rows, "percent")
    return Number(int(base), COMPUTED, "base", counts + printed, split=len(counts))


def half_unit() -> Number:
    """Half of the last printed decimal (0.1 ÷ 2 = 0.05): the remainder that rounds up, and how far a printed
    share may be from the exact one (the one rounding rule, src/data/shares.py)."""
    return Number(HALF_UNIT, RULE, "count", what=HALF)


def rule(value: Decimal | int, what: str, percent: bool = True) -> Number:
    """A constant of this site's check (e.g. the 100％ a single-answer question's shares add up to)."""
    return Number(Decimal(value) if percent else int(value), RULE, "count", what=what, percent=percent)


# --------------------------------------------------------------------------- words for readers

KIND_TEXT = {
    PRINTED: {"ja": "報告書の印字どおり", "en": "As printed in the report"},
    COMPUTED: {"ja": "このサイトの計算", "en": "Computed by this site"},
    STATED: {"ja": "報告書の本文の記述どおり", "en": "As stated in the report’s text"},
    COUNTED: {"ja": "このサイトが数えた値", "en": "Counted by this site"},
    RULE: {"ja": "このサイトの検証の規則", "en": "A rule of this site’s check"},
}

HALF = "half_unit"

#: What a counted number or a rule is, per edition.
WHAT_TEXT = {
    HALF: {"ja": "四捨五入の規則：印字する最後の桁の半分", "en": "the rounding rule: half of the last printed decimal"},
    "unknown": {"ja": "概要の印字から値を決められない項目（表では「不明」）の数",
                "en": "the items whose value the printed summary does not determine (“unknown” in the table)"},
    "questions": {"ja": "図の一覧にある、この節の設問（図）の数", "en": "the questions (figures) of this section in the list of figures"},
    "levels": {"ja": "データパッケージに記録された評価の段階の数", "en": "the rating levels recorded in the data package"},
    "checks": {"ja": "このページの検証の結果から数えた件数", "en": "counted from the results of the checks on this page"},
    "files": {"ja": "データパッケージのファイルと資源から数えた数", "en": "counted from the data package’s files and resources"},
    "whole": {"ja": "割合の合計の基準（全体）", "en": "the total the shares are checked against (the whole)"},
    "zero": {"ja": "印字されない値", "en": "the value that is not printed"},
}

#: The survey facts the prose uses, worded for readers (the package's keys never reach a page).
FACT_TEXT = {
    "population": {"ja": "調査対象の機関数", "en": "institutions surveyed"},
    "responses": {"ja": "回答機関数", "en": "responding institutions"},
    "top_projects_per_institution": {"ja": "1機関が回答するプロジェクトの上限", "en": "projects each institution reported at most"},
    "full_coverage_max_projects": {"ja": "全件が回答された機関の最大件数", "en": "most projects of an institution that reported all of them"},
}

_COLUMN_TEXT = {
    "ja": {"count": "回答数", "n": "n（回答機関数）", "percent": "割合"},
    "en": {"count": "respondents", "n": "n (institutions answering)", "percent": "share"},
}

_PANEL_TEXT = {
    "ja": {"name": "{}の根拠", "inputs": "入力", "code": "このページのコードで見る", "close": "閉じる",
           "min": "{}のうち最小", "max": "{}のうち最大", "list": "、", "unknown": "不明",
           "base": "回答数 ÷ n が全{rows}行で印字の割合になるn（{example}など）"},
    "en": {"name": "Where {} comes from", "inputs": "Inputs", "code": "See it in this page’s code", "close": "Close",
           "min": "the smallest of {}", "max": "the largest of {}", "list": ", ", "unknown": "unknown",
           "base": "the n for which count ÷ n gives the printed share in all {rows} rows ({example}, …)"},
}


def _lang(lang: str) -> str:
    return "ja" if lang == SOURCE else "en"


def _plain(value: Decimal | int | None, lang: str = "ja") -> str:
    if value is None:
        return _PANEL_TEXT[_lang(lang)]["unknown"]
    return f"{value:,}" if isinstance(value, int) else f"{value}"


def formula(number: Number, lang: str = "ja") -> str:
    """The calculation with its actual inputs: ``(108 + 1) ÷ 784 = 13.9％``; for a value taken as it
    is, the value; for a count or rule, what it is and its value."""
    words = _PANEL_TEXT[_lang(lang)]
    values = [_plain(s.value) for s in number.inputs]
    result = number.shown(lang)

    def added(parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else "(" + " + ".join(parts) + ")"

    if number.op == "share":
        return f"{added(values[:number.split])} ÷ {added(values[number.split:])} = {result}"
    if number.op == "sum":
        return f"{' + '.join(values)} = {result}"
    if number.op in ("min", "max"):
        return f"{words[number.op].format(words['list'].join(values))} = {result}"
    if number.op == "plus_one":
        return f"{values[0]} + 1 = {result}"
    if number.op == "base":
        count, printed = number.inputs[0].value, number.inputs[number.split].value
        sign = "％" if _lang(lang) == "ja" else "%"
        example = f"{_plain(count)} ÷ {result} = {printed}{sign}"
        return f"{words['base'].format(rows=number.split, example=example)} = {result}"
    if number.op == "count":
        detail = f"{'、' if _lang(lang) == 'ja' else ', '}{_plain(UNIT)} ÷ 2" if number.what == HALF else ""
        return f"{WHAT_TEXT[number.what][_lang(lang)]}{detail} = {result}"
    return result


def _row_label(source: Source, lang: str) -> str:
    """「series」「item」（level） / “item” (series “…”, rating “…”) in the edition's language."""
    if _lang(lang) == "ja":
        label = f"「{source.item}」" + (f"（{source.level}）" if source.level else "")
        return (f"「{source.series}」の" if source.series else "") + label
    label = f"“{tr(source.item, lang)}”"
    extra = [f"series “{tr(source.series, lang)}”"] if source.series else []
    extra += [f"rating “{tr(source.level, lang)}”"] if source.level else []
    return label + (f" ({', '.join(extra)})" if extra else "")


def where(source: Source, lang: str = "ja") -> str:
    """Where an input is, after its file name: 「の「…」行の回答数」 / ", row “…”: respondents"."""
    ja = _lang(lang) == "ja"
    if source.column in _COLUMN_TEXT["ja"]:
        column = _COLUMN_TEXT[_lang(lang)][source.column]
        return f"の{_row_label(source, lang)}行の{column}" if ja else f", row {_row_label(source, lang)}: {column}"
    if source.column == "fact":
        fact = FACT_TEXT[source.fact][_lang(lang)]
        return f"の調査の概要（{fact}）" if ja else f", survey details: {fact}"
    if source.column == "erratum":
        when = {"ja": {"before": "訂正前の値", "after": "訂正後の値"},
                "en": {"before": "the value before it", "after": "the corrected value"}}[_lang(lang)][source.fact]
        if ja:
            return f"の報告書の公開ページに記録された訂正（{source.item}、{when}）"
        return f", the correction on the report’s public page ({tr(source.item, lang)}: {when})"
    figure = figure_name(source.figure, lang)
    if source.column == "caption":
        return f"の{figure}のキャプション" if ja else f", caption of {figure}"
    about = (f"（{_row_label(source, lang)}）" if ja else f" ({_row_label(source, lang)})") if source.item else ""
    return f"の{figure}についての報告書の本文の記述{about}" if ja else f", the report’s text on {figure}{about}"


def source_href(source: Source) -> str:
    """The download a source's file is: the figure's CSV (this edition's), or the published datapackage.json."""
    return data_href(PACKAGE_FILE) if source.file == PACKAGE_FILE else figure_href(source.file)


def panel(number: Number, lang: str = "ja") -> dict[str, Any]:
    """What the number's panel shows in edition ``lang``, worded (plain text, escaped by whoever renders it),
    plus the inputs as a machine can check them (``check``: file, row, column, value)."""
    words = _PANEL_TEXT[_lang(lang)]
    shown = number.shown(lang)
    colon = "：" if _lang(lang) == "ja" else ": "
    inputs = [{"before": _plain(s.value, lang) + colon, "file": s.file, "href": source_href(s), "after": where(s, lang)}
              for s in dict.fromkeys(number.inputs)]
    check = [{"file": s.file, "row": [tr(s.series, lang), tr(s.item, lang), tr(s.level, lang)], "column": s.column,
              "value": "" if s.value is None else str(s.value)} for s in number.inputs]
    return {"name": words["name"].format(shown), "kind": KIND_TEXT[number.kind][_lang(lang)],
            "formula": formula(number, lang), "inputs_label": words["inputs"], "inputs": inputs,
            "code": words["code"], "close": words["close"],
            "check": {"op": number.op, "split": number.split, "shown": shown, "inputs": check}}
