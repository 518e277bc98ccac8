"""Outgoing mail. Real SMTP when MAIL_SERVER is set; otherwise each message is
printed and written as an .eml file to the outbox folder, so development and
tests need no mail server."""
from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from hub.db import after_commit

log = logging.getLogger(__name__)


def build_message(to: str, subject: str, body: str, reply_to: str | None = None) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    # EmailMessage refuses CR/LF in headers, so no header can be injected here.
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="hub.localhost")
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(body)
    return message


def deliver(message: EmailMessage) -> None:
    """Send now, through SMTP or into the development outbox folder."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        _write_to_outbox_folder(message, Path(config["MAIL_OUTBOX_DIR"]))
        return
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=20, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=20)
    with smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def _write_to_outbox_folder(message: EmailMessage, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{formatdate(usegmt=True)[5:25].replace(' ', '-').replace(':', '')}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    if not current_app.testing:
        print(f"--- mail to {message['To']}: {message['Subject']} (saved as {path})\n{message.get_content()}")


def send_after_commit(to: str, subject: str, body: str, reply_to: str | None = None) -> None:
    """Queue a mail that leaves only if the current transaction commits."""
    message = build_message(to, subject, body, reply_to)
    # Hooks run inside the commit, so the app context of the work is still there.
    after_commit(lambda: deliver(message))
