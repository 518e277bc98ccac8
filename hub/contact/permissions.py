"""Who may read, answer and judge relayed messages. The views show what these allow;
the services check them again."""
from __future__ import annotations

from hub.contact.models import Message


def _is_recipient(user, message: Message) -> bool:
    user_id = getattr(user, "id", None)
    return user_id is not None and any(r.user_id == user_id for r in message.recipients)


def can_answer(user, message: Message) -> bool:
    """Answer, mark handled, report as spam: the message's own recipients."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and _is_recipient(user, message)


def can_decide_spam(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.is_moderator


def can_read(user, message: Message) -> bool:
    """Its recipients; moderators too once it fell through to them or was reported as spam."""
    return can_answer(user, message) or (
        can_decide_spam(user) and (message.to_moderators or message.spam_reported_at is not None))
