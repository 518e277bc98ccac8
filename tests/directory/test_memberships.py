"""Asking to join an organisation, deciding, leaving: in the services, with the
mails that leave after the commit and the audit rows."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from hub.db import db, transaction
from hub.directory import memberships
from hub.directory.models import EntryStatus, Membership, MembershipRequest, Organisation, Project, RequestStatus
from hub.directory.permissions import organisation_ids_of
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.moderation.models import AuditEvent
from tests.factories import make_organisation, make_project, make_user


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def is_member(user, organisation) -> bool:
    return db.session.get(Membership, (user.id, organisation.id)) is not None


@pytest.fixture
def museum():
    alice, bob = make_user(name="Alice Member", email="alice@museum.example"), make_user(
        name="Bob Member", email="bob@museum.example")
    return make_organisation(members=(alice, bob), name="Rijksmuseum Test"), alice, bob


def test_request_accept_and_mails(museum, outbox):
    organisation, alice, bob = museum
    newcomer = make_user(name="Newcomer", email="new@museum.example")
    assert organisation_ids_of(newcomer) == set()  # cached for the request: must be forgotten on accept
    with transaction():
        request = memberships.request_membership(newcomer, organisation, "I run the <b>digitisation</b> team.\x07")
    assert request.status is RequestStatus.PENDING and request.message == "I run the <b>digitisation</b> team."
    # Both members hear of it, after the commit.
    assert sorted(m["To"] for m in outbox.messages) == ["alice@museum.example", "bob@museum.example"]
    mail = outbox.to("alice@museum.example")[0]
    assert mail["Subject"] == "Newcomer asks to join Rijksmuseum Test"
    assert "<b>digitisation</b>" in mail.get_content() and "/account/organisations" in mail.get_content()
    outbox.clear()

    assert memberships.requests_to_decide(alice) == [request]
    with transaction():
        memberships.decide_membership(alice, request, accept=True, note="Welcome! 🎉",
                                      expected_version=request.version_id)
    assert request.status is RequestStatus.ACCEPTED and request.decided_by_id == alice.id
    assert is_member(newcomer, organisation) and organisation.id in organisation_ids_of(newcomer)
    [mail] = outbox.messages
    assert mail["To"] == "new@museum.example" and mail["Subject"] == "You are now a member of Rijksmuseum Test"
    assert "Welcome! 🎉" in mail.get_content()
    assert [(e.action, e.actor_id, e.subject_user_id, e.entry_id, e.from_state, e.to_state) for e in
            events("request_membership") + events("accept_membership")] == [
        ("request_membership", newcomer.id, newcomer.id, organisation.id, None, "pending"),
        ("accept_membership", alice.id, newcomer.id, organisation.id, "pending", "accepted")]
    assert events("accept_membership")[0].reason == "Welcome! 🎉"
    assert memberships.requests_to_decide(alice) == []


def test_decline_with_a_note(museum, outbox):
    organisation, alice, bob = museum
    newcomer = make_user(email="declined@museum.example")
    request = memberships.request_membership(newcomer, organisation)
    db.session.commit()
    outbox.clear()
    with transaction():
        memberships.decide_membership(bob, request, accept=False, note="We do not know you.\nWrite to us first.")
    assert request.status is RequestStatus.DECLINED and not is_member(newcomer, organisation)
    [mail] = outbox.messages
    assert mail["To"] == "declined@museum.example"
    assert mail["Subject"] == "Your request to join Rijksmuseum Test was declined"
    assert "We do not know you.\nWrite to us first." in mail.get_content()
    assert len(events("decline_membership")) == 1 and not events("accept_membership")


def test_no_mail_leaves_when_the_transaction_fails(museum, outbox):
    organisation, alice, bob = museum
    newcomer = make_user()
    with pytest.raises(RuntimeError):
        with transaction():
            memberships.request_membership(newcomer, organisation)
            raise RuntimeError("something later failed")
    assert outbox.messages == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MembershipRequest)) == 0


def test_an_organisation_without_members_is_decided_by_moderators(outbox):
    orphan = make_organisation(name="Orphan museum")
    moderator = make_user(role="moderator", email="mod@hub.example")
    admin = make_user(role="admin", email="admin@hub.example")
    make_user(role="moderator", email="gone-mod@hub.example", active=False)
    outsider = make_user()
    newcomer = make_user()
    with transaction():
        request = memberships.request_membership(newcomer, orphan, "Please")
    assert sorted(m["To"] for m in outbox.messages) == ["admin@hub.example", "mod@hub.example"]
    assert "/moderation/membership-requests" in outbox.to("mod@hub.example")[0].get_content()
    assert memberships.requests_for_moderators() == [request]
    assert not memberships.can_decide_membership(outsider, request)
    assert memberships.can_decide_membership(admin, request)
    with pytest.raises(PermissionDenied):
        memberships.decide_membership(outsider, request, accept=True)
    memberships.decide_membership(moderator, request, accept=True)
    assert is_member(newcomer, orphan) and memberships.requests_for_moderators() == []


def test_requests_to_organisations_with_members_are_not_for_moderators(museum):
    organisation, alice, bob = museum
    request = memberships.request_membership(make_user(), organisation)
    moderator = make_user(role="moderator")
    assert memberships.requests_for_moderators() == []
    with pytest.raises(PermissionDenied):
        memberships.decide_membership(moderator, request, accept=True)
    assert request.status is RequestStatus.PENDING


DECIDERS = {"anonymous": False, "requester": False, "outsider": False, "member": True, "moderator": False,
            "admin": False}


@pytest.mark.parametrize("who, allowed", DECIDERS.items())
def test_who_decides_on_a_request_to_an_organisation_with_members(museum, who, allowed):
    organisation, alice, bob = museum
    requester = make_user(role="moderator")  # a moderator asking does not decide their own request
    request = memberships.request_membership(requester, organisation)
    user = {"anonymous": AnonymousUserMixin(), "requester": requester, "outsider": make_user(), "member": alice,
            "moderator": make_user(role="moderator"), "admin": make_user(role="admin")}[who]
    assert memberships.can_decide_membership(user, request) is allowed
    if allowed:
        memberships.decide_membership(user, request, accept=True)
        assert is_member(requester, organisation)
    else:
        with pytest.raises(PermissionDenied):
            memberships.decide_membership(user, request, accept=True)
        assert request.status is RequestStatus.PENDING and not is_member(requester, organisation)


def test_a_requesting_moderator_cannot_accept_themselves_into_an_orphan():
    orphan = make_organisation()
    moderator, other = make_user(role="moderator"), make_user(role="moderator")
    request = memberships.request_membership(moderator, orphan)
    with pytest.raises(PermissionDenied):
        memberships.decide_membership(moderator, request, accept=True)
    memberships.decide_membership(other, request, accept=True)
    assert is_member(moderator, orphan)


def test_no_duplicate_pending_request_and_no_request_by_a_member(museum):
    organisation, alice, bob = museum
    newcomer = make_user()
    memberships.request_membership(newcomer, organisation)
    with pytest.raises(Conflict, match="already asked"):
        memberships.request_membership(newcomer, organisation)
    with pytest.raises(Conflict, match="already a member"):
        memberships.request_membership(alice, organisation)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MembershipRequest)) == 1
    assert len(events("request_membership")) == 1


def test_asking_again_after_a_decline_is_allowed(museum):
    organisation, alice, bob = museum
    newcomer = make_user()
    memberships.decide_membership(alice, memberships.request_membership(newcomer, organisation), accept=False)
    again = memberships.request_membership(newcomer, organisation, "Second try")
    assert again.status is RequestStatus.PENDING


def test_who_may_ask(museum):
    organisation, alice, bob = museum
    with pytest.raises(PermissionDenied):
        memberships.request_membership(make_user(verified=False), organisation)
    with pytest.raises(PermissionDenied):
        memberships.request_membership(make_user(active=False), organisation)
    with pytest.raises(PermissionDenied):
        memberships.request_membership(AnonymousUserMixin(), organisation)
    draft = make_organisation(status=EntryStatus.DRAFT)
    with pytest.raises(NotFound):
        memberships.request_membership(make_user(), draft)
    with pytest.raises(InvalidInput) as error:
        memberships.request_membership(make_user(), organisation, "m" * 2_001)
    assert "message" in error.value.errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MembershipRequest)) == 0


def test_a_decided_request_cannot_be_decided_again(museum, outbox):
    organisation, alice, bob = museum
    request = memberships.request_membership(make_user(), organisation)
    seen = request.version_id
    memberships.decide_membership(alice, request, accept=False)
    for decider, version in ((bob, seen), (bob, None), (alice, request.version_id)):
        with pytest.raises(Conflict, match="already decided"):
            memberships.decide_membership(decider, request, accept=True, expected_version=version)
    assert request.status is RequestStatus.DECLINED and len(events("decline_membership")) == 1
    assert not events("accept_membership")
    with pytest.raises(PermissionDenied):  # a stranger is refused, not told about the state
        memberships.decide_membership(make_user(), request, accept=True)


def test_two_deciders_at_once_one_wins(museum):
    """The second decision's UPDATE finds the row changed underneath (optimistic locking)."""
    organisation, alice, bob = museum
    newcomer = make_user()
    request = memberships.request_membership(newcomer, organisation)
    db.session.commit()
    assert request.status is RequestStatus.PENDING  # read now, as a page showing the form would
    # Another request decided it meanwhile: its UPDATE bumped the version behind this session's back.
    db.session.execute(sa.text("UPDATE membership_requests SET version_id = version_id + 1, status = 'declined' "
                               "WHERE id = :id"), {"id": request.id})
    with pytest.raises(Conflict, match="by someone else a moment ago"):
        with transaction():
            memberships.decide_membership(bob, request, accept=True)
    assert not is_member(newcomer, organisation) and not events("accept_membership")


def test_too_long_a_note_is_refused_on_the_field(museum):
    organisation, alice, bob = museum
    request = memberships.request_membership(make_user(), organisation)
    with pytest.raises(InvalidInput) as error:
        memberships.decide_membership(alice, request, accept=True, note="n" * 2_001)
    assert "note" in error.value.errors


def test_the_last_member_leaving_keeps_the_organisation_and_its_entries():
    member = make_user()
    organisation = make_organisation(members=(member,), name="Lonely museum")
    project = make_project(organisation, owner=None, status=EntryStatus.PUBLISHED)
    assert organisation.id in organisation_ids_of(member)
    with transaction():
        memberships.leave_organisation(member, organisation)
    assert not is_member(member, organisation) and organisation.id not in organisation_ids_of(member)
    assert db.session.get(Organisation, organisation.id).status is EntryStatus.PUBLISHED
    assert db.session.get(Project, project.id).lead_organisation.id == organisation.id
    [event] = events("leave_organisation")
    assert (event.actor_id, event.subject_user_id, event.entry_id) == (member.id, member.id, organisation.id)
    with pytest.raises(Conflict, match="not a member"):
        memberships.leave_organisation(member, organisation)
    # With nobody left, the moderators decide who joins.
    request = memberships.request_membership(make_user(), organisation)
    assert memberships.requests_for_moderators() == [request]


def test_search_organisations():
    make_organisation(name="Rijksmuseum Twenthe")
    make_organisation(name="rijksmuseum van Oudheden")
    make_organisation(name="Draft Rijks", status=EntryStatus.DRAFT)
    make_organisation(name="Musée d'Orsay")
    make_organisation(name="50% Museum_x")
    found = lambda q: [o.name for o in memberships.search_organisations(q)]
    assert found("RIJKS") == ["Rijksmuseum Twenthe", "rijksmuseum van Oudheden"]
    assert found("orsay") == ["Musée d'Orsay"]
    assert found("%") == ["50% Museum_x"] and found("_") == ["50% Museum_x"]
    assert found("") == [] and found("  \x00 ") == []
    with pytest.raises(InvalidInput) as error:
        memberships.search_organisations("q" * 101)
    assert "q" in error.value.errors
    for n in range(25):
        make_organisation(name=f"Many {n}")
    assert len(memberships.search_organisations("many")) == memberships.SEARCH_LIMIT == 20


def test_membership_state_for_the_organisation_page(museum):
    organisation, alice, bob = museum
    newcomer = make_user()
    assert memberships.membership_state(AnonymousUserMixin(), organisation) is None
    assert memberships.membership_state(alice, organisation) == "member"
    assert memberships.membership_state(make_user(verified=False), organisation) is None
    assert memberships.membership_state(newcomer, organisation) == "can_request"
    memberships.request_membership(newcomer, organisation)
    assert memberships.membership_state(newcomer, organisation) == "pending"
