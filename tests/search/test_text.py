"""Folding (case and accents) is what both backends index and query: its fast paths must give
exactly what the plain definition gives, for any text."""
from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

from hub.search.text import fold


def reference_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def test_fold_examples():
    assert fold("Musée") == "musee"
    assert fold("Straße") == "strasse"
    assert fold("Ἀθῆναι ÇA ﬁn") == "αθηναι ca fin"
    assert fold("") == "" and fold(None) == ""


def test_fold_matches_its_definition_on_hostile_and_random_text():
    strings = json.loads((Path(__file__).parent.parent / "data" / "naughty-strings.json").read_text())
    rnd = random.Random(7)
    strings += ["".join(chr(rnd.randrange(0x20, 0x30000)) for _ in range(40)) for _ in range(3000)]
    strings += ["".join(chr(rnd.choice([rnd.randrange(0x41, 0x7b), rnd.randrange(0x300, 0x370)])) for _ in range(30))
                for _ in range(500)]
    assert [s for s in strings if fold(s) != reference_fold(s)] == []
