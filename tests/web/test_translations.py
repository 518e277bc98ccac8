"""Every message of the interface is translated into each language of the hub.

The messages are extracted from the sources in memory, with babel.cfg as `make translations` uses it,
and compared with each language's catalogue: a message that is missing there, untranslated (in any
plural form) or fuzzy fails the test of that language, and so does a translation whose placeholders
(%(name)s) or HTML differ from its source's. While the translators are at work these tests fail on
purpose, listing what is left to do."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from config import Config

PROJECT_DIR = Path(__file__).resolve().parents[2]
CATALOGUES = Path(Config.BABEL_TRANSLATION_DIRECTORIES)
LANGUAGES = [code for code in Config.LANGUAGES if code != Config.BABEL_DEFAULT_LOCALE]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}  # as `pybabel extract -k _l`
# Hidden folders (.venv) and these are not walked; templates/_macros is (pybabel's default would skip it).
SKIPPED_FOLDERS = {"__pycache__", "node_modules"}
LISTED = 40  # messages shown per kind of problem; the heading says how many there are

# A % conversion as Python's % operator reads it: %(name)s, %d, %% (a percent sign), or a lone %.
PERCENT = re.compile(r"%(?:\((\w*)\))?([-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%])?")
TAG = re.compile(r"</?[A-Za-z][^>]*>")


@dataclass(frozen=True)
class SourceMessage:
    id: str
    plural: str | None
    locations: tuple[str, ...]

    @property
    def in_template(self) -> bool:
        return any(location.startswith("templates/") for location in self.locations)

    @property
    def is_formatted(self) -> bool:
        """Jinja's _() formats every message, ngettext() too; gettext() only with arguments."""
        return self.in_template or self.plural is not None or bool(names_in(self.id)[0])


@functools.cache
def source_messages() -> dict[str, SourceMessage]:
    with (PROJECT_DIR / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    plurals: dict[str, str | None] = {}
    locations: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            PROJECT_DIR, method_map, options_map, keywords=KEYWORDS, directory_filter=_walked):
        msgid, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
        if not msgid:
            continue
        plurals[msgid] = plurals.get(msgid) or plural
        locations.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return {msgid: SourceMessage(msgid, plurals[msgid], tuple(places)) for msgid, places in locations.items()}


def _walked(path: str) -> bool:
    name = Path(path).name
    return not name.startswith(".") and name not in SKIPPED_FOLDERS


def names_in(text: str) -> tuple[set[str], list[str]]:
    """The placeholder names of a message, and its % signs that are no conversion at all."""
    names, broken = set(), []
    for match in PERCENT.finditer(text):
        name, conversion = match.group(1), match.group(2)
        if conversion is None:
            broken.append(match.group(0))
        elif not (conversion == "%" and name is None):
            names.add(name or "")  # "" is a positional %s: never right in a message with a mapping
    return names, broken


def placeholder_problem(source: SourceMessage, forms: list[str]) -> str | None:
    source_names = names_in(source.id)[0] | (names_in(source.plural)[0] if source.plural else set())
    # A plural form may write the number in words ("one entry"): every other placeholder is needed.
    needed = (names_in(source.plural)[0] - {"num"}) if source.plural else source_names
    for form in forms:
        names, broken = names_in(form)
        if broken:
            return f"a % that is no placeholder (write %% for a percent sign): {form!r}"
        if not needed <= names <= source_names:
            return f"{sorted(names)} instead of {sorted(source_names)}: {form!r}"
    return None


def markup_problem(source: SourceMessage, forms: list[str]) -> str | None:
    """Templates show translations as they are (Markup): tags must match, and a straight double
    quote would end the attribute some messages stand in."""
    if not source.in_template:
        return None
    source_tags = sorted(TAG.findall(source.id))
    for form in forms:
        if sorted(TAG.findall(form)) != source_tags:
            return f"HTML {sorted(TAG.findall(form))} instead of {source_tags}: {form!r}"
        if '"' in form and '"' not in source.id:
            return f"a straight double quote (use typographic quotes): {form!r}"
    return None


def catalogue_problems(language: str) -> dict[str, list[str]]:
    path = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po_file:
        catalog: Catalog = read_po(po_file, locale=language)
    problems: dict[str, list[str]] = {
        "missing from the catalogue (run `make translations`)": [],
        "changed in the source since (run `make translations`)": [],
        "untranslated": [], "fuzzy": [], "placeholders differ from the source": [], "HTML differs from the source": [],
    }
    for msgid, source in sorted(source_messages().items()):
        message = catalog.get(msgid)
        shown = f"{msgid!r} ({source.locations[0]})"
        if message is None:
            problems["missing from the catalogue (run `make translations`)"].append(shown)
            continue
        if source.plural != (message.id[1] if message.pluralizable else None):
            problems["changed in the source since (run `make translations`)"].append(shown)
            continue
        if message.fuzzy:
            problems["fuzzy"].append(shown)
            continue
        forms = list(message.string) if message.pluralizable else [message.string]
        if (message.pluralizable and len(forms) != catalog.num_plurals) or not all(forms):
            problems["untranslated"].append(shown)
            continue
        if source.is_formatted and (problem := placeholder_problem(source, forms)):
            problems["placeholders differ from the source"].append(f"{shown}: {problem}")
        if problem := markup_problem(source, forms):
            problems["HTML differs from the source"].append(f"{shown}: {problem}")
    return problems


def report(language: str, problems: dict[str, list[str]]) -> str:
    total = sum(len(items) for items in problems.values())
    lines = [f"{language}: {total} of {len(source_messages())} messages need work in "
             f"{(CATALOGUES / language / 'LC_MESSAGES' / 'messages.po').relative_to(PROJECT_DIR)}"]
    for kind, items in problems.items():
        if items:
            lines.append(f"  {kind} ({len(items)}):")
            lines += [f"    {item}" for item in items[:LISTED]]
            if len(items) > LISTED:
                lines.append(f"    … and {len(items) - LISTED} more")
    return "\n".join(lines)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_translates_every_message(language):
    problems = catalogue_problems(language)
    if any(problems.values()):
        pytest.fail(report(language, problems), pytrace=False)


def test_every_template_and_module_with_messages_is_extracted():
    """A template the extractor cannot parse, or a folder it skips, would drop messages unnoticed."""
    extracted = {location.rsplit(":", 1)[0] for message in source_messages().values() for location in message.locations}
    calls = re.compile(r"\b(_|_l|gettext|ngettext)\(")
    sources = [*PROJECT_DIR.glob("templates/**/*.html"), *PROJECT_DIR.glob("hub/**/*.py")]
    with_messages = {str(path.relative_to(PROJECT_DIR)) for path in sources if calls.search(path.read_text("utf-8"))}
    assert with_messages - extracted == set()
    assert any(name.startswith("templates/_macros/") for name in extracted)


@pytest.mark.parametrize("text, names, broken", [
    ("Page %(page)s of %(pages)s", {"page", "pages"}, []),
    ("100%% sure, %(n)d times", {"n"}, []),
    ("100 % sûr", {""}, []),  # "% s" is a conversion to Python: a translation must not contain it
    ("50 %", set(), ["%"]),
])
def test_placeholders_are_read_as_python_reads_them(text, names, broken):
    assert names_in(text) == (names, broken)
