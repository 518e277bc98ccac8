"""Real-browser tests: the hub served by a threaded werkzeug server on a free loopback port,
driven by Playwright with Debian's Chromium (never a downloaded browser), checked by axe-core
from npm.

One server, one database (a SQLite file, or a PostgreSQL database of its own when
HUB_TEST_DATABASE_URL is set, as in tests/conftest.py) and one browser serve the whole
package; every test gets new browser contexts (their own cookies). The database holds the demo
directory and a few seeded people and entries; tests add what they change under names of their
own, so they do not depend on each other's order. Unlike the rest of the suite nothing is
rolled back: the browser talks to another thread, which sees only committed data.

Without Playwright or chromium every test here is SKIPPED with the reason, and without
node_modules/axe-core the axe tests are; never passed silently.
"""
from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler

from tests.browser.helpers import (
    AXE_JS, CHROMIUM, CHROMIUM_ARGS, LiveHub, Person, axe_missing, browser_missing, log_in_with_cookie,
)
from tests.conftest import POSTGRES_URL, Outbox, create_postgres_database, drop_postgres_database, free_port


def pytest_collection_modifyitems(config, items):
    """Skip, with the reason, before any fixture starts a server or a browser."""
    here = Path(__file__).parent
    missing_browser, missing_axe = browser_missing(), axe_missing()
    for item in items:
        if here not in item.path.parents:
            continue
        if missing_browser:
            item.add_marker(pytest.mark.skip(reason=missing_browser))
        elif missing_axe and "axe" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=missing_axe))


@pytest.fixture(autouse=True)
def _transaction():
    """Replaces the suite's per-test rollback here: the server's thread commits for real."""
    yield


class _QuietHandler(WSGIRequestHandler):
    """No line per request in the output (the migrations' logging set-up turns INFO on)."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def _seed(hub: LiveHub) -> None:
    """The demo directory, the people of the tests, and entries in the states the pages need."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from hub.accounts.services import _reset_fingerprint, _serializer
    from hub.contact import services as contact
    from hub.contact.models import Message
    from hub.db import db, transaction
    from hub.directory import demo
    from hub.directory.models import EntryStatus, Expert, Project, Resource
    from hub.directory import services
    from hub.directory.services import sync_topics
    from hub.moderation import services as moderation
    from tests.factories import make_expert, make_organisation, make_project, make_user

    with hub.app.app_context():
        upgrade()
        with transaction():
            sync_topics()
            demo.load_demo()
        admin = make_user("admin", email="ada.admin@hub.example", name="Ada Admin")
        moderator = make_user("moderator", email="max.moderator@hub.example", name="Max Moderator")
        member = make_user("member", email="mia.member@museum.example", name="Mia Member")
        colleague = make_user("member", email="carl.colleague@museum.example", name="Carl Colleague")
        museum = make_organisation(members=(member, colleague), name="Seed Museum of Browsing", country="NL",
                                   owner=member)
        expert = make_expert(user=member, organisation=museum, topics=("text-recognition",))
        published = make_project(museum, owner=member, title="Seed project on handwritten text recognition",
                                 topics=("text-recognition",), country="NL")
        published.contacts = [expert]
        pending = make_project(museum, owner=member, status=EntryStatus.PENDING, title="Seed pending project")
        changed = make_project(museum, owner=member, title="Seed project with proposed changes")
        db.session.commit()
        # Changes to a published entry, waiting for review: a revision (the moderators' diff page).
        with hub.app.test_request_context("/", base_url=hub.base_url), transaction():
            proposal = services.input_for(changed)
            proposal.summary = "Finds ships, sails and harbours in pictures."
            revision = moderation.save_entry(colleague, "project", proposal, changed, submit=True).revision
        for key, user in (("admin", admin), ("moderator", moderator), ("member", member),
                          ("colleague", colleague)):
            hub.people[key] = Person(user.id, user.email, user.display_name)

        # A message in the member's inbox.
        with hub.app.test_request_context("/", base_url=hub.base_url), transaction():
            contact.send_message(None, expert, contact.ContactInput(
                name="Vera Visitor", email="vera.visitor@example.org", subject="Your seed project",
                body="Could we talk about your text recognition work?", share_email=False))
        message = db.session.scalar(sa.select(Message).order_by(Message.id.desc()).limit(1))
        reset_token = _serializer("reset-password").dumps({"uid": colleague.id, "fp": _reset_fingerprint(colleague)})

        def first(model):
            return db.session.scalar(sa.select(model).where(model.status == EntryStatus.PUBLISHED)
                                     .order_by(model.id).limit(1))

        demo_expert = db.session.scalar(sa.select(Expert).where(Expert.is_example.is_(True)).order_by(Expert.id))
        hub.paths.update({
            "project": f"/projects/{published.slug}", "demo-project": f"/projects/{first(Project).slug}",
            "expert": f"/experts/{demo_expert.slug}", "own-expert": f"/experts/{expert.slug}",
            "resource": f"/resources/{first(Resource).slug}", "organisation": f"/organisations/{museum.slug}",
            "topic": "/topics/technique/text-recognition", "country": "/countries/FR",
            "review": f"/moderation/project/{pending.id}", "contact": f"/contact/project/{published.slug}",
            "report": f"/report/project/{published.slug}", "reset": f"/reset-password/{reset_token}",
            "message": f"/account/messages/{message.id}", "admin-user": f"/admin/users/{member.id}",
            "revision": f"/moderation/revisions/{revision.id}",
            "history": f"/moderation/project/{published.id}/history",
        })
        hub.titles.update({"project": published.title, "pending": pending.title, "organisation": museum.name})
        db.session.remove()


@pytest.fixture(scope="package")
def hub(tmp_path_factory):
    """The app on a free loopback port, with CSRF and rate limits on as in production. Mail goes
    to the development outbox (a folder of .eml files)."""
    from werkzeug.serving import make_server

    from config import TestingConfig
    from hub import create_app
    from hub.db import db
    from hub.extensions import limiter

    if POSTGRES_URL:
        database_url = create_postgres_database(POSTGRES_URL)
    else:
        database_url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'hub-browser.db'}"
    outbox = tmp_path_factory.mktemp("browser-outbox")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    # TestingConfig keeps CONTACT_MIN_SECONDS at 0: a test fills the contact form faster than a person.
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, MAIL_OUTBOX_DIR=str(outbox),
                     PUBLIC_URL=base_url, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True,
                     RATELIMIT_KEY_PREFIX=f"browser-{uuid.uuid4().hex}")
    live = LiveHub(app=app, base_url=base_url, outbox=Outbox(outbox))
    try:
        _seed(live)
        server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, name="hub-live-server", daemon=True)
        thread.start()
        try:
            yield live
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
    finally:
        # One limiter object serves every app of the run: the main suite's tests expect it off.
        limiter.enabled = False
        with app.app_context():
            db.engine.dispose()
        if POSTGRES_URL:
            drop_postgres_database(POSTGRES_URL, database_url)


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser, hub):
    """Makes browser contexts (a new visitor each) that record every request: a request to
    another host fails the test that made it."""
    from hub.extensions import limiter

    limiter.reset()  # every test is a new visitor; the limits themselves stay on
    contexts, foreign = [], []

    def make(width: int = 1280, height: int = 900, login: str | None = None, language: str | None = None):
        context = browser.new_context(base_url=hub.base_url, viewport={"width": width, "height": height},
                                      locale="en-GB")
        context.set_default_timeout(10_000)
        context.on("request", lambda request: None if hub.is_own(request.url) else foreign.append(request.url))
        if language:
            context.add_cookies([{"name": "hub_lang", "value": language, "url": hub.base_url}])
        if login:
            log_in_with_cookie(context, hub, hub.people[login])
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not foreign, f"requests to other hosts: {foreign}"


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture(scope="package")
def axe() -> str:
    return AXE_JS.read_text(encoding="utf-8")
