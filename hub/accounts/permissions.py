"""Who may do what with accounts."""
from __future__ import annotations

from hub.accounts.models import User


def is_signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def can_contribute(user) -> bool:
    """Creating and submitting entries needs a verified, active account."""
    return is_signed_in(user) and user.email_verified


def can_moderate(user) -> bool:
    return is_signed_in(user) and isinstance(user, User) and user.is_moderator


def can_administer(user) -> bool:
    return is_signed_in(user) and isinstance(user, User) and user.is_admin
