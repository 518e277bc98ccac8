"""projects and resources: the public page their facts were read from (source_url)

A demo or imported entry names its source, shown on its page as "Source", so a
reader can check every fact. Entries submitted through the forms have none.

Revision ID: e5a1c3d7f912
Revises: e5b2c7a1d9f3
Create Date: 2026-12-04 17:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5a1c3d7f912'
down_revision = 'e5b2c7a1d9f3'
branch_labels = None
depends_on = None

TABLES = ('projects', 'resources')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('source_url', sa.String(length=500), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('source_url')
