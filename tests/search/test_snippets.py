"""Snippets of search results: the words around the first match, the matching words marked,
whatever the text's alphabet, and always escaped. A word is marked when the engine matches it:
its stem is a query word's stem (both engines' stemmers); the last word of a query being typed
also marks the words it starts."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from hub.search.highlight import SNIPPET_SCAN, Matcher
from hub.search.highlight import snippet as make_snippet
from hub.search.text import STEMMERS, query_terms, stem, words

FILLER = "the collection holds many objects from the region".split()


def filler(n: int) -> str:
    return " ".join(FILLER[i % len(FILLER)] for i in range(n))


def matcher(terms: list[str], algorithm: str = "porter", prefix: bool = False) -> Matcher:
    return Matcher(terms, algorithm, prefix)


def snippet(text, terms, size: int = 32, algorithm: str = "porter", prefix: bool = False):
    return make_snippet(text, matcher(terms, algorithm, prefix) if terms else None, size)


def marked(html: str) -> list[str]:
    return [part.split("</mark>")[0] for part in html.split("<mark>")[1:]]


@pytest.mark.parametrize("algorithm", STEMMERS)
def test_matching_words_are_marked_by_their_stem_case_and_accents(algorithm):
    html = snippet("Archival work: the ARCHIVES of the Musée d'Orsay.", query_terms("archives musee"),
                   algorithm=algorithm)
    assert marked(html) == ["Archival", "ARCHIVES", "Musée"]
    # A longer word that only starts like a query word is another word.
    assert marked(snippet("Le musée et la muséographie", query_terms("MUSEE"), algorithm=algorithm)) == ["musée"]


@pytest.mark.parametrize("algorithm", STEMMERS)
def test_only_whole_words_are_marked_not_words_that_start_alike(algorithm):
    text = "Artificial intelligence for art: computer vision counts the visitors of the Art Museum and its arts."
    assert marked(snippet(text, query_terms("art museum computer vision"), algorithm=algorithm)) == [
        "art:", "computer", "vision", "Art", "Museum", "arts."]
    assert marked(snippet("Handwriting and handwritten letters", query_terms("handwriting"), algorithm=algorithm)) \
        == ["Handwriting"]


def test_the_last_word_being_typed_marks_the_words_it_starts():
    text = "Artificial intelligence for art and visitors"
    assert marked(snippet(text, query_terms("art"), prefix=True)) == ["Artificial", "art"]
    assert marked(snippet(text, query_terms("visi art"), prefix=True)) == ["Artificial", "art"]
    assert marked(snippet(text, query_terms("art visi"), prefix=True)) == ["art", "visitors"]


def test_the_window_starts_a_little_before_the_first_match():
    for text in (filler(200) + " handwritten letters " + filler(200),
                 filler(200) + " handwritten letters " + filler(200) + " café"):  # ASCII, and not
        html = snippet(text, query_terms("handwritten"), size=32)
        assert html.startswith("… ") and html.endswith(" …") and marked(html) == ["handwritten"]
        assert html.split().index("<mark>handwritten</mark>") == 1 + 32 // 4


def test_a_match_inside_a_longer_token_is_found():
    for tail in ("", " é"):
        html = snippet(filler(100) + " (pre-digitised) records" + tail, query_terms("digitised"))
        assert marked(html) == ["pre-digitised"] and html.split()[1 + 32 // 4] == "<mark>pre-digitised</mark>"


def test_text_without_the_words_starts_at_its_beginning_unmarked():
    # Found by its topics, not its text: the start of the text, nothing marked.
    for text in (filler(100), filler(100) + " Zürich"):
        html = snippet(text, query_terms("chatbot"))
        assert html.startswith("the collection") and html.endswith(" …") and "<mark>" not in html


def test_only_the_first_words_are_looked_at():
    html = snippet(filler(SNIPPET_SCAN + 50) + " chatbot", query_terms("chatbot"))
    assert html.startswith("the collection") and "<mark>" not in html


def test_snippets_are_escaped_and_markdown_signs_left_out():
    html = snippet("**Bold** <script>alert(1)</script> & [a link](http://x) ships", query_terms("script ships"))
    assert "<script" not in html and "<mark>&lt;script</mark> alert" in html and "&amp;" in html
    assert "**" not in html and "[" not in html and marked(html)[-1] == "ships"
    assert snippet("", ["x"]) == "" and snippet(None, ["x"]) == "" and snippet("***", ["x"]) == ""


def reference_marks(text: str, terms: list[str], algorithm: str, prefix: bool, size: int = 32) -> list[str]:
    """What a snippet marks, by its definition: word by word, from the first match, a word
    whose stem is a term's stem (or, being typed, that starts with the last term)."""
    stems = {stem(t, algorithm) for t in terms}

    def matches(token: str) -> bool:
        return any(stem(w, algorithm) in stems or (prefix and w.startswith(terms[-1])) for w in words(token))

    tokens = "".join(" " if c in "*_`#>[]()!|~" else c for c in text[:SNIPPET_SCAN * 12]).split()
    first = next((i for i, t in enumerate(tokens[:SNIPPET_SCAN]) if matches(t)), 0)
    start = max(0, first - size // 4)
    return [t for t in tokens[start:start + size] if matches(t)]


@pytest.mark.parametrize("algorithm", STEMMERS)
@pytest.mark.parametrize("prefix", [False, True])
def test_marks_follow_the_definition_on_random_and_hostile_text(algorithm, prefix):
    naughty = json.loads((Path(__file__).parent.parent / "data" / "naughty-strings.json").read_text())
    rnd = random.Random(11)
    vocabulary = FILLER + ["Musée", "MUSEUM", "musées", "Ⅻ", "ﬁnance", "Straße", "x¨y", "l'archive", "ARCHIVAL",
                           "re-archived", "<b>", "&amp;", "İstanbul", "café", "a_b", "9lives", "happy", "happiness",
                           "hoping", "hopes", "artificial", "arts", "visitors", "visions", "generalization",
                           "general", "relational", "museographie"]
    texts = [" ".join(rnd.choice(vocabulary) for _ in range(rnd.randrange(1, 120))) for _ in range(400)]
    texts += naughty
    queries = ["museum", "archives", "xii", "finance", "strasse", "y", "istanbul", "cafe", "b", "9", "lives",
               "happiness", "hope", "art", "vision", "visitor", "general", "relate"]
    queries += rnd.sample(naughty, 20)
    for query in queries:
        terms = query_terms(query)
        if not terms:
            continue
        for text in texts:
            html = snippet(text, terms, algorithm=algorithm, prefix=prefix)
            assert len(marked(html)) == len(reference_marks(text, terms, algorithm, prefix)), (query, text)
