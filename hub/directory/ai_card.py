"""The AI project card: which fields form it, what they are called, and which
of them a project has stated.

One definition for the project page, the moderators' review and the search
filters, so that "stated" means the same everywhere. A card never shows an
unanswered question as an answer: the risk "not yet assessed" and an assessment
nobody ticked are missing, not "no".
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from hub.directory.models import Project

NOT_ASSESSED = "not-assessed"
# Risk levels that need a justification, and that moderators are warned about.
JUSTIFIED_RISKS = ("high", "unacceptable")
PROHIBITED_RISK = "unacceptable"

# The yes / no / not stated questions of the card (None: not stated).
ASSESSMENTS = ("dpia_done", "fria_done", "bias_review_done")


@dataclass(frozen=True)
class CardField:
    """One group of the card, stated when any of its columns holds an answer."""

    key: str
    label: object  # a lazy translation: the group's heading
    phrase: object  # its name inside a sentence: "Not stated yet: human oversight, …"
    columns: tuple[str, ...]
    counted: bool = True  # False: shown when given, never listed as missing (funding is optional)

    def is_stated(self, project) -> bool:
        return any(is_answer(column, getattr(project, column, None)) for column in self.columns)


def is_answer(column: str, value) -> bool:
    """Does this value say something? (Not an empty text, not "not yet assessed", not None.)"""
    if column == "risk_level":
        return bool(value) and value != NOT_ASSESSED
    if column in ASSESSMENTS:
        return value is not None
    return has_text(value)


def has_text(value) -> bool:
    """Text that says something: not None, not empty, not only spaces."""
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def text_condition(column) -> sa.ColumnElement[bool]:
    """has_text() as SQL (the same trim on SQLite and PostgreSQL)."""
    return sa.func.coalesce(sa.func.length(sa.func.trim(column, " \t\r\n")), 0) > 0


CARD: tuple[CardField, ...] = (
    CardField("risk", _l("Risk under the EU AI Act"), _l("risk under the EU AI Act"), ("risk_level",)),
    CardField("human_oversight", _l("Human oversight"), _l("human oversight"), ("human_oversight",)),
    CardField("assessments", _l("Assessments made"), _l("assessments made"), ASSESSMENTS + ("assessment_notes",)),
    CardField("data", _l("Data and rights"), _l("data and rights"), ("data_sources", "data_rights")),
    CardField("footprint", _l("Environmental footprint"), _l("environmental footprint"), ("hosting", "compute")),
    CardField("open_source", _l("Open source"), _l("open source"), ("repository_url", "code_licence")),
    CardField("lessons", _l("Lessons learned"), _l("lessons learned"), ("lessons_worked", "lessons_failed")),
    CardField("funding", _l("Funding"), _l("funding"), ("funding",), counted=False),
)
FIELDS = {f.key: f for f in CARD}


@dataclass(frozen=True)
class Card:
    stated: tuple[CardField, ...]
    missing: tuple[CardField, ...]

    @property
    def is_complete(self) -> bool:
        return not self.missing

    def has(self, key: str) -> bool:
        return any(f.key == key for f in self.stated)


CARD_KIND = "project"  # the one kind of entry that has a card


def card_for(kind: str, data) -> Card | None:
    """The card of an entry, or of its proposed changes (anything with the Project's field names,
    such as a ProjectInput); None for kinds without a card."""
    return card_of(data) if kind == CARD_KIND else None


def card_of(project) -> Card:
    """The card's groups split into stated (in card order) and missing (the counted ones only)."""
    stated = tuple(f for f in CARD if f.is_stated(project))
    missing = tuple(f for f in CARD if f.counted and not f.is_stated(project))
    return Card(stated, missing)


def assessment_state(value: bool | None) -> str:
    """"yes", "no" or "not-stated": the three states of an assessment."""
    return "not-stated" if value is None else ("yes" if value else "no")


def needs_justification(risk_level: str | None) -> bool:
    return risk_level in JUSTIFIED_RISKS


def risk_warning(risk_level: str | None) -> str | None:
    """"high" or "unacceptable" when moderators must be warned about this risk level, else None."""
    return risk_level if risk_level in JUSTIFIED_RISKS else None


# --- what the card shares, as filters (on result cards and in search) -----------------


@dataclass(frozen=True)
class Sharing:
    key: str
    label: object
    columns: tuple[str, ...]

    def applies_to(self, project) -> bool:
        return any(has_text(getattr(project, column, None)) for column in self.columns)

    def condition(self) -> sa.ColumnElement[bool]:
        """The same rule as a SQL condition on projects."""
        return sa.or_(*(text_condition(getattr(Project, c)) for c in self.columns))


# Lessons from failures are the hub's rarest content: a filter of their own makes them findable.
SHARING: tuple[Sharing, ...] = (
    Sharing("lessons", _l("Lessons learned shared"), ("lessons_worked", "lessons_failed")),
    Sharing("failures", _l("Failures shared"), ("lessons_failed",)),
    Sharing("oversight", _l("Human oversight described"), ("human_oversight",)),
)
SHARING_BY_KEY: dict[str, Sharing] = {s.key: s for s in SHARING}


def sharing_of(project) -> list[Sharing]:
    return [s for s in SHARING if s.applies_to(project)]

