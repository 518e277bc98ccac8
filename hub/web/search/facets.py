"""The filters beside the results: every facet's values with their labels, counts and links.
A page has about a hundred of them; built here once per page (the locale and the translated
words looked up once), they cost a third of what the template macros did per value."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from babel.numbers import format_decimal
from flask_babel import get_locale, gettext, lazy_gettext as _l

from hub.directory import vocabulary as vocab
from hub.search.base import FILTERS
from hub.search.services import SearchPage
from hub.web.i18n import kind_labels

SHOWN_PER_FACET = 12  # the most frequent values; the chosen ones are always shown

FACET_TITLES = {
    "type": _l("Type"), "technique": _l("AI technique"), "area": _l("Area of museum work"), "country": _l("Country"),
    "organisation_type": _l("Type of organisation"), "stage": _l("Project stage"), "risk": _l("EU AI Act risk"),
    "language": _l("Language"),
}


@dataclass
class FacetOption:
    label: str
    count: str  # formatted for the interface language, "about …" when estimated
    url: str  # this search with the value added, or removed when it is chosen
    chosen: bool


@dataclass
class FacetGroup:
    title: str
    options: list[FacetOption]


@lru_cache(maxsize=20_000)
def _number(n: int, locale: str) -> str:
    return format_decimal(n, locale=locale)


def facet_groups(page: SearchPage, toggle_url: Callable[[str, str], str]) -> list[FacetGroup]:
    """The facets with values among the matches or chosen, in the order of FILTERS."""
    locale = str(get_locale() or "en")
    kinds = kind_labels()
    about = gettext("about %(num)s") if page.result.facets_estimated else "%(num)s"

    def label(facet: str, value: str) -> str:
        if facet == "type":
            return kinds.get(value, value)
        if facet == "country":
            return vocab.country_name(value, locale)
        if facet == "language":
            return vocab.language_name(value, locale)
        return vocab.label(value, locale)

    groups = []
    for facet in FILTERS:
        counts = page.result.facets.get(facet, {})
        chosen = page.filters.get(facet, [])
        if not counts and not chosen:
            continue
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        options = [FacetOption(label(facet, value), about % {"num": _number(n, locale)},
                               toggle_url(facet, value), value in chosen)
                   for rank, (value, n) in enumerate(ranked) if rank < SHOWN_PER_FACET or value in chosen]
        options += [FacetOption(label(facet, value), _number(0, locale), toggle_url(facet, value), True)
                    for value in chosen if value not in counts]
        groups.append(FacetGroup(str(FACET_TITLES[facet]), options))
    return groups


def chosen_filters(groups: list[FacetGroup]) -> list[tuple[str, FacetOption]]:
    """The filters on, with their facet's title: each a link that removes it."""
    return [(group.title, option) for group in groups for option in group.options if option.chosen]
