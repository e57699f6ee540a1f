"""The report this book republishes, as the pages cite it: its citation and link, each chapter's
出典 paragraph, the corrections on its public page, and lists of its figures (「概要図表2、5〜10、17」).

Everything comes from the data package's ``sources`` (its first entry is the report).
"""
from __future__ import annotations

from typing import Any

from IPython.display import Markdown

from src.base.i18n import Editions, glue_editions, per_edition, tr
from src.book.text import fmt_date, fmt_month, glue_by_edition, glue_text, number_html
from src.data.figures import figure_name, section_name
from src.data.package import Survey


def report_source(survey: Survey) -> dict[str, Any]:
    """The report this book republishes: the first entry of the package's ``sources``."""
    sources = survey.descriptor.get("sources") or [{}]
    return sources[0]


def report_citation(survey: Survey, lang: str = "ja") -> str:
    """「title」（series、publisher、2017年4月）, from the package's ``sources``.

    English: the Japanese title, this site's translation of it (marked as such), then the details.
    """
    src = report_source(survey)
    issued = fmt_month(src["issued"], lang) if src.get("issued") else None
    parts = [src.get("series"), tr(src.get("publisher"), lang) if src.get("publisher") else None, issued]
    title = src.get("title", "")
    if lang == "ja":
        details = "、".join(p for p in parts if p)
        return f"「{title}」" + (f"（{details}）" if details else "")
    details = ", ".join(p for p in parts if p)
    return f"「{title}」 {_title_translation(title)}" + (f" ({details})" if details else "")


def _title_translation(title: str) -> str:
    english = tr(title, "en")
    return f"[“{english}”, this site’s translation]" if english != title else ""


def report_citation_html(survey: Survey, lang: str = "ja") -> str:
    """The citation with the report's title linked to its public page (escaped; the Japanese title marked ``lang="ja"``)."""
    from html import escape

    src = report_source(survey)
    text = escape(report_citation(survey, lang))
    title = escape(f"「{src.get('title', '')}」")
    linked = title
    if src.get("path", "").startswith("https://"):
        linked = f'<a href="{escape(src["path"])}">{title}</a>'
    if lang != "ja":
        linked = f'<span lang="ja">{linked}</span>'
    return text.replace(title, linked, 1)


def report_series_html(survey: Survey) -> str:
    """The report's series name (NISTEP DISCUSSION PAPER No.145), linked to its public page: the short source line."""
    from html import escape

    src = report_source(survey)
    name = escape(src.get("series") or src.get("title", ""))
    link = src.get("path", "")
    return f'<a href="{escape(link)}">{name}</a>' if link.startswith("https://") else name


def glue_report(survey: Survey) -> dict[str, Any]:
    """Glue the report's bibliographic facts: ``report_title``, ``report_citation``, ``report_link`` (markdown)."""
    src = report_source(survey)
    title = src.get("title", "")
    glue_text("report_title", title, en=f"“{tr(title, 'en')}” (this site’s translation of the Japanese title)")
    glue_text("report_series", src.get("series", ""))
    glue_by_edition("report_citation", lambda lang: report_citation(survey, lang))
    link = src.get("path", "")

    def link_markdown(lang: str) -> Markdown:
        text = _md_escape(report_citation(survey, lang))
        if link.startswith("https://"):
            quoted = _md_escape(f"「{title}」")
            target = f"[{quoted}](<{_md_link_target(link)}>)"
            if lang != "ja":      # the Japanese title, marked for readers and screen readers
                target = f'<span lang="ja">{target}</span>'
            text = text.replace(quoted, target, 1)
        return Markdown(text)

    glue_editions("report_link", per_edition(link_markdown))
    return src


def _md_escape(text: str) -> str:
    """Metadata text as Markdown/MyST that reads as the text itself: no emphasis, link, image, role, HTML or math."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)


# Every ASCII punctuation CommonMark lets a backslash escape that starts markup here ({role}, $math$, ~~, | tables, &entities;)
_MD_SPECIAL = frozenset("\\`*_[](){}<>#!$&|~")


def _md_link_target(link: str) -> str:
    """A link target that cannot end the link early: characters outside a plain URL percent-encoded."""
    from urllib.parse import quote

    return quote(link, safe=":/?#=&%~.-_+,;@")


_ORIGINAL_TEXT_NOTE = {
    "ja": "文章はこのサイトが報告書の事実と数値をもとに独自に書いたもので、報告書の文の転載ではありません。",
    "en": "The text is this site’s own, written from the report’s facts and figures; it does not reproduce "
          "the report’s sentences, and the English is this site’s translation.",
}


WHOLE_SUMMARY = "全体"     # source_note's section for a page drawing on the whole summary


def source_note(survey: Survey, section: str) -> Editions:
    """The 出典 paragraph of a chapter: the report (linked), the summary's section and the chapter's figures."""
    from IPython.display import HTML

    from src.data.figures import CHAPTER_OF_SECTION, figures_of

    figures = figures_of(section) if section in CHAPTER_OF_SECTION else []

    def note(lang: str) -> HTML:
        if lang == "ja":
            where = f"概要{section}" + (f"、{_figure_range(figures)}" if figures else "")
            return HTML(f'<p class="source-note">{report_citation_html(survey)}、{where}。{_ORIGINAL_TEXT_NOTE[lang]}</p>')
        where = "summary" + (f", section {section_name(section, lang)}" if section != WHOLE_SUMMARY else "")
        where += f", {_figure_range(figures, lang)}" if figures else ""
        return HTML(f'<p class="source-note">{report_citation_html(survey, lang)}, {where}. {_ORIGINAL_TEXT_NOTE[lang]}</p>')

    return Editions(per_edition(note))


def errata_note(survey: Survey) -> Editions:
    """One paragraph per correction the report's public page records, with this site's recomputation
    (``audit_prose.erratum_checks`` in each edition's language)."""
    from html import escape

    from IPython.display import HTML

    from src.book.audit_prose import erratum_checks, erratum_numbers
    from src.book.provenance import erratum

    errata = report_source(survey).get("errata", [])

    def note(lang: str) -> HTML:
        if not errata:
            return HTML("<p>報告書の公開ページに記録された訂正は、データパッケージにありません。</p>" if lang == "ja" else
                        "<p>The data package records no correction on the report’s public page.</p>")
        rows = erratum_checks(survey, lang=lang)
        recomputed = erratum_numbers(survey)

        def continued(label: str) -> str:
            """A noun-phrase label continuing the sentence after the colon: "the share of …" (lower-case)."""
            label = label[:1].lower() + label[1:] if label[1:2].islower() else label
            return label if label.startswith("the ") else f"the {label}"

        parts = []
        for e, check in zip(errata, rows.itertuples()):
            # each number with its panel: the correction's values as the report's page states them, this site's value
            before, after = number_html(erratum(e, "before"), lang), number_html(erratum(e, "after"), lang)
            number = recomputed.get(e.get("reported_in_prose"))
            value = number_html(number, lang) if number is not None else escape(check.recomputed)
            if lang == "ja":
                parts.append(
                    f"<p>{report_citation_html(survey)}の公開ページには、{escape(fmt_date(e['date']))}付けの訂正が記録されています。"
                    f"{escape(e['statement'])}が、{before}から{after}に"
                    f"改められました（{escape(e.get('location', ''))}）。"
                    f"このサイトがデータから計算すると{value}で、判定は「{escape(check.verdict)}」"
                    f"（{escape(check.explanation)}）です。</p>")
            else:
                parts.append(
                    f"<p>The public page of {report_citation_html(survey, lang)} records a correction dated "
                    f"{escape(fmt_date(e['date'], lang))}: {escape(continued(tr(e['statement'], lang)))} "
                    f"was changed from {before} to {after} ({escape(tr(e.get('location', ''), lang))}). "
                    f"Recomputed by this site from the data: {value}; verdict: "
                    f"“{escape(check.verdict)}” ({escape(check.explanation)}).</p>")
        return HTML("\n".join(parts))

    return Editions(per_edition(note))


def _figure_range(numbers: list[int], lang: str = "ja") -> str:
    """「概要図表5〜10」 for a run of three or more, else 「概要図表2・概要図表3」 (English: Summary Figures 5–10)."""
    run = len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1))
    if lang == "ja":
        return f"{figure_name(numbers[0])}〜{numbers[-1]}" if run else "・".join(figure_name(n) for n in numbers)
    if run:
        return f"Summary Figures {numbers[0]}–{numbers[-1]}"
    return " and ".join(figure_name(n, lang) for n in numbers)


def figures_text(numbers: list[int], lang: str = "ja") -> str:
    """「概要図表2、5〜10、17」 (English "Summary Figures 2, 5–10 and 17"): figure numbers with runs collapsed."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    if lang == "ja":
        parts = [f"{r[0]}〜{r[-1]}" if len(r) > 2 else "、".join(map(str, r)) for r in runs]
        return "概要図表" + "、".join(parts) if parts else ""
    parts = [f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs]
    if not parts:
        return ""
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    single = len(numbers) == 1
    return ("Summary Figure " if single else "Summary Figures ") + listed


def glue_missing_figures(survey: Survey, numbers: list[int] | None = None) -> list[int]:
    """Glue ``missing_figures`` (「概要図表2、5〜10、17」): figures among ``numbers`` (default all) without a table."""
    missing = [n for n, res in sorted(survey.resources.items())
               if not res.published and (numbers is None or n in numbers)]
    glue_by_edition("missing_figures", lambda lang: figures_text(missing, lang) or ("なし" if lang == "ja" else "none"))
    return missing
