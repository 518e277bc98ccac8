"""The interface language: the visible switcher (a cookie), else the browser's
Accept-Language, else English."""
from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_babel import gettext, lazy_gettext as _l

LANGUAGE_COOKIE = "hub_lang"
# Flask-Login's message when a page needs a login (its own default is English only).
LOGIN_MESSAGE = _l("Log in to see this page.")
# Each language named in itself, as the switcher shows it.
LANGUAGE_NAMES = {
    "en": "English", "fr": "Français", "nl": "Nederlands", "de": "Deutsch", "it": "Italiano", "es": "Español",
}


def kind_labels() -> dict[str, str]:
    """What each kind of entry is called in the interface language (one dict per page)."""
    return {"project": gettext("Project"), "expert": gettext("Expert"), "resource": gettext("Resource"),
            "organisation": gettext("Organisation")}


def select_locale() -> str:
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line: messages in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in supported:
        return chosen
    return _browser_language(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _browser_language(supported) -> str | None:
    """The browser's most preferred language that the hub speaks, by its primary tag: "en-GB,
    fr;q=0.9" is English (Werkzeug's best_match would answer French, the only exact match)."""
    for value, quality in request.accept_languages:  # most preferred first
        language = value.replace("_", "-").split("-")[0].lower()
        if quality > 0 and language in supported:
            return language
    return None
