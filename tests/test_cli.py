"""The `flask hub` commands an administrator uses."""
from __future__ import annotations

from hub.accounts.models import Role, User
from hub.db import db
from hub.directory.models import EntryStatus
from tests.factories import make_organisation, make_project, make_user


def test_create_admin_with_password_from_environment(app, monkeypatch):
    monkeypatch.setenv("HUB_ADMIN_PASSWORD", "an admin passphrase")
    result = app.test_cli_runner().invoke(args=["hub", "create-admin", "Admin@Museum.Example"])
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(db.select(User).where(User.email == "admin@museum.example"))
    assert admin.role is Role.ADMIN and admin.email_verified


def test_create_admin_promotes_an_existing_member_and_refuses_weak_passwords(app, monkeypatch):
    member = make_user(email="member@museum.example")
    monkeypatch.setenv("HUB_ADMIN_PASSWORD", "short")
    result = app.test_cli_runner().invoke(args=["hub", "create-admin", "member@museum.example"])
    assert result.exit_code != 0 and "at least 12" in result.output
    monkeypatch.setenv("HUB_ADMIN_PASSWORD", "a much longer passphrase")
    result = app.test_cli_runner().invoke(args=["hub", "create-admin", "member@museum.example"])
    assert result.exit_code == 0 and member.role is Role.ADMIN


def test_create_admin_prompts_for_the_password(app, monkeypatch):
    monkeypatch.delenv("HUB_ADMIN_PASSWORD", raising=False)
    result = app.test_cli_runner().invoke(args=["hub", "create-admin", "prompted@museum.example"],
                                          input="typed passphrase!\ntyped passphrase!\n")
    assert result.exit_code == 0, result.output


def test_publish_a_pending_entry(app):
    project = make_project(make_organisation(), status=EntryStatus.PENDING)
    runner = app.test_cli_runner()
    assert "test-project" in runner.invoke(args=["hub", "pending"]).output
    result = runner.invoke(args=["hub", "publish", "project", project.slug])
    assert result.exit_code == 0 and project.status is EntryStatus.PUBLISHED and project.published_at
    again = runner.invoke(args=["hub", "publish", "project", project.slug])
    assert again.exit_code != 0 and "already decided" in again.output
    assert runner.invoke(args=["hub", "publish", "project", "no-such-slug"]).exit_code != 0
