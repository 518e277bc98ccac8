"""Text as the search index sees it: folded (case and accents), cut into
words, without the little words of the six interface languages.

Both backends index and query folded text, so "musee" finds "Musée" the
same way on SQLite and on PostgreSQL, and so the query never carries any
syntax of either engine: only words made of letters and digits reach them."""
from __future__ import annotations

import functools
import re
import unicodedata

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
MAX_TERM_LENGTH = 40

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Words that carry no meaning in a query, in the six languages of the interface.
# Removed from queries only (the index keeps them), unless nothing else is left.
STOPWORDS = frozenset("""
a an and are as at be by for from has have in into is it its of on or that the their this to was were with
about who what which where how
au aux avec ce ces dans de des du en et la le les leur lui mais ou par pour qu que qui sa se ses sur un une d l
aan als bij de den der des een en het in is met naar of op te van voor die dat wie wat
am an auf aus bei dem den der des die das ein eine einem einen einer für im in ist mit oder und vom von zu zum zur
il lo la i gli le un una uno di da del della dei delle degli nel nella nei con per su tra fra e o che chi
el la los las un una unos unas de del en y o con por para que quien al
""".split())


def fold(text: str | None) -> str:
    """Lower case without accents: "Musée" -> "musee", "Straße" -> "strasse"."""
    if not text:
        return ""
    if text.isascii():  # most text: casefold is lower() there, and there are no accents
        return text.lower()
    # Word by word, each non-ASCII word folded once and remembered: the same words recur in every
    # document (concept labels in six languages), and folding character by character was most of
    # the time of indexing. Folding is the same for a text and for its words joined again.
    return " ".join(word.lower() if word.isascii() else _fold_word(word) for word in text.split(" "))


@functools.lru_cache(maxsize=200_000)
def _fold_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def clean_query(text: str | None) -> str:
    """The query as typed, made safe: control characters out, length capped."""
    if not text:
        return ""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in str(text))
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def words(text: str | None) -> list[str]:
    """Folded words of a text, in order."""
    return [w[:MAX_TERM_LENGTH] for w in _WORD.findall(fold(text))]


def query_terms(text: str | None) -> list[str]:
    """The words a query searches for: folded, without stopwords, at most MAX_TERMS."""
    found = words(clean_query(text))
    meaningful = [w for w in found if w not in STOPWORDS]
    unique = list(dict.fromkeys(meaningful or found))
    return unique[:MAX_TERMS]


# --- stems: what the engines compare ----------------------------------------------------------
# Both engines stem English: SQLite FTS5's "porter" tokenizer (Martin Porter's original
# algorithm) and PostgreSQL's 'english' configuration (Snowball's English, "Porter2"). The same
# two algorithms in Python let highlighting mark exactly the words that matched: "art" does not
# mark "artificial" (stem "artifici"), "vision" does not mark "visitors" (stem "visitor").
STEMMERS = ("porter", "english")
_STEMMED = range(3, 65)  # both engines leave words shorter than 3 letters (FTS5 also longer than 64) alone


@functools.lru_cache(maxsize=None)
def _stemmer(algorithm: str):
    import snowballstemmer

    return snowballstemmer.stemmer(algorithm)


@functools.lru_cache(maxsize=200_000)
def stem(word: str, algorithm: str) -> str:
    """The stem of one folded word, as the engine using `algorithm` indexes it."""
    if len(word) not in _STEMMED:
        return word
    return _stemmer(algorithm).stemWord(word)


def fallback_needs(term_count: int) -> int:
    """How many of a query's words an entry needs when none has them all: two-thirds, rounded
    down. One word cannot be relaxed (0: no fallback); of two, one (either may be the
    misspelt or too narrow one, and entries with both were none); of three or more, never fewer
    than two, so that four words never match every entry that has any one of them."""
    if term_count <= 1:
        return 0
    if term_count == 2:
        return 1
    return max(2, term_count * 2 // 3)
