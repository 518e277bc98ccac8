"""One place that turns errors into pages (or JSON for JSON clients)."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from hub import errors
from hub.db import db

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz" or (
        request.accept_mimetypes.best == "application/json"
    )


def render_error(status: int, title: str, message: str):
    if _wants_json():
        return jsonify(error={"status": status, "title": title, "message": message}), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
        403: (_("Not allowed"), _("You do not have permission to see this page or do this.")),
        404: (_("Page not found"), _("There is no page at this address. It may have moved or never existed.")),
        405: (_("Not allowed"), _("This address does not accept this kind of request.")),
        409: (_("Conflict"), _("This could not be done because something changed in the meantime.")),
        413: (_("Too large"), _("What you sent is too large.")),
        422: (_("Invalid input"), _("Some of what you entered could not be used.")),
        429: (_("Too many requests"), _("You have tried this too often. Wait a few minutes and try again.")),
        500: (_("Something went wrong"), _("An error occurred on our side. It has been logged; please try again later.")),
    }


def _page(status: int, message: str | None = None):
    title, default_message = _messages().get(status, (_("Error"), _("Something went wrong.")))
    return render_error(status, title, message or default_message)


def init_app(app: Flask) -> None:
    @app.errorhandler(errors.NotFound)
    def not_found(error):
        return _page(404, error.message or None)

    @app.errorhandler(errors.PermissionDenied)
    def permission_denied(error):
        if not current_user.is_authenticated and not _wants_json():
            return app.login_manager.unauthorized()
        return _page(403, error.message or None)

    @app.errorhandler(errors.Conflict)
    def conflict(error):
        return _page(409, error.message or None)

    @app.errorhandler(errors.InvalidInput)
    def invalid_input(error):
        return _page(422, error.message or None)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _page(400, _("The form had expired or was sent from elsewhere. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        return _page(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _page(500)
