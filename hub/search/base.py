"""The search interface: what a query asks, what comes back, and what a
backend must do. Two backends implement it (sqlite_fts5.py, postgres.py),
chosen once from the database dialect (hub.search.services.backend()).

The index lives in hand-made tables of the same database (see the migration
"search index"): `search_documents` (one row per published entry, its text
in four weighted fields), `search_entries` (beside it, what ranking, sorting and
counting read: kind, date and its facets in one text), `search_facets` (its
filter values, one row each), `search_facet_counts` (the whole directory's
facet counts, kept up to date by every write) and the engine's full-text
structure on top."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from typing import Protocol

import sqlalchemy as sa

from hub.db import db

PAGE_SIZE = 20
MAX_PAGE = 500
# Facets are counted exactly up to this many matches, above on an even sample of about as many:
# every k-th entry id, for the first k here that gives no more than twice as many (else the last).
FACETS_EXACT_UP_TO = 50_000
SAMPLE_EVERY = (4, 16)

# The filters of /search: the URL argument, and the facet stored for it.
FILTERS = ("type", "technique", "area", "country", "organisation_type", "stage", "risk", "card", "language")
# The "card" filter's values are the keys of hub.directory.ai_card.SHARING.
KIND_ORDER = ("project", "expert", "resource", "organisation")  # the type tabs, left to right
PER_KIND = 4  # the best few of each kind on the first page over all kinds
GROUP_POOL = 100  # the best of all kinds where the best few of each are looked for first
SORTS = ("relevance", "newest")


@dataclass
class SearchQuery:
    terms: list[str] = field(default_factory=list)  # folded words (hub.search.text.query_terms)
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet -> accepted values (OR within)
    sort: str = "relevance"
    page: int = 1
    per_page: int = PAGE_SIZE
    # The fallback when no entry has every word: at least this many of them (0: all), ranked by
    # how many matched, then as usual (hub.search.text.fallback_needs).
    min_match: int = 0
    # Over several kinds: the best `per_kind` of each instead of one page (0: one page).
    per_kind: int = 0


@dataclass
class Hit:
    kind: str
    entry_id: int
    score: float
    matched: int = 0  # how many of the query's words it has

@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]  # facet -> value -> matching entries
    page: int
    per_page: int
    min_match: int = 0
    facets_estimated: bool = False  # counted on a sample (more than FACETS_EXACT_UP_TO matches)
    # Matches per kind with every filter but the type's: the counts of the type tabs.
    kind_totals: dict[str, int] = field(default_factory=dict)
    grouped: bool = False  # hits are the best query.per_kind of each kind, not one page

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

    stemmer: str  # the algorithm of hub.search.text.stem that the engine stems with

    def search(self, query: SearchQuery) -> SearchResult:
        """Ranked hits of one page (or the best few of each kind), the total and facet counts
        over every match, and the matches per kind whatever the type filter."""

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


ENTRY_COLUMNS = "e.id, e.kind, e.entry_id, e.published_at, e.facets"  # with score and matched: matches_sql()
ENTRY_INSERT = ("INSERT INTO search_entries (id, kind, entry_id, published_at, facets) "
                "VALUES (:id, :kind, :entry_id, :published_at, :facets)")


def facet_summary(facets: list[tuple[str, str]]) -> str:
    """A document's facets in one text column, "facet=value" per line: counting the facets of
    many matches reads one short value per match instead of a dozen index rows each."""
    return "\n".join(f"{facet}={value}" for facet, value in facets if "\n" not in value)


def filter_sql(filters: dict[str, list[str]], params: dict, alias: str = "e") -> str:
    """AND of the filters (OR within one), on search_entries as `alias`; values bound in params
    under names not yet taken (one statement may hold several matches_sql(), each its own)."""
    clauses = []
    first = 1 + max((int(name[5:]) for name in params if name.startswith("facet")), default=-1)
    for n, (facet, values) in enumerate(sorted(filters.items()), start=first):
        if not values:
            continue
        names = []
        params[f"facet{n}"] = facet
        for m, value in enumerate(values):
            params[f"f{n}_{m}"] = value
            names.append(f":f{n}_{m}")
        if facet == "type":
            clauses.append(f"{alias}.kind IN ({', '.join(names)})")
        else:
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


@dataclass
class Statements:
    """The SQL of one search: its page of hits, the facets of every match, and, for very broad
    matches, their count with the facets of even samples (None when everything matches: the
    directory's kept counts answer)."""

    page: str
    facets: str | None
    samples: str | None
    params: dict


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
    """The part of a backend that is plain SQL: the ranked page, then the total and the facet
    counts, all over the engine's `matches_sql`; and the index writes both engines share."""

    relevance_order = "m.matched DESC, m.score DESC, m.id"
    newest_order = "m.published_at DESC, m.id DESC"

    # --- writing -----------------------------------------------------------------------------

    def delete_documents(self, ids: list[int]) -> None:
        raise NotImplementedError

    def insert_documents(self, rows: list[dict]) -> None:
        """Rows of document_row() into search_documents (the engine's text index follows)."""
        raise NotImplementedError

    facet_insert = "INSERT INTO search_facets (doc_id, facet, value) VALUES (:doc_id, :facet, :value)"

    def replace(self, documents: list[Document], removed: list[tuple[str, int]]) -> None:
        ids = [document_id(k, i) for k, i in removed] + [document_id(d.kind, d.entry_id) for d in documents]
        # The directory's facet counts follow: what goes out is subtracted, what comes in added.
        change: Counter = Counter()
        for start in range(0, len(ids), 500):
            for (summary,) in db.session.execute(sa.text("SELECT facets FROM search_entries WHERE id IN :ids")
                                                 .bindparams(sa.bindparam("ids", expanding=True)),
                                                 {"ids": ids[start:start + 500]}):
                change.subtract(_pairs(summary))
        if ids:
            self.delete_documents(ids)
        if documents:
            rows = [document_row(d) for d in documents]
            self.insert_documents(rows)
            db.session.execute(sa.text(ENTRY_INSERT), rows)
            facets = [{"doc_id": document_id(d.kind, d.entry_id), "facet": f, "value": v}
                      for d in documents for f, v in d.facets]
            if facets:
                db.session.execute(sa.text(self.facet_insert), facets)
            for row in rows:
                change.update(_pairs(row["facets"]))
        _add_facet_counts(change)

    def clear(self) -> None:
        for table in ("search_facet_counts", "search_facets", "search_entries", "search_documents"):
            db.session.execute(sa.text(f"DELETE FROM {table}"))

    # --- searching ---------------------------------------------------------------------------

    def matches_sql(self, query: SearchQuery, params: dict, scored: bool = True) -> str:
        """The matching documents after the filters, with the columns of search_entries `e`
        (id, kind, entry_id, published_at, facets), their score (0 when unscored: counting
        needs no ranking) and how many of the words they have (`matched`). Every word must
        match, or, when query.min_match is set, at least that many."""
        raise NotImplementedError

    def score(self, value) -> float:
        """Higher is better, whatever the engine's own scale."""
        return float(value)

    def statements(self, query: SearchQuery) -> Statements:
        """The SQL of one search; the benchmark's floor runs the same statements."""
        params: dict = {}
        order = self.relevance_order if query.sort == "relevance" and query.terms else self.newest_order
        params.update(limit=query.per_page, offset=(query.page - 1) * query.per_page, per_kind=query.per_kind)
        if query.per_kind and not query.terms:
            # The newest few of each kind: one short walk of the (kind, published_at) index each.
            page = " UNION ALL ".join(
                f"SELECT * FROM (SELECT m.kind, m.entry_id, m.score, m.matched FROM "
                f"({self.matches_sql(SearchQuery(filters={**query.filters, 'type': [kind]}), params)}) AS m "
                f"ORDER BY {order} LIMIT :per_kind) AS k{n}" for n, kind in enumerate(KIND_ORDER))
        elif query.per_kind:
            # The best few of each kind are mostly among the best GROUP_POOL of all (a kind that is
            # not gets a query of its own: SqlBackend.search). Ranking every match by kind with
            # a window function cost three times as much on SQLite.
            params["limit"], params["offset"] = GROUP_POOL, 0
            page = (f"SELECT m.kind, m.entry_id, m.score, m.matched FROM ({self.matches_sql(query, params)}) AS m "
                    f"ORDER BY {order} LIMIT :limit OFFSET :offset")
        else:
            page = (f"SELECT m.kind, m.entry_id, m.score, m.matched FROM ({self.matches_sql(query, params)}) AS m "
                    f"ORDER BY {order} LIMIT :limit OFFSET :offset")
        if not query.terms and not any(query.filters.values()):
            return Statements(page, None, None, params)  # everything matches: the kept counts
        matches = self.matches_sql(query, params, scored=False)
        # One pass gives the count and every sample (each its summaries joined by line breaks).
        samples = ", ".join(f"{self.joined_facets} FILTER (WHERE m.entry_id % {k} = 0)" for k in SAMPLE_EVERY)
        return Statements(page, f"SELECT m.facets FROM ({matches}) AS m",
                          f"SELECT count(*), {samples} FROM ({matches}) AS m", params)

    joined_facets = "group_concat(m.facets, char(10))"  # the engine's text aggregate

    def count(self, connection: sa.Connection, statements: Statements) -> tuple[int, dict, bool]:
        """The total and the facet counts of a search's matches, and whether the counts are
        estimated. Facets are counted in Python from one summary per match (tally()): a GROUP BY
        over the facet rows of every match cost ten times more. Above FACETS_EXACT_UP_TO matches
        they are counted on an even sample (every k-th entry id) and scaled, so that the
        broadest searches of a million entries stay well under a second."""
        if statements.facets is None:
            total, counts = tally(fetch_rows(connection, "SELECT facet, value, n FROM search_facet_counts", {}))
            return total, counts, False
        params = dict(statements.params, cap=FACETS_EXACT_UP_TO + 1)
        rows = fetch_rows(connection, statements.facets + " LIMIT :cap", params)
        if len(rows) <= FACETS_EXACT_UP_TO:
            total, counts = tally(rows)
            return total, counts, False
        total, *samples = fetch_rows(connection, statements.samples, statements.params)[0]
        joined = next((sample for k, sample in zip(SAMPLE_EVERY, samples)
                       if total / k <= 2 * FACETS_EXACT_UP_TO), samples[-1])
        _, counts = tally([(joined,)] if joined else [])
        sampled = sum(counts.get("type", {}).values())  # every document has one type
        scale = total / max(sampled, 1)
        return total, {facet: {value: _rough(n * scale) for value, n in values.items()}
                       for facet, values in counts.items()}, True

    def kind_totals(self, query: SearchQuery) -> dict[str, int]:
        """Matches per kind with the query's other filters: what the type tabs count while one
        kind is chosen."""
        others = SearchQuery(terms=query.terms, filters={f: v for f, v in query.filters.items() if f != "type"},
                             min_match=query.min_match)
        params: dict = {}
        if not others.terms and not any(others.filters.values()):
            sql = "SELECT value, n FROM search_facet_counts WHERE facet = 'type'"  # the whole directory
        else:
            matches = self.matches_sql(others, params, scored=False)
            sql = f"SELECT m.kind, count(*) FROM ({matches}) AS m GROUP BY m.kind"
        return dict(fetch_rows(db.session.connection(), sql, params))

    def _best_of_each_kind(self, query: SearchQuery, rows: list, kinds: dict[str, int]) -> list:
        """The first query.per_kind rows of each kind, in order; a kind with fewer among the
        rows than it has matches (outranked by GROUP_POOL others) is asked for on its own."""
        by_kind: dict[str, list] = {}
        for row in rows:
            by_kind.setdefault(row.kind, []).append(row)
        best = []
        for kind, n in kinds.items():
            found = by_kind.get(kind, [])[:query.per_kind]
            if len(found) < min(n, query.per_kind) and len(rows) >= GROUP_POOL:
                alone = self.statements(SearchQuery(**{**vars(query), "per_kind": 0, "page": 1,
                                                       "per_page": query.per_kind,
                                                       "filters": {**query.filters, "type": [kind]}}))
                found = db.session.execute(sa.text(alone.page), alone.params).all()
            best += found
        return best

    def search(self, query: SearchQuery) -> SearchResult:
        # Counted first: with nothing found there is no page to rank, and the best few of each
        # kind are worth showing only when more than one kind matched.
        grouped = bool(query.per_kind)
        statements = self.statements(SearchQuery(**{**vars(query), "per_kind": 0}))
        total, facets, estimated = self.count(db.session.connection(), statements)
        kinds = facets.get("type", {})
        grouped = grouped and len(kinds) > 1
        if grouped:
            statements = self.statements(query)
        rows = db.session.execute(sa.text(statements.page), statements.params).all() if total else []
        if grouped:
            rows = self._best_of_each_kind(query, rows, kinds)
        kind_totals = self.kind_totals(query) if query.filters.get("type") else dict(kinds)
        return SearchResult([Hit(r.kind, r.entry_id, self.score(r.score), r.matched) for r in rows], total,
                            facets, query.page, query.per_page, query.min_match, estimated, kind_totals, grouped)


def _rough(estimate: float) -> int:
    """An estimated count to two significant figures (at least 1): no false precision."""
    if estimate < 100:
        return max(1, round(estimate))
    digits = len(str(int(estimate))) - 2
    return int(round(estimate, -digits))


def _pairs(summary: str | None) -> list[str]:
    return summary.split("\n") if summary else []


def _add_facet_counts(change: Counter) -> None:
    """Apply a change to search_facet_counts, in key order (concurrent writers lock the same
    rows in the same order, so they wait for each other instead of deadlocking)."""
    rows = [{"facet": pair.partition("=")[0], "value": pair.partition("=")[2], "n": n}
            for pair, n in sorted(change.items()) if n]
    if not rows:
        return
    # ON CONFLICT ... DO UPDATE is the same on SQLite and PostgreSQL.
    db.session.execute(sa.text(
        "INSERT INTO search_facet_counts (facet, value, n) VALUES (:facet, :value, :n) "
        "ON CONFLICT (facet, value) DO UPDATE SET n = search_facet_counts.n + excluded.n"), rows)
    if any(row["n"] < 0 for row in rows):
        db.session.execute(sa.text("DELETE FROM search_facet_counts WHERE n <= 0"))
