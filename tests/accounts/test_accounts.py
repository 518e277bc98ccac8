"""Registering, confirming the address, logging in and out, resetting a password."""
from __future__ import annotations

import re

import pytest

from hub.accounts.models import User
from hub.db import db
from tests.conftest import csrf_token, post_form
from tests.factories import PASSWORD, make_user

STRONG = "a long enough passphrase"


def register(client, email="ada@museum.example", password=STRONG, name="Ada Lovelace", consent="y"):
    data = {"display_name": name, "email": email, "password": password}
    if consent:
        data["consent"] = consent
    return post_form(client, "/register", data)


def link_in(message, path_part: str) -> str:
    return next(link for link in re.findall(r"https?://\S+", message.get_content()) if path_part in link)


def test_register_verify_login_logout(client, outbox):
    response = register(client, email="Ada@Museum.Example")
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    user = db.session.scalar(db.select(User).where(User.email == "ada@museum.example"))
    assert user is not None and not user.email_verified and user.privacy_consent_at is not None
    assert user.password_hash.startswith("$argon2id$")

    [message] = outbox.to("ada@museum.example")
    link = link_in(message, "/verify/")
    assert client.get(link.replace("http://localhost", "")).status_code == 302
    assert user.email_verified

    response = post_form(client, "/login", {"email": "ADA@museum.example", "password": STRONG},
                         follow_redirects=True)
    assert "You are logged in." in response.get_data(as_text=True)
    assert "Your account" in client.get("/account").get_data(as_text=True)

    page = client.get("/account").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    assert client.get("/account").status_code == 302


def test_registration_errors_are_shown_next_to_fields_and_keep_input(client):
    response = register(client, email="not an address", password="short", name="Zoë ☃", consent=None)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Use between 12 and 256 characters." in html
    assert "Agree to the privacy notice" in html
    assert 'value="Zoë ☃"' in html and 'value="not an address"' in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_registering_a_taken_address_reveals_nothing_and_mails_the_owner(client, outbox):
    make_user(email="taken@museum.example")
    response = register(client, email="TAKEN@museum.example")
    assert "Check your email" in response.get_data(as_text=True)
    [message] = outbox.to("taken@museum.example")
    assert "already has one" in message.get_content()
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_invalid_and_tampered_verification_links(client, app):
    from hub.accounts.services import make_verification_token

    user = make_user(verified=False)
    token = make_verification_token(user)
    assert client.get(f"/verify/{token}x").status_code == 400
    assert client.get("/verify/nonsense").status_code == 400
    assert not user.email_verified


def test_expired_verification_link(client, app, monkeypatch):
    from hub.accounts.services import make_verification_token

    user = make_user(verified=False)
    token = make_verification_token(user)
    monkeypatch.setitem(app.config, "EMAIL_TOKEN_MAX_AGE", -1)
    response = client.get(f"/verify/{token}")
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_wrong_password_and_unknown_address_give_the_same_message(client):
    make_user(email="known@museum.example")
    wrong = post_form(client, "/login", {"email": "known@museum.example", "password": "wrong password!!"})
    unknown = post_form(client, "/login", {"email": "nobody@museum.example", "password": "wrong password!!"})
    for response in (wrong, unknown):
        assert "The email address or password is not correct." in response.get_data(as_text=True)


def test_deactivated_account_cannot_log_in(client):
    make_user(email="gone@museum.example", active=False)
    response = post_form(client, "/login", {"email": "gone@museum.example", "password": PASSWORD})
    assert "The email address or password is not correct." in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_password_reset_link_works_once(client, outbox):
    user = make_user(email="forgetful@museum.example")
    post_form(client, "/forgot-password", {"email": "forgetful@museum.example"})
    [message] = outbox.to("forgetful@museum.example")
    path = link_in(message, "/reset-password/").replace("http://localhost", "")
    response = post_form(client, path, {"password": "my brand new passphrase", "confirm": "my brand new passphrase"})
    assert response.status_code == 302
    assert client.get(path).status_code == 400  # used: the password hash changed
    response = post_form(client, "/login", {"email": user.email, "password": "my brand new passphrase"})
    assert response.status_code == 302


def test_reset_request_for_unknown_address_says_the_same_and_sends_nothing(client, outbox):
    response = post_form(client, "/forgot-password", {"email": "stranger@museum.example"})
    assert "If stranger@museum.example belongs to an account" in response.get_data(as_text=True)
    assert outbox.messages == []


def test_forms_without_csrf_token_are_refused(client):
    response = client.post("/login", data={"email": "a@b.example", "password": "x" * 12})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/account", "/account/settings", "/submit/project"])
def test_account_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_change_name_and_password(client):
    from tests.conftest import login_as

    user = make_user()
    login_as(client, user)
    response = post_form(client, "/account/settings", {"profile-display_name": "Grace Hopper"}, prefix="profile")
    assert response.status_code == 302 and user.display_name == "Grace Hopper"
    response = post_form(client, "/account/settings", {"password-current_password": "not it at all",
                                                        "password-new_password": "another passphrase"},
                         prefix="password")
    assert "The current password is not correct." in response.get_data(as_text=True)
