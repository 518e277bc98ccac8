"""`flask hub ...` commands: the first admin, vocabulary, demo data, import, publishing."""
from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from hub.accounts import services as accounts
from hub.db import db, transaction
from hub.directory import demo, importer, services
from hub.directory.models import ENTRY_MODELS, EntryStatus
from hub.errors import DomainError, InvalidInput
from hub.moderation import freshness
from hub.moderation import services as moderation

hub_cli = AppGroup("hub", help="Commands of the AI Competency Hub.")


@hub_cli.command("create-admin")
@click.argument("email")
@click.option("--name", help="Display name (default: the part of the address before @).")
def create_admin(email: str, name: str | None) -> None:
    """Create the first administrator, or promote an existing account.

    The password comes from HUB_ADMIN_PASSWORD, else from a prompt."""
    password = os.environ.get("HUB_ADMIN_PASSWORD") or click.prompt(
        "Password (at least 12 characters)", hide_input=True, confirmation_prompt=True)
    try:
        with transaction():
            user = accounts.create_admin(email, password, name)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{user.email} is an administrator.")


@hub_cli.command("sync-vocabulary")
def sync_vocabulary() -> None:
    """Load the topics of taxonomy.json into the database."""
    with transaction():
        added = services.sync_topics()
    click.echo(f"Vocabulary in sync ({added} topics added).")


def _echo_summary(summary: importer.ImportSummary) -> None:
    click.echo(f"created {summary.created}, updated {summary.updated}, skipped {summary.skipped}, "
               f"errors {len(summary.errors)}")
    for error in summary.errors[:50]:
        click.echo(f"  {error}", err=True)


@hub_cli.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Only when the directory has no organisation yet.")
def load_demo(if_empty: bool) -> None:
    """Load the demo directory (idempotent: a second run updates)."""
    if if_empty and not demo.directory_is_empty():
        click.echo("The directory is not empty: demo data not loaded.")
        return
    lines = list(demo.demo_lines())
    with click.progressbar(length=len(lines), label="Loading the demo directory", file=sys.stderr) as bar:
        with transaction():
            summary = importer.import_lines(lines, publish=True, progress=bar.update)
    _echo_summary(summary)


@hub_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))  # -sig: accept a byte-order mark
@click.option("--pending", is_flag=True, help="Import as pending review instead of published.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid lines even if some lines have errors.")
def import_file(file, pending: bool, skip_invalid: bool) -> None:
    """Import entries from a JSON Lines FILE (see docs/import.md)."""
    try:
        # JSON Lines end at "\n" only: splitlines() would also cut at U+2028, U+0085 and
        # other characters that JSON strings may contain unescaped.
        lines = file.read().split("\n")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"The file is not UTF-8 text ({error.reason} at byte {error.start}).") from None
    if lines and not lines[-1]:
        lines.pop()  # the newline that ends the last line
    try:
        with click.progressbar(length=len(lines), label="Importing", file=sys.stderr) as bar:
            with transaction():
                summary = importer.import_lines(lines, publish=not pending, skip_invalid=skip_invalid,
                                                progress=bar.update)
    except importer.ImportRejected as rejected:
        for error in rejected.errors[:100]:
            click.echo(f"  {error}", err=True)
        if len(rejected.errors) > 100:
            click.echo(f"  ... and {len(rejected.errors) - 100} more", err=True)
        raise click.ClickException(
            f"{len(rejected.errors)} line(s) with errors: nothing was imported. "
            "Fix them, or use --skip-invalid to import the valid lines.") from None
    _echo_summary(summary)


@hub_cli.command("pending")
def list_pending() -> None:
    """List entries waiting for review."""
    for kind, model in ENTRY_MODELS.items():
        for entry in db.session.scalars(db.select(model).where(model.status == EntryStatus.PENDING)):
            click.echo(f"{kind}\t{entry.slug}\t{entry.title}")


@hub_cli.command("publish")
@click.argument("kind", type=click.Choice(list(ENTRY_MODELS)))
@click.argument("slug")
def publish(kind: str, slug: str) -> None:
    """Approve a pending entry from the command line (logged as done by the system)."""
    model = ENTRY_MODELS[kind]
    entry = db.session.scalar(db.select(model).where(model.slug == slug))
    if entry is None:
        raise click.ClickException(f"No {kind} with the slug {slug!r}.")
    try:
        with transaction():
            moderation.change_status(None, entry, "approve")
    except (DomainError, InvalidInput) as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Published {kind} {slug}.")


@hub_cli.command("remind-stale")
@click.option("--months", type=click.IntRange(min=1, max=1200), default=None,
              help="Remind about entries not confirmed for this many months (default: STALE_AFTER_MONTHS, 12).")
@click.option("--dry-run", is_flag=True, help="Only say what would be sent; send and change nothing.")
def remind_stale(months: int | None, dry_run: bool) -> None:
    """Ask the editors of entries nobody has confirmed for a year whether they are still accurate.

    One mail per person, listing all of their stale entries, each with a one-click
    confirmation link; nobody is asked twice within 30 days. Run it daily (cron)."""
    if dry_run:
        report = freshness.remind_stale(months, dry_run=True)
    else:
        with transaction():
            report = freshness.remind_stale(months)
    verb = "Would remind" if dry_run else "Reminded"
    click.echo(f"{_count(len(report.stale), 'published entry', 'published entries')} not confirmed for "
               f"{report.months} months and not reminded in the last {freshness.REMIND_INTERVAL.days} days.")
    click.echo(f"{verb} {_count(len(report.reminders), 'person', 'people')} about "
               f"{_count(len(report.reminded_entries), 'entry', 'entries')}"
               f"{' (dry run: nothing sent, nothing changed)' if dry_run else ''}.")
    for reminder in report.reminders:
        click.echo(f"  {reminder.user.email}: {', '.join(f'{e.kind} {e.slug}' for e in reminder.entries)}")
    if report.unreachable:
        click.echo(f"Nobody could be reached for {_count(len(report.unreachable), 'entry', 'entries')} (no active, "
                   "confirmed owner or member of the responsible organisation):")
        for entry in report.unreachable[:100]:
            click.echo(f"  {entry.kind} {entry.slug}: {entry.title}")
        if len(report.unreachable) > 100:
            click.echo(f"  ... and {len(report.unreachable) - 100} more")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@hub_cli.command("reindex")
def reindex() -> None:
    """Rebuild the search index from every published entry."""
    from hub.search import services as search

    with transaction():
        total = search.rebuild()
    click.echo(f"Indexed {total:,} published entries.")


@hub_cli.command("send-mail")
@click.option("--retry-now", is_flag=True, help="Try every queued mail now, without waiting for its back-off.")
def send_mail(retry_now: bool) -> None:
    """Deliver queued mail whose retry time has come (run it every few minutes, from cron or a timer)."""
    from hub.contact import outbox

    report = outbox.deliver_due(ignore_backoff=retry_now)
    click.echo(f"{_count(report.sent, 'mail', 'mails')} sent, {report.failed} failed, "
               f"{report.waiting} still queued.")
    if report.failed:
        sys.exit(1)


@hub_cli.command("purge")
@click.option("--months", type=click.IntRange(min=1), help="Retention period (default: CONTACT_RETENTION_MONTHS, 12).")
def purge(months: int | None) -> None:
    """Delete contact messages, their answers and outbox mails older than the retention period."""
    from hub.contact import services as contact

    with transaction():
        report = contact.purge(months)
    click.echo(f"Deleted {_count(report.messages, 'message', 'messages')} "
               f"({_count(report.replies, 'answer', 'answers')}) and {_count(report.outbox_mails, 'outbox mail', 'outbox mails')} "
               f"from before {report.before:%Y-%m-%d %H:%M} UTC.")


def init_app(app: Flask) -> None:
    app.cli.add_command(hub_cli)
