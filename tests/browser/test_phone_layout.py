"""The hub on a phone (375 x 667 px, and 320 px for reflow) and on a desktop: a short header whose
"Menu" opens the navigation with the keyboard, a language select that keeps the page, and wide
tables that become stacked, labelled rows on phones and fill the page on desktops."""
from __future__ import annotations

import re

import pytest

from tests.browser.helpers import (
    PLAYWRIGHT_MISSING, SCREENSHOTS, axe_violations, describe_violations, tab_to,
)

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

PHONE = {"width": 375, "height": 667}
# At most 15 % of a 375 x 667 screen: the first screen shows content, not the header.
MAX_HEADER = 0.15 * PHONE["height"]

HEADER_HEIGHT = "() => document.querySelector('header.site-header').getBoundingClientRect().height"


@pytest.mark.parametrize("who", [None, "member", "moderator", "admin"])
def test_on_a_phone_the_header_takes_at_most_15_percent_of_the_screen(new_context, who):
    page = new_context(login=who, **PHONE).new_page()
    page.goto("/")
    height = page.evaluate(HEADER_HEIGHT)
    assert height <= MAX_HEADER, f"the header is {height} px high for {who or 'a visitor'}"
    # The main navigation waits behind the menu button; the page's own heading is on the first screen.
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    assert page.get_by_role("heading", level=1).bounding_box()["y"] < PHONE["height"] / 2


@pytest.mark.parametrize("language", ["en", "fr", "nl", "de", "it", "es"])
@pytest.mark.parametrize("width", [375, 320])
def test_the_header_stays_short_in_every_language(new_context, language, width):
    """The hub's name is longest in Spanish ("Centro de Competencias en IA"): still one short bar."""
    page = new_context(login="admin", language=language, width=width, height=PHONE["height"]).new_page()
    page.goto("/")
    height = page.evaluate(HEADER_HEIGHT)
    assert height <= MAX_HEADER, f"the header is {height} px high in {language} at {width} px"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def test_the_menu_opens_with_the_keyboard_and_its_links_work(new_context, hub, axe):
    page = new_context(login="admin", **PHONE).new_page()
    page.goto("/")
    menu = page.get_by_text("Menu", exact=True)
    tab_to(page, menu)
    page.keyboard.press("Enter")
    main = page.get_by_role("navigation", name="Main")
    expect(main).to_be_visible()
    account = page.get_by_role("navigation", name="Your account")
    expect(account.get_by_role("link", name="Users")).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search the directory")).to_be_visible()
    expect(page.get_by_label("Language")).to_be_visible()
    violations = axe_violations(page, axe)  # the open menu too
    assert not violations, describe_violations(violations)
    # Escape folds it again, back on the button.
    page.keyboard.press("Escape")
    expect(main).to_be_hidden()
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
    # Opened again, its links lead where they say, one Tab after another with visible focus.
    page.keyboard.press("Enter")
    tab_to(page, main.get_by_role("link", name="Experts"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/experts$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Users").click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    # The search box in the menu searches.
    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("searchbox", name="Search the directory").fill("handwriting")
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search\?q=handwriting"))


def test_on_a_desktop_the_whole_navigation_shows_without_a_menu_button(new_context):
    page = new_context(login="admin", width=1280, height=800).new_page()
    page.goto("/")
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects")).to_be_visible()
    expect(page.get_by_role("navigation", name="Your account").get_by_role("link", name="Users")).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search the directory")).to_be_visible()
    # Without the script the select's button changes the language; with it, choosing is enough.
    expect(page.get_by_role("button", name="Change language")).to_be_hidden()
    assert page.evaluate(HEADER_HEIGHT) <= 150


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_the_language_select_switches_the_language_and_keeps_the_page(browser, hub, javascript):
    context = browser.new_context(base_url=hub.base_url, viewport=PHONE, locale="en-GB",
                                  java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.goto("/topics?x=1")
        page.get_by_text("Menu", exact=True).click()
        select = page.get_by_label("Language")
        options = select.locator("option")
        # Each language named in itself, and marked as written in it.
        assert options.all_inner_texts() == ["English", "Français", "Nederlands", "Deutsch", "Italiano", "Español"]
        assert options.evaluate_all("os => os.map(o => o.lang)") == ["en", "fr", "nl", "de", "it", "es"]
        # Said before it is used, since choosing changes the page where scripts run (WCAG 3.2.2).
        expect(select).to_have_accessible_description("The page changes to the language you choose.")
        if javascript:
            expect(page.get_by_role("button", name="Change language")).to_be_hidden()
            with page.expect_navigation():
                select.select_option(label="Deutsch")
        else:
            select.select_option(label="Deutsch")
            page.get_by_role("button", name="Change language").click()
        page.wait_for_url(re.compile(r"/topics\?x=1$"))
        expect(page.locator("html")).to_have_attribute("lang", "de")
        # The select shows the chosen language, named in German now.
        page.get_by_text(hub.text("de", "Menu"), exact=True).click()
        german = page.get_by_label(hub.text("de", "Language"))
        assert german.evaluate("s => s.options[s.selectedIndex].textContent") == "Deutsch"
    finally:
        context.close()


def test_without_javascript_the_menu_still_opens_on_a_phone(browser, hub):
    context = browser.new_context(base_url=hub.base_url, viewport=PHONE, locale="en-GB", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        assert page.evaluate(HEADER_HEIGHT) <= MAX_HEADER
        main = page.get_by_role("navigation", name="Main")
        expect(main).to_be_hidden()
        page.get_by_text("Menu", exact=True).click()
        main.get_by_role("link", name="Resources").click()
        expect(page).to_have_url(re.compile(r"/resources$"))
    finally:
        context.close()


def test_without_javascript_a_desktop_shows_the_whole_navigation(browser, hub):
    context = browser.new_context(base_url=hub.base_url, viewport={"width": 1280, "height": 800}, locale="en-GB",
                                  java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
        expect(page).to_have_url(re.compile(r"/organisations$"))
        expect(page.get_by_role("button", name="Change language")).to_be_visible()
    finally:
        context.close()


# Every cell of a stacked table, with the name of its column (from data-label, shown by CSS) and
# whether the row is wider than the table's box.
TABLE_STATE = """(selector) => {
  const table = document.querySelector(selector);
  if (!table) return null;
  const cells = [...table.querySelectorAll('tbody td, tbody th')];
  // A row's own heading (th scope=row) leads its block and needs no label.
  const unlabelled = cells.filter(c => !c.dataset.label && c.textContent.trim() !== '' && c.scope !== 'row')
                          .map(c => c.outerHTML.slice(0, 80));
  const shown = cells.filter(c => c.dataset.label).slice(0, 3)
                     .map(c => getComputedStyle(c, '::before').content);
  const cell = table.querySelector('tbody td');
  return {rows: table.querySelectorAll('tbody tr').length, unlabelled, shown,
          display: cell ? getComputedStyle(cell).display : null,
          tableWidth: table.getBoundingClientRect().width,
          mainWidth: document.querySelector('main .container').getBoundingClientRect().width,
          scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth};
}"""

TABLES = [("/moderation", "moderator", "table.queue-table"), ("/admin/users", "admin", "table.users-table")]


@pytest.mark.parametrize("path, who, selector", TABLES, ids=[t[0] for t in TABLES])
@pytest.mark.parametrize("width", [375, 320])
def test_on_a_phone_wide_tables_become_labelled_stacked_rows(new_context, axe, path, who, selector, width):
    page = new_context(login=who, width=width, height=PHONE["height"]).new_page()
    page.goto(path)
    state = page.evaluate(TABLE_STATE, selector)
    assert state and state["rows"] > 0, state
    assert state["display"] == "block", state  # a cell per line, not a column
    assert state["scrollWidth"] <= state["innerWidth"], f"{path} is {state['scrollWidth']} px wide at {width}"
    assert not state["unlabelled"], state["unlabelled"]
    assert all(label not in ("none", "normal", '""') for label in state["shown"]), state["shown"]
    violations = axe_violations(page, axe)
    assert not violations, describe_violations(violations)


@pytest.mark.parametrize("path, who, selector", TABLES, ids=[t[0] for t in TABLES])
def test_on_a_desktop_wide_tables_fill_the_page(new_context, axe, path, who, selector):
    page = new_context(login=who, width=1280, height=900).new_page()
    page.goto(path)
    state = page.evaluate(TABLE_STATE, selector)
    assert state["display"] == "table-cell", state
    assert state["tableWidth"] >= state["mainWidth"] - 40, state  # the column's width, less its padding
    violations = axe_violations(page, axe)
    assert not violations, describe_violations(violations)


# The number of columns of each card grid of the home page, and how many cards each holds.
CARD_GRIDS = """() => [...document.querySelectorAll('main ul.cards')].map(grid => ({
  columns: getComputedStyle(grid).gridTemplateColumns.split(' ').length,
  cards: grid.children.length,
  rows: new Set([...grid.children].map(card => Math.round(card.getBoundingClientRect().top))).size}))"""


@pytest.mark.parametrize("width", [320, 375, 768, 1024, 1280, 1920])
def test_the_home_pages_card_grids_leave_no_orphan_card(new_context, width):
    page = new_context(width=width, height=900).new_page()
    page.goto("/")
    grids = page.evaluate(CARD_GRIDS)
    assert len(grids) == 2, grids
    for grid in grids:
        assert grid["cards"] == 6, grid
        assert grid["cards"] % grid["columns"] == 0, f"{width} px: {grid}"
        assert grid["rows"] == grid["cards"] // grid["columns"], grid


def test_screenshots_at_375_and_1280_px(new_context, hub):
    """screenshots/phone-<page>-<width>.png, for people to look at (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    for name, path, who in (("home", "/", None), ("project", hub.paths["project"], None),
                            ("expert-contact", f"/contact/expert/{hub.paths['expert'].rsplit('/', 1)[1]}", None),
                            ("moderation", "/moderation", "moderator"), ("admin-users", "/admin/users", "admin")):
        for width in (375, 1280):
            page = new_context(login=who, width=width, height=PHONE["height"]).new_page()
            page.goto(path)
            page.screenshot(path=SCREENSHOTS / f"phone-{name}-{width}.png", full_page=True)
            if width == 375:
                page.get_by_text("Menu", exact=True).click()
                page.screenshot(path=SCREENSHOTS / f"phone-{name}-{width}-menu.png")
            page.close()
    page = new_context(language="es", width=320, height=PHONE["height"]).new_page()
    page.goto("/")
    page.screenshot(path=SCREENSHOTS / "phone-home-es-320.png")
