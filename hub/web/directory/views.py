"""Browsing the public directory."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from hub.directory import ai_card, listing, vocabulary as vocab

bp = Blueprint("directory", __name__)

def _list(kind: str):
    args = request.args
    filters = listing.clean_filters(kind, topic=args.get("topic"), country=args.get("country"),
                                    type=args.get("type"), q=args.get("q"), everything=args.get("all") == "1")
    page = listing.list_entries(kind, filters, page=args.get("page", 1, type=int))
    # Organisations: how many the "show all" link adds to the list of those with published entries.
    hidden = listing.count_hidden_organisations(filters, page.total) if kind == "organisation" else 0
    return render_template("directory/list.html", kind=kind, page=page, filters=filters, hidden=hidden,
                           countries=listing.country_counts())


@bp.get("/projects")
def projects():
    return _list("project")


@bp.get("/experts")
def experts():
    return _list("expert")


@bp.get("/resources")
def resources():
    return _list("resource")


@bp.get("/organisations")
def organisations():
    return _list("organisation")


@bp.get("/projects/<slug>")
def project(slug: str):
    entry = listing.get_for_view("project", slug, current_user)
    return render_template("directory/project.html", entry=entry, card=ai_card.card_of(entry))


@bp.get("/experts/<slug>")
def expert(slug: str):
    entry = listing.get_for_view("expert", slug, current_user)
    return render_template("directory/expert.html", entry=entry, projects=listing.projects_of_expert(entry))


@bp.get("/resources/<slug>")
def resource(slug: str):
    entry = listing.get_for_view("resource", slug, current_user)
    return render_template("directory/resource.html", entry=entry)


@bp.get("/organisations/<slug>")
def organisation(slug: str):
    entry = listing.get_for_view("organisation", slug, current_user)
    return render_template(
        "directory/organisation.html", entry=entry,
        projects=listing.projects_of_organisation(entry),
        experts=listing.experts_of_organisation(entry),
        resources=listing.resources_of_organisation(entry),
    )


@bp.get("/topics")
def topics():
    return render_template("directory/topics.html", techniques=listing.topic_counts(vocab.TECHNIQUE),
                           areas=listing.topic_counts(vocab.AREA))


@bp.get("/topics/<facet>/<slug>")
def topic(facet: str, slug: str):
    topic = listing.get_topic(facet, slug)
    filters = listing.clean_filters("project", topic=topic.id)
    return render_template(
        "directory/topic.html", topic=topic, concept=vocab.concept(topic.id),
        projects=listing.list_entries("project", filters, per_page=10),
        experts=listing.list_entries("expert", filters, per_page=10),
        resources=listing.list_entries("resource", filters, per_page=10),
    )


@bp.get("/countries")
def countries():
    return render_template("directory/countries.html", countries=listing.country_counts())


@bp.get("/countries/<code>")
def country(code: str):
    if code != code.upper() or not vocab.is_country(code):
        abort(404)
    filters = listing.clean_filters("project", country=code)
    # Every organisation of the country counts; those with published entries are listed first.
    all_organisations = listing.clean_filters("organisation", country=code, everything=True)
    return render_template(
        "directory/country.html", code=code,
        projects=listing.list_entries("project", filters, per_page=10),
        experts=listing.list_entries("expert", filters, per_page=10),
        resources=listing.list_entries("resource", filters, per_page=10),
        organisations=listing.list_entries("organisation", all_organisations, per_page=10),
    )

