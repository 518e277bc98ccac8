"""The search page in a real browser: on a phone the filters are folded (with and without
JavaScript) and the first result shows without scrolling past them; on a wide screen they are a
sidebar beside the results; type tabs and the groups of the best few of each kind pass axe."""
from __future__ import annotations

import re

import pytest

from tests.browser.helpers import PLAYWRIGHT_MISSING, axe_violations, describe_violations

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

SEARCH = "/search?q=handwritten+text+recognition"


def boxes(page) -> dict:
    """Where the filters, the first result and the results list are, in CSS pixels of the page."""
    return page.evaluate("""() => {
        const box = (selector) => { const e = document.querySelector(selector);
            if (!e) return null; const r = e.getBoundingClientRect();
            return {top: r.top + window.scrollY, left: r.left, width: r.width, height: r.height}; };
        return {header: box("header"), facets: box("aside.facets"), panel: box("details.facets-panel"),
                results: box("section.results"), first: box("li.card"),
                open: document.querySelector("details.facets-panel").open};
    }""")


def test_on_a_phone_the_filters_are_folded_and_the_first_result_shows_on_the_first_screen(new_context):
    page = new_context(width=375, height=667).new_page()
    page.goto(SEARCH)
    facets = page.get_by_role("complementary", name="Narrow the results")
    expect(facets.get_by_text("Show or hide the filters")).to_be_visible()
    expect(facets.get_by_role("link", name=re.compile(r"^Netherlands \("))).to_be_hidden()
    found = boxes(page)
    assert not found["open"] and found["panel"]["height"] < 60, found  # one line: the button
    # The first result starts below the folded filters and within the first screen. The header
    # is counted at its budget (15% of the screen; its own layout is tested with the header),
    # so that this measures what the search page itself puts first.
    assert found["first"]["top"] > found["panel"]["top"] + found["panel"]["height"]
    below_header = found["first"]["top"] - found["header"]["height"]
    assert below_header + 0.15 * 667 < 667, found
    facets.get_by_text("Show or hide the filters").click()
    expect(facets.get_by_role("link", name=re.compile(r"^Netherlands \("))).to_be_visible()


def test_without_javascript_the_filters_are_folded_and_open_with_one_tap(browser, hub):
    for width in (375, 1280):
        context = browser.new_context(base_url=hub.base_url, viewport={"width": width, "height": 667},
                                      java_script_enabled=False)
        try:
            page = context.new_page()
            page.goto(SEARCH)
            facets = page.get_by_role("complementary", name="Narrow the results")
            assert not boxes(page)["open"]
            expect(facets.get_by_role("link", name=re.compile(r"^Netherlands \("))).to_be_hidden()
            facets.get_by_text("Show or hide the filters").click()
            expect(facets.get_by_role("link", name=re.compile(r"^Netherlands \("))).to_be_visible()
            # The tabs, the groups and their links are plain links: no script needed.
            tabs = page.get_by_role("navigation", name="Kinds of entry")
            expect(tabs.get_by_role("link", name=re.compile(r"^All \("))).to_have_attribute("aria-current", "page")
        finally:
            context.close()


def test_on_a_wide_screen_the_filters_are_a_sidebar_beside_the_results(new_context):
    page = new_context(width=1280, height=800).new_page()
    page.goto(SEARCH)
    facets = page.get_by_role("complementary", name="Narrow the results")
    expect(facets.get_by_role("link", name=re.compile(r"^Netherlands \("))).to_be_visible()
    expect(facets.get_by_text("Show or hide the filters")).to_be_hidden()
    found = boxes(page)
    assert found["open"]
    # Side by side: the filters left of the results, both starting at the same height.
    assert found["facets"]["left"] + found["facets"]["width"] <= found["results"]["left"], found
    assert abs(found["facets"]["top"] - found["results"]["top"]) < 40, found
    assert found["first"]["top"] < 800


def test_tabs_and_groups_lead_to_each_kind(new_context):
    page = new_context(width=1280, height=800).new_page()
    page.goto(SEARCH)
    tabs = page.get_by_role("navigation", name="Kinds of entry")
    expect(tabs.get_by_role("link", name=re.compile(r"^All \("))).to_have_attribute("aria-current", "page")
    see_all = page.get_by_role("link", name=re.compile(r"^See all \d+ resources$"))
    if see_all.count():  # the demo directory has more resources about it than a group shows
        see_all.click()
        expect(page).to_have_url(re.compile(r"type=resource"))
        expect(tabs.get_by_role("link", name=re.compile(r"^Resources \("))).to_have_attribute("aria-current", "page")
    tabs.get_by_role("link", name=re.compile(r"^Projects \(")).click()
    expect(page).to_have_url(re.compile(r"type=project"))
    expect(page.locator("li.card-project").first).to_be_visible()
    assert page.locator("li.card").count() == page.locator("li.card-project").count()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("path", [SEARCH, "/search?q=handwriting", "/search?q=handwriting&type=resource",
                                  "/search?q=art+museum+computer+vision", "/search?q=ships&card=lessons"])
def test_the_search_page_with_tabs_and_groups_has_no_axe_violations(new_context, axe, width, path):
    page = new_context(width=width, height=800).new_page()
    page.goto(path)
    violations = axe_violations(page, axe)
    assert not violations, f"{path} at {width} px:\n{describe_violations(violations)}"
