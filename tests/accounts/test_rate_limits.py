"""Login, registration and password reset are rate limited per address:
in memory by default, in Redis when RATELIMIT_STORAGE_URI points to one."""
from __future__ import annotations

import socket
import uuid

import pytest

from config import TestingConfig
from hub import create_app
from tests.conftest import csrf_token


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


STORAGES = [
    pytest.param("memory://", id="memory"),
    pytest.param("redis://127.0.0.1:6379/15", id="redis", marks=pytest.mark.skipif(
        not _redis_available(), reason="Redis is not reachable at 127.0.0.1:6379: the Redis rate-limit run is SKIPPED")),
]


@pytest.fixture(autouse=True)
def _limiter_off_afterwards():
    """The limiter is one shared object, and each create_app() sets it up anew:
    switch it off again, or the following tests of the main app are rate limited."""
    yield
    from hub.extensions import limiter

    limiter.enabled = False


@pytest.mark.parametrize("storage", STORAGES)
@pytest.mark.parametrize("path", ["/login", "/register", "/forgot-password"])
def test_too_many_attempts_are_refused(database_url, storage, path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=True,
                     RATELIMIT_STORAGE_URI=storage, RATELIMIT_KEY_PREFIX=f"hub-test-{uuid.uuid4().hex}")
    client = app.test_client()
    # A unique client address per run, so that no earlier run's counters interfere.
    environ = {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"}
    token = csrf_token(client.get(path, environ_base=environ).get_data(as_text=True))
    statuses = [
        client.post(path, data={"csrf_token": token, "email": "x"}, environ_base=environ).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 200 and 429 in statuses
    refused = client.post(path, data={"csrf_token": token, "email": "x"}, environ_base=environ)
    assert refused.status_code == 429
    assert "Too many requests" in refused.get_data(as_text=True)
    with app.app_context():
        from hub.db import db

        db.engine.dispose()
