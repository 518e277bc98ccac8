"""Joining and leaving organisations.

A verified member asks to join a published organisation; its members decide.
An organisation without (active) members has nobody to decide, so the
moderators do. The requester hears the decision by email, and the deciders
hear of a new request by email, both after the commit. Every step writes one
audit row about the organisation."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from hub.accounts.models import Role, User
from hub.accounts.permissions import can_contribute, can_moderate, is_signed_in
from hub.db import db, utcnow
from hub.directory.models import EntryStatus, Membership, MembershipRequest, Organisation, RequestStatus
from hub.directory.permissions import forget_memberships, organisation_ids_of
from hub.errors import Conflict, InvalidInput, NotFound, require
from hub.contact.outbox import queue_mail
from hub.moderation import audit
from hub.text import clean_block, clean_line
from hub.urls import external_url

MESSAGE_MAX = 2_000
NOTE_MAX = 2_000
QUERY_MAX = 100
SEARCH_LIMIT = 20


# --- who may do what ----------------------------------------------------------------------


def is_member(user, organisation: Organisation) -> bool:
    return organisation.id in organisation_ids_of(user)


def active_members(organisation: Organisation) -> list[User]:
    """The members who can act: a deactivated member decides nothing."""
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, User.active.is_(True))
        .order_by(sa.func.lower(User.display_name), User.id)))


def has_active_members(organisation: Organisation) -> bool:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).join(User, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, User.active.is_(True))) > 0


def can_request_membership(user, organisation: Organisation) -> bool:
    """A verified member who does not belong to this published organisation yet."""
    return can_contribute(user) and organisation.is_published and not is_member(user, organisation)


def can_decide_membership(user, request: MembershipRequest) -> bool:
    """The organisation's members decide; where it has none, the moderators.
    Nobody decides on their own request."""
    if not is_signed_in(user) or user.id == request.user_id:
        return False
    if has_active_members(request.organisation):
        return is_member(user, request.organisation)
    return can_moderate(user)


def _could_have_decided(user, request: MembershipRequest) -> bool:
    return (is_signed_in(user) and user.id != request.user_id
            and (is_member(user, request.organisation) or can_moderate(user)))


def can_leave(user, organisation: Organisation) -> bool:
    return is_signed_in(user) and is_member(user, organisation)


# --- reading --------------------------------------------------------------------------------


def get_request(request_id: int) -> MembershipRequest:
    found = db.session.get(MembershipRequest, request_id)
    if found is None:
        raise NotFound(_("No such membership request."))
    return found


def get_organisation(slug: str) -> Organisation:
    """A published organisation by its slug (NotFound for drafts: nobody can join those)."""
    if "\x00" in slug:  # PostgreSQL refuses NUL in a query
        raise NotFound()
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
    if organisation is None or organisation.status is not EntryStatus.PUBLISHED:
        raise NotFound()
    return organisation


def clean_query(q: str | None) -> str | None:
    text = clean_line(q)
    if len(text) > QUERY_MAX:
        raise InvalidInput({"q": _("Use at most %(n)d characters (now %(m)d).", n=QUERY_MAX, m=len(text))})
    return text or None


def search_organisations(q: str | None, limit: int = SEARCH_LIMIT) -> list[Organisation]:
    """Published organisations whose name contains `q` (any case), by name."""
    text = clean_query(q)
    if not text:
        return []
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return list(db.session.scalars(
        sa.select(Organisation)
        .where(Organisation.status == EntryStatus.PUBLISHED,
               sa.func.lower(Organisation.name).like(f"%{escaped}%", escape="\\"))
        .order_by(sa.func.lower(Organisation.name), Organisation.id).limit(limit)))


def organisations_of(user) -> list[Organisation]:
    ids = organisation_ids_of(user)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids))
                                   .order_by(sa.func.lower(Organisation.name), Organisation.id)))


def requests_of(user, limit: int = 50) -> list[MembershipRequest]:
    """The user's own requests, newest first."""
    return list(db.session.scalars(
        sa.select(MembershipRequest).where(MembershipRequest.user_id == user.id)
        .order_by(MembershipRequest.created_at.desc(), MembershipRequest.id.desc()).limit(limit)))


def pending_request(user, organisation: Organisation) -> MembershipRequest | None:
    return db.session.scalar(sa.select(MembershipRequest).where(
        MembershipRequest.user_id == user.id, MembershipRequest.organisation_id == organisation.id,
        MembershipRequest.status == RequestStatus.PENDING).limit(1))


def requests_to_decide(user) -> list[MembershipRequest]:
    """Pending requests to the organisations `user` is a member of, oldest first."""
    ids = organisation_ids_of(user)
    if not ids or not is_signed_in(user):
        return []
    return list(db.session.scalars(
        sa.select(MembershipRequest)
        .where(MembershipRequest.status == RequestStatus.PENDING, MembershipRequest.organisation_id.in_(ids),
               MembershipRequest.user_id != user.id)
        .order_by(MembershipRequest.created_at, MembershipRequest.id)))


def _organisations_with_active_members():
    return (sa.select(Membership.organisation_id).join(User, Membership.user_id == User.id)
            .where(User.active.is_(True)))


def requests_for_moderators() -> list[MembershipRequest]:
    """Pending requests to organisations without (active) members, oldest first."""
    return list(db.session.scalars(
        sa.select(MembershipRequest)
        .where(MembershipRequest.status == RequestStatus.PENDING,
               MembershipRequest.organisation_id.not_in(_organisations_with_active_members()))
        .order_by(MembershipRequest.created_at, MembershipRequest.id)))


def membership_state(user, organisation: Organisation) -> str | None:
    """For the organisation page: "member", "pending", "can_request", or None."""
    if not is_signed_in(user):
        return None
    if is_member(user, organisation):
        return "member"
    if pending_request(user, organisation) is not None:
        return "pending"
    return "can_request" if can_request_membership(user, organisation) else None


# --- asking, deciding, leaving ---------------------------------------------------------------


def _clean_text(name: str, value: str | None, limit: int) -> str:
    text = clean_block(value)
    if len(text) > limit:
        raise InvalidInput({name: _("Use at most %(n)d characters (now %(m)d).", n=limit, m=len(text))})
    return text


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(_("This request was already decided by someone else a moment ago.")) from None


def request_membership(user, organisation: Organisation, message: str | None = "") -> MembershipRequest:
    """Ask to join `organisation`; its members (or the moderators) are told by email."""
    require(can_contribute(user), _("Confirm your email address before asking to join an organisation."))
    if not organisation.is_published:
        raise NotFound()
    if is_member(user, organisation):
        raise Conflict(_("You are already a member of %(name)s.", name=organisation.name))
    if pending_request(user, organisation) is not None:
        raise Conflict(_("You have already asked to join %(name)s. Wait for the decision.", name=organisation.name))
    text = _clean_text("message", message, MESSAGE_MAX)
    request = MembershipRequest(user_id=user.id, organisation_id=organisation.id, message=text,
                                status=RequestStatus.PENDING)
    db.session.add(request)
    db.session.flush()
    audit.record(user, "request_membership", organisation, subject_user=user, to_state="pending",
                 reason=text or None)
    _notify_deciders(request, organisation, user)
    return request


def deciders_of(organisation: Organisation) -> tuple[list[User], bool]:
    """Who decides on requests to join: (people, whether they are the moderators)."""
    members = active_members(organisation)
    if members:
        return members, False
    moderators = db.session.scalars(sa.select(User).where(
        User.role.in_((Role.MODERATOR, Role.ADMIN)), User.active.is_(True)).order_by(User.id))
    return list(moderators), True


def _notify_deciders(request: MembershipRequest, organisation: Organisation, requester: User) -> None:
    people, moderators = deciders_of(organisation)
    link = external_url("admin.membership_requests") if moderators else external_url("memberships.organisations")
    subject = _("%(name)s asks to join %(organisation)s", name=requester.display_name, organisation=organisation.name)
    for person in people:
        if person.id == requester.id:
            continue
        lines = [_("Hello %(name)s,", name=person.display_name), ""]
        if moderators:
            lines.append(_("%(name)s asks to join %(organisation)s, which has no members, so the moderators "
                           "decide.", name=requester.display_name, organisation=organisation.name))
        else:
            lines.append(_("%(name)s asks to join %(organisation)s. As a member, you can accept or decline.",
                           name=requester.display_name, organisation=organisation.name))
        if request.message:
            lines += ["", _("Their message:"), "", request.message]
        lines += ["", _("Accept or decline: %(link)s", link=link)]
        queue_mail(person.email, subject, "\n".join(lines) + "\n")


def decide_membership(user, request: MembershipRequest, accept: bool, note: str | None = None,
                      expected_version: int | None = None) -> None:
    """Accept (the requester becomes a member) or decline, with an optional note
    that the requester reads. `expected_version` is the request's version the
    decider saw: a decision on a request decided since is refused."""
    refused = _("Only the organisation's members, or the moderators for an organisation without members, decide.")
    if (expected_version is not None and expected_version != request.version_id) or \
            request.status is not RequestStatus.PENDING:
        # Whoever could have decided it hears that it is decided (a second click, a colleague
        # first); anyone else is simply refused.
        require(_could_have_decided(user, request), refused)
        raise Conflict(_("This request was already decided."))
    require(can_decide_membership(user, request), refused)
    note = _clean_text("note", note, NOTE_MAX) or None
    organisation = request.organisation
    request.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
    request.decided_at, request.decided_by_id, request.note = utcnow(), user.id, note
    _flush_or_conflict()  # claims the request: a second decider at the same moment fails here
    requester = request.user
    if accept and db.session.get(Membership, (requester.id, organisation.id)) is None:
        db.session.add(Membership(user_id=requester.id, organisation_id=organisation.id))
        db.session.expire(organisation, ["memberships"])
        forget_memberships(requester)
    audit.record(user, "accept_membership" if accept else "decline_membership", organisation,
                 subject_user=requester, from_state="pending", to_state=request.status.value, reason=note)
    db.session.flush()
    if requester.active:
        _notify_requester(requester, organisation, accept, note)


def _notify_requester(to: User, organisation: Organisation, accepted: bool, note: str | None) -> None:
    if accepted:
        subject = _("You are now a member of %(organisation)s", organisation=organisation.name)
        intro = _("Your request to join %(organisation)s was accepted. You can now add and edit its projects "
                  "and resources.", organisation=organisation.name)
    else:
        subject = _("Your request to join %(organisation)s was declined", organisation=organisation.name)
        intro = _("Your request to join %(organisation)s was declined.", organisation=organisation.name)
    lines = [_("Hello %(name)s,", name=to.display_name), "", intro]
    if note:
        lines += ["", _("They wrote:"), "", note]
    lines += ["", _("Your organisations and requests: %(link)s", link=external_url("memberships.organisations"))]
    queue_mail(to.email, subject, "\n".join(lines) + "\n")


def leave_organisation(user, organisation: Organisation) -> None:
    """End `user`'s membership. The organisation and its entries stay, even when
    the last member leaves (the moderators then decide who joins)."""
    require(is_signed_in(user))
    membership = db.session.get(Membership, (user.id, organisation.id))
    if membership is None:
        raise Conflict(_("You are not a member of %(name)s.", name=organisation.name))
    db.session.delete(membership)
    db.session.flush()
    db.session.expire(organisation, ["memberships"])
    forget_memberships(user)
    audit.record(user, "leave_organisation", organisation, subject_user=user, from_state="member")
    db.session.flush()


def withdraw_requests_of(user: User) -> int:
    """Withdraw a user's pending requests (when their account is deactivated)."""
    pending = db.session.scalars(sa.select(MembershipRequest).where(
        MembershipRequest.user_id == user.id, MembershipRequest.status == RequestStatus.PENDING)).all()
    for request in pending:
        request.status, request.decided_at = RequestStatus.WITHDRAWN, utcnow()
    _flush_or_conflict()
    return len(pending)


@dataclass
class Overview:
    """Everything of the user's "Your organisations" page."""

    organisations: list[Organisation]
    requests: list[MembershipRequest]
    to_decide: list[MembershipRequest]


def overview(user) -> Overview:
    return Overview(organisations_of(user), requests_of(user), requests_to_decide(user))
