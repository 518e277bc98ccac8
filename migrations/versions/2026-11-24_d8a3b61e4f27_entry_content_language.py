"""entries: the language of their own text, for the lang attribute of pages

Existing entries were written in English (the demo directory, the imports so far).

Revision ID: d8a3b61e4f27
Revises: c41f0a7d2b55
Create Date: 2026-11-24 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd8a3b61e4f27'
down_revision = 'c41f0a7d2b55'
branch_labels = None
depends_on = None

TABLES = ('organisations', 'projects', 'experts', 'resources')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('content_language', sa.String(length=8), server_default='en',
                                          nullable=False))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('content_language')
