"""Settings by mode: production refuses to start without a secret key; in
development the key is made once and kept."""
from __future__ import annotations

import importlib

import pytest

import config
from hub import create_app


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config.ProductionConfig)


def test_development_secret_key_is_made_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    try:
        first = importlib.reload(config).DevelopmentConfig.SECRET_KEY
        second = importlib.reload(config).DevelopmentConfig.SECRET_KEY
        assert first == second and len(first) >= 40
        assert (tmp_path / "secret_key").read_text().strip() == first
        assert importlib.reload(config).Config.SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'hub.db'}"
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_unknown_mode_is_refused():
    with pytest.raises(RuntimeError, match="Unknown HUB_ENV"):
        config.config_for("staging")
