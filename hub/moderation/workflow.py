"""The review workflow of directory entries as one state machine.

    draft ──submit──> pending ──approve──> published ──archive / unpublish──> archived
                        │  └──request_changes──> changes_requested ──submit──> pending
                        │  └──reject──> rejected
                        └──withdraw──> draft                 archived ──resubmit──> pending

Each transition says who may make it (the entry's editors, or moderators),
whether a reason is required, and whether the submitter is told by email.
`transition()` is the only code that changes an entry's status.
"""
from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from hub.accounts.permissions import can_contribute, can_moderate
from hub.db import db, utcnow
from hub.directory.models import Entry, EntryStatus
from hub.directory.permissions import can_edit
from hub.errors import Conflict, InvalidInput, PermissionDenied
from hub.moderation import audit
from hub.text import clean_block

REASON_MAX = 5_000

S = EntryStatus


class Actor(str, enum.Enum):
    EDITOR = "editor"  # the owner, a member of the responsible organisation, or an admin
    MODERATOR = "moderator"
    EDITOR_OR_MODERATOR = "editor_or_moderator"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[EntryStatus]
    target: EntryStatus
    actor: Actor
    reason_required: bool = False
    notify_submitter: bool = False
    label: str = ""


TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("submit", frozenset({S.DRAFT, S.CHANGES_REQUESTED}), S.PENDING, Actor.EDITOR,
               label=_l("Submit for review")),
    Transition("withdraw", frozenset({S.PENDING}), S.DRAFT, Actor.EDITOR, label=_l("Withdraw from review")),
    Transition("approve", frozenset({S.PENDING}), S.PUBLISHED, Actor.MODERATOR, notify_submitter=True,
               label=_l("Approve and publish")),
    Transition("request_changes", frozenset({S.PENDING}), S.CHANGES_REQUESTED, Actor.MODERATOR,
               reason_required=True, notify_submitter=True, label=_l("Request changes")),
    Transition("reject", frozenset({S.PENDING}), S.REJECTED, Actor.MODERATOR, reason_required=True,
               notify_submitter=True, label=_l("Reject")),
    Transition("archive", frozenset({S.PUBLISHED}), S.ARCHIVED, Actor.EDITOR_OR_MODERATOR, label=_l("Archive")),
    Transition("unpublish", frozenset({S.PUBLISHED}), S.ARCHIVED, Actor.MODERATOR, reason_required=True,
               notify_submitter=True, label=_l("Unpublish")),
    Transition("resubmit", frozenset({S.ARCHIVED}), S.PENDING, Actor.EDITOR, label=_l("Submit again for review")),
)}

DECISIONS = ("approve", "request_changes", "reject")


class IllegalTransition(Conflict):
    """The entry is not in a state this action applies to (already decided, say)."""


def allowed(user, entry: Entry, name: str) -> bool:
    """May `user` make transition `name` on `entry` now (state and role)?"""
    transition = TRANSITIONS.get(name)
    if transition is None or entry.status not in transition.sources:
        return False
    return _may(user, entry, transition)


def _may(user, entry: Entry, transition: Transition) -> bool:
    editor = can_contribute(user) and can_edit(user, entry)
    moderator = can_moderate(user) and not is_own_submission(user, entry)
    return {Actor.EDITOR: editor, Actor.MODERATOR: moderator,
            Actor.EDITOR_OR_MODERATOR: editor or can_moderate(user)}[transition.actor]


def is_own_submission(user, entry: Entry) -> bool:
    """A moderator never reviews what they submitted or own."""
    user_id = getattr(user, "id", None)
    return user_id is not None and user_id in (entry.owner_id, entry.submitted_by_id)


def clean_reason(reason: str | None) -> str | None:
    text = clean_block(reason)
    if text and all(ch.isspace() or unicodedata.category(ch) in ("Cf", "Zs", "Mn") for ch in text):
        text = ""  # only invisible characters: no reason anyone could read
    if text and len(text) > REASON_MAX:
        raise InvalidInput({"reason": _("Use at most %(n)d characters (now %(m)d).", n=REASON_MAX, m=len(text))})
    return text or None


def transition(user, entry: Entry, name: str, reason: str | None = None,
               expected_version: int | None = None) -> Transition:
    """Move `entry` along transition `name`, log it, and flush.

    `expected_version` is the entry's version_id the actor saw: if the entry
    changed since (another moderator decided first), nothing happens and
    Conflict says so. `user` None is the command line (an administrator)."""
    step = TRANSITIONS.get(name)
    if step is None:
        raise InvalidInput(_("Unknown action."))
    if user is not None and not _may(user, entry, step):
        if step.actor is Actor.MODERATOR and can_moderate(user) and is_own_submission(user, entry):
            raise PermissionDenied(_("You submitted this entry, so another moderator must review it."))
        raise PermissionDenied(_("You may not do this with this entry."))
    if entry.status not in step.sources:
        if name in DECISIONS:
            # TRANSLATORS: %(state)s is one of "a draft", "pending review", "published", "waiting for changes",
            # "rejected", "archived" (status_label below).
            raise IllegalTransition(_("This entry was already decided: it is now %(state)s.",
                                      state=status_label(entry.status)))
        # TRANSLATORS: %(state)s as in "This entry was already decided: it is now %(state)s."
        raise IllegalTransition(_("This cannot be done: the entry is %(state)s.", state=status_label(entry.status)))
    if expected_version is not None and expected_version != entry.version_id:
        raise Conflict(_("Someone else changed this entry a moment ago. Reload the page to see its current "
                         "state before you decide."))
    reason = clean_reason(reason)
    if step.reason_required and not reason:
        raise InvalidInput({"reason": _("Give a reason: the submitter will read it.")})

    before = entry.status
    now = utcnow()
    entry.status = step.target
    if step.target is S.PENDING:
        entry.submitted_at = now
        entry.submitted_by_id = getattr(user, "id", None)
    if step.target is S.PUBLISHED:
        entry.published_at = now
        entry.reviewed_at = now
    audit.record(user, name, entry, from_state=before, to_state=step.target, reason=reason)
    try:
        db.session.flush()
    except StaleDataError:
        # The row changed between our read and this write: another request decided first.
        raise Conflict(_("This entry was decided by someone else a moment ago.")) from None
    return step


def status_label(status: EntryStatus) -> str:
    return {
        # TRANSLATORS: completes "the entry is %(state)s" and "it is now %(state)s" (only there).
        S.DRAFT: _("a draft"), S.PENDING: _("pending review"), S.PUBLISHED: _("published"),
        S.CHANGES_REQUESTED: _("waiting for changes"), S.REJECTED: _("rejected"), S.ARCHIVED: _("archived"),
    }[status]
