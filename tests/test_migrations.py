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
