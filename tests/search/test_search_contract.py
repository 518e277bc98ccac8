"""The search contract, run on the backend of the test database (SQLite FTS5 by
default, PostgreSQL with HUB_TEST_DATABASE_URL; .ci/run runs both)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.accounts.models import Role
from hub.db import db
from hub.directory.models import EntryStatus
from hub.moderation.services import change_status
from hub.search import base
from hub.search import services as search
from tests.conftest import login_as
from tests.factories import make_expert, make_organisation, make_project, make_resource, make_user

NAUGHTY = json.loads((Path(__file__).parent.parent / "data" / "naughty-strings.json").read_text(encoding="utf-8"))


def titles(text, **filters) -> list[str]:
    page = search.search(text, {k: v if isinstance(v, list) else [v] for k, v in filters.items()}, record=False)
    return [f.card.title for f in page.found]


@pytest.fixture
def directory():
    owner = make_user()
    louvre = make_organisation(members=(owner,), name="Musée du Louvre", country="FR")
    ghent = make_organisation(name="Archief Gent", country="BE", type="archive")
    projects = {
        "htr": make_project(ghent, owner=owner, title="Reading the letters of Ghent", topics=("text-recognition",),
                            country="BE"),
        "vision": make_project(louvre, owner=owner, title="Finding ships in paintings",
                               topics=("computer-vision",), country="FR", stage="production"),
        "chat": make_project(louvre, owner=owner, title="A chatbot for visitors",
                             topics=("conversational-agents", "visitor-experience"), country="FR"),
    }
    db.session.commit()
    return {"owner": owner, "louvre": louvre, "ghent": ghent, **projects}


def test_accents_and_case_do_not_matter(directory):
    assert "Musée du Louvre" in titles("musee du louvre")
    assert "Musée du Louvre" in titles("MUSÉE")


def test_english_is_stemmed_and_a_submitted_word_is_a_whole_word(directory):
    assert "Finding ships in paintings" in titles("paint")
    assert "Finding ships in paintings" in titles("ship painting")
    assert "Reading the letters of Ghent" in titles("letter")
    # Only while it is typed is the last word a prefix (the suggestions).
    assert titles("pai") == []
    assert search.suggest("ships pai")[0].label == "Finding ships in paintings"


@pytest.mark.parametrize("text", ["handwritten text recognition", "reconnaissance d'écriture manuscrite",
                                  "Handschriftenerkennung", "HTR", "handschriftherkenning",
                                  "reconocimiento de escritura manuscrita"])
def test_a_concept_is_found_in_any_of_six_languages(directory, text):
    assert titles(text)[:1] == ["Reading the letters of Ghent"]


def test_filters_narrow_and_facets_count_the_current_results(directory):
    page = search.search("", {"country": ["FR"]}, record=False)
    assert {f.card.title for f in page.found} == {"Musée du Louvre", "Finding ships in paintings",
                                                   "A chatbot for visitors"}
    assert page.result.facets["type"] == {"organisation": 1, "project": 2}
    assert page.result.facets["technique"] == {"computer-vision": 1, "conversational-agents": 1}
    assert titles("", country="FR", technique="computer-vision") == ["Finding ships in paintings"]
    assert titles("", type="project", stage="production") == ["Finding ships in paintings"]
    # Several values of one filter: either; two filters: both.
    assert set(titles("", technique=["computer-vision", "text-recognition"])) == {
        "Finding ships in paintings", "Reading the letters of Ghent"}
    assert titles("", technique="text-recognition", country="FR") == []
    assert titles("", organisation_type="archive", type="organisation") == ["Archief Gent"]


def test_the_title_weighs_more_than_the_description(directory):
    make_project(directory["louvre"], title="Provenance of paintings", topics=("provenance-research",))
    other = make_project(directory["louvre"], title="Something else", topics=("provenance-research",))
    other.description = "This is also about provenance, deep in the description."
    db.session.commit()
    assert titles("provenance")[0] == "Provenance of paintings"


def test_experts_are_found_by_expertise_language_and_projects_they_answer_for(directory):
    user = make_user()
    expert = make_expert(user, topics=("provenance-research",))
    expert.languages = ["de"]
    directory["vision"].contacts.append(expert)
    db.session.commit()
    assert expert.display_name in titles("provenance German", type="expert")
    assert expert.display_name in titles("computer vision", type="expert")  # through the project


def test_sort_by_newest_and_pagination(directory):
    owner = directory["owner"]
    for n in range(25):
        make_project(directory["louvre"], owner=owner, title=f"Batch project {n:02d}")
    first = search.search("batch", record=False)
    assert first.result.total == 25 and len(first.found) == 20 and first.result.pages == 2
    second = search.search("batch", page="2", record=False)
    assert len(second.found) == 5
    assert not {f.card.entry_id for f in first.found} & {f.card.entry_id for f in second.found}
    newest = search.search("batch", sort="newest", record=False)
    assert newest.found[0].card.title == "Batch project 24"


# --- the index follows the published state ------------------------------------------------


def test_the_index_follows_publish_edit_unpublish_and_delete(directory):
    owner, moderator = directory["owner"], make_user(role=Role.MODERATOR)
    project = make_project(directory["louvre"], owner=owner, status=EntryStatus.PENDING, title="Zeppelin archive")
    assert titles("zeppelin") == []
    change_status(moderator, project, "approve")
    db.session.commit()
    assert titles("zeppelin") == ["Zeppelin archive"]
    project.title = "Airship archive"
    db.session.commit()
    assert titles("zeppelin") == [] and titles("airship") == ["Airship archive"]
    change_status(moderator, project, "unpublish", reason="Gone.")
    db.session.commit()
    assert titles("airship") == []
    resource = make_resource(directory["louvre"])
    title = resource.title
    assert titles(title)[:1] == [title]
    db.session.delete(resource)
    db.session.commit()
    assert title not in titles(title)


def kept_counts() -> dict:
    """The whole directory's facet counts, as a search without words or filters shows them."""
    return search.search("", {}, record=False).result.facets


def counted_again() -> dict:
    return base.tally(db.session.execute(sa.text("SELECT facets FROM search_entries")).all())[1]


def test_the_directory_s_kept_facet_counts_follow_every_change(directory):
    owner, moderator = directory["owner"], make_user(role=Role.MODERATOR)
    assert kept_counts() == counted_again() and kept_counts()["country"] == {"BE": 2, "FR": 3}
    project = make_project(directory["ghent"], owner=owner, status=EntryStatus.PENDING, topics=("computer-vision",))
    db.session.commit()
    assert kept_counts() == counted_again()
    change_status(moderator, project, "approve")
    db.session.commit()
    assert kept_counts()["technique"]["computer-vision"] == 2 and kept_counts() == counted_again()
    project.topics = [t for t in project.topics if t.id != "computer-vision"]
    directory["ghent"].type = "library"
    db.session.commit()
    assert kept_counts()["technique"]["computer-vision"] == 1 and kept_counts() == counted_again()
    change_status(moderator, project, "unpublish", reason="Gone.")
    db.session.delete(directory["htr"])
    db.session.commit()
    assert kept_counts() == counted_again() and kept_counts()["type"]["project"] == 2
    search.rebuild()
    db.session.commit()
    assert kept_counts() == counted_again()


def test_very_broad_matches_count_facets_on_an_even_sample(client, directory, monkeypatch):
    for i in range(12):
        make_project(directory["louvre"], title=f"Zebrafish study {i}", topics=("computer-vision",), country="FR")
    db.session.commit()
    monkeypatch.setattr(base, "FACETS_EXACT_UP_TO", 4)
    result = search.search("zebrafish", {}, record=False).result
    # Every fourth of 12 consecutive entry ids is sampled: 3 entries, each counted 4 times.
    assert result.total == 12 and result.facets_estimated
    assert result.facets["technique"] == {"computer-vision": 12} and result.facets["type"] == {"project": 12}
    assert not search.search("chatbot", {}, record=False).result.facets_estimated
    page = client.get("/search?q=zebrafish").get_data(as_text=True)
    assert "about 12" in page and "estimated from a sample" in page


def test_a_rollback_leaves_the_index_as_it_was(directory):
    project = directory["vision"]
    project.title = "Renamed and rolled back"
    db.session.flush()
    db.session.rollback()
    assert titles("renamed") == [] and "Finding ships in paintings" in titles("ships")


def test_reindex_rebuilds_the_same_results(app, directory):
    before = titles("paintings")
    db.session.execute(sa.text("DELETE FROM search_documents"))
    assert titles("paintings") == []
    assert search.rebuild() >= 5
    assert titles("paintings") == before


def test_drafts_and_pending_entries_are_never_found(directory):
    make_project(directory["louvre"], status=EntryStatus.DRAFT, title="Secret draft walrus")
    make_project(directory["louvre"], status=EntryStatus.PENDING, title="Pending walrus")
    assert titles("walrus") == []


# --- bad input never hurts ------------------------------------------------------------------

HOSTILE = ['"', '"unbalanced', "AND", "OR NOT", "NEAR(a b)", "*", "-", ":", "title:ships", "a* OR b*", "^ships",
           "ships -paintings", "(((", "'; DROP TABLE search_documents; --", "\x00", "\x00ships", "\u202eships",
           "x" * 5000, "ships " * 300, "%_%", "\\", "{}", "NULL", "🙂", "שלום", "ｓｈｉｐｓ", "Ⅻ", "ß", "İ"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_are_safe(client, directory, text):
    response = client.get("/search", query_string={"q": text})
    assert response.status_code == 200
    suggest = client.get("/search/suggest", query_string={"q": text})
    assert suggest.status_code == 200 and isinstance(suggest.get_json()["suggestions"], list)


def test_every_naughty_string_is_safe(client, directory):
    for text in NAUGHTY:
        response = client.get("/search", query_string={"q": text, "country": text, "page": text, "sort": text})
        assert response.status_code == 200, text


@pytest.mark.parametrize("query", [
    {"page": "999999999999"}, {"page": "-1"}, {"page": "abc"}, {"page": "2.5"}, {"page": "٣"},
    {"type": ["project", "project", "plant"]}, {"country": ["XX", "fr", "FR"]}, {"technique": "nope"},
    {"language": ["de", "de", "zz"]}, {"sort": "price"}, {"risk": ["high", "x" * 1000]}, {"unknown": "1"},
])
def test_odd_filters_and_pages_are_safe(client, directory, query):
    response = client.get("/search", query_string={"q": "paintings", **query})
    assert response.status_code == 200


def test_past_the_last_page_shows_the_last_page(client, directory):
    page = search.search("paintings", page="400", record=False)
    assert page.result.page == page.result.pages and page.found


def test_the_page_shows_results_facets_highlights_and_shareable_links(client, directory):
    html = client.get("/search", query_string={"q": "ships"}).get_data(as_text=True)
    assert "Finding <mark>ships</mark> in paintings" in html
    assert "/search?q=ships&amp;country=FR" in html  # a facet is a shareable link
    html = client.get("/search", query_string={"q": "ships", "country": "BE"}).get_data(as_text=True)
    assert "Nothing found." in html and "Remove a filter" in html


def test_result_cards_and_the_filters_beside_them(client, directory):
    expert = make_expert(organisation=directory["louvre"])
    expert.display_name, expert.bio, expert.country = "Claire Dupont", "Curator of ship paintings.", "FR"
    resource = make_resource(directory["ghent"], type="dataset")
    resource.title, resource.summary = "Ship registers as data", "Ships listed."
    make_project(directory["louvre"], title="Ships at anchor", country="FR")
    make_project(directory["ghent"], title="Ships of Flanders", country="BE", status=EntryStatus.PENDING)
    db.session.commit()
    html = client.get("/search", query_string={"q": "ships", "country": ["FR", "BE"]}).get_data(as_text=True)
    # A card: its kind, stage or type, lead organisation, country, and its own text's language.
    card = html[html.index('<li class="card card-project">'):]
    card = card[:card.index("</li>")]  # the first: the best match
    assert "Finding" in card and "In production" in card and "Musée du Louvre" in card and "France" in card
    assert (f'href="/projects/{directory["vision"].slug}" lang="en">Finding <mark>ships</mark> in paintings'
            in html)
    assert f'href="/experts/{expert.slug}"' in html and "Curator of <mark>ship</mark> paintings" in html
    assert "Dataset" in html and "Archief Gent" in html
    assert "Ships of Flanders" not in html  # pending: never shown
    # The filters: counts over the matches, the chosen ones marked, each a link that removes it.
    assert ('<a href="/search?q=ships&amp;country=BE" aria-current="true" class="facet-on">France <span '
            'class="count">(3)</span><span class="visually-hidden"> (selected: select to remove)') in html
    assert '<a href="/search?q=ships&amp;country=FR" class="tag-remove">Country: Belgium' in html
    # The kinds are tabs above the results, each with its count, every other filter kept.
    assert ('<a href="/search?q=ships&amp;country=FR&amp;country=BE&amp;type=expert">Experts <span '
            'class="count">(1)</span>') in html
    assert '<a href="/search?q=ships&amp;country=FR&amp;country=BE" aria-current="page">All <span' in html
    facets = html[html.index('id="facets-heading"'):html.index("</aside>")]
    assert "<h3>Type</h3>" not in facets
    # Nothing found: each chosen filter is offered for removal, the chosen value shown with (0);
    # the tabs still count the kinds under the other filters.
    html = client.get("/search", query_string={"q": "ships", "country": "DE", "type": "organisation"}
                      ).get_data(as_text=True)
    assert "Nothing found." in html and 'Germany <span class="count">(0)</span>' in html
    assert '<a href="/search?q=ships&amp;type=organisation">Country: Germany</a></li>' in html
    assert '<span class="kind-tab-empty">Projects <span class="count">(0)</span></span>' in html
    assert ('<a href="/search?q=ships&amp;country=DE&amp;type=organisation" aria-current="page">Organisations '
            '<span class="count">(0)</span></a>') in html


def test_a_facet_shows_its_most_frequent_values_and_always_the_chosen_ones(client, directory):
    countries = ["AT", "CZ", "DK", "EE", "FI", "GR", "HU", "IE", "LT", "LU", "LV", "MT", "PL", "PT"]
    for n, country in enumerate(countries):
        for _ in range(1 if n else 2):  # Austria the most frequent
            make_project(directory["louvre"], title=f"Ships of {country}", country=country)
    db.session.commit()
    facets = client.get("/search", query_string={"q": "ships"}).get_data(as_text=True)
    facets = facets[facets.index('id="facets-heading"'):facets.index("</aside>")]
    country = facets[facets.index("<h3>Country</h3>"):]
    country = country[:country.index("</ul>")]
    assert country.count("<li>") == 12 and country.index("Austria") < country.index("France")
    html = client.get("/search", query_string={"q": "ships", "country": "PT"}).get_data(as_text=True)
    assert 'aria-current="true" class="facet-on">Portugal <span class="count">(1)</span>' in html


def test_a_results_page_in_german(client, directory):
    html = client.get("/search", query_string={"q": "ships"}, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert ">Projekt<" in html and "Frankreich" in html and "Computer Vision" in html and "Im Einsatz" in html
    assert "Art der Organisation" in html and "Land" in html


def test_suggestions_name_topics_and_entries(client, directory):
    data = client.get("/search/suggest", query_string={"q": "chatb"}).get_json()
    labels = [s["label"] for s in data["suggestions"]]
    assert "A chatbot for visitors" in labels
    data = client.get("/search/suggest", query_string={"q": "Handschrift"}).get_json()
    assert any(s["kind"] == "topic" and "technique=text-recognition" in s["url"] for s in data["suggestions"])


# --- what visitors look for -----------------------------------------------------------------


def test_queries_are_counted_without_personal_data_and_shown_to_moderators(client, directory):
    client.get("/search", query_string={"q": "Zeppelins"})
    client.get("/search", query_string={"q": "zeppelins "})
    client.get("/search", query_string={"q": "ships"})
    rows = db.session.execute(sa.text("SELECT * FROM search_queries ORDER BY query")).mappings().all()
    assert [(r["query"], r["searches"], r["without_results"]) for r in rows] == [("ships", 1, 0),
                                                                                ("zeppelins", 2, 2)]
    assert set(rows[0].keys()) == {"query", "searches", "without_results", "last_searched_on"}
    assert client.get("/moderation/search-insights").status_code == 302
    login_as(client, make_user())
    assert client.get("/moderation/search-insights").status_code == 403
    login_as(client, make_user(role=Role.MODERATOR))
    html = client.get("/moderation/search-insights").get_data(as_text=True)
    assert "zeppelins" in html


def test_counts_kept_in_memory_are_written_together_and_before_moderators_read_them(app, client, directory,
                                                                                     monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_COUNTS_EVERY_SECONDS", 3600)
    client.get("/search", query_string={"q": "Zeppelins"})
    client.get("/search", query_string={"q": "zeppelins"})
    client.get("/search", query_string={"q": "ships"})
    count = "SELECT count(*) FROM search_queries"
    assert db.session.scalar(sa.text(count)) == 0  # not yet written: one write for many searches
    login_as(client, make_user(role=Role.MODERATOR))
    html = client.get("/moderation/search-insights").get_data(as_text=True)
    assert "zeppelins" in html
    rows = db.session.execute(sa.text("SELECT query, searches, without_results FROM search_queries ORDER BY query"))
    assert [tuple(r) for r in rows] == [("ships", 1, 0), ("zeppelins", 2, 2)]


def test_entries_follow_a_renamed_organisation(directory):
    assert "Finding ships in paintings" in titles("louvre", type="project")
    directory["louvre"].name = "Musée national Zanzibar"
    db.session.commit()
    assert "Finding ships in paintings" in titles("zanzibar", type="project")
    assert "Finding ships in paintings" not in titles("louvre", type="project")
