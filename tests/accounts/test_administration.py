"""User administration in the services: who may do it, the last administrator,
what deactivating someone does to their entries, edits and requests, and the
audit log's one row per action."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from hub.accounts import administration
from hub.accounts.models import Role, User
from hub.db import db, transaction
from hub.directory import memberships
from hub.directory.models import EntryStatus, MembershipRequest, RequestStatus
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.moderation.models import AuditEvent, Revision, RevisionStatus
from tests.conftest import post_form
from tests.factories import PASSWORD, make_expert, make_organisation, make_project, make_resource, make_user


def events(action: str, user: User | None = None) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == action)
    if user is not None:
        query = query.where(AuditEvent.subject_user_id == user.id)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def actor(role: str | None):
    return AnonymousUserMixin() if role is None else make_user(role=role)


# --- the role matrix ------------------------------------------------------------------------

ACTIONS = {
    "search": lambda who, user: administration.search_users(who, administration.UserFilters()),
    "get": lambda who, user: administration.get_user(who, user.id),
    "change_role": lambda who, user: administration.change_role(who, user, "moderator"),
    "deactivate": lambda who, user: administration.deactivate(who, user),
    "reactivate": lambda who, user: administration.reactivate(who, user),
}
ROLES = {"anonymous": None, "member": "member", "moderator": "moderator", "admin": "admin"}
CASES = [(action, role) for action in ACTIONS for role in ROLES]


@pytest.mark.parametrize("action, role", CASES, ids=[f"{a}-{r}" for a, r in CASES])
def test_only_administrators_administer(action, role):
    make_user(role="admin")  # never the last administrator
    target = make_user(active=action != "reactivate")
    who = actor(ROLES[role])
    if role == "admin":
        ACTIONS[action](who, target)
    else:
        with pytest.raises(PermissionDenied):
            ACTIONS[action](who, target)
        db.session.rollback()
        assert target.role is Role.MEMBER and target.active is (action != "reactivate")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_a_deactivated_administrator_administers_nothing():
    admin = make_user(role="admin", active=False)
    with pytest.raises(PermissionDenied):
        administration.change_role(admin, make_user(), "admin")


# --- roles ------------------------------------------------------------------------------------


def test_change_role_writes_one_audit_row_with_the_reason():
    admin, user = make_user(role="admin"), make_user()
    administration.change_role(admin, user, "moderator", "  Helps with the queue.\x00 ")
    assert user.role is Role.MODERATOR
    [event] = events("change_role")
    assert (event.actor_id, event.subject_user_id, event.from_state, event.to_state, event.reason) == (
        admin.id, user.id, "member", "moderator", "Helps with the queue.")
    assert event.entry_kind is None


@pytest.mark.parametrize("role", ["", "root", "ADMIN", "admin\x00", "<script>", "管理者"])
def test_unknown_roles_are_refused_on_the_field(role):
    admin, user = make_user(role="admin"), make_user()
    with pytest.raises(InvalidInput) as error:
        administration.change_role(admin, user, role)
    assert "role" in error.value.errors and user.role is Role.MEMBER and not events("change_role")


def test_the_same_role_again_is_refused_and_not_logged():
    admin, user = make_user(role="admin"), make_user(role="moderator")
    with pytest.raises(InvalidInput, match="already has this role"):
        administration.change_role(admin, user, "moderator")
    assert not events("change_role")


def test_too_long_a_reason_is_refused_on_the_field():
    admin, user = make_user(role="admin"), make_user()
    with pytest.raises(InvalidInput) as error:
        administration.change_role(admin, user, "moderator", "x" * 2_001)
    assert "now 2001" in error.value.errors["reason"] and user.role is Role.MEMBER


def test_the_last_active_administrator_cannot_be_demoted():
    admin = make_user(role="admin")
    make_user(role="admin", active=False)  # a deactivated administrator does not count
    for role in ("moderator", "member"):
        with pytest.raises(Conflict, match="last active administrator"):
            administration.change_role(admin, admin, role)
    assert admin.role is Role.ADMIN and not events("change_role")


def test_an_administrator_may_step_down_while_another_remains():
    admin, other = make_user(role="admin"), make_user(role="admin")
    administration.change_role(admin, admin, "moderator")
    assert admin.role is Role.MODERATOR
    with pytest.raises(PermissionDenied):  # no longer an administrator
        administration.change_role(admin, other, "member")
    with pytest.raises(Conflict, match="last active administrator"):
        administration.change_role(other, other, "member")


def test_the_last_active_administrator_cannot_be_deactivated_nor_deactivate_themselves():
    admin = make_user(role="admin")
    with pytest.raises(Conflict, match="your own account"):
        administration.deactivate(admin, admin)
    other = make_user(role="admin")
    administration.deactivate(admin, other)  # admin remains
    with pytest.raises(Conflict):
        administration.deactivate(admin, admin)
    assert admin.active and not other.active
    # A deactivated administrator may be demoted: the active one remains.
    administration.change_role(admin, other, "member")
    assert other.role is Role.MEMBER


def test_twice_the_same_state_change_is_a_conflict_that_changes_nothing():
    admin, user = make_user(role="admin"), make_user()
    administration.deactivate(admin, user)
    with pytest.raises(Conflict, match="already deactivated"):
        administration.deactivate(admin, user)
    administration.reactivate(admin, user, "Back from leave.")
    with pytest.raises(Conflict, match="already active"):
        administration.reactivate(admin, user)
    assert len(events("deactivate", user)) == 1 and len(events("reactivate", user)) == 1
    [event] = events("reactivate", user)
    assert (event.from_state, event.to_state, event.reason) == ("deactivated", "active", "Back from leave.")


def test_unknown_user_is_not_found():
    with pytest.raises(NotFound):
        administration.get_user(make_user(role="admin"), 999_999)


# --- deactivation ------------------------------------------------------------------------------


@pytest.fixture
def leaver():
    """A member of a museum with a bit of everything: pending, published and draft entries,
    an open edit of a published entry, and a pending request to join another museum."""
    user, colleague = make_user(name="Leaving Person"), make_user()
    museum = make_organisation(members=(user, colleague), name="Leaver's museum")
    other_museum = make_organisation(members=(colleague,), name="Other museum")
    entries = {
        "pending_project": make_project(museum, owner=user, status=EntryStatus.PENDING),
        "pending_resource": make_resource(None, owner=None, status=EntryStatus.PENDING),
        "published_project": make_project(museum, owner=user, status=EntryStatus.PUBLISHED),
        "published_loose_project": make_project(None, owner=user, status=EntryStatus.PUBLISHED),
        "published_resource": make_resource(museum, owner=user, status=EntryStatus.PUBLISHED),
        "draft_project": make_project(museum, owner=user, status=EntryStatus.DRAFT),
        "expert": make_expert(user, status=EntryStatus.PUBLISHED, organisation=museum),
        "edited_project": make_project(museum, owner=colleague, status=EntryStatus.PUBLISHED),
    }
    entries["pending_resource"].submitted_by_id = user.id  # someone else's, submitted by the leaver
    revision = Revision(entry_kind="project", entry_id=entries["edited_project"].id, author_id=user.id,
                        data={"title": "Edited"}, status=RevisionStatus.PENDING)
    db.session.add(revision)
    request = MembershipRequest(user_id=user.id, organisation_id=other_museum.id, message="Hello")
    db.session.add(request)
    db.session.commit()
    return user, museum, entries, revision, request


def test_deactivation_withdraws_pending_items_and_keeps_published_entries(client, leaver):
    user, museum, entries, revision, request = leaver
    admin = make_user(role="admin")
    with transaction():
        result = administration.deactivate(admin, user, "Left the museum.")
    assert (result.withdrawn_entries, result.withdrawn_revisions, result.withdrawn_requests) == (2, 1, 1)
    assert not user.active

    # Pending items are back to drafts, each with its audit row, by the administrator.
    assert entries["pending_project"].status is EntryStatus.DRAFT
    assert entries["pending_resource"].status is EntryStatus.DRAFT
    withdrawn = events("withdraw")
    assert {(e.entry_kind, e.entry_id, e.actor_id) for e in withdrawn} == {
        ("project", entries["pending_project"].id, admin.id), ("resource", entries["pending_resource"].id, admin.id)}
    assert revision.status is RevisionStatus.WITHDRAWN and len(events("withdraw_revision")) == 1
    assert request.status is RequestStatus.WITHDRAWN

    # Published entries stay public; the museum's members own those it is responsible for.
    for name in ("published_project", "published_loose_project", "published_resource", "expert", "edited_project"):
        assert entries[name].status is EntryStatus.PUBLISHED, name
    assert entries["published_project"].owner_id is None
    assert entries["published_resource"].owner_id is None
    assert entries["published_loose_project"].owner_id == user.id  # no organisation to take it
    assert entries["expert"].owner_id == user.id and entries["expert"].user_id == user.id  # personal
    assert entries["draft_project"].owner_id == user.id and entries["draft_project"].status is EntryStatus.DRAFT
    assert result.handed_over == 2

    # Exactly one audit row for the deactivation itself.
    [event] = events("deactivate")
    assert (event.actor_id, event.subject_user_id, event.from_state, event.to_state, event.reason) == (
        admin.id, user.id, "active", "deactivated", "Left the museum.")

    # The public pages still show the published entries.
    assert client.get(f"/projects/{entries['published_project'].slug}").status_code == 200
    assert client.get(f"/experts/{entries['expert'].slug}").status_code == 200


def test_deactivated_user_cannot_log_in_and_their_session_ends(client):
    admin, user = make_user(role="admin"), make_user(email="leaving@museum.example")
    response = post_form(client, "/login", {"email": "leaving@museum.example", "password": PASSWORD})
    assert response.status_code == 302 and client.get("/account").status_code == 200
    with transaction():
        administration.deactivate(admin, user)
    assert client.get("/account").status_code == 302  # the open session is over
    response = post_form(client, "/login", {"email": "leaving@museum.example", "password": PASSWORD})
    assert response.status_code == 200
    assert "The email address or password is not correct." in response.get_data(as_text=True)
    with transaction():
        administration.reactivate(admin, user)
    response = post_form(client, "/login", {"email": "leaving@museum.example", "password": PASSWORD})
    assert response.status_code == 302


def test_a_failed_deactivation_changes_nothing(leaver):
    user, museum, entries, revision, request = leaver
    admin = make_user(role="admin")
    with pytest.raises(InvalidInput):
        with transaction():
            administration.deactivate(admin, user, "x" * 5_000)
    db.session.expire_all()
    assert user.active and entries["pending_project"].status is EntryStatus.PENDING
    assert revision.status is RevisionStatus.PENDING and request.status is RequestStatus.PENDING
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_deactivated_members_no_longer_decide_on_requests():
    admin, member, newcomer, moderator = make_user(role="admin"), make_user(), make_user(), make_user(
        role="moderator")
    museum = make_organisation(members=(member,))
    request = memberships.request_membership(newcomer, museum, "Hi")
    administration.deactivate(admin, member)
    assert request in memberships.requests_for_moderators()
    assert memberships.can_decide_membership(moderator, request)


# --- finding users -------------------------------------------------------------------------------


def names(page) -> list[str]:
    return [u.display_name for u in page.users]


def test_search_by_name_or_email_in_any_case():
    admin = make_user(role="admin", name="Ada Admin")
    make_user(name="Émile Zola", email="emile@louvre.example")
    make_user(name="Grace Hopper", email="grace@rijks.example", role="moderator")
    make_user(name="Old Account", email="old@rijks.example", active=False)
    make_user(name="100% Real_Name", email="real@museum.example")
    search = lambda **kw: names(administration.search_users(admin, administration.clean_user_filters(**kw)))
    assert search(q="GRACE") == ["Grace Hopper"]
    assert search(q="RIJKS") == ["Grace Hopper", "Old Account"]
    assert search(q="zola") == ["Émile Zola"]
    assert search(q="%") == ["100% Real_Name"]  # wildcards are taken literally
    assert search(q="_") == ["100% Real_Name"]
    assert search(q="rijks", state="active") == ["Grace Hopper"]
    assert search(q="rijks", state="deactivated") == ["Old Account"]
    assert search(role="moderator") == ["Grace Hopper"]
    assert search(role="admin") == ["Ada Admin"]
    assert search(q="nobody at all") == []


def test_search_pages():
    admin = make_user(role="admin", name="Admin")
    for n in range(30):
        make_user(name=f"Paged {n:02d}")
    filters = administration.clean_user_filters(q="paged")
    first = administration.search_users(admin, filters, page=1)
    second = administration.search_users(admin, filters, page=2)
    assert (first.total, first.pages, len(first.users), len(second.users)) == (30, 2, 25, 5)
    assert names(second)[0] == "Paged 25" and second.has_prev and not second.has_next
    assert administration.search_users(admin, filters, page=99).page == 2


@pytest.mark.parametrize("q, role, state, field", [
    ("x" * 101, None, None, "q"), (None, "root", None, "role"), (None, None, "asleep", "state")])
def test_search_filters_that_cannot_be_used_are_named(q, role, state, field):
    with pytest.raises(InvalidInput) as error:
        administration.clean_user_filters(q, role, state)
    assert field in error.value.errors


def test_search_drops_control_characters():
    assert administration.clean_user_filters("a\x00b").q == "a b"
