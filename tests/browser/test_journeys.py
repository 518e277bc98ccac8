"""The hub's main journeys in a real browser, each step found as a person finds it: by the
visible labels, roles and link texts. Screenshots of the main pages at 1280 and 375 px."""
from __future__ import annotations

import re
import uuid

import pytest

from tests.browser.helpers import (
    PAGE_TYPES, PASSWORD, PLAYWRIGHT_MISSING, SCREENSHOTS, Person, log_in, log_in_with_cookie, visit,
)

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect


def _unique() -> str:
    return uuid.uuid4().hex[:6]


def _header(page):
    return page.get_by_role("navigation", name="Your account")


def _flash(page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def test_member_registers_verifies_and_submits_a_project(page, hub):
    n = _unique()
    person = Person(0, f"nina.{n}@museum.example", f"Nina Newcomer {n}")
    organisation, title = f"Museum of Tidal Histories {n}", f"Reading ships' logbooks with AI {n}"

    page.goto("/")
    _header(page).get_by_role("link", name="Register").click()
    page.get_by_label("Your name").fill(person.name)
    page.get_by_label(re.compile("^Email address")).fill(person.email)
    page.get_by_label(re.compile("^Password")).fill(PASSWORD)
    page.get_by_label(re.compile("I have read the privacy notice")).check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    # The link in the mail confirms the address.
    link = next(url for url in hub.links_in_last_mail_to(person.email) if "/verify/" in url)
    page.goto(link)
    _flash(page, "Thank you, your email address is confirmed.")
    log_in(page, person)
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()

    page.get_by_role("link", name="Add an organisation").click()
    page.get_by_label(re.compile(r"^Name")).fill(organisation)
    page.get_by_label("Type of organisation").select_option(label="Museum")
    page.get_by_label("Country").select_option(label="Netherlands")
    page.get_by_label("City (optional)").fill("Den Helder")
    page.get_by_role("button", name="Submit for review").click()
    _flash(page, "Submitted for review.")
    expect(page.get_by_role("heading", level=1)).to_have_text(organisation)

    _header(page).get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Add a project").click()
    page.get_by_label(re.compile(r"^Title")).fill(title)
    page.get_by_label(re.compile(r"^Summary")).fill("Handwritten logbooks of Dutch ships, transcribed and searchable.")
    page.get_by_label(re.compile(r"^Description")).fill("We train a text recognition model on 18th-century logbooks.")
    expect(page.get_by_label("Lead organisation")).to_have_value(re.compile(r"\d+"))
    expect(page.get_by_label("Lead organisation").locator("option:checked")).to_have_text(organisation)
    page.get_by_label(re.compile(r"^Stage")).select_option(label="Pilot or experiment")
    page.get_by_role("group", name=re.compile("^AI techniques")).get_by_label("Text recognition (OCR/HTR)").check()
    page.get_by_label("Human oversight (optional)").fill("Archivists check every transcription.")
    page.get_by_role("button", name="Submit for review").click()
    _flash(page, "Submitted for review. A moderator will look at it soon.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("complementary", name="For the editors of this entry")).to_contain_text("Pending review")

    _header(page).get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Your submissions and review decisions").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))
    expect(row).to_contain_text("Pending review")


def _member_with_pending_project(hub) -> tuple[Person, str]:
    from hub.directory.models import EntryStatus
    from tests.factories import make_organisation, make_project, make_user

    n = _unique()
    title = f"Colour restoration of glass plates {n}"

    def work():
        user = make_user("member", email=f"otto.{n}@museum.example", name=f"Otto Owner {n}")
        organisation = make_organisation(members=(user,), name=f"Glass Plate Archive {n}", owner=user)
        make_project(organisation, owner=user, status=EntryStatus.PENDING, title=title, topics=("computer-vision",))
        return Person(user.id, user.email, user.display_name)

    return hub.run(work), title


def _review(page, title: str, decision: str, reason: str = "") -> None:
    """The moderator opens the entry from the review queue and decides."""
    page.goto("/")
    _header(page).get_by_role("link", name=re.compile("^Review queue")).click()
    page.get_by_role("link", name=f"Review {title}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review: {title}")
    page.get_by_label(decision).check()
    if reason:
        page.get_by_label("Reason or comment for the submitter").fill(reason)
    page.get_by_role("button", name="Save the decision").click()
    _flash(page, "Decision saved; the submitter has been told.")


def test_moderator_requests_changes_member_resubmits_moderator_approves(new_context, hub):
    member, title = _member_with_pending_project(hub)
    reason = "Please say which collection the model was trained on."
    moderator = new_context().new_page()
    moderator.goto("/")
    log_in(moderator, hub.people["moderator"])
    _review(moderator, title, re.compile("^Request changes"), reason)
    assert any(reason in mail.get_content() for mail in hub.outbox.to(member.email))

    editor = new_context().new_page()
    editor.goto("/")
    log_in(editor, member)
    _header(editor).get_by_role("link", name="Account").click()
    editor.get_by_role("link", name="Your submissions and review decisions").click()
    row = editor.get_by_role("row").filter(has=editor.get_by_role("link", name=title, exact=True))
    expect(row).to_contain_text("Changes requested")
    expect(row).to_contain_text(reason)
    row.get_by_role("link", name=f"Edit {title}").click()
    editor.get_by_label(re.compile(r"^Data used")).fill("The glass plate negatives of our own collection.")
    editor.get_by_role("button", name="Submit for review").click()
    _flash(editor, "Submitted for review.")

    _review(moderator, title, "Approve and publish")

    # A visitor finds it in the public directory.
    visitor = new_context().new_page()
    visitor.goto("/")
    visitor.get_by_role("searchbox", name="Search the directory").fill(title)
    visitor.get_by_role("navigation", name="Main").get_by_role("button", name="Search").click()
    visitor.get_by_role("link", name=title).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(title)
    expect(visitor.get_by_text("The glass plate negatives of our own collection.")).to_be_visible()
    expect(visitor.get_by_role("complementary", name="For the editors of this entry")).to_have_count(0)


def test_visitor_searches_narrows_and_writes_to_a_project_team(page, hub):
    member = hub.people["member"]
    n = _unique()
    page.goto("/")
    page.get_by_role("searchbox", name="Search the directory").fill("handwritten text recognition")
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Search").click()
    facets = page.get_by_role("complementary", name="Narrow the results")
    facets.get_by_role("link", name=re.compile(r"^Netherlands \(")).click()
    expect(page).to_have_url(re.compile(r"country=NL"))
    page.get_by_role("navigation", name="Kinds of entry").get_by_role(
        "link", name=re.compile(r"^Projects \(")).click()  # the type tabs
    expect(page).to_have_url(re.compile(r"type=project"))
    expect(page.get_by_role("heading", level=2, name=re.compile("results? for"))).to_be_visible()
    page.get_by_role("link", name=hub.titles["project"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(hub.titles["project"])

    shown = [page.content()]
    page.get_by_role("link", name="Write to the project team").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(hub.titles["project"])
    shown.append(page.content())
    page.get_by_label("Your name").fill("Sam Seeker")
    page.get_by_label("Your email address").fill(f"sam.{n}@example.org")
    page.get_by_label("Subject").fill(f"Your logbook model {n}")
    page.get_by_label("Message").fill("Hello, could we try your model on our herbarium labels? Sam")
    page.get_by_role("button", name="Send the message").click()
    _flash(page, "Your message was sent.")
    shown.append(page.content())
    assert not [html for html in shown if member.email in html]  # not on the entry, the form or after sending

    received = [m for m in hub.outbox.to(member.email) if f"Your logbook model {n}" in m["Subject"]]
    assert len(received) == 1
    assert "herbarium labels" in received[0].get_content()
    assert received[0]["Reply-To"] is None  # the sender did not share their address
    copy = hub.outbox.to(f"sam.{n}@example.org")
    assert len(copy) == 1 and member.email not in copy[0].as_string()


def test_admin_changes_a_users_role(new_context, hub):
    from tests.factories import make_user

    n = _unique()
    name = f"Rita Reviewer {n}"
    def work():
        user = make_user("member", email=f"rita.{n}@museum.example", name=name)
        return Person(user.id, user.email, user.display_name)

    person = hub.run(work)
    admin = new_context().new_page()
    admin.goto("/")
    log_in(admin, hub.people["admin"])
    _header(admin).get_by_role("link", name="Users").click()
    admin.get_by_label("Name or email address contains").fill(name)
    admin.get_by_role("main").get_by_role("button", name="Search").click()
    admin.get_by_role("link", name=name).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(name)
    admin.get_by_label(re.compile("^Moderator: ")).check()
    admin.get_by_label("Reason (optional)").first.fill("Helps with the review queue.")
    admin.get_by_role("button", name="Change the role").click()
    _flash(admin, f"{name}'s role is changed.")
    expect(admin.get_by_role("definition").filter(has_text=re.compile("^Moderator$"))).to_have_count(1)

    # Their next page shows the review queue.
    them = new_context().new_page()
    log_in_with_cookie(them.context, hub, person)
    them.goto("/")
    expect(_header(them).get_by_role("link", name=re.compile("^Review queue"))).to_be_visible()


def test_screenshots_of_the_main_pages(new_context, hub):
    """screenshots/<page>-1280.png and <page>-375.png, for people to look at (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    pages = {}
    for spec in (p for p in PAGE_TYPES if p.screenshot):
        if spec.who not in pages:
            pages[spec.who] = new_context(login=spec.who).new_page()
        page = pages[spec.who]
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            if width == 1280 or spec.submit:  # a form's error state is shown again after each submit
                visit(page, hub, spec)
            page.screenshot(path=SCREENSHOTS / f"{spec.name}-{width}.png", full_page=True)
            assert (SCREENSHOTS / f"{spec.name}-{width}.png").stat().st_size > 1000
