"""Text cleaning shared by forms, services and the importer.

Control characters never reach the database (PostgreSQL refuses NUL; others
break mail headers and layouts); everything else of unicode is kept as typed.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# Bidi overrides (U+202D, U+202E) can disguise a name ("Museum\u202egnp.exe" shows
# as "Museum exe.png"); one-line fields have no need of them.
_LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202d\u202e]")
_BLOCK_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t]+")


def clean_line(value: object) -> str:
    """One line of text: controls and line breaks become spaces, runs of space collapse."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return _SPACES.sub(" ", _LINE_CONTROLS.sub(" ", text)).strip()


def clean_block(value: object) -> str:
    """Multi-line text (Markdown): keeps line breaks and tabs, drops other controls."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return _BLOCK_CONTROLS.sub("", text).strip()


def is_web_url(value: str) -> bool:
    """An absolute http(s) address with a host: what a link in the directory may be."""
    if not value or len(value) > 500 or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "." in (parts.hostname or "")


def year_range(start: int | str | None, end: int | str | None = None, *, bc: str = "BC", ad: str = "AD") -> str:
    """A span of years as readers write it: "1500–1600", "250–230 BC", "50 BC–20 AD", "2019–".

    Years before the common era are stored as negative numbers; they are never shown with a
    minus sign. The era after the year is named only where a span crosses into the common era
    (after the year, as most of the hub's languages write it: "20 AD", "20 apr. J.-C."). An open end shows
    a dash ("2019–"), an unknown start an ellipsis ("…–2020")."""
    def year(value) -> int | None:
        try:
            return int(str(value).strip()) if value not in (None, "") else None
        except ValueError:
            return None

    first, last = year(start), year(end)
    if first is None and last is None:
        return ""
    if first is None:
        return f"…–{abs(last)} {bc}" if last < 0 else f"…–{last}"
    if last is None or last == first:
        shown = f"{abs(first)} {bc}" if first < 0 else str(first)
        return f"{shown}–" if last is None else shown
    if first < 0 and last < 0:
        return f"{abs(first)}–{abs(last)} {bc}"
    if first < 0:
        return f"{abs(first)} {bc}–{last} {ad}"
    return f"{first}–{last}"
