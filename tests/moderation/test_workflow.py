"""The state machine: every legal transition, every illegal one, who may make
each, reasons, and one audit row per action."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from hub.accounts.models import Role
from hub.db import db
from hub.directory.models import EntryStatus
from hub.errors import Conflict, InvalidInput, PermissionDenied
from hub.moderation import workflow
from hub.moderation.models import AuditEvent
from hub.moderation.services import change_status
from tests.factories import make_organisation, make_project, make_user

S = EntryStatus

LEGAL = {(name, source): t.target for name, t in workflow.TRANSITIONS.items() for source in t.sources}
ILLEGAL = [(name, source) for name in workflow.TRANSITIONS for source in S if (name, source) not in LEGAL]


def test_the_machine_is_the_one_the_issue_describes():
    assert LEGAL == {
        ("submit", S.DRAFT): S.PENDING, ("submit", S.CHANGES_REQUESTED): S.PENDING,
        ("withdraw", S.PENDING): S.DRAFT,
        ("approve", S.PENDING): S.PUBLISHED, ("request_changes", S.PENDING): S.CHANGES_REQUESTED,
        ("reject", S.PENDING): S.REJECTED,
        ("archive", S.PUBLISHED): S.ARCHIVED, ("unpublish", S.PUBLISHED): S.ARCHIVED,
        ("resubmit", S.ARCHIVED): S.PENDING,
    }
    assert {n for n, t in workflow.TRANSITIONS.items() if t.reason_required} == {"request_changes", "reject",
                                                                                  "unpublish"}


@pytest.fixture
def people():
    owner = make_user()
    organisation = make_organisation(members=(owner,))
    return {"owner": owner, "organisation": organisation, "moderator": make_user(role=Role.MODERATOR),
            "admin": make_user(role=Role.ADMIN), "stranger": make_user()}


def actor_for(name: str, people):
    """Who makes each transition in the legal cases."""
    return people["owner"] if workflow.TRANSITIONS[name].actor is workflow.Actor.EDITOR else people["moderator"]


def events_of(project) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.entry_kind == "project", AuditEvent.entry_id == project.id).order_by(AuditEvent.id)))


@pytest.mark.parametrize(("name", "source"), sorted(LEGAL, key=str))
def test_every_legal_transition(people, name, source):
    project = make_project(people["organisation"], owner=people["owner"], status=source)
    step = change_status(actor_for(name, people), project, name, reason="Because of the test.")
    assert project.status is LEGAL[(name, source)] is step.target
    [event] = events_of(project)
    assert (event.action, event.from_state, event.to_state) == (name, source.value, step.target.value)
    assert event.reason == "Because of the test." and event.actor_id == actor_for(name, people).id


@pytest.mark.parametrize(("name", "source"), sorted(ILLEGAL, key=str))
def test_every_illegal_transition_raises_and_changes_nothing(people, name, source):
    project = make_project(people["organisation"], owner=people["owner"], status=source)
    with pytest.raises((workflow.IllegalTransition, PermissionDenied)):
        # The admin is both editor and moderator, so only the state can forbid it.
        change_status(people["admin"], project, name, reason="Trying anyway.")
    db.session.rollback()
    db.session.refresh(project)
    assert project.status is source and events_of(project) == []


@pytest.mark.parametrize("name", sorted(workflow.TRANSITIONS))
@pytest.mark.parametrize("who", ["anonymous", "stranger", "owner", "moderator", "admin"])
def test_who_may_make_each_transition(people, name, who):
    step = workflow.TRANSITIONS[name]
    source = sorted(step.sources, key=lambda s: s.value)[0]
    project = make_project(people["organisation"], owner=people["owner"], status=source)
    user = AnonymousUserMixin() if who == "anonymous" else people[who]
    expected = {
        workflow.Actor.EDITOR: who in ("owner", "admin"),
        workflow.Actor.MODERATOR: who in ("moderator", "admin"),
        workflow.Actor.EDITOR_OR_MODERATOR: who in ("owner", "moderator", "admin"),
    }[step.actor]
    assert workflow.allowed(user, project, name) is expected
    if expected:
        change_status(user, project, name, reason="A reason.")
        assert project.status is step.target
    else:
        with pytest.raises(PermissionDenied):
            change_status(user, project, name, reason="A reason.")
        db.session.rollback()
        db.session.refresh(project)
        assert project.status is source


@pytest.mark.parametrize("name", ["request_changes", "reject", "unpublish"])
@pytest.mark.parametrize("reason", [None, "", "   \n\t  ", "\u200b"])
def test_a_reason_is_required_where_the_submitter_must_learn_why(people, name, reason):
    source = next(iter(workflow.TRANSITIONS[name].sources))
    project = make_project(people["organisation"], owner=people["owner"], status=source)
    with pytest.raises(InvalidInput) as error:
        change_status(people["moderator"], project, name, reason=reason)
    assert "reason" in error.value.errors
    db.session.rollback()
    db.session.refresh(project)
    assert project.status is source


def test_a_moderator_never_reviews_their_own_submission(people):
    moderator = people["moderator"]
    project = make_project(people["organisation"], owner=moderator, status=S.PENDING)
    with pytest.raises(PermissionDenied, match="another moderator"):
        change_status(moderator, project, "approve")
    # Nor what they submitted for someone else's entry.
    other = make_project(people["organisation"], owner=people["owner"], status=S.PENDING)
    other.submitted_by_id = moderator.id
    assert not workflow.allowed(moderator, other, "approve")
    assert workflow.allowed(people["admin"], other, "approve")


def test_a_decision_on_an_older_version_is_refused(people):
    project = make_project(people["organisation"], owner=people["owner"], status=S.PENDING)
    seen = project.version_id
    project.summary = "Edited while the moderator was reading."
    db.session.flush()
    with pytest.raises(Conflict):
        change_status(people["moderator"], project, "approve", expected_version=seen)
    assert project.status is S.PENDING


def test_a_long_reason_is_refused_and_any_unicode_is_kept(people):
    project = make_project(people["organisation"], owner=people["owner"], status=S.PENDING)
    with pytest.raises(InvalidInput):
        change_status(people["moderator"], project, "reject", reason="x" * (workflow.REASON_MAX + 1))
    db.session.rollback()
    db.session.refresh(project)
    reason = "Ça ne va pas: 日本語, عربي, 👩🏽‍🔬 <script>alert(1)</script>"
    change_status(people["moderator"], project, "reject", reason=reason)
    assert events_of(project)[-1].reason == reason


def test_the_audit_log_cannot_be_changed_or_deleted(people):
    project = make_project(people["organisation"], owner=people["owner"], status=S.PENDING)
    change_status(people["moderator"], project, "approve")
    db.session.commit()
    [event] = events_of(project)
    event.reason = "rewritten history"
    with pytest.raises(Exception):
        db.session.flush()
    db.session.rollback()
    # Not through the ORM either: the database itself refuses.
    for statement in (sa.update(AuditEvent).where(AuditEvent.id == event.id).values(reason="x"),
                      sa.delete(AuditEvent).where(AuditEvent.id == event.id)):
        with pytest.raises(sa.exc.DatabaseError):
            with db.session.begin_nested():
                db.session.execute(statement.execution_options(synchronize_session=False))
    assert db.session.get(AuditEvent, event.id).reason is None
