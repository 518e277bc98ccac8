"""Database plumbing shared by every domain: the metadata naming convention,
SQLite connection settings, the unit-of-work helper and after-commit hooks."""
from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# Named constraints, so that migrations can drop and alter them on every database.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

db = SQLAlchemy(metadata=metadata)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores UTC and always gives back an aware datetime (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use hub.db.utcnow()")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy issue BEGIN itself, so that SAVEPOINT works (pysqlite's own
    # transaction handling breaks it), then turn on what SQLite leaves off.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # The default page cache (about 2 MB) makes every search reread the index from the OS:
        # 64 MB of cache and memory-mapped reads keep the search tables hot.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA mmap_size=268435456")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


# --- after-commit hooks -----------------------------------------------------
# Side effects (mail, reindexing) are registered during the work and run only
# once the transaction has committed, so a rollback never sends a mail.

_HOOKS_KEY = "hub_after_commit"


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` after the current transaction of db.session commits."""
    db.session.info.setdefault(_HOOKS_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit_hooks(session: Session) -> None:
    hooks = session.info.pop(_HOOKS_KEY, [])
    for hook in hooks:
        try:
            hook()
        except Exception:  # a failed side effect must not undo a committed write
            log.exception("after-commit hook %r failed", hook)


@event.listens_for(Session, "after_rollback")
def _drop_after_commit_hooks(session: Session) -> None:
    session.info.pop(_HOOKS_KEY, None)


# --- one place commits ------------------------------------------------------


def discard_after_commit_hooks() -> None:
    db.session.info.pop(_HOOKS_KEY, None)


@contextmanager
def transaction() -> Iterator[Session]:
    """Commit the work done inside the block once, or roll it back whole."""
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        # A block that failed before touching the database has no transaction to
        # roll back, so no rollback event fires: drop its side effects here.
        discard_after_commit_hooks()
        raise


@contextmanager
def separate_transaction() -> Iterator[Session]:
    """A short transaction of its own beside db.session's: another connection of the pool (in
    tests, a savepoint of the test's connection). For writes that must neither wait for the
    request's work nor hold it up, such as marking a mail sent after the request committed or
    counting a search. On SQLite it matters: a transaction that has read cannot start writing
    while another connection writes (it fails at once as "database is locked"); one that starts
    with its write waits its turn."""
    with Session(bind=db.session.get_bind(), join_transaction_mode="create_savepoint") as session, session.begin():
        yield session


def transactional(view: Callable) -> Callable:
    """Decorator form of `transaction()` for views and CLI commands."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with transaction():
            return view(*args, **kwargs)

    return wrapper
