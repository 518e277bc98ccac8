"""/search (results with facets), /search/suggest (JSON for the search box)
and /moderation/search-insights (what visitors look for)."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_login import current_user

from hub.accounts.permissions import can_moderate
from hub.search import services as search
from hub.search.base import FILTERS
from hub.search.text import MAX_QUERY_LENGTH
from hub.web.search.facets import CARD_LABELS, chosen_filters, facet_groups, kind_tab_list, see_all

bp = Blueprint("search", __name__)


def _filter_args() -> dict[str, list[str]]:
    return {name: request.args.getlist(name) for name in FILTERS}


@bp.get("/search")
def results():
    # The query is counted (anonymously) in a short transaction of its own.
    page = search.search(request.args.get("q", ""), _filter_args(), request.args.get("sort"),
                         request.args.get("page", "1"))
    links = _Links()
    groups = facet_groups(page, links.toggle)
    return render_template("search/results.html", page=page, facet_groups=groups, chosen_filters=chosen_filters(groups),
                           page_url=links.page, kind_url=links.kind, tabs=kind_tab_list(page, links.kind),
                           see_all=see_all, card_labels=CARD_LABELS,
                           too_long=len(request.args.get("q", "")) > MAX_QUERY_LENGTH)


class _Links:
    """Links to this search changed a little; a results page has about a hundred (every facet
    value), so the path and the arguments are read once."""

    def __init__(self):
        self.path = url_for("search.results")
        self.args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]

    def _url(self, args: list[tuple[str, str]]) -> str:
        return self.path + ("?" + urlencode(args) if args else "")

    def toggle(self, facet: str, value: str) -> str:
        """This search with one filter value added, or removed if it is on; back to page 1."""
        pair = (facet, value)
        return self._url([a for a in self.args if a != pair] if pair in self.args else self.args + [pair])

    def kind(self, kind: str | None) -> str:
        """This search with only this kind (None: every kind), back to page 1."""
        return self._url([a for a in self.args if a[0] != "type"] + ([("type", kind)] if kind else []))

    def page(self, **changes) -> str:
        return self._url([(k, v) for k, v in self.args if k not in changes] +
                         [(k, str(v)) for k, v in changes.items() if v])


@bp.get("/search/suggest")
def suggest():
    text = request.args.get("q", "")
    suggestions = []
    for item in search.suggest(text):
        if item.kind == "topic":
            url = url_for("search.results", **item.url_args)
        else:
            url = url_for(f"directory.{item.kind}", **item.url_args)
        # "marked": the label as HTML, the words typed so far marked (escaped; entries only).
        suggestions.append({"label": item.label, "kind": item.kind, "url": url,
                            "marked": str(item.marked) if item.marked is not None else None})
    return jsonify(query=text[:MAX_QUERY_LENGTH], suggestions=suggestions)


@bp.get("/moderation/search-insights")
def insights():
    if not current_user.is_authenticated:
        from flask import current_app

        return current_app.login_manager.unauthorized()
    if not can_moderate(current_user):
        abort(403)
    return render_template("search/insights.html", insights=search.insights())
