"""Mail goes out through a real SMTP server on loopback when MAIL_SERVER is set,
and only after the transaction commits."""
from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from hub.db import transaction
from hub.contact.outbox import queue_mail


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
            queue_mail("someone@museum.example", "Hello", "Body")
            raise RuntimeError("the work failed")
    with transaction():
        pass
    assert smtp_server.envelopes == []


def test_header_injection_is_refused(app):
    with pytest.raises(ValueError):
        queue_mail("victim@museum.example\r\nBcc: all@museum.example", "Hi", "Body")
