"""projects: assessments are yes, no or not stated

The DPIA, FRIA and bias-review columns were booleans defaulting to false, so an
unticked box was stored as "no" although nobody had said so. They become
nullable (NULL: not stated), and every stored false becomes NULL: until now
false was only ever the default, never a statement. True stays true. The
stored snapshots of projects (approved versions and proposed revisions) change
the same way, so that comparing them with the entry shows no change that nobody
made.

The downgrade makes them NOT NULL again, reading "not stated" as false, which is
what the earlier schema could store.

Revision ID: e5b2c7a1d9f3
Revises: d8a3b61e4f27
Create Date: 2026-12-04 17:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5b2c7a1d9f3'
down_revision = 'd8a3b61e4f27'
branch_labels = None
depends_on = None

ASSESSMENTS = ('dpia_done', 'fria_done', 'bias_review_done')

projects = sa.table('projects', *(sa.column(name, sa.Boolean()) for name in ASSESSMENTS))
SNAPSHOTS = tuple(sa.table(name, sa.column('id', sa.Integer()), sa.column('entry_kind', sa.String()),
                           sa.column('data', sa.JSON())) for name in ('revisions', 'entry_versions'))


def _rewrite_snapshots(old, new):
    """Replace the value `old` of each assessment by `new` in the projects' stored snapshots."""
    connection = op.get_bind()
    for table in SNAPSHOTS:
        rows = connection.execute(sa.select(table.c.id, table.c.data).where(table.c.entry_kind == 'project'))
        for row_id, data in rows.all():
            if not isinstance(data, dict):
                continue
            changed = {name: new for name in ASSESSMENTS if name in data and data[name] is old}
            if changed:
                connection.execute(table.update().where(table.c.id == row_id).values(data={**data, **changed}))


def upgrade():
    with op.batch_alter_table('projects') as batch_op:
        for name in ASSESSMENTS:
            batch_op.alter_column(name, existing_type=sa.Boolean(), nullable=True)
    for name in ASSESSMENTS:
        op.execute(projects.update().where(projects.c[name] == sa.false()).values({name: None}))
    _rewrite_snapshots(False, None)


def downgrade():
    _rewrite_snapshots(None, False)
    for name in ASSESSMENTS:
        op.execute(projects.update().where(projects.c[name].is_(None)).values({name: False}))
    with op.batch_alter_table('projects') as batch_op:
        for name in ASSESSMENTS:
            batch_op.alter_column(name, existing_type=sa.Boolean(), nullable=False)
