"""The public directory: every page answers, unpublished entries stay hidden,
headers protect, and nothing is loaded from another host."""
from __future__ import annotations

import re

import pytest

from hub.directory.models import EntryStatus
from tests.factories import make_expert, make_organisation, make_project, make_resource, make_user


@pytest.fixture
def directory():
    organisation = make_organisation(name="Rijksmuseum Test")
    project = make_project(organisation, title="Provenance finder", topics=("computer-vision", "provenance-research"))
    expert = make_expert(organisation=organisation)
    resource = make_resource(organisation)
    return organisation, project, expert, resource


def test_every_public_page_answers(client, directory):
    organisation, project, expert, resource = directory
    pages = ["/", "/projects", "/experts", "/resources", "/organisations", "/topics", "/countries", "/about",
             "/privacy", "/register", "/login", "/forgot-password", f"/projects/{project.slug}",
             f"/experts/{expert.slug}", f"/resources/{resource.slug}", f"/organisations/{organisation.slug}",
             "/topics/technique/computer-vision", "/topics/area/provenance-research", "/countries/NL",
             "/projects?topic=computer-vision&country=NL&type=pilot", "/organisations?q=rijks&type=museum"]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert response.headers["Content-Type"].startswith("text/html")


def test_lists_and_pages_show_the_entries(client, directory):
    organisation, project, expert, resource = directory
    assert "Provenance finder" in client.get("/projects?topic=provenance-research").get_data(as_text=True)
    assert "Provenance finder" not in client.get("/projects?topic=nlp").get_data(as_text=True)
    html = client.get(f"/organisations/{organisation.slug}").get_data(as_text=True)
    assert "Provenance finder" in html and resource.title in html and expert.display_name in html
    html = client.get(f"/projects/{project.slug}").get_data(as_text=True)
    assert "AI project card" in html and "Rijksmuseum Test" in html
    assert "<em>test</em>" in html  # Markdown rendered


@pytest.mark.parametrize("path", ["/projects/no-such-project", "/experts/nobody", "/resources/x",
                                  "/organisations/x", "/topics/technique/nope", "/topics/nope/nlp",
                                  "/countries/XX", "/countries/nl", "/nowhere"])
def test_unknown_addresses_give_the_404_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("status", [s for s in EntryStatus if s is not EntryStatus.PUBLISHED])
def test_unpublished_entries_are_not_public(client, status):
    project = make_project(make_organisation(), status=status, title=f"Hidden {status.value}")
    assert client.get(f"/projects/{project.slug}").status_code == 404
    assert f"Hidden {status.value}" not in client.get("/projects").get_data(as_text=True)


def test_odd_list_parameters_never_fail(client, directory):
    for query in ["page=abc", "page=-5", "page=99999999999999999999", "topic=%00", "country=ZZZ", "type=<script>",
                  "q=%25%5F%5C", "topic=nlp&topic=computer-vision", "country=nl"]:
        assert client.get(f"/projects?{query}").status_code == 200, query
        assert client.get(f"/organisations?{query}").status_code == 200, query


def test_security_headers(client):
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_load_nothing_from_other_hosts(client, directory):
    organisation, project, expert, resource = directory
    for page in ["/", "/projects", f"/projects/{project.slug}", "/register", "/about"]:
        html = client.get(page).get_data(as_text=True)
        for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
            for url in re.findall(rf"<{tag}\b[^>]*\b{attribute}=\"([^\"]+)\"", html):
                assert url.startswith("/"), f"{page} loads {url}"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_language_from_switcher_then_accept_language(client):
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    assert '<html lang="de">' in client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    response = client.get("/language/fr?next=/projects")
    assert response.status_code == 302 and response.headers["Location"] == "/projects"
    assert '<html lang="fr">' in client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_language_switch_never_redirects_elsewhere(client):
    for target in ["https://evil.example/", "//evil.example", "/\\evil.example"]:
        assert client.get("/language/de", query_string={"next": target}).headers["Location"] == "/"


def test_owner_sees_own_draft_others_do_not(client):
    from tests.conftest import login_as

    owner, stranger = make_user(), make_user()
    project = make_project(make_organisation(members=(owner,)), owner=owner, status=EntryStatus.DRAFT)
    login_as(client, stranger)
    assert client.get(f"/projects/{project.slug}").status_code == 404
    login_as(client, owner)
    html = client.get(f"/projects/{project.slug}").get_data(as_text=True)
    assert "Draft" in html and "Submit for review" in html
