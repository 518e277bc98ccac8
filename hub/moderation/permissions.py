"""Who may review, report and see the record. The state machine
(hub.moderation.workflow) decides each transition; these name the rest."""
from __future__ import annotations

from hub.accounts.permissions import can_contribute, can_moderate
from hub.directory.models import Entry
from hub.directory.permissions import can_edit
from hub.moderation import workflow
from hub.moderation.models import Revision, RevisionStatus


def can_submit(user, entry: Entry) -> bool:
    return workflow.allowed(user, entry, "submit") or workflow.allowed(user, entry, "resubmit")


def can_publish(user, entry: Entry) -> bool:
    return workflow.allowed(user, entry, "approve")


def can_review(user, entry: Entry) -> bool:
    """May take a decision on this entry (not their own submission)."""
    return can_moderate(user) and not workflow.is_own_submission(user, entry)


def can_propose_revision(user, entry: Entry) -> bool:
    return can_contribute(user) and can_edit(user, entry)


def can_review_revision(user, revision: Revision) -> bool:
    return (can_moderate(user) and revision.status is RevisionStatus.PENDING
            and revision.author_id != getattr(user, "id", None))


def can_see_history(user) -> bool:
    return can_moderate(user)


def can_handle_reports(user) -> bool:
    return can_moderate(user)
