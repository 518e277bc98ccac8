"""What a search result or a suggestion shows of an entry: a card, read with only the columns
it needs, in one query per kind. Loading whole entries (a project has some thirty columns,
seven of them dates, and its organisations through their links) cost a page of results more
than finding them did for narrow queries."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from hub.db import db
from hub.directory.models import (
    ENTRY_MODELS, EntryStatus, Expert, Organisation, Project, ProjectOrganisation, Resource,
)


@dataclass
class Card:
    kind: str
    entry_id: int
    slug: str
    title: str
    text: str  # what its snippet is cut from: summary and description, or an expert's bio
    content_language: str
    badge: str | None  # a concept id: the project's stage, the resource's or the organisation's type
    organisation: str | None  # the project's lead, the expert's or the resource's organisation
    country: str | None


def _lead_organisation_name():
    return (sa.select(Organisation.name)
            .join(ProjectOrganisation, ProjectOrganisation.organisation_id == Organisation.id)
            .where(ProjectOrganisation.project_id == Project.id, ProjectOrganisation.role == "lead")
            .order_by(ProjectOrganisation.position).limit(1)
            .correlate(Project).scalar_subquery())


def _statement(kind: str) -> sa.Select:
    """Columns in Card's order after kind: id, slug, title, summary, description, language,
    badge, organisation, country."""
    none = sa.null()
    if kind == "project":
        return sa.select(Project.id, Project.slug, Project.title, Project.summary, Project.description,
                         Project.content_language, Project.stage, _lead_organisation_name(), Project.country
                         ).where(Project.status == EntryStatus.PUBLISHED)
    if kind == "expert":
        return (sa.select(Expert.id, Expert.slug, Expert.display_name, none, Expert.bio, Expert.content_language,
                          none, Organisation.name, Expert.country)
                .outerjoin(Organisation, Organisation.id == Expert.organisation_id)
                .where(Expert.status == EntryStatus.PUBLISHED))
    if kind == "resource":
        return (sa.select(Resource.id, Resource.slug, Resource.title, Resource.summary, Resource.description,
                          Resource.content_language, Resource.type, Organisation.name, none)
                .outerjoin(Organisation, Organisation.id == Resource.organisation_id)
                .where(Resource.status == EntryStatus.PUBLISHED))
    return sa.select(Organisation.id, Organisation.slug, Organisation.name, none, Organisation.description,
                     Organisation.content_language, Organisation.type, none, Organisation.country
                     ).where(Organisation.status == EntryStatus.PUBLISHED)


def published_cards(keys: list[tuple[str, int]]) -> list[Card]:
    """Cards of these (kind, id) pairs, in their order; what is not published (any more: the
    index is written in the same transaction, but never trust it to show a draft) is left out."""
    by_kind: dict[str, list[int]] = {}
    for kind, entry_id in keys:
        by_kind.setdefault(kind, []).append(entry_id)
    found: dict[tuple[str, int], Card] = {}
    for kind, ids in by_kind.items():
        statement = _statement(kind).where(ENTRY_MODELS[kind].id.in_(ids))
        for entry_id, slug, title, summary, description, language, badge, organisation, country in (
                db.session.execute(statement)):
            text = " ".join(part for part in (summary, description) if part)
            found[(kind, entry_id)] = Card(kind, entry_id, slug, title, text, language or "en", badge,
                                           organisation, country)
    return [found[key] for key in keys if key in found]
