"""Search over the published directory: building index documents from
entries, keeping the index in step with every commit, running a query with
its filters, and counting what visitors look for (without who looked).

The index is written in the same transaction as the change it reflects (a
`before_commit` hook), so a rollback leaves it as it was and a commit never
leaves it behind: after the commit, search shows exactly the published state."""
from __future__ import annotations

import atexit
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from itertools import chain

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup
from sqlalchemy.orm import Session, selectinload

from hub.db import db, separate_transaction
from hub.directory import ai_card, vocabulary as vocab
from hub.directory.models import (
    ENTRY_MODELS, Entry, EntryStatus, Expert, Project, ProjectOrganisation, Resource, project_contacts,
    project_topics,
)
from hub.pagination import page_number
from hub.search.base import (
    FILTERS, KIND_ORDER, MAX_PAGE, PER_KIND, SORTS, Backend, Document, SearchQuery, SearchResult,
)
from hub.search.cards import Card, published_cards
from hub.search.highlight import Matcher, snippet
from hub.search.text import clean_query, fallback_needs, fold, query_terms, words

log = logging.getLogger(__name__)

BODY_MAX = 20_000


def backend() -> Backend:
    """The backend of the app's database, chosen once from its dialect."""
    found = current_app.extensions.get("hub_search")
    if found is None:
        if db.engine.dialect.name == "postgresql":
            from hub.search.postgres import PostgresBackend

            found = PostgresBackend()
        else:
            from hub.search.sqlite_fts5 import SqliteFts5Backend

            found = SqliteFts5Backend()
        current_app.extensions["hub_search"] = found
    return found


# --- documents ------------------------------------------------------------------------


def _concept_words(concept_id: str | None) -> list[str]:
    concept = vocab.concept(concept_id) if concept_id else None
    if concept is None:
        return []
    return list(concept.labels.values()) + list(chain.from_iterable(concept.synonyms.values()))


def _country_words(code: str | None) -> list[str]:
    return sorted({vocab.country_name(code, locale) for locale in vocab.LOCALES}) if code else []


def _language_words(codes) -> list[str]:
    """Names of the languages in the six interface languages, and the adjective-like
    English forms people type ("German" is both), so "speaks German" finds "de"."""
    return sorted({vocab.language_name(code, locale) for code in codes or [] for locale in vocab.LOCALES})


def _text(*parts) -> str:
    return fold(" ".join(p for p in parts if p))


def document_for(entry: Entry, extra_topics: list[str] = ()) -> Document | None:
    """The index document of a published entry (None for any other)."""
    if entry.status is not EntryStatus.PUBLISHED:
        return None
    topic_ids = [t.id for t in getattr(entry, "topics", [])] + [t for t in extra_topics]
    topic_ids = list(dict.fromkeys(topic_ids))
    facets = [("type", entry.kind)] + [(vocab.concept(t).facet, t) for t in topic_ids if vocab.concept(t)]
    concept_words = list(chain.from_iterable(_concept_words(t) for t in topic_ids))
    country = getattr(entry, "country", None)
    organisation = None
    if isinstance(entry, Project):
        organisation = entry.lead_organisation
        facets += [("stage", entry.stage), ("risk", entry.risk_level)]
        facets += [("card", sharing.key) for sharing in ai_card.sharing_of(entry)]
        concept_words += _concept_words(entry.stage)
        summary = entry.summary
        body = [entry.description, *(o.name for o in [organisation, *entry.partners] if o), entry.data_sources,
                entry.human_oversight, entry.lessons_worked, entry.lessons_failed, entry.funding, entry.hosting]
    elif isinstance(entry, Expert):
        organisation = entry.organisation
        summary = " ".join(p for p in (entry.role_title, organisation.name if organisation else None) if p)
        body = [entry.bio]
    elif isinstance(entry, Resource):
        organisation = entry.organisation
        concept_words += _concept_words(entry.type)
        summary = entry.summary
        body = [entry.description, organisation.name if organisation else None, entry.licence]
    else:
        organisation = entry
        summary = " ".join(p for p in (entry.city, entry.region) if p)
        body = [entry.description]
    if organisation is not None:
        facets.append(("organisation_type", organisation.type))
        concept_words += _concept_words(organisation.type)
        country = country or organisation.country
    if country:
        facets.append(("country", country))
    facets += [("language", code) for code in getattr(entry, "languages", None) or []]
    return Document(
        kind=entry.kind, entry_id=entry.id, title=_text(entry.title),
        topics=_text(*concept_words, *_country_words(country),
                     *_language_words(getattr(entry, "languages", None))), summary=_text(summary),
        body=_text(*body)[:BODY_MAX], published_at=entry.published_at,
        facets=list(dict.fromkeys((f, v) for f, v in facets if v)),
    )


def _load(kind: str, ids) -> list[Entry]:
    """Entries with what their index document reads: organisations and topics."""
    model = ENTRY_MODELS[kind]
    query = sa.select(model).where(model.id.in_(ids))
    if kind == "project":
        query = query.options(selectinload(Project.organisation_links).joinedload(ProjectOrganisation.organisation))
    elif kind in ("expert", "resource"):
        query = query.options(selectinload(model.organisation))
    if kind != "organisation":
        query = query.options(selectinload(model.topics))
    return list(db.session.scalars(query))


def _expert_project_topics(expert_ids) -> dict[int, list[str]]:
    """Experts are found by the topics of the published projects they are contact persons for."""
    rows = db.session.execute(
        sa.select(project_contacts.c.expert_id, project_topics.c.topic_id)
        .join(project_topics, project_topics.c.entry_id == project_contacts.c.project_id)
        .join(Project, Project.id == project_contacts.c.project_id)
        .where(project_contacts.c.expert_id.in_(expert_ids), Project.status == EntryStatus.PUBLISHED))
    found: dict[int, list[str]] = {}
    for expert_id, topic_id in rows:
        found.setdefault(expert_id, []).append(topic_id)
    return found


def sync(keys: set[tuple[str, int]]) -> None:
    """Bring the index in line with these entries (published: indexed; otherwise: removed)."""
    by_kind: dict[str, set[int]] = {}
    for kind, entry_id in keys:
        by_kind.setdefault(kind, set()).add(entry_id)
    # Entries show their organisation's name and type: they follow a renamed organisation.
    if by_kind.get("organisation") and len(by_kind["organisation"]) <= 100:  # bulk writes index everything anyway
        org_ids = by_kind["organisation"]
        by_kind.setdefault("project", set()).update(db.session.scalars(
            sa.select(ProjectOrganisation.project_id).where(ProjectOrganisation.organisation_id.in_(org_ids))))
        for model in (Expert, Resource):
            by_kind.setdefault(model.kind, set()).update(db.session.scalars(
                sa.select(model.id).where(model.organisation_id.in_(org_ids))))
    # A project's contact persons are found through its topics: they follow it.
    projects = sorted(by_kind.get("project", ()))
    for start in range(0, len(projects), 10_000):  # a statement takes at most 65,535 parameters (psycopg)
        by_kind.setdefault("expert", set()).update(db.session.scalars(
            sa.select(project_contacts.c.expert_id).where(
                project_contacts.c.project_id.in_(projects[start:start + 10_000]))))
    documents, removed = [], []
    for kind, ids in by_kind.items():
        ids = sorted(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            entries = _load(kind, chunk)
            extra = _expert_project_topics(chunk) if kind == "expert" else {}
            found = set()
            for entry in entries:
                document = document_for(entry, extra.get(entry.id, []))
                if document is not None:
                    documents.append(document)
                    found.add(entry.id)
            removed += [(kind, i) for i in chunk if i not in found]
    backend().replace(documents, removed)


def rebuild() -> int:
    """Index every published entry again (flask hub reindex, after a bulk import)."""
    engine = backend()
    engine.clear()
    total = 0
    for kind, model in ENTRY_MODELS.items():
        ids = list(db.session.scalars(sa.select(model.id).where(model.status == EntryStatus.PUBLISHED)
                                      .order_by(model.id)))
        for start in range(0, len(ids), 2000):
            sync({(kind, i) for i in ids[start:start + 2000]})
            db.session.expunge_all()  # keep memory flat on large directories
        total += len(ids)
    return total


# --- keeping the index in step: track changed entries, write before the commit ------------

_DIRTY = "hub_search_dirty"


@sa.event.listens_for(Session, "after_flush")
def _track_changes(session: Session, flush_context) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Entry) and obj.id is not None:
            session.info.setdefault(_DIRTY, set()).add((obj.kind, obj.id))


@sa.event.listens_for(Session, "before_commit")
def _write_index(session: Session) -> None:
    for _ in range(3):  # indexing may load (not change) entries; a second round is a safety net
        session.flush()
        dirty = session.info.pop(_DIRTY, None)
        if not dirty:
            return
        if not _has_index(session):
            return  # a database before the search migration
        sync(dirty)


_INDEXED_DATABASES: set[str] = set()


def _has_index(session: Session) -> bool:
    try:
        bind = session.get_bind()
    except sa.exc.UnboundExecutionError:
        return False
    engine = getattr(bind, "engine", bind)
    key = engine.url.render_as_string(hide_password=True)
    if key not in _INDEXED_DATABASES:
        if not sa.inspect(bind).has_table("search_documents"):
            return False
        _INDEXED_DATABASES.add(key)  # only the positive answer is kept: tables are not dropped in use
    return True


@sa.event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_DIRTY, None)


# --- searching ------------------------------------------------------------------------------


def _valid(facet: str, value: str) -> bool:
    if facet == "type":
        return value in ENTRY_MODELS
    if facet in ("technique", "area"):
        return vocab.is_concept(facet, value)
    if facet == "country":
        return vocab.is_country(value)
    if facet == "organisation_type":
        return vocab.is_concept(vocab.ORGANISATION_TYPE, value)
    if facet == "stage":
        return vocab.is_concept(vocab.PROJECT_STAGE, value)
    if facet == "risk":
        return vocab.is_concept(vocab.AI_ACT_RISK, value)
    if facet == "language":
        return vocab.is_language(value)
    if facet == "card":
        return value in ai_card.SHARING_BY_KEY
    return False


def clean_filters(args: dict[str, list[str]]) -> dict[str, list[str]]:
    """Known filters with known values only; unknown or repeated values are dropped."""
    filters = {}
    for facet in FILTERS:
        values = [v for v in list(dict.fromkeys(args.get(facet, [])))[:20] if isinstance(v, str) and len(v) <= 60]
        values = [v for v in values if _valid(facet, v)]
        if values:
            filters[facet] = values
    return filters


def parse_page(value) -> int:
    return page_number(value, MAX_PAGE)


@dataclass
class Found:
    card: Card
    title: Markup  # with the matching words marked
    snippet: Markup


@dataclass
class KindGroup:
    """The best few results of one kind, on the first page over all kinds."""

    kind: str
    total: int  # every match of this kind ("See all …")
    found: list[Found]


@dataclass
class SearchPage:
    text: str
    terms: list[str]
    filters: dict[str, list[str]]
    sort: str
    result: SearchResult
    found: list[Found] = field(default_factory=list)  # in order; with groups, theirs one after the other
    groups: list[KindGroup] = field(default_factory=list)  # over several kinds: the best few of each

    @property
    def is_empty(self) -> bool:
        return self.result.total == 0

    @property
    def kind(self) -> str | None:
        """The one kind chosen (a type tab), else None (all kinds)."""
        kinds = self.filters.get("type", [])
        return kinds[0] if len(kinds) == 1 else None


def search(text: str | None, args: dict[str, list[str]] | None = None, sort: str | None = None,
           page=1, record: bool = True) -> SearchPage:
    """Results with facet counts. Every word must match; when that finds nothing, most of them
    (hub.search.text.fallback_needs), entries with more of them first. Over all kinds, when
    several match, the first page shows the best few of each kind (no kind buries the others;
    each kind's tab pages through all of its matches)."""
    text = clean_query(text)
    terms = query_terms(text)
    filters = clean_filters(args or {})
    sort = sort if sort in SORTS else ("relevance" if terms else "newest")
    page = parse_page(page)
    query = SearchQuery(terms=terms, filters=filters, sort=sort, page=page,
                        per_kind=PER_KIND if page == 1 and not filters.get("type") else 0)
    engine = backend()
    result = engine.search(query)
    if result.total == 0 and fallback_needs(len(terms)):
        query.min_match = fallback_needs(len(terms))
        result = engine.search(query)
    if result.total and query.page > result.pages:  # past the end: show the last page
        query.page = result.pages
        result = engine.search(query)
    if record and text and query.page == 1:
        record_query(text, result.total)
    matcher = Matcher(terms, engine.stemmer) if terms else None
    found = [Found(card, snippet(card.title, matcher, size=1000), snippet(card.text, matcher))
             for card in published_cards([(hit.kind, hit.entry_id) for hit in result.hits])]
    groups = []
    if result.grouped:
        # In the order of the type tabs, whichever kind has the best match: projects and experts,
        # the hub's own content, are never pushed down by a catalogue of look-alike datasets, and
        # each group is short (at most PER_KIND), so every kind shows near the top.
        by_kind: dict[str, list[Found]] = {}
        for item in found:
            by_kind.setdefault(item.card.kind, []).append(item)
        groups = [KindGroup(kind, result.kind_totals.get(kind, len(by_kind[kind])), by_kind[kind])
                  for kind in KIND_ORDER if kind in by_kind]
        found = [item for group in groups for item in group.found]
    return SearchPage(text, terms, filters, sort, result, found, groups)


def kind_tabs(page: SearchPage) -> list[tuple[str | None, int]]:
    """The type tabs: all kinds (None) with the total over all of them, then each kind with its
    matches under the other filters, in KIND_ORDER."""
    totals = page.result.kind_totals
    return [(None, sum(totals.values()))] + [(kind, totals.get(kind, 0)) for kind in KIND_ORDER]


# --- suggestions ---------------------------------------------------------------------------


@dataclass
class Suggestion:
    label: str
    kind: str  # "topic" or an entry kind
    url_args: dict
    marked: Markup | None = None  # the label with the matching words marked (entries)


def suggest(text: str | None, limit: int = 8) -> list[Suggestion]:
    terms = query_terms(text)
    if not terms:
        return []
    folded = " ".join(terms)
    topics = []
    for facet in vocab.TOPIC_FACETS:
        for concept in vocab.concepts(facet):
            names = [fold(n) for n in _concept_words(concept.id)]
            if any(folded in n or n.startswith(folded) for n in names):
                topics.append(Suggestion(concept.label(), "topic", {facet: concept.id}))
    suggestions = topics[: limit // 2]
    engine = backend()
    hits = engine.title_prefix(terms, limit - len(suggestions))
    # Being typed: the last word marks the words it starts.
    matcher = Matcher(terms, engine.stemmer, prefix=True)
    for card in published_cards([(hit.kind, hit.entry_id) for hit in hits]):
        suggestions.append(Suggestion(card.title, card.kind, {"slug": card.slug},
                                      snippet(card.title, matcher, size=1000)))
    return suggestions


# --- what visitors look for ------------------------------------------------------------------


class QueryCounts:
    """Counts of this process not yet written: (searches, without results) per query. Writing
    every search at once cost a tenth of the throughput under load (each a commit of its own);
    written together every few seconds, they cost almost nothing. At most those few seconds of
    counts are lost if the process dies."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending: dict[str, list[int]] = {}
        self.written_at = time.monotonic()

    def add(self, key: str, found: int) -> None:
        with self.lock:
            counts = self.pending.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += 0 if found else 1

    def take(self) -> dict[str, list[int]]:
        with self.lock:
            taken, self.pending, self.written_at = self.pending, {}, time.monotonic()
            return taken


def _query_counts() -> QueryCounts:
    counts = current_app.extensions.get("hub_search_counts")
    if counts is None:
        counts = current_app.extensions.setdefault("hub_search_counts", QueryCounts())
        app = current_app._get_current_object()
        atexit.register(lambda: _write_at_exit(app))
    return counts


def _write_at_exit(app) -> None:
    try:
        with app.app_context():
            write_query_counts()
    except Exception:  # the database may be gone already: the counts are not worth a traceback
        log.warning("search query counts not written at exit")


def record_query(text: str, found: int) -> None:
    """Count a query: its folded text only; no address, user or session is kept. Written with the
    other counts of the last SEARCH_COUNTS_EVERY_SECONDS (0: at once)."""
    key = " ".join(words(text))[:200]
    if not key:
        return
    counts = _query_counts()
    counts.add(key, found)
    if time.monotonic() - counts.written_at >= current_app.config["SEARCH_COUNTS_EVERY_SECONDS"]:
        write_query_counts()


def write_query_counts() -> None:
    """Write this process's pending counts, in a short transaction of its own, so that concurrent
    searches never fail on it; counts that cannot be written are kept for the next time."""
    counts = _query_counts()
    taken = counts.take()
    if not taken:
        return
    today = date.today()
    try:
        with separate_transaction() as session:
            # ON CONFLICT ... DO UPDATE is the same on SQLite and PostgreSQL.
            session.execute(sa.text(
                "INSERT INTO search_queries (query, searches, without_results, last_searched_on) "
                "VALUES (:query, :searches, :empty, :today) ON CONFLICT (query) DO UPDATE SET "
                "searches = search_queries.searches + excluded.searches, "
                "without_results = search_queries.without_results + excluded.without_results, "
                "last_searched_on = excluded.last_searched_on"),
                [{"query": key, "searches": n, "empty": empty, "today": today}
                 for key, (n, empty) in sorted(taken.items())])
    except sa.exc.OperationalError as error:
        log.warning("search query counts not written, kept for later: %s", error)
        for key, (n, empty) in taken.items():
            with counts.lock:
                pending = counts.pending.setdefault(key, [0, 0])
                pending[0] += n
                pending[1] += empty


def insights(limit: int = 50) -> dict[str, list]:
    """The most frequent queries, and those that found nothing, for moderators."""
    write_query_counts()
    def rows(where: str, order: str):
        statement = sa.text(f"SELECT query, searches, without_results, last_searched_on FROM search_queries "
                            f"WHERE {where} ORDER BY {order}, query LIMIT :limit")
        typed = statement.columns(query=sa.String, searches=sa.Integer, without_results=sa.Integer,
                                  last_searched_on=sa.Date)  # SQLite returns dates as text otherwise
        return db.session.execute(typed, {"limit": limit}).all()

    frequent = rows("1 = 1", "searches DESC")
    empty = rows("without_results > 0", "without_results DESC")
    return {"frequent": frequent, "empty": empty}

