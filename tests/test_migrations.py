"""The schema comes only from migrations: `upgrade` from empty gives exactly
the models, and `downgrade base` undoes everything (on SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from config import TestingConfig
from hub import create_app
from hub.db import db

pytestmark = pytest.mark.no_db_transaction


def _not_hand_made(name, type_, parent_names):
    return not (type_ == "table" and name and name.startswith("search_"))


def test_upgrade_from_empty_matches_the_models_and_downgrade_undoes_it(fresh_database_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=fresh_database_url())
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "include_name": _not_hand_made, "render_as_batch": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"

        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version"}

        upgrade()  # and back up again: downgrade left nothing behind that blocks it
        with db.engine.connect() as connection:
            assert "projects" in sa.inspect(connection).get_table_names()
        db.engine.dispose()


BEFORE_ANSWERS = "d8a3b61e4f27"  # the last revision where assessments were plain booleans


def test_assessments_become_not_stated_where_only_the_default_no_was_stored(fresh_database_url):
    """False was the form's default, never a statement: it becomes NULL (not stated); True
    stays; the projects' stored snapshots change alike; the downgrade turns NULL back into False."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=fresh_database_url())
    now = sa.func.now()
    with app.app_context():
        upgrade(revision=BEFORE_ANSWERS)
        meta = sa.MetaData()
        meta.reflect(bind=db.engine, only=["projects", "revisions", "entry_versions"])
        projects, revisions, versions = (meta.tables[n] for n in ("projects", "revisions", "entry_versions"))
        rows = {"all-said": (True, True, True), "nothing-said": (False, False, False), "mixed": (True, False, True)}
        with db.engine.begin() as connection:
            for slug, (dpia, fria, bias) in rows.items():
                connection.execute(projects.insert().values(
                    slug=slug, title=slug, summary="S.", description="D.", stage="pilot", languages=[],
                    risk_level="not-assessed", dpia_done=dpia, fria_done=fria, bias_review_done=bias,
                    status="published", created_at=now, updated_at=now, content_language="en", version_id=1))
            snapshot = {"title": "mixed", "dpia_done": True, "fria_done": False, "bias_review_done": False}
            connection.execute(versions.insert().values(entry_kind="project", entry_id=1, number=1, title="mixed",
                                                        data=snapshot, approved_at=now))
            connection.execute(revisions.insert().values(entry_kind="project", entry_id=1, data=snapshot,
                                                         status="draft", created_at=now, updated_at=now,
                                                         version_id=1))
            # Another kind's snapshot is left alone, whatever it holds.
            connection.execute(versions.insert().values(entry_kind="expert", entry_id=1, number=1, title="x",
                                                        data={"open_to_contact": False}, approved_at=now))

        def answers():
            with db.engine.connect() as connection:
                stored = {row.slug: (row.dpia_done, row.fria_done, row.bias_review_done) for row in
                          connection.execute(sa.select(projects))}
                snapshots = [(row.entry_kind, row.data) for row in connection.execute(
                    sa.select(versions.c.entry_kind, versions.c.data).order_by(versions.c.id))]
                snapshots += [("revision", connection.execute(sa.select(revisions.c.data)).scalar_one())]
            return stored, snapshots

        upgrade()
        stored, snapshots = answers()
        assert stored == {"all-said": (True, True, True), "nothing-said": (None, None, None),
                          "mixed": (True, None, True)}
        not_stated = {"title": "mixed", "dpia_done": True, "fria_done": None, "bias_review_done": None}
        assert snapshots == [("project", not_stated), ("expert", {"open_to_contact": False}),
                             ("revision", not_stated)]

        downgrade(revision=BEFORE_ANSWERS)
        stored, snapshots = answers()
        assert stored == {"all-said": (True, True, True), "nothing-said": (False, False, False),
                          "mixed": (True, False, True)}
        assert snapshots[0] == ("project", snapshot) and snapshots[2] == ("revision", snapshot)
        with db.engine.connect() as connection:
            columns = {c["name"]: c for c in sa.inspect(connection).get_columns("projects")}
        assert not columns["dpia_done"]["nullable"]
        db.engine.dispose()
