"""Search that answers the question, on the backend of the test database (SQLite FTS5 by
default, PostgreSQL with HUB_TEST_DATABASE_URL): the fallback needs most of the words,
highlighting marks what the engine matched and nothing else, no kind buries the others, result
cards show where an entry is from, its techniques and its AI card, and the AI card is a filter."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.db import db
from hub.search import base
from hub.search import services as search
from hub.search.base import PER_KIND
from hub.search.highlight import Matcher
from hub.search.text import fallback_needs, fold
from tests.factories import make_expert, make_organisation, make_project, make_resource


def titles(text, **filters) -> list[str]:
    page = search.search(text, {k: v if isinstance(v, list) else [v] for k, v in filters.items()}, record=False)
    return [f.card.title for f in page.found]


def marked(html: str) -> list[str]:
    return [part.split("</mark>")[0] for part in str(html).split("<mark>")[1:]]


# --- the fallback ------------------------------------------------------------------------------


def test_the_fallback_needs_two_thirds_of_the_words_rounded_down():
    assert [fallback_needs(n) for n in range(1, 10)] == [0, 1, 2, 2, 3, 4, 4, 5, 6]


@pytest.fixture
def museums():
    """Many museums that have only one of the words, a few with two, a project with three."""
    plain = [make_organisation(name=f"Museum of {town}", type="museum")
             for town in ("Delft", "Gouda", "Breda", "Assen", "Venlo", "Hoorn", "Emmen", "Zwolle", "Sneek", "Edam")]
    art = [make_organisation(name=f"{town} Art Museum", type="museum") for town in ("Haarlem", "Leiden")]
    project = make_project(None, title="Computer vision in the museum", topics=())
    db.session.commit()
    return {"plain": plain, "art": art, "project": project}


def test_four_words_that_no_entry_has_together_find_entries_with_most_of_them(client, museums):
    page = search.search("art museum computer vision", record=False)
    assert page.result.min_match == 2
    found = [f.card.title for f in page.found]
    # Entries with more of the words first; none with only one of them, never the whole directory.
    assert found[0] == "Computer vision in the museum"
    assert set(found) == {"Computer vision in the museum", "Haarlem Art Museum", "Leiden Art Museum"}
    assert page.result.total == 3
    html = client.get("/search", query_string={"q": "art museum computer vision"}).get_data(as_text=True)
    assert "No entry matches all your words; showing entries that match at least 2 of them." in html
    html = client.get("/search", query_string={"q": "art museum computer vision"},
                      headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Aucune fiche ne contient tous vos mots ; voici celles qui en contiennent au moins 2." in html


def test_the_fallback_ranks_by_how_many_words_matched_then_as_usual(museums):
    make_project(None, title="Zebra museum", topics=())  # two words: museum, zebra
    db.session.commit()
    page = search.search("zebra art museum computer vision", record=False)  # five words: at least three
    assert page.result.min_match == 3
    assert [f.card.title for f in page.found] == ["Computer vision in the museum"]
    page = search.search("zebra museum computer vision", record=False)  # four: at least two
    assert [f.card.title for f in page.found] == ["Computer vision in the museum", "Zebra museum"]  # 3, then 2


def test_one_word_has_no_fallback_and_two_words_need_one(client, museums):
    assert titles("zeppelin") == []
    html = client.get("/search", query_string={"q": "zeppelin"}).get_data(as_text=True)
    assert "Nothing found." in html and "at least" not in html
    page = search.search("zeppelin leiden", record=False)
    assert page.result.min_match == 1 and [f.card.title for f in page.found] == ["Leiden Art Museum"]


def test_every_word_found_together_needs_no_fallback(museums):
    page = search.search("computer vision museum", record=False)
    assert page.result.min_match == 0 and [f.card.title for f in page.found] == ["Computer vision in the museum"]


# --- highlighting marks what the engine matched ------------------------------------------------

WORDS = ["Artificial", "Arts", "Art", "Artist", "Visitors", "Visions", "Vision", "Visit", "Handwriting",
         "Handwritten", "Museums", "Museography", "Generalization", "General", "Recognition", "Recognised"]


def test_highlighting_marks_exactly_the_words_the_engine_matched():
    # One word per title, no topics, no organisation: an entry is found by its title's word only.
    projects = {word: make_project(None, title=word, topics=(), country=None) for word in WORDS}
    for project in projects.values():
        project.summary = project.description = ""
    db.session.commit()
    stemmer = search.backend().stemmer
    for query in ["art", "vision", "handwriting", "museum", "general", "visitor", "artists", "recognition"]:
        page = search.search(query, record=False)
        found = {f.card.title for f in page.found}
        highlighted = {f.card.title for f in page.found if marked(f.title)}
        assert found == highlighted, query  # every entry found shows why
        matcher = Matcher([query], stemmer)
        expected = {word for word in WORDS if matcher.word(fold(word))}
        assert found == expected, query
    assert set(titles("art")) == {"Art", "Arts"}  # not "Artificial", not "Artist"
    assert set(titles("vision")) == {"Vision", "Visions"}  # not "Visitors"
    assert set(titles("handwriting")) == {"Handwriting"}  # not "Handwritten"


def test_a_result_page_marks_whole_words_only(client):
    project = make_project(None, title="Computer vision for the art museum", topics=())
    project.summary = "Artificial intelligence counts the visitors of the museum's art rooms."
    db.session.commit()
    html = client.get("/search", query_string={"q": "art museum computer vision"}).get_data(as_text=True)
    assert "<mark>Computer</mark> <mark>vision</mark> for the <mark>art</mark> <mark>museum</mark>" in html
    assert "Artificial intelligence counts the visitors" in html  # neither marked
    assert "<mark>art</mark> rooms" in html


def test_suggestions_mark_the_last_word_as_a_prefix_while_it_is_typed(client):
    make_project(None, title="Artificial paintings of visitors", topics=())
    db.session.commit()
    data = client.get("/search/suggest", query_string={"q": "paintings art"}).get_json()
    entry = next(s for s in data["suggestions"] if s["kind"] == "project")
    assert entry["marked"] == "<mark>Artificial</mark> <mark>paintings</mark> of visitors"
    # Submitted, the same words match whole words only: "art" is not "artificial".
    assert titles("paintings art") == ["Artificial paintings of visitors"]  # the fallback: one of two
    page = search.search("paintings art", record=False)
    assert marked(page.found[0].title) == ["paintings"]


# --- no kind buries the others -----------------------------------------------------------------


@pytest.fixture
def handwriting():
    """Thirty near-identical datasets, three projects, one expert, all about handwriting."""
    archive = make_organisation(name="Stadsarchief Rotterdam", type="archive", country="NL")
    datasets = []
    for n in range(30):
        resource = make_resource(archive, type="dataset")
        resource.title, resource.summary = f"Handwriting ground truth, volume {n + 1}", "Handwriting transcribed."
        datasets.append(resource)
    projects = [make_project(archive, title=title, topics=("text-recognition",))
                for title in ("Reading handwriting in notarial deeds", "Handwriting of the VOC",
                              "Crowdsourced handwriting transcription")]
    expert = make_expert(organisation=archive, topics=("text-recognition",))
    expert.display_name, expert.bio = "Marloes de Wit", "Palaeographer: handwriting of the 17th century."
    db.session.commit()
    return {"datasets": datasets, "projects": projects, "expert": expert}


def test_many_near_identical_records_do_not_bury_projects_and_experts(handwriting):
    page = search.search("handwriting", record=False)
    assert page.result.total == 34 and page.result.grouped
    groups = {group.kind: group for group in page.groups}
    assert set(groups) == {"project", "expert", "resource"}
    assert {f.card.title for f in groups["project"].found} == {p.title for p in handwriting["projects"]}
    assert [f.card.title for f in groups["expert"].found] == ["Marloes de Wit"]
    assert len(groups["resource"].found) == PER_KIND and groups["resource"].total == 30
    # The datasets stay findable: their kind's tab pages through all of them.
    resources = search.search("handwriting", {"type": ["resource"]}, record=False)
    assert not resources.groups and resources.result.total == 30 and len(resources.found) == 20
    assert len(search.search("handwriting", {"type": ["resource"]}, page="2", record=False).found) == 10
    assert resources.result.kind_totals == {"project": 3, "expert": 1, "resource": 30}


def test_a_kind_outranked_by_many_others_still_shows_its_best(handwriting, monkeypatch):
    def groups() -> dict:
        page = search.search("handwriting", record=False)
        return {group.kind: [f.card.title for f in group.found] for group in page.groups}

    pooled = groups()
    monkeypatch.setattr(base, "GROUP_POOL", 3)  # the expert is not among the best three
    assert "Marloes de Wit" not in [f.card.title for f in search.search(
        "handwriting", {"type": ["resource", "project", "expert"]}, record=False).found[:3]]
    assert groups() == pooled


def test_the_page_shows_type_tabs_and_the_best_of_each_kind(client, handwriting):
    html = client.get("/search", query_string={"q": "handwriting"}).get_data(as_text=True)
    tabs = html[html.index('<nav class="kind-tabs"'):]
    tabs = tabs[:tabs.index("</nav>")]
    assert '<a href="/search?q=handwriting" aria-current="page">All <span class="count">(34)</span></a>' in tabs
    assert '<a href="/search?q=handwriting&amp;type=project">Projects <span class="count">(3)</span></a>' in tabs
    assert '<a href="/search?q=handwriting&amp;type=expert">Experts <span class="count">(1)</span></a>' in tabs
    assert '<a href="/search?q=handwriting&amp;type=resource">Resources <span class="count">(30)</span></a>' in tabs
    assert '<span class="kind-tab-empty">Organisations <span class="count">(0)</span></span>' in tabs
    assert '<a href="/search?q=handwriting&amp;type=resource">See all 30 resources</a>' in html
    assert "Marloes de Wit" in html and 'class="pagination"' not in html
    assert html.count('<li class="card card-resource">') == PER_KIND
    # A kind's tab: that kind only, marked current, with pages; every filter stays a link.
    html = client.get("/search", query_string={"q": "handwriting", "type": "resource"}).get_data(as_text=True)
    assert ('<a href="/search?q=handwriting&amp;type=resource" aria-current="page">Resources '
            '<span class="count">(30)</span></a>') in html
    assert '<a href="/search?q=handwriting">All <span class="count">(34)</span></a>' in html
    assert 'href="/search?q=handwriting&amp;type=resource&amp;page=2" rel="next"' in html
    assert html.count('<li class="card card-resource">') == 20 and "Marloes de Wit" not in html
    html = client.get("/search", query_string={"q": "handwriting"}, headers={"Accept-Language": "de"}
                      ).get_data(as_text=True)
    assert "Alle 30 Ressourcen ansehen" in html


def test_a_page_of_cards_reads_each_kind_once(app, handwriting):
    statements = []

    def count(connection, cursor, statement, *args):
        if statement.startswith("SELECT"):  # not the test's savepoints
            statements.append(statement)

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        search.search("handwriting", {"type": ["resource"]}, record=False)  # 20 cards
        many = len(statements)
        statements.clear()
        search.search("handwriting", {"type": ["expert"]}, record=False)  # 1 card
        one = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    # The page of hits and one query of cards (the counts read through the driver's own cursor).
    assert many == one == 2, statements
    assert "FROM experts" in statements[1]


# --- result cards and the AI card's completeness ----------------------------------------------


@pytest.fixture
def cards():
    archive = make_organisation(name="Archives nationales", type="archive", country="FR")
    shared = make_project(archive, title="Shipping lists read by machine", country=None,
                          topics=("text-recognition", "computer-vision"))
    shared.lessons_failed = "The first model could not read the clerks' hand."
    shared.human_oversight = "Every transcription is checked by an archivist."
    worked = make_project(archive, title="Shipping lists indexed", topics=("text-recognition",))
    worked.lessons_worked = "Volunteers corrected the index."
    silent = make_project(archive, title="Shipping lists described", topics=("text-recognition",))
    silent.lessons_worked = "   "  # nothing stated
    dataset = make_resource(archive, type="dataset")
    dataset.title = "Shipping lists ground truth"
    db.session.commit()
    return {"shared": shared, "worked": worked, "silent": silent, "dataset": dataset}


def test_the_ai_card_is_a_filter_with_counts(client, cards):
    assert set(titles("shipping", card="lessons")) == {"Shipping lists read by machine", "Shipping lists indexed"}
    assert titles("shipping", card="failures") == ["Shipping lists read by machine"]
    assert titles("", card="oversight") == ["Shipping lists read by machine"]
    assert set(titles("shipping", card="nonsense")) == set(titles("shipping"))  # unknown values are dropped
    page = search.search("shipping", record=False)
    assert page.result.facets["card"] == {"lessons": 2, "failures": 1, "oversight": 1}
    html = client.get("/search", query_string={"q": "shipping"}).get_data(as_text=True)
    facets = html[html.index('id="facets-heading"'):html.index("</aside>")]
    assert "<h3>AI project card</h3>" in facets
    assert '<a href="/search?q=shipping&amp;card=failures">Failures shared <span class="count">(1)</span></a>' in facets
    assert 'Lessons learned shared <span class="count">(2)</span>' in facets
    html = client.get("/search", query_string={"q": "shipping", "card": "failures"},
                      headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "Scheda tecnica IA: Insuccessi condivisi" in html


def test_result_cards_show_where_from_techniques_and_what_the_ai_card_shares(client, cards):
    html = client.get("/search", query_string={"q": "shipping", "type": "project"}).get_data(as_text=True)

    def card(title: str) -> str:
        at = html.index(f">{title}</a></h3>")
        return html[html.rindex('<li class="card', 0, at):html.index("</li>\n", at)]

    shared = card("<mark>Shipping</mark> lists read by machine")
    assert "Archives nationales" in shared and "France" in shared  # the lead organisation's country
    assert ">Computer vision</a>" in shared and ">Text recognition (OCR/HTR)</a>" in shared
    assert ('<li class="badge badge-card">Lessons learned shared</li><li class="badge badge-card">Failures shared'
            '</li><li class="badge badge-card">Human oversight described</li>') in shared
    assert "Lessons learned shared" in card("<mark>Shipping</mark> lists indexed")
    assert "badge-card" not in card("<mark>Shipping</mark> lists described")
    html = client.get("/search", query_string={"q": "shipping", "type": "resource"}).get_data(as_text=True)
    dataset = html[html.index('<li class="card card-resource">'):]
    assert "Archives nationales · France" in dataset[:dataset.index("</li>")]
