"""Mail goes out through a real SMTP server on loopback when MAIL_SERVER is set,
and only after the transaction commits."""
from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from hub.db import transaction
from hub.mail import send_after_commit


class Recorder:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app, monkeypatch):
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    yield recorder
    controller.stop()


def test_registration_mail_arrives_through_smtp(client, smtp_server):
    from tests.accounts.test_accounts import register

    register(client, email="smtp@museum.example")
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["smtp@museum.example"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Confirm your email address"
    assert "/verify/" in message.get_content()


def test_no_mail_when_the_transaction_rolls_back(app, smtp_server):
    with pytest.raises(RuntimeError):
        with transaction():
            send_after_commit("someone@museum.example", "Hello", "Body")
            raise RuntimeError("the work failed")
    with transaction():
        pass
    assert smtp_server.envelopes == []


def test_header_injection_is_refused(app):
    with pytest.raises(ValueError):
        send_after_commit("victim@museum.example\r\nBcc: all@museum.example", "Hi", "Body")
