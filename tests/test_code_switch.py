"""One code switch per page (issue 21 part 1), in Chromium at 390 px on every page of both editions:
no per-cell toggles, at most one 「コード」/"Code" control, no code shown until it is pressed, then all of
it, and the choice carries to the next page."""
from __future__ import annotations

import pytest

from browser import open_page
from site_server import serve
from src.build.plan import toc_chapters

from conftest import REPO

PAGES = [f"{edition}{doc}.html" for edition in ("", "en/") for doc in toc_chapters(REPO)]
VISIBLE_CODE = "[...document.querySelectorAll('.cell_input')].filter(e => e.offsetParent !== null).length"
CODE = "document.querySelectorAll('.cell_input').length"
SWITCHES = "document.querySelectorAll('.code-switch-button').length"
PER_CELL_TOGGLES = "document.querySelectorAll('details.above-input, details.below-input, .toggle-button').length"


@pytest.fixture(scope="module")
def site(clean_build):
    with serve(clean_build.html) as url:
        yield url


@pytest.fixture(scope="module")
def switch_states(browser, site) -> dict[str, dict]:
    """Each page loaded fresh at 390 px: its controls and code before and after the switch is pressed,
    and what the next page of the same visit shows."""
    states = {}
    for name in PAGES:
        page, _ = open_page(browser, site + name, width=390)
        page.wait_for_load_state("networkidle")
        state = {"switches": page.evaluate(SWITCHES), "code": page.evaluate(CODE),
                 "visible": page.evaluate(VISIBLE_CODE), "toggles": page.evaluate(PER_CELL_TOGGLES)}
        if state["switches"]:
            button = page.locator(".code-switch-button")
            state["pressed_before"] = button.get_attribute("aria-pressed")
            button.focus()
            page.keyboard.press("Enter")
            state["pressed_after"] = button.get_attribute("aria-pressed")
            state["visible_after"] = page.evaluate(VISIBLE_CODE)
            page.goto(site + ("en/" if name.startswith("en/") else "") + "chapters/05_institutions.html")
            state["next_page_visible"] = page.evaluate(VISIBLE_CODE)
        page.context.close()
        states[name] = state
    return states


@pytest.mark.parametrize("name", PAGES)
def test_a_page_has_no_per_cell_toggle_and_at_most_one_code_switch(switch_states, name):
    s = switch_states[name]
    assert s["toggles"] == 0 and s["switches"] <= 1, s
    assert s["switches"] == (1 if s["code"] else 0), s


@pytest.mark.parametrize("name", PAGES)
def test_no_code_is_shown_until_the_switch_is_pressed_then_all_of_it_and_on_the_next_page(switch_states, name):
    s = switch_states[name]
    assert s["visible"] == 0, s
    if s["switches"]:
        assert (s["pressed_before"], s["pressed_after"]) == ("false", "true"), s
        assert s["visible_after"] == s["code"] > 0, s
        assert s["next_page_visible"] > 0, s


def test_with_no_script_the_code_stays_reachable(browser, site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(site + "chapters/05_institutions.html")
    assert page.evaluate(VISIBLE_CODE) == page.evaluate(CODE) > 0
    context.close()
