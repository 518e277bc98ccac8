"""Relevance: judged queries in several languages, each with the entries that must be on
the first page (among the best few of their kind when several kinds match, else among the first
five results), over the demo directory and over a small directory of look-alikes built here.
Runs on the test database's backend."""
from __future__ import annotations

import pytest

from hub.db import db
from hub.directory import demo, importer
from hub.search import services as search
from hub.search.base import PER_KIND
from tests.factories import make_expert, make_organisation, make_project, make_resource

# query -> titles that must all appear in the top five
JUDGED = {
    "Transkribus": ["Transkribus"],
    "handwritten text recognition Austria": ["Transkribus", "READ: Recognition and Enrichment of Archival Documents"],  # en, concept + country
    "Texterkennung Schweden": ["HTRflow and the Riksarkivet AI lab"],  # de
    "chatbot": ["CHIM: a chatbot in the Städel Museum", "Chatbots for the Museum of Greek Folk Art"],
    "agent conversationnel": ["Chatbots for the Museum of Greek Folk Art",
                              "A visitor chatbot for the National Museum of Ravenna"],  # fr
    "recherche sémantique": ["Maken similarity service", "Kunstverkenner (art explorer)"],  # fr
    "reconocimiento de voz": ["Nasjonalbiblioteket AI Lab models", "Swedish BERT and other KBLab models"],  # es
    "Spracherkennung": ["ELAN", "Nasjonalbiblioteket AI Lab models"],  # de
    "Gallica": ["GallicaPix", "GallicaSnoop"],
    "newspapers": ["Chatbot for Luxembourgish newspapers (eluxemburgensia)",
                   "NewsEye: a digital investigator for historical newspapers"],
    "Swedish language model": ["Swedish BERT and other KBLab models"],
    "musee du louvre": ["musée du Louvre"],  # without accents; the name as its source spells it
    "image similarity": ["Maken similarity service"],
    "image annotation": ["VGG Image Annotator (VIA)"],
    "video analysis": ["inaFaceAnalyzer", "ReTV: video analysis and summarisation"],
    "visione artificiale": ["Identifying rare plants from photos at Kew"],  # it
    "Norwegian": ["NoTraM: Norwegian Transformer Model"],
    "OCR Luxembourg": ["OCR post-correction (nautilusocr)"],
    "Prado": ["FrAI Angelico: teaching AI to read the Prado's paintings", "Counting the Prado"],
}


def test_judged_queries_find_the_right_entries_in_the_top_five():
    importer.import_lines(list(demo.demo_lines()), publish=True)
    db.session.commit()
    misses = {}
    for query, expected in JUDGED.items():
        page = search.search(query, record=False)
        # The first page: the best few of each kind when several kinds match, else the top five.
        top = [found.card.title for found in (page.found if page.groups else page.found[:5])]
        missing = [title for title in expected if title not in top]
        if missing:
            misses[query] = (missing, top)
    assert not misses, misses


# --- judged queries over a small directory built here (not the demo data) -------------------------

@pytest.fixture
def judged_directory():
    """A few real-looking projects among many look-alikes: twenty art museums with no AI, and
    twenty-five near-identical handwriting datasets of one archive."""
    rijks = make_organisation(name="Rijksmuseum", country="NL", type="museum")
    egizio = make_organisation(name="Museo Egizio", country="IT", type="museum")
    gironde = make_organisation(name="Archives départementales de la Gironde", country="FR", type="archive")
    dnb = make_organisation(name="Deutsche Nationalbibliothek", country="DE", type="library")
    amsterdam = make_organisation(name="Stadsarchief Amsterdam", country="NL", type="archive")
    for town in ("Basel", "Bern", "Bonn", "Chur", "Graz", "Linz", "Lund", "Metz", "Nancy", "Riga"):
        make_organisation(name=f"Kunstmuseum {town}", country="DE", type="museum")
        make_organisation(name=f"{town} Art Museum", country="NL", type="museum")
    entries = [
        (rijks, "Finding motifs in paintings", ("computer-vision",), "Image similarity across the collection."),
        (egizio, "Questions from visitors of the Egyptian collection", ("conversational-agents",),
         "Visitors ask questions in Italian and English."),
        (gironde, "Reading parish registers", ("text-recognition",),
         "Handwriting of the 18th century, read by machine."),
        (dnb, "Oral history interviews as text", ("speech-audio",), "Interviews transcribed automatically."),
        (amsterdam, "Notarial deeds for everyone", ("text-recognition",),
         "Handwriting recognition for notarial deeds."),
    ]
    for organisation, title, topics, summary in entries:
        project = make_project(organisation, title=title, topics=topics, country=organisation.country)
        project.summary = summary
    expert = make_expert(organisation=dnb, topics=("text-recognition",))
    expert.display_name, expert.bio = "Anna Keller", "Palaeographer; handwriting of early modern Germany."
    for n in range(25):
        dataset = make_resource(gironde, type="dataset")
        dataset.title = f"Handwriting ground truth, volume {n + 1}"
        dataset.summary = "Pages of handwriting, transcribed."
    db.session.commit()


# query -> titles that must all be on the first page (the best few of their kind, or the top five)
JUDGED_HERE = {
    "art museum computer vision": ["Finding motifs in paintings"],  # en
    "handwriting": ["Reading parish registers", "Notarial deeds for everyone", "Anna Keller"],
    "reconnaissance d'écriture manuscrite": ["Reading parish registers", "Notarial deeds for everyone"],  # fr
    "assistant virtuel": ["Questions from visitors of the Egyptian collection"],  # fr
    "Handschriftenerkennung": ["Reading parish registers", "Notarial deeds for everyone", "Anna Keller"],  # de
    "Spracherkennung": ["Oral history interviews as text"],  # de
    "handschriftherkenning": ["Notarial deeds for everyone", "Reading parish registers"],  # nl
    "chatbot museo": ["Questions from visitors of the Egyptian collection"],  # it
    "visione artificiale": ["Finding motifs in paintings"],  # it
    "reconocimiento de voz": ["Oral history interviews as text"],  # es
    "reconocimiento de escritura manuscrita": ["Reading parish registers"],  # es
}


def first_page(query: str) -> list[str]:
    page = search.search(query, record=False)
    return [found.card.title for found in (page.found if page.groups else page.found[:5])]


def test_judged_queries_over_a_directory_of_look_alikes(judged_directory):
    misses = {}
    for query, expected in JUDGED_HERE.items():
        top = first_page(query)
        missing = [title for title in expected if title not in top]
        if missing:
            misses[query] = (missing, top)
    assert not misses, misses


def test_art_museum_computer_vision_shows_the_computer_vision_project_not_every_museum(judged_directory):
    # No entry has all four words: those with at least two, the project (three of them) first.
    page = search.search("art museum computer vision", record=False)
    assert page.result.min_match == 2
    assert page.found[0].card.title == "Finding motifs in paintings"
    # The art museums have two of the words; the other museums (one) are left out.
    assert page.result.total == 1 + 10
    organisations = next(group for group in page.groups if group.kind == "organisation")
    assert organisations.total == 10 and len(organisations.found) == PER_KIND
    assert all(found.card.title.endswith("Art Museum") for found in organisations.found)


def test_handwriting_shows_projects_and_the_expert_beside_the_datasets(judged_directory):
    page = search.search("handwriting", record=False)
    kinds = [group.kind for group in page.groups]
    assert set(kinds) == {"project", "expert", "resource"}
    resources = next(group for group in page.groups if group.kind == "resource")
    assert len(resources.found) == PER_KIND and resources.total == 25
    # Every project and the expert are on the first page, among at most PER_KIND datasets.
    titles = [found.card.title for found in page.found]
    assert {"Reading parish registers", "Notarial deeds for everyone", "Anna Keller"} <= set(titles)
    assert len(titles) == 2 + 1 + PER_KIND
