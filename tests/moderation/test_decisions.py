"""Moderation over HTTP: who may do what, forged and replayed requests, reports,
revisions that keep the public version, and two moderators deciding at once."""
from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from hub.accounts.models import Role
from hub.db import db
from hub.directory.models import EntryStatus
from hub.moderation.models import AuditEvent, Report, ReportStatus, RevisionStatus
from hub.moderation.services import open_revision, propose_revision
from hub.directory.services import input_for
from tests.conftest import csrf_token, login_as, post_form
from tests.factories import make_organisation, make_project, make_user


def html(response) -> str:
    return response.get_data(as_text=True)


def version_in(page: str) -> str:
    return re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)


@pytest.fixture
def world():
    owner = make_user(email="owner@museum.example")
    organisation = make_organisation(members=(owner,))
    return {"owner": owner, "organisation": organisation, "member": make_user(),
            "moderator": make_user(role=Role.MODERATOR), "admin": make_user(role=Role.ADMIN)}


def pending_project(world):
    return make_project(world["organisation"], owner=world["owner"], status=EntryStatus.PENDING)


def pending_revision(world):
    project = make_project(world["organisation"], owner=world["owner"], status=EntryStatus.PUBLISHED,
                           title="Published title")
    data = input_for(project)
    data.summary = "A proposed new summary."
    revision = propose_revision(world["owner"], project, data, submit=True)
    db.session.commit()
    return project, revision


def open_report(world):
    project = make_project(world["organisation"], owner=world["owner"], status=EntryStatus.PUBLISHED)
    report = Report(entry_kind="project", entry_id=project.id, category="inaccurate", message="Wrong year.")
    db.session.add(report)
    db.session.commit()
    return project, report


# --- the role matrix for every moderation page and action --------------------------------

PAGES = ["/moderation", "/moderation/log"]
ALLOWED = {"anonymous": False, "member": False, "owner": False, "moderator": True, "admin": True}


def as_actor(client, world, who):
    if who != "anonymous":
        login_as(client, world[who])


@pytest.mark.parametrize("who", list(ALLOWED))
@pytest.mark.parametrize("page", PAGES)
def test_moderation_pages_are_for_moderators(client, world, who, page):
    as_actor(client, world, who)
    response = client.get(page)
    if ALLOWED[who]:
        assert response.status_code == 200
    elif who == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("who", list(ALLOWED))
@pytest.mark.parametrize("what", ["entry", "revision", "report", "history"])
def test_every_decision_is_for_moderators_other_than_the_submitter(client, world, who, what):
    moderator_token = None
    login_as(client, world["moderator"])
    if what == "entry":
        project = pending_project(world)
        url, data = f"/moderation/project/{project.id}", {"decision": "approve"}
    elif what == "revision":
        project, revision = pending_revision(world)
        url, data = f"/moderation/revisions/{revision.id}", {"decision": "approve"}
    elif what == "report":
        project, report = open_report(world)
        url, data = f"/moderation/reports/{report.id}", {"decision": "dismiss"}
    else:
        project = pending_project(world)
        url, data = f"/moderation/project/{project.id}/history", None
    page = html(client.get(url))
    moderator_token = csrf_token(page) if data else None
    version = version_in(page) if data else None
    with client.session_transaction() as session:
        session.clear()
    as_actor(client, world, who)
    if data is None:
        response = client.get(url)
    else:
        token = csrf_token(html(client.get("/login"))) if who != "anonymous" else moderator_token
        response = client.post(url, data={**data, "version": version, "csrf_token": token})
    if ALLOWED[who]:
        assert response.status_code in (200, 302), html(response)
    else:
        # Anonymous: sent to log in, or refused by the CSRF check that runs first (no session).
        assert response.status_code in ((302, 400) if who == "anonymous" else (403,))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(["approve", "approve_revision", "dismiss_report"]))) == 0


@pytest.mark.parametrize("url", ["/moderation/project/999999", "/moderation/revisions/999999",
                                 "/moderation/reports/999999", "/moderation/plant/1", "/moderation/project/1/history"
                                 "x", "/moderation/expert/999999/history"])
def test_unknown_items_are_404(client, world, url):
    login_as(client, world["moderator"])
    assert client.get(url).status_code == 404


def test_a_decision_without_csrf_token_is_refused(client, world):
    project = pending_project(world)
    login_as(client, world["moderator"])
    page = html(client.get(f"/moderation/project/{project.id}"))
    response = client.post(f"/moderation/project/{project.id}", data={"decision": "approve",
                                                                       "version": version_in(page)})
    assert response.status_code == 400
    response = client.post(f"/moderation/project/{project.id}", data={
        "decision": "approve", "version": version_in(page), "csrf_token": "forged" + csrf_token(page)})
    assert response.status_code == 400
    db.session.refresh(project)
    assert project.status is EntryStatus.PENDING


def test_a_replayed_decision_is_409_and_sends_nothing_twice(client, world, outbox):
    project = pending_project(world)
    login_as(client, world["moderator"])
    url = f"/moderation/project/{project.id}"
    page = html(client.get(url))
    form = {"csrf_token": csrf_token(page), "version": version_in(page), "decision": "approve"}
    assert client.post(url, data=form).status_code == 302
    replay = client.post(url, data=form)
    assert replay.status_code == 409 and "already decided" in html(replay)
    other = make_user(role=Role.MODERATOR)
    login_as(client, other)
    late = client.post(url, data={**form, "decision": "reject", "reason": "Too late",
                                  "csrf_token": csrf_token(html(client.get(url)))})
    assert late.status_code == 409
    db.session.refresh(project)
    assert project.status is EntryStatus.PUBLISHED
    assert len(outbox.to("owner@museum.example")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.entry_id == project.id, AuditEvent.entry_kind == "project")) == 1


@pytest.mark.parametrize("decision", ["publish", "", "approve\x00", "💥", "request_changes" * 100])
def test_unknown_decisions_are_form_errors(client, world, decision):
    project = pending_project(world)
    login_as(client, world["moderator"])
    url = f"/moderation/project/{project.id}"
    page = html(client.get(url))
    response = client.post(url, data={"csrf_token": csrf_token(page), "version": version_in(page),
                                      "decision": decision, "reason": "<script>alert(1)</script>"})
    assert response.status_code == 422
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html(response)  # what was typed is kept, escaped
    db.session.refresh(project)
    assert project.status is EntryStatus.PENDING


def test_request_changes_without_reason_is_shown_next_to_the_field(client, world):
    project = pending_project(world)
    login_as(client, world["moderator"])
    response = post_form(client, f"/moderation/project/{project.id}", {
        "decision": "request_changes", "reason": "  ", "version": str(project.version_id)})
    assert response.status_code == 422 and 'id="reason-error"' in html(response)


# --- revisions -------------------------------------------------------------------------------


def test_a_revision_waits_while_the_published_version_stays_public(client, world, outbox):
    project, revision = pending_revision(world)
    assert project.summary != "A proposed new summary."
    assert "A proposed new summary." not in html(client.get(f"/projects/{project.slug}"))
    login_as(client, world["moderator"])
    page = html(client.get(f"/moderation/revisions/{revision.id}"))
    assert "<ins>" in page and "<del>" in page
    response = post_form(client, f"/moderation/revisions/{revision.id}", {
        "decision": "request_changes", "reason": "Keep the old first sentence.", "version": version_in(page)})
    assert response.status_code == 302
    db.session.refresh(revision)
    assert revision.status is RevisionStatus.CHANGES_REQUESTED
    assert "Changes requested to your edit" in outbox.to("owner@museum.example")[-1]["Subject"]
    db.session.refresh(project)
    assert project.summary != "A proposed new summary." and project.is_published


def test_rejecting_a_revision_keeps_the_published_version(client, world):
    project, revision = pending_revision(world)
    login_as(client, world["moderator"])
    post_form(client, f"/moderation/revisions/{revision.id}", {
        "decision": "reject", "reason": "Not accurate.", "version": str(revision.version_id)})
    db.session.refresh(project)
    db.session.refresh(revision)
    assert revision.status is RevisionStatus.REJECTED and project.is_published
    assert project.summary != "A proposed new summary." and open_revision(project) is None


def test_the_author_of_a_revision_cannot_approve_it(client, world):
    world["organisation"]  # the admin edits a member organisation's project
    project = make_project(world["organisation"], owner=world["owner"], status=EntryStatus.PUBLISHED)
    data = input_for(project)
    data.summary = "The admin's own change."
    revision = propose_revision(world["admin"], project, data, submit=True)
    db.session.commit()
    login_as(client, world["admin"])
    page = html(client.get(f"/moderation/revisions/{revision.id}"))
    assert "another moderator must review them" in page
    response = client.post(f"/moderation/revisions/{revision.id}", data={
        "csrf_token": csrf_token(page), "decision": "approve", "version": str(revision.version_id)})
    assert response.status_code == 403
    db.session.refresh(revision)
    assert revision.status is RevisionStatus.PENDING


# --- reports ----------------------------------------------------------------------------------


def test_a_visitor_reports_and_a_moderator_unpublishes(client, world, outbox):
    project = make_project(world["organisation"], owner=world["owner"], status=EntryStatus.PUBLISHED)
    page = html(client.get(f"/projects/{project.slug}"))
    assert f"/report/project/{project.slug}" in page
    response = post_form(client, f"/report/project/{project.slug}", {
        "category": "rights", "message": "It shows a visitor's face <img src=x onerror=alert(1)>."})
    assert response.status_code == 302
    report = db.session.scalar(sa.select(Report).where(Report.entry_id == project.id))
    assert report.reporter_id is None and report.status is ReportStatus.OPEN

    login_as(client, world["moderator"])
    assert "Handle the report" in html(client.get("/moderation"))
    page = html(client.get(f"/moderation/reports/{report.id}"))
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    missing_reason = client.post(f"/moderation/reports/{report.id}", data={
        "csrf_token": csrf_token(page), "decision": "unpublish", "reason": "", "version": version_in(page)})
    assert missing_reason.status_code == 422
    response = post_form(client, f"/moderation/reports/{report.id}", {
        "decision": "unpublish", "reason": "Personal data in the picture.", "version": version_in(page)})
    assert response.status_code == 302
    db.session.refresh(project)
    db.session.refresh(report)
    assert project.status is EntryStatus.ARCHIVED and report.status is ReportStatus.UNPUBLISHED
    assert "Unpublished" in outbox.to("owner@museum.example")[-1]["Subject"]
    with client.session_transaction() as session:
        session.clear()
    assert client.get(f"/projects/{project.slug}").status_code == 404


def test_dismissing_a_report_keeps_the_entry(client, world):
    project, report = open_report(world)
    login_as(client, world["moderator"])
    response = post_form(client, f"/moderation/reports/{report.id}", {
        "decision": "dismiss", "reason": "", "version": str(report.version_id)},
        page=f"/moderation/reports/{report.id}")
    assert response.status_code == 302
    db.session.refresh(report)
    db.session.refresh(project)
    assert report.status is ReportStatus.DISMISSED and project.is_published


@pytest.mark.parametrize(("category", "message"), [("", "x"), ("bogus", "x"), ("spam", ""), ("spam", "y" * 3001),
                                                   ("spam", "\x00\x01\x02"), ("other", "   ")])
def test_bad_reports_are_form_errors(client, world, category, message):
    project = make_project(world["organisation"], status=EntryStatus.PUBLISHED)
    response = post_form(client, f"/report/project/{project.slug}", {"category": category, "message": message})
    assert response.status_code == 422 and "There is a problem" in html(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


def test_only_published_entries_can_be_reported(client, world):
    project = pending_project(world)
    assert client.get(f"/report/project/{project.slug}").status_code == 404
    assert client.get("/report/plant/x").status_code == 404
    assert client.get("/report/project/no-such-project").status_code == 404


def test_reports_are_rate_limited(database_url, world):
    import uuid

    from config import TestingConfig
    from hub import create_app
    from tests.conftest import HubTestClient

    project = make_project(world["organisation"], status=EntryStatus.PUBLISHED)
    limited = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=True,
                         RATELIMIT_STORAGE_URI="memory://", RATELIMIT_KEY_PREFIX=f"hub-test-{uuid.uuid4().hex}",
                         SERVER_NAME="localhost")
    limited.test_client_class = HubTestClient
    with limited.app_context():
        client = limited.test_client()
        statuses = [post_form(client, f"/report/project/{project.slug}", {
            "category": "spam", "message": f"Report {n}"}).status_code for n in range(7)]
    assert statuses[:5] == [302] * 5 and statuses[5:] == [429, 429]


# --- two moderators at once, on real separate connections ------------------------------------


@pytest.mark.no_db_transaction
def test_two_moderators_deciding_at_once_one_wins(fresh_database_url, tmp_path):
    """Both load the pending entry, then both decide: exactly one decision,
    one audit row and one mail; the other gets 'already decided'."""
    from flask_migrate import upgrade

    from config import TestingConfig
    from hub import create_app
    from hub.directory.services import sync_topics
    from hub.errors import Conflict
    from hub.moderation.services import change_status
    from tests.conftest import Outbox

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=fresh_database_url(), MAIL_OUTBOX_DIR=str(tmp_path),
                     SERVER_NAME="localhost")
    with app.app_context():
        upgrade()
        sync_topics()
        owner = make_user(email="racer@museum.example")
        first, second = make_user(role=Role.MODERATOR), make_user(role=Role.MODERATOR)
        project_id = make_project(make_organisation(members=(owner,)), owner=owner, status=EntryStatus.PENDING).id
        ids = (first.id, second.id)
        db.session.remove()

    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def decide(moderator_id: int, decision: str) -> None:
        from hub.accounts.models import User
        from hub.directory.models import Project

        with app.app_context():
            moderator = db.session.get(User, moderator_id)
            project = db.session.get(Project, project_id)
            seen = project.version_id
            barrier.wait()  # both have read the pending entry
            try:
                change_status(moderator, project, decision, reason="Race.", expected_version=seen)
                db.session.commit()
                outcomes[moderator_id] = "decided"
            except (Conflict, sa.exc.OperationalError) as error:
                db.session.rollback()
                outcomes[moderator_id] = f"refused: {error}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(ids[0], "approve")),
               threading.Thread(target=decide, args=(ids[1], "reject"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(o.split(":")[0] for o in outcomes.values()) == ["decided", "refused"], outcomes
    with app.app_context():
        from hub.directory.models import Project

        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.entry_id == project_id, AuditEvent.action.in_(["approve", "reject"]))) == 1
        status = db.session.get(Project, project_id).status
        assert status in (EntryStatus.PUBLISHED, EntryStatus.REJECTED)
        assert len(Outbox(tmp_path).to("racer@museum.example")) == 1
        db.session.remove()
        db.engine.dispose()


def test_a_moderator_unpublishes_with_a_reason_from_the_entry_page(client, world, outbox):
    project = make_project(world["organisation"], owner=world["owner"], status=EntryStatus.PUBLISHED)
    login_as(client, world["moderator"])
    page = html(client.get(f"/projects/{project.slug}"))
    assert f"/moderation/project/{project.id}/unpublish" in page
    url = f"/moderation/project/{project.id}/unpublish"
    assert post_form(client, url, {"reason": "", "version": str(project.version_id)}).status_code == 422
    response = post_form(client, url, {"reason": "The project page is gone.", "version": str(project.version_id)})
    assert response.status_code == 302
    db.session.refresh(project)
    assert project.status is EntryStatus.ARCHIVED
    assert "The project page is gone." in outbox.to("owner@museum.example")[-1].get_content()
    login_as(client, world["member"])
    assert client.get(url).status_code == 403
