"""Highlighting: the words of a result that matched the query, marked in its title and in a
snippet of its text. A word is marked when the engine would have matched it: its stem (after
folding, hub.search.text.stem with the backend's algorithm) is a query word's stem. So "art"
marks "arts" but not "artificial", "vision" marks "visions" but not "visitors". While a query
is being typed (suggestions), its last word also marks the words it starts."""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape as html_escape

from markupsafe import Markup

from hub.search.text import MAX_TERM_LENGTH, fold, stem, words

SNIPPET_SCAN = 1_000  # words looked at for the first match

_MARKDOWN_NOISE = re.compile(r"[*_`#>\[\]()!|~]+")


class Matcher:
    """Whether a folded word matches a query's words, as the engine with `algorithm` matches."""

    def __init__(self, terms: list[str], algorithm: str, prefix: bool = False):
        self.algorithm = algorithm
        self.stems = frozenset(stem(t, algorithm) for t in terms)
        self.prefix = terms[-1] if prefix and terms else None
        # Every word with one of these stems starts with the stem less its last letter (stemming
        # changes at most the ending: "happy" -> "happi", "hoping" -> "hope"); the prefixes find
        # the candidates quickly, the stem decides.
        starts = {s[:-1] or s for s in self.stems} | ({self.prefix} if self.prefix else set())
        self.starts = tuple(sorted(starts))

    def word(self, word: str) -> bool:
        if self.prefix and word.startswith(self.prefix):
            return True
        return word.startswith(self.starts) and stem(word, self.algorithm) in self.stems

    def token(self, token: str) -> bool:
        """A token of the text (between spaces) matches when one of its words does."""
        return any(self.word(w) for w in _token_words(token))


@lru_cache(maxsize=20_000)
def _token_words(token: str) -> tuple[str, ...]:
    """Folded words of one token of a snippet: the same words recur on every page of results."""
    return tuple(words(token))


def snippet(text: str | None, matcher: Matcher | None, size: int = 32) -> Markup:
    """About `size` words around the first match, the matching words marked; escaped."""
    text = text or ""
    cut = len(text) > SNIPPET_SCAN * 12  # characters enough for the words looked at
    plain = _MARKDOWN_NOISE.sub(" ", text[:SNIPPET_SCAN * 12] if cut else text)
    tokens = plain.split()
    if not tokens:
        return Markup("")
    first = _first_match(plain, tokens, matcher) if matcher and matcher.starts else None
    start = max(0, (first or 0) - size // 4)
    window = range(start, min(len(tokens), start + size))
    marked = first is not None  # else no word looked at matches
    # Escaped as plain text and marked up once: a Markup object per word cost a millisecond a page.
    pieces = [f"<mark>{html_escape(tokens[i])}</mark>" if marked and matcher.token(tokens[i])
              else html_escape(tokens[i]) for i in window]
    return Markup(("… " if start else "") + " ".join(pieces) + (" …" if cut or window.stop < len(tokens) else ""))


def _first_match(plain: str, tokens: list[str], matcher: Matcher) -> int | None:
    """The index of the first token (of the first SNIPPET_SCAN) with a matching word. An entry
    found by its topics may not have the words in its text at all: one look at the whole folded
    text answers that without going word by word."""
    folded = fold(plain)
    if not any(start in folded for start in matcher.starts):
        return None
    if not plain.isascii():  # word by word: the first match is mostly near the start
        return next((i for i, token in enumerate(tokens[:SNIPPET_SCAN]) if matcher.token(token)), None)
    # Folded ASCII text is the text lower-cased, letter for letter: one search finds each
    # candidate word, its stem decides.
    for found in _word_start(matcher.starts).finditer(folded):
        if matcher.word(_WORD_AT.match(folded, found.start()).group()[:MAX_TERM_LENGTH]):
            before = plain[:found.start()]
            index = len(before.split()) - (1 if before and not before[-1].isspace() else 0)
            return index if index < SNIPPET_SCAN else None
    return None


_WORD_AT = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1_000)
def _word_start(starts: tuple[str, ...]) -> re.Pattern:
    """A word (letters and digits, as hub.search.text.words cuts them) starting with a prefix."""
    return re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, starts)) + ")")
