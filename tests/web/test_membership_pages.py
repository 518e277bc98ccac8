"""Joining, deciding and leaving through the pages: the organisation page's
button, the "Your organisations" page, the moderators' page for organisations
without members, forged and stale posts, hostile input, the rate limit."""
from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from markupsafe import escape

from config import TestingConfig
from hub import create_app
from hub.db import db
from hub.directory import memberships
from hub.directory.models import EntryStatus, Membership, MembershipRequest, Organisation, RequestStatus
from hub.extensions import limiter
from hub.moderation.models import AuditEvent
from hub.text import clean_block, clean_line
from tests.conftest import csrf_token, login_as, post_form
from tests.factories import make_organisation, make_project, make_user

NAUGHTY: list[str] = json.loads((Path(__file__).parent.parent / "data" / "naughty-strings.json").read_text("utf-8"))
SCRIPT = re.compile(r"<script>alert\(", re.I)
ORGANISATIONS = "/account/organisations"


def is_member(user, organisation) -> bool:
    return db.session.get(Membership, (user.id, organisation.id)) is not None


def requests_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(MembershipRequest))


def token_for(client) -> str:
    return csrf_token(client.get("/login").get_data(as_text=True))


def decide_url(request) -> str:
    return f"{ORGANISATIONS}/requests/{request.id}"


def decision(request, choice: str | None, note: str = "") -> dict:
    data = {f"request-{request.id}-note": note, f"request-{request.id}-version": str(request.version_id)}
    if choice:
        data[f"request-{request.id}-decision"] = choice
    return data


@pytest.fixture
def museum():
    alice = make_user(name="Alice Member", email="alice@museum.example")
    return make_organisation(members=(alice,), name="Rijksmuseum Test"), alice


# --- the organisation page -------------------------------------------------------------------


def test_organisation_page_offers_to_join_to_verified_non_members(client, museum):
    organisation, alice = museum
    url = f"/organisations/{organisation.slug}"
    assert "Ask to join this organisation" not in client.get(url).get_data(as_text=True)  # anonymous
    login_as(client, alice)
    assert "You are a member of this organisation." in client.get(url).get_data(as_text=True)
    login_as(client, make_user(verified=False))
    assert "Ask to join this organisation" not in client.get(url).get_data(as_text=True)
    newcomer = make_user()
    login_as(client, newcomer)
    html = client.get(url).get_data(as_text=True)
    assert "Ask to join this organisation" in html and f"/organisations/{organisation.slug}/join" in html
    memberships.request_membership(newcomer, organisation)
    db.session.commit()
    assert "You have asked to join this organisation." in client.get(url).get_data(as_text=True)


# --- asking ----------------------------------------------------------------------------------------


def test_ask_to_join_through_the_form(client, museum, outbox):
    organisation, alice = museum
    newcomer = make_user(name="Newcomer")
    login_as(client, newcomer)
    response = post_form(client, f"/organisations/{organisation.slug}/join",
                         {"message": "I lead the <em>AI</em> pilot. 🤖"})
    assert response.status_code == 302 and response.headers["Location"].endswith(ORGANISATIONS)
    request = db.session.scalar(sa.select(MembershipRequest))
    assert (request.user_id, request.organisation_id, request.message) == (
        newcomer.id, organisation.id, "I lead the <em>AI</em> pilot. 🤖")
    [mail] = outbox.messages
    assert mail["To"] == "alice@museum.example" and "I lead the <em>AI</em> pilot. 🤖" in mail.get_content()
    html = client.get(ORGANISATIONS).get_data(as_text=True)
    assert "Waiting for a decision" in html and "Rijksmuseum Test" in html
    # Asking again: refused on the form, nothing added.
    response = post_form(client, f"/organisations/{organisation.slug}/join", {"message": "Again"})
    assert response.status_code == 409 and "already asked to join" in response.get_data(as_text=True)
    assert requests_count() == 1


def test_who_may_ask_through_the_pages(client, museum):
    organisation, alice = museum
    url = f"/organisations/{organisation.slug}/join"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    login_as(client, alice)
    response = post_form(client, url, {"message": ""})
    assert response.status_code == 409 and "already a member" in response.get_data(as_text=True)
    login_as(client, make_user(verified=False))
    assert "Confirm your email address" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"csrf_token": token_for(client)}).status_code == 403
    login_as(client, make_user())
    draft = make_organisation(status=EntryStatus.DRAFT)
    assert client.get(f"/organisations/{draft.slug}/join").status_code == 404
    assert client.get("/organisations/no-such-museum/join").status_code == 404
    assert client.get("/organisations/a%00b/join").status_code == 404
    assert client.post(url, data={"message": "no token"}).status_code == 400
    assert requests_count() == 0


def test_join_message_with_naughty_strings(client, museum, outbox):
    organisation, alice = museum
    url = f"/organisations/{organisation.slug}/join"
    strings = [s for s in NAUGHTY if re.search(r"[<>\"'&]", s)][:20] + [s for s in NAUGHTY if not s.isascii()][:20]
    for s in strings:
        login_as(client, make_user())  # a new person each time: one pending request each
        response = client.post(url, data={"csrf_token": token_for(client), "message": s})
        assert response.status_code == 302, s
    saved = list(db.session.scalars(sa.select(MembershipRequest.message).order_by(MembershipRequest.id)))
    assert saved == [clean_block(s) for s in strings]
    login_as(client, alice)
    html = client.get(ORGANISATIONS).get_data(as_text=True)
    assert not SCRIPT.search(html)
    for message in saved:
        if message:
            assert str(escape(message)) in html, message


def test_a_huge_message_is_refused_on_the_field_and_kept(client, museum):
    organisation, alice = museum
    login_as(client, make_user())
    response = post_form(client, f"/organisations/{organisation.slug}/join", {"message": "<i>" + "m" * 100_000})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Use at most 2000 characters." in html
    assert "&lt;i&gt;" + "m" * 1000 in html and 'href="#message"' in html  # the summary links to the field
    assert requests_count() == 0


# --- deciding as a member ------------------------------------------------------------------------


@pytest.fixture
def waiting(museum):
    organisation, alice = museum
    newcomer = make_user(name="Newcomer", email="new@museum.example")
    request = memberships.request_membership(newcomer, organisation, "Hello <b>there</b>")
    db.session.commit()
    return organisation, alice, newcomer, request


def test_member_accepts_through_the_page(client, waiting, outbox):
    organisation, alice, newcomer, request = waiting
    login_as(client, alice)
    html = client.get(ORGANISATIONS).get_data(as_text=True)
    assert "Requests waiting for your decision" in html and "Hello &lt;b&gt;there&lt;/b&gt;" in html
    outbox.clear()
    response = post_form(client, decide_url(request), decision(request, "accept", "Welcome <aboard>"),
                         page=ORGANISATIONS, prefix=f"request-{request.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert request.status is RequestStatus.ACCEPTED and is_member(newcomer, organisation)
    [mail] = outbox.messages
    assert mail["To"] == "new@museum.example" and "Welcome <aboard>" in mail.get_content()
    # The requester sees the outcome and the note, escaped.
    login_as(client, newcomer)
    html = client.get(ORGANISATIONS).get_data(as_text=True)
    assert "Accepted" in html and "Welcome &lt;aboard&gt;" in html and "Rijksmuseum Test" in html


def test_member_declines_and_a_second_click_is_a_conflict(client, waiting, outbox):
    organisation, alice, newcomer, request = waiting
    login_as(client, alice)
    data = decision(request, "decline", "Not now")
    response = post_form(client, decide_url(request), data, page=ORGANISATIONS, prefix=f"request-{request.id}")
    assert response.status_code == 302
    response = client.post(decide_url(request), data={f"request-{request.id}-csrf_token": token_for(client), **data})
    assert response.status_code == 409 and "This request was already decided." in response.get_data(as_text=True)
    db.session.expire_all()
    assert request.status is RequestStatus.DECLINED and not is_member(newcomer, organisation)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "decline_membership")) == 1
    assert len(outbox.to("new@museum.example")) == 1


def test_a_decision_needs_a_choice_and_keeps_the_note(client, waiting):
    organisation, alice, newcomer, request = waiting
    login_as(client, alice)
    response = post_form(client, decide_url(request), decision(request, None, "Typed <note>"),
                         page=ORGANISATIONS, prefix=f"request-{request.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose accept or decline." in html and "Typed &lt;note&gt;" in html
    response = post_form(client, decide_url(request), decision(request, "maybe", "x" * 10_000),
                         page=ORGANISATIONS, prefix=f"request-{request.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose accept or decline." in html
    assert "Use at most 2000 characters." in html
    db.session.expire_all()
    assert request.status is RequestStatus.PENDING


def test_forged_and_stale_decisions_change_nothing(client, waiting):
    organisation, alice, newcomer, request = waiting
    prefix = f"request-{request.id}"
    # Someone who is not a member.
    login_as(client, make_user())
    data = {f"{prefix}-csrf_token": token_for(client), **decision(request, "accept")}
    assert client.post(decide_url(request), data=data).status_code == 403
    # The requester themselves.
    login_as(client, newcomer)
    data = {f"{prefix}-csrf_token": token_for(client), **decision(request, "accept")}
    assert client.post(decide_url(request), data=data).status_code == 403
    # A moderator: the organisation has members, so it is theirs to decide.
    login_as(client, make_user(role="moderator"))
    data = {f"{prefix}-csrf_token": token_for(client), **decision(request, "accept")}
    assert client.post(decide_url(request), data=data).status_code == 403
    assert client.post(f"/moderation/membership-requests/{request.id}", data=data).status_code == 403
    # A member: no token, an unknown request, an old version.
    login_as(client, alice)
    assert client.post(decide_url(request), data=decision(request, "accept")).status_code == 400
    token = token_for(client)
    assert client.post(f"{ORGANISATIONS}/requests/999999", data={"request-999999-csrf_token": token,
                                                                  "request-999999-decision": "accept"}
                       ).status_code == 404
    stale = {f"{prefix}-csrf_token": token, **decision(request, "accept"), f"{prefix}-version": "0"}
    response = client.post(decide_url(request), data=stale)
    assert response.status_code == 409 and "already decided" in response.get_data(as_text=True)
    # Anonymous.
    client.get("/logout")
    with client.session_transaction() as session:
        session.clear()
    assert client.post(decide_url(request), data=data).status_code in (302, 400)
    db.session.expire_all()
    assert request.status is RequestStatus.PENDING and not is_member(newcomer, organisation)
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action.in_(("accept_membership", "decline_membership"))))


# --- organisations without members: the moderators ------------------------------------------------


def test_moderators_decide_for_organisations_without_members(client, outbox):
    orphan = make_organisation(name="Orphan museum")
    moderator = make_user(role="moderator", email="mod@hub.example")
    newcomer = make_user(name="Orphan Seeker", email="seeker@museum.example")
    login_as(client, newcomer)
    assert post_form(client, f"/organisations/{orphan.slug}/join", {"message": "Nobody is here"}).status_code == 302
    assert [m["To"] for m in outbox.messages] == ["mod@hub.example"]
    request = db.session.scalar(sa.select(MembershipRequest))
    assert client.get("/moderation/membership-requests").status_code == 403
    login_as(client, moderator)
    html = client.get("/moderation/membership-requests").get_data(as_text=True)
    assert "Orphan Seeker asks to join Orphan museum" in html and "Nobody is here" in html
    outbox.clear()
    response = post_form(client, f"/moderation/membership-requests/{request.id}", decision(request, "accept"),
                         page="/moderation/membership-requests", prefix=f"request-{request.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/moderation/membership-requests")
    db.session.expire_all()
    assert is_member(newcomer, orphan) and [m["To"] for m in outbox.messages] == ["seeker@museum.example"]
    assert "No requests are waiting." in client.get("/moderation/membership-requests").get_data(as_text=True)


def test_moderators_page_form_errors(client):
    orphan = make_organisation()
    request = memberships.request_membership(make_user(), orphan)
    db.session.commit()
    login_as(client, make_user(role="moderator"))
    url = f"/moderation/membership-requests/{request.id}"
    response = post_form(client, url, decision(request, None, "kept"), page="/moderation/membership-requests",
                         prefix=f"request-{request.id}")
    assert response.status_code == 422 and "Choose accept or decline." in response.get_data(as_text=True)
    assert client.post("/moderation/membership-requests/999999", data={
        "request-999999-csrf_token": token_for(client)}).status_code == 404


# --- the "Your organisations" page and leaving ----------------------------------------------------


def test_your_organisations_page(client, museum):
    organisation, alice = museum
    other = make_organisation(name="Rijks Twin")
    make_organisation(name="Rijks Draft", status=EntryStatus.DRAFT)
    assert client.get(ORGANISATIONS).status_code == 302
    login_as(client, alice)
    html = client.get(ORGANISATIONS, query_string={"q": "RIJKS"}).get_data(as_text=True)
    assert "Organisations you belong to" in html and f"/organisations/{organisation.slug}/leave" in html
    assert "You are a member" in html and f"/organisations/{other.slug}/join" in html
    assert "Rijks Draft" not in html
    response = client.get(ORGANISATIONS, query_string={"q": "q" * 500})
    assert response.status_code == 422 and "Use at most 100 characters (now 500)." in response.get_data(True)


def test_search_box_with_naughty_strings(client):
    make_organisation(name="<script>alert('museum')</script>")
    login_as(client, make_user())
    for s in NAUGHTY:
        response = client.get(ORGANISATIONS, query_string={"q": s})
        assert response.status_code in (200, 422), s
        html = response.get_data(as_text=True)
        assert not SCRIPT.search(html), s
        if clean_line(s) and len(clean_line(s)) <= 100:
            assert f'value="{escape(clean_line(s))}"' in html, s


def test_the_last_member_leaves_and_everything_stays(client, museum):
    organisation, alice = museum
    project = make_project(organisation, status=EntryStatus.PUBLISHED, title="Kept project")
    login_as(client, alice)
    url = f"/organisations/{organisation.slug}/leave"
    assert client.post(url).status_code == 400  # no CSRF token
    assert is_member(alice, organisation)
    response = post_form(client, url, {}, page=ORGANISATIONS)
    assert response.status_code == 302
    db.session.expire_all()
    assert not is_member(alice, organisation)
    assert db.session.get(Organisation, organisation.id) is not None
    assert "Kept project" in client.get(f"/organisations/{organisation.slug}").get_data(as_text=True)
    assert client.get(f"/projects/{project.slug}").status_code == 200
    # Leaving again, or an unknown organisation.
    response = client.post(url, data={"csrf_token": token_for(client)})
    assert response.status_code == 409 and "not a member" in response.get_data(as_text=True)
    assert client.post("/organisations/nowhere/leave", data={"csrf_token": token_for(client)}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "leave_organisation")) == 1


# --- the rate limit -------------------------------------------------------------------------------


def test_asking_to_join_is_rate_limited(database_url, museum):
    organisation, alice = museum
    # The second app's requests end with their own app context, which removes the
    # session: keep plain values, not rows.
    url, asker = f"/organisations/{organisation.slug}/join", SimpleNamespace(id=make_user().id)
    limited = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=True,
                         RATELIMIT_STORAGE_URI="memory://", RATELIMIT_KEY_PREFIX=f"hub-test-{uuid.uuid4().hex}",
                         SERVER_NAME="localhost")
    try:
        client = limited.test_client()
        login_as(client, asker)
        environ = {"REMOTE_ADDR": f"10.9.{uuid.uuid4().int % 250}.7"}
        token = csrf_token(client.get(url, environ_base=environ).get_data(as_text=True))
        statuses = [client.post(url, data={"csrf_token": token, "message": "Hi"}, environ_base=environ).status_code
                    for _ in range(11)]
        assert statuses[0] == 302 and statuses[1:10] == [409] * 9 and statuses[10] == 429
        assert requests_count() == 1
    finally:
        limiter.enabled = False  # one shared limiter: the main app's tests run without limits
        with limited.app_context():
            db.engine.dispose()
