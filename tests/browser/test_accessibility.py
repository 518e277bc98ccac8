"""WCAG 2.1 AA in a real browser: axe-core on every page type in English and French (forms in
their error state); a keyboard-only journey with visible focus; the skip link; landmarks;
accessible form errors; nothing loaded from another host; no sideways scrolling at 320 px."""
from __future__ import annotations

import re

import pytest

from tests.browser.helpers import (
    FOCUS_STATE, PAGE_TYPES, PLAYWRIGHT_MISSING, axe_violations, describe_violations, open_page, tab_to, visit,
)

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect


AXE_RUNS = [pytest.param(spec, language, id=f"{spec.name}-{language}")
            for language in ("en", "fr") for spec in PAGE_TYPES if language == "en" or spec.french]


@pytest.mark.parametrize("spec, language", AXE_RUNS)
def test_no_wcag_21_aa_violations(new_context, hub, axe, spec, language):
    page = open_page(new_context, hub, spec, language)
    assert page.evaluate("() => document.documentElement.lang") == language
    violations = axe_violations(page, axe)
    assert not violations, f"{spec.name} ({language}), {page.url}:\n{describe_violations(violations)}"
    # Reflow (1.4.10): in a 320 px window (400 % zoom of 1280 px) nothing scrolls sideways.
    page.set_viewport_size({"width": 320, "height": 640})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{spec.name} ({language}) is {width} px wide in a 320 px window"


def test_the_language_switcher_turns_the_pages_french(page, hub):
    page.goto("/")
    page.get_by_label("Language").select_option(label="Français")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    french = page.get_by_label(hub.text("fr", "Language"))
    assert french.evaluate("s => s.options[s.selectedIndex].textContent") == "Français"
    assert {"name": "hub_lang", "value": "fr"}.items() <= next(
        c for c in page.context.cookies() if c["name"] == "hub_lang").items()


def test_keyboard_only_search_and_contact(page, hub):
    """Tab, Enter and Space only: search, open a result, write to its team."""
    page.goto("/")
    tab_to(page, page.get_by_role("searchbox", name="Search the directory"))
    page.keyboard.type("handwritten text recognition")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))

    facets = page.get_by_role("complementary", name="Narrow the results")
    tab_to(page, facets.get_by_role("link", name=re.compile(r"^Netherlands")))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"country=NL"))

    tab_to(page, page.get_by_role("link", name=hub.titles["project"]))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(hub.titles["project"])

    tab_to(page, page.get_by_role("link", name="Write to the project team"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Write to")

    for label, text in (("Your name", "Kim Keyboard"), ("Your email address", "kim.keyboard@example.org"),
                        ("Subject", "Reusing your model"), ("Message", "Could we reuse your model? Kim")):
        tab_to(page, page.get_by_label(label))
        page.keyboard.type(text)
    share = page.get_by_label("Share my email address with the recipient")
    tab_to(page, share)
    page.keyboard.press("Space")
    expect(share).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Send the message"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your message was sent.")).to_be_visible()
    mails = [m for m in hub.outbox.to(hub.people["member"].email) if "Reusing your model" in m["Subject"]]
    assert len(mails) == 1 and mails[0]["Reply-To"] is not None  # the sender chose to share the address


def test_skip_link_is_first_and_moves_focus_to_main(page):
    page.goto("/projects")
    page.keyboard.press("Tab")
    state = page.evaluate(FOCUS_STATE)
    assert state["tag"] == "a" and state["text"] == "Skip to main content", state
    assert state["visible"] and state["onScreen"], state
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.tagName") == "MAIN"
    assert page.evaluate("() => document.activeElement.id") == "main"
    # The next Tab continues inside main, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


@pytest.mark.parametrize("path", ["/", "/search?q=museum", "@project", "/register"])
def test_landmarks(page, hub, path):
    page.goto(hub.paths[path[1:]] if path.startswith("@") else path)
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Main")).to_have_count(1)
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
    expect(page.get_by_role("search")).not_to_have_count(0)


# For every message in the error summary: the field (or each option of a group) is
# aria-invalid and described by an element that holds the message.
FORM_ERRORS = """() => {
  const summary = document.querySelector('.error-summary');
  if (!summary) return {summary: false};
  const problems = [];
  const links = [...summary.querySelectorAll('a[href^="#"]')];
  for (const link of links) {
    const id = decodeURIComponent(link.getAttribute('href').slice(1));
    const target = document.getElementById(id);
    // The link names the field, then repeats the message shown next to it.
    const message = (link.querySelector('.error-summary-message') || link).textContent.trim();
    if (!target) { problems.push(`no element #${id} for "${message}"`); continue; }
    if (!target.matches('input, select, textarea')) { problems.push(`#${id} is not a form control`); continue; }
    // A radio or checkbox of a group: every option is invalid, and the group (a fieldset) is described.
    const group = target.matches('[type=radio], [type=checkbox]') ? target.closest('fieldset') : null;
    const controls = group ? [...group.querySelectorAll('input')] : [target];
    for (const control of controls) {
      if (control.getAttribute('aria-invalid') !== 'true') problems.push(`#${control.id} is not aria-invalid`);
    }
    const described = [target, group].filter(Boolean).map(e => e.getAttribute('aria-describedby') || '').join(' ');
    const texts = described.split(/\\s+/).filter(Boolean)
                           .map(d => (document.getElementById(d) || {}).textContent || '');
    if (!texts.some(t => t.includes(message))) problems.push(`#${id} is not described by "${message}" (${described})`);
  }
  return {summary: true, role: summary.getAttribute('role'), count: links.length, problems};
}"""


@pytest.mark.parametrize("spec", [p for p in PAGE_TYPES if p.submit and not p.tamper_csrf],
                         ids=lambda p: p.name)
def test_form_errors_are_summarised_and_tied_to_their_fields(new_context, hub, spec):
    page = open_page(new_context, hub, spec)
    result = page.evaluate(FORM_ERRORS)
    assert result["summary"] and result["role"] == "alert" and result["count"] > 0, result
    assert not result["problems"], "\n".join(result["problems"])
    # The summary's first link takes the focus to its field.
    first = page.get_by_role("alert").get_by_role("link").first
    first.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == first.get_attribute("href")[1:]


def test_every_page_type_loads_only_from_the_hub(new_context, hub):
    """Every request of every page type goes to the hub itself, and the content security policy
    refuses nothing (no inline style or script). (Every other test's pages are held to the
    first rule too, by the new_context fixture.)"""
    requests, console_errors = [], []
    pages = {}
    for spec in PAGE_TYPES:
        if spec.who not in pages:
            pages[spec.who] = new_context(login=spec.who).new_page()
            pages[spec.who].on("request", lambda request: requests.append(request.url))
            pages[spec.who].on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        visit(pages[spec.who], hub, spec)
    # The search box's suggestions come from the hub too.
    page = pages[None]
    page.goto("/search")
    with page.expect_response(re.compile(r"/search/suggest\?")) as suggestions:
        page.get_by_label("Search projects, experts, resources and organisations").press_sequentially("text rec")
    assert suggestions.value.ok
    assert len(requests) > 2 * len(PAGE_TYPES)  # pages, style sheet, icon, script, suggestions
    foreign = [url for url in requests if not hub.is_own(url)]
    assert not foreign, foreign
    # The error pages' statuses (404, 403, 400) are logged by the browser; anything else is a problem.
    unexpected = [text for text in console_errors if "the server responded with a status of" not in text]
    assert not unexpected, unexpected


@pytest.mark.parametrize("path", ["/", "/search?q=text+recognition", "@project", "@demo-project"])
def test_no_horizontal_scrolling_at_320_px(new_context, hub, path):
    """Loaded at 320 px from the start (test_no_wcag_21_aa_violations also narrows every page type)."""
    page = new_context(width=320, height=640).new_page()
    page.goto(hub.paths[path[1:]] if path.startswith("@") else path)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{path}: the page is {widths[0]} px wide in a {widths[1]} px window"


def test_on_a_phone_the_filters_start_closed_and_open_with_their_button(new_context, hub):
    page = new_context(width=375, height=740).new_page()
    page.goto("/search?q=text+recognition")
    facets = page.get_by_role("complementary", name="Narrow the results")
    netherlands = facets.get_by_role("link", name=re.compile(r"^Netherlands \("))
    assert not netherlands.is_visible()  # the results come first
    facets.get_by_text("Show or hide the filters").click()
    assert netherlands.is_visible()
    wide = new_context(width=1280, height=800).new_page()
    wide.goto("/search?q=text+recognition")
    wide_facets = wide.get_by_role("complementary", name="Narrow the results")
    assert wide_facets.get_by_role("link", name=re.compile(r"^Netherlands \(")).is_visible()
    assert not wide_facets.get_by_text("Show or hide the filters").is_visible()
