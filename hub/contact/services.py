"""Contact through the hub: who receives a message written from an entry, the checks
against abuse, the relay of answers to the sender, and how long all of it is kept.

Nobody's address is shown to anybody: recipients get the sender's address only when
the sender consented (as Reply-To); senders never get a recipient's address, because
answers written in the hub are relayed from the hub's own address."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formataddr

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _

from hub.accounts.models import Role, User
from hub.contact.models import BlockedSender, Message, MessageRecipient, MessageReply, OutboxMail
from hub.contact.outbox import queue_mail
from hub.contact.permissions import can_answer, can_decide_spam, can_read
from hub.db import db, utcnow
from hub.directory.models import Entry, Expert, Membership, Organisation, Project
from hub.errors import InvalidInput, NotFound, require
from hub.moderation import audit
from hub.pagination import Page
from hub.search.text import fold
from hub.text import clean_block, clean_line
from hub.urls import external_url

MAX_NAME = 100
MAX_SUBJECT = 150
MIN_BODY = 10
MAX_BODY = 5000
MAX_LINKS = 3
# The same text may go to this many entries in a day; more looks like a mailing.
SAME_TEXT_ENTRIES = 3
# Messages one person receives in a day, through all their entries, before the hub asks senders to wait.
RECIPIENT_DAILY_LIMIT = 20

_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|info|biz|ru|cn|xyz|top|io)/\S*", re.IGNORECASE)
_LINE_BREAK = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]")
# An RFC 2047 encoded word ("=?utf-8?q?...?="): the mail library decodes it in a header, line breaks
# included, so a name or subject holding one could write further headers.
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bq]\?[^?\s]*\?=", re.IGNORECASE)


@dataclass
class ContactInput:
    name: str
    email: str
    subject: str
    body: str
    share_email: bool


# --- who receives a message ----------------------------------------------------------------


def is_contactable(entry: Entry) -> bool:
    """Published, and for an expert profile, open to contact."""
    return entry.is_published and (not isinstance(entry, Expert) or entry.open_to_contact)


def is_example(entry: Entry) -> bool:
    """A fictional example profile of the demo directory: no real person stands behind it."""
    return isinstance(entry, Expert) and bool(entry.is_example)


def _reachable(users) -> list[User]:
    """Active users with a confirmed address, each once, in a stable order."""
    seen: dict[int, User] = {}
    for user in users:
        if user is not None and user.active and user.email_verified and user.id not in seen:
            seen[user.id] = user
    return sorted(seen.values(), key=lambda u: u.id)


def _contact_people(entry: Entry) -> list[User]:
    if isinstance(entry, Project):
        return _reachable(expert.user for expert in entry.contacts if expert.open_to_contact)
    if isinstance(entry, Expert):
        return _reachable([entry.user])
    return []


def _organisations_of(entry: Entry) -> list[Organisation]:
    if isinstance(entry, Organisation):
        return [entry]
    if isinstance(entry, Project):
        links = entry.organisation_links
        leads = [link.organisation for link in links if link.role == "lead"]
        return leads or [link.organisation for link in links]
    organisation = getattr(entry, "organisation", None)
    return [organisation] if organisation is not None else []


def _members_of(organisations: list[Organisation]) -> list[User]:
    if not organisations:
        return []
    return _reachable(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id.in_([o.id for o in organisations]))))


def moderators() -> list[User]:
    return _reachable(db.session.scalars(sa.select(User).where(User.role.in_([Role.MODERATOR, Role.ADMIN]))))


def recipients_for(entry: Entry) -> tuple[list[User], bool]:
    """The entry's contact persons open to contact, else its owner, else the members of its
    organisation, else the moderators, so that a message never goes nowhere when someone has
    left. The flag says that it fell through to the moderators. A fictional example expert has
    nobody behind it (even when a real organisation is named on it): the moderators answer."""
    if is_example(entry):
        return moderators(), True
    for people in (lambda: _contact_people(entry), lambda: _reachable([entry.owner]),
                   lambda: _members_of(_organisations_of(entry))):
        found = people()
        if found:
            return found, False
    return moderators(), True


# --- sending ----------------------------------------------------------------------------------


def fingerprint(text: str) -> str:
    """The same words in the same order, whatever the case, accents, spacing or punctuation."""
    return hashlib.sha256(" ".join(re.findall(r"\w+", fold(text))).encode()).hexdigest()


def normalise_sender_email(value: str) -> str:
    """An address mail can be sent to without SMTPUTF8: ASCII before the @; a non-ASCII
    domain is turned into its ASCII form. Lower-cased, so limits and blocks match it."""
    value = (value or "").strip()
    if _LINE_BREAK.search(value):
        raise InvalidInput({"email": _("Enter the address on one line.")})
    if not value:
        raise InvalidInput({"email": _("Enter your email address, so that the answer can reach you.")})
    if len(value) > 254:
        raise InvalidInput({"email": _("The email address is too long.")})
    if _ENCODED_WORD.search(value):  # valid characters, but the mail library would decode them
        raise InvalidInput({"email": _("Enter a valid email address, like name@museum.eu.")})
    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        if not value.isascii() and "@" in value:
            raise InvalidInput({"email": _("Use an address with only Latin letters, digits and . _ - + before "
                                           "the @; many mail servers cannot deliver to others.")}) from None
        raise InvalidInput({"email": _("Enter a valid email address, like name@museum.eu.")}) from None
    return result.ascii_email.lower()


def _one_line(value: str, field: str, limit: int, errors: dict[str, str], *, missing: str, line_break: str,
              encoded: str) -> str:
    """The field's text on one line, or its message in `errors` (the messages are whole sentences:
    languages word "the name" and "the subject" differently, so a label cannot be slotted in)."""
    if _LINE_BREAK.search(value or ""):
        errors[field] = line_break
        return ""
    if _ENCODED_WORD.search(value or ""):
        errors[field] = encoded
        return ""
    text = clean_line(value)
    if not text:
        errors[field] = missing
    elif len(text) > limit:
        errors[field] = _("Use at most %(n)d characters (now %(m)d).", n=limit, m=len(text))
    return text


def clean_contact_input(data: ContactInput) -> ContactInput:
    """The input as it will be stored and sent, or InvalidInput with a message for each bad field."""
    errors: dict[str, str] = {}
    name = _one_line(data.name, "name", MAX_NAME, errors, missing=_("Enter your name."),
                     line_break=_("Write your name on one line."),
                     encoded=_("Write your name as plain text, without mail codes like “=?utf-8?…?=”."))
    subject = _one_line(data.subject, "subject", MAX_SUBJECT, errors, missing=_("Enter the subject."),
                        line_break=_("Write the subject on one line."),
                        encoded=_("Write the subject as plain text, without mail codes like “=?utf-8?…?=”."))
    try:
        email = normalise_sender_email(data.email)
    except InvalidInput as error:
        errors.update(error.errors)
        email = ""
    body = clean_block(data.body)
    if len(body) < MIN_BODY:
        errors["body"] = _("Write a message of at least %(n)d characters.", n=MIN_BODY)
    elif len(body) > MAX_BODY:
        errors["body"] = _("Use at most %(n)d characters (now %(count)d).", n=MAX_BODY, count=len(body))
    elif len(_LINK.findall(body)) > MAX_LINKS:
        errors["body"] = _("Include at most %(n)d links; the recipients can ask you for more.", n=MAX_LINKS)
    if errors:
        raise InvalidInput(errors)
    return ContactInput(name=name, email=email, subject=subject, body=body, share_email=bool(data.share_email))


def _check_abuse(entry: Entry, data: ContactInput, digest: str, recipients: list[User], now: datetime) -> None:
    if db.session.get(BlockedSender, data.email) is not None:
        raise InvalidInput({"email": _("Messages from this address are not accepted. If you think this is a "
                                       "mistake, write to the hub's team.")})
    day_ago = now - timedelta(days=1)
    other_entries = db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.select(Message.entry_kind, Message.entry_id).distinct()
        .where(Message.fingerprint == digest, Message.created_at >= day_ago,
               sa.not_(sa.and_(Message.entry_kind == entry.kind, Message.entry_id == entry.id))).subquery()))
    if other_entries >= SAME_TEXT_ENTRIES:
        raise InvalidInput({"body": _("This same message has already been sent to several entries today. "
                                      "Write to each in your own words, or ask the hub's team to help.")})
    busiest = db.session.scalar(
        sa.select(sa.func.count()).select_from(MessageRecipient).join(Message)
        .where(MessageRecipient.user_id.in_([u.id for u in recipients]), Message.created_at >= day_ago)
        .group_by(MessageRecipient.user_id).order_by(sa.func.count().desc()).limit(1)) or 0
    if busiest >= RECIPIENT_DAILY_LIMIT:
        raise InvalidInput({"": _("The people behind this entry have received many messages today. "
                                  "Please try again tomorrow.")})


def send_message(sender: User | None, entry: Entry, data: ContactInput) -> Message:
    """Store the message and queue a mail to each recipient and a copy to the sender,
    all in the caller's transaction (sent after its commit)."""
    if not is_contactable(entry):
        raise NotFound()
    data = clean_contact_input(data)
    now = utcnow()
    recipients, to_moderators = recipients_for(entry)
    digest = fingerprint(data.subject + " " + data.body)
    _check_abuse(entry, data, digest, recipients, now)

    message = Message(
        entry_kind=entry.kind, entry_id=entry.id, entry_title=entry.title[:300], sender_name=data.name,
        sender_email=data.email, sender_id=getattr(sender, "id", None), subject=data.subject, body=data.body,
        share_email=data.share_email, consent_at=now if data.share_email else None, fingerprint=digest,
        to_moderators=to_moderators, created_at=now,
        recipients=[MessageRecipient(user_id=user.id) for user in recipients])
    db.session.add(message)
    db.session.flush()

    entry_url = external_url(f"directory.{entry.kind}", slug=entry.slug)
    reply_to = _reply_to(data.name, data.email) if data.share_email else None
    example = is_example(entry)
    for user in recipients:
        queue_mail(user.email, _("Message about “%(title)s”: %(subject)s", title=message.entry_title,
                                 subject=data.subject),
                   _recipient_mail(message, user, entry_url, example), reply_to=reply_to)
    queue_mail(data.email, _("Your message about “%(title)s” was sent", title=message.entry_title),
               _sender_copy(message, entry_url, example))
    return message


def _reply_to(name: str, email: str) -> str:
    """The sender's name and address for Reply-To, or the address alone when the mail library would
    not read the name back as written: Python's email package drops the quotes around a name when it
    folds a long header, and splits a name that mixes accents and commas, so that parts of the name
    ("…, other@example.org") would become further addresses to answer to."""
    value = formataddr((name, email))
    try:
        mail = EmailMessage()
        mail["Reply-To"] = value
        read = BytesParser(policy=policy.default).parsebytes(bytes(mail))["Reply-To"]
        if [(a.display_name, a.addr_spec) for a in read.addresses] == [(name, email)]:
            return value
    except Exception:  # whatever the library makes of the name, the address alone is safe
        pass
    return email


def _recipient_mail(message: Message, user: User, entry_url: str, example: bool = False) -> str:
    lines = [_("Hello %(name)s,", name=user.display_name), ""]
    if example:
        lines += [_("This message reached the moderators because “%(title)s” is a fictional example profile: "
                    "nobody stands behind it. Please answer it on behalf of the hub.",
                    title=message.entry_title), ""]
    elif message.to_moderators:
        lines += [_("This message reached the moderators because nobody behind the entry can be reached "
                    "through the hub. Please pass it on or answer it."), ""]
    lines += [_("%(sender)s wrote to you through the AI Competency Hub about “%(title)s” (%(url)s):",
                sender=message.sender_name, title=message.entry_title, url=entry_url), "",
              _("Subject: %(subject)s", subject=message.subject), "", message.body, "", "—"]
    if message.share_email:
        lines.append(_("%(sender)s agreed to share their address with you: answer this mail to reply directly.",
                       sender=message.sender_name))
    else:
        lines.append(_("%(sender)s did not share their address. Answer through the hub, and it will pass your "
                       "answer on:", sender=message.sender_name))
    lines += [external_url("contact.message", message_id=message.id), "",
              _("If this message is spam, report it from that page.")]
    return "\n".join(lines) + "\n"


def _sender_copy(message: Message, entry_url: str, example: bool = False) -> str:
    if example:
        passed_on = _("“%(title)s” (%(url)s) is a fictional example, not a real person: your message went to "
                      "the hub's team. This is your copy.", title=message.entry_title, url=entry_url)
    elif message.to_moderators:
        passed_on = _("Nobody behind “%(title)s” (%(url)s) can be reached through the hub yet: your message went "
                      "to the hub's team, who will pass it on or answer. This is your copy.",
                      title=message.entry_title, url=entry_url)
    else:
        passed_on = _("Your message about “%(title)s” (%(url)s) was passed on. This is your copy.",
                      title=message.entry_title, url=entry_url)
    lines = [_("Hello %(name)s,", name=message.sender_name), "", passed_on, "",
             _("Subject: %(subject)s", subject=message.subject), "", message.body, "", "—"]
    lines.append(_("You agreed to share your address: the recipients can answer you directly.")
                 if message.share_email else
                 _("You did not share your address: answers come to you through the hub, from this address."))
    lines.append(_("If you did not write this message, ignore this mail; nothing more will be sent to you."))
    return "\n".join(lines) + "\n"


# --- the recipients' side -------------------------------------------------------------------


def get_message(user, message_id: int) -> Message:
    message = db.session.get(Message, message_id)
    if message is None or not can_read(user, message):
        raise NotFound()  # not 403: nobody learns that a message exists
    return message


def inbox(user: User, handled: bool | None = None, page: int = 1, per_page: int = 20) -> Page:
    """The user's received messages, newest first, as (message, their recipient row)."""
    query = (sa.select(Message, MessageRecipient).join(MessageRecipient)
             .where(MessageRecipient.user_id == user.id))
    if handled is not None:
        query = query.where(MessageRecipient.handled_at.is_not(None) if handled
                            else MessageRecipient.handled_at.is_(None))
    return _paged(query.order_by(Message.created_at.desc(), Message.id.desc()), page, per_page, rows=True)


def _paged(query: sa.Select, page: int, per_page: int, rows: bool = False) -> Page:
    """One page of an ordered query with the total: its objects, or its rows as tuples."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    limited = query.limit(per_page).offset((page - 1) * per_page)
    items = [tuple(r) for r in db.session.execute(limited)] if rows else list(db.session.scalars(limited))
    return Page(items=items, total=total, page=page, per_page=per_page)


def unhandled_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(MessageRecipient).where(
        MessageRecipient.user_id == user.id, MessageRecipient.handled_at.is_(None)))


def recipient_row(user, message: Message) -> MessageRecipient | None:
    return next((r for r in message.recipients if r.user_id == getattr(user, "id", None)), None)


def set_handled(user, message: Message, handled: bool) -> None:
    row = recipient_row(user, message)
    require(row is not None)
    row.handled_at = (row.handled_at or utcnow()) if handled else None


def reply(user, message: Message, body: str) -> MessageReply:
    """Store the answer and relay it to the sender from the hub's address."""
    require(can_answer(user, message))
    text = clean_block(body)
    if len(text) < 2:
        raise InvalidInput({"body": _("Write your answer.")})
    if len(text) > MAX_BODY:
        raise InvalidInput({"body": _("Use at most %(n)d characters (now %(count)d).", n=MAX_BODY, count=len(text))})
    answer = MessageReply(message=message, author_id=user.id, body=text)
    db.session.add(answer)
    set_handled(user, message, True)
    db.session.flush()
    lines = [_("Hello %(name)s,", name=message.sender_name), "",
             _("%(author)s answered your message about “%(title)s”:", author=user.display_name,
               title=message.entry_title), "", text, "", "—",
             _("Your message (%(subject)s):", subject=message.subject), "",
             *("> " + line for line in message.body.splitlines()), "",
             _("This answer was passed on by the AI Competency Hub; do not answer this mail. To write again, "
               "use the contact form of the entry.")]
    queue_mail(message.sender_email, _("Answer to your message: %(subject)s", subject=message.subject),
               "\n".join(lines) + "\n")
    return answer


def report_spam(user, message: Message) -> None:
    """A recipient tells the moderators that a message is spam; it leaves their list of open messages."""
    require(can_answer(user, message))
    if message.spam_reported_at is None:
        message.spam_reported_at = utcnow()
        message.spam_reported_by_id = user.id
        for moderator in moderators():
            queue_mail(moderator.email, _("A message was reported as spam"),
                       _("%(user)s reported a message about “%(title)s” as spam. Review it:\n%(url)s\n",
                         user=user.display_name, title=message.entry_title,
                         url=external_url("contact.moderation_messages")))
    set_handled(user, message, True)


# --- moderators -------------------------------------------------------------------------------


def spam_reports(page: int = 1, per_page: int = 20) -> Page:
    query = sa.select(Message).where(Message.spam_reported_at.is_not(None), Message.spam_decision.is_(None))
    return _paged(query.order_by(Message.spam_reported_at), page, per_page)


def fell_through(page: int = 1, per_page: int = 20) -> Page:
    """Messages no contact person, owner or member could receive: the moderators received them."""
    query = sa.select(Message).where(Message.to_moderators.is_(True))
    return _paged(query.order_by(Message.created_at.desc()), page, per_page)


def decide_spam(moderator, message: Message, block: bool, reason: str) -> None:
    """Block the sender's address (their later messages are refused), or dismiss the report."""
    require(can_decide_spam(moderator))
    reason = clean_block(reason)
    if message.spam_reported_at is None or message.spam_decision is not None:
        raise InvalidInput({"": _("This report was already decided.")})
    if block and not reason:
        raise InvalidInput({"reason": _("Say why the sender is blocked.")})
    message.spam_decision = "blocked" if block else "dismissed"
    if block and db.session.get(BlockedSender, message.sender_email) is None:
        db.session.add(BlockedSender(email=message.sender_email, reason=reason, blocked_by_id=moderator.id))
    audit.record(moderator, "contact.spam_blocked" if block else "contact.spam_dismissed",
                 reason=reason or None)


# --- retention --------------------------------------------------------------------------------


@dataclass
class PurgeReport:
    messages: int
    replies: int
    outbox_mails: int
    before: datetime


def purge(months: int | None = None, now: datetime | None = None) -> PurgeReport:
    """Delete messages (with their answers and inbox rows) and outbox mails older than the
    retention period: the hub keeps what people wrote no longer than it needs to."""
    months = current_app.config["CONTACT_RETENTION_MONTHS"] if months is None else months
    before = (now or utcnow()) - timedelta(days=round(months * 30.44))
    old = sa.select(Message.id).where(Message.created_at < before)
    replies = db.session.execute(sa.delete(MessageReply).where(MessageReply.message_id.in_(old))).rowcount
    db.session.execute(sa.delete(MessageRecipient).where(MessageRecipient.message_id.in_(old)))
    messages = db.session.execute(sa.delete(Message).where(Message.created_at < before)).rowcount
    mails = db.session.execute(sa.delete(OutboxMail).where(OutboxMail.created_at < before)).rowcount
    return PurgeReport(messages=messages, replies=replies, outbox_mails=mails, before=before)
