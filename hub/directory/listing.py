"""Reading the public directory: lists with filters and pages, detail pages,
topic and country overviews, counts. Only published entries are public."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from hub.db import db
from hub.directory import vocabulary as vocab
from hub.directory.models import (
    Entry, EntryStatus, Expert, Organisation, Project, ProjectOrganisation, Resource, Topic,
    expert_topics, project_topics, resource_topics,
)
from hub.directory.permissions import can_view
from hub.errors import NotFound
from hub.pagination import Page
from hub.text import clean_line

MAX_PAGE = 10_000


@dataclass
class Filters:
    """What a list page may be narrowed by; unknown values are dropped, not errors."""

    topic: str | None = None
    country: str | None = None
    type: str | None = None
    q: str | None = None
    # Organisations: every one, not only those with published entries (see `_order`).
    everything: bool = False
    active: dict[str, str] = field(default_factory=dict)


def clean_filters(kind: str, topic=None, country=None, type=None, q=None, everything=False) -> Filters:
    filters = Filters(everything=bool(everything))
    if topic and vocab.concept(topic) and vocab.concept(topic).facet in vocab.TOPIC_FACETS:
        filters.topic = topic
    if country and vocab.is_country(country.upper()):
        filters.country = country.upper()
    type_facet = {"project": vocab.PROJECT_STAGE, "resource": vocab.RESOURCE_TYPE,
                  "organisation": vocab.ORGANISATION_TYPE}.get(kind)
    if type and type_facet and vocab.is_concept(type_facet, type):
        filters.type = type
    if kind == "expert" and type in vocab.EXPERT_OFFERS:
        filters.type = type
    if q:
        # clean_line drops control characters: PostgreSQL refuses NUL in a query (a 500).
        filters.q = clean_line(q)[:100] or None
    filters.active = {k: v for k, v in
                      {"topic": filters.topic, "country": filters.country, "type": filters.type, "q": filters.q}.items()
                      if v}
    return filters


_TOPIC_LINKS = {"project": project_topics, "expert": expert_topics, "resource": resource_topics}


def _published(model):
    return sa.select(model).where(model.status == EntryStatus.PUBLISHED)


def _filtered(kind: str, filters: Filters) -> sa.Select:
    if kind == "project":
        query = _published(Project)
        if filters.country:
            query = query.where(Project.country == filters.country)
        if filters.type:
            query = query.where(Project.stage == filters.type)
    elif kind == "expert":
        query = _published(Expert)
        if filters.country:
            query = query.where(Expert.country == filters.country)
        if filters.type:  # an offer; JSON lists are matched as text to stay portable
            query = query.where(sa.cast(Expert.offers, sa.Text).like(f'%"{filters.type}"%'))
    elif kind == "resource":
        query = _published(Resource)
        if filters.country:
            query = query.join(Organisation, Resource.organisation_id == Organisation.id).where(
                Organisation.country == filters.country)
        if filters.type:
            query = query.where(Resource.type == filters.type)
    else:
        query = _published(Organisation)
        # Thousands of museums without AI activity would bury the few with some: the plain list shows
        # the organisations with published entries; "show all" (or a name search) shows the others too.
        if not filters.everything and not filters.q:
            query = query.where(has_published_entries())
        if filters.country:
            query = query.where(Organisation.country == filters.country)
        if filters.type:
            query = query.where(Organisation.type == filters.type)
        if filters.q:
            escaped = filters.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(sa.func.lower(Organisation.name).like(f"%{escaped}%", escape="\\"))
    if filters.topic and kind in _TOPIC_LINKS:
        link = _TOPIC_LINKS[kind]
        model = query.column_descriptions[0]["entity"]
        query = query.where(model.id.in_(sa.select(link.c.entry_id).where(link.c.topic_id == filters.topic)))
    return query


def _with_card_data(kind: str, query: sa.Select) -> sa.Select:
    if kind == "project":
        return query.options(
            selectinload(Project.organisation_links).joinedload(ProjectOrganisation.organisation),
            selectinload(Project.topics),
        )
    if kind == "expert":
        return query.options(selectinload(Expert.topics), selectinload(Expert.organisation))
    if kind == "resource":
        return query.options(selectinload(Resource.topics), selectinload(Resource.organisation))
    return query


def has_published_entries() -> sa.ColumnElement[bool]:
    """The organisation leads or partners a published project, or has a published expert or resource."""
    return sa.or_(
        Organisation.id.in_(sa.select(ProjectOrganisation.organisation_id).join(
            Project, Project.id == ProjectOrganisation.project_id).where(Project.status == EntryStatus.PUBLISHED)),
        Organisation.id.in_(sa.select(Expert.organisation_id).where(
            Expert.status == EntryStatus.PUBLISHED, Expert.organisation_id.is_not(None))),
        Organisation.id.in_(sa.select(Resource.organisation_id).where(
            Resource.status == EntryStatus.PUBLISHED, Resource.organisation_id.is_not(None))),
    )


def _order(kind: str, query: sa.Select) -> sa.Select:
    model = query.column_descriptions[0]["entity"]
    if kind == "organisation":
        # Those with published entries first, on every list of organisations.
        return query.order_by(sa.case((has_published_entries(), 0), else_=1), sa.func.lower(Organisation.name),
                              Organisation.id)
    if kind == "expert":
        return query.order_by(sa.func.lower(Expert.display_name), Expert.id)
    return query.order_by(model.published_at.desc(), model.id.desc())


def list_entries(kind: str, filters: Filters, page: int = 1, per_page: int = 20) -> Page:
    page = min(max(page, 1), MAX_PAGE)
    query = _filtered(kind, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(
        _with_card_data(kind, _order(kind, query)).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), total=total or 0, page=page, per_page=per_page)


def latest(kind: str, limit: int = 6) -> list[Entry]:
    return list(db.session.scalars(_with_card_data(kind, _order(kind, _filtered(kind, Filters()))).limit(limit)))


def counts() -> dict[str, int]:
    """Published entries of each kind."""
    result = {}
    for kind, model in (("project", Project), ("expert", Expert), ("resource", Resource),
                        ("organisation", Organisation)):
        result[kind] = db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(model.status == EntryStatus.PUBLISHED)) or 0
    return result


def topic_counts(facet: str) -> list[tuple[vocab.Concept, int]]:
    """Each concept of a topic facet with how many published projects, experts and resources carry it."""
    totals: dict[str, int] = {}
    for model, link in ((Project, project_topics), (Expert, expert_topics), (Resource, resource_topics)):
        rows = db.session.execute(
            sa.select(link.c.topic_id, sa.func.count())
            .join(model, model.id == link.c.entry_id)
            .where(model.status == EntryStatus.PUBLISHED)
            .group_by(link.c.topic_id)
        )
        for topic_id, n in rows:
            totals[topic_id] = totals.get(topic_id, 0) + n
    return [(c, totals.get(c.id, 0)) for c in vocab.concepts(facet)]


def country_counts() -> list[tuple[str, int]]:
    """Countries with published entries, with the number of entries in each, most first.
    A resource counts in its organisation's country (as on the country's page)."""
    totals: dict[str, int] = {}
    queries = [sa.select(column, sa.func.count()).where(status == EntryStatus.PUBLISHED, column.is_not(None))
               .group_by(column)
               for column, status in ((Organisation.country, Organisation.status),
                                      (Project.country, Project.status), (Expert.country, Expert.status))]
    queries.append(sa.select(Organisation.country, sa.func.count()).select_from(Resource)
                   .join(Organisation, Resource.organisation_id == Organisation.id)
                   .where(Resource.status == EntryStatus.PUBLISHED, Organisation.country.is_not(None))
                   .group_by(Organisation.country))
    for query in queries:
        for code, n in db.session.execute(query):
            totals[code] = totals.get(code, 0) + n
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def get_for_view(kind: str, slug: str, user) -> Entry:
    """The entry at this slug if the user may see it; NotFound otherwise (unpublished entries stay secret)."""
    from hub.directory.models import ENTRY_MODELS

    model = ENTRY_MODELS[kind]
    if "\x00" in slug:  # no slug has one, and PostgreSQL refuses NUL in a query (a 500)
        raise NotFound()
    entry = db.session.scalar(sa.select(model).where(model.slug == slug))
    if entry is None or not can_view(user, entry):
        raise NotFound()
    return entry


def projects_of_organisation(organisation: Organisation) -> list[Project]:
    query = _published(Project).where(
        Project.id.in_(sa.select(ProjectOrganisation.project_id).where(
            ProjectOrganisation.organisation_id == organisation.id)))
    return list(db.session.scalars(_with_card_data("project", _order("project", query))))


def experts_of_organisation(organisation: Organisation) -> list[Expert]:
    query = _published(Expert).where(Expert.organisation_id == organisation.id)
    return list(db.session.scalars(_with_card_data("expert", _order("expert", query))))


def resources_of_organisation(organisation: Organisation) -> list[Resource]:
    query = _published(Resource).where(Resource.organisation_id == organisation.id)
    return list(db.session.scalars(_with_card_data("resource", _order("resource", query))))


def projects_of_expert(expert: Expert) -> list[Project]:
    from hub.directory.models import project_contacts

    query = _published(Project).where(
        Project.id.in_(sa.select(project_contacts.c.project_id).where(project_contacts.c.expert_id == expert.id)))
    return list(db.session.scalars(_with_card_data("project", _order("project", query))))


def get_topic(facet: str, concept_id: str) -> Topic:
    if "\x00" in concept_id:  # as in get_for_view
        raise NotFound()
    topic = db.session.get(Topic, concept_id)
    if topic is None or topic.facet != facet or facet not in vocab.TOPIC_FACETS:
        raise NotFound()
    return topic


def entries_for_user(user) -> dict[str, list[Entry]]:
    """Everything a member owns or may edit through their organisations, for the account page."""
    from hub.directory.permissions import organisation_ids_of

    org_ids = organisation_ids_of(user)
    lead_projects = sa.select(ProjectOrganisation.project_id).where(
        ProjectOrganisation.role == "lead", ProjectOrganisation.organisation_id.in_(org_ids))
    return {
        "organisation": list(db.session.scalars(sa.select(Organisation).where(
            (Organisation.owner_id == user.id) | Organisation.id.in_(org_ids)).order_by(Organisation.name))),
        "project": list(db.session.scalars(sa.select(Project).where(
            (Project.owner_id == user.id) | Project.id.in_(lead_projects)).order_by(Project.updated_at.desc()))),
        "expert": list(db.session.scalars(sa.select(Expert).where(Expert.user_id == user.id))),
        "resource": list(db.session.scalars(sa.select(Resource).where(
            (Resource.owner_id == user.id) | Resource.organisation_id.in_(org_ids)).order_by(
            Resource.updated_at.desc()))),
    }


def user_organisations(user) -> list[Organisation]:
    from hub.directory.permissions import organisation_ids_of

    ids = organisation_ids_of(user)
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


def count_hidden_organisations(filters: Filters, shown: int) -> int:
    """How many published organisations the list leaves out because they have no published entries."""
    if filters.everything or filters.q:
        return 0
    everything = Filters(**{**filters.__dict__, "everything": True})
    query = _filtered("organisation", everything)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    return max(total - shown, 0)
