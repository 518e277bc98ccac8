"""Who may see and change directory entries. The server decides here;
templates only hide buttons for comfort."""
from __future__ import annotations

from hub.accounts.permissions import can_moderate, is_signed_in
from hub.db import db
from hub.directory.models import Entry, Expert, Membership, Organisation, Project, Resource


def organisation_ids_of(user) -> set[int]:
    """The organisations a user is a member of (cached on the user for the request)."""
    if not is_signed_in(user):
        return set()
    cached = user.__dict__.get("_hub_organisation_ids")
    if cached is None:
        cached = set(db.session.scalars(db.select(Membership.organisation_id).where(Membership.user_id == user.id)))
        user.__dict__["_hub_organisation_ids"] = cached
    return cached


def forget_memberships(user) -> None:
    user.__dict__.pop("_hub_organisation_ids", None)


def responsible_organisation_ids(entry: Entry) -> set[int]:
    """The organisations whose members may edit the entry."""
    if isinstance(entry, Organisation):
        return {entry.id} if entry.id else set()
    if isinstance(entry, Project):
        return {link.organisation_id for link in entry.organisation_links if link.role == "lead"}
    if isinstance(entry, Resource):
        return {entry.organisation_id} if entry.organisation_id else set()
    return set()  # an expert profile is personal


def is_owner(user, entry: Entry) -> bool:
    if not is_signed_in(user):
        return False
    if isinstance(entry, Expert) and entry.user_id == user.id:
        return True
    return entry.owner_id == user.id


def can_edit(user, entry: Entry) -> bool:
    if not is_signed_in(user):
        return False
    if user.is_admin or is_owner(user, entry):
        return True
    return bool(responsible_organisation_ids(entry) & organisation_ids_of(user))


def can_view(user, entry: Entry) -> bool:
    return entry.is_published or can_edit(user, entry) or can_moderate(user)


def can_use_organisation(user, organisation: Organisation) -> bool:
    """May name this organisation as the lead of a project or the owner of a resource."""
    return is_signed_in(user) and (user.is_admin or organisation.id in organisation_ids_of(user))
