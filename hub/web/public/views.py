"""Home, about, privacy, health check and the language switcher."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request

from hub.db import db
from hub.directory import demo, listing, vocabulary as vocab
from hub.web.i18n import LANGUAGE_COOKIE

bp = Blueprint("public", __name__)


# Six cards fill every row of the home page's grids, in one, two or three columns (hub.css).
HOME_CARDS = 6


@bp.get("/")
def home():
    return render_template(
        "public/home.html",
        counts=listing.counts(),
        latest_projects=listing.latest("project", HOME_CARDS),
        latest_resources=listing.latest("resource", HOME_CARDS),
        # Only topics with published entries: an empty topic is a dead end on the first page.
        techniques=[(concept, n) for concept, n in listing.topic_counts(vocab.TECHNIQUE) if n],
        areas=[(concept, n) for concept, n in listing.topic_counts(vocab.AREA) if n],
    )


@bp.get("/about")
def about():
    data_sources, cited_pages = demo.licence_notes()
    return render_template("public/about.html", counts=listing.counts(), data_sources=data_sources,
                           cited_pages=cited_pages)


@bp.get("/privacy")
def privacy():
    return render_template("public/privacy.html")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


def _safe_next(target: str | None) -> str:
    """Only paths on this site: never an open redirect. Control characters are
    refused too: browsers (and urllib) drop tabs and line breaks from a URL, so
    "/<tab>/evil.example" would leave as "//evil.example"; and a line break in
    a header is an error (a 500)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    return target


@bp.get("/language")
def choose_language():
    """The header's language select (a GET form, so it works without JavaScript)."""
    return set_language(request.args.get("code", ""))


@bp.get("/language/<code>")
def set_language(code: str):
    response = redirect(_safe_next(request.args.get("next")))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
