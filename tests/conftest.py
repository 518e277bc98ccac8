"""Test set-up: one database per run (a SQLite file, or a PostgreSQL database
created for the run and dropped after it when HUB_TEST_DATABASE_URL is set),
built by the migrations; each test runs in a transaction that is rolled back."""
from __future__ import annotations

import os
import re
import socket
import uuid
from email import policy
from email.parser import BytesParser
from pathlib import Path

import flask_babel
import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from config import TestingConfig
from hub import create_app
from hub.db import db

POSTGRES_URL = os.environ.get("HUB_TEST_DATABASE_URL")


def compile_catalogues() -> None:
    """Compile each language's messages.po whose .mo is missing or older, as `make test` does, so
    that `pytest` run directly shows translated pages too. Like `pybabel compile` without -f,
    fuzzy translations are left out. Written under another name first, then renamed, so that two
    test runs at once never read half a file."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in Path(TestingConfig.BABEL_TRANSLATION_DIRECTORIES).glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        # A translation with a wrong placeholder would break every page that shows it; left out, it
        # shows in English, and tests/web/test_translations.py names it (`make` refuses to compile it).
        for message in [message for message, errors in catalog.check() if errors]:
            catalog.delete(message.id, context=message.context)
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        os.replace(partial, mo_path)


def pytest_sessionstart(session):
    compile_catalogues()


def _admin_url(url: str) -> sa.URL:
    return sa.make_url(url)


def create_postgres_database(base_url: str) -> str:
    """A new, empty database on the server of base_url; skips the run if the server does not answer."""
    url = sa.make_url(base_url)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"hub_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        pytest.skip(f"PostgreSQL at {url.render_as_string(hide_password=True)} is not reachable, so the "
                    f"PostgreSQL run is SKIPPED: {str(error).splitlines()[0]}")
    finally:
        engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(base_url: str, url: str) -> None:
    engine = sa.create_engine(sa.make_url(base_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)')
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if POSTGRES_URL:
        url = create_postgres_database(POSTGRES_URL)
        yield url
        drop_postgres_database(POSTGRES_URL, url)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'hub-test.db'}"


@pytest.fixture(scope="session")
def fresh_database_url(tmp_path_factory):
    """Makes further empty databases of the same kind, for migration tests."""
    made = []

    def make() -> str:
        if POSTGRES_URL:
            url = create_postgres_database(POSTGRES_URL)
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp('fresh') / 'fresh.db'}"
        made.append(url)
        return url

    yield make
    if POSTGRES_URL:
        for url in made:
            drop_postgres_database(POSTGRES_URL, url)


class HubTestClient(FlaskClient):
    """Each request starts without the user, CSRF token and locale that
    Flask-Login, Flask-WTF and Flask-Babel cached on the app context (the tests keep one open across
    requests; in production every request has its own)."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        g.pop("csrf_token", None)
        flask_babel.refresh()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    outbox = tmp_path_factory.mktemp("outbox")
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, MAIL_OUTBOX_DIR=str(outbox),
                     SERVER_NAME="localhost")
    app.test_client_class = HubTestClient
    with app.app_context():
        from flask_migrate import upgrade

        from hub.directory.services import sync_topics

        upgrade()
        sync_topics()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Every test in a transaction of its own, rolled back at the end; code under
    test commits to savepoints inside it."""
    if "no_db_transaction" in request.keywords:
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(
            sessionmaker(bind=connection, class_=Session, join_transaction_mode="create_savepoint")
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            if outer.is_active:
                outer.rollback()
            connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


class Outbox:
    """The development outbox folder, read back as parsed messages."""

    def __init__(self, folder: Path):
        self.folder = folder

    def clear(self) -> None:
        for path in self.folder.glob("*.eml"):
            path.unlink()

    @property
    def messages(self):
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(p.read_bytes()) for p in sorted(self.folder.glob("*.eml"), key=os.path.getmtime)]

    def to(self, address: str):
        return [m for m in self.messages if m["To"] == address]

    def links(self, message) -> list[str]:
        return re.findall(r"https?://\S+", message.get_content())


@pytest.fixture
def outbox(app):
    box = Outbox(Path(app.config["MAIL_OUTBOX_DIR"]))
    box.clear()
    yield box
    box.clear()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def post_form(client, url: str, data: dict, page: str | None = None, prefix: str = "", **kwargs):
    """Load the page with the form (url, or `page`), then post `data` with its CSRF token
    (named `<prefix>-csrf_token` for prefixed forms)."""
    form_page = client.get(page or url)
    assert form_page.status_code == 200, f"{page or url} answered {form_page.status_code}"
    token_name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(url, data={token_name: csrf_token(form_page.get_data(as_text=True)), **data}, **kwargs)


def login_as(client, user) -> None:
    """Log a user in without the (slow, hashed) password form."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def free_port() -> int:
    """A loopback port nobody listens on now (for the test SMTP server and the browser tests' hub)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """A real SMTP server (aiosmtpd) on a free loopback port, that can be stopped and started
    again on the same port; `envelopes` holds what it received."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.envelopes = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.running = False

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self.controller.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False

    @property
    def messages(self):
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(e.content) for e in self.envelopes]

    def to(self, address: str):
        return [m for m, e in zip(self.messages, self.envelopes) if address in e.rcpt_tos]


@pytest.fixture
def smtp_server(app, monkeypatch):
    """The app sends through a real SMTP server on loopback for this test."""
    server = SmtpServer()
    server.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    yield server
    server.stop()
