"""What review leaves behind: proposed revisions of published entries, the
approved versions, reports from visitors and the append-only audit log.

Rows point at entries by (entry_kind, entry_id) because an entry may be a
project, an expert profile, a resource or an organisation."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.accounts.models import User, enum_column
from hub.db import UTCDateTime, db, utcnow


class RevisionStatus(str, enum.Enum):
    DRAFT = "draft"
    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


OPEN_REVISION = (RevisionStatus.DRAFT, RevisionStatus.PENDING, RevisionStatus.CHANGES_REQUESTED)


class Revision(db.Model):
    """An edit of a published entry, waiting for review while the published
    version stays public. `data` holds the edit as the entry's Input fields."""

    __tablename__ = "revisions"
    __table_args__ = (sa.Index("ix_revisions_entry", "entry_kind", "entry_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_kind: Mapped[str] = mapped_column(sa.String(20))
    entry_id: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    data: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[RevisionStatus] = mapped_column(
        enum_column(RevisionStatus, "revision_status"), default=RevisionStatus.DRAFT, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    version_id: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version_id}

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REVISION


class EntryVersion(db.Model):
    """Every approved state of an entry, numbered from 1: the entry's history."""

    __tablename__ = "entry_versions"
    __table_args__ = (sa.UniqueConstraint("entry_kind", "entry_id", "number", name="entry_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_kind: Mapped[str] = mapped_column(sa.String(20))
    entry_id: Mapped[int]
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    data: Mapped[dict] = mapped_column(sa.JSON)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    approved_by: Mapped[User | None] = relationship()


class ReportCategory(str, enum.Enum):
    INACCURATE = "inaccurate"
    OUTDATED = "outdated"
    DUPLICATE = "duplicate"
    INAPPROPRIATE = "inappropriate"
    SPAM = "spam"
    RIGHTS = "rights"  # copyright, personal data
    OTHER = "other"


class ReportStatus(str, enum.Enum):
    OPEN = "open"
    DISMISSED = "dismissed"
    UNPUBLISHED = "unpublished"


class Report(db.Model):
    """A visitor's report that something is wrong with a published entry.
    Nothing about the reporter is kept unless they were logged in."""

    __tablename__ = "reports"
    __table_args__ = (sa.Index("ix_reports_entry", "entry_kind", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_kind: Mapped[str] = mapped_column(sa.String(20))
    entry_id: Mapped[int]
    category: Mapped[ReportCategory] = mapped_column(enum_column(ReportCategory, "report_category"))
    message: Mapped[str] = mapped_column(sa.Text)
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus, "report_status"), default=ReportStatus.OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(sa.Text)
    version_id: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version_id}

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class AuditEvent(db.Model):
    """One action: who did what to which entry (or user), when, from which
    state to which, and why. Append-only: the migration adds database triggers
    that refuse UPDATE and DELETE, and the ORM refuses them too."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_entry", "entry_kind", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # No ON DELETE action: a SET NULL would be an UPDATE, which the triggers refuse.
    # Users are deactivated, never deleted, so the reference always holds.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    entry_kind: Mapped[str | None] = mapped_column(sa.String(20))
    entry_id: Mapped[int | None]
    # The entry's title when it happened, so the log reads well after a rename.
    entry_title: Mapped[str | None] = mapped_column(sa.String(300))
    subject_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(sa.String(30))
    to_state: Mapped[str | None] = mapped_column(sa.String(30))
    reason: Mapped[str | None] = mapped_column(sa.Text)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject_user: Mapped[User | None] = relationship(foreign_keys=[subject_user_id])


@sa.event.listens_for(AuditEvent, "before_update")
@sa.event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise RuntimeError("The audit log is append-only.")
