"""Freshness: entries nobody has checked for a long time are marked on their
page, and `flask hub remind-stale` asks their editors to confirm them with a
one-click link."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from hub.db import db, utcnow
from hub.directory.models import EntryStatus, Membership
from hub.moderation import freshness
from hub.moderation.freshness import months_before
from hub.moderation.models import AuditEvent
from tests.conftest import login_as
from tests.factories import make_expert, make_organisation, make_project, make_resource, make_user

NAUGHTY: list[str] = json.loads((Path(__file__).parent.parent / "data" / "naughty-strings.json").read_text("utf-8"))
OUTDATED = "This entry may be out of date."


def checked_ago(entry, months: int = 0, days: int = 0, reminded_days_ago: int | None = None):
    """Make `entry` last reviewed (and published) that long ago."""
    moment = months_before(utcnow(), months) - timedelta(days=days)
    entry.reviewed_at = entry.published_at = moment
    entry.reminded_at = None if reminded_days_ago is None else utcnow() - timedelta(days=reminded_days_ago)
    db.session.commit()
    return entry


def remind(app, *args: str):
    result = app.test_cli_runner().invoke(args=["hub", "remind-stale", *args])
    assert result.exit_code == 0, result.output
    return result.output


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def links_in(outbox, message) -> dict[str, list[str]]:
    links = outbox.links(message)
    return {"confirm": [u for u in links if "/confirm/" in u], "edit": [u for u in links if "/edit/" in u]}


def confirmations(entry) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == "confirm", AuditEvent.entry_kind == entry.kind, AuditEvent.entry_id == entry.id)))


@pytest.fixture
def people():
    owner, first, second = make_user(name="Olga Owner"), make_user(name="Mira Member"), make_user(name="Max Member")
    organisation = make_organisation(members=(first, second), name="Stale Museum")
    return owner, first, second, organisation


# --- remind-stale ---------------------------------------------------------------


def test_remind_stale_sends_one_mail_per_person_with_working_links(app, client, outbox, people):
    owner, first, second, organisation = people
    owned_a = checked_ago(make_project(organisation, owner=owner, title="Owned A"), months=13)
    owned_b = checked_ago(make_resource(organisation, owner=owner), months=30)
    orphaned = checked_ago(make_project(organisation, title="Nobody owns me"), months=13)  # -> the members
    gone = checked_ago(make_project(organisation, owner=make_user(active=False)), months=13)  # -> the members
    unverified = checked_ago(make_project(organisation, owner=make_user(verified=False)), months=13)  # members too
    fresh = checked_ago(make_project(organisation, owner=owner), months=11)
    lonely = checked_ago(make_project(None, title="Lonely project"), months=13)  # nobody at all
    draft = make_project(organisation, owner=owner, status=EntryStatus.DRAFT)
    draft.created_at = months_before(utcnow(), 40)
    db.session.commit()

    output = remind(app)
    assert "Reminded 3 people about 5 entries." in output, output
    assert "Nobody could be reached for 1 entry " in output and lonely.slug in output
    assert "project" in output and owner.email in output

    # One mail per person, each listing all of their entries.
    assert len(outbox.messages) == 3
    (to_owner,) = outbox.to(owner.email)
    body = to_owner.get_content()
    assert "Owned A" in body and owned_b.title in body and "Nobody owns me" not in body
    assert "Are your 2 entries in the AI Competency Hub still accurate?" == to_owner["Subject"]
    for member in (first, second):
        (message,) = outbox.to(member.email)
        text = message.get_content()
        assert "Nobody owns me" in text and gone.title in text and unverified.title in text
        assert "Owned A" not in text and fresh.title not in text
        assert len(links_in(outbox, message)["confirm"]) == 3
    assert all(fresh.title not in m.get_content() and lonely.title not in m.get_content() for m in outbox.messages)
    assert all(m.get_content().count("http://localhost/") >= 4 for m in outbox.messages)  # absolute links

    # Reminded entries are marked; the unreachable one stays unmarked, so it is reported again.
    for entry in (owned_a, owned_b, orphaned, gone, unverified):
        db.session.refresh(entry)
        assert entry.reminded_at is not None
    for entry in (fresh, lonely, draft):
        db.session.refresh(entry)
        assert entry.reminded_at is None

    # The owner's links: confirm (no login needed) and edit.
    links = links_in(outbox, to_owner)
    assert len(links["confirm"]) == 2
    assert path_of(links["edit"][0]) == f"/edit/project/{owned_a.id}"
    assert path_of(links["edit"][1]) == f"/edit/resource/{owned_b.id}"
    before = owned_a.reviewed_at
    response = client.get(path_of(links["confirm"][0]))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/projects/{owned_a.slug}")
    db.session.refresh(owned_a)
    assert owned_a.reviewed_at > before and owned_a.reviewed_at > utcnow() - timedelta(minutes=1)
    (event,) = confirmations(owned_a)
    assert event.actor_id == owner.id and event.from_state == event.to_state == "published"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "confirmed as still accurate" in page
    # The edit link leads to the form once the owner is logged in.
    login_as(client, owner)
    assert client.get(path_of(links["edit"][0])).status_code == 200

    # A member's link confirms in the member's name.
    (message,) = outbox.to(first.email)
    member_link = next(u for u in links_in(outbox, message)["confirm"])
    assert client.get(path_of(member_link)).status_code == 302
    confirmed = [e for e in (orphaned, gone, unverified) if confirmations(e)]
    assert len(confirmed) == 1 and confirmations(confirmed[0])[0].actor_id == first.id


def test_an_expert_profile_is_asked_of_its_person(app, outbox):
    person = make_user()
    expert = checked_ago(make_expert(user=person), months=14)
    output = remind(app)
    assert "Reminded 1 person about 1 entry." in output
    (message,) = outbox.to(person.email)
    assert message["Subject"] == "Is your entry in the AI Competency Hub still accurate?"
    assert expert.display_name in message.get_content()


def test_remind_stale_respects_reminded_at(app, outbox, people):
    owner, first, second, organisation = people
    recently = checked_ago(make_project(organisation, owner=owner, title="Reminded recently"), months=13,
                           reminded_days_ago=10)
    long_ago = checked_ago(make_project(organisation, owner=owner, title="Reminded long ago"), months=13,
                           reminded_days_ago=31)
    output = remind(app)
    assert "Reminded 1 person about 1 entry." in output
    (message,) = outbox.messages
    assert "Reminded long ago" in message.get_content() and "Reminded recently" not in message.get_content()
    db.session.refresh(recently)
    assert recently.reminded_at < utcnow() - timedelta(days=9)

    # A second run the same day asks nobody.
    outbox.clear()
    output = remind(app)
    assert "Reminded 0 people about 0 entries." in output and outbox.messages == []
    db.session.refresh(long_ago)
    assert long_ago.reminded_at > utcnow() - timedelta(minutes=1)


def test_dry_run_sends_and_changes_nothing(app, outbox, people):
    owner, first, second, organisation = people
    project = checked_ago(make_project(organisation, owner=owner), months=13)
    output = remind(app, "--dry-run")
    assert "Would remind 1 person about 1 entry (dry run: nothing sent, nothing changed)." in output
    assert owner.email in output
    assert outbox.messages == []
    db.session.refresh(project)
    assert project.reminded_at is None
    # The real run afterwards does send.
    assert "Reminded 1 person" in remind(app) and len(outbox.messages) == 1


def test_months_option_and_setting(app, outbox, people):
    owner, first, second, organisation = people
    checked_ago(make_project(organisation, owner=owner), months=7)
    assert "Reminded 0 people" in remind(app)
    assert "Reminded 1 person" in remind(app, "--months", "6")
    assert app.test_cli_runner().invoke(args=["hub", "remind-stale", "--months", "0"]).exit_code != 0
    assert app.test_cli_runner().invoke(args=["hub", "remind-stale", "--months", "x"]).exit_code != 0


def test_a_rollback_sends_nothing(app, outbox, people, monkeypatch):
    owner, first, second, organisation = people
    project = checked_ago(make_project(organisation, owner=owner), months=13)

    def failing_flush(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(db.session, "flush", failing_flush)
    result = app.test_cli_runner().invoke(args=["hub", "remind-stale"])
    monkeypatch.undo()
    assert result.exit_code != 0 and outbox.messages == []
    db.session.refresh(project)
    assert project.reminded_at is None


# --- the confirmation link --------------------------------------------------------


class _PastSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 61 * 24 * 3600


def test_expired_forged_and_nonsense_tokens_are_refused(app, client, people):
    owner, first, second, organisation = people
    project = checked_ago(make_project(organisation, owner=owner), months=13)
    before = project.reviewed_at
    token = freshness.confirm_token(project, owner)

    expired = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="hub-confirm-entry",
                                     signer=_PastSigner).dumps({"k": "project", "e": project.id, "u": owner.id})
    response = client.get(f"/confirm/{expired}")
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)

    forged = URLSafeTimedSerializer("another secret", salt="hub-confirm-entry").dumps(
        {"k": "project", "e": project.id, "u": owner.id})
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    other_purpose = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="hub-verify-email").dumps(
        {"k": "project", "e": project.id, "u": owner.id})
    signed = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="hub-confirm-entry")
    wrong_shapes = [signed.dumps(p) for p in (
        ["project", project.id, owner.id], {"k": "painting", "e": project.id, "u": owner.id},
        {"k": "project", "e": str(project.id), "u": owner.id}, {"k": "project", "e": 10 ** 12, "u": owner.id},
        {"k": "project", "e": project.id, "u": 10 ** 9}, {"k": ["project"], "e": project.id, "u": owner.id},
        {"k": "project", "e": True, "u": owner.id}, None, "x")]
    for bad in [forged, tampered, other_purpose, "", "abc", "a" * 5000, "..", "%00", *wrong_shapes]:
        response = client.get(f"/confirm/{quote(bad, safe='')}")
        assert response.status_code in (400, 404), (bad, response.status_code)
        if response.status_code == 400:
            assert "This link does not work" in response.get_data(as_text=True)
    for s in NAUGHTY:
        response = client.get(f"/confirm/{quote(s, safe='')}")
        assert response.status_code in (400, 404), (s, response.status_code)
    db.session.refresh(project)
    assert project.reviewed_at == before and confirmations(project) == []

    # The genuine token still works, and a second click confirms again.
    assert client.get(f"/confirm/{token}").status_code == 302
    assert client.get(f"/confirm/{token}").status_code == 302
    assert len(confirmations(project)) == 2


def test_a_link_of_someone_who_may_no_longer_edit_is_refused(app, client, people):
    owner, first, second, organisation = people
    project = checked_ago(make_project(organisation), months=13)
    member_token = freshness.confirm_token(project, first)
    stranger_token = freshness.confirm_token(project, make_user())
    # The member left the organisation after the reminder was sent.
    db.session.execute(db.delete(Membership).where(Membership.user_id == first.id))
    db.session.commit()
    for token in (member_token, stranger_token):
        response = client.get(f"/confirm/{token}")
        assert response.status_code == 403
        assert "can no longer edit this entry" in response.get_data(as_text=True)
    # A closed account cannot confirm either.
    second_token = freshness.confirm_token(project, second)
    second.active = False
    db.session.commit()
    assert client.get(f"/confirm/{second_token}").status_code == 403
    db.session.refresh(project)
    assert confirmations(project) == []


def test_an_entry_no_longer_published_cannot_be_confirmed(app, client, people):
    owner, first, second, organisation = people
    project = checked_ago(make_project(organisation, owner=owner), months=13)
    token = freshness.confirm_token(project, owner)
    project.status = EntryStatus.ARCHIVED
    db.session.commit()
    response = client.get(f"/confirm/{token}")
    assert response.status_code == 409 and "no longer published" in response.get_data(as_text=True)


# --- possibly outdated ------------------------------------------------------------


ENTRY_PAGES = {
    "project": (lambda org: make_project(org), "/projects/{}"),
    "expert": (lambda org: make_expert(organisation=org), "/experts/{}"),
    "resource": (lambda org: make_resource(org), "/resources/{}"),
    "organisation": (lambda org: org, "/organisations/{}"),
}


@pytest.mark.parametrize("kind", list(ENTRY_PAGES))
def test_outdated_notice_appears_only_after_24_months(client, kind):
    make, page = ENTRY_PAGES[kind]
    entry = make(make_organisation())

    def html() -> str:
        response = client.get(page.format(entry.slug))
        assert response.status_code == 200
        return response.get_data(as_text=True)

    checked_ago(entry, months=23, days=27)
    text = html()
    assert OUTDATED not in text and "possibly outdated" not in text and "Last reviewed or confirmed" in text
    checked_ago(entry, months=24, days=1)
    text = html()
    assert OUTDATED in text and "Last reviewed or confirmed" not in text  # the date is said once, in the notice
    # Near the top: before the page's heading, not only in the footer.
    assert text.index(OUTDATED) < text.index("<h1")
    assert "more than 24 months ago" in text
    # A confirmation takes the notice away.
    entry.reviewed_at = utcnow()
    db.session.commit()
    assert OUTDATED not in html()


def test_outdated_notice_offers_editors_an_update(client, people):
    owner, first, second, organisation = people
    project = checked_ago(make_project(organisation, owner=owner), months=30)
    assert "Update this entry" not in client.get(f"/projects/{project.slug}").get_data(as_text=True)
    login_as(client, owner)
    assert "Update this entry" in client.get(f"/projects/{project.slug}").get_data(as_text=True)


def test_is_possibly_outdated_rules(app):
    organisation = make_organisation()
    project = checked_ago(make_project(organisation), months=25)
    assert freshness.is_possibly_outdated(project)
    assert not freshness.is_possibly_outdated(project, months=26)
    app.config["OUTDATED_AFTER_MONTHS"] = 36
    try:
        assert not freshness.is_possibly_outdated(project)
    finally:
        app.config["OUTDATED_AFTER_MONTHS"] = 24
    project.status = EntryStatus.ARCHIVED  # only what the public sees is marked
    assert not freshness.is_possibly_outdated(project)


def test_months_before_keeps_the_day_where_it_can():
    utc = timezone.utc
    assert months_before(datetime(2026, 3, 31, 12, tzinfo=utc), 1) == datetime(2026, 2, 28, 12, tzinfo=utc)
    assert months_before(datetime(2026, 1, 15, tzinfo=utc), 24) == datetime(2024, 1, 15, tzinfo=utc)
    assert months_before(datetime(2026, 1, 15, tzinfo=utc), 13) == datetime(2024, 12, 15, tzinfo=utc)
    assert months_before(datetime(2028, 2, 29, tzinfo=utc), 12) == datetime(2027, 2, 28, tzinfo=utc)
