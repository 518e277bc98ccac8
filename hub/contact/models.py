"""Relayed contact messages and the outbox every outgoing mail passes through.

A message points at the entry it was written from by (entry_kind, entry_id), as
moderation's rows do, and keeps the entry's title, so that it still reads right
when the entry is renamed or gone. Its recipients are fixed when it is sent."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.accounts.models import User
from hub.db import UTCDateTime, db, utcnow


class OutboxMail(db.Model):
    """One mail to one address. Written in the transaction of the work that sends it,
    delivered after the commit; a failed delivery stays here and is retried with back-off."""

    __tablename__ = "outbox_mails"
    __table_args__ = (sa.Index("ix_outbox_mails_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    reply_to: Mapped[str | None] = mapped_column(sa.String(400))
    # Kept from the first attempt, so that a retried mail is recognisably the same mail.
    message_id: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A sender holds a mail while it talks to the SMTP server, so two senders never send it twice.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Message(db.Model):
    """What a visitor wrote through a contact form. The sender's address is shown to the
    recipients only when they consented (share_email); otherwise answers go through the hub."""

    __tablename__ = "contact_messages"
    __table_args__ = (sa.Index("ix_contact_messages_entry", "entry_kind", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_kind: Mapped[str] = mapped_column(sa.String(20))
    entry_id: Mapped[int]
    entry_title: Mapped[str] = mapped_column(sa.String(300))
    sender_name: Mapped[str] = mapped_column(sa.String(100))
    sender_email: Mapped[str] = mapped_column(sa.String(254), index=True)
    sender_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(sa.String(150))
    body: Mapped[str] = mapped_column(sa.Text)
    share_email: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The normalised text's hash: the same text sent to many entries is refused.
    fingerprint: Mapped[str] = mapped_column(sa.String(64), index=True)
    # No contact person, owner or member could be reached: the moderators received it.
    to_moderators: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    spam_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    spam_reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # A moderator's decision on a spam report: "blocked" (the sender) or "dismissed".
    spam_decision: Mapped[str | None] = mapped_column(sa.String(20))

    recipients: Mapped[list[MessageRecipient]] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True)
    replies: Mapped[list[MessageReply]] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True,
        order_by=lambda: MessageReply.id)
    sender: Mapped[User | None] = relationship(foreign_keys=[sender_id])


class MessageRecipient(db.Model):
    """A message in one recipient's inbox, with that recipient's own 'handled' mark."""

    __tablename__ = "contact_recipients"

    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contact_messages.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    message: Mapped[Message] = relationship(back_populates="recipients")
    user: Mapped[User] = relationship()


class MessageReply(db.Model):
    """An answer written in the hub and relayed to the sender by mail."""

    __tablename__ = "contact_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("contact_messages.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[Message] = relationship(back_populates="replies")
    author: Mapped[User | None] = relationship()


class BlockedSender(db.Model):
    """An address moderators blocked after a spam report: its messages are refused."""

    __tablename__ = "contact_blocked_senders"

    email: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    blocked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
