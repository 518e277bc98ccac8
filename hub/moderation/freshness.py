"""Freshness: how long ago an entry was last checked, and asking its editors
to confirm it.

An entry counts as checked when a moderator reviewed it or one of its editors
confirmed it is still accurate (`reviewed_at`; `published_at` for entries that
have never had either). Pages mark entries not checked for
OUTDATED_AFTER_MONTHS as possibly outdated; well before that, `flask hub
remind-stale` mails their editors (STALE_AFTER_MONTHS), at most once every
REMIND_INTERVAL, one mail per person listing all of their entries. Each entry
in the mail carries a signed link that confirms it in one click, so that
keeping the directory current costs an editor as little as possible.
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _, ngettext
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from hub.accounts.models import User
from hub.accounts.permissions import can_contribute
from hub.db import db, utcnow
from hub.directory.models import ENTRY_MODELS, Entry, EntryStatus, Expert, Membership, Project
from hub.directory.permissions import can_edit, responsible_organisation_ids
from hub.errors import Conflict, InvalidInput, require
from hub.contact.outbox import queue_mail
from hub.moderation import audit
from hub.urls import external_url

# Editors are not asked again within this time, however often the command runs.
REMIND_INTERVAL = timedelta(days=30)
TOKEN_PURPOSE = "confirm-entry"
TOKEN_MAX_LENGTH = 1_000  # a real token is about 80 characters


# --- how old is an entry ----------------------------------------------------------


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the month's last day)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def last_checked(entry: Entry) -> datetime | None:
    """When a moderator last reviewed the entry or an editor confirmed it."""
    return entry.reviewed_at or entry.published_at


def _checked_column(model: type[Entry]):
    # Entries that have been neither reviewed nor published count from their creation.
    return sa.func.coalesce(model.reviewed_at, model.published_at, model.created_at)


def is_possibly_outdated(entry: Entry, months: int | None = None, now: datetime | None = None) -> bool:
    """A published entry nobody has reviewed or confirmed for OUTDATED_AFTER_MONTHS."""
    if not entry.is_published:
        return False
    months = current_app.config["OUTDATED_AFTER_MONTHS"] if months is None else months
    checked = last_checked(entry) or entry.created_at
    return checked is not None and checked < months_before(now or utcnow(), months)


def stale_entries(months: int | None = None, now: datetime | None = None) -> list[Entry]:
    """Published entries not checked for `months` (STALE_AFTER_MONTHS) whose editors
    were not reminded within REMIND_INTERVAL, oldest first within each kind."""
    months = current_app.config["STALE_AFTER_MONTHS"] if months is None else months
    now = now or utcnow()
    cutoff, reminded_before = months_before(now, months), now - REMIND_INTERVAL
    found: list[Entry] = []
    for model in ENTRY_MODELS.values():
        query = (
            sa.select(model)
            .where(model.status == EntryStatus.PUBLISHED, _checked_column(model) < cutoff,
                   sa.or_(model.reminded_at.is_(None), model.reminded_at < reminded_before))
            .options(selectinload(model.owner))
            .order_by(_checked_column(model), model.id)
        )
        if model is Project:
            query = query.options(selectinload(Project.organisation_links))
        if model is Expert:
            query = query.options(selectinload(Expert.user))
        found.extend(db.session.scalars(query))
    return found


# --- who is asked -----------------------------------------------------------------


def _reachable(user: User | None, entry: Entry) -> bool:
    """An active account with a confirmed address that may still edit the entry."""
    return user is not None and can_contribute(user) and can_edit(user, entry)


def _owner(entry: Entry) -> User | None:
    if isinstance(entry, Expert) and entry.user is not None:
        return entry.user  # a profile belongs to its person, whoever created it
    return entry.owner


def _members_by_organisation(entries: list[Entry]) -> dict[int, list[User]]:
    organisation_ids = set().union(*(responsible_organisation_ids(e) for e in entries)) if entries else set()
    members: dict[int, list[User]] = defaultdict(list)
    if organisation_ids:
        rows = db.session.scalars(
            sa.select(Membership).where(Membership.organisation_id.in_(organisation_ids))
            .options(selectinload(Membership.user)).order_by(Membership.user_id))
        for membership in rows:
            members[membership.organisation_id].append(membership.user)
    return members


def editors_to_remind(entry: Entry, members: dict[int, list[User]] | None = None) -> list[User]:
    """The owner, if they can be reached; else the members of the responsible organisation."""
    owner = _owner(entry)
    if _reachable(owner, entry):
        return [owner]
    if members is None:
        members = _members_by_organisation([entry])
    found: dict[int, User] = {}
    for organisation_id in sorted(responsible_organisation_ids(entry)):
        for user in members.get(organisation_id, []):
            if _reachable(user, entry):
                found.setdefault(user.id, user)
    return list(found.values())


# --- reminding ----------------------------------------------------------------------


@dataclass
class Reminder:
    """One mail: a person and all of their stale entries."""

    user: User
    entries: list[Entry] = field(default_factory=list)


@dataclass
class RemindReport:
    """What `remind_stale` did (or, in a dry run, would do)."""

    months: int
    dry_run: bool
    stale: list[Entry]
    reminders: list[Reminder]
    unreachable: list[Entry]  # stale, but nobody can be asked

    @property
    def reminded_entries(self) -> list[Entry]:
        seen: dict[tuple[str, int], Entry] = {}
        for reminder in self.reminders:
            for entry in reminder.entries:
                seen.setdefault((entry.kind, entry.id), entry)
        return list(seen.values())


def remind_stale(months: int | None = None, dry_run: bool = False, now: datetime | None = None) -> RemindReport:
    """Mail the editors of stale entries (one mail per person, after the commit)
    and note the reminder on each entry. A dry run changes and sends nothing."""
    months = current_app.config["STALE_AFTER_MONTHS"] if months is None else months
    now = now or utcnow()
    entries = stale_entries(months, now)
    members = _members_by_organisation(entries)
    by_user: dict[int, Reminder] = {}
    unreachable: list[Entry] = []
    for entry in entries:
        editors = editors_to_remind(entry, members)
        if not editors:
            # Left without reminded_at, so that every run reports it until someone fixes it.
            unreachable.append(entry)
            continue
        for user in editors:
            by_user.setdefault(user.id, Reminder(user)).entries.append(entry)
        if not dry_run:
            entry.reminded_at = now
    reminders = sorted(by_user.values(), key=lambda r: r.user.email)
    if not dry_run:
        for reminder in reminders:
            _send_reminder(reminder, months)
        db.session.flush()
    return RemindReport(months, dry_run, entries, reminders, unreachable)


def kind_label(kind: str) -> str:
    return {"project": _("Project"), "expert": _("Expert profile"), "resource": _("Resource"),
            "organisation": _("Organisation")}[kind]


def _send_reminder(reminder: Reminder, months: int) -> None:
    user = reminder.user
    blocks = []
    for entry in reminder.entries:
        checked = last_checked(entry) or entry.created_at
        blocks.append(_(
            "* %(title)s (%(kind)s), last reviewed or confirmed on %(date)s\n"
            "  %(page)s\n"
            "  Still accurate? Confirm it with one click:\n  %(confirm)s\n"
            "  Something changed? Edit it:\n  %(edit)s",
            title=entry.title, kind=kind_label(entry.kind), date=format_date(checked, "medium"),
            page=external_url(f"directory.{entry.kind}", slug=entry.slug),
            confirm=external_url("submit.confirm", token=confirm_token(entry, user)),
            edit=external_url("submit.edit", kind=entry.kind, entry_id=entry.id)))
    body = _(
        "Hello %(name)s,\n\n"
        "Nobody has checked the following entries of the AI Competency Hub for more than %(months)d months. "
        "Visitors rely on them being current: please take a minute to look at each one.\n\n"
        "%(entries)s\n\n"
        "The confirmation links work for %(days)d days and need no login. Editing needs you to log in.\n\n"
        "You receive this message because you can edit these entries.\n",
        name=user.display_name, months=months, entries="\n\n".join(blocks),
        days=current_app.config["CONFIRM_TOKEN_MAX_AGE"] // (24 * 3600))
    subject = ngettext("Is your entry in the AI Competency Hub still accurate?",
                       "Are your %(num)d entries in the AI Competency Hub still accurate?", len(reminder.entries))
    queue_mail(user.email, subject, body)


# --- confirming ---------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"hub-{TOKEN_PURPOSE}")


def confirm_token(entry: Entry, user: User) -> str:
    """A signed link value naming the entry and the editor it was sent to."""
    return _serializer().dumps({"k": entry.kind, "e": entry.id, "u": user.id})


def _invalid() -> InvalidInput:
    return InvalidInput(_("This confirmation link is not valid. Copy the whole link from the message, or log in "
                          "and edit the entry."))


def _is_id(value) -> bool:
    # Integer keys of the database; PostgreSQL refuses a larger number in the query.
    return type(value) is int and 0 < value < 2 ** 31


def _load(token: str) -> tuple[Entry, User]:
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH:
        raise _invalid()
    try:
        payload = _serializer().loads(token, max_age=current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    except SignatureExpired:
        raise InvalidInput(_("This confirmation link has expired. Log in and edit the entry to confirm it, "
                             "or wait for the next reminder.")) from None
    except (BadData, UnicodeError, ValueError):
        raise _invalid() from None
    if not isinstance(payload, dict):
        raise _invalid()
    kind, entry_id, user_id = payload.get("k"), payload.get("e"), payload.get("u")
    model = ENTRY_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None or not (_is_id(entry_id) and _is_id(user_id)):
        raise _invalid()
    entry, user = db.session.get(model, entry_id), db.session.get(User, user_id)
    if entry is None or user is None:
        raise _invalid()
    return entry, user


def confirm_entry(token: str, now: datetime | None = None) -> Entry:
    """Mark the entry named by a reminder's link as still accurate: reviewed now,
    with an audit row in the name of the editor the link was sent to.

    The link is refused if that editor may no longer edit the entry (they left
    the organisation, their account was closed), and for an entry that is no
    longer published."""
    entry, user = _load(token)
    require(_reachable(user, entry), _("This link was sent to someone who can no longer edit this entry, so it "
                                       "cannot confirm it."))
    if not entry.is_published:
        raise Conflict(_("This entry is no longer published, so there is nothing to confirm."))
    entry.reviewed_at = now or utcnow()
    audit.record(user, "confirm", entry, from_state=entry.status, to_state=entry.status)
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(_("This entry changed a moment ago. Open the link again.")) from None
    return entry
