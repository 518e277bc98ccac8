"""Mail transport: build a message and hand it to SMTP when MAIL_SERVER is set, or,
without a server, print it and write it as an .eml file to the development outbox
folder, so development and tests need no mail server.

Nothing calls deliver() directly: every mail goes through the outbox table
(hub.contact.outbox), which sends after the commit and retries what failed."""
from __future__ import annotations

import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

SMTP_TIMEOUT = 15  # seconds; a request that sends after its commit waits at most this long


def new_message_id() -> str:
    return make_msgid(domain="hub.localhost")


def build_message(to: str, subject: str, body: str, reply_to: str | None = None,
                  message_id: str | None = None) -> EmailMessage:
    """Raises ValueError for a header with a line break: no header can be injected."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or new_message_id()
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(body)
    return message


def deliver(message: EmailMessage) -> None:
    """Send now, through SMTP or into the development outbox folder; raises on failure."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        _write_to_outbox_folder(message, Path(config["MAIL_OUTBOX_DIR"]))
        return
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
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
