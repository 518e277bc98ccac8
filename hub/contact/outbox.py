"""The outbox: every outgoing mail is first a row in the transaction of the work that
sends it, so a rollback sends nothing and a commit loses nothing. After the commit it
is delivered at once; a delivery that fails stays queued and is retried with back-off
by `flask hub send-mail` (and, in development, by a thread of the running app).

Delivery claims a row before talking to the SMTP server and marks it sent after, each
in a short transaction of its own, so that two senders never send the same mail."""
from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from hub.contact.models import OutboxMail
from hub.db import after_commit, db, separate_transaction, utcnow
from hub.mail import build_message, deliver, new_message_id

log = logging.getLogger(__name__)

# Minutes to wait after the 1st, 2nd, ... failed attempt; the last figure repeats.
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360)
CLAIM_FOR = timedelta(minutes=5)  # longer than any SMTP conversation (hub.mail.SMTP_TIMEOUT)
# "=?charset?q-or-b?text?=" (RFC 2047): decoded by the mail library, line breaks included.
_ENCODED_WORD_START = re.compile(r"=\?(?=[^?\s]*\?[bq]\?[^?\s]*\?=)", re.IGNORECASE)
# A line break not followed by a space or tab starts a new header (the check Python adds in 3.12.5).
_NEWLINE_WITHOUT_FWSP = re.compile(r"\r\n[^ \t]|\r[^ \n\t]|\n[^ \t]")


def _check_headers(message) -> None:
    for name, value in message.items():
        folded = message.policy.fold(name, value)
        if _NEWLINE_WITHOUT_FWSP.search(folded.removesuffix(message.policy.linesep)):
            raise ValueError(f"the {name} header would write another header")


def queue_mail(to: str, subject: str, body: str, reply_to: str | None = None) -> OutboxMail:
    """Queue a mail that leaves after the current transaction commits (and never if it rolls back).
    Raises ValueError for a header with a line break, before anything is stored. Text in the subject
    that reads like an encoded word (a title "=?utf-8?q?…=0D=0A…?=") stays text: a zero-width space
    after its "=" keeps the mail library from decoding it."""
    subject = _ENCODED_WORD_START.sub("=\u200b", subject)
    message_id = new_message_id()
    # Refuses a forged header now, not at delivery: a line break as typed, or one the library would write.
    _check_headers(build_message(to, subject, body, reply_to, message_id))
    mail = OutboxMail(to_address=to, subject=subject, body=body, reply_to=reply_to, message_id=message_id)
    db.session.add(mail)
    db.session.flush()
    mail_id = mail.id
    after_commit(lambda: deliver_mails([mail_id]))
    return mail


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # still unsent after this run, due later


def _claim(mail_id: int, now: datetime) -> OutboxMail | None:
    with separate_transaction() as session:
        claimed = session.execute(
            sa.update(OutboxMail)
            .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None),
                   sa.or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now))
            .values(claimed_until=now + CLAIM_FOR, attempts=OutboxMail.attempts + 1, last_attempt_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            return None
        mail = session.get(OutboxMail, mail_id)
        session.expunge(mail)
        return mail


def _record(mail_id: int, **values) -> None:
    with separate_transaction() as session:
        session.execute(sa.update(OutboxMail).where(OutboxMail.id == mail_id)
                        .values(claimed_until=None, **values).execution_options(synchronize_session=False))


def deliver_mails(mail_ids: Iterable[int], report: DeliveryReport | None = None) -> DeliveryReport:
    """Try each mail now (whatever its back-off); a mail sent, or held by another sender, is skipped."""
    report = report or DeliveryReport()
    for mail_id in mail_ids:
        now = utcnow()
        mail = _claim(mail_id, now)
        if mail is None:
            continue
        try:
            deliver(build_message(mail.to_address, mail.subject, mail.body, mail.reply_to, mail.message_id))
        except Exception as error:  # any failure of the transport: keep the mail, retry later
            log.warning("mail %s to the outbox for a retry (attempt %s): %s", mail_id, mail.attempts, error)
            _record(mail_id, last_error=f"{type(error).__name__}: {error}"[:2000],
                    next_attempt_at=now + backoff(mail.attempts))
            report.failed += 1
        else:
            _record(mail_id, sent_at=utcnow(), last_error=None, next_attempt_at=None)
            report.sent += 1
    return report


def deliver_due(now: datetime | None = None, ignore_backoff: bool = False, limit: int = 500) -> DeliveryReport:
    """Deliver the queued mails whose back-off has passed (all of them with ignore_backoff)."""
    now = now or utcnow()
    unsent = sa.and_(OutboxMail.sent_at.is_(None),
                     sa.or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now))
    due = unsent if ignore_backoff else sa.and_(
        unsent, sa.or_(OutboxMail.next_attempt_at.is_(None), OutboxMail.next_attempt_at <= now))
    with separate_transaction() as session:
        ids = list(session.scalars(sa.select(OutboxMail.id).where(due).order_by(OutboxMail.id).limit(limit)))
    report = deliver_mails(ids)
    report.waiting = waiting_count()
    return report


def waiting_count() -> int:
    with separate_transaction() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(OutboxMail).where(OutboxMail.sent_at.is_(None)))


def start_background_delivery(app: Flask, every_seconds: float) -> threading.Thread:
    """A daemon thread that delivers due mail every so often: what `flask hub send-mail` does,
    for a development server that nobody schedules commands for."""

    def loop() -> None:
        while True:
            time.sleep(every_seconds)
            try:
                with app.app_context():
                    report = deliver_due()
                    if report.sent or report.failed:
                        log.info("outbox: %s sent, %s failed, %s waiting", report.sent, report.failed,
                                    report.waiting)
            except Exception:  # the database may be busy or gone for a while: try again next time
                log.exception("outbox: delivery failed")

    thread = threading.Thread(target=loop, name="hub-outbox", daemon=True)
    thread.start()
    return thread
