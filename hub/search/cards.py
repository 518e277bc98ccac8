"""What a search result or a suggestion shows of an entry: a card, read with only the columns
it needs, in one query per kind. Loading whole entries (a project has some thirty columns,
seven of them dates, and its organisations through their links) cost a page of results more
than finding them did for narrow queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import sqlalchemy as sa

from hub.db import db
from hub.directory import vocabulary as vocab
from hub.directory.ai_card import SHARING
from hub.directory.models import (
    ENTRY_MODELS, EntryStatus, Expert, Organisation, Project, ProjectOrganisation, Resource, Topic,
    expert_topics, project_topics, resource_topics,
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
    country: str | None  # the entry's, else its organisation's
    techniques: list[str] = field(default_factory=list)  # concept ids, in the taxonomy's order
    ai_card: list[str] = field(default_factory=list)  # what a project's AI card shares: keys of ai_card.SHARING


def _techniques(link: sa.Table, entry_id) -> sa.ScalarSelect:
    """The entry's techniques in one text (the same aggregate on SQLite and PostgreSQL)."""
    return (sa.select(sa.func.aggregate_strings(link.c.topic_id, " "))
            .join(Topic, Topic.id == link.c.topic_id)
            .where(link.c.entry_id == entry_id, Topic.facet == "technique").scalar_subquery())


@lru_cache(maxsize=1)
def _technique_order() -> dict[str, int]:
    return {concept.id: n for n, concept in enumerate(vocab.concepts("technique"))}


def _lead_organisation(column):
    return (sa.select(column)
            .join(ProjectOrganisation, ProjectOrganisation.organisation_id == Organisation.id)
            .where(ProjectOrganisation.project_id == Project.id, ProjectOrganisation.role == "lead")
            .order_by(ProjectOrganisation.position).limit(1)
            .correlate(Project).scalar_subquery())


def _statement(kind: str) -> sa.Select:
    """Columns in Card's order after kind: id, slug, title, summary, description, language,
    badge, organisation, country, techniques (ids joined by spaces), then whether a project's
    AI card shares each of ai_card.SHARING (the same rule as the search filter)."""
    none = sa.null()
    unshared = [none] * len(SHARING)  # kinds without an AI card
    if kind == "project":
        return sa.select(Project.id, Project.slug, Project.title, Project.summary, Project.description,
                         Project.content_language, Project.stage, _lead_organisation(Organisation.name),
                         sa.func.coalesce(Project.country, _lead_organisation(Organisation.country)),
                         _techniques(project_topics, Project.id), *(sharing.condition() for sharing in SHARING),
                         ).where(Project.status == EntryStatus.PUBLISHED)
    if kind == "expert":
        return (sa.select(Expert.id, Expert.slug, Expert.display_name, none, Expert.bio, Expert.content_language,
                          none, Organisation.name, sa.func.coalesce(Expert.country, Organisation.country),
                          _techniques(expert_topics, Expert.id), *unshared)
                .outerjoin(Organisation, Organisation.id == Expert.organisation_id)
                .where(Expert.status == EntryStatus.PUBLISHED))
    if kind == "resource":
        return (sa.select(Resource.id, Resource.slug, Resource.title, Resource.summary, Resource.description,
                          Resource.content_language, Resource.type, Organisation.name, Organisation.country,
                          _techniques(resource_topics, Resource.id), *unshared)
                .outerjoin(Organisation, Organisation.id == Resource.organisation_id)
                .where(Resource.status == EntryStatus.PUBLISHED))
    return sa.select(Organisation.id, Organisation.slug, Organisation.name, none, Organisation.description,
                     Organisation.content_language, Organisation.type, none, Organisation.country,
                     none, *unshared).where(Organisation.status == EntryStatus.PUBLISHED)


@lru_cache(maxsize=None)
def _statement_for(kind: str) -> sa.Select:
    """Built once per kind (building it cost more than running it), the ids bound at each use."""
    return _statement(kind).where(ENTRY_MODELS[kind].id.in_(sa.bindparam("ids", expanding=True)))


def published_cards(keys: list[tuple[str, int]]) -> list[Card]:
    """Cards of these (kind, id) pairs, in their order; what is not published (any more: the
    index is written in the same transaction, but never trust it to show a draft) is left out."""
    by_kind: dict[str, list[int]] = {}
    for kind, entry_id in keys:
        by_kind.setdefault(kind, []).append(entry_id)
    found: dict[tuple[str, int], Card] = {}
    for kind, ids in by_kind.items():
        statement = _statement_for(kind)
        for (entry_id, slug, title, summary, description, language, badge, organisation, country, techniques,
             *shared) in db.session.execute(statement, {"ids": ids}):
            text = " ".join(part for part in (summary, description) if part)
            order = _technique_order()
            found[(kind, entry_id)] = Card(
                kind, entry_id, slug, title, text, language or "en", badge, organisation, country,
                sorted((techniques or "").split(), key=lambda t: (order.get(t, len(order)), t)),
                [sharing.key for sharing, flag in zip(SHARING, shared) if flag])
    return [found[key] for key in keys if key in found]
