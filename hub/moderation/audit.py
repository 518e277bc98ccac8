"""The audit log: one row for every action on an entry, a user or a request.

Every service that changes a state calls `record()` inside the same
transaction, so an action and its log row are committed (or rolled back) together."""
from __future__ import annotations

import sqlalchemy as sa

from hub.db import db
from hub.moderation.models import AuditEvent
from hub.pagination import Page

PAGE_SIZE = 50


def _state(value) -> str | None:
    return getattr(value, "value", value)


def record(actor, action: str, entry=None, *, from_state=None, to_state=None, reason: str | None = None,
           subject_user=None) -> AuditEvent:
    """Append one event. `actor` None means the command line or the system."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        entry_kind=getattr(entry, "kind", None),
        entry_id=getattr(entry, "id", None),
        entry_title=entry.title[:300] if entry is not None else None,
        subject_user_id=getattr(subject_user, "id", None),
        from_state=_state(from_state),
        to_state=_state(to_state),
        reason=reason or None,
    )
    db.session.add(event)
    return event


def history(entry) -> list[AuditEvent]:
    """An entry's events, oldest first: its history tab."""
    return list(db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.entry_kind == entry.kind, AuditEvent.entry_id == entry.id)
        .order_by(AuditEvent.created_at, AuditEvent.id)))


def latest_decisions(kind: str, entry_ids: list[int]) -> dict[int, AuditEvent]:
    """For each entry, its latest moderator decision (with the reason), for the submitter's list."""
    if not entry_ids:
        return {}
    rows = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.entry_kind == kind, AuditEvent.entry_id.in_(entry_ids),
               AuditEvent.action.in_(DECISION_ACTIONS))
        .order_by(AuditEvent.created_at, AuditEvent.id))
    return {event.entry_id: event for event in rows}  # later rows win


DECISION_ACTIONS = ("approve", "request_changes", "reject", "unpublish", "approve_revision",
                    "request_revision_changes", "reject_revision")


def log_page(page: int = 1, action: str | None = None, actor_id: int | None = None) -> Page:
    """The whole log, newest first, for moderators."""
    query = sa.select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = min(max(page, 1), Page([], total, 1, PAGE_SIZE).pages)
    events = db.session.scalars(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return Page(list(events), total, page, PAGE_SIZE)


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
