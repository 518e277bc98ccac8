"""Relevance over the demo directory: judged queries in several languages, each with
the entries that must be on the first page: among the best few of their kind when several
kinds match, else among the first five results. Runs on the test database's backend."""
from __future__ import annotations

from hub.db import db
from hub.directory import demo, importer
from hub.search import services as search

# query -> titles that must all appear in the top five
JUDGED = {
    "Transkribus": ["Transkribus"],
    "handwritten text recognition Austria": ["Transkribus"],  # en, concept + country
    "Texterkennung Schweden": ["HTRFLOW demo"],  # de
    "chatbot": ["Oodi", "Chatbot for Luxembourgish newspapers"],
    "agent conversationnel": ["Oodi", "Chatbot for Luxembourgish newspapers"],  # fr
    "recherche sémantique": ["GallicaPix", "Maken Similarity Service"],  # fr
    "reconocimiento de voz": ["Acoustic models from the National Library of Sweden"],  # es
    "Spracherkennung": ["Acoustic models from the National Library of Sweden"],  # de
    "Gallica": ["GallicaPix", "GallicaSNOOP"],
    "newspapers": ["Chatbot for Luxembourgish newspapers", "Newspaper Navigator"],
    "Swedish language model": ["Swedish BERT", "Text models from the National Library of Sweden"],
    "musee du louvre": ["Musée du Louvre"],  # without accents
    "image similarity": ["Maken Similarity Service"],
    "image annotation": ["VGG Image Annotator", "Annotorious"],
    "video analysis": ["inaFaceAnalyzer"],
    "visione artificiale": ["Visual AI", "CAMPI"],  # it
    "Norwegian": ["Norwegian Transformer Model (NoTraM)"],
    "OCR Luxembourg": ["OCR correction"],
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
