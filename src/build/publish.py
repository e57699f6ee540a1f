"""Stage the executed notebooks, build them with Sphinx, and publish the site in one atomic switch.

The site is copied to ``_build/sites/<digest>`` and the relative symlink ``_build/html`` is
switched to it with one ``rename``: readers see the old site or the new one, never a mix, and
an interrupted build leaves nothing the next one cannot repair.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path


from src.base.common import REPO, BuildError, pause_for_test, sha256_file, tree_digest
from src.base.i18n import EDITIONS, SOURCE, edition_notebook
from src.book import site_paths
from src.build.plan import Task, executed_source_digest
from src.build.pdf_record import add_to_site, fresh_pdfs
from src.build.sites import PDF_SUFFIX, SITES, current_version, is_intact, published_digest, record_tree
from src.build.templates import run_jupyter_book
from src.charts import site_assets
from src.data.files import data_file_bytes, published_files

#: Where each edition is published inside the site ("" = the root).
EDITION_PREFIX = {"ja": "", "en": "en"}
EDITIONS_FILE = Path("chapters") / "editions.yml"


@dataclass
class Outcome:
    """What a build has done so far, so an interruption can be reported truthfully."""

    published: Path | None = None       # the new site went live (the switch happened)


def stage_digest(stage: Path) -> str:
    """Hash of the whole staged book: equal digests mean Sphinx would produce the same site."""
    return tree_digest([p for p in stage.rglob("*") if p.is_file()], stage)


def stage_dir(build_dir: Path, lang: str) -> Path:
    """The staging book of edition ``lang`` (BUILD_DIR/stage, BUILD_DIR/stage-en)."""
    return build_dir / ("stage" if lang == SOURCE else f"stage-{lang}")


def site_digest(build_dir: Path) -> str | None:
    """Hash of every edition's staged book (None when one is not staged): equal digests, equal sites."""
    import hashlib

    stages = [stage_dir(build_dir, lang) for lang in EDITIONS]
    if not all(stage.is_dir() for stage in stages):
        return None
    return hashlib.sha256("".join(stage_digest(stage) for stage in stages).encode()).hexdigest()[:24]


def run_editions(build_dir: Path, quiet: bool) -> dict[str, Path]:
    """Build every edition's staged book with Sphinx, side by side (two processes); returns lang → HTML directory."""
    from concurrent.futures import ThreadPoolExecutor

    out = {lang: build_dir / ("sphinx" if lang == SOURCE else f"sphinx-{lang}") for lang in EDITIONS}
    with ThreadPoolExecutor(len(EDITIONS)) as pool:
        futures = {lang: pool.submit(run_sphinx, stage_dir(build_dir, lang), out[lang], quiet) for lang in EDITIONS}
        return {lang: f.result() for lang, f in futures.items()}


def stage_book(root: Path, tasks: list[Task], notebooks: dict[str, dict], stage: Path, data_dir: Path,
               lang: str = SOURCE) -> None:
    """A book tree of edition ``lang``'s executed notebooks that jupyter-book can render without executing
    (its static files follow, for every edition at once: ``stage_static``).

    ``notebooks``: each chapter's :func:`current_notebook`, made once for every edition. Each keeps its untagged
    cells and outputs and those of its edition (src/base/i18n.py).
    Besides the notebooks it holds the data package (downloads: only the files
    ``published_files`` allows) and a copy of ``src/`` that the code appendix quotes.
    """
    config, toc = edition_book_files(root, lang)
    site_assets.write_if_changed(stage / "_config.yml", config)
    site_assets.write_if_changed(stage / "_toc.yml", toc)
    wanted = {f"{t.docname}.ipynb" for t in tasks}
    for old in stage.rglob("*.ipynb"):
        if str(old.relative_to(stage)) not in wanted:
            old.unlink()
    figures = {}
    for t in tasks:
        site_assets.write_if_changed(stage / f"{t.docname}.ipynb", json.dumps(
            edition_notebook(notebooks[t.docname], lang), ensure_ascii=False, indent=1).encode("utf-8"))
        figures.update(_edition_assets(t.cache_dir / "assets", lang))
    _mirror(figures, stage / site_paths.FIGURES)          # a withdrawn figure's files go too
    data = {p.name: data_file_bytes(data_dir, p.name) for p in published_files(data_dir)}
    _mirror(data, stage / site_paths.DATA)
    _mirror({p.relative_to(REPO / "src").as_posix(): p.read_bytes() for p in sorted((REPO / "src").rglob("*.py"))
             if "__pycache__" not in p.parts}, stage / site_paths.CODE)


def current_notebook(task: Task) -> dict:
    """The chapter's executed notebook with its current prose (a prose-only edit runs no code: src/build/prose.py);
    a glued name that the prose uses and no cell produces stops the build here, named."""
    from src.build import prose

    nb = json.loads((task.cache_dir / "notebook.ipynb").read_text(encoding="utf-8"))
    if executed_source_digest(task) != sha256_file(task.source):
        nb = prose.with_current_prose(nb, prose.read_source(task.source))
    missing = prose.missing_glue(nb, EDITIONS)
    if missing:
        names = ", ".join(f"'{name}'" + (f" ({lang})" if lang else "") for lang, name in missing)
        raise BuildError(f"chapter {task.docname} ({task.source.name}): its prose uses the glued value(s) {names}, "
                         "which no code cell of the chapter glues — fix: correct the name in the sentence, or glue "
                         "it in a code cell above it")
    return nb


def stage_static(stages: list[Path]) -> None:
    """The static files of every staged edition, last: one web font cut down to the characters
    of all the staged books (the English pages show the Japanese originals: one subset serves both)."""
    for stage in stages:
        site_assets.write_site_static(stage / "_static", stage.parent / "vendor")
    # last: the font keeps the characters of everything staged above, static files included
    files = [f for stage in stages for f in site_assets.book_text_files(stage)]
    glyphs, bold_glyphs = site_assets.glyphs_used(files), site_assets.bold_glyphs_used(files)
    for stage in stages:
        site_assets.write_web_font(stage / "_static", stage.parent / "vendor", glyphs, bold_glyphs)


def _edition_assets(assets: Path, lang: str) -> dict[str, bytes]:
    """A chapter's figure files for edition ``lang``: ``assets/`` (Japanese) or ``assets/<lang>/``."""
    files = {p.name: p.read_bytes() for p in assets.glob("*") if p.is_file()}
    if lang != SOURCE:
        files.update({p.name: p.read_bytes() for p in (assets / lang).glob("*") if p.is_file()})
    return files


def edition_book_files(root: Path, lang: str) -> tuple[bytes, bytes]:
    """``_config.yml`` and ``_toc.yml`` of edition ``lang``: the book's own, with the edition's title,
    language, part captions, footer and base URL (chapters/editions.yml), and its language switch."""
    import yaml

    config_bytes, toc_bytes = (root / "_config.yml").read_bytes(), (root / "_toc.yml").read_bytes()
    settings = yaml.safe_load((root / EDITIONS_FILE).read_text(encoding="utf-8"))
    config = yaml.safe_load(config_bytes)
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    other = next((o for o in EDITIONS if o != lang), None)      # none when BOOK_EDITIONS=ja
    if other:
        sphinx_config["edition_switch"] = {
            "lang": other, "label": settings[lang]["switch_label"], "title": settings[lang]["switch_title"],
            "to_other": _relative_prefix(lang, other)}
    if lang == SOURCE:
        return yaml.safe_dump(config, allow_unicode=True, sort_keys=False).encode("utf-8"), toc_bytes
    own = settings[lang]
    config["title"] = own["title"]
    config["author"] = own.get("author", config.get("author", ""))
    html = config.setdefault("html", {})
    html["extra_footer"] = own.get("footer", "")
    if html.get("baseurl"):
        html["baseurl"] = html["baseurl"].rstrip("/") + f"/{EDITION_PREFIX[lang]}/"
    sphinx_config.update({"language": lang, "html_search_language": lang})
    sphinx_config.update(own.get("sphinx", {}))
    toc = yaml.safe_load(toc_bytes)
    for part in toc.get("parts", []):
        part["caption"] = own.get("captions", {}).get(part.get("caption"), part.get("caption"))
    return (yaml.safe_dump(config, allow_unicode=True, sort_keys=False).encode("utf-8"),
            yaml.safe_dump(toc, allow_unicode=True, sort_keys=False).encode("utf-8"))


def _relative_prefix(lang: str, other: str) -> str:
    """From the root of edition ``lang`` to the root of edition ``other`` ("en/" or "../")."""
    up = "../" if EDITION_PREFIX[lang] else ""
    down = f"{EDITION_PREFIX[other]}/" if EDITION_PREFIX[other] else ""
    return up + down


def _mirror(wanted: dict[str, bytes], dest: Path) -> None:
    """Make ``dest`` hold exactly ``wanted`` (relative path → content); unchanged files are left untouched."""
    if dest.exists():
        for old in sorted(p for p in dest.rglob("*") if not p.is_dir()):
            if old.relative_to(dest).as_posix() not in wanted:
                old.unlink()
    for name, data in wanted.items():
        site_assets.write_if_changed(dest / name, data)


def sphinx_build(stage: Path, out: Path, builder: str, quiet: bool) -> Path:
    """Build the staged book with one Sphinx builder, strictly (warnings are errors); returns its output.

    A run that did not finish (killed, failed) may leave pages or an environment that
    disagree with each other: the next run then starts from scratch. The caller calls
    ``mark_finished(out)`` once it has also done its own work on the output.
    """
    unfinished = out / ".unfinished"
    if unfinished.exists():
        shutil.rmtree(out, ignore_errors=True)     # a killed Sphinx may still be dying (it dies with its build)
    out.mkdir(parents=True, exist_ok=True)
    unfinished.touch()
    argv = ["build", str(stage), "--path-output", str(out), "--builder", builder, "-W", "-n", "--keep-going"]
    if quiet:
        argv.append("--quiet")
    code, output = run_jupyter_book(argv, out / f"{builder}.log")   # src/build/templates.py
    if code != 0:
        tail = "\n".join(output.strip().splitlines()[-40:])
        raise BuildError(f"jupyter-book/Sphinx ({builder}) failed (strict build: warnings are errors):\n{tail}")
    return out / "_build" / builder


def mark_finished(out: Path) -> None:
    """The output of ``sphinx_build`` in ``out`` is complete: the next run may build on it."""
    (out / ".unfinished").unlink(missing_ok=True)


def run_sphinx(stage: Path, out: Path, quiet: bool) -> Path:
    """Build the staged book as the web site; returns the HTML directory."""
    html = sphinx_build(stage, out, "html", quiet)
    _sync_static(stage / "_static", html / "_static")
    _drop_empty_search_terms(html / "searchindex.js")
    mark_finished(out)
    return html


def _sync_static(staged: Path, built: Path) -> None:
    """Our static files exactly as staged: Sphinx copies them only when a page changed, and
    never deletes one (a withdrawn figure's files, a data file no longer published)."""
    for path in staged.rglob("*"):
        if path.is_file():
            site_assets.write_if_changed(built / path.relative_to(staged), path.read_bytes())
    for sub in ("figures", "data", "fonts"):   # fonts: a previous build's subset (or whole OTF)
        keep = {p.name for p in (staged / sub).glob("*")}
        for old in (built / sub).glob("*") if (built / sub).exists() else []:
            if old.name not in keep:
                old.unlink()


def _drop_empty_search_terms(index_file: Path) -> None:
    """Sphinx keeps a word of a page it re-reads, mapped to no page, forever: drop such words."""
    from sphinx.search import js_index

    if not index_file.exists():
        return
    index = js_index.loads(index_file.read_text(encoding="utf-8"))
    for key in ("terms", "titleterms"):
        index[key] = {word: docs for word, docs in index[key].items() if docs != []}
    site_assets.write_if_changed(index_file, js_index.dumps(index).encode("utf-8"))


class PublishError(BuildError):
    """Publishing failed before the switch: the previous site is still the published one."""


def publish(html: Path, target: Path, digest: str, outcome: Outcome, editions: dict[str, Path] | None = None) -> None:
    """Copy ``html`` to BUILD_DIR/sites/<digest>, then point the symlink ``target`` at it.

    ``editions`` maps a language to its built site, copied into its folder (``en/``).

    The switch is one ``rename`` of a relative symlink over ``target``: atomic, and it
    keeps a copied build directory working.  Older versions are removed afterwards.
    The PDF editions go in too, each into its edition's folder, when every one of them was printed
    from these same pages (and only then).
    """
    pdfs = fresh_pdfs(target.parent, digest)
    sites = target.parent / SITES
    version = sites / (digest + PDF_SUFFIX if pdfs else digest)
    partial = sites / f".{version.name}.partial"
    sites.mkdir(exist_ok=True)
    current = current_version(target)
    for leftover in (version, partial):
        if leftover.exists() and leftover != current:
            shutil.rmtree(leftover)
    if not (version.exists() and is_intact(version)):
        try:
            pause_for_test("publish-copy")
            shutil.copytree(html, partial, copy_function=_copy_or_stop)
            for lang, site in (editions or {}).items():
                shutil.copytree(site, partial / EDITION_PREFIX[lang], copy_function=_copy_or_stop)
            for lang, pdf in pdfs.items():
                add_to_site(partial / EDITION_PREFIX[lang], pdf)
            _replace_version(partial, version)
            record_tree(version, keep=current)
        except (OSError, _CopyFailed) as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise PublishError(_disk_message(getattr(exc, "error", exc), target)) from None
    _switch(target, version, outcome)
    remove_stale_versions(target)


def _replace_version(partial: Path, version: Path) -> None:
    """Put a complete copy in place; a damaged version of the same name (the one shown) goes aside first,
    so the link is without a target only between two renames."""
    if version.exists():
        damaged = version.with_name(f".{version.name}.damaged")
        shutil.rmtree(damaged, ignore_errors=True)
        version.rename(damaged)
        partial.rename(version)
        shutil.rmtree(damaged, ignore_errors=True)
    else:
        partial.rename(version)


class _CopyFailed(Exception):
    """Stops copytree at the first failed file (it would otherwise go on, e.g. on a full disk)."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


def _copy_or_stop(src: str, dst: str) -> None:
    try:
        shutil.copy2(src, dst)
    except OSError as exc:
        raise _CopyFailed(exc) from None


def _disk_message(exc: OSError, target: Path) -> str:
    what = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror or type(exc).__name__
    return (f"could not copy the new site next to {target} ({what}); the partial copy was removed "
            "and the previous site is still published")


def _switch(target: Path, version: Path, outcome: Outcome) -> None:
    """Point ``target`` at ``version`` in one rename; an old-style directory is moved aside first."""
    link = target.with_name(f".{target.name}.link")
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(version.relative_to(target.parent), target_is_directory=True)
    pause_for_test("publish-switch")
    # Ctrl-C / SIGTERM must not land between the switch and recording it.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
    try:
        if target.is_dir() and not target.is_symlink():      # a build directory from before versioned sites
            target.rename(version.parent / f".legacy-{os.getpid()}")
        os.replace(link, target)
        outcome.published = target
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def remove_stale_versions(target: Path) -> None:
    """Delete what interrupted builds left: unpublished versions, partial copies, the old layout."""
    current = current_version(target)
    sites = target.parent / SITES
    for path in sites.iterdir() if sites.is_dir() else []:
        if current is None or path.name != current.name:
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
    for leftover in (target.with_name(target.name + ".new"), target.with_name(f".{target.name}.link")):
        if leftover.is_symlink() or leftover.is_file():
            leftover.unlink()
        elif leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)


def recover(target: Path) -> None:
    """Repair what an interrupted build left: put back an old-layout site moved aside, drop leftovers."""
    if target.is_symlink() and not target.exists():      # its version is gone: there is no site
        target.unlink()
    moved_aside = [target.with_name(target.name + ".old"), *(target.parent / SITES).glob(".legacy-*")]
    for old in moved_aside:
        if not os.path.lexists(target) and old.is_dir():
            old.rename(target)
    remove_stale_versions(target)
    for old in moved_aside:
        shutil.rmtree(old, ignore_errors=True)
