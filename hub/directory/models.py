"""The directory: organisations, AI projects, expert profiles, resources (best
practices) and the topics that tag them."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from hub.accounts.models import User, enum_column
from hub.db import UTCDateTime, db, utcnow


class EntryStatus(str, enum.Enum):
    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class Topic(db.Model):
    """A concept of the taxonomy; its id is the concept id ("computer-vision")."""

    __tablename__ = "topics"

    id: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    facet: Mapped[str] = mapped_column(sa.String(40), index=True)
    position: Mapped[int] = mapped_column(default=0)
    labels: Mapped[dict] = mapped_column(sa.JSON)
    synonyms: Mapped[dict] = mapped_column(sa.JSON, default=lambda: {})


def _topic_link_table(name: str, entry_table: str) -> sa.Table:
    return sa.Table(
        name,
        db.metadata,
        sa.Column("entry_id", sa.ForeignKey(f"{entry_table}.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("topic_id", sa.ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True),
    )


project_topics = _topic_link_table("project_topics", "projects")
expert_topics = _topic_link_table("expert_topics", "experts")
resource_topics = _topic_link_table("resource_topics", "resources")

project_contacts = sa.Table(
    "project_contacts",
    db.metadata,
    sa.Column("project_id", sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("expert_id", sa.ForeignKey("experts.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Entry:
    """What every directory entry shares: an owner, a review status and dates."""

    kind: str  # "project", "expert", "resource", "organisation": used in URLs and templates

    status: Mapped[EntryStatus] = mapped_column(
        enum_column(EntryStatus, "entry_status"), default=EntryStatus.DRAFT, index=True
    )
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # When a moderator last reviewed it or its owner confirmed it is still accurate.
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who last handed it to the moderators: they may not review it themselves.
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # When its editors were last asked to confirm it (flask hub remind-stale), so they are not asked daily.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language its own text (title, summary, description) is written in: pages mark that text
    # with it, whatever language the interface speaks.
    content_language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    # Bumped by every UPDATE; a write based on an older read fails instead of
    # overwriting (two moderators deciding at once).
    version_id: Mapped[int] = mapped_column(default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version_id}

    @declared_attr
    def owner(cls) -> Mapped[User | None]:
        return relationship(User, foreign_keys=[cls.owner_id])

    @property
    def is_published(self) -> bool:
        return self.status is EntryStatus.PUBLISHED

    @property
    def display_title(self) -> str:
        return self.title  # type: ignore[attr-defined]


class Organisation(Entry, db.Model):
    __tablename__ = "organisations"
    kind = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(220), unique=True)
    name: Mapped[str] = mapped_column(sa.String(300), index=True)
    type: Mapped[str] = mapped_column(sa.String(40), index=True)
    country: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    city: Mapped[str | None] = mapped_column(sa.String(200))
    region: Mapped[str | None] = mapped_column(sa.String(200))
    website: Mapped[str | None] = mapped_column(sa.String(500))
    description: Mapped[str | None] = mapped_column(sa.Text)
    wikidata_qid: Mapped[str | None] = mapped_column(sa.String(20))
    isil: Mapped[str | None] = mapped_column(sa.String(40))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    # Where a loaded record came from (e.g. "mm.domus.WM019" of Mapping Museums), for idempotent loads.
    external_id: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    source: Mapped[str | None] = mapped_column(sa.String(200))

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation", cascade="all, delete-orphan")

    @property
    def title(self) -> str:
        return self.name


class Membership(db.Model):
    """A user belongs to an organisation and may edit its entries."""

    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class RequestStatus(str, enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class MembershipRequest(db.Model):
    """A user asks to join an organisation; its members (or the moderators) decide."""

    __tablename__ = "membership_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "request_status"), default=RequestStatus.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    version_id: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version_id}

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    organisation: Mapped[Organisation] = relationship()


class ProjectOrganisation(db.Model):
    """An organisation's part in a project: the lead, or a partner."""

    __tablename__ = "project_organisations"
    __table_args__ = (sa.CheckConstraint("role IN ('lead', 'partner')", name="role"),)

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(sa.String(10), default="partner")
    position: Mapped[int] = mapped_column(default=0)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Project(Entry, db.Model):
    """An AI application in a heritage institution, with its AI card."""

    __tablename__ = "projects"
    __table_args__ = (
        sa.CheckConstraint("end_year IS NULL OR start_year IS NULL OR end_year >= start_year", name="years"),
    )
    kind = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(220), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    stage: Mapped[str] = mapped_column(sa.String(20), index=True)
    start_year: Mapped[int | None]
    end_year: Mapped[int | None]
    country: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    languages: Mapped[list] = mapped_column(sa.JSON, default=lambda: [])
    website: Mapped[str | None] = mapped_column(sa.String(500))
    repository_url: Mapped[str | None] = mapped_column(sa.String(500))
    code_licence: Mapped[str | None] = mapped_column(sa.String(100))
    # The AI card: data, risk, oversight, assessments, footprint, lessons, funding.
    data_sources: Mapped[str | None] = mapped_column(sa.Text)
    data_rights: Mapped[str | None] = mapped_column(sa.Text)
    risk_level: Mapped[str] = mapped_column(sa.String(20), default="not-assessed")
    risk_justification: Mapped[str | None] = mapped_column(sa.Text)
    human_oversight: Mapped[str | None] = mapped_column(sa.Text)
    # Assessments are yes (True), no (False) or not stated (None): an unanswered
    # question must never read as "no" (hub.directory.ai_card shows the three states).
    dpia_done: Mapped[bool | None] = mapped_column(default=None)
    fria_done: Mapped[bool | None] = mapped_column(default=None)
    bias_review_done: Mapped[bool | None] = mapped_column(default=None)
    assessment_notes: Mapped[str | None] = mapped_column(sa.Text)
    hosting: Mapped[str | None] = mapped_column(sa.Text)
    compute: Mapped[str | None] = mapped_column(sa.Text)
    lessons_worked: Mapped[str | None] = mapped_column(sa.Text)
    lessons_failed: Mapped[str | None] = mapped_column(sa.Text)
    funding: Mapped[str | None] = mapped_column(sa.Text)
    # The public page its facts were read from (demo and imported entries), shown as "Source".
    source_url: Mapped[str | None] = mapped_column(sa.String(500))

    organisation_links: Mapped[list[ProjectOrganisation]] = relationship(
        cascade="all, delete-orphan", order_by=lambda: (ProjectOrganisation.role, ProjectOrganisation.position)
    )
    topics: Mapped[list[Topic]] = relationship(secondary=project_topics, order_by=lambda: Topic.position)
    contacts: Mapped[list[Expert]] = relationship(secondary=project_contacts)

    @property
    def lead_organisation(self) -> Organisation | None:
        return next((link.organisation for link in self.organisation_links if link.role == "lead"), None)

    @property
    def partners(self) -> list[Organisation]:
        return [link.organisation for link in self.organisation_links if link.role == "partner"]


class Expert(Entry, db.Model):
    """A person's public profile: what they know and what they offer to peers."""

    __tablename__ = "experts"
    kind = "expert"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(220), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    role_title: Mapped[str | None] = mapped_column(sa.String(200))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    country: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    languages: Mapped[list] = mapped_column(sa.JSON, default=lambda: [])
    offers: Mapped[list] = mapped_column(sa.JSON, default=lambda: [])
    open_to_contact: Mapped[bool] = mapped_column(default=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    # Demo profiles of invented people carry this flag, and say so on their page.
    is_example: Mapped[bool] = mapped_column(default=False)

    organisation: Mapped[Organisation | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    topics: Mapped[list[Topic]] = relationship(secondary=expert_topics, order_by=lambda: Topic.position)

    @property
    def title(self) -> str:
        return self.display_name


class Resource(Entry, db.Model):
    """A best practice: a guide, case study, policy, training, dataset, tool, call or report."""

    __tablename__ = "resources"
    kind = "resource"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(220), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[str] = mapped_column(sa.String(20), index=True)
    summary: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str | None] = mapped_column(sa.String(500))
    licence: Mapped[str | None] = mapped_column(sa.String(100))
    languages: Mapped[list] = mapped_column(sa.JSON, default=lambda: [])
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    year: Mapped[int | None]
    # The public page its facts were read from (demo and imported entries), shown as "Source".
    source_url: Mapped[str | None] = mapped_column(sa.String(500))

    organisation: Mapped[Organisation | None] = relationship()
    topics: Mapped[list[Topic]] = relationship(secondary=resource_topics, order_by=lambda: Topic.position)


ENTRY_MODELS: dict[str, type[Entry]] = {
    "project": Project,
    "expert": Expert,
    "resource": Resource,
    "organisation": Organisation,
}
