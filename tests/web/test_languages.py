"""The interface language: the switcher's cookie, else the browser's Accept-Language, else English.
Pages come back in that language: <html lang>, the interface messages, dates, numbers, country
names and the taxonomy's topic labels."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from babel.support import Translations

from config import TestingConfig
from hub.db import db
from hub.directory import vocabulary as vocab
from tests.conftest import login_as
from tests.factories import make_organisation, make_project, make_resource, make_user

COMPUTER_VISION = vocab.concept("computer-vision").labels


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]*)"', html).group(1)


def catalogue_says(language: str, msgid: str) -> str:
    """The compiled catalogue's translation (the message itself while it is not translated yet:
    tests/web/test_translations.py reports that)."""
    return Translations.load(TestingConfig.BABEL_TRANSLATION_DIRECTORIES, [language]).gettext(msgid)


def test_the_switcher_sets_a_cookie_and_the_pages_follow_it(client):
    response = client.get("/language/fr", query_string={"next": "/topics"})
    assert response.status_code == 302 and response.headers["Location"] == "/topics"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("hub_lang=fr;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie

    html = client.get("/topics").get_data(as_text=True)
    assert html_lang(html) == "fr"
    assert catalogue_says("fr", "Skip to main content") in html
    assert COMPUTER_VISION["fr"] in html and COMPUTER_VISION["en"] not in html
    # The switcher marks the chosen language, each language named in itself.
    assert re.search(r'<option value="fr" lang="fr" selected>Français</option>', html)


def test_the_header_select_sets_the_language_and_comes_back_to_the_page(client):
    """The language select is a GET form (it works without JavaScript): code and next."""
    response = client.get("/language", query_string={"code": "nl", "next": "/search?q=museum"})
    assert response.status_code == 302 and response.headers["Location"] == "/search?q=museum"
    assert response.headers["Set-Cookie"].startswith("hub_lang=nl;")
    html = client.get("/search?q=museum").get_data(as_text=True)
    assert html_lang(html) == "nl"
    # The form sends the visitor back to the page it was on, query included.
    assert 'name="next" value="/search?q=museum"' in html


@pytest.mark.parametrize("query", [{"code": "xx", "next": "/topics"}, {"next": "/topics"},
                                   {"code": "fr", "next": "//evil.example/"}])
def test_the_header_select_refuses_unknown_languages_and_foreign_pages(client, query):
    response = client.get("/language", query_string=query)
    assert response.status_code == 302
    assert response.headers["Location"] in ("/topics", "/")
    assert ("hub_lang=fr" in response.headers.get("Set-Cookie", "")) == (query.get("code") == "fr")


def test_the_cookie_beats_the_browser_languages(client):
    client.get("/language/it")
    html = client.get("/topics", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    assert html_lang(html) == "it" and COMPUTER_VISION["it"] in html


@pytest.mark.parametrize("accept_language, expected", [
    ("nl-BE,nl;q=0.9,en;q=0.5", "nl"),
    ("de-DE", "de"),
    ("pt-BR,es;q=0.8,en;q=0.5", "es"),  # the first language the hub speaks
    ("en-GB,fr;q=0.9", "en"),  # British English first: English, though only French matches exactly
    ("fr;q=0,it;q=0.5", "it"),  # q=0: not French
])
def test_without_a_cookie_the_browser_languages_choose(client, accept_language, expected):
    make_organisation(country="NL")
    html = client.get("/countries", headers={"Accept-Language": accept_language}).get_data(as_text=True)
    assert html_lang(html) == expected
    assert catalogue_says(expected, "Countries with entries in the directory.") in html
    assert vocab.country_name("NL", expected) in html  # "Niederlande", "Países Bajos"... from CLDR


@pytest.mark.parametrize("cookie, accept_language", [
    ("xx", None), ("fr-FR", None), ("<script>", None),
    (None, "pt-BR,ja;q=0.8"), (None, "!!"), ("klingon", "tlh"),
])
def test_unknown_languages_fall_back_to_english(client, cookie, accept_language):
    if cookie is not None:
        client.set_cookie("hub_lang", cookie)
    headers = {"Accept-Language": accept_language} if accept_language else {}
    html = client.get("/topics", headers=headers).get_data(as_text=True)
    assert html_lang(html) == "en"
    assert "Skip to main content" in html and COMPUTER_VISION["en"] in html


def test_the_switcher_ignores_a_language_the_hub_does_not_speak(client):
    response = client.get("/language/pt", query_string={"next": "/topics"})
    assert response.status_code == 302 and "Set-Cookie" not in response.headers
    assert html_lang(client.get("/topics").get_data(as_text=True)) == "en"


@pytest.mark.parametrize("language, date, decimals, thousands", [
    ("en", "Mar 5, 2026", ("52.3600", "4.8850"), "5,000"),
    ("de", "05.03.2026", ("52,3600", "4,8850"), "5.000"),
    ("fr", "5 mars 2026", ("52,3600", "4,8850"), "5\u202f000"),  # a narrow no-break space groups digits
])
def test_dates_and_numbers_are_in_the_format_of_the_language(client, language, date, decimals, thousands):
    organisation = make_organisation()
    organisation.latitude, organisation.longitude = 52.36, 4.885
    resource = make_resource(organisation)
    resource.reviewed_at = datetime(2026, 3, 5, 12, tzinfo=timezone.utc)
    db.session.commit()
    client.get(f"/language/{language}")

    assert date in client.get(f"/resources/{resource.slug}").get_data(as_text=True)
    organisation_page = client.get(f"/organisations/{organisation.slug}").get_data(as_text=True)
    assert all(number in organisation_page for number in decimals)
    # The contact form's limit: "At most 5,000 characters and 3 links."
    assert thousands in client.get(f"/contact/organisation/{organisation.slug}").get_data(as_text=True)


def test_topic_labels_follow_the_language_on_lists_pages_facets_and_forms(client):
    member = make_user()
    organisation = make_organisation(members=(member,))
    project = make_project(organisation, owner=member, topics=("text-recognition",))
    german, english = vocab.label("text-recognition", "de"), vocab.label("text-recognition", "en")
    client.get("/language/de")

    for page in ("/projects", f"/projects/{project.slug}", "/search?technique=text-recognition", "/topics"):
        html = client.get(page).get_data(as_text=True)
        assert german in html and english not in html, page
    # The topic's own page names it in the other five languages too, each marked with its language.
    topic_page = client.get("/topics/technique/text-recognition").get_data(as_text=True)
    assert f"<h1>{german}</h1>" in topic_page and f'<span lang="en">{english}</span>' in topic_page

    login_as(client, member)
    form = client.get("/submit/project").get_data(as_text=True)
    assert german in form and english not in form


def test_a_page_that_needs_a_login_says_so_in_the_chosen_language(client):
    client.get("/language/nl")
    response = client.get("/account", follow_redirects=True)
    assert response.request.path == "/login"
    assert catalogue_says("nl", "Log in to see this page.") in response.get_data(as_text=True)
