"""Lists of organisations: those with published projects, experts or resources
come first everywhere; the plain list shows only them, with "show all" for the
thousands of museums without AI activity. A country counts its resources."""
from __future__ import annotations

from hub.db import db
from hub.directory import listing
from hub.directory.models import EntryStatus
from tests.factories import make_expert, make_organisation, make_project, make_resource


def names(page) -> list[str]:
    return [o.name for o in page.items]


def test_organisations_with_published_entries_come_first_and_alone_on_the_plain_list(app, client):
    quiet = [make_organisation(name=f"Aardvark Museum {i}", country="FR") for i in range(3)]
    with_project = make_organisation(name="Zeeuws Museum", country="FR")
    make_project(with_project)
    with_resource = make_organisation(name="Yonne Archives", country="FR", type="archive")
    make_resource(with_resource)
    with_expert = make_organisation(name="Xanten Library", country="FR", type="library")
    make_expert(organisation=with_expert)
    only_a_draft = make_organisation(name="Walloon Museum", country="FR")
    make_project(only_a_draft, status=EntryStatus.DRAFT)
    db.session.flush()

    plain = listing.list_entries("organisation", listing.clean_filters("organisation", country="FR"))
    assert names(plain) == ["Xanten Library", "Yonne Archives", "Zeeuws Museum"]
    everything = listing.list_entries("organisation", listing.clean_filters("organisation", country="FR",
                                                                            everything=True))
    assert names(everything)[:3] == ["Xanten Library", "Yonne Archives", "Zeeuws Museum"]
    assert set(names(everything)[3:]) == {o.name for o in quiet} | {"Walloon Museum"}
    # A name search finds every organisation, those with entries first.
    found = listing.list_entries("organisation", listing.clean_filters("organisation", q="museum", country="FR"))
    assert names(found)[0] == "Zeeuws Museum" and len(found.items) == 5

    page = client.get("/organisations?country=FR").get_data(as_text=True)
    assert "Zeeuws Museum" in page and "Aardvark Museum 0" not in page
    assert "Show all organisations (4 more)" in page and "all=1" in page
    page = client.get("/organisations?country=FR&all=1").get_data(as_text=True)
    assert "Aardvark Museum 0" in page and page.index("Zeeuws Museum") < page.index("Aardvark Museum 0")
    assert 'name="all" value="1"' in page  # the filters keep "all"

    # The country page lists them first too, and leads to the full list.
    page = client.get("/countries/FR").get_data(as_text=True)
    assert page.index("Zeeuws Museum") < page.index("Aardvark Museum 0")


def test_a_country_page_counts_the_resources_of_its_organisations(app, client):
    archive = make_organisation(name="Archives de Lyon", country="FR", type="archive")
    for _ in range(3):
        make_resource(archive, type="dataset")
    make_resource(make_organisation(country="NL"))
    db.session.flush()

    page = client.get("/countries/FR").get_data(as_text=True)
    assert 'id="section-resource">Resources <span class="count">3</span>' in page
    counts = dict(listing.country_counts())
    assert counts["FR"] == 1 + 3 and counts["NL"] == 1 + 1
