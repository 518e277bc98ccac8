"""search index

Hand-written: the tables of the search index (hidden from autogenerate by
their "search_" prefix in env.py) and each engine's full-text structure.
SQLite: an FTS5 table over search_documents, kept in step by triggers.
PostgreSQL: a weighted tsvector column with a GIN index.

Revision ID: 5b7c1d2e9f30
Revises: a056a9e29ef9
Create Date: 2026-11-24 14:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5b7c1d2e9f30'
down_revision = 'a056a9e29ef9'
branch_labels = None
depends_on = None


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        'search_documents',
        # Ids are chosen by the indexer (kind code * 10^10 + entry id), so bulk writes need no RETURNING.
        # INTEGER on SQLite: only that spelling makes the column the rowid that FTS5 refers to.
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), primary_key=True,
                  autoincrement=False),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('topics', sa.Text(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint('kind', 'entry_id', name='uq_search_documents_entry'),
    )
    op.create_index('ix_search_documents_published_at', 'search_documents', ['published_at'])
    op.create_table(
        'search_facets',
        sa.Column('doc_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.ForeignKey('search_documents.id', ondelete='CASCADE'), nullable=False),
        sa.Column('facet', sa.String(20), nullable=False),
        sa.Column('value', sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint('doc_id', 'facet', 'value', name='pk_search_facets'),
    )
    op.create_index('ix_search_facets_value', 'search_facets', ['facet', 'value', 'doc_id'])
    # What visitors look for, counted without anything about who looked.
    op.create_table(
        'search_queries',
        sa.Column('query', sa.String(200), primary_key=True),
        sa.Column('searches', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('without_results', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('last_searched_on', sa.Date(), nullable=True),
    )
    if postgres:
        op.execute("ALTER TABLE search_documents ADD COLUMN tsv tsvector NOT NULL DEFAULT ''::tsvector")
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING GIN (tsv)")
    else:
        op.execute("""
            CREATE VIRTUAL TABLE search_fts USING fts5(
                title, topics, summary, body,
                content='search_documents', content_rowid='id',
                tokenize='porter unicode61 remove_diacritics 2', prefix='2 3')""")
        op.execute("""
            CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
                INSERT INTO search_fts(rowid, title, topics, summary, body)
                VALUES (new.id, new.title, new.topics, new.summary, new.body);
            END""")
        op.execute("""
            CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
                INSERT INTO search_fts(search_fts, rowid, title, topics, summary, body)
                VALUES ('delete', old.id, old.title, old.topics, old.summary, old.body);
            END""")
        op.execute("""
            CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
                INSERT INTO search_fts(search_fts, rowid, title, topics, summary, body)
                VALUES ('delete', old.id, old.title, old.topics, old.summary, old.body);
                INSERT INTO search_fts(rowid, title, topics, summary, body)
                VALUES (new.id, new.title, new.topics, new.summary, new.body);
            END""")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table('search_queries')
    op.drop_index('ix_search_facets_value', table_name='search_facets')
    op.drop_table('search_facets')
    op.drop_index('ix_search_documents_published_at', table_name='search_documents')
    op.drop_table('search_documents')
