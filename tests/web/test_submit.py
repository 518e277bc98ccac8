"""Adding and editing entries through the forms, as a member does it: an
organisation, then a project it leads, submitted, published from the command
line and then public; and the ways a form can go wrong."""
from __future__ import annotations

import re

import pytest

from hub.db import db
from hub.directory import services
from hub.directory.models import EntryStatus, Expert, Membership, Organisation, Project
from hub.errors import InvalidInput
from tests.conftest import csrf_token, login_as, post_form
from tests.factories import make_organisation, make_project, make_user

ORGANISATION = {
    "name": "Musée des Confluences Test", "type": "museum", "country": "FR", "city": "Lyon",
    "region": "Auvergne-Rhône-Alpes", "website": "https://museum.example/lyon", "description": "A *science* museum.",
    "wikidata_qid": "q3329534", "latitude": "45.733", "longitude": "4.818",
}

PROJECT = {
    "title": "Handwriting reader", "summary": "Reads old letters aloud.",
    "description": "We trained a **text recognition** model on 10,000 letters.",
    "stage": "pilot", "start_year": "2022", "end_year": "2025", "country": "", "techniques": ["nlp", "text-recognition"],
    "areas": ["digitisation"], "languages": ["fr", "en"], "website": "https://letters.example/",
    "repository_url": "https://git.example/letters", "code_licence": "MIT", "risk_level": "minimal",
    "human_oversight": "A curator checks every transcription.", "dpia_done": "yes",
    "lessons_worked": "Small models.", "lessons_failed": "Faded ink.",
}


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def html_of(response) -> str:
    return response.get_data(as_text=True)


def checked(html: str, name: str, value: str) -> bool:
    """Is the checkbox `name`=`value` ticked in the page?"""
    for tag in re.findall(rf'<input\b[^>]*\bname="{name}"[^>]*>', html):
        if f'value="{value}"' in tag:
            return " checked" in tag
    raise AssertionError(f"no checkbox {name}={value}")


def selected(html: str, name: str, value: str) -> bool:
    select = re.search(rf'<select\b[^>]*\bname="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    option = re.search(rf'<option\b[^>]*\bvalue="{re.escape(value)}"[^>]*>', select.group(1))
    return bool(option) and "selected" in option.group(0)


@pytest.fixture
def member(client):
    user = make_user(name="Mara Member")
    login_as(client, user)
    return user


@pytest.fixture
def own_organisation(member):
    return make_organisation(members=(member,), name="Own Museum", country="BE")


# --- the whole journey ----------------------------------------------------------


def test_member_adds_organisation_and_project_which_is_published_and_then_public(app, client, member):
    # An organisation saved as a draft: the creator becomes its member.
    response = post_form(client, "/submit/organisation", {**ORGANISATION, "save": "1"})
    organisation = db.session.scalar(db.select(Organisation).where(Organisation.name == ORGANISATION["name"]))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/organisations/{organisation.slug}")
    assert organisation.status is EntryStatus.DRAFT and organisation.owner_id == member.id
    assert organisation.wikidata_qid == "Q3329534" and organisation.latitude == pytest.approx(45.733)
    assert db.session.scalar(db.select(Membership).where(Membership.user_id == member.id,
                                                         Membership.organisation_id == organisation.id))
    html = html_of(client.get(response.headers["Location"]))
    assert "Saved as a draft" in html and "Musée des Confluences Test" in html

    # A second one, submitted straight away: pending.
    response = post_form(client, "/submit/organisation", {**ORGANISATION, "name": "Second Test Museum",
                                                           "website": "https://second.example/", "submit": "1"})
    second = db.session.scalar(db.select(Organisation).where(Organisation.name == "Second Test Museum"))
    assert response.status_code == 302 and second.status is EntryStatus.PENDING and second.submitted_at
    assert "Submitted for review" in html_of(client.get(response.headers["Location"]))

    # The project form offers both as lead; a published organisation can be a partner.
    partner = make_organisation(name="Rijksmuseum Partner")
    form = html_of(client.get("/submit/project"))
    assert f'value="{organisation.id}"' in form and f'value="{second.id}"' in form
    response = post_form(client, "/submit/project", {**PROJECT, "lead_organisation_id": organisation.id,
                                                      "partner_names": "rijksmuseum partner\n", "save": "1"})
    assert response.status_code == 302, html_of(response)
    project = db.session.scalar(db.select(Project).where(Project.title == "Handwriting reader"))
    assert project.status is EntryStatus.DRAFT and project.slug == "handwriting-reader"
    assert project.lead_organisation.id == organisation.id and [p.id for p in project.partners] == [partner.id]
    assert project.country == "FR"  # from the lead organisation when left empty
    assert sorted(t.id for t in project.topics) == ["digitisation", "nlp", "text-recognition"]
    assert project.languages == ["fr", "en"] and project.dpia_done is True and project.fria_done is None
    assert (project.start_year, project.end_year, project.risk_level) == (2022, 2025, "minimal")

    # Submitted from the project page: pending, and still not public.
    page = html_of(client.get(f"/projects/{project.slug}"))
    assert "Submit for review" in page
    response = client.post(f"/edit/project/{project.id}/submit", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert project.status is EntryStatus.PENDING and project.submitted_at is not None
    public = app.test_client()
    assert public.get(f"/projects/{project.slug}").status_code == 404
    assert "Handwriting reader" not in html_of(public.get("/projects"))

    # An administrator publishes it on the command line; now everyone sees it.
    result = app.test_cli_runner().invoke(args=["hub", "publish", "project", project.slug])
    assert result.exit_code == 0, result.output
    assert project.status is EntryStatus.PUBLISHED and project.published_at is not None
    response = public.get(f"/projects/{project.slug}")
    assert response.status_code == 200
    html = html_of(response)
    assert "Handwriting reader" in html and "<strong>text recognition</strong>" in html
    assert "Musée des Confluences Test" in html and "Rijksmuseum Partner" in html
    assert "Handwriting reader" in html_of(public.get("/projects"))
    assert "Handwriting reader" in html_of(public.get("/projects?topic=nlp&type=pilot&country=FR"))


def test_unverified_member_is_sent_away_from_the_forms(client):
    user = make_user(verified=False)
    make_organisation(members=(user,))
    login_as(client, user)
    for kind in ("project", "organisation", "expert", "resource"):
        response = client.get(f"/submit/{kind}")
        assert response.status_code == 302 and response.headers["Location"].endswith("/account"), kind
    page = client.get("/account", follow_redirects=True)
    assert "Confirm your email address first" in html_of(page)
    # Posting directly changes nothing either.
    response = client.post("/submit/organisation", data={**ORGANISATION, "csrf_token": csrf_token(html_of(page)),
                                                         "submit": "1"})
    assert response.status_code == 302 and count(Organisation) == 1


def test_unknown_kind_is_404(client, member):
    assert client.get("/submit/painting").status_code == 404
    assert client.get("/edit/painting/1").status_code == 404
    assert client.get("/edit/project/999999").status_code == 404


# --- validation -----------------------------------------------------------------


def test_errors_are_shown_and_what_was_typed_is_kept(client, member, own_organisation):
    typed = {**PROJECT, "title": "   ", "summary": "Typed summary ✓ with “quotes” & <angle>",
             "description": "Typed description with <b>tags</b>\nand a second line",
             "techniques": ["nlp", "no-such-technique"], "start_year": "2024", "end_year": "2020",
             "website": "letters dot example", "lead_organisation_id": own_organisation.id, "submit": "1"}
    response = post_form(client, "/submit/project", typed)
    html = html_of(response)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "This field is required." in html
    assert "Unknown values: no-such-technique." in html
    assert "The end year cannot be before the start year." in html
    assert "Enter a full web address starting with https:// or http://." in html
    # What the member typed is still there, escaped.
    assert 'value="Typed summary ✓ with “quotes” &amp; &lt;angle&gt;"' in html
    assert "Typed description with &lt;b&gt;tags&lt;/b&gt;\nand a second line</textarea>" in html
    assert 'value="2024"' in html and 'value="2020"' in html and 'value="letters dot example"' in html
    assert 'value="https://git.example/letters"' in html and "A curator checks every transcription.</textarea>" in html
    assert checked(html, "techniques", "nlp") and not checked(html, "techniques", "computer-vision")
    assert checked(html, "areas", "digitisation") and checked(html, "languages", "fr")
    assert checked(html, "dpia_done", "yes") and checked(html, "fria_done", "not-stated")
    assert selected(html, "stage", "pilot") and selected(html, "risk_level", "minimal")
    assert selected(html, "lead_organisation_id", str(own_organisation.id))
    assert 'aria-invalid="true"' in html
    assert count(Project) == 0


def test_partner_not_in_the_directory_is_named_in_the_error(client, member, own_organisation):
    make_organisation(name="Known Partner Museum")
    response = post_form(client, "/submit/project", {
        **PROJECT, "lead_organisation_id": own_organisation.id,
        "partner_names": "Known Partner Museum\nMuseum of Imaginary Things", "save": "1"})
    html = html_of(response)
    assert response.status_code == 200
    assert "No organisation in the directory is named “Museum of Imaginary Things”" in html
    assert "Known Partner Museum\nMuseum of Imaginary Things</textarea>" in html
    assert 'value="Handwriting reader"' in html
    assert count(Project) == 0


@pytest.mark.parametrize("field, value, message", [
    ("title", "x" * 201, "Use at most 200 characters (now 201)."),
    ("summary", "", "This field is required."),
    ("description", "", "This field is required."),
    ("techniques", [], "Choose at least one."),
    ("stage", "", "Choose one of the options."),
    ("stage", "someday", "Not a valid choice"),
    ("start_year", "twenty", "Enter a year as four digits, like 2024."),
    ("end_year", "1850", "Enter a year between 1900 and"),
    ("repository_url", "javascript:alert(1)", "Enter a full web address"),
    ("website", "https://localhost", "Enter a full web address"),
    ("languages", ["xx-nonsense"], "Unknown language codes: xx-nonsense."),
    ("content_language", "xx-nonsense", "Not a valid choice"),
    ("content_language", "<script>", "Not a valid choice"),
])
def test_each_rule_gives_its_message(client, member, own_organisation, field, value, message):
    data = {**PROJECT, "lead_organisation_id": own_organisation.id, "submit": "1", field: value}
    response = post_form(client, "/submit/project", data)
    assert response.status_code == 200
    assert message in html_of(response)
    assert count(Project) == 0


def test_organisation_rules(client, member):
    response = post_form(client, "/submit/organisation", {
        **ORGANISATION, "wikidata_qid": "Rijksmuseum", "latitude": "52.36", "longitude": "",
        "website": "ftp://museum.example", "save": "1"})
    html = html_of(response)
    assert "A Wikidata identifier looks like Q190804." in html
    assert "Give both latitude and longitude, or neither." in html
    assert "Enter a full web address" in html
    assert 'value="Rijksmuseum"' in html and 'value="52.36"' in html and 'value="ftp://museum.example"' in html
    # A value that is not among the options (a tampered select) is refused by the form.
    response = post_form(client, "/submit/organisation", {**ORGANISATION, "type": "zoo", "save": "1"})
    assert "Not a valid choice" in html_of(response)
    assert count(Organisation) == 0 and count(Membership) == 0


# --- experts --------------------------------------------------------------------


def test_an_expert_profile_is_made_once_then_edited(client, member):
    response = post_form(client, "/submit/expert", {
        "display_name": "Dr. Mara Member", "role_title": "Head of digital", "bio": "I know *HTR*.",
        "country": "DE", "organisation_id": "", "techniques": ["text-recognition"], "languages": ["de", "en"], "offers": ["mentoring"],
        "open_to_contact": "y", "save": "1"})
    assert response.status_code == 302, html_of(response)
    expert = db.session.scalar(db.select(Expert).where(Expert.user_id == member.id))
    assert expert.display_name == "Dr. Mara Member" and expert.status is EntryStatus.DRAFT
    assert expert.offers == ["mentoring"] and expert.open_to_contact

    again = client.get("/submit/expert")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/edit/expert/{expert.id}")
    # A second profile cannot be posted either.
    response = client.post("/submit/expert", data={"csrf_token": csrf_token(html_of(client.get("/login"))),
                                                   "display_name": "Second me", "bio": "Again.", "country": "",
                                                   "techniques": ["nlp"], "save": "1"})
    assert response.status_code == 302
    assert count(Expert) == 1
    edit_page = html_of(client.get(f"/edit/expert/{expert.id}"))
    assert 'value="Dr. Mara Member"' in edit_page and checked(edit_page, "offers", "mentoring")


def test_expert_needs_a_technique_or_an_area(client, member):
    response = post_form(client, "/submit/expert", {"display_name": "Mara", "bio": "Me.", "country": "",
                                                     "organisation_id": "", "submit": "1"})
    assert "Choose at least one technique or area of expertise." in html_of(response)
    assert count(Expert) == 0


# --- editing --------------------------------------------------------------------


@pytest.mark.parametrize("button", ["submit", "save"])
def test_editing_a_published_project_proposes_a_revision(client, member, own_organisation, button):
    """The published version stays public; the edit waits as a revision (pending, or a draft)."""
    from hub.moderation.services import open_revision

    project = make_project(own_organisation, title="Published before", status=EntryStatus.PUBLISHED)
    page = html_of(client.get(f"/edit/project/{project.id}"))
    assert 'value="Published before"' in page and "Submit changes for review" in page
    assert 'name="save"' not in page  # a published entry offers only "submit changes"
    data = {**PROJECT, "title": "Published, then changed", "lead_organisation_id": own_organisation.id, button: "1"}
    response = client.post(f"/edit/project/{project.id}", data={**data, "csrf_token": csrf_token(page)})
    assert response.status_code == 302, html_of(response)
    db.session.refresh(project)
    assert project.title == "Published before" and project.status is EntryStatus.PUBLISHED
    revision = open_revision(project)
    assert revision.data["title"] == "Published, then changed"
    assert revision.status.value == ("pending" if button == "submit" else "draft")
    # Editing again continues the same revision, starting from what was proposed.
    assert 'value="Published, then changed"' in html_of(client.get(f"/edit/project/{project.id}"))


def test_saving_a_draft_keeps_it_a_draft(client, member, own_organisation):
    project = make_project(own_organisation, status=EntryStatus.DRAFT)
    data = {**PROJECT, "title": "Still a draft", "lead_organisation_id": own_organisation.id, "save": "1"}
    response = post_form(client, f"/edit/project/{project.id}", data)
    assert response.status_code == 302
    db.session.refresh(project)
    assert project.title == "Still a draft" and project.status is EntryStatus.DRAFT


def test_a_member_cannot_choose_a_lead_organisation_they_do_not_belong_to(client, member, own_organisation):
    foreign = make_organisation(name="Someone Else's Museum")
    form = html_of(client.get("/submit/project"))
    assert "Someone Else&#39;s Museum" not in form and "Someone Else's Museum" not in form
    response = post_form(client, "/submit/project", {**PROJECT, "lead_organisation_id": foreign.id, "submit": "1"})
    assert response.status_code == 200
    assert "Not a valid choice" in html_of(response)
    assert count(Project) == 0

    # The service refuses it too, whatever a form would offer.
    with pytest.raises(InvalidInput) as refused:
        services.save_project(member, services.ProjectInput(
            title="Sneaky", summary="S.", description="D.", stage="pilot", techniques=["nlp"],
            lead_organisation_id=foreign.id))
    assert "lead_organisation_id" in refused.value.errors
    db.session.rollback()
    assert count(Project) == 0


def test_a_member_cannot_move_their_project_to_a_foreign_lead(client, member, own_organisation):
    foreign = make_organisation(name="Foreign Museum")
    project = make_project(own_organisation, status=EntryStatus.DRAFT)
    response = post_form(client, f"/edit/project/{project.id}",
                         {**PROJECT, "lead_organisation_id": foreign.id, "save": "1"})
    assert response.status_code == 200 and "Not a valid choice" in html_of(response)
    db.session.refresh(project)
    assert project.lead_organisation.id == own_organisation.id


def test_an_expert_who_left_their_organisation_can_still_save_their_profile(client, member):
    """The form offers the profile's current organisation even when its editor is no
    longer a member (as the service allows keeping it); new ones must be their own."""
    from tests.factories import make_expert

    former = make_organisation(name="Former Employer Museum")
    expert = make_expert(user=member, organisation=former, status=EntryStatus.DRAFT)
    page = html_of(client.get(f"/edit/expert/{expert.id}"))
    assert selected(page, "organisation_id", str(former.id))
    response = client.post(f"/edit/expert/{expert.id}", data={
        "csrf_token": csrf_token(page), "display_name": "Mara, now freelance", "bio": "Still me.",
        "country": "DE", "organisation_id": str(former.id), "techniques": ["nlp"], "save": "1"})
    assert response.status_code == 302, html_of(response)
    db.session.refresh(expert)
    assert expert.display_name == "Mara, now freelance" and expert.organisation_id == former.id


def test_the_language_of_an_entry_s_text_is_chosen_and_marks_it_on_every_page(client, member, own_organisation):
    client.set_cookie("hub_lang", "de")
    form = html_of(client.get("/submit/project"))
    assert selected(form, "content_language", "de")  # a new entry: the interface's language to begin with
    assert "Sprache dieses Textes" in form
    data = {**PROJECT, "content_language": "fr", "lead_organisation_id": own_organisation.id, "save": "1"}
    assert post_form(client, "/submit/project", data).status_code == 302
    project = db.session.scalar(db.select(Project).where(Project.title == PROJECT["title"]))
    assert project.content_language == "fr"
    assert selected(html_of(client.get(f"/edit/project/{project.id}")), "content_language", "fr")

    project.status = EntryStatus.PUBLISHED
    db.session.commit()
    for path in (f"/projects/{project.slug}", "/projects", f"/search?q={PROJECT['title']}"):
        html = html_of(client.get(path))
        assert '<html lang="de"' in html
        # The entry's own words carry their language; the interface around them stays German.
        assert re.search(r'lang="fr"[^>]*>(<mark>)?Handwriting', html), path
    page = html_of(client.get(f"/projects/{project.slug}"))
    assert re.search(r'<div class="prose user-content" lang="fr">\s*<p>We trained', page)
