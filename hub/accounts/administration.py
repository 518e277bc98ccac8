"""User administration: finding accounts, changing roles, deactivating and
reactivating. Administrators only; every change writes one audit row.

Deactivating someone also tidies up after them, in the same transaction:
what they had waiting for review is withdrawn (an inactive author cannot
answer a moderator), their open edits of published entries lapse, their own
requests to join organisations are withdrawn, and published entries an
organisation is responsible for pass to that organisation's members."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from hub.accounts.models import Role, User
from hub.accounts.permissions import can_administer
from hub.db import db
from hub.directory import memberships
from hub.directory.models import ENTRY_MODELS, EntryStatus, Expert
from hub.directory.permissions import responsible_organisation_ids
from hub.errors import Conflict, InvalidInput, NotFound, require
from hub.moderation import audit
from hub.moderation import services as moderation
from hub.moderation.models import OPEN_REVISION, AuditEvent, Revision
from hub.pagination import Page
from hub.text import clean_block, clean_line

PAGE_SIZE = 25
QUERY_MAX = 100
REASON_MAX = 2_000
MAX_PAGE = 10_000

STATES = ("active", "deactivated")


def _only_admins() -> str:
    return _("Only administrators manage user accounts.")


# --- finding users ----------------------------------------------------------------------


@dataclass
class UserFilters:
    """What the user list may be narrowed by, already checked."""

    q: str | None = None
    role: Role | None = None
    state: str | None = None  # "active" or "deactivated"

    @property
    def active(self) -> bool:
        return bool(self.q or self.role or self.state)


@dataclass
class UserPage(Page):
    filters: UserFilters = field(default_factory=UserFilters)

    @property
    def users(self) -> list[User]:
        return self.items


def clean_user_filters(q: str | None = None, role: str | None = None, state: str | None = None) -> UserFilters:
    """Checked filters, or InvalidInput naming the field that cannot be used."""
    errors: dict[str, str] = {}
    text = clean_line(q)  # drops NUL and other controls, which PostgreSQL would refuse
    if len(text) > QUERY_MAX:
        errors["q"] = _("Use at most %(n)d characters (now %(m)d).", n=QUERY_MAX, m=len(text))
    role_value = None
    if role:
        try:
            role_value = Role(role)
        except ValueError:
            errors["role"] = _("Choose a role from the list.")
    if state and state not in STATES:
        errors["state"] = _("Choose active or deactivated.")
    if errors:
        raise InvalidInput(errors)
    return UserFilters(q=text or None, role=role_value, state=state or None)


def contains(column, text: str):
    """Case-insensitive substring match, with the LIKE wildcards in `text` taken literally.
    (lower() folds ASCII on every database; beyond ASCII it depends on the database.)"""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.lower(column).like(f"%{escaped}%", escape="\\")


def search_users(actor, filters: UserFilters, page: int = 1, per_page: int = PAGE_SIZE) -> UserPage:
    """Accounts whose name or email contains `filters.q`, by name, a page at a time."""
    require(can_administer(actor), _only_admins())
    query = sa.select(User)
    if filters.q:
        query = query.where(contains(User.display_name, filters.q) | contains(User.email, filters.q))
    if filters.role:
        query = query.where(User.role == filters.role)
    if filters.state:
        query = query.where(User.active.is_(filters.state == "active"))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages, MAX_PAGE)
    users = db.session.scalars(query.order_by(sa.func.lower(User.display_name), User.id)
                               .limit(per_page).offset((page - 1) * per_page))
    return UserPage(list(users), total, page, per_page, filters)


def get_user(actor, user_id: int) -> User:
    require(can_administer(actor), _only_admins())
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user


def events_about(user: User, limit: int = 50) -> list[AuditEvent]:
    """What was done to this account (roles, deactivation, memberships), newest first."""
    return list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_user_id == user.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)))


# --- changing accounts --------------------------------------------------------------------


def _clean_reason(reason: str | None) -> str | None:
    text = clean_block(reason)
    if len(text) > REASON_MAX:
        raise InvalidInput({"reason": _("Use at most %(n)d characters (now %(m)d).", n=REASON_MAX, m=len(text))})
    return text or None


def _parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput({"role": _("Choose member, moderator or administrator.")}) from None


def _ensure_another_admin(user: User) -> None:
    """The hub always keeps one active administrator. The rows are locked (on
    databases that can), so two administrators demoting each other at once
    cannot both succeed."""
    admins = db.session.scalars(
        sa.select(User.id).where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        .with_for_update()).all()
    if not admins:
        raise Conflict(_("%(name)s is the last active administrator. Make someone else an administrator "
                         "first.", name=user.display_name))


def change_role(actor, user: User, role: Role | str, reason: str | None = None) -> None:
    """Make `user` a member, moderator or administrator."""
    require(can_administer(actor), _only_admins())
    new = _parse_role(role)
    reason = _clean_reason(reason)
    old = user.role
    if new is old:
        raise InvalidInput({"role": _("%(name)s already has this role.", name=user.display_name)})
    if old is Role.ADMIN and user.active:
        _ensure_another_admin(user)
    user.role = new
    audit.record(actor, "change_role", subject_user=user, from_state=old, to_state=new, reason=reason)
    db.session.flush()


@dataclass
class Deactivation:
    """What deactivating an account changed besides the account."""

    withdrawn_entries: int = 0
    withdrawn_revisions: int = 0
    withdrawn_requests: int = 0
    handed_over: int = 0


def deactivate(actor, user: User, reason: str | None = None) -> Deactivation:
    """Stop `user` from logging in, withdraw what they have waiting, and hand
    their published entries to the organisations responsible for them."""
    require(can_administer(actor), _only_admins())
    reason = _clean_reason(reason)
    if user.id == actor.id:
        raise Conflict(_("You cannot deactivate your own account. Ask another administrator."))
    if not user.active:
        raise Conflict(_("%(name)s's account is already deactivated.", name=user.display_name))
    if user.role is Role.ADMIN:
        _ensure_another_admin(user)
    result = Deactivation()

    for model in ENTRY_MODELS.values():
        mine = (model.owner_id == user.id) | (model.submitted_by_id == user.id)
        if model is Expert:
            mine = mine | (Expert.user_id == user.id)
        for entry in db.session.scalars(sa.select(model).where(model.status == EntryStatus.PENDING, mine)
                                        .order_by(model.id)).all():
            moderation.change_status(actor, entry, "withdraw")
            result.withdrawn_entries += 1

    for revision in db.session.scalars(sa.select(Revision).where(
            Revision.author_id == user.id, Revision.status.in_(OPEN_REVISION)).order_by(Revision.id)).all():
        if revision.is_open:  # withdrawing an entry above may have closed it already
            moderation.withdraw_revision(actor, revision, by_system=True)
            result.withdrawn_revisions += 1

    result.withdrawn_requests = memberships.withdraw_requests_of(user)

    for model in ENTRY_MODELS.values():
        if model is Expert:
            continue  # a profile is personal: it stays theirs
        for entry in db.session.scalars(sa.select(model).where(
                model.owner_id == user.id, model.status == EntryStatus.PUBLISHED)).all():
            if responsible_organisation_ids(entry):
                entry.owner_id = None  # the organisation's members own it now
                result.handed_over += 1

    user.active = False
    audit.record(actor, "deactivate", subject_user=user, from_state="active", to_state="deactivated",
                 reason=reason)
    db.session.flush()
    return result


def reactivate(actor, user: User, reason: str | None = None) -> None:
    """Let `user` log in again. What was withdrawn stays withdrawn (as drafts)."""
    require(can_administer(actor), _only_admins())
    reason = _clean_reason(reason)
    if user.active:
        raise Conflict(_("%(name)s's account is already active.", name=user.display_name))
    user.active = True
    audit.record(actor, "reactivate", subject_user=user, from_state="deactivated", to_state="active",
                 reason=reason)
    db.session.flush()
