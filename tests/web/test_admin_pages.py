"""The user administration pages: the role matrix on the server, forms that
change roles and deactivate, stale and forged posts that change nothing,
and hostile input answered on the form."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from markupsafe import escape

from hub.accounts.models import Role
from hub.db import db
from hub.moderation.models import AuditEvent
from hub.text import clean_block, clean_line
from tests.conftest import csrf_token, login_as, post_form
from tests.factories import make_user

NAUGHTY: list[str] = json.loads((Path(__file__).parent.parent / "data" / "naughty-strings.json").read_text("utf-8"))
SCRIPT = re.compile(r"<script>alert\(", re.I)


def audit_count(action: str | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalar(query)


def token_for(client) -> str:
    return csrf_token(client.get("/login").get_data(as_text=True))


def login(client, role: str = "admin", **kwargs):
    user = make_user(role=role, **kwargs)
    login_as(client, user)
    return user


# --- the role matrix ----------------------------------------------------------------------

REQUESTS = {
    "users": ("GET", "/admin/users", {}),
    "user": ("GET", "/admin/users/{id}", {}),
    "change_role": ("POST", "/admin/users/{id}", {"role-csrf_token": "{token}", "role-role": "moderator"}),
    "deactivate": ("POST", "/admin/users/{id}", {"state-csrf_token": "{token}", "state-action": "deactivate"}),
    "membership_requests": ("GET", "/moderation/membership-requests", {}),
}
# what -> who -> status
MATRIX = {
    "users": {"anonymous": 302, "member": 403, "moderator": 403, "admin": 200},
    "user": {"anonymous": 302, "member": 403, "moderator": 403, "admin": 200},
    "change_role": {"anonymous": 302, "member": 403, "moderator": 403, "admin": 302},
    "deactivate": {"anonymous": 302, "member": 403, "moderator": 403, "admin": 302},
    "membership_requests": {"anonymous": 302, "member": 403, "moderator": 200, "admin": 200},
}
CASES = [(what, who, status) for what, row in MATRIX.items() for who, status in row.items()]


@pytest.mark.parametrize("what, who, status", CASES, ids=[f"{w}-{r}" for w, r, _ in CASES])
def test_role_matrix(client, what, who, status):
    make_user(role="admin")  # another administrator, so that the target is never the last one
    target = make_user(name="Target Person")
    if who != "anonymous":
        login(client, who)
    method, url, data = REQUESTS[what]
    url = url.format(id=target.id)
    if method == "GET":
        response = client.get(url)
    else:
        token = token_for(client)
        response = client.post(url, data={k: v.format(token=token) for k, v in data.items()})
    assert response.status_code == status
    if status == 302 and who == "anonymous":
        assert "/login" in response.headers["Location"]
    if status == 200 and what == "users":
        assert "Target Person" in response.get_data(as_text=True)
    db.session.expire_all()
    if who != "admin":
        assert target.role is Role.MEMBER and target.active and audit_count() == 0


def test_users_link_only_for_administrators(client):
    for role, shown in (("member", False), ("moderator", False), ("admin", True)):
        login(client, role)
        assert ('href="/admin/users"' in client.get("/account").get_data(as_text=True)) is shown, role


# --- changing roles and states through the forms ----------------------------------------------


def test_admin_changes_a_role(client):
    admin = login(client)
    user = make_user(name="Grace")
    response = post_form(client, f"/admin/users/{user.id}", {"role-role": "moderator",
                                                             "role-reason": "Helps with the queue."}, prefix="role")
    assert response.status_code == 302
    db.session.expire_all()
    assert user.role is Role.MODERATOR and audit_count("change_role") == 1 and audit_count() == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Grace&#39;s role is changed." in page and "Helps with the queue." in page
    event = db.session.scalar(sa.select(AuditEvent))
    assert (event.actor_id, event.subject_user_id, event.from_state, event.to_state) == (
        admin.id, user.id, "member", "moderator")


def test_admin_deactivates_and_reactivates(client):
    login(client)
    user = make_user(name="Leaving")
    response = post_form(client, f"/admin/users/{user.id}", {"state-action": "deactivate",
                                                             "state-reason": "Left."}, prefix="state")
    assert response.status_code == 302
    db.session.expire_all()
    assert not user.active and audit_count("deactivate") == 1
    assert "Reactivate the account" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    response = post_form(client, f"/admin/users/{user.id}", {"state-action": "reactivate"}, prefix="state")
    assert response.status_code == 302
    db.session.expire_all()
    assert user.active and audit_count("reactivate") == 1 and audit_count() == 2


def test_the_last_administrator_is_told_why_not(client):
    admin = login(client)
    response = post_form(client, f"/admin/users/{admin.id}", {"role-role": "member"}, prefix="role")
    assert response.status_code == 409
    assert "is the last active administrator" in response.get_data(as_text=True)
    page = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert "You cannot deactivate your own account" in page and "state-csrf_token" not in page
    response = post_form(client, f"/admin/users/{admin.id}", {"state-action": "deactivate"}, prefix="state")
    assert response.status_code == 409 and "You cannot deactivate your own account" in response.get_data(True)
    db.session.expire_all()
    assert admin.role is Role.ADMIN and admin.active and audit_count() == 0


def test_an_administrator_who_steps_down_leaves_the_admin_pages(client):
    admin = login(client)
    make_user(role="admin")
    response = post_form(client, f"/admin/users/{admin.id}", {"role-role": "moderator"}, prefix="role")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert client.get("/admin/users").status_code == 403


def test_stale_and_forged_posts_change_nothing(client, app):
    login(client)
    user = make_user()
    token = token_for(client)
    # An unknown account.
    assert client.get("/admin/users/999999").status_code == 404
    assert client.post("/admin/users/999999", data={"role-csrf_token": token, "role-role": "admin"}
                       ).status_code == 404
    # No CSRF token, or a wrong one.
    assert client.post(f"/admin/users/{user.id}", data={"role-role": "admin"}).status_code == 400
    assert client.post(f"/admin/users/{user.id}", data={"role-csrf_token": "forged", "role-role": "admin"}
                       ).status_code == 400
    assert client.post(f"/admin/users/{user.id}", data={"state-action": "deactivate"}).status_code == 400
    # Unknown values.
    response = client.post(f"/admin/users/{user.id}", data={"role-csrf_token": token, "role-role": "root"})
    assert response.status_code == 422 and "Choose member, moderator or administrator." in response.get_data(True)
    response = client.post(f"/admin/users/{user.id}", data={"state-csrf_token": token, "state-action": "delete"})
    assert response.status_code == 422 and "Unknown action." in response.get_data(True)
    # Twice the same (a second click, or a colleague first).
    response = client.post(f"/admin/users/{user.id}", data={"role-csrf_token": token, "role-role": "member"})
    assert response.status_code == 422 and "already has this role" in response.get_data(True)
    response = client.post(f"/admin/users/{user.id}", data={"state-csrf_token": token, "state-action": "reactivate"})
    assert response.status_code == 409 and "already active" in response.get_data(True)
    db.session.expire_all()
    assert user.role is Role.MEMBER and user.active and audit_count() == 0
    # A moderator's forged post.
    login(client, "moderator")
    response = client.post(f"/admin/users/{user.id}", data={"role-csrf_token": token_for(client),
                                                            "role-role": "admin"})
    assert response.status_code == 403
    db.session.expire_all()
    assert user.role is Role.MEMBER and audit_count() == 0


# --- searching ----------------------------------------------------------------------------------


def test_search_page_filters_and_keeps_what_was_typed(client):
    login(client, name="Ada Admin")
    make_user(name="Grace Hopper", email="grace@rijks.example", role="moderator")
    make_user(name="Old Account", email="old@rijks.example", active=False)
    html = client.get("/admin/users?q=RIJKS").get_data(as_text=True)
    assert "Grace Hopper" in html and "Old Account" in html and "Ada Admin" not in html
    html = client.get("/admin/users?q=rijks&state=deactivated").get_data(as_text=True)
    assert "Old Account" in html and "Grace Hopper" not in html
    html = client.get("/admin/users?role=moderator").get_data(as_text=True)
    assert "Grace Hopper" in html and "Old Account" not in html
    response = client.get("/admin/users", query_string={"q": "x" * 5000, "role": "root", "state": "zzz"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use at most 100 characters (now 5000)." in html and 'value="' + "x" * 5000 + '"' in html
    assert "Choose a role from the list." in html and "Choose active or deactivated." in html
    assert client.get("/admin/users?page=abc").status_code == 200
    assert client.get("/admin/users?page=99999999999999999999").status_code == 200


def test_search_with_naughty_strings(client):
    login(client)
    for s in NAUGHTY:
        response = client.get("/admin/users", query_string={"q": s, "role": s, "state": s})
        assert response.status_code in (200, 422), s
        html = response.get_data(as_text=True)
        assert not SCRIPT.search(html), s
        shown = clean_line(s)
        if shown:
            assert f'value="{escape(shown)}"' in html, s


# Fifty: the account's page shows its latest fifty events.
SOME_NAUGHTY = [s for s in NAUGHTY if re.search(r"[<>\"'&]", s)][:25] + [s for s in NAUGHTY if not s.isascii()][:25]


def test_reasons_with_naughty_strings_are_saved_and_shown_escaped(client):
    login(client)
    user = make_user()
    token = token_for(client)
    roles = ["moderator", "member"]
    for n, s in enumerate(SOME_NAUGHTY):
        response = client.post(f"/admin/users/{user.id}", data={"role-csrf_token": token, "role-role": roles[n % 2],
                                                                "role-reason": s})
        assert response.status_code == 302, s
    reasons = list(db.session.scalars(sa.select(AuditEvent.reason).order_by(AuditEvent.id)))
    assert reasons == [clean_block(s) or None for s in SOME_NAUGHTY]
    html = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert not SCRIPT.search(html)
    for reason in reasons:
        if reason:
            assert str(escape(reason)) in html, reason


def test_a_huge_reason_is_refused_on_the_field_and_kept(client):
    login(client)
    user = make_user()
    response = post_form(client, f"/admin/users/{user.id}", {"state-action": "deactivate",
                                                             "state-reason": "<b>" + "r" * 100_000},
                         prefix="state")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Use at most 2000 characters." in html
    assert "&lt;b&gt;" + "r" * 1000 in html  # what was typed is still there, escaped
    db.session.expire_all()
    assert user.active and audit_count() == 0
