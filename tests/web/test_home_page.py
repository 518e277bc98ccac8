"""The home page: topics without published entries are left out (a dead end on the first page),
and the latest entries come six at a time, so that the card grids' rows are full (the browser
test checks the columns at each width)."""
from __future__ import annotations

from hub.directory import vocabulary as vocab
from tests.factories import make_organisation, make_project, make_resource


def test_only_topics_with_published_entries_are_listed(client):
    make_project(make_organisation(), topics=("computer-vision", "provenance-research"))
    html = client.get("/").get_data(as_text=True)
    assert vocab.concept("computer-vision").labels["en"] in html
    assert vocab.concept("provenance-research").labels["en"] in html
    assert "/topics/technique/computer-vision" in html and "/topics/area/provenance-research" in html
    assert "/topics/technique/nlp" not in html  # no published entry carries it
    assert ">1 entry<" in html and ">0 entries<" not in html
    assert 'href="/topics"' in html  # every topic stays one click away


def test_the_latest_projects_and_resources_come_six_at_a_time(client):
    organisation = make_organisation()
    for _ in range(8):
        make_project(organisation)
        make_resource(organisation)
    html = client.get("/").get_data(as_text=True)
    latest = html.split('id="latest-projects"')[1].split("</section>")[0]
    resources = html.split('id="latest-resources"')[1].split("</section>")[0]
    assert latest.count('<article class="card ') == 6 and resources.count('<article class="card ') == 6
