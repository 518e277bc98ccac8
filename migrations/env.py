"""Alembic environment, run through Flask-Migrate (`flask db ...`)."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name:
    # Keep the app's own loggers working when migrations run inside a process.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db

# Tables made by hand-written migrations and unknown to the models (the search
# index's virtual tables): autogenerate must neither drop nor diff them.
HAND_MADE_TABLE_PREFIXES = ("search_",)


def include_name(name, type_, parent_names):
    if type_ == "table" and name and name.startswith(HAND_MADE_TABLE_PREFIXES):
        return False
    return True


def render_item(type_, obj, autogen_context):
    # Migrations must not import the app's column types: render them as plain SQLAlchemy.
    from hub.db import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def process_revision_directives(context_, revision, directives):
    # No empty revision files from `flask db migrate` when nothing changed.
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    context.configure(url=str(db.engine.url), target_metadata=db.metadata, literal_binds=True,
                      include_name=include_name, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_item", render_item)
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations copy tables; foreign keys must be off meanwhile (only
            # possible outside a transaction, hence on the driver connection).
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=db.metadata, include_name=include_name,
                              **conf_args)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            if sqlite:
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
