"""search: a narrow row per document (kind, date, facets summed up) beside its text

Ranking, sorting and counting facets read only these few bytes per match; reading them
from search_documents meant reading past each document's long text (overflow pages on
SQLite), which cost more than the full-text match itself at 100,000 entries.

Revision ID: 7d4e2a91c0b8
Revises: 3fc9c4533bc9
Create Date: 2026-11-24 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7d4e2a91c0b8'
down_revision = '3fc9c4533bc9'
branch_labels = None
depends_on = None


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.create_table(
        'search_entries',
        # The same id as the document (its rowid on SQLite), deleted with it.
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  sa.ForeignKey('search_documents.id', ondelete='CASCADE'), primary_key=True, autoincrement=False),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        # "facet=value" per line, as hub.search.base.facet_summary() writes it.
        sa.Column('facets', sa.Text(), nullable=False, server_default=''),
    )
    op.create_index('ix_search_entries_published_at', 'search_entries', ['published_at'])
    op.create_index('ix_search_entries_kind', 'search_entries', ['kind', 'published_at'])
    summary = ("string_agg(f.facet || '=' || f.value, E'\\n' ORDER BY f.facet, f.value)" if postgres
               else "group_concat(f.facet || '=' || f.value, char(10))")
    op.execute(f"INSERT INTO search_entries (id, kind, entry_id, published_at, facets) "
               f"SELECT d.id, d.kind, d.entry_id, d.published_at, coalesce((SELECT {summary} FROM search_facets f "
               f"WHERE f.doc_id = d.id), '') FROM search_documents d")


def downgrade():
    op.drop_index('ix_search_entries_kind', 'search_entries')
    op.drop_index('ix_search_entries_published_at', 'search_entries')
    op.drop_table('search_entries')
