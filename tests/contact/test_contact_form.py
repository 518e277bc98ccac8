"""The contact form as a visitor reads it: every problem at once (the too-quick message with the
fields' own), a heading that says whom they write to, one privacy link, and the truth about where
a message goes when nobody real stands behind the entry (a fictional example expert)."""
from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

from hub.accounts.models import Role
from hub.db import db
from tests.contact.test_contact_abuse import field_error, form_errors, nothing_stored, typed_body
from tests.contact.test_relay import VISITOR, contact_form, hidden_value, project_with_contact_person
from tests.conftest import csrf_token
from tests.factories import make_expert, make_organisation, make_user

NAUGHTY: list[str] = json.loads((Path(__file__).parent.parent / "data" / "naughty-strings.json").read_text("utf-8"))


def _main(html: str) -> str:
    return re.search(r"<main.*?</main>", html, re.S).group(0)


def _h1(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", html, re.S).group(1))).strip()


def _flash(client, response) -> str:
    assert response.status_code == 302, response.status_code
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return unescape(" ".join(re.findall(r'<div class="notice notice-success" role="status">(.*?)</div>', page, re.S)))


def test_a_too_quick_form_shows_the_fields_problems_at_the_same_time(app, client, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_MIN_SECONDS", 30)
    project, _ = project_with_contact_person()
    response = contact_form(client, project, name="", email="not an address", subject="Quick & wrong",
                            body="Short")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "That was very quick. Check your message and send it again." in form_errors(html)
    assert field_error(html, "name") == "Error: Enter your name."
    assert field_error(html, "email").startswith("Error: ")
    assert field_error(html, "body") == "Error: Write a message of at least 10 characters."
    assert field_error(html, "subject") == ""
    # What was typed stays, and nothing left.
    assert hidden_value(html, "subject") == "Quick &amp; wrong" and typed_body(html) == "Short"
    assert nothing_stored() and outbox.messages == []


def test_a_too_quick_but_correct_form_shows_only_the_timing_message(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_MIN_SECONDS", 30)
    project, _ = project_with_contact_person()
    html = contact_form(client, project).get_data(as_text=True)
    assert form_errors(html) == ["That was very quick. Check your message and send it again."]
    assert all(field_error(html, name) == "" for name in ("name", "email", "subject", "body"))


def test_the_heading_says_whom_one_writes_to_and_the_privacy_notice_is_linked_once(client):
    project, _ = project_with_contact_person()
    html = client.get(f"/contact/project/{project.slug}").get_data(as_text=True)
    assert _h1(html) == "Write to Handwriting at scale"
    assert "<title>Write to Handwriting at scale" in html
    main = _main(html)
    assert main.count('href="/privacy"') == 1
    assert main.lower().count("privacy notice") == 1


def _fictional_expert():
    """A demo expert who names a real organisation with a real member: still nobody to write to."""
    member = make_user(email="curator@real-museum.example")
    organisation = make_organisation(members=(member,), name="Real Museum")
    expert = make_expert(organisation=organisation)
    expert.is_example = True
    db.session.commit()
    return expert, member


def test_a_message_to_a_fictional_expert_goes_to_the_hubs_team_and_says_so(client, outbox):
    moderator = make_user(role=Role.MODERATOR, email="team@hub.example")
    expert, member = _fictional_expert()
    profile = unescape(client.get(f"/experts/{expert.slug}").get_data(as_text=True))
    assert "A fictional example: your message goes to the hub's team, not to a real person." in profile
    form = unescape(client.get(f"/contact/expert/{expert.slug}").get_data(as_text=True))
    assert (f"{expert.display_name} is a fictional example, not a real person. Your message goes to the "
            "hub's team") in form
    assert "The hub passes your message on to" not in form

    said = _flash(client, contact_form(client, expert))
    assert "fictional example" in said and "went to the hub's team" in said
    assert "Your message was sent" not in said
    assert outbox.to(moderator.email) and not outbox.to(member.email)
    team_mail = outbox.to(moderator.email)[0].get_content()
    assert "is a fictional example profile" in team_mail
    copy = outbox.to(VISITOR)[0].get_content()
    assert "is a fictional example, not a real person: your message went to the hub's team" in copy
    assert "was passed on" not in copy


def test_a_message_that_reaches_nobody_behind_the_entry_says_it_went_to_the_team(client, outbox):
    moderator = make_user(role=Role.MODERATOR, email="team@hub.example")
    expert = make_expert()  # a real profile, but without an account to write to
    form = client.get(f"/contact/expert/{expert.slug}").get_data(as_text=True)
    assert "Nobody behind this entry can be reached through the hub yet" in form
    said = _flash(client, contact_form(client, expert))
    assert "went to the hub's team" in said and "Your message was sent" not in said
    assert outbox.to(moderator.email)
    assert "can be reached through the hub yet: your message went to the hub's team" in (
        outbox.to(VISITOR)[0].get_content())


def test_a_message_to_a_real_contact_person_is_sent(client, outbox):
    project, person = project_with_contact_person()
    said = _flash(client, contact_form(client, project))
    assert said == "Your message was sent. A copy is on its way to your email address."
    assert outbox.to(person.email)
    assert "was passed on. This is your copy." in outbox.to(VISITOR)[0].get_content()


def test_naughty_strings_sent_too_quickly_get_every_message_and_keep_what_was_typed(app, client, monkeypatch):
    """The too-quick path checks the fields too: each string still answers 422 with the timing
    message, a message next to each field it breaks, and the text kept; never a 500."""
    monkeypatch.setitem(app.config, "CONTACT_MIN_SECONDS", 30)
    project, _ = project_with_contact_person()
    url = f"/contact/project/{project.slug}"
    page = client.get(url).get_data(as_text=True)
    token, started = csrf_token(page), hidden_value(page, "started")
    for s in NAUGHTY[::3]:
        response = client.post(url, data={"csrf_token": token, "started": started, "name": s, "email": s,
                                          "subject": s, "body": s})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, (s, response.status_code)
        assert "That was very quick. Check your message and send it again." in form_errors(html)
        assert field_error(html, "email").startswith("Error: ")  # no naughty string is an address
        assert typed_body(html) == s.lstrip("\r\n"), repr(s)
    assert nothing_stored()
