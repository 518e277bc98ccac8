"""The interface language: the visible switcher (a cookie), else the browser's
Accept-Language, else English."""
from __future__ import annotations

from flask import current_app, has_request_context, request

LANGUAGE_COOKIE = "hub_lang"
# Each language named in itself, as the switcher shows it.
LANGUAGE_NAMES = {
    "en": "English", "fr": "Français", "nl": "Nederlands", "de": "Deutsch", "it": "Italiano", "es": "Español",
}


def select_locale() -> str:
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line: messages in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in supported:
        return chosen
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]
