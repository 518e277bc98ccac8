"""Likely duplicates of a new entry, shown on the form before it is saved.

Two entries of the same kind are likely the same when their titles are close
once case, accents, punctuation and spacing are folded away, or when they
point at the same website (scheme, "www.", a trailing slash and case aside).

The tables hold thousands of organisations and up to a hundred thousand
projects, so the database first narrows the candidates with LIKE on the most
distinctive words of the title (a few hundred rows at most, those matching
most words first), and only these are scored in Python with difflib. Without
a trigram index each query is one sequential scan: with 100,000 projects the
whole check takes about 0.1 to 0.3 s on SQLite and PostgreSQL, and it runs
only when a new entry is posted (timed in tests/directory/test_duplicates.py).
Should that grow too slow, a pg_trgm index (PostgreSQL) or an FTS5 table of
titles (SQLite) can replace the LIKE prefilter behind the same function.

Known limit of the prefilter: a candidate must share one distinctive word
with the title, or its first letters; a title whose every word has a typo
is not found. The LIKE patterns stand in a wildcard for every accented letter
typed, so "Musée" finds "Musee" and "Musée", but "Musee" typed does not find
"Musée" stored through that word alone (the other words of the title still do).

Only what the user may see is compared: published entries, and their own.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

import sqlalchemy as sa

from hub.db import db
from hub.directory.models import ENTRY_MODELS, Entry, EntryStatus, Expert
from hub.text import clean_line

TITLE_THRESHOLD = 0.85  # difflib ratio of the folded titles (0..1) from which two titles count as close
CANDIDATES = 300  # rows fetched by the title prefilter and scored in Python
WEBSITE_CANDIDATES = 50
COMPARED_LENGTH = 200  # difflib is quadratic; titles are short, hostile input may not be
PATTERNS = 3  # LIKE patterns of the prefilter: each costs one more test per row

# The attribute names of the title and the web address of each kind, on the
# models and on their Input dataclasses alike.
TITLE_FIELDS = {"project": "title", "expert": "display_name", "resource": "title", "organisation": "name"}
WEBSITE_FIELDS = {"project": "website", "expert": None, "resource": "url", "organisation": "website"}

# Words too common in this directory to tell entries apart, in the languages of its users.
STOPWORDS = frozenset("""
a an and the of for in on at to with by from ai
de des du la le les l d et en au aux pour sur un une
der die das den dem und fur im am zu von vom mit ein eine
het een van voor op te in en
il lo gli i della delle dei del di e per con un una
el los las y para con del
museum museums musee musees museo musei museos museu muzeum museet museo
national nationaal nazionale nacional nationale
project projects projet projekt progetto proyecto
gallery galerie galleria library bibliotheque bibliothek biblioteca archive archives archief archiv archivio
collection collections sammlung collezione
art arts kunst arte history historical
""".split())


@dataclass(frozen=True)
class Duplicate:
    """An existing entry that looks like the one being added."""

    entry: Entry
    title_score: float  # 0..1; 0 when only the website matched
    same_website: bool

    @property
    def kind(self) -> str:
        return self.entry.kind


# --- folding ----------------------------------------------------------------------


def _fold_char(char: str) -> str:
    """A character without accents, case-folded: "É" -> "e", "ß" -> "ss"."""
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _safe(text) -> str:
    """One clean line: no control characters (PostgreSQL refuses NUL), no lone surrogates."""
    text = clean_line(text)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        text = "".join(c for c in text if not 0xD800 <= ord(c) <= 0xDFFF)
    return text


@dataclass(frozen=True)
class _Word:
    folded: str  # compared in Python
    pattern: str  # LIKE pattern (escaped) for lower(column): accented letters become wildcards


def _words(text: str) -> list[_Word]:
    """The words of `text`: runs of letters and digits in any script."""
    words: list[_Word] = []
    folded: list[str] = []
    pattern: list[str] = []

    def close() -> None:
        if folded:
            words.append(_Word("".join(folded), "".join(pattern)))
            folded.clear()
            pattern.clear()

    for char in text:
        if unicodedata.combining(char):
            continue  # an accent typed on its own belongs to the letter before it
        base = _fold_char(char)
        if not base or not all(c.isalnum() for c in base):
            close()
            continue
        folded.append(base)
        if char.isascii():
            pattern.append(_escape_like(char.lower()))
        elif base.isascii():
            # An accented Latin letter: stored with or without its accent.
            pattern.append("_" if len(base) == 1 else "%")
        else:
            # Another script: compared as written (lower() of PostgreSQL folds its case;
            # SQLite's lower() folds ASCII only, so there the case must match).
            pattern.append(_escape_like(char.lower()))
    close()
    return words


_NOT_WORD = re.compile(r"[\W_]+")


def fold(text) -> str:
    """The form titles are compared in: lower case, no accents, words separated by one space.
    (Called for every candidate, so it works on the whole string rather than per character.)"""
    text = _safe(text)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def normalise_website(url) -> str | None:
    """"https://www.Museum.example/lyon/" -> "museum.example/lyon"; None if it is no web address."""
    text = _safe(url).lower()
    if not text or len(text) > 500 or any(c.isspace() for c in text):
        return None
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = re.sub(r"^www\.", "", text)
    text = text.split("#", 1)[0].rstrip("/")
    host = re.split(r"[/?]", text, maxsplit=1)[0]
    if "." not in host.strip("."):
        return None
    return text


# --- scoring ----------------------------------------------------------------------


def title_similarity(a: str, b: str) -> float:
    """How close two folded titles are, from 0 to 1."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    if min(len(a), len(b)) < 4:
        return 0.0  # "AI" and "A" are not duplicates: short titles must match exactly
    a, b = a[:COMPARED_LENGTH], b[:COMPARED_LENGTH]
    tokens_a, tokens_b = a.split(), b.split()
    numbers_a = {t for t in tokens_a if t.isdigit()}
    numbers_b = {t for t in tokens_b if t.isdigit()}
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return 0.0  # "Documenta 14" is not "Documenta 15"; nor "Test project 1" "Test project 2"
    best = 0.0
    for left, right in ((a, b), (" ".join(sorted(tokens_a)), " ".join(sorted(tokens_b)))):
        matcher = SequenceMatcher(None, left, right, autojunk=False)
        # The cheap upper bounds first: most candidates fail them.
        if matcher.real_quick_ratio() >= TITLE_THRESHOLD and matcher.quick_ratio() >= TITLE_THRESHOLD:
            best = max(best, matcher.ratio())
    # One title's distinctive words all in the other, and at least half of them:
    # "Rijksmuseum" and "Rijksmuseum Amsterdam".
    small, large = sorted(({t for t in tokens_a if t not in STOPWORDS}, {t for t in tokens_b if t not in STOPWORDS}),
                          key=len)
    if small and small <= large and len(small) * 2 >= len(large) and sum(map(len, small)) >= 5:
        best = max(best, 0.9)
    return best


# --- finding ----------------------------------------------------------------------


def _visible(model: type[Entry], viewer) -> sa.ColumnElement[bool]:
    """Published entries, and the viewer's own (never other people's drafts)."""
    condition = model.status == EntryStatus.PUBLISHED
    viewer_id = getattr(viewer, "id", None) if getattr(viewer, "is_authenticated", False) else None
    if viewer_id is not None:
        condition = condition | (model.owner_id == viewer_id)
        if model is Expert:
            condition = condition | (Expert.user_id == viewer_id)
    return condition


def _prefilter_words(title: str) -> list[str]:
    """LIKE patterns for the title's most distinctive words (the longest that are not stopwords)."""
    words = [w for w in _words(title) if not w.folded.isdigit()]
    distinctive = [w for w in words if len(w.folded) >= 3 and w.folded not in STOPWORDS]
    chosen = sorted(distinctive or [w for w in words if len(w.folded) >= 2], key=lambda w: -len(w.folded))
    patterns: list[str] = []
    for word in chosen:
        literal = len(word.pattern) - word.pattern.count("_") - word.pattern.count("%")
        if literal >= 2 and word.pattern not in patterns:  # "__" would match nearly everything
            patterns.append(word.pattern)
        if len(patterns) == PATTERNS:
            break
    if chosen and len(patterns) < PATTERNS and len(chosen[0].folded) >= 8:
        # The first letters of the longest word also find its misspellings at the end.
        prefix = chosen[0].pattern[:max(5, len(chosen[0].pattern) // 2)].rstrip("\\")
        if len(prefix) - prefix.count("_") - prefix.count("%") >= 4:
            patterns.append(prefix)
    return patterns


def likely_duplicates(kind: str, title: str | None, website: str | None, exclude_id: int | None = None,
                      limit: int = 5, *, viewer=None) -> list[Duplicate]:
    """Existing entries of `kind` with a close title or the same website, best first.

    Compares only with published entries and the viewer's own (None: published
    only). `exclude_id` leaves out the entry being edited. Any text is accepted:
    nonsense simply finds nothing."""
    model = ENTRY_MODELS.get(kind)
    if model is None or limit <= 0:
        return []
    title_column = getattr(model, TITLE_FIELDS[kind])
    website_column = getattr(model, WEBSITE_FIELDS[kind]) if WEBSITE_FIELDS[kind] else None
    visible = _visible(model, viewer)
    if exclude_id is not None:
        visible = visible & (model.id != exclude_id)

    found: dict[int, tuple[float, bool]] = {}
    title = _safe(title)[:COMPARED_LENGTH * 2]
    folded = fold(title)
    patterns = _prefilter_words(title) if folded else []
    if patterns:
        conditions = [sa.func.lower(title_column).like(f"%{p}%", escape="\\") for p in patterns]
        matched = sum((sa.case((c, 1), else_=0) for c in conditions), sa.literal(0))
        rows = db.session.execute(
            sa.select(model.id, title_column).where(visible, sa.or_(*conditions))
            .order_by(matched.desc(), model.id.desc()).limit(CANDIDATES))
        for entry_id, other_title in rows:
            score = title_similarity(folded, fold(other_title))
            if score >= TITLE_THRESHOLD:
                found[entry_id] = (score, False)

    address = normalise_website(website) if website_column is not None else None
    if address:
        host_and_path = _escape_like(address)
        rows = db.session.execute(
            sa.select(model.id, website_column)
            .where(visible, sa.func.lower(website_column).like(f"%{host_and_path}%", escape="\\"))
            .order_by(model.id.desc()).limit(WEBSITE_CANDIDATES))
        for entry_id, other_website in rows:
            if normalise_website(other_website) == address:
                found[entry_id] = (found.get(entry_id, (0.0, False))[0], True)

    best = sorted(found.items(), key=lambda item: (item[1][1], item[1][0], item[0]), reverse=True)[:limit]
    if not best:
        return []
    entries = {e.id: e for e in db.session.scalars(sa.select(model).where(model.id.in_([i for i, _ in best])))}
    return [Duplicate(entries[i], score, same) for i, (score, same) in best if i in entries]


def duplicates_of_input(kind: str, data, viewer=None, exclude_id: int | None = None,
                        limit: int = 5) -> list[Duplicate]:
    """`likely_duplicates` for an Input dataclass of the services (ProjectInput, ...)."""
    website_field = WEBSITE_FIELDS.get(kind)
    return likely_duplicates(kind, getattr(data, TITLE_FIELDS.get(kind, ""), None),
                             getattr(data, website_field, None) if website_field else None,
                             exclude_id=exclude_id, limit=limit, viewer=viewer)
