"""After the link in the confirmation mail, the login form has the address filled in; and every
mail the hub writes reads as a letter: each paragraph after the greeting begins with a capital."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from hub.accounts.models import Role
from hub.contact import services as contact
from hub.db import db, transaction
from tests.accounts.test_accounts import STRONG, link_in, register
from tests.conftest import post_form
from tests.factories import make_expert, make_organisation, make_project, make_user

CATALOGUES = Path(__file__).resolve().parents[2] / "hub" / "translations"
# Languages whose letters go on with a capital after "Hello Ada,". German letters go on in lower
# case after the comma of the greeting (Duden, "Anrede im Brief"), so German keeps its own rule.
CAPITAL_AFTER_GREETING = ("fr", "nl", "it", "es")


def email_value(html: str) -> str | None:
    match = re.search(r'<input[^>]*name="email"[^>]*>', html)
    value = re.search(r'value="([^"]*)"', match.group(0)) if match else None
    return value.group(1) if value else None


def test_after_confirming_the_login_form_has_the_address_filled_in(client, outbox):
    register(client, email="Ada@Museum.Example")
    [message] = outbox.to("ada@museum.example")
    response = client.get(link_in(message, "/verify/").replace("http://localhost", ""))
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "ada@museum.example" not in response.headers["Location"]  # not in the URL, logs or history
    html = client.get("/login").get_data(as_text=True)
    assert "Thank you, your email address is confirmed." in html
    assert email_value(html) == "ada@museum.example"
    # Still there after a reload, and gone once logged in.
    assert email_value(client.get("/login").get_data(as_text=True)) == "ada@museum.example"
    post_form(client, "/login", {"email": "ada@museum.example", "password": STRONG})
    with client.session_transaction() as session:
        assert "login_email" not in session


def test_a_plain_visit_to_the_login_form_fills_in_nothing(client):
    assert email_value(client.get("/login").get_data(as_text=True)) in (None, "")


def _paragraphs(text: str) -> list[str]:
    """The paragraphs of a mail after its greeting line, without quoted text, links and lists."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return [p for p in paragraphs[1:] if p[0].isalpha() and not re.match(r"https?://", p)]


def _mails_of_the_main_journeys(client, outbox, app) -> list:
    moderator = make_user(role=Role.MODERATOR, email="mod@hub.example")
    register(client, email="new@museum.example")  # confirm your address
    make_user(email="forgetful@museum.example")
    post_form(client, "/forgot-password", {"email": "forgetful@museum.example"})  # reset
    person = make_user(email="contact@museum.example")
    project = make_project(make_organisation(), title="Letters of ships")
    project.contacts = [make_expert(user=person)]
    db.session.commit()
    with app.test_request_context("/"), transaction():  # a message, and the sender's copy
        contact.send_message(None, project, contact.ContactInput(
            name="Vera Visitor", email="vera@library.example", subject="Your ships",
            body="Could we talk about your ships' letters?", share_email=False))
    assert moderator  # reachable, for messages that fall through
    return outbox.messages


def test_every_mail_of_the_main_journeys_goes_on_with_a_capital(client, outbox, app):
    mails = _mails_of_the_main_journeys(client, outbox, app)
    assert len(mails) >= 4
    for mail in mails:
        body = mail.get_content()
        assert body.startswith("Hello "), body[:40]
        for paragraph in _paragraphs(body):
            assert paragraph[0].isupper() or not paragraph[0].isalpha(), f"{mail['Subject']}: {paragraph[:60]}"


def _mail_texts(language: str):
    """The catalogue's messages that hold a greeting and go on after a blank line: mail bodies."""
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        for message in read_po(handle):
            if isinstance(message.id, str) and message.id.startswith("Hello %(name)s,\n\n"):
                yield message


def test_the_mail_texts_of_the_catalogues_go_on_with_a_capital_after_the_greeting():
    mail_texts = list(_mail_texts("fr"))  # the English texts are the catalogue's message ids
    assert len(mail_texts) >= 3  # confirm, reset, reminder
    for message in mail_texts:
        assert message.id.split("\n\n")[1][0].isupper(), message.id[:60]
    for language in CAPITAL_AFTER_GREETING:
        for message in _mail_texts(language):
            text = message.string.split("\n\n", 1)[1]
            assert text[0].isupper(), f"{language}: {text[:60]}"


@pytest.mark.parametrize("language", ["de"])
def test_german_letters_keep_the_lower_case_after_the_greeting(language):
    for message in _mail_texts(language):
        text = message.string.split("\n\n", 1)[1]
        assert text[0].islower(), f"{language}: {text[:60]}"
