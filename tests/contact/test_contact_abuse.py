"""The contact form under abuse: the honeypot, the minimum time, header injection, odd and
unicode addresses, empty and giant messages, the Big List of Naughty Strings, entries that
cannot be contacted, CSRF, the rate limits per visitor address, per sender address and per
entry (in memory and in Redis), and the daily cap per recipient. Each test proves that what
is refused stores nothing and sends nothing."""
from __future__ import annotations

import json
import re
import time
import uuid
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer
from markupsafe import escape

from config import TestingConfig
from hub import create_app
from hub.contact import outbox as outbox_module
from hub.contact import services as contact
from hub.contact.models import Message, OutboxMail
from hub.db import db, utcnow
from hub.directory.models import EntryStatus
from hub.mail import build_message
from hub.text import clean_block, clean_line
from tests.accounts.test_rate_limits import STORAGES  # memory, and Redis (skipped with a reason when down)
from tests.conftest import csrf_token, login_as
from tests.contact.test_relay import VISITOR, contact_form, hidden_value, project_with_contact_person
from tests.factories import make_expert, make_organisation, make_project, make_resource, make_user

NAUGHTY: list[str] = json.loads((Path(__file__).parent.parent / "data" / "naughty-strings.json").read_text("utf-8"))
# The headers hub.mail.build_message writes; any other header line in a mail was forged.
MAIL_HEADERS = {"From", "To", "Subject", "Date", "Message-ID", "Reply-To", "Content-Type",
                "Content-Transfer-Encoding", "MIME-Version"}
LINE_BREAK = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]")


# --- helpers ----------------------------------------------------------------------------------


def url_of(entry) -> str:
    return f"/contact/{entry.kind}/{entry.slug}"


def field_error(html: str, name: str) -> str:
    """The error shown next to a field ("" when none)."""
    match = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', html, re.S)
    return unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


def form_errors(html: str) -> list[str]:
    """The errors of the error summary that belong to no field."""
    summary = re.search(r'<div class="error-summary".*?</ul>', html, re.S)
    return [unescape(m) for m in re.findall(r"<li>([^<]*)</li>", summary.group(0))] if summary else []


def typed_body(html: str) -> str:
    match = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, "no message field in the page"
    return unescape(match.group(1)).lstrip("\r\n")


def message_count(**where) -> int:
    query = sa.select(sa.func.count()).select_from(Message)
    for name, value in where.items():
        query = query.where(getattr(Message, name) == value)
    return db.session.scalar(query)


def nothing_stored() -> bool:
    return message_count() == 0 and db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 0


def header_lines(raw: bytes) -> list[str]:
    """The header block of a mail as sent, one physical line each."""
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    return head.decode("ascii").split("\n")


def check_headers(raw: bytes, *allowed_reply_to: str) -> None:
    """No header was forged: every header line is one build_message writes, each once; no
    decoded header value holds a line break; Reply-To names only the sender's address."""
    names = [line.split(":", 1)[0] for line in header_lines(raw) if line and line[0] not in " \t"]
    assert set(names) <= MAIL_HEADERS and len(names) == len(set(names)), names
    mail = BytesParser(policy=policy.default).parsebytes(raw)
    for name, value in mail.items():
        assert not LINE_BREAK.search(str(value)), (name, str(value))
    if mail["Reply-To"] is not None:
        assert [a.addr_spec for a in mail["Reply-To"].addresses] == list(allowed_reply_to), str(mail["Reply-To"])


class ContactPoster:
    """Sends an entry's contact form many times: the form is loaded once, and its CSRF token and
    signed start time are reused (valid for the session; the minimum time is 0 in tests)."""

    def __init__(self, client, entry, **environ):
        self.client, self.url, self.environ = client, url_of(entry), environ
        page = client.get(self.url, environ_base=environ)
        assert page.status_code == 200, page.status_code
        html = page.get_data(as_text=True)
        self.token, self.started = csrf_token(html), hidden_value(html, "started")

    def post(self, environ: dict | None = None, **fields):
        data = {"csrf_token": self.token, "started": self.started, "name": "Ana Visitor", "email": VISITOR,
                "subject": "Your HTR pipeline", "body": "Could we compare notes on your handwriting work?", **fields}
        response = self.client.post(self.url, data=data, environ_base=environ or self.environ)
        if response.status_code == 302:  # not followed: drop the flash message, or the cookie grows
            with self.client.session_transaction() as session:
                session.pop("_flashes", None)
        return response


# --- 1. the honeypot --------------------------------------------------------------------------


def test_a_filled_honeypot_looks_sent_but_stores_and_sends_nothing(client, outbox):
    """Robots fill every field: they get the same redirect and message as a person, and nothing happens."""
    project, person = project_with_contact_person()
    response = contact_form(client, project, website="https://cheap-pills.example")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/projects/{project.slug}"
    assert "Your message was sent" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert nothing_stored()
    assert outbox.messages == []
    # The same form with the trap left empty is sent: the honeypot alone stopped it.
    assert contact_form(client, project).status_code == 302
    assert message_count() == 1 and outbox.to(person.email)


# --- 2. the minimum time and the signed start -------------------------------------------------


def test_a_form_sent_back_too_quickly_is_refused_with_what_was_typed(app, client, outbox, monkeypatch):
    """Faster than CONTACT_MIN_SECONDS: 422, "very quick", the typed text kept, nothing stored."""
    monkeypatch.setitem(app.config, "CONTACT_MIN_SECONDS", 30)
    project, _ = project_with_contact_person()
    response = contact_form(client, project, name="Ana <Quick>", subject="A quick one",
                            body="Typed at robot speed, & kept.")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "That was very quick. Check your message and send it again." in form_errors(html)
    assert hidden_value(html, "name") == str(escape("Ana <Quick>"))
    assert hidden_value(html, "subject") == "A quick one"
    assert typed_body(html) == "Typed at robot speed, & kept."
    assert nothing_stored() and outbox.messages == []


def _signed(secret: str, salt: str, payload) -> str:
    return URLSafeTimedSerializer(secret, salt=salt).dumps(payload)


@pytest.mark.parametrize("case", ["missing", "empty", "garbage", "other secret", "other form", "expired"])
def test_a_forged_missing_or_stale_start_time_is_refused(app, client, outbox, monkeypatch, case):
    """The hidden start time must be the hub's own signature, from this form, less than a day old."""
    project, _ = project_with_contact_person()
    secret = app.config["SECRET_KEY"]
    if case == "expired":
        two_days_ago = time.time() - 2 * 24 * 3600
        with monkeypatch.context() as clock:
            clock.setattr(time, "time", lambda: two_days_ago)
            started = _signed(secret, "contact-form-started", two_days_ago)
    else:
        started = {"missing": None, "empty": "", "garbage": "1700000000",
                   "other secret": _signed("not-the-hub's-key", "contact-form-started", time.time() - 60),
                   "other form": _signed(secret, "email-confirm", time.time() - 60)}[case]
    page = client.get(url_of(project)).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "name": "Ana Visitor", "email": VISITOR, "subject": "Hello",
            "body": "A message with a forged start time."}
    if started is not None:
        data["started"] = started
    response = client.post(url_of(project), data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("The form was open for too long or came from elsewhere. Check your message and send it again."
            in form_errors(html))
    assert typed_body(html) == "A message with a forged start time."
    assert nothing_stored() and outbox.messages == []


# --- 3. header injection ----------------------------------------------------------------------

INJECTIONS = [
    ("name", "Ana\r\nBcc: x@y.example"),
    ("name", "Ana\nBcc: x@y.example"),
    ("name", "Ana\rBcc: x@y.example"),
    ("name", "Ana\u2028Bcc: x@y.example"),
    ("subject", "Hello\r\nBcc: x@y.example"),
    ("subject", "Hello\nBcc: x@y.example"),
    ("subject", "Hello\x0bBcc: x@y.example"),
    ("subject", "Hello\x85Bcc: x@y.example"),
    ("email", f"{VISITOR}\r\nBcc: x@y.example"),
    ("email", f"{VISITOR}\nBcc: x@y.example"),
    ("email", f"{VISITOR}\rBcc: x@y.example"),
    # RFC 2047 encoded words: the mail library decodes them, line breaks included.
    ("subject", "=?utf-8?q?Hello=0D=0ABcc:_x@y.example?="),
    ("subject", "Hi =?utf-8?b?SGVsbG8NCkJjYzogeEB5LmV4YW1wbGU=?="),
    ("name", "=?utf-8?q?Ana=0D=0ABcc:_x@y.example?="),
    ("email", "=?utf-8?q?ana=0D=0ABcc=3Ax?=@museum.example"),  # valid characters for an address
    ("email", "=?utf-8?q?other?=@museum.example"),  # would be decoded to "other@museum.example"
]


@pytest.mark.parametrize("field, value", INJECTIONS, ids=[f"{f}-{v!r}" for f, v in INJECTIONS])
def test_a_line_break_in_a_header_field_is_refused_next_to_the_field(client, smtp_server, field, value):
    """A line break (raw or encoded) in a field that reaches a mail header: 422 with the error next to
    that field, nothing stored, nothing sent, so no mail with another recipient or header."""
    project, person = project_with_contact_person()
    response = contact_form(client, project, share_email="y", **{field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:500]
    assert field_error(html, field), f"no error next to {field}"
    assert [f for f in ("name", "email", "subject", "body") if field_error(html, f)] == [field]
    assert nothing_stored()
    assert smtp_server.envelopes == []


def test_header_lookalikes_on_one_line_are_plain_text_and_reach_only_the_recipients(client, smtp_server):
    """Without a line break, "Bcc: …" is just text: it is sent, to the contact person and the sender only,
    and no mail has a header the hub did not write."""
    project, person = project_with_contact_person()
    response = contact_form(client, project, share_email="y", name="Ana Bcc: x@y.example",
                            subject="Hello Bcc: x@y.example %0d%0aCc: z@y.example")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    message = db.session.scalar(sa.select(Message))
    assert message.sender_name == "Ana Bcc: x@y.example"
    assert [sorted(e.rcpt_tos) for e in smtp_server.envelopes] == [[person.email], [VISITOR]]
    to_person, copy = smtp_server.envelopes
    check_headers(to_person.content, VISITOR)
    check_headers(copy.content)
    [mail] = smtp_server.to(person.email)
    assert mail["Reply-To"].addresses[0].addr_spec == VISITOR


@pytest.mark.parametrize("name", [
    "x" * 70 + ", x@y.example",  # a long header: Python's email package drops the quotes when it folds it
    "Ünï \"q\" , other@y.example",  # an encoded word beside a comma: split into two addresses
    "Dr. Ana María Visitor-López, Rijksmuseum: research",
    "Ana <other@y.example>, Bob",
])
def test_a_name_never_adds_an_address_to_reply_to(client, smtp_server, name):
    """The sender's name goes into Reply-To beside their address: whatever the name, answering the
    mail reaches the sender's address and no other."""
    project, person = project_with_contact_person()
    response = contact_form(client, project, share_email="y", name=name)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert db.session.scalar(sa.select(Message.sender_name)) == name
    [envelope] = [e for e in smtp_server.envelopes if e.rcpt_tos == [person.email]]
    check_headers(envelope.content, VISITOR)


def test_an_entry_title_that_reads_like_an_encoded_word_stays_text_in_the_subject(client, smtp_server):
    """Entry titles go into the subject of every mail about the entry: one made to decode into a line
    break and a header is sent as plain text, without a forged header."""
    project, person = project_with_contact_person()
    project.title = "=?utf-8?q?Hi=0D=0ABcc:_x@y.example?="
    db.session.commit()
    assert contact_form(client, project, share_email="y").status_code == 302
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [[person.email], [VISITOR]]
    to_person, copy = smtp_server.envelopes
    check_headers(to_person.content, VISITOR)
    check_headers(copy.content)
    [mail] = smtp_server.to(person.email)
    assert "Hi=0D=0ABcc:_x@y.example?=" in mail["Subject"] and "\n" not in mail["Subject"]


# --- 4. addresses -----------------------------------------------------------------------------


@pytest.mark.parametrize("email, error", [
    ("not-an-address", "Enter a valid email address"),
    ("a@b", "Enter a valid email address"),
    ("", "Enter your email address"),
    ("   ", "Enter your email address"),
    ("ünïcode@muséum.example", "Use an address with only Latin letters"),
    ("ana@@museum.example", "Enter a valid email address"),
    ("<ana@museum.example>", "Enter a valid email address"),
    ("Ana <ana@museum.example>", "Enter a valid email address"),
    ("ana@museum.example, bob@museum.example", "Enter a valid email address"),
    ("a" * 290 + "@museum.example", "The email address is too long."),
    ("a" * 64 + "@" + "b" * 185 + ".example", "The email address is too long."),
    ("ana@" + "b" * 64 + ".example", "Enter a valid email address"),  # a domain label longer than 63
])
def test_invalid_addresses_get_a_clear_error_next_to_the_field(client, outbox, email, error):
    """Each refused address: 422, its own message next to the address field, nothing stored."""
    project, _ = project_with_contact_person()
    response = contact_form(client, project, email=email)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error in field_error(html, "email"), field_error(html, "email")
    assert nothing_stored() and outbox.messages == []


def test_an_internationalised_domain_is_accepted_and_stored_as_ascii(client, outbox):
    """user@bücher.example is deliverable without SMTPUTF8 as user@xn--bcher-kva.example."""
    project, person = project_with_contact_person()
    response = contact_form(client, project, email="User@Bücher.example", share_email="y")
    assert response.status_code == 302, field_error(response.get_data(as_text=True), "email")
    message = db.session.scalar(sa.select(Message))
    assert message.sender_email == "user@xn--bcher-kva.example"
    [copy] = outbox.to("user@xn--bcher-kva.example")
    assert "Handwriting at scale" in copy["Subject"]
    [mail] = outbox.to(person.email)
    assert mail["Reply-To"].addresses[0].addr_spec == "user@xn--bcher-kva.example"


# --- 5. empty and giant messages --------------------------------------------------------------


@pytest.mark.parametrize("body, error", [
    ("", "Write a message of at least 10 characters."),
    ("   \n\t  ", "Write a message of at least 10 characters."),
    ("123456789", "Write a message of at least 10 characters."),
    ("\x00" * 20 + "short", "Write a message of at least 10 characters."),
    ("é" * 5001, "Use at most 5000 characters (now 5001)."),
    ("A giant message <b>& more</b>. " * 400, "Use at most 5000 characters (now 12399)."),
])
def test_empty_short_and_giant_messages_are_refused_and_the_text_kept(client, outbox, body, error):
    """422, the message next to the body, and a giant text still in the textarea, escaped."""
    project, _ = project_with_contact_person()
    response = contact_form(client, project, body=body)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "body") == f"Error: {error}"
    if len(body) > 5000:
        assert typed_body(html) == body
        assert str(escape(body[:300])) in html
    assert nothing_stored() and outbox.messages == []


def test_exactly_ten_and_five_thousand_characters_are_accepted(client, outbox):
    """The limits include their ends (and count characters, not bytes)."""
    project, _ = project_with_contact_person()
    assert contact_form(client, project, body="1234567890").status_code == 302
    assert contact_form(client, project, subject="Long", body="ü" * 5000).status_code == 302
    assert sorted(len(b) for b in db.session.scalars(sa.select(Message.body))) == [10, 5000]


LINKS = ["https://a.example/1", "http://b.example/2", "www.c.example", "d.com/path", "https://e.example/5"]


def test_more_than_three_links_are_refused_three_are_accepted(client, outbox):
    """Links are what spammers send: three at most, whatever their form."""
    project, _ = project_with_contact_person()
    four = "Please look at " + " and ".join(LINKS[:4]) + "."
    response = contact_form(client, project, body=four)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Include at most 3 links" in field_error(html, "body")
    assert typed_body(html) == four
    assert nothing_stored()
    three = "Please look at " + " and ".join(LINKS[:3]) + "."
    assert contact_form(client, project, body=three).status_code == 302
    assert db.session.scalar(sa.select(Message.body)) == three


# --- 6. the Big List of Naughty Strings -------------------------------------------------------


def _one_line_ok(value: str, limit: int) -> bool:
    return not LINE_BREAK.search(value) and 0 < len(clean_line(value)) <= limit


def test_every_naughty_string_as_name_subject_and_body(client, monkeypatch):
    """Each string as name, subject and body (one request each, the sender sharing the address so that
    the name reaches Reply-To): 302 or 422 as the rules say, never 500; what is accepted is stored as
    cleaned; no mail built has a forged header or a line break in one. (The mails are built from the
    outbox as delivery builds them, but not delivered: that is tested elsewhere, and would double the
    time.)"""
    monkeypatch.setattr(contact, "RECIPIENT_DAILY_LIMIT", 10_000)  # one recipient gets them all
    monkeypatch.setattr(outbox_module, "deliver_mails", lambda mail_ids, report=None: None)
    project, person = project_with_contact_person()
    poster = ContactPoster(client, project)
    accepted = []
    for i, s in enumerate(NAUGHTY):
        body = f"{s}\n\nNaughty string number {i}."
        response = poster.post(name=s, subject=s, body=body, share_email="y")
        assert response.status_code in (302, 422), f"{s!r} answered {response.status_code}"
        expected = _one_line_ok(s, contact.MAX_NAME) and _one_line_ok(s, contact.MAX_SUBJECT) and len(
            contact._LINK.findall(body)) <= contact.MAX_LINKS
        assert (response.status_code == 302) == expected, (s, re.findall(
            r'class="field-error"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S))
        if response.status_code == 302:
            accepted.append((s, body))
    assert len(accepted) > 400

    messages = list(db.session.scalars(sa.select(Message).order_by(Message.id)))
    assert len(messages) == len(accepted)
    for message, (s, body) in zip(messages, accepted):
        assert (message.sender_name, message.subject, message.body) == (clean_line(s), clean_line(s),
                                                                          clean_block(body)), s
    mails = list(db.session.scalars(sa.select(OutboxMail)))
    assert len(mails) == 2 * len(accepted)
    assert sum(1 for mail in mails if mail.to_address == person.email) == len(accepted)
    for mail in mails:
        for value in (mail.to_address, mail.subject, mail.reply_to or ""):
            assert not LINE_BREAK.search(value), value
        raw = bytes(build_message(mail.to_address, mail.subject, mail.body, mail.reply_to, mail.message_id))
        check_headers(raw, *([VISITOR] if mail.to_address == person.email else []))


# --- 7. entries that cannot be contacted, and CSRF --------------------------------------------


def _full_form(client) -> dict:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return {"csrf_token": token, "name": "Ana Visitor", "email": VISITOR, "subject": "Hello",
            "body": "Is anybody there? A long enough message.", "started": ""}


@pytest.mark.parametrize("status", [s for s in EntryStatus if s is not EntryStatus.PUBLISHED])
def test_unpublished_entries_of_every_kind_have_no_contact_form(client, outbox, status):
    """GET and a complete POST answer 404, even for the entry's owner; nothing is stored."""
    owner = make_user()
    organisation = make_organisation(status=status, owner=owner)
    entries = [organisation, make_project(status=status, owner=owner),
               make_expert(user=owner, status=status), make_resource(status=status, owner=owner)]
    for viewer in ("visitor", "owner"):
        if viewer == "owner":
            login_as(client, owner)
        data = _full_form(client)
        for entry in entries:
            assert client.get(url_of(entry)).status_code == 404, (viewer, entry.kind)
            assert client.post(url_of(entry), data=data).status_code == 404, (viewer, entry.kind)
    assert nothing_stored() and outbox.messages == []


@pytest.mark.parametrize("path", ["/contact/project/no-such-project", "/contact/planet/earth",
                                  "/contact/projects/x", "/contact/Project/x", "/contact/expert/closed",
                                  "/contact/project/a%00b", "/contact/user/1"])
def test_unknown_entries_and_kinds_answer_404(client, outbox, path):
    """Unknown slugs and kinds, and an expert profile closed to contact: 404 on GET and on POST."""
    closed = make_expert(user=make_user(), open_to_contact=False)
    closed.slug = "closed"
    db.session.commit()
    assert client.get(path).status_code == 404
    assert client.post(path, data=_full_form(client)).status_code == 404
    assert nothing_stored() and outbox.messages == []


def test_without_a_csrf_token_or_with_another_sessions_token_nothing_is_sent(app, client, outbox):
    """400 for a missing token, and for a token of another visitor's session."""
    project, _ = project_with_contact_person()
    page = client.get(url_of(project)).get_data(as_text=True)
    data = {"name": "Ana Visitor", "email": VISITOR, "subject": "Hello", "started": hidden_value(page, "started"),
            "body": "A message without a valid token."}
    assert client.post(url_of(project), data=data).status_code == 400
    assert client.post(url_of(project), data={**data, "csrf_token": ""}).status_code == 400
    assert client.post(url_of(project), data={**data, "csrf_token": "not-a-token"}).status_code == 400
    other = app.test_client()
    other_token = csrf_token(other.get(url_of(project)).get_data(as_text=True))
    assert client.post(url_of(project), data={**data, "csrf_token": other_token}).status_code == 400
    assert nothing_stored() and outbox.messages == []
    # The same data with the session's own token is sent: the refusals were the token's doing.
    assert client.post(url_of(project), data={**data, "csrf_token": csrf_token(page)}).status_code == 302


# --- 8. rate limits ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _limiter_off_afterwards():
    """The limiter is one shared object that each create_app() sets up anew: switch it off again,
    or the following tests of the main app are rate limited."""
    yield
    from hub.extensions import limiter

    limiter.enabled = False


@pytest.fixture
def limited_app(database_url, tmp_path):
    """A fresh app with rate limits on, in the given storage, with counters of its own (a unique key
    prefix); the rows each test needs are made in its app context and committed."""
    made = []

    def make(storage: str):
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=True,
                         RATELIMIT_STORAGE_URI=storage, RATELIMIT_KEY_PREFIX=f"hub-test-{uuid.uuid4().hex}",
                         MAIL_OUTBOX_DIR=str(tmp_path / "outbox"))
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def _unique() -> str:
    return uuid.uuid4().hex[:10]


def _address() -> str:
    """A client address of its own, so that no earlier run's counters interfere."""
    number = uuid.uuid4().int
    return f"10.{number % 250}.{number // 250 % 250}.{number // 62500 % 250 + 1}"


def _entry_with_recipient(app):
    with app.app_context():
        person = make_user(email=f"person-{_unique()}@museum.example")
        project = make_project(title=f"Rate limited {_unique()}")
        project.contacts = [make_expert(user=person)]
        db.session.commit()
        return project.kind, project.slug, project.id


def _messages_to(app, project_id: int, **where) -> int:
    with app.app_context():
        return message_count(entry_kind="project", entry_id=project_id, **where)


class _Entry:
    def __init__(self, kind, slug):
        self.kind, self.slug = kind, slug


@pytest.mark.parametrize("storage", STORAGES)
def test_the_sixth_message_within_the_hour_from_one_visitor_address_is_refused(limited_app, storage):
    """Per visitor (IP) address, "5 per hour": the 6th POST answers the 429 page, and stores nothing."""
    app = limited_app(storage)
    kind, slug, project_id = _entry_with_recipient(app)
    environ = {"REMOTE_ADDR": _address()}
    poster = ContactPoster(app.test_client(), _Entry(kind, slug), **environ)
    statuses = [poster.post(email=f"sender-{n}-{_unique()}@library.example").status_code for n in range(5)]
    assert statuses == [302] * 5
    refused = poster.post(email=f"sixth-{_unique()}@library.example")
    assert refused.status_code == 429
    assert "Too many requests" in refused.get_data(as_text=True)
    assert _messages_to(app, project_id) == 5
    # Another visitor address is not affected.
    assert poster.post(environ={"REMOTE_ADDR": _address()}).status_code == 302


@pytest.mark.parametrize("storage", STORAGES)
def test_the_sixth_message_from_one_sender_address_is_refused_from_any_visitor_address(limited_app, storage):
    """Per sender address, "5 per hour", whatever the visitor address and the case of the address:
    the 6th is answered on the form, with 429 and the typed text kept."""
    app = limited_app(storage)
    kind, slug, project_id = _entry_with_recipient(app)
    sender = f"busy-{_unique()}@library.example"
    poster = ContactPoster(app.test_client(), _Entry(kind, slug), REMOTE_ADDR=_address())
    statuses = [poster.post(environ={"REMOTE_ADDR": _address()}, email=sender.upper() if n % 2 else sender,
                            subject=f"Question {n}", body=f"Question number {n} about your work.").status_code
                for n in range(5)]
    assert statuses == [302] * 5
    refused = poster.post(environ={"REMOTE_ADDR": _address()}, email=sender, name="Ana Sixth",
                          subject="The sixth", body="A sixth question, typed with care & kept.")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert any("Too many messages were sent from this address" in e for e in form_errors(html))
    assert hidden_value(html, "name") == "Ana Sixth" and hidden_value(html, "subject") == "The sixth"
    assert hidden_value(html, "email") == sender
    assert typed_body(html) == "A sixth question, typed with care & kept."
    assert _messages_to(app, project_id, sender_email=sender) == 5
    # Another sender address is not affected.
    assert poster.post(environ={"REMOTE_ADDR": _address()}, email=f"calm-{_unique()}@library.example"
                       ).status_code == 302


@pytest.mark.parametrize("storage", STORAGES)
def test_many_senders_to_one_entry_are_refused_once_the_entry_limit_is_used_up(limited_app, storage,
                                                                              monkeypatch):
    """Per entry (here "3 per hour"): different senders from different visitor addresses are refused on
    the form with 429; another entry still receives."""
    from hub.web.contact import views

    monkeypatch.setattr(views, "ENTRY_LIMIT", "3 per hour")
    app = limited_app(storage)
    kind, slug, project_id = _entry_with_recipient(app)
    poster = ContactPoster(app.test_client(), _Entry(kind, slug), REMOTE_ADDR=_address())
    statuses = [poster.post(environ={"REMOTE_ADDR": _address()}, email=f"s{n}-{_unique()}@library.example",
                            subject=f"Question {n}", body=f"Question number {n} about your work.").status_code
                for n in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    refused = poster.post(environ={"REMOTE_ADDR": _address()}, email=f"late-{_unique()}@library.example",
                          body="Late, but kept in the form.")
    assert refused.status_code == 429 and typed_body(refused.get_data(as_text=True)) == "Late, but kept in the form."
    assert _messages_to(app, project_id) == 3
    other_kind, other_slug, other_id = _entry_with_recipient(app)
    other = ContactPoster(app.test_client(), _Entry(other_kind, other_slug), REMOTE_ADDR=_address())
    assert other.post(email=f"other-{_unique()}@library.example").status_code == 302
    assert _messages_to(app, other_id) == 1


# --- 9. the daily cap per recipient -----------------------------------------------------------


def test_a_recipient_receives_at_most_the_daily_cap_through_all_their_entries(client, outbox, monkeypatch):
    """Once a person has RECIPIENT_DAILY_LIMIT messages from the last day, through any of their entries,
    senders are asked on the form to try tomorrow; older messages do not count."""
    monkeypatch.setattr(contact, "RECIPIENT_DAILY_LIMIT", 2)
    project, person = project_with_contact_person()
    profile = project.contacts[0]  # the person's expert profile
    for n in range(2):
        assert contact_form(client, project, email=f"s{n}@library.example", subject=f"Question {n}",
                            body=f"Question number {n} about your work.").status_code == 302
    outbox.clear()

    # Another of the person's entries: the same person, the same cap.
    response = contact_form(client, profile, email="third@library.example", subject="Third",
                            body="A third question today.")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("The people behind this entry have received many messages today. Please try again tomorrow."
            in form_errors(html))
    assert not any(field_error(html, f) for f in ("name", "email", "subject", "body"))
    assert typed_body(html) == "A third question today."
    assert message_count() == 2 and outbox.messages == []

    # Someone else's entry is not affected.
    other = make_project(organisation=make_organisation(members=(make_user(),)))
    assert contact_form(client, other, email="third@library.example").status_code == 302

    # A day later the earlier messages no longer count.
    for message in db.session.scalars(sa.select(Message).where(Message.entry_id == project.id)):
        message.created_at = utcnow() - timedelta(days=1, minutes=1)
    db.session.commit()
    assert contact_form(client, profile, email="third@library.example", subject="Third",
                        body="A third question today.").status_code == 302
