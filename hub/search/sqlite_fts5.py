"""The embedded backend: SQLite FTS5 (porter stemming over folded text), bm25
ranking with field weights."""
from __future__ import annotations

import sqlalchemy as sa

from hub.db import db
from hub.search.base import (
    ENTRY_COLUMNS, Hit, SearchQuery, SqlBackend, filter_sql,
)

# bm25 weights of title, topics, summary, body: the title counts most.
_BM25 = "bm25(search_fts, 10.0, 5.0, 2.0, 1.0)"


def match_expression(terms: list[str], any_word: bool = False, prefix: bool = False) -> str:
    """FTS5 syntax from folded words (letters and digits only, see hub.search.text): each word
    quoted, so nothing a visitor types is read as an operator; the last one also as a prefix
    while it is being typed (suggestions), a submitted query matches whole words (stemmed)."""
    quoted = [f'"{t}"' for t in terms]
    if prefix:
        quoted[-1] = f"{quoted[-1]}*"
    return (" OR " if any_word else " ").join(quoted)


class SqliteFts5Backend(SqlBackend):
    name = "sqlite-fts5"
    relevance_order = "m.matched DESC, m.score, m.id"  # bm25: lower is better
    stemmer = "porter"  # the tokenizer of search_fts: porter over unicode61

    def score(self, value) -> float:
        return -float(value)

    facet_insert = "INSERT OR IGNORE INTO search_facets (doc_id, facet, value) VALUES (:doc_id, :facet, :value)"

    def delete_documents(self, ids: list[int]) -> None:
        for start in range(0, len(ids), 500):
            db.session.execute(sa.text("DELETE FROM search_documents WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)), {"ids": ids[start:start + 500]})

    def insert_documents(self, rows: list[dict]) -> None:
        db.session.execute(sa.text(
            "INSERT INTO search_documents (id, kind, entry_id, title, topics, summary, body, published_at) "
            "VALUES (:id, :kind, :entry_id, :title, :topics, :summary, :body, :published_at)"), rows)

    def matches_sql(self, query: SearchQuery, params: dict, scored: bool = True) -> str:
        where = filter_sql(query.filters, params)
        score = _BM25 if scored and query.terms else "0.0"
        if not query.terms:
            return f"SELECT {ENTRY_COLUMNS}, {score} AS score, 0 AS matched FROM search_entries e WHERE {where}"
        if query.min_match:
            # How many words each document has: one FTS5 lookup per word, counted per document.
            lookups = []
            for n, term in enumerate(query.terms):
                params[f"word{n}"] = match_expression([term])
                lookups.append(f"SELECT rowid AS doc FROM search_fts WHERE search_fts MATCH :word{n}")
            params["min_match"] = query.min_match
            counted = (f"SELECT doc, count(*) AS matched FROM ({' UNION ALL '.join(lookups)}) "
                       f"GROUP BY doc HAVING count(*) >= :min_match")
            if not scored:
                return (f"SELECT {ENTRY_COLUMNS}, 0.0 AS score, c.matched FROM ({counted}) AS c "
                        f"CROSS JOIN search_entries e ON e.id = c.doc WHERE {where}")
            # bm25 needs the MATCH of any word in the same statement.
            params["match"] = match_expression(query.terms, any_word=True)
            return (f"SELECT {ENTRY_COLUMNS}, {score} AS score, c.matched FROM ({counted}) AS c "
                    f"CROSS JOIN search_fts ON search_fts.rowid = c.doc CROSS JOIN search_entries e ON e.id = c.doc "
                    f"WHERE search_fts MATCH :match AND {where}")
        params["match"] = match_expression(query.terms)
        # CROSS JOIN keeps the full-text match as the outer loop (SQLite never reorders it): with
        # a type filter the planner otherwise walks every document of that kind and runs the
        # MATCH once per row (65 s instead of 40 ms for "provenance" + type=project at 100k).
        return (f"SELECT {ENTRY_COLUMNS}, {score} AS score, {len(query.terms)} AS matched FROM search_fts "
                f"CROSS JOIN search_entries e ON e.id = search_fts.rowid WHERE search_fts MATCH :match AND {where}")

    def title_prefix(self, terms: list[str], limit: int) -> list[Hit]:
        if not terms:
            return []
        rows = db.session.execute(sa.text(
            "SELECT d.kind, d.entry_id, bm25(search_fts) AS score FROM search_fts "
            "JOIN search_documents d ON d.id = search_fts.rowid "
            "WHERE search_fts MATCH :match ORDER BY score LIMIT :limit"),
            {"match": "title : (" + match_expression(terms, prefix=True) + ")", "limit": limit}).all()
        return [Hit(r.kind, r.entry_id, -r.score) for r in rows]

