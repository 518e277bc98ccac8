"""Who may view a draft, edit, submit and publish a project: the role matrix,
checked on the permission functions and on the server (pages, form posts and
the publishing service) alike."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin

from hub.accounts.models import Role
from hub.db import db
from hub.directory import permissions
from hub.moderation import permissions as review_permissions
from hub.moderation import services as moderation
from hub.directory.models import EntryStatus
from hub.errors import PermissionDenied
from tests.conftest import csrf_token, login_as
from tests.factories import make_organisation, make_project, make_user

# action -> actor -> allowed
MATRIX = {
    "view": {"member": True, "other": False, "anonymous": False, "moderator": True, "admin": True},
    "edit": {"member": True, "other": False, "anonymous": False, "moderator": False, "admin": True},
    "submit": {"member": True, "other": False, "anonymous": False, "moderator": False, "admin": True},
    "publish": {"member": False, "other": False, "anonymous": False, "moderator": True, "admin": True},
}
CASES = [(action, actor, allowed) for action, row in MATRIX.items() for actor, allowed in row.items()]

EDITED = {"title": "Matrix edited", "summary": "Changed.", "description": "Changed.", "stage": "pilot",
          "country": "", "techniques": ["computer-vision"], "risk_level": "not-assessed", "save": "1"}

PERMISSION = {"view": permissions.can_view, "edit": permissions.can_edit, "submit": review_permissions.can_submit,
              "publish": review_permissions.can_publish}


@pytest.fixture
def world():
    """Organisation A with a colleague who owns the project, a member who does not,
    organisation B with its own member, a moderator and an administrator."""
    colleague, member, other = make_user(), make_user(), make_user()
    organisation_a = make_organisation(members=(colleague, member), name="Museum A")
    make_organisation(members=(other,), name="Museum B")
    actors = {
        "anonymous": None,
        "member": member,
        "other": other,
        "moderator": make_user(role=Role.MODERATOR),
        "admin": make_user(role=Role.ADMIN),
    }
    return SimpleNamespace(organisation=organisation_a, owner=colleague, actors=actors)


def project_for(world, action: str):
    status = EntryStatus.PENDING if action == "publish" else EntryStatus.DRAFT
    return make_project(world.organisation, owner=world.owner, status=status, title=f"Matrix {action}")


def token_for(client) -> str:
    """A CSRF token of the client's session (the login page has a form for everyone)."""
    return csrf_token(client.get("/login").get_data(as_text=True))


@pytest.mark.parametrize("action, actor, allowed", CASES, ids=[f"{a}-{b}" for a, b, _ in CASES])
def test_permission_matrix(client, world, action, actor, allowed):
    user = world.actors[actor]
    project = project_for(world, action)

    # 1. The permission function.
    assert PERMISSION[action](user if user is not None else AnonymousUserMixin(), project) is allowed

    # 2. The server.
    if user is not None:
        login_as(client, user)
    denied = 302 if user is None else 403

    if action == "view":
        response = client.get(f"/projects/{project.slug}")
        assert response.status_code == (200 if allowed else 404)
        if allowed:
            assert "Matrix view" in response.get_data(as_text=True)

    elif action == "edit":
        response = client.get(f"/edit/project/{project.id}")
        assert response.status_code == (200 if allowed else denied)
        if user is None:
            assert "/login" in response.headers["Location"]
        if allowed:
            assert 'value="Matrix edit"' in response.get_data(as_text=True)
        # Saving the form: the same answer, and the change only when allowed.
        data = {**EDITED, "lead_organisation_id": world.organisation.id, "csrf_token": token_for(client)}
        response = client.post(f"/edit/project/{project.id}", data=data)
        assert response.status_code == (302 if allowed else denied)
        db.session.refresh(project)
        assert (project.title == EDITED["title"]) is allowed
        assert project.status is EntryStatus.DRAFT
        assert project.lead_organisation.id == world.organisation.id

    elif action == "submit":
        response = client.post(f"/edit/project/{project.id}/submit", data={"csrf_token": token_for(client)})
        assert response.status_code == (302 if allowed else denied)
        if user is None:
            assert "/login" in response.headers["Location"]
        db.session.refresh(project)
        if allowed:
            assert response.headers["Location"].endswith(f"/projects/{project.slug}")
            assert project.status is EntryStatus.PENDING and project.submitted_at is not None
        else:
            assert project.status is EntryStatus.DRAFT and project.submitted_at is None

    else:  # publish: the decision service is the server's check (the web route is tested in tests/moderation)
        if allowed:
            moderation.change_status(user, project, "approve")
            assert project.status is EntryStatus.PUBLISHED and project.published_at is not None
        else:
            with pytest.raises(PermissionDenied):  # (None would mean the command line)
                moderation.change_status(user if user is not None else AnonymousUserMixin(), project, "approve")
            assert project.status is EntryStatus.PENDING and project.published_at is None


def test_submit_without_csrf_token_is_refused_even_for_the_member(client, world):
    project = project_for(world, "submit")
    login_as(client, world.actors["member"])
    assert client.post(f"/edit/project/{project.id}/submit").status_code == 400
    db.session.refresh(project)
    assert project.status is EntryStatus.DRAFT


def test_membership_is_what_counts_not_ownership(client, world):
    """A member of the lead organisation edits a project someone else created; once
    they leave the organisation, they no longer can."""
    from hub.directory.models import Membership

    member, project = world.actors["member"], project_for(world, "edit")
    assert project.owner_id != member.id and permissions.can_edit(member, project)
    db.session.execute(db.delete(Membership).where(Membership.user_id == member.id))
    db.session.commit()
    permissions.forget_memberships(member)
    assert not permissions.can_edit(member, project)
    login_as(client, member)
    assert client.get(f"/edit/project/{project.id}").status_code == 403


def test_partner_organisations_may_not_edit(world):
    from hub.directory.models import ProjectOrganisation

    other = world.actors["other"]
    project = project_for(world, "edit")
    partner_id = next(iter(permissions.organisation_ids_of(other)))
    project.organisation_links.append(ProjectOrganisation(organisation_id=partner_id, role="partner", position=1))
    db.session.commit()
    assert not permissions.can_edit(other, project) and not permissions.can_view(other, project)


def test_unverified_member_may_edit_but_not_submit(world):
    member = make_user(verified=False)
    organisation = make_organisation(members=(member,))
    project = make_project(organisation, status=EntryStatus.DRAFT)
    assert permissions.can_edit(member, project) and not review_permissions.can_submit(member, project)


def test_deactivated_member_may_do_nothing(world):
    member = make_user(active=False)
    organisation = make_organisation(members=(member,))
    project = make_project(organisation, owner=member, status=EntryStatus.DRAFT)
    assert not permissions.can_view(member, project) and not permissions.can_edit(member, project)


@pytest.mark.parametrize("status", [s for s in EntryStatus if s is not EntryStatus.PENDING])
def test_only_pending_entries_can_be_published(world, status):
    project = make_project(world.organisation, status=status)
    assert not review_permissions.can_publish(world.actors["moderator"], project)
    assert not review_permissions.can_publish(world.actors["admin"], project)


@pytest.mark.parametrize("status", [EntryStatus.PENDING, EntryStatus.PUBLISHED])
def test_pending_and_published_entries_cannot_be_submitted_again(world, status):
    project = make_project(world.organisation, status=status)
    assert permissions.can_edit(world.actors["member"], project)
    assert not review_permissions.can_submit(world.actors["member"], project)
