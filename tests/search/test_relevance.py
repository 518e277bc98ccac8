"""Relevance over the demo directory: judged queries in several languages, each with
the entries that must be among the first five results. Runs on the test database's backend."""
from __future__ import annotations

from hub.db import db
from hub.directory import demo, importer
from hub.search import services as search

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
        top = [found.card.title for found in search.search(query, record=False).found[:5]]
        missing = [title for title in expected if title not in top]
        if missing:
            misses[query] = (missing, top)
    assert not misses, misses
