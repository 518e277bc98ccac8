"""The filters beside the results: every facet's values with their labels, counts and links.
A page has about a hundred of them; built here once per page (the locale and the translated
words looked up once), they cost a third of what the template macros did per value. Also the
type tabs above the results (the "type" filter as one tab per kind)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from babel.numbers import format_decimal
from flask_babel import get_locale, gettext, lazy_gettext as _l, ngettext, pgettext

from hub.directory import ai_card, vocabulary as vocab
from hub.search.base import FILTERS
from hub.search.services import KindGroup, SearchPage, kind_tabs
from hub.web.i18n import kind_labels

SHOWN_PER_FACET = 12  # the most frequent values; the chosen ones are always shown

FACET_TITLES = {
    "type": _l("Type"), "technique": _l("AI technique"), "area": _l("Area of museum work"), "country": _l("Country"),
    "organisation_type": _l("Type of organisation"), "stage": _l("Project stage"), "risk": _l("EU AI Act risk"),
    "card": _l("AI project card"), "language": _l("Language"),
}

# What a project's AI card shares: the values of the "card" filter, also shown on its result card.
CARD_LABELS = {sharing.key: sharing.label for sharing in ai_card.SHARING}


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
        if facet == "card":
            return str(CARD_LABELS.get(value, value))
        return vocab.label(value, locale)

    groups = []
    for facet in FILTERS:
        if facet == "type":
            continue  # the type tabs above the results
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


@dataclass
class KindTab:
    label: str
    count: str
    url: str
    current: bool
    empty: bool  # nothing of this kind matches: shown, not linked


def kind_tab_list(page: SearchPage, kind_url: Callable[[str | None], str]) -> list[KindTab]:
    """All / Projects / Experts / Resources / Organisations, each with its count and a link to
    this search with only that kind (every other filter kept)."""
    locale = str(get_locale() or "en")
    about = gettext("about %(num)s") if page.result.facets_estimated else "%(num)s"
    labels = {None: pgettext("search tab: every kind of entry", "All"), "project": gettext("Projects"),
              "expert": gettext("Experts"), "resource": gettext("Resources"), "organisation": gettext("Organisations")}
    chosen = page.filters.get("type", [])
    current = page.kind if chosen else None
    return [KindTab(labels[kind], about % {"num": _number(n, locale)}, kind_url(kind),
                    kind == current and (kind is not None or not chosen), n == 0 and kind != current)
            for kind, n in kind_tabs(page)]


def see_all(group: KindGroup) -> str:
    """The link under a kind's best few results, to all of them. The number is formatted for
    the interface language as %(count)s (Flask-Babel's %(num)s would be the bare number)."""
    count = _number(group.total, str(get_locale() or "en"))
    if group.kind == "project":
        return ngettext("See the %(count)s project", "See all %(count)s projects", group.total, count=count)
    if group.kind == "expert":
        return ngettext("See the %(count)s expert", "See all %(count)s experts", group.total, count=count)
    if group.kind == "resource":
        return ngettext("See the %(count)s resource", "See all %(count)s resources", group.total, count=count)
    return ngettext("See the %(count)s organisation", "See all %(count)s organisations", group.total, count=count)
