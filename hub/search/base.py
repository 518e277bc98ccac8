"""The search interface: what a query asks, what comes back, and what a
backend must do. Two backends implement it (sqlite_fts5.py, postgres.py),
chosen once from the database dialect (hub.search.services.backend()).

The index lives in hand-made tables of the same database (see the migration
"search index"): `search_documents` (one row per published entry, its text
in four weighted fields), `search_entries` (beside it, what ranking, sorting and
counting read: kind, date and its facets in one text), `search_facets` (its
filter values, one row each) and the engine's full-text structure on top."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from typing import Protocol

import sqlalchemy as sa

from hub.db import db

PAGE_SIZE = 20
MAX_PAGE = 500

# The filters of /search: the URL argument, and the facet stored for it.
FILTERS = ("type", "technique", "area", "country", "organisation_type", "stage", "risk", "language")
SORTS = ("relevance", "newest")


@dataclass
class SearchQuery:
    terms: list[str] = field(default_factory=list)  # folded words (hub.search.text.query_terms)
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet -> accepted values (OR within)
    sort: str = "relevance"
    page: int = 1
    per_page: int = PAGE_SIZE
    match_any: bool = False  # OR instead of AND: the fallback when every word together finds nothing


@dataclass
class Hit:
    kind: str
    entry_id: int
    score: float


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]  # facet -> value -> matching entries
    page: int
    per_page: int
    match_any: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass
class Document:
    """What the index holds for one published entry."""

    kind: str
    entry_id: int
    title: str  # weight A
    topics: str  # weight B: concept labels and synonyms in six languages, country names
    summary: str  # weight C
    body: str  # weight D
    published_at: object
    facets: list[tuple[str, str]]  # (facet, value)


class Backend(Protocol):
    name: str

    def replace(self, documents: list[Document], removed: list[tuple[str, int]]) -> None:
        """Write these documents (insert or replace) and drop the removed (kind, id) pairs."""

    def clear(self) -> None:
        """Empty the index (before a rebuild)."""

    def search(self, query: SearchQuery) -> SearchResult:
        """Ranked hits of one page, the total and facet counts over every match."""

    def title_prefix(self, terms: list[str], limit: int) -> list[Hit]:
        """Entries whose title has these words, the last as a prefix: for suggestions."""


# --- what both backends share: ids, filters and facet counting in plain SQL ------------

KIND_CODES = {"project": 1, "expert": 2, "resource": 3, "organisation": 4}
_ID_STRIDE = 10_000_000_000


def document_id(kind: str, entry_id: int) -> int:
    """A stable id per entry, so that bulk writes need not read ids back."""
    return KIND_CODES[kind] * _ID_STRIDE + entry_id


def document_row(document: Document) -> dict:
    """The values of a document's rows in search_documents (its text) and search_entries (the
    rest), as the backends' INSERT statements name them."""
    return {"id": document_id(document.kind, document.entry_id), "kind": document.kind,
            "entry_id": document.entry_id, "title": document.title, "topics": document.topics,
            "summary": document.summary, "body": document.body, "published_at": document.published_at,
            "facets": facet_summary(document.facets)}


ENTRY_INSERT = ("INSERT INTO search_entries (id, kind, entry_id, published_at, facets) "
                "VALUES (:id, :kind, :entry_id, :published_at, :facets)")


def facet_summary(facets: list[tuple[str, str]]) -> str:
    """A document's facets in one text column, "facet=value" per line: counting the facets of
    many matches reads one short value per match instead of a dozen index rows each."""
    return "\n".join(f"{facet}={value}" for facet, value in facets if "\n" not in value)


def filter_sql(filters: dict[str, list[str]], params: dict, alias: str = "e") -> str:
    """AND of the filters (OR within one), on search_entries as `alias`; values bound in params."""
    clauses = []
    for n, (facet, values) in enumerate(sorted(filters.items())):
        if not values:
            continue
        names = []
        for m, value in enumerate(values):
            params[f"f{n}_{m}"] = value
            names.append(f":f{n}_{m}")
        if facet == "type":
            clauses.append(f"{alias}.kind IN ({', '.join(names)})")
        else:
            params[f"facet{n}"] = facet
            clauses.append(f"{alias}.id IN (SELECT doc_id FROM search_facets WHERE facet = :facet{n} "
                           f"AND value IN ({', '.join(names)}))")
    return " AND ".join(clauses) or "1 = 1"


def tally(rows) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and the facet counts from the rows of a backend's facet SQL: one row per match
    (its facet summary), or, for the whole directory, one row per (facet, value, count). Every
    document has exactly one type, so the type counts add up to the total."""
    counts: dict[str, dict[str, int]] = {}
    if rows and len(rows[0]) == 3:
        for facet, value, n in rows:
            counts.setdefault(facet, {})[value] = n
        return sum(counts.get("type", {}).values()), counts
    pairs = Counter(chain.from_iterable(summary.split("\n") for (summary,) in rows if summary))
    for pair, n in pairs.items():
        facet, _, value = pair.partition("=")
        counts.setdefault(facet, {})[value] = n
    return len(rows), counts


def fetch_rows(connection: sa.Connection, sql: str, params: dict) -> list[tuple]:
    """All rows of a statement as plain tuples from the driver's own cursor: for the facets of
    every match (up to the whole directory), where building SQLAlchemy rows cost as much again
    as the query (65 ms for 49,000 rows)."""
    compiled = sa.text(sql).compile(dialect=connection.dialect)
    bound = compiled.construct_params(params)
    arguments = [bound[name] for name in compiled.positiontup] if compiled.positional else bound
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled), arguments)
        return cursor.fetchall()
    finally:
        cursor.close()


class SqlBackend:
    """The part of a backend that is plain SQL: the ranked page with the total,
    then the facet counts, both over the engine's `matches_sql`."""

    relevance_order = "m.score DESC, m.id"
    newest_order = "m.published_at DESC, m.id DESC"

    def matches_sql(self, query: SearchQuery, params: dict, scored: bool = True) -> str:
        """The matching documents (id, score, published_at) after the filters; unscored, the
        score is 0 (counting the facets needs no ranking)."""
        raise NotImplementedError

    def score(self, value) -> float:
        """Higher is better, whatever the engine's own scale."""
        return float(value)

    def page_sql(self, query: SearchQuery, params: dict) -> tuple[str, str]:
        """The SQL of one ranked page and of the facets of every match (for tally()); the
        benchmark's floor runs the same two statements."""
        order = self.relevance_order if query.sort == "relevance" and query.terms else self.newest_order
        params.update(limit=query.per_page, offset=(query.page - 1) * query.per_page)
        page = (f"SELECT e.kind, e.entry_id, m.score FROM ({self.matches_sql(query, params)}) AS m "
                f"JOIN search_entries e ON e.id = m.id ORDER BY {order} LIMIT :limit OFFSET :offset")
        # Facets are counted in Python from one summary per match (tally()): a GROUP BY over the
        # facet rows of every match cost ten times more (300 ms for 25,000 matches at 100k entries).
        facets = (f"SELECT e.facets FROM ({self.matches_sql(query, params, scored=False)}) AS m "
                  f"JOIN search_entries e ON e.id = m.id")
        if not query.terms and not any(query.filters.values()):
            # Everything matches: count the facet index alone (a covering scan), not every document.
            facets = "SELECT facet, value, count(*) FROM search_facets GROUP BY facet, value"
        return page, facets

    def search(self, query: SearchQuery) -> SearchResult:
        params: dict = {}
        page_sql, facets_sql = self.page_sql(query, params)
        rows = db.session.execute(sa.text(page_sql), params).all()
        total, facets = tally(fetch_rows(db.session.connection(), facets_sql, params))
        return SearchResult([Hit(r.kind, r.entry_id, self.score(r.score)) for r in rows], total,
                            facets, query.page, query.per_page, query.match_any)
