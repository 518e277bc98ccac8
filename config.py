"""Settings read from the environment, one class per mode.

`HUB_ENV` picks the mode (development by default); `DATABASE_URL` picks the
database (SQLite in `instance/hub.db` by default).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("HUB_INSTANCE_PATH", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret_key() -> str:
    """A key made once per checkout and kept in instance/, so sessions survive restarts."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    INSTANCE_PATH = str(INSTANCE_DIR)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'hub.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SECRET_KEY = os.environ.get("SECRET_KEY")

    # Mail: real SMTP when MAIL_SERVER is set, else printed and written to instance/outbox/.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "AI Competency Hub <no-reply@hub.localhost>")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    # Queued mail that failed is retried by `flask hub send-mail`; with a number of seconds here,
    # the running app retries by itself that often (development does, for `make run`).
    MAIL_RETRY_SECONDS = int(os.environ.get("MAIL_RETRY_SECONDS", "0"))
    # Contact messages and sent mail are deleted after this long (`flask hub purge`).
    CONTACT_RETENTION_MONTHS = int(os.environ.get("HUB_CONTACT_RETENTION_MONTHS", "12"))
    # A contact form sent back sooner than this after it was shown was not filled in by a person.
    CONTACT_MIN_SECONDS = float(os.environ.get("HUB_CONTACT_MIN_SECONDS", "3"))
    # The address used in links inside mails sent outside a request (CLI).
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")

    # Rate limits: memory by default; a Redis URI shares the counters between workers.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True

    # Search queries are counted (anonymously) in memory and written this often; 0 writes each at once.
    SEARCH_COUNTS_EVERY_SECONDS = float(os.environ.get("HUB_SEARCH_COUNTS_EVERY_SECONDS", "10"))

    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ["en", "fr", "nl", "de", "it", "es"]
    # <language>/LC_MESSAGES/messages.po, compiled to .mo by `make run` and `make test` (never committed).
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "hub" / "translations")

    WTF_CSRF_TIME_LIMIT = 6 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    EMAIL_TOKEN_MAX_AGE = 3 * 24 * 3600  # verification links
    RESET_TOKEN_MAX_AGE = 2 * 3600  # password reset links
    # Freshness: entries not reviewed or confirmed for this long are marked as possibly
    # outdated on their page; their editors are reminded earlier (flask hub remind-stale).
    OUTDATED_AFTER_MONTHS = int(os.environ.get("HUB_OUTDATED_AFTER_MONTHS", "24"))
    STALE_AFTER_MONTHS = int(os.environ.get("HUB_STALE_AFTER_MONTHS", "12"))
    CONFIRM_TOKEN_MAX_AGE = 60 * 24 * 3600  # "still accurate" links in the reminders
    PAGE_SIZE = 20


class DevelopmentConfig(Config):
    DEBUG = False  # the debugger is never on by default: it runs code from the browser
    MAIL_RETRY_SECONDS = int(os.environ.get("MAIL_RETRY_SECONDS", "30"))
    SECRET_KEY = Config.SECRET_KEY or _development_secret_key()


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("HUB_TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = None
    MAIL_RETRY_SECONDS = 0
    CONTACT_MIN_SECONDS = 0.0
    SEARCH_COUNTS_EVERY_SECONDS = 0.0
    PUBLIC_URL = "http://localhost"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in production (HUB_ENV=production).")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    name = name or os.environ.get("HUB_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown HUB_ENV {name!r}; use one of {', '.join(CONFIGS)}.") from None
