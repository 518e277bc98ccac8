"""The controlled vocabularies (taxonomy.json), countries and languages.

Labels come in the six interface languages; country and language names come
from Babel's CLDR data in the interface language, so nothing is translated by hand.
Only what experts offer is not in the taxonomy: its labels are interface messages.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from flask_babel import lazy_gettext as _l

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
LOCALES = ("en", "fr", "nl", "de", "it", "es")

# Facets whose concepts tag entries (topics); the others are single-valued fields.
TOPIC_FACETS = ("technique", "area")
TECHNIQUE, AREA = TOPIC_FACETS
RESOURCE_TYPE = "resource_type"
ORGANISATION_TYPE = "organisation_type"
PROJECT_STAGE = "project_stage"
AI_ACT_RISK = "ai_act_risk"

EXPERT_OFFERS = ("mentoring", "advice", "talks", "collaboration", "peer-review")


@dataclass(frozen=True)
class Concept:
    id: str
    facet: str
    position: int
    labels: dict[str, str]
    synonyms: dict[str, list[str]] = field(default_factory=dict)

    def label(self, locale: str | None = None) -> str:
        return self.labels.get(_language(locale)) or self.labels["en"]


@dataclass(frozen=True)
class Facet:
    id: str
    label: str
    concepts: tuple[Concept, ...]


def _language(locale) -> str:
    if locale is None:
        from flask_babel import get_locale  # only inside a request or app context

        try:
            locale = get_locale()
        except RuntimeError:
            locale = None
    return str(getattr(locale, "language", locale) or "en")


@lru_cache(maxsize=1)
def taxonomy() -> dict[str, Facet]:
    raw = json.loads((DATA_DIR / "taxonomy.json").read_text(encoding="utf-8"))
    facets = {}
    for facet_id, facet in raw["facets"].items():
        concepts = tuple(
            Concept(c["id"], facet_id, i, c["labels"], c.get("synonyms", {}))
            for i, c in enumerate(facet["concepts"])
        )
        facets[facet_id] = Facet(facet_id, facet["label"], concepts)
    return facets


@lru_cache(maxsize=1)
def _concepts_by_id() -> dict[str, Concept]:
    return {c.id: c for f in taxonomy().values() for c in f.concepts}


def concepts(facet: str) -> tuple[Concept, ...]:
    return taxonomy()[facet].concepts


def concept(concept_id: str) -> Concept | None:
    return _concepts_by_id().get(concept_id)


def is_concept(facet: str, concept_id: str | None) -> bool:
    found = concept(concept_id) if concept_id else None
    return found is not None and found.facet == facet


def label(concept_id: str | None, locale=None) -> str:
    found = concept(concept_id) if concept_id else None
    return found.label(locale) if found else (concept_id or "")


def choices(facet: str, locale=None) -> list[tuple[str, str]]:
    return [(c.id, c.label(locale)) for c in concepts(facet)]


# --- countries ----------------------------------------------------------------


@lru_cache(maxsize=1)
def european_country_codes() -> tuple[str, ...]:
    """EU-27, EEA, Switzerland and the UK: listed first in country pickers."""
    with open(DATA_DIR / "countries.csv", newline="", encoding="utf-8") as f:
        return tuple(row["iso2"] for row in csv.DictReader(f))


@lru_cache(maxsize=8)
def _territories(language: str) -> dict[str, str]:
    try:
        names = Locale.parse(language).territories
    except (UnknownLocaleError, ValueError):
        names = Locale.parse("en").territories
    # Only ISO 3166-1 alpha-2 countries, not regions like "150" (Europe) or "EU".
    return {code: name for code, name in names.items() if len(code) == 2 and code.isalpha() and code not in {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}}


def is_country(code: str | None) -> bool:
    return bool(code) and code in _territories("en")


def country_name(code: str | None, locale=None) -> str:
    if not code:
        return ""
    return _territories(_language(locale)).get(code) or _territories("en").get(code, code)


def country_choices(locale=None) -> list[tuple[str, str]]:
    """European countries first (sorted by name), then every other country."""
    names = _territories(_language(locale))
    european = set(european_country_codes())
    first = sorted((c for c in european if c in names), key=lambda c: names[c])
    rest = sorted((c for c in names if c not in european), key=lambda c: names[c])
    return [(c, names[c]) for c in first + rest]


# --- languages ----------------------------------------------------------------

# The 24 official EU languages first, then other languages of European heritage work.
COMMON_LANGUAGES = (
    "bg", "hr", "cs", "da", "nl", "en", "et", "fi", "fr", "de", "el", "hu", "ga", "it",
    "lv", "lt", "mt", "pl", "pt", "ro", "sk", "sl", "es", "sv",
    "ca", "eu", "gl", "cy", "gd", "lb", "is", "no", "rm", "la", "uk", "sr", "bs", "mk",
    "sq", "tr", "ru", "ar", "he", "zh", "ja",
)


@lru_cache(maxsize=8)
def _languages(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(language).languages)
    except (UnknownLocaleError, ValueError):
        return dict(Locale.parse("en").languages)


def is_language(code: str | None) -> bool:
    """ISO 639-1 or 639-3 codes that CLDR knows (e.g. "fr", "fro" for Old French)."""
    return bool(code) and code.isalpha() and code.islower() and len(code) in (2, 3) and code in _languages("en")


def language_name(code: str | None, locale=None) -> str:
    if not code:
        return ""
    return _languages(_language(locale)).get(code) or _languages("en").get(code, code)


def language_choices(locale=None) -> list[tuple[str, str]]:
    return [(code, language_name(code, locale)) for code in COMMON_LANGUAGES]


# --- what experts offer ---------------------------------------------------------

# One list for the profile form, the profile page, the experts' filter and the moderators' review.
_OFFER_LABELS = {
    "mentoring": _l("Mentoring"), "advice": _l("Advice"), "talks": _l("Talks and workshops"),
    "collaboration": _l("Collaboration on projects"), "peer-review": _l("Peer review"),
}


def offer_label(code: str | None) -> str:
    """The offer in the interface language (an unknown code as it is)."""
    return str(_OFFER_LABELS.get(code or "", code or ""))


def offer_choices() -> list[tuple[str, str]]:
    return [(code, offer_label(code)) for code in EXPERT_OFFERS]
