"""Licences: the code's (LICENSE, named in the README) and those of what the site bundles."""
from __future__ import annotations

import vl_convert as vlc

from src.charts.export import vegalite_version
from src.charts.site_assets import WEB_FONT_PATH

from conftest import REPO

# The vega licence files in src/sphinxext/static/vega/ are the LICENSE files of these npm releases,
# the ones vl-convert bundles. A vl-convert upgrade fails here: re-check the texts, then update.
BUNDLED = {"vega": "6.2.0", "vega-lite": "6.4", "vega-embed": "7.0.2"}
SHIPPED = ["vega/LICENSE-vega.txt", "vega/LICENSE-vega-lite.txt", "vega/LICENSE-vega-embed.txt", "fonts/OFL.txt", "fonts/OFL-NotoSansCJKjp-Bold.txt"]


def test_licence_file_is_mit_for_the_contributors():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 再現プロジェクト contributors" in text


def test_readme_names_the_licences():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "[`LICENSE`](LICENSE)" in readme and "MIT" in readme
    assert "CC BY 4.0" in readme
    for path in SHIPPED:
        assert f"_static/{path}" in readme


def test_licence_texts_match_the_bundled_versions():
    assert {"vega": vlc.get_vega_version(), "vega-lite": vegalite_version(),
            "vega-embed": vlc.get_vega_embed_version()} == BUNDLED
    for name in ("vega", "vega-lite", "vega-embed"):
        text = (REPO / "src/sphinxext/static/vega" / f"LICENSE-{name}.txt").read_text(encoding="utf-8")
        assert "University of Washington Interactive Data Lab" in text
        assert "Redistribution and use in source and binary forms" in text


def test_site_ships_the_licences_of_what_it_bundles(clean_build):
    static = clean_build.html / "_static"
    assert (static / "vega/vega-bundle.js").exists() and (static / WEB_FONT_PATH).exists()
    for path in SHIPPED:
        assert (static / path).stat().st_size > 1000, f"{path} is missing or empty"
    for font_licence in ("fonts/OFL.txt", "fonts/OFL-NotoSansCJKjp-Bold.txt"):
        assert "SIL OPEN FONT LICENSE Version 1.1" in (static / font_licence).read_text(encoding="utf-8")
