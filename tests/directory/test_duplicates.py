"""Likely duplicates: a member adding an entry that looks like an existing one
sees it first, and may still save theirs."""
from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.db import db, utcnow
from hub.directory.duplicates import fold, likely_duplicates, normalise_website, title_similarity
from hub.directory.models import EntryStatus, Expert, Organisation, Project, Resource
from hub.text import clean_line
from tests.conftest import csrf_token, login_as, post_form
from tests.factories import make_expert, make_organisation, make_project, make_resource, make_user

NAUGHTY: list[str] = json.loads((Path(__file__).parent.parent / "data" / "naughty-strings.json").read_text("utf-8"))
WARNING = "may already be in the directory"


def titles(found) -> list[str]:
    return [d.entry.title for d in found]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def html_of(response) -> str:
    return response.get_data(as_text=True)


# --- folding and scoring ------------------------------------------------------------


def test_folding_ignores_case_accents_punctuation_and_spacing():
    assert fold("  Musée   d'Orsay!! ") == fold("MUSEE D ORSAY") == "musee d orsay"
    assert fold("Straße—Ålborg\tKøbenhavn") == "strasse alborg københavn"
    assert fold("Эрмитаж") == "эрмитаж" and fold("") == fold(None) == fold("!!!") == ""
    assert normalise_website("https://www.Museum.example/Lyon/") == normalise_website("http://museum.example/lyon") \
        == "museum.example/lyon"
    assert normalise_website("https://museum.example/lyon#top") == "museum.example/lyon"
    assert normalise_website("museum.example") == "museum.example"
    for nonsense in (None, "", "   ", "localhost", "https://", "a b.example", "x" * 600, "\x00"):
        assert normalise_website(nonsense) is None, nonsense


@pytest.mark.parametrize("a, b, close", [
    ("Rijksmuseum Amsterdam", "rijksmuseum amsterdam", True),
    ("Rijksmuseum Amsterdam", "Rijksmuseum Amsterdm", True),  # a typo
    ("Rijksmuseum Amsterdam", "Amsterdam, Rijksmuseum", True),  # another order
    ("Rijksmuseum Amsterdam", "Rijksmuseum", True),  # one contains the other
    ("Handwriting reader", "Hand-writing readers", True),
    ("Musée d'Orsay", "Musee dOrsay", True),
    ("Rijksmuseum Amsterdam", "Van Gogh Museum", False),
    ("Test project 1", "Test project 2", False),  # numbers tell them apart
    ("Documenta 14", "Documenta 15", False),
    ("AI", "A1", False),  # short titles must be equal
    ("Museum of Art", "Museum of History", False),
    ("Europeana Newspapers", "Europeana Sounds", False),
])
def test_title_similarity(a, b, close):
    assert (title_similarity(fold(a), fold(b)) >= 0.85) is close, title_similarity(fold(a), fold(b))


# --- finding ----------------------------------------------------------------------


def test_close_titles_are_found_for_each_kind():
    organisation = make_organisation(name="Rijksmuseum Amsterdam")
    make_organisation(name="Van Gogh Museum")
    project = make_project(organisation, title="Handwriting reader for colonial archives")
    resource = make_resource(organisation)
    expert = make_expert()
    for typed in ("rijksmuseum amsterdam", "Rijksmuséum  Amsterdam!", "Amsterdam Rijksmuseum", "Rijksmuseum",
                  "Rijksmusem Amsterdam"):
        assert titles(likely_duplicates("organisation", typed, None)) == ["Rijksmuseum Amsterdam"], typed
    assert titles(likely_duplicates("project", "Handwriting Readers for Colonial Archives", None)) == [project.title]
    assert titles(likely_duplicates("resource", resource.title.upper(), None)) == [resource.title]
    assert titles(likely_duplicates("expert", f" {expert.display_name.lower()} ", None)) == [expert.display_name]
    # Other kinds are not compared.
    assert likely_duplicates("project", "Rijksmuseum Amsterdam", None) == []
    assert likely_duplicates("painting", "Rijksmuseum Amsterdam", None) == []


def test_the_same_website_is_found_whatever_its_spelling():
    organisation = make_organisation(name="Letters Museum")
    project = make_project(organisation, title="Handwriting reader")
    project.website = "https://www.Letters.example/reader/"
    organisation.website = "http://letters.example"
    resource = make_resource(organisation)
    resource.url = "https://guides.example/htr?lang=en"
    db.session.commit()
    (found,) = likely_duplicates("project", "Something else entirely", "http://letters.example/reader")
    assert found.entry.id == project.id and found.same_website and found.title_score == 0
    (found,) = likely_duplicates("organisation", "Another name", "HTTPS://WWW.LETTERS.EXAMPLE/")
    assert found.entry.id == organisation.id
    assert titles(likely_duplicates("resource", "Other guide", "https://guides.example/htr?lang=en")) == \
        [resource.title]
    # Another page of the same site, or another site, is not the same address.
    assert likely_duplicates("project", "Something else entirely", "https://letters.example/other") == []
    assert likely_duplicates("project", "Something else entirely", "https://letters.example.org/reader") == []
    # Both title and website: listed once, and first.
    make_project(organisation, title="Handwriting reader for letters")
    found = likely_duplicates("project", "Handwriting reader", "https://letters.example/reader")
    assert found[0].entry.id == project.id and found[0].same_website and found[0].title_score == 1.0
    assert len({d.entry.id for d in found}) == len(found)


def test_different_entries_are_not_found():
    organisation = make_organisation(name="Rijksmuseum Amsterdam")
    make_project(organisation, title="Handwriting reader")
    make_project(organisation, title="Test project 1")
    assert likely_duplicates("organisation", "Van Gogh Museum", None) == []
    assert likely_duplicates("organisation", "Stedelijk Museum Amsterdam", None) == []
    assert likely_duplicates("project", "Colour restoration of photographs", None) == []
    assert likely_duplicates("project", "Test project 2", None) == []
    assert likely_duplicates("project", "", "") == [] and likely_duplicates("project", None, None) == []


def test_drafts_of_others_do_not_leak():
    author, other = make_user(), make_user()
    secret = make_organisation(name="Secret Draft Museum", status=EntryStatus.DRAFT, owner=author)
    for status in (EntryStatus.PENDING, EntryStatus.CHANGES_REQUESTED, EntryStatus.REJECTED, EntryStatus.ARCHIVED):
        make_project(title=f"Hidden {status.value} project", status=status, owner=author)
    own_expert = make_expert(user=author, status=EntryStatus.DRAFT)
    own_expert.owner_id = None  # a profile made for them: still theirs through user_id
    db.session.commit()

    for viewer in (None, other):
        assert likely_duplicates("organisation", "Secret Draft Museum", None, viewer=viewer) == []
        for status in ("pending", "changes_requested", "rejected", "archived"):
            assert likely_duplicates("project", f"Hidden {status} project", None, viewer=viewer) == []
        assert likely_duplicates("expert", own_expert.display_name, None, viewer=viewer) == []
    # The author is warned about their own.
    (found,) = likely_duplicates("organisation", "secret draft museum", None, viewer=author)
    assert found.entry.id == secret.id
    assert titles(likely_duplicates("project", "Hidden pending project", None, viewer=author)) == \
        ["Hidden pending project"]
    assert titles(likely_duplicates("expert", own_expert.display_name, None, viewer=author)) == \
        [own_expert.display_name]


def test_the_entry_itself_is_left_out_and_the_limit_holds():
    organisation = make_organisation(name="Rijksmuseum Amsterdam")
    assert likely_duplicates("organisation", "Rijksmuseum Amsterdam", None, exclude_id=organisation.id) == []
    for n in range(8):
        make_organisation(name=f"Rijksmuseum Amsterdam{'!' * n}")
    assert len(likely_duplicates("organisation", "Rijksmuseum Amsterdam", None)) == 5
    assert len(likely_duplicates("organisation", "Rijksmuseum Amsterdam", None, limit=2)) == 2
    assert likely_duplicates("organisation", "Rijksmuseum Amsterdam", None, limit=0) == []


def test_hostile_and_unicode_input_never_fails():
    organisation = make_organisation(name="100% Museum_of Art")
    organisation.website = "https://my_museum.example/100%"
    for s in NAUGHTY[:60]:  # stored entries with naughty titles, too
        make_project(organisation, title=clean_line(s)[:200] or "x")
    make_project(organisation, title="Musée des Confluences")
    make_project(organisation, title="Ermitazh Эрмитаж")
    db.session.commit()
    for s in NAUGHTY + ["%", "_", "%%%", "\\", "\\%", "a%b_c", "Nul\x00title", "\x00", "\ud800x",
                        "https://evil.example/%00", "https://x.example/\x00", "%" * 500, "é" * 1000, "A" * 100_000]:
        for kind in ("project", "expert", "resource", "organisation"):
            found = likely_duplicates(kind, s, s)
            assert isinstance(found, list)
    assert titles(likely_duplicates("organisation", "100% Museum_of Art", None)) == ["100% Museum_of Art"]
    assert titles(likely_duplicates("organisation", "x", "https://my_museum.example/100%")) == \
        ["100% Museum_of Art"]
    # Accents typed or stored, other scripts: found all the same.
    assert titles(likely_duplicates("project", "MUSEE DES CONFLUENCES", None)) == ["Musée des Confluences"]
    assert titles(likely_duplicates("project", "Musée des Confluénces", None)) == ["Musée des Confluences"]
    assert titles(likely_duplicates("project", "ermitazh эрмитаж", None)) == ["Ermitazh Эрмитаж"]


# --- speed ----------------------------------------------------------------------------

WORDS = ("automatic", "tagging", "paintings", "handwriting", "recognition", "letters", "archive", "photographs",
         "colour", "restoration", "chatbot", "visitors", "audio", "guide", "object", "detection", "ceramics",
         "provenance", "research", "knowledge", "graph", "linked", "data", "metadata", "enrichment", "translation",
         "subtitles", "catalogue", "search", "similarity", "images", "textiles", "maps", "newspapers", "sound",
         "speech", "transcription", "museum", "collection", "digital", "twin", "conservation", "damage",
         "prediction", "crowdsourcing", "classification", "sculptures", "coins", "manuscripts", "herbarium")
PLACES = ("Amsterdam", "Berlin", "Lyon", "Bologna", "Gdańsk", "Tartu", "Porto", "Ghent", "Uppsala", "Brno",
          "Zagreb", "Cork", "Aarhus", "Graz", "Sevilla", "Turku", "Kraków", "Rouen", "Utrecht", "Leuven")


def test_fast_with_5000_organisations_and_100000_projects():
    rng = random.Random(7)
    now = utcnow()
    common = {"status": EntryStatus.PUBLISHED, "published_at": now, "reviewed_at": now, "created_at": now,
              "updated_at": now}
    db.session.execute(sa.insert(Organisation), [
        {"name": f"{rng.choice(('Museum', 'Gallery', 'Archive', 'Library'))} of {rng.choice(WORDS).title()} "
                 f"{rng.choice(PLACES)} {n}",
         "slug": f"bulk-organisation-{n}", "type": "museum", "country": "NL",
         "website": f"https://org{n}.example/", **common} for n in range(5_000)])
    db.session.execute(sa.insert(Project), [
        {"title": " ".join(rng.sample(WORDS, 4)).capitalize() + f" in {rng.choice(PLACES)}",
         "slug": f"bulk-project-{n}", "summary": "Bulk.", "description": "", "stage": "pilot",
         "website": f"https://project{n}.example/", **common} for n in range(100_000)])
    db.session.commit()
    needle = db.session.scalar(sa.select(Project).where(Project.slug == "bulk-project-54321"))
    org_needle = db.session.scalar(sa.select(Organisation).where(Organisation.slug == "bulk-organisation-4321"))

    timings = []

    def timed(*args, **kwargs):
        start = time.perf_counter()
        found = likely_duplicates(*args, **kwargs)
        timings.append(time.perf_counter() - start)
        return found

    # A misspelt, lower-case version of a title is found among 100,000.
    typo = needle.title.lower()[:-2] + needle.title[-1]
    assert needle.id in [d.entry.id for d in timed("project", typo, None)]
    assert needle.id in [d.entry.id for d in timed("project", "x", "http://www.project54321.example")]
    assert org_needle.id in [d.entry.id for d in timed("organisation", org_needle.name.upper(), None)]
    timed("project", "Museum", None)  # a title of common words only
    timed("project", "Automatic tagging of paintings", "https://new.example/")
    timed("organisation", "Museum of Sound Berlin", "https://museum.example/")
    timed("project", NAUGHTY[100] * 3, NAUGHTY[101])
    print("likely_duplicates timings (ms):", [round(t * 1000) for t in timings])
    assert max(timings) < 2.0, timings  # generous for slow machines; typically tens of milliseconds


# --- the form ---------------------------------------------------------------------

ORGANISATION = {"name": "Rijksmuseum Amsterdam", "type": "museum", "country": "NL", "city": "Amsterdam",
                "region": "Noord-Holland", "website": "https://www.rijksmuseum.example/", "description": "Dutch art.",
                "wikidata_qid": "Q190804", "latitude": "52.36", "longitude": "4.885"}
PROJECT = {"title": "Handwriting reader", "summary": "Reads old letters aloud.", "description": "A model.",
           "stage": "pilot", "country": "", "techniques": ["nlp"], "risk_level": "minimal",
           "website": "https://letters.example/"}


@pytest.fixture
def member(client):
    user = make_user(name="Mara Member")
    login_as(client, user)
    return user


def test_a_likely_duplicate_is_shown_before_saving_and_can_be_saved_anyway(client, member):
    existing = make_organisation(name="Rijksmuseum", country="NL")
    typed = {**ORGANISATION, "name": " Rijks-Museum ", "submit": "1"}
    response = post_form(client, "/submit/organisation", typed)
    html = html_of(response)
    assert response.status_code == 200 and WARNING in html
    assert f'href="/organisations/{existing.slug}"' in html and "Amsterdam · Netherlands" in html
    assert "This is not a duplicate, save it anyway" in html
    # Everything typed is kept.
    for name in ("city", "region", "website", "wikidata_qid", "latitude", "longitude"):
        assert f'value="{ORGANISATION[name]}"' in html, name
    assert 'value="Rijks-Museum"' in html and "Dutch art.</textarea>" in html
    assert count(Organisation) == 1

    # Posted again with the confirmation: saved.
    response = client.post("/submit/organisation", data={**typed, "not_duplicate": "y",
                                                         "csrf_token": csrf_token(html)})
    assert response.status_code == 302, html_of(response)
    saved = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Rijks-Museum"))
    assert saved.status is EntryStatus.PENDING and count(Organisation) == 2


def test_the_confirmation_survives_other_errors(client, member):
    make_organisation(name="Rijksmuseum Amsterdam")
    response = post_form(client, "/submit/organisation", {**ORGANISATION, "latitude": "north", "save": "1"})
    html = html_of(response)
    assert WARNING in html and count(Organisation) == 1
    # Confirmed, but the latitude is wrong: the error shows, the confirmation is carried on.
    response = client.post("/submit/organisation", data={**ORGANISATION, "latitude": "north", "save": "1",
                                                         "not_duplicate": "y", "csrf_token": csrf_token(html)})
    html = html_of(response)
    assert response.status_code == 200 and WARNING not in html and "Enter a number of degrees" in html
    assert '<input type="hidden" name="not_duplicate" value="y">' in html
    response = client.post("/submit/organisation", data={**ORGANISATION, "save": "1", "not_duplicate": "y",
                                                         "csrf_token": csrf_token(html)})
    assert response.status_code == 302 and count(Organisation) == 2


def test_a_project_with_the_same_website_is_shown_with_its_details(client, member):
    own = make_organisation(members=(member,), name="Own Museum", country="BE")
    other = make_organisation(name="Letters Museum", country="FR")
    existing = make_project(other, title="Reading machine", stage="production", country="FR")
    existing.website = "http://letters.example"
    existing.start_year = 2021
    db.session.commit()
    data = {**PROJECT, "lead_organisation_id": own.id, "save": "1"}
    response = post_form(client, "/submit/project", data)
    html = html_of(response)
    assert response.status_code == 200 and WARNING in html and "Same web address." in html
    assert f'href="/projects/{existing.slug}"' in html
    assert "Letters Museum · France" in html and "2021" in html
    assert 'value="Handwriting reader"' in html and 'value="https://letters.example/"' in html
    assert count(Project) == 1
    response = client.post("/submit/project", data={**data, "not_duplicate": "y", "csrf_token": csrf_token(html)})
    assert response.status_code == 302 and count(Project) == 2


def test_own_drafts_are_shown_with_an_edit_link_and_others_drafts_are_not(client, member):
    own = make_organisation(members=(member,), name="Own Museum")
    mine = make_project(own, owner=member, title="Handwriting reader", status=EntryStatus.DRAFT)
    stranger = make_user()
    theirs = make_resource(owner=stranger, status=EntryStatus.DRAFT)
    theirs.title = "Secret guide to handwriting"
    db.session.commit()

    response = post_form(client, "/submit/project", {**PROJECT, "lead_organisation_id": own.id, "save": "1"})
    html = html_of(response)
    assert WARNING in html and f'href="/edit/project/{mine.id}"' in html and "Draft" in html

    response = post_form(client, "/submit/resource", {"title": "Secret guide to handwriting", "type": "guide",
                                                      "summary": "How to.", "organisation_id": "", "save": "1"})
    assert response.status_code == 302, html_of(response)  # saved straight away: no warning
    assert count(Resource) == 2


def test_an_expert_profile_like_an_existing_one_is_shown(client, member):
    existing = make_expert()
    existing.display_name = "Mara Member"
    existing.role_title = "Curator of prints"
    db.session.commit()
    data = {"display_name": "Mara  Member", "bio": "Me.", "country": "", "organisation_id": "",
            "techniques": ["nlp"], "save": "1"}
    response = post_form(client, "/submit/expert", data)
    html = html_of(response)
    assert WARNING in html and "Curator of prints" in html and count(Expert) == 1
    response = client.post("/submit/expert", data={**data, "not_duplicate": "y", "csrf_token": csrf_token(html)})
    assert response.status_code == 302 and count(Expert) == 2


def test_editing_an_entry_never_warns(client, member):
    own = make_organisation(members=(member,), name="Own Museum")
    make_project(own, title="Handwriting reader")
    draft = make_project(own, owner=member, title="Something", status=EntryStatus.DRAFT)
    response = post_form(client, f"/edit/project/{draft.id}", {**PROJECT, "lead_organisation_id": own.id,
                                                                 "save": "1"})
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.title == "Handwriting reader"


def test_naughty_titles_and_addresses_in_the_form_never_fail(client, member):
    make_organisation(name="Naughty Museum")
    token = csrf_token(html_of(client.get("/submit/organisation")))
    for s in NAUGHTY[::5] + ["100% Naughty_Museum", "Naughty\x00Museum", "%_%_%"]:
        response = client.post("/submit/organisation", data={
            "csrf_token": token, "name": s, "type": "museum", "country": "", "website": s, "save": "1"})
        assert response.status_code in (200, 302), (s, response.status_code)
        with client.session_transaction() as session:
            session.pop("_flashes", None)
