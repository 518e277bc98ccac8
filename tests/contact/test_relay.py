"""Contact through the hub, with a real SMTP server on loopback: who receives a message,
Reply-To with and without consent, answers relayed through the hub, the outbox that keeps
what could not be sent, the inbox, spam reports and the retention purge."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub.accounts.models import Role
from hub.contact import outbox
from hub.contact import services as contact
from hub.contact.models import BlockedSender, Message, MessageReply, OutboxMail
from hub.db import db, transaction, utcnow
from hub.directory.models import EntryStatus
from hub.errors import InvalidInput, NotFound, PermissionDenied
from tests.conftest import SmtpServer, csrf_token, login_as, post_form
from tests.factories import make_expert, make_organisation, make_project, make_resource, make_user

VISITOR = "visitor@library.example"


def contact_form(client, entry, **fields):
    """Fill in and send an entry's contact form as a visitor would (with the form's hidden fields)."""
    url = f"/contact/{entry.kind}/{entry.slug}"
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "started": hidden_value(page, "started"), "name": "Ana Visitor",
            "email": VISITOR, "subject": "Your HTR pipeline",
            "body": "Could we compare notes on your handwriting recognition work?", **fields}
    return client.post(url, data=data)


def logout(client) -> None:
    with client.session_transaction() as session:
        session.clear()


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    assert match, f"no {name} field in the page"
    return match.group(1)


def project_with_contact_person(**user_fields):
    person = make_user(name="Piet Contact", email="piet.contact@rijks.example", **user_fields)
    expert = make_expert(user=person)
    project = make_project(title="Handwriting at scale")
    project.contacts = [expert]
    db.session.commit()
    return project, person


def test_a_visitor_writes_the_contact_person_answers_and_no_page_shows_an_address(client, smtp_server):
    project, person = project_with_contact_person()

    page = client.get(f"/projects/{project.slug}").get_data(as_text=True)
    assert "Write to the project team" in page
    form_page = client.get(f"/contact/project/{project.slug}").get_data(as_text=True)
    response = contact_form(client, project)
    assert response.status_code == 302, response.get_data(as_text=True)

    [mail] = smtp_server.to(person.email)
    assert mail["Reply-To"] is None  # no consent: the visitor's address stays with the hub
    body = mail.get_content()
    assert "Ana Visitor" in body and "Handwriting at scale" in body and "Could we compare notes" in body
    assert VISITOR not in body and VISITOR not in str(mail)
    [copy] = smtp_server.to(VISITOR)
    assert "Could we compare notes" in copy.get_content()
    assert person.email not in str(copy)

    # The contact person answers in the hub; the visitor receives the answer, not the address.
    login_as(client, person)
    inbox = client.get("/account/messages").get_data(as_text=True)
    assert "Your HTR pipeline" in inbox
    message = db.session.scalar(sa.select(Message))
    answer = post_form(client, f"/account/messages/{message.id}", {"body": "Gladly: shall we call on Monday?"})
    assert answer.status_code == 302
    [relayed] = [m for m in smtp_server.to(VISITOR) if "Monday" in m.get_content()]
    assert relayed["Reply-To"] is None
    assert person.email not in str(relayed)
    assert "Piet Contact" in relayed.get_content()
    assert db.session.get(Message, message.id).recipients[0].handled_at is not None

    for html in (page, form_page, inbox, client.get(f"/account/messages/{message.id}").get_data(as_text=True)):
        assert person.email not in html


def test_with_consent_the_recipient_can_reply_directly(client, smtp_server):
    project, person = project_with_contact_person()
    contact_form(client, project, share_email="y")
    [mail] = smtp_server.to(person.email)
    assert mail["Reply-To"] == f"Ana Visitor <{VISITOR}>"
    message = db.session.scalar(sa.select(Message))
    assert message.share_email and message.consent_at is not None


@pytest.mark.parametrize("case", ["contact person", "owner", "organisation members", "moderators"])
def test_recipients_fall_back_so_that_a_message_never_goes_nowhere(app, case):
    member = make_user(email="member@museum.example")
    owner = make_user(email="owner@museum.example")
    moderator = make_user(role=Role.MODERATOR, email="mod@hub.example")
    person = make_user(email="person@museum.example")
    organisation = make_organisation(members=(member,) if case in ("contact person", "owner",
                                                                   "organisation members") else ())
    project = make_project(organisation=organisation,
                           owner=owner if case in ("contact person", "owner") else None)
    if case == "contact person":
        project.contacts = [make_expert(user=person), make_expert(user=make_user(), open_to_contact=False)]
        db.session.commit()
    expected = {"contact person": [person], "owner": [owner], "organisation members": [member],
                "moderators": [moderator]}[case]
    with app.test_request_context():
        recipients, to_moderators = contact.recipients_for(project)
    assert recipients == expected
    assert to_moderators is (case == "moderators")


def test_people_who_cannot_be_reached_are_skipped(app):
    gone = make_user(active=False)
    unverified = make_user(verified=False)
    moderator = make_user(role=Role.ADMIN)
    project = make_project(owner=gone)
    project.contacts = [make_expert(user=unverified)]
    db.session.commit()
    recipients, to_moderators = contact.recipients_for(project)
    assert moderator in recipients and gone not in recipients and unverified not in recipients
    assert to_moderators


@pytest.mark.parametrize("make", [make_organisation, make_resource])
def test_organisations_and_resources_reach_their_members(client, outbox, make):
    member = make_user()
    organisation = make_organisation(members=(member,))
    entry = organisation if make is make_organisation else make_resource(organisation=organisation)
    assert contact_form(client, entry).status_code == 302
    assert outbox.to(member.email)


def test_expert_profiles_closed_to_contact_and_unpublished_entries_have_no_form(client):
    closed = make_expert(user=make_user(), open_to_contact=False)
    draft = make_project(status=EntryStatus.DRAFT)
    assert "Write to" not in client.get(f"/experts/{closed.slug}").get_data(as_text=True)
    assert client.get(f"/contact/expert/{closed.slug}").status_code == 404
    assert client.get(f"/contact/project/{draft.slug}").status_code == 404
    assert client.get("/contact/project/no-such-project").status_code == 404
    assert client.get("/contact/planet/earth").status_code == 404
    token = csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post(f"/contact/project/{draft.slug}", data={"csrf_token": token}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


def test_mail_waits_in_the_outbox_while_the_server_is_down_and_arrives_once(app, client):
    server = SmtpServer()  # not started: the connection is refused
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    try:
        project, person = project_with_contact_person()
        assert contact_form(client, project).status_code == 302  # the visitor is not bothered
        waiting = list(db.session.scalars(sa.select(OutboxMail).where(OutboxMail.sent_at.is_(None))))
        assert {m.to_address for m in waiting} == {person.email, VISITOR}
        assert all(m.attempts == 1 and m.last_error and m.next_attempt_at for m in waiting)

        # Not due yet: send-mail leaves it for its back-off.
        result = app.test_cli_runner().invoke(args=["hub", "send-mail"])
        assert "0 mails sent" in result.output and "2 still queued" in result.output

        server.start()
        result = app.test_cli_runner().invoke(args=["hub", "send-mail", "--retry-now"])
        assert result.exit_code == 0, result.output
        assert "2 mails sent, 0 failed, 0 still queued" in result.output
        again = app.test_cli_runner().invoke(args=["hub", "send-mail", "--retry-now"])
        assert "0 mails sent" in again.output
        assert len(server.to(person.email)) == 1 and len(server.to(VISITOR)) == 1
        db.session.expire_all()
        assert all(m.sent_at and m.attempts == 2 for m in db.session.scalars(sa.select(OutboxMail)))
    finally:
        server.stop()
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25)


def test_due_mail_is_retried_after_its_backoff_and_a_claimed_mail_is_not_sent_twice(app):
    server = SmtpServer()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    try:
        with transaction():
            mail = outbox.queue_mail("someone@museum.example", "Hello", "Body")
        mail_id = mail.id
        db.session.expire_all()
        assert db.session.get(OutboxMail, mail_id).sent_at is None
        server.start()
        assert outbox.deliver_due().sent == 0  # the back-off has not passed
        # Another sender holds it: nothing happens, even when due.
        db.session.get(OutboxMail, mail_id).claimed_until = utcnow() + timedelta(minutes=5)
        db.session.commit()
        assert outbox.deliver_due(now=utcnow() + timedelta(minutes=2)).sent == 0
        db.session.get(OutboxMail, mail_id).claimed_until = None
        db.session.commit()
        assert outbox.deliver_due(now=utcnow() + timedelta(minutes=2)).sent == 1
        assert len(server.envelopes) == 1
    finally:
        server.stop()
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25)


def test_the_backoff_grows_and_stops_growing():
    assert [outbox.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 6, 7, 50)] == [1, 5, 15, 360, 360, 360]


def test_a_rolled_back_message_leaves_no_row_and_no_mail(app, smtp_server):
    project, _ = project_with_contact_person()
    data = contact.ContactInput("Ana", VISITOR, "Hello", "A message that will be rolled back.", False)
    with app.test_request_context(), pytest.raises(RuntimeError):
        with transaction():
            contact.send_message(None, project, data)
            raise RuntimeError("a later step failed")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 0
    assert smtp_server.envelopes == []


def test_only_recipients_read_a_message_and_moderators_only_what_reached_them(client, outbox):
    project, person = project_with_contact_person()
    contact_form(client, project)
    message = db.session.scalar(sa.select(Message))
    for intruder in (make_user(), make_user(role=Role.MODERATOR)):
        login_as(client, intruder)
        assert client.get(f"/account/messages/{message.id}").status_code == 404
        token = csrf_token(client.get("/account/messages").get_data(as_text=True))
        for action in ("handled", "spam"):
            assert client.post(f"/account/messages/{message.id}/{action}", data={"csrf_token": token}).status_code == 404
        assert client.post(f"/account/messages/{message.id}", data={"csrf_token": token, "body": "Hi!"}).status_code == 404
    logout(client)
    assert client.get(f"/account/messages/{message.id}").status_code == 302  # to the login page
    assert client.get("/account/messages/99999999").status_code in (302, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MessageReply)) == 0


def test_messages_that_reach_no_one_go_to_the_moderators_who_can_answer(client, outbox):
    moderator = make_user(role=Role.MODERATOR)
    project = make_project()  # no contact person, owner or organisation
    contact_form(client, project)
    message = db.session.scalar(sa.select(Message))
    assert message.to_moderators
    assert "nobody behind the entry can be reached" in outbox.to(moderator.email)[0].get_content()
    login_as(client, moderator)
    assert "Your HTR pipeline" in client.get("/moderation/messages").get_data(as_text=True)
    assert post_form(client, f"/account/messages/{message.id}", {"body": "The project ended; try the museum."}
                     ).status_code == 302
    assert any("The project ended" in m.get_content() for m in outbox.to(VISITOR))


def test_handled_and_open_again(client, outbox):
    project, person = project_with_contact_person()
    contact_form(client, project)
    message = db.session.scalar(sa.select(Message))
    login_as(client, person)
    assert "Your HTR pipeline" in client.get("/account/messages?show=open").get_data(as_text=True)
    post_form(client, f"/account/messages/{message.id}/handled", {"handled": "1"}, page="/account/messages")
    assert "Your HTR pipeline" not in client.get("/account/messages?show=open").get_data(as_text=True)
    assert "Your HTR pipeline" in client.get("/account/messages?show=handled").get_data(as_text=True)
    post_form(client, f"/account/messages/{message.id}/handled", {"handled": "0"}, page="/account/messages")
    assert "Your HTR pipeline" in client.get("/account/messages?show=open").get_data(as_text=True)


def test_spam_reported_by_a_recipient_and_the_sender_blocked_by_a_moderator(client, outbox):
    moderator = make_user(role=Role.MODERATOR)
    project, person = project_with_contact_person()
    contact_form(client, project, body="Buy cheap followers now, best prices guaranteed!")
    message = db.session.scalar(sa.select(Message))
    login_as(client, person)
    assert post_form(client, f"/account/messages/{message.id}/spam", {}, page="/account/messages").status_code == 302
    assert outbox.to(moderator.email)

    login_as(client, moderator)
    assert "Buy cheap followers" in client.get(f"/moderation/messages/{message.id}").get_data(as_text=True)
    refused = post_form(client, f"/moderation/messages/{message.id}", {"decision": "block", "reason": ""})
    assert refused.status_code == 422 and "Say why" in refused.get_data(as_text=True)
    assert post_form(client, f"/moderation/messages/{message.id}",
                     {"decision": "block", "reason": "Advertising"}).status_code == 302
    assert db.session.get(BlockedSender, VISITOR) is not None

    logout(client)
    again = contact_form(client, project, email=VISITOR.upper(), body="Another try with different words.")
    assert again.status_code == 422
    assert "not accepted" in again.get_data(as_text=True)


def test_members_cannot_decide_spam(client, outbox):
    project, person = project_with_contact_person()
    contact_form(client, project)
    message = db.session.scalar(sa.select(Message))
    login_as(client, person)
    assert client.get("/moderation/messages").status_code == 403
    assert client.get(f"/moderation/messages/{message.id}").status_code == 403
    with pytest.raises(PermissionDenied):
        contact.decide_spam(person, message, True, "no")


def test_purge_deletes_what_is_older_than_the_retention_period(app, client, outbox):
    project, person = project_with_contact_person()
    contact_form(client, project)
    contact_form(client, project, subject="A second one", body="Another question about your project.")
    old, recent = db.session.scalars(sa.select(Message).order_by(Message.id)).all()
    old.created_at = utcnow() - timedelta(days=400)
    login_as(client, person)
    post_form(client, f"/account/messages/{old.id}", {"body": "An old answer."})
    for mail in db.session.scalars(sa.select(OutboxMail)):
        mail.created_at = utcnow() - timedelta(days=400)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["hub", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 message (1 answer) and 5 outbox mails" in result.output
    assert db.session.scalars(sa.select(Message.id)).all() == [recent.id]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MessageReply)) == 0
    assert app.test_cli_runner().invoke(args=["hub", "purge", "--months", "0"]).exit_code != 0


def test_service_refuses_entries_that_cannot_be_contacted(app):
    closed = make_expert(user=make_user(), open_to_contact=False)
    with app.test_request_context(), pytest.raises(NotFound):
        contact.send_message(None, closed, contact.ContactInput("A", VISITOR, "S", "Long enough body.", False))


def test_the_same_text_to_many_entries_is_refused(app):
    projects = [make_project() for _ in range(contact.SAME_TEXT_ENTRIES + 1)]
    make_user(role=Role.MODERATOR)
    data = contact.ContactInput("Spammer", "s@spam.example", "Offer", "Great offer for your museum today!", False)
    with app.test_request_context():
        for project in projects[:-1]:
            with transaction():
                contact.send_message(None, project, data)
        with pytest.raises(InvalidInput) as refused:
            # The same words in another case, spacing and punctuation are still the same text.
            contact.send_message(None, projects[-1], contact.ContactInput(
                "Other", "o@spam.example", "OFFER", "GREAT   offer... for your museum, today", False))
        assert "body" in refused.value.errors
        other_text = contact.ContactInput("Other", "o@spam.example", "Offer", "A question of my own, really.", False)
        with transaction():
            contact.send_message(None, projects[-1], other_text)
