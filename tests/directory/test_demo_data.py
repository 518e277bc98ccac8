"""The demo directory as a visitor meets it: real European AI projects with their
sources, every resource type, one organisation per institution, names as their
sources spell them, no raw notes, readable years, fictional experts marked.

Most checks read the data files (fast); the loading checks leave out the 4,500
museums, which tests/directory/test_importer.py loads once."""
from __future__ import annotations

import csv
import json
import re
from collections import Counter

import pytest
import sqlalchemy as sa

from hub.db import db, transaction
from hub.directory import demo, importer, vocabulary as vocab
from hub.directory.models import EntryStatus, Expert, Organisation, Project, Resource
from hub.text import is_web_url, year_range

RESOURCE_TYPES = ("guide", "case-study", "policy", "training", "software", "funding", "report")
SIX_LANGUAGES = {"en", "fr", "nl", "de", "it", "es"}


def records(kind: str, museums: bool = False) -> list[dict]:
    return [r for r in demo.demo_records(museums=museums) if r["type"] == kind]


def museum_rows() -> list[dict]:
    with (vocab.DATA_DIR / "museums.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def demo_organisations() -> list[dict]:
    return json.loads((demo.DEMO / "organisations.json").read_text(encoding="utf-8"))


# --- counts ---------------------------------------------------------------------------


def test_the_demo_has_at_least_80_real_projects_with_their_source():
    projects = records("project")
    assert len(projects) >= 80
    assert len({p["title"] for p in projects}) == len(projects)
    for project in projects:
        assert is_web_url(project.get("source_url", "")), project["title"]
    # European institutions: the lead organisation of every project, where one is named, is in Europe.
    countries = {o["name"]: o.get("country") for o in demo_organisations()}
    leads = [p["organisations"][0] for p in projects if p.get("organisations")]
    assert not [name for name in leads if countries.get(name) in ("US", "AU", "CA", "CL")]
    # Museums lead many of them, and computer vision in museums is not a lone example.
    types = {o["name"]: o["organisation_type"] for o in demo_organisations()}
    museum_led = [p for p in projects if p.get("organisations") and types.get(p["organisations"][0], "museum") == "museum"]
    assert len(museum_led) >= 20
    assert sum("computer-vision" in p["techniques"] for p in museum_led) >= 10


def test_the_ai_cards_say_what_their_sources_state():
    projects = records("project")
    card = ("data_sources", "data_rights", "human_oversight", "lessons_worked", "lessons_failed", "funding")
    with_card = [p for p in projects if any(p.get(f) for f in card)]
    assert len(with_card) >= 40
    # Failures are the rarest and most valuable lessons: the demo shows several.
    assert sum(bool(p.get("lessons_failed")) for p in projects) >= 8
    assert sum(bool(p.get("human_oversight")) for p in projects) >= 15
    # The yes/no assessments are not stated by any source: the demo leaves them out.
    assert not any(k in p for p in projects for k in ("dpia_done", "fria_done", "bias_review_done"))


def test_every_resource_type_has_real_items_with_their_source():
    resources = records("resource")
    counts = Counter(r["resource_type"] for r in resources)
    assert all(counts[t] >= 5 for t in RESOURCE_TYPES), counts
    assert counts["dataset"] >= 136
    for resource in resources:
        assert is_web_url(resource.get("source_url", "")), resource["title"]
        assert resource["summary"] and resource.get("description"), resource["title"]
    publishers = [r for r in resources if r["resource_type"] != "dataset"]
    assert sum(bool(r.get("organisation")) for r in publishers) >= len(publishers) - 10


def test_the_fictional_experts_cover_ten_countries_and_the_six_languages():
    experts = records("expert")
    assert len(experts) >= 20
    assert all(e["is_example"] for e in experts)
    assert len({e["country"] for e in experts}) >= 10
    assert SIX_LANGUAGES <= {code for e in experts for code in e["languages"]}
    # Some write their profile in their own language.
    assert SIX_LANGUAGES <= {e["content_language"] for e in experts}
    known = {o["name"] for o in demo_organisations()}
    assert all(e["organisation"] in known for e in experts)
    topics = set(vocab.TOPIC_FACETS)
    assert all(vocab.concept(t).facet in topics for e in experts for t in e["techniques"] + e["areas"])


def test_every_demo_line_passes_the_importers_checks():
    prepared, errors, _ = importer.check_lines(list(demo.demo_lines(museums=False)))
    assert errors == [] and prepared


# --- organisations --------------------------------------------------------------------


def test_each_institution_is_one_organisation():
    organisations = demo_organisations()
    keys = Counter(k for o in organisations for k in {importer.organisation_key(n) for n in [o["name"], *o["aliases"]]})
    assert [k for k, n in keys.items() if n > 1] == []
    for field in ("isil", "wikidata_qid"):
        values = [o[field] for o in organisations if o.get(field)]
        assert len(values) == len(set(values))
    # A demo organisation is never also a museum of the museum lists under another record.
    museums = {importer.organisation_key(row["name"]) for row in museum_rows()}
    assert [k for k in keys if k in museums] == []
    # Museums of one name ("musée municipal") are distinct only in distinct towns.
    by_name_and_town = Counter((importer.organisation_key(r["name"]), importer.organisation_key(r["city"]))
                               for r in museum_rows())
    assert [k for k, n in by_name_and_town.items() if n > 1] == []


def test_organisations_named_by_entries_are_in_the_directory_under_their_canonical_name():
    canonical = {o["name"] for o in demo_organisations()}
    museum_names = {row["name"] for row in museum_rows()}
    named = [n for p in records("project") for n in p.get("organisations", [])]
    named += [r["organisation"] for r in records("resource") + records("expert") if r.get("organisation")]
    assert named and all(n in canonical or n in museum_names for n in named)
    # Other spellings of the sources resolve to one name; a school class is no organisation.
    assert demo.canonical_name("National Archive Netherlands / Nationaal Archief") == "Nationaal Archief"
    assert demo.canonical_name("nationaal archief") == "Nationaal Archief"
    assert demo.canonical_name("Technische Informationsbibliothek") == (
        "TIB – Leibniz Information Centre for Science and Technology")
    assert demo.canonical_name("6e-1 du Collège Martin-Luther-King de Charvieu-Chavagneux") is None


def test_organisations_are_typed_from_the_taxonomy():
    organisations = demo_organisations()
    assert all(vocab.is_concept(vocab.ORGANISATION_TYPE, o["organisation_type"]) for o in organisations)
    types = {o["name"]: o["organisation_type"] for o in organisations}
    assert types["Nationaal Archief"] == "archive" and types["British Library"] == "library"
    assert types["Teklia"] == "company" and types["Rijksmuseum"] == "museum"
    assert Counter(types.values())["other"] <= 2


def test_museum_names_are_as_the_source_spells_them_and_raw_notes_are_gone():
    names: dict[str, set] = {}
    for row in museum_rows():
        names.setdefault(row["source_id"], set()).add(row["name"])
    for record in records("organisation", museums=True):
        if record.get("external_id") in names:
            assert record["name"] in names[record["external_id"]]
    all_text = [r.get("description") or "" for r in demo.demo_records(museums=True)]
    assert not [t for t in all_text if "Subject:" in t or "Governance:" in t]
    battle = next(r for r in records("organisation", museums=True)
                  if r["name"] == "1066 Battle Of Hastings, Battle Abbey And Battlefield")
    assert battle["description"] == "A museum of war and conflict in Battle, South East England."
    assert demo.museum_description("Mixed/Other", "Leeds", "Yorkshire and The Humber") is None


# --- text ------------------------------------------------------------------------------


NEGATIVE_YEAR = re.compile(r"(?<![\w.])-\d{2,4}\b|–-\d")


def test_no_text_shows_a_year_with_a_minus_sign():
    texts = [str(r.get(f) or "") for r in demo.demo_records(museums=False) for f in ("summary", "description")]
    assert not [t for t in texts if NEGATIVE_YEAR.search(t)]
    assert any("BC" in t for t in texts)  # the datasets of antiquity say so


@pytest.mark.parametrize("start, end, shown", [
    (-250, -230, "250–230 BC"), (-50, 20, "50 BC–20 AD"), (1500, 1600, "1500–1600"), ("800", "1500", "800–1500"),
    (2019, None, "2019–"), (None, 2020, "…–2020"), (2019, 2019, "2019"), (-300, None, "300 BC–"), (None, None, ""),
])
def test_a_span_of_years_reads_as_readers_write_it(start, end, shown):
    assert year_range(start, end) == shown


def test_the_demo_texts_have_no_common_typos():
    typos = re.compile(r"\b(teh|recieve|seperate|occured|acheive|wich|langauge|Univesrity|accross|  )\b|\s[,.]\s|\.\.(?!\.)")
    texts = [str(r.get(f) or "") for r in demo.demo_records(museums=False)
             for f in ("title", "summary", "description", "bio", "human_oversight", "lessons_failed")]
    assert [t for t in texts if typos.search(t)] == []


# --- loading --------------------------------------------------------------------------


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_loading_the_demo_twice_changes_nothing(app):
    with transaction():
        first = demo.load_demo(museums=False)
    assert first.errors == []
    loaded = {m.__name__: count(m) for m in (Organisation, Project, Resource, Expert)}
    assert loaded["Project"] >= 80 and loaded["Expert"] >= 20
    assert count(Project, Project.source_url.is_(None)) == 0
    assert count(Resource, Resource.source_url.is_(None)) == 0
    assert count(Organisation, Organisation.name == "National Archive Netherlands / Nationaal Archief") == 0
    assert count(Organisation, Organisation.name == "Nationaal Archief") == 1

    with transaction():
        second = demo.load_demo(museums=False)
    assert second.created == 0 and second.errors == []
    assert {m.__name__: count(m) for m in (Organisation, Project, Resource, Expert)} == loaded
    assert count(Organisation, Organisation.status != EntryStatus.PUBLISHED) == 0


def test_the_demo_pages_show_sources_experts_as_fictional_and_french_resources(client):
    with transaction():
        demo.load_demo(museums=False)
    project = db.session.scalar(sa.select(Project).where(Project.title == "What the Machine Saw"))
    page = client.get(f"/projects/{project.slug}").get_data(as_text=True)
    assert "Source" in page and project.source_url in page

    expert = db.session.scalar(sa.select(Expert).where(Expert.display_name == "Hanna Virtanen"))
    page = client.get(f"/experts/{expert.slug}").get_data(as_text=True)
    assert "fictional example" in page and "does not exist" in page

    page = client.get("/countries/FR").get_data(as_text=True)
    resources = re.search(r'id="section-resource">[^<]*<span class="count">([\d,]+)</span>', page)
    assert resources and int(resources.group(1).replace(",", "")) >= 10


# --- licences ------------------------------------------------------------------------------


def test_every_source_is_listed_with_its_licence_and_the_about_page_shows_the_same(client):
    notes = (vocab.DATA_DIR / "LICENCES.md").read_text(encoding="utf-8")
    for record in records("project") + [r for r in records("resource") if r["resource_type"] != "dataset"]:
        assert f"<{record['source_url']}>" in notes, record["title"]
    credits = ["Data downloaded from the Mapping Museums website at www.mappingmuseums.org",
               "Licence Ouverte / Etalab 2.0", "HTR-United catalogue, CC0 1.0", "awesome-ai4lam", "CC0 1.0"]
    assert all(credit in notes for credit in credits)

    page = client.get("/about").get_data(as_text=True)
    assert all(credit in page for credit in credits)
    assert 'href="https://pro.europeana.eu/post/training-our-image-classification-model"' in page
