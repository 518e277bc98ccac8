"""The production backend: PostgreSQL full-text search over folded text, a
weighted tsvector (title A, topics B, summary C, body D) with a GIN index,
ranked by ts_rank_cd."""
from __future__ import annotations

import sqlalchemy as sa

from hub.db import db
from hub.search.base import (
    ENTRY_COLUMNS, Hit, SearchQuery, SqlBackend, filter_sql,
)

# ts_rank_cd weights for D, C, B, A; normalisation 1 divides by 1 + log(length), so long
# documents do not win by repeating a word (the judged queries in tests/search test this).
_RANK = "ts_rank_cd('{0.1, 0.2, 0.5, 1.0}', d.tsv, to_tsquery('english', :tsquery), 1)"
_VECTOR = ("setweight(to_tsvector('english', :title), 'A') || setweight(to_tsvector('english', :topics), 'B') || "
           "setweight(to_tsvector('english', :summary), 'C') || setweight(to_tsvector('english', :body), 'D')")


def tsquery(terms: list[str], any_word: bool = False, prefix: bool = False) -> str:
    """to_tsquery syntax from folded words (letters and digits only): nothing typed is an
    operator. The last word is a prefix only while it is being typed (suggestions)."""
    parts = list(terms)
    if prefix:
        parts[-1] = f"{parts[-1]}:*"
    return (" | " if any_word else " & ").join(parts)


class PostgresBackend(SqlBackend):
    name = "postgresql"
    newest_order = "m.published_at DESC NULLS LAST, m.id DESC"
    joined_facets = "string_agg(m.facets, E'\\n')"
    relevance_order = "m.matched DESC, m.score DESC, m.id"
    stemmer = "english"  # Snowball's English, as to_tsvector('english', ...) stems

    facet_insert = ("INSERT INTO search_facets (doc_id, facet, value) VALUES (:doc_id, :facet, :value) "
                    "ON CONFLICT DO NOTHING")

    def delete_documents(self, ids: list[int]) -> None:
        db.session.execute(sa.text("DELETE FROM search_documents WHERE id = ANY(:ids)"), {"ids": ids})

    def insert_documents(self, rows: list[dict]) -> None:
        db.session.execute(sa.text(
            "INSERT INTO search_documents (id, kind, entry_id, title, topics, summary, body, published_at, tsv) "
            f"VALUES (:id, :kind, :entry_id, :title, :topics, :summary, :body, :published_at, {_VECTOR})"), rows)

    def matches_sql(self, query: SearchQuery, params: dict, scored: bool = True) -> str:
        where = filter_sql(query.filters, params)
        columns = f"{ENTRY_COLUMNS}, {_RANK if scored and query.terms else '0.0'} AS score"
        if not query.terms:
            return f"SELECT {columns}, 0 AS matched FROM search_entries e WHERE {where}"
        if query.min_match:
            # Any word finds the candidates (through the GIN index); each word's test counts.
            words = []
            for n, term in enumerate(query.terms):
                params[f"word{n}"] = tsquery([term])
                words.append(f"(d.tsv @@ to_tsquery('english', :word{n}))::int")
            params.update(tsquery=tsquery(query.terms, any_word=True), min_match=query.min_match)
            matched = " + ".join(words)
            return (f"SELECT {columns}, d.matched FROM (SELECT d.id, d.tsv, {matched} AS matched "
                    f"FROM search_documents d WHERE d.tsv @@ to_tsquery('english', :tsquery)) AS d "
                    f"JOIN search_entries e ON e.id = d.id WHERE d.matched >= :min_match AND {where}")
        params["tsquery"] = tsquery(query.terms)
        return (f"SELECT {columns}, {len(query.terms)} AS matched FROM search_documents d "
                f"JOIN search_entries e ON e.id = d.id WHERE d.tsv @@ to_tsquery('english', :tsquery) AND {where}")

    def title_prefix(self, terms: list[str], limit: int) -> list[Hit]:
        if not terms:
            return []
        rows = db.session.execute(sa.text(
            "SELECT d.kind, d.entry_id, ts_rank_cd(d.tsv, q) AS score FROM search_documents d, "
            "to_tsquery('english', :tsquery) q WHERE d.tsv @@ q AND "
            "to_tsvector('english', d.title) @@ q ORDER BY score DESC LIMIT :limit"),
            {"tsquery": tsquery(terms, prefix=True), "limit": limit}).all()
        return [Hit(r.kind, r.entry_id, float(r.score)) for r in rows]

