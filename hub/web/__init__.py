"""The thin HTTP layer: blueprints, error pages, headers and template helpers."""
from __future__ import annotations

import threading

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_number, get_locale, gettext as _
from flask_login import current_user

from hub.contact.services import is_contactable
from hub.directory import vocabulary as vocab
from hub.markdown import render_markdown
from hub.text import year_range


def init_app(app: Flask) -> None:
    from hub.web import errors, security
    from hub.web.accounts.views import bp as accounts_bp
    from hub.web.admin.views import bp as admin_bp
    from hub.web.contact.views import bp as contact_bp
    from hub.web.directory.views import bp as directory_bp
    from hub.web.i18n import LANGUAGE_NAMES, kind_labels
    from hub.web.memberships.views import bp as memberships_bp
    from hub.web.moderation.views import bp as moderation_bp
    from hub.web.search.views import bp as search_bp
    from hub.web.public.views import bp as public_bp
    from hub.web.submit.views import bp as submit_bp

    for blueprint in (public_bp, directory_bp, accounts_bp, submit_bp, moderation_bp, memberships_bp, admin_bp, search_bp,
                      contact_bp):
        app.register_blueprint(blueprint)
    errors.init_app(app)
    security.init_app(app)

    app.jinja_env.filters.update(
        markdown=render_markdown,
        concept=lambda concept_id: vocab.label(concept_id),
        country=lambda code: vocab.country_name(code),
        language=lambda code: vocab.language_name(code),
        date=lambda value: format_date(value, "medium") if value else "",
        datetime=lambda value: format_datetime(value, "medium") if value else "",
        format_number=format_number,
        # "250–230 BC", never "-250–-230": the one way a span of years is shown.
        year_range=lambda start, end=None: year_range(start, end, bc=_("BC"), ad=_("AD")),
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.tests["contactable"] = is_contactable
    _deliver_queued_mail_in_background(app)

    @app.context_processor
    def template_globals():
        from hub.accounts.permissions import can_administer, can_moderate
        from hub.contact.services import unhandled_count
        from hub.directory.permissions import can_edit
        from hub.moderation import workflow
        from hub.moderation.services import open_revision, waiting_count

        return {
            "is_moderator": can_moderate(current_user),
            "is_admin": can_administer(current_user),
            "messages_waiting": (lambda: unhandled_count(current_user)) if current_user.is_authenticated
            else (lambda: 0),
            # Computed when the navigation asks for it: only moderators see it.
            "moderation_waiting": waiting_count if can_moderate(current_user) else (lambda: 0),
            "may": lambda action, entry: workflow.allowed(current_user, entry, action),
            "open_revision": open_revision,
            "vocab": vocab,
            "current_locale": str(get_locale() or "en"),
            "language_names": LANGUAGE_NAMES,
            "kind_labels": kind_labels,
            "can_edit": lambda entry: can_edit(current_user, entry),
            "url_with": _url_with,
        }


def _url_with(**changes) -> str:
    """The current URL with some query arguments changed (None removes one); keeps filters shareable."""
    from urllib.parse import urlencode

    args = {k: v for k, v in request.args.items()}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    query = urlencode(args)
    return request.path + (f"?{query}" if query else "")


def _deliver_queued_mail_in_background(app: Flask) -> None:
    """With MAIL_RETRY_SECONDS set (development), the first request starts the outbox's retry
    thread, so that mail queued while the SMTP server was down leaves once it is back."""
    seconds = app.config.get("MAIL_RETRY_SECONDS") or 0
    if seconds <= 0 or app.testing:
        return
    lock = threading.Lock()
    started: list = []

    @app.before_request
    def _start_outbox_thread():
        with lock:
            if not started:
                from hub.contact.outbox import start_background_delivery

                started.append(start_background_delivery(app, seconds))
