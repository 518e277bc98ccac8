"""The AI card as members, visitors and moderators meet it: the form's defaults and
its yes / no / not stated questions, every error at once in a summary that names and
links each field, incomplete drafts, the member without an organisation, the card
on the project page, and the moderators' risk warnings and confirmation."""
from __future__ import annotations

import re

import pytest

from hub.accounts.models import Role
from hub.db import db, utcnow
from hub.directory.models import EntryStatus, Project
from tests.conftest import csrf_token, login_as, post_form
from tests.factories import make_organisation, make_project, make_user


def html_of(response) -> str:
    return response.get_data(as_text=True)


def checked(html: str, name: str, value: str) -> bool:
    for tag in re.findall(rf'<input\b[^>]*\bname="{name}"[^>]*>', html):
        if f'value="{value}"' in tag:
            return " checked" in tag
    raise AssertionError(f"no input {name}={value}")


def options(html: str, name: str) -> list[tuple[str, bool]]:
    select = re.search(rf'<select\b[^>]*\bname="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [(value, "selected" in tag) for tag, value in re.findall(r'(<option\b[^>]*\bvalue="([^"]*)"[^>]*>)', select)]


def summary_of(html: str) -> list[tuple[str, str]]:
    """(link target, text) of each item of the error summary."""
    box = re.search(r'<div class="error-summary".*?</ul>', html, re.S)
    assert box, "no error summary"
    return [(target, re.sub(r"<[^>]+>", "", text)) for target, text in
            re.findall(r'<li><a href="#([^"]+)">(.*?)</a></li>', box.group(0), re.S)]


@pytest.fixture
def member(client):
    user = make_user(name="Card Member")
    login_as(client, user)
    return user


@pytest.fixture
def lead(member):
    return make_organisation(members=(member,), name="Card Museum", country="NL")


BASE = {"title": "Reading ledgers", "summary": "Reads ledgers.", "description": "Text recognition.",
        "stage": "pilot", "country": "", "techniques": ["text-recognition"]}


def saved(title: str = "Reading ledgers") -> Project | None:
    return db.session.scalar(db.select(Project).where(Project.title == title))


# --- the form -----------------------------------------------------------------------------


def test_the_form_starts_on_not_yet_assessed_and_not_stated(client, member, lead):
    html = html_of(client.get("/submit/project"))
    risks = options(html, "risk_level")
    assert risks[0] == ("not-assessed", True) and sum(chosen for _, chosen in risks) == 1
    for name in ("dpia_done", "fria_done", "bias_review_done"):
        assert checked(html, name, "not-stated") and not checked(html, name, "yes") and not checked(html, name, "no")
    # Each question is a group of radios in a fieldset named by its legend.
    assert re.search(r'<fieldset class="field radio-list[^"]*" id="dpia_done"[^>]*>\s*<legend>Was a data protection '
                     r'impact assessment made\?</legend>', html)


def test_a_project_submitted_with_the_defaults_is_not_yet_assessed(client, member, lead):
    form = html_of(client.get("/submit/project"))
    defaults = {"risk_level": dict(options(form, "risk_level")) and next(v for v, s in options(form, "risk_level") if s),
                "dpia_done": "not-stated", "fria_done": "not-stated", "bias_review_done": "not-stated"}
    response = client.post("/submit/project", data={**BASE, **defaults, "lead_organisation_id": lead.id,
                                                     "submit": "1", "csrf_token": csrf_token(form)})
    assert response.status_code == 302, html_of(response)
    project = saved()
    assert project.status is EntryStatus.PENDING and project.risk_level == "not-assessed"
    assert (project.dpia_done, project.fria_done, project.bias_review_done) == (None, None, None)


def test_editing_shows_the_stored_answers(client, member, lead):
    project = make_project(lead, owner=member, status=EntryStatus.DRAFT)
    project.dpia_done, project.fria_done = True, False
    db.session.commit()
    html = html_of(client.get(f"/edit/project/{project.id}"))
    assert checked(html, "dpia_done", "yes") and checked(html, "fria_done", "no")
    assert checked(html, "bias_review_done", "not-stated")


@pytest.mark.parametrize("level", ["high", "unacceptable"])
def test_high_or_unacceptable_risk_without_justification_is_refused_next_to_the_field(client, member, lead, level):
    response = post_form(client, "/submit/project", {**BASE, "lead_organisation_id": lead.id, "risk_level": level,
                                                     "risk_justification": " ", "human_oversight": "Typed text kept",
                                                     "submit": "1"})
    html = html_of(response)
    assert response.status_code == 200 and saved() is None
    assert re.search(r'id="risk_justification-error"[^>]*>.*?a high or unacceptable risk needs a justification',
                     html, re.S)
    assert ("risk_justification", "Why this risk level: Explain why the project has this risk level: a high or "
            "unacceptable risk needs a justification.") in summary_of(html)
    assert "Typed text kept</textarea>" in html
    assert [v for v, chosen in options(html, "risk_level") if chosen] == [level]


def test_every_error_at_once_each_naming_and_linking_its_field(client, member, lead):
    """The form's own errors (a choice it never offered) and the service's (required fields,
    an unknown partner, the justification) in one summary, not one after the other."""
    response = post_form(client, "/submit/project", {
        **BASE, "title": "", "stage": "someday", "lead_organisation_id": lead.id, "risk_level": "high",
        "partner_names": "Museum of Nowhere", "dpia_done": "maybe", "website": "not a web address", "submit": "1"})
    html = html_of(response)
    assert response.status_code == 200 and saved("") is None
    items = dict(summary_of(html))
    assert set(items) == {"title", "stage", "partner_names", "risk_justification", "dpia_done-0", "website"}
    assert items["title"] == "Title: This field is required."
    assert items["stage"] == "Stage: Not a valid choice."
    assert items["partner_names"].startswith("Partner organisations: No organisation in the directory is named")
    assert items["dpia_done-0"] == "Was a data protection impact assessment made?: Choose yes, no or not stated."
    assert items["website"].startswith("Website: Enter a full web address")
    # Each link leads to an element of the page with that id.
    for target in items:
        assert f'id="{target}"' in html, target
    # What was typed is kept.
    assert "Museum of Nowhere</textarea>" in html and 'value="not a web address"' in html


# --- drafts ---------------------------------------------------------------------------------


def test_a_draft_saves_whatever_was_typed(client, member, lead):
    response = post_form(client, "/submit/project", {"title": "", "summary": "Half an idea", "description": "",
                                                     "stage": "", "country": "", "lead_organisation_id": "",
                                                     "save": "1"})
    assert response.status_code == 302, html_of(response)
    project = db.session.scalar(db.select(Project).where(Project.summary == "Half an idea"))
    assert project.status is EntryStatus.DRAFT and project.title == "" and project.lead_organisation is None
    page = html_of(client.get(response.headers["Location"]))
    assert "Untitled draft" in page and "Half an idea" in page

    # Submitting it from its page is refused, and says what to complete; it stays a draft.
    response = client.post(f"/edit/project/{project.id}/submit", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/edit/project/{project.id}")
    db.session.refresh(project)
    assert project.status is EntryStatus.DRAFT
    edit = html_of(client.get(response.headers["Location"]))
    assert "Complete the required fields before you submit" in edit

    # Submitting the form names every missing field.
    response = post_form(client, f"/edit/project/{project.id}", {"summary": "Half an idea", "submit": "1"})
    targets = {target for target, _ in summary_of(html_of(response))}
    assert {"title", "description", "stage", "lead_organisation_id", "techniques-0"} <= targets


def test_too_long_input_is_refused_in_a_draft_too_and_kept(client, member, lead):
    response = post_form(client, "/submit/project", {"title": "x" * 201, "summary": "Kept summary", "save": "1"})
    html = html_of(response)
    assert response.status_code == 200 and "Use at most 200 characters (now 201)." in html
    assert 'value="' + "x" * 201 + '"' in html and 'value="Kept summary"' in html


@pytest.mark.parametrize("kind, fields", [
    ("organisation", {"name": "", "type": "", "description": "Only a description"}),
    ("resource", {"title": "", "type": "", "summary": "", "description": "Only a description", "organisation_id": ""}),
    ("expert", {"display_name": "", "bio": "Only a bio", "organisation_id": ""}),
])
def test_every_kind_saves_an_incomplete_draft(client, member, kind, fields):
    response = post_form(client, f"/submit/{kind}", {**fields, "country": "", "submit": "1"})
    assert response.status_code == 200 and "This field is required." in html_of(response)
    response = post_form(client, f"/submit/{kind}", {**fields, "country": "", "save": "1"})
    assert response.status_code == 302, html_of(response)


# --- a member without an organisation ----------------------------------------------------------


def test_a_member_without_an_organisation_is_shown_how_to_get_one_first(client, member):
    response = client.get("/submit/project")
    html = html_of(response)
    assert response.status_code == 200 and "First, your organisation" in html
    assert 'href="/account/organisations"' in html and 'href="/submit/organisation"' in html
    # Not a dead end: the project can be started as a draft all the same.
    draft = client.get("/submit/project?without_organisation=1")
    assert draft.status_code == 200 and 'name="title"' in html_of(draft)
    # Kinds that need no organisation open straight away.
    assert 'name="title"' in html_of(client.get("/submit/resource"))


def test_a_member_with_an_organisation_gets_the_form(client, member, lead):
    html = html_of(client.get("/submit/project"))
    assert "First, your organisation" not in html and 'name="title"' in html


# --- the card on the project page ------------------------------------------------------------------


def card_of(html: str) -> str:
    return re.search(r'<section class="ai-card".*?</section>\s*(?=<section aria-labelledby="contact")', html,
                     re.S).group(0)


def test_the_card_groups_what_is_stated_then_lists_what_is_missing(client, lead):
    project = make_project(lead)
    project.risk_level, project.human_oversight, project.dpia_done = "limited", "A curator checks.", True
    project.lessons_failed = "The model misread faded ink."
    db.session.commit()
    card = card_of(html_of(client.get(f"/projects/{project.slug}")))
    assert "A curator checks." in card and "The model misread faded ink." in card
    assert card.count("Not stated yet") == 1
    assert ("Not stated yet: data and rights, environmental footprint, open source." in card)
    # The stated groups come before the line of missing ones.
    assert card.index("Human oversight") < card.index("Not stated yet")


def test_assessments_say_yes_or_no_only_when_stated(client, lead):
    project = make_project(lead)
    project.dpia_done, project.fria_done, project.bias_review_done = True, False, None
    db.session.commit()
    card = card_of(html_of(client.get(f"/projects/{project.slug}")))
    assert "Data protection impact assessment: <strong>yes</strong>" in card
    assert "Fundamental-rights impact assessment: <strong>no</strong>" in card
    assert "Bias review" not in card

    silent = make_project(lead)  # nothing stated: no "no" anywhere, the group is listed as missing
    card = card_of(html_of(client.get(f"/projects/{silent.slug}")))
    assert "<strong>no</strong>" not in card and "assessment:" not in card
    assert "Not stated yet: risk under the EU AI Act, human oversight, assessments made," in card


def test_only_the_entrys_editors_are_invited_to_complete_the_card(app, client, member, lead):
    project = make_project(lead)
    invitation = "Complete the AI card"
    assert invitation not in html_of(app.test_client().get(f"/projects/{project.slug}"))  # a visitor
    login_as(client, make_user())
    assert invitation not in html_of(client.get(f"/projects/{project.slug}"))  # another member
    login_as(client, member)
    html = html_of(client.get(f"/projects/{project.slug}"))
    assert f'href="/edit/project/{project.id}#ai-card-fields">{invitation}</a>' in html
    assert 'id="ai-card-fields"' in html_of(client.get(f"/edit/project/{project.id}"))


def test_a_complete_card_has_no_missing_line_and_no_invitation(client, member, lead):
    project = make_project(lead)
    for name, value in {"risk_level": "minimal", "human_oversight": "H.", "bias_review_done": False,
                        "data_rights": "CC0.", "compute": "2 GPU hours.", "code_licence": "MIT",
                        "lessons_worked": "L."}.items():
        setattr(project, name, value)
    db.session.commit()
    html = html_of(client.get(f"/projects/{project.slug}"))
    assert "Not stated yet" not in html and "Complete the AI card" not in html


def test_the_review_date_is_shown_once(client, lead):
    project = make_project(lead)
    project.reviewed_at = utcnow()
    db.session.commit()
    html = html_of(client.get(f"/projects/{project.slug}"))
    assert len(re.findall(r"Last reviewed", html)) == 1


# --- moderators: warnings and the confirmation ---------------------------------------------------


@pytest.fixture
def moderator(client):
    return make_user(role=Role.MODERATOR)


def risky(lead, level: str, title: str) -> Project:
    project = make_project(lead, status=EntryStatus.PENDING, title=title)
    project.risk_level, project.risk_justification = level, f"Why {title} is {level}."
    db.session.commit()
    return project


def test_the_queue_warns_in_words_of_high_and_unacceptable_risk(client, lead, moderator):
    risky(lead, "high", "Sorting applicants")
    risky(lead, "unacceptable", "Scoring visitors")
    risky(lead, "minimal", "Reading ledgers")
    login_as(client, moderator)
    html = html_of(client.get("/moderation"))
    rows = {re.search(r"Project: ([^<]+)", row).group(1).strip(): row
            for row in re.findall(r"<tr>.*?</tr>", html, re.S) if "Project:" in row}
    assert "Warning: high risk" in rows["Sorting applicants"]
    assert "Warning: unacceptable risk (prohibited)" in rows["Scoring visitors"]
    assert "Warning" not in rows["Reading ledgers"]


@pytest.mark.parametrize("level, words", [("high", "Warning: high risk."), ("unacceptable", "Warning: unacceptable risk.")])
def test_the_review_page_warns_and_shows_the_justification(client, lead, moderator, level, words):
    project = risky(lead, level, "Risky project")
    login_as(client, moderator)
    html = html_of(client.get(f"/moderation/project/{project.id}"))
    assert words in html and f"Why Risky project is {level}." in html
    assert ('name="confirm_prohibited"' in html) is (level == "unacceptable")


def test_approving_an_unacceptable_risk_asks_for_confirmation(client, lead, moderator):
    project = risky(lead, "unacceptable", "Scoring visitors")
    login_as(client, moderator)
    url = f"/moderation/project/{project.id}"
    page = html_of(client.get(url))
    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    response = client.post(url, data={"csrf_token": csrf_token(page), "decision": "approve", "version": version})
    assert response.status_code == 422
    assert "Confirm that you have read the justification" in html_of(response)
    assert ("confirm_prohibited", ) == tuple(t for t, _ in summary_of(html_of(response)))
    db.session.refresh(project)
    assert project.status is EntryStatus.PENDING
    response = client.post(url, data={"csrf_token": csrf_token(page), "decision": "approve", "version": version,
                                      "confirm_prohibited": "y"})
    assert response.status_code == 302
    db.session.refresh(project)
    assert project.status is EntryStatus.PUBLISHED


def test_the_field_comparison_shows_not_stated(client, lead, moderator, member):
    from hub.directory.services import input_for
    from hub.moderation.services import propose_revision

    project = make_project(lead, owner=member, status=EntryStatus.PUBLISHED)
    project.dpia_done = False
    db.session.commit()
    data = input_for(project)
    data.dpia_done = None
    revision = propose_revision(member, project, data, submit=True)
    db.session.commit()
    login_as(client, moderator)
    html = html_of(client.get(f"/moderation/revisions/{revision.id}"))
    row = re.search(r"<tr>\s*<th scope=\"row\">Was a data protection impact assessment made\?</th>.*?</tr>", html,
                    re.S).group(0)
    assert "No" in row and "Not stated" in row


def test_incomplete_changes_to_a_published_project_wait_as_a_draft(client, member, lead):
    from hub.moderation.services import open_revision

    project = make_project(lead, owner=member, status=EntryStatus.PUBLISHED, title="Published ledgers")
    response = post_form(client, f"/edit/project/{project.id}", {**BASE, "title": "", "lead_organisation_id": lead.id,
                                                                 "save": "1"})
    assert response.status_code == 302, html_of(response)
    revision = open_revision(project)
    assert revision.status.value == "draft" and revision.data["title"] == ""
    page = html_of(client.get(f"/projects/{project.slug}"))
    response = client.post(f"/edit/project/{project.id}/revision/submit", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/edit/project/{project.id}")
    db.session.refresh(revision)
    assert revision.status.value == "draft" and project.title == "Published ledgers"
    assert "Complete the required fields before you submit: Title." in html_of(client.get(response.headers["Location"]))


def test_the_review_page_says_what_the_card_leaves_unstated(client, lead, moderator):
    project = risky(lead, "minimal", "Reading ledgers")
    project.human_oversight = "A curator checks."
    db.session.commit()
    login_as(client, moderator)
    html = html_of(client.get(f"/moderation/project/{project.id}"))
    assert ("AI card: not stated yet: assessments made, data and rights, environmental footprint, open source, "
            "lessons learned.") in html
    organisation = make_organisation(status=EntryStatus.PENDING)
    assert "AI card" not in html_of(client.get(f"/moderation/organisation/{organisation.id}"))
