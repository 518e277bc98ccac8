"""The whole review journey through the web, as a member and a moderator live it:
submit, changes requested, resubmit, approve, public; edit, the public still sees the
old version until the revision is approved; mails and audit rows on the way."""
from __future__ import annotations

import re

import sqlalchemy as sa

from hub.accounts.models import Role
from hub.db import db
from hub.directory.models import EntryStatus, Project
from hub.moderation.models import AuditEvent, EntryVersion
from tests.conftest import csrf_token, login_as, post_form
from tests.factories import make_organisation, make_user

PROJECT = {"summary": "Reads old handwriting.", "description": "We transcribe *letters*.", "stage": "pilot",
           "techniques": ["text-recognition"], "risk_level": "minimal", "country": ""}


def html(response) -> str:
    return response.get_data(as_text=True)


def decide(client, url: str, decision: str, reason: str = ""):
    return post_form(client, url, {"decision": decision, "reason": reason,
                                   "version": re.search(r'name="version"[^>]*value="(\d+)"',
                                                        html(client.get(url))).group(1)})


def log_out(client) -> None:
    with client.session_transaction() as session:
        session.clear()


def actions_on(project) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.entry_kind == "project", AuditEvent.entry_id == project.id).order_by(AuditEvent.id)))


def test_submit_request_changes_resubmit_approve_edit_approve_revision(client, outbox):
    member = make_user(name="Mia Member", email="mia@museum.example")
    moderator = make_user(role=Role.MODERATOR, name="Mo Moderator")
    organisation = make_organisation(members=(member,), name="Rijksmuseum Test")

    # The member submits a new project.
    login_as(client, member)
    response = post_form(client, "/submit/project", {**PROJECT, "title": "Letters of the Golden Age",
                                                      "lead_organisation_id": organisation.id, "submit": "1"})
    assert response.status_code == 302, html(response)
    project = db.session.scalar(sa.select(Project).where(Project.title == "Letters of the Golden Age"))
    assert project.status is EntryStatus.PENDING
    log_out(client)
    assert client.get(f"/projects/{project.slug}").status_code == 404  # not public yet

    # The moderator finds it in the queue and asks for changes, with a reason.
    login_as(client, moderator)
    queue = html(client.get("/moderation"))
    assert "Letters of the Golden Age" in queue and "Mia Member" in queue
    review_url = f"/moderation/project/{project.id}"
    response = decide(client, review_url, "request_changes", "Say which archive the letters come from <b>please</b>.")
    assert response.status_code == 302, html(response)
    db.session.refresh(project)
    assert project.status is EntryStatus.CHANGES_REQUESTED
    [mail] = outbox.to("mia@museum.example")
    assert "Changes requested" in mail["Subject"] and "which archive" in mail.get_content()

    # The member reads the reason (escaped), fixes the project and submits again.
    login_as(client, member)
    page = html(client.get("/account/submissions"))
    assert "Say which archive the letters come from &lt;b&gt;please&lt;/b&gt;." in page
    response = post_form(client, f"/edit/project/{project.id}", {
        **PROJECT, "title": "Letters of the Golden Age", "data_sources": "Letters from the Noord-Hollands Archief.",
        "lead_organisation_id": organisation.id, "submit": "1"})
    assert response.status_code == 302, html(response)
    db.session.refresh(project)
    assert project.status is EntryStatus.PENDING

    # The moderator approves; the public sees it.
    login_as(client, moderator)
    assert decide(client, review_url, "approve").status_code == 302
    db.session.refresh(project)
    assert project.status is EntryStatus.PUBLISHED and project.published_at and project.reviewed_at
    assert "Published" in outbox.to("mia@museum.example")[-1]["Subject"]
    log_out(client)
    public = html(client.get(f"/projects/{project.slug}"))
    assert "Letters of the Golden Age" in public

    # The member edits the published project: the public keeps the old version.
    login_as(client, member)
    response = post_form(client, f"/edit/project/{project.id}", {
        **PROJECT, "title": "Letters of the Golden Age", "summary": "Reads old handwriting, now in three languages.",
        "data_sources": "Letters from the Noord-Hollands Archief.", "lead_organisation_id": organisation.id,
        "submit": "1"})
    assert response.status_code == 302, html(response)
    log_out(client)
    public = html(client.get(f"/projects/{project.slug}"))
    assert "Reads old handwriting." in public and "three languages" not in public

    # The moderator sees the field-by-field difference and approves the revision.
    login_as(client, moderator)
    queue = html(client.get("/moderation"))
    revision_url = re.search(r'href="(/moderation/revisions/\d+)"', queue).group(1)
    page = html(client.get(revision_url))
    assert "<ins>" in page and "three" in page and "Summary" in page
    assert decide(client, revision_url, "approve").status_code == 302
    log_out(client)
    assert "now in three languages" in html(client.get(f"/projects/{project.slug}"))
    assert "Your changes are published" in outbox.to("mia@museum.example")[-1]["Subject"]

    # The whole story is in the audit log, one row per action, and every approval is a version.
    assert actions_on(project) == ["create", "submit", "request_changes", "submit", "approve", "submit_revision",
                                   "approve_revision"]
    versions = db.session.scalars(sa.select(EntryVersion).where(EntryVersion.entry_id == project.id,
                                                                EntryVersion.entry_kind == "project")
                                  .order_by(EntryVersion.number)).all()
    assert [v.number for v in versions] == [1, 2]
    assert "three languages" in versions[1].data["summary"] and "three" not in versions[0].data["summary"]
    login_as(client, moderator)
    history = html(client.get(f"/moderation/project/{project.id}/history"))
    assert "requested changes" in history and "Version 2" in history
    log = html(client.get("/moderation/log"))
    assert "approved changes" in log and "Letters of the Golden Age" in log
    assert len(outbox.to("mia@museum.example")) == 3


def test_the_waiting_count_is_in_the_moderators_navigation(client):
    moderator = make_user(role=Role.MODERATOR)
    member = make_user()
    organisation = make_organisation(members=(member,))
    from tests.factories import make_project

    make_project(organisation, owner=member, status=EntryStatus.PENDING)
    make_project(organisation, owner=member, status=EntryStatus.PENDING)
    login_as(client, moderator)
    page = html(client.get("/"))
    count = re.search(r'Review queue <span class="count-badge">(\d+)', page)
    assert count and int(count.group(1)) >= 2
    login_as(client, member)
    assert "Review queue" not in html(client.get("/"))


def test_a_page_without_a_form_version_is_refused(client):
    """A decision posted without the version it was based on is treated as stale."""
    moderator, member = make_user(role=Role.MODERATOR), make_user()
    from tests.factories import make_project

    project = make_project(make_organisation(members=(member,)), owner=member, status=EntryStatus.PENDING)
    login_as(client, moderator)
    url = f"/moderation/project/{project.id}"
    token = csrf_token(html(client.get(url)))
    response = client.post(url, data={"csrf_token": token, "decision": "approve"})
    assert response.status_code == 409
    db.session.refresh(project)
    assert project.status is EntryStatus.PENDING
