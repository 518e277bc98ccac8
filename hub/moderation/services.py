"""Review: saving entries and revisions, decisions with reasons, the queue,
visitors' reports and the approved versions of every entry.

Every decision runs through the state machine (hub.moderation.workflow),
writes one audit row, and mails the submitter only after the commit."""
from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from hub.accounts.models import User
from hub.accounts.permissions import can_moderate
from hub.db import db, utcnow
from hub.directory import vocabulary as vocab
from hub.directory.models import ENTRY_MODELS, Entry, EntryStatus, Expert, Organisation
from hub.directory import ai_card
from hub.directory.services import SAVERS, check_complete, input_for
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied, require
from hub.contact.outbox import queue_mail
from hub.moderation import audit, workflow
from hub.moderation.models import (
    OPEN_REVISION, EntryVersion, Report, ReportCategory, ReportStatus, Revision, RevisionStatus,
)
from hub.moderation.permissions import (
    can_handle_reports, can_propose_revision, can_review_revision,
)
from hub.text import clean_block
from hub.urls import external_url

REPORT_MAX = 3_000


def get_entry(kind: str, entry_id: int) -> Entry:
    model = ENTRY_MODELS.get(kind)
    entry = db.session.get(model, entry_id) if model else None
    if entry is None:
        raise NotFound(_("No such entry."))
    return entry


def _get(model, object_id: int):
    found = db.session.get(model, object_id)
    if found is None:
        raise NotFound()
    return found


def get_revision(revision_id: int) -> Revision:
    return _get(Revision, revision_id)


def get_report(report_id: int) -> Report:
    return _get(Report, report_id)


def _stale(expected_version: int | None, current: int) -> None:
    if expected_version is not None and expected_version != current:
        raise Conflict(_("This changed a moment ago. Reload the page to see its current state before you "
                         "decide."))


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(_("This was already decided by someone else a moment ago.")) from None


# --- saving: a published entry changes only through a reviewed revision ---------------


@dataclass
class Saved:
    entry: Entry
    revision: Revision | None = None  # set when the edit waits for review as a revision


def save_entry(user, kind: str, data, entry: Entry | None = None, submit: bool = False) -> Saved:
    """Create or edit an entry. Edits of a published entry become a revision,
    and the published version stays public until a moderator approves it."""
    input_class, save = SAVERS[kind]
    if entry is not None and entry.status is EntryStatus.PUBLISHED:
        return Saved(entry, propose_revision(user, entry, data, submit))
    return Saved(save(user, data, entry, submit=submit))


def open_revision(entry: Entry) -> Revision | None:
    return db.session.scalar(
        sa.select(Revision).where(Revision.entry_kind == entry.kind, Revision.entry_id == entry.id,
                                  Revision.status.in_(OPEN_REVISION)).order_by(Revision.id.desc()).limit(1))


def _check_by_applying(user, entry: Entry, data, submit: bool) -> Any:
    """Every rule of the entry's saver, checked by saving inside a savepoint that is
    always rolled back: the published entry itself never changes here. Changes
    submitted for review must also be complete; a draft of them need not be."""
    save = SAVERS[entry.kind][1]
    savepoint = db.session.begin_nested()
    try:
        save(user, data, entry, submit=False)
    finally:
        savepoint.rollback()
    if submit:
        check_complete(entry.kind, data)
    return data.cleaned(complete=submit)


def propose_revision(user, entry: Entry, data, submit: bool) -> Revision:
    require(can_propose_revision(user, entry), _("You may not edit this entry."))
    if entry.status is not EntryStatus.PUBLISHED:
        raise workflow.IllegalTransition(_("Only published entries take revisions."))
    cleaned = _check_by_applying(user, entry, data, submit)
    revision = open_revision(entry)
    if revision is None:
        revision = Revision(entry_kind=entry.kind, entry_id=entry.id, author_id=user.id)
        db.session.add(revision)
    if revision.status is RevisionStatus.PENDING and revision.author_id != user.id:
        raise Conflict(_("A colleague's changes to this entry are waiting for review. Wait for the decision."))
    revision.author_id = user.id
    revision.data = _jsonable(cleaned)
    before = revision.status
    revision.status = RevisionStatus.PENDING if submit else RevisionStatus.DRAFT
    if submit:
        revision.submitted_at = utcnow()
    _flush_or_conflict()
    audit.record(user, "submit_revision" if submit else "save_revision", entry,
                 from_state=before and f"revision_{before.value}", to_state=f"revision_{revision.status.value}")
    return revision


def input_snapshot(entry: Entry) -> dict:
    """The entry's current fields, as stored in versions and revisions."""
    return _jsonable(input_for(entry))


def _jsonable(data) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(data).items()}


def revision_input(revision: Revision):
    """The revision's stored fields as the entry's Input (unknown keys dropped)."""
    input_class = SAVERS[revision.entry_kind][0]
    names = {f.name for f in fields(input_class)}
    return input_class(**{k: v for k, v in revision.data.items() if k in names})


def submit_revision(user, revision: Revision) -> None:
    entry = get_entry(revision.entry_kind, revision.entry_id)
    require(can_propose_revision(user, entry), _("You may not edit this entry."))
    if revision.status not in (RevisionStatus.DRAFT, RevisionStatus.CHANGES_REQUESTED):
        raise workflow.IllegalTransition(_("These changes cannot be submitted in their current state."))
    check_complete(entry.kind, revision_input(revision))  # a draft of them may be incomplete
    before = revision.status
    revision.status, revision.submitted_at, revision.author_id = RevisionStatus.PENDING, utcnow(), user.id
    audit.record(user, "submit_revision", entry, from_state=f"revision_{before.value}", to_state="revision_pending")
    _flush_or_conflict()


def withdraw_revision(user, revision: Revision, by_system: bool = False) -> None:
    entry = get_entry(revision.entry_kind, revision.entry_id)
    if not by_system:
        require(can_propose_revision(user, entry), _("You may not edit this entry."))
    if not revision.is_open:
        raise workflow.IllegalTransition(_("These changes are no longer open."))
    before = revision.status
    revision.status = RevisionStatus.WITHDRAWN
    audit.record(user, "withdraw_revision", entry, from_state=f"revision_{before.value}",
                 to_state="revision_withdrawn")
    _flush_or_conflict()


# --- decisions on entries ---------------------------------------------------------


def submitter_of(entry: Entry) -> User | None:
    user_id = entry.submitted_by_id or entry.owner_id
    return db.session.get(User, user_id) if user_id else None


def change_status(user, entry: Entry, action: str, reason: str | None = None,
                  expected_version: int | None = None) -> workflow.Transition:
    """Any transition of the workflow; decisions are also recorded as a version
    (approve) and mailed to the submitter."""
    if action in workflow.DECISIONS and user is not None:  # None: the command line
        require(can_moderate(user), _("Only moderators decide on submissions."))
    if action in ("submit", "resubmit"):
        check_complete(entry.kind, input_for(entry))  # drafts may be incomplete; what is reviewed may not
    submitter = submitter_of(entry)
    step = workflow.transition(user, entry, action, reason, expected_version)
    if step.target is EntryStatus.PUBLISHED:
        record_version(user, entry)
    elif (revision := open_revision(entry)) is not None:
        # Changes proposed to the public version lapse when it stops being public.
        withdraw_revision(user, revision, by_system=True)
    if step.notify_submitter and submitter is not None and submitter.active and submitter.id != getattr(
            user, "id", None):
        _notify_decision(submitter, entry, action, workflow.clean_reason(reason))
    return step


def decide(user, entry: Entry, decision: str, reason: str | None, expected_version: int | None,
           confirm_prohibited: bool = False) -> None:
    if decision not in workflow.DECISIONS:
        raise InvalidInput({"decision": _("Choose approve, request changes or reject.")})
    if decision == "approve":
        _require_confirmation(getattr(entry, "risk_level", None), confirm_prohibited)
    change_status(user, entry, decision, reason, expected_version)


def _require_confirmation(risk_level: str | None, confirmed: bool) -> None:
    """Publishing what its team calls a prohibited practice (Art. 5 of the AI Act) is never
    a slip of the mouse: the moderator confirms it in so many words."""
    if risk_level == ai_card.PROHIBITED_RISK and not confirmed:
        raise InvalidInput({"confirm_prohibited": _(
            "Its team says this project has an unacceptable risk, a practice the AI Act prohibits. Confirm that "
            "you have read the justification and still approve it, or choose another decision.")})


def _entry_link(entry: Entry) -> str:
    return external_url(f"directory.{entry.kind}", slug=entry.slug)


def _notify_decision(to: User, entry: Entry, action: str, reason: str | None) -> None:
    subjects = {
        "approve": _("Published: %(title)s", title=entry.title),
        "request_changes": _("Changes requested: %(title)s", title=entry.title),
        "reject": _("Not accepted: %(title)s", title=entry.title),
        "unpublish": _("Unpublished: %(title)s", title=entry.title),
        "approve_revision": _("Your changes are published: %(title)s", title=entry.title),
        "request_revision_changes": _("Changes requested to your edit: %(title)s", title=entry.title),
        "reject_revision": _("Your edit was not accepted: %(title)s", title=entry.title),
    }
    intro = {
        "approve": _("A moderator approved your entry. It is now public:"),
        "request_changes": _("A moderator asks you to change your entry before it can be published."),
        "reject": _("A moderator decided not to publish your entry."),
        "unpublish": _("A moderator took your entry out of the public directory."),
        "approve_revision": _("A moderator approved your changes. The public page shows them now:"),
        "request_revision_changes": _("A moderator asks you to change your edit before it is published. "
                                      "The page shows the earlier version until then."),
        "reject_revision": _("A moderator decided not to publish your changes. The earlier version stays "
                             "public."),
    }[action]
    lines = [_("Hello %(name)s,", name=to.display_name), "", intro, "", f"{entry.title}"]
    if action in ("approve", "approve_revision"):
        lines.append(_entry_link(entry))
    if reason:
        lines += ["", _("The moderator wrote:"), "", reason]
    lines += ["", _("Your submissions and their state: %(link)s", link=external_url("moderation.submissions"))]
    queue_mail(to.email, subjects[action], "\n".join(lines) + "\n")


# --- versions: every approved state --------------------------------------------------


def record_version(user, entry: Entry) -> EntryVersion:
    db.session.flush()
    number = (db.session.scalar(sa.select(sa.func.max(EntryVersion.number)).where(
        EntryVersion.entry_kind == entry.kind, EntryVersion.entry_id == entry.id)) or 0) + 1
    version = EntryVersion(entry_kind=entry.kind, entry_id=entry.id, number=number, title=entry.title[:300],
                           data=input_snapshot(entry), approved_by_id=getattr(user, "id", None))
    db.session.add(version)
    return version


def versions(entry: Entry) -> list[EntryVersion]:
    return list(db.session.scalars(sa.select(EntryVersion).where(
        EntryVersion.entry_kind == entry.kind, EntryVersion.entry_id == entry.id).order_by(EntryVersion.number.desc())))


# --- decisions on revisions -----------------------------------------------------------

REVISION_DECISIONS = {"approve": "approve_revision", "request_changes": "request_revision_changes",
                      "reject": "reject_revision"}


def decide_revision(user, revision: Revision, decision: str, reason: str | None,
                    expected_version: int | None, confirm_prohibited: bool = False) -> None:
    if decision not in REVISION_DECISIONS:
        raise InvalidInput({"decision": _("Choose approve, request changes or reject.")})
    require(can_moderate(user), _("Only moderators decide on submissions."))
    if revision.status is not RevisionStatus.PENDING:
        raise workflow.IllegalTransition(_("These changes were already decided, or withdrawn by their author."))
    _stale(expected_version, revision.version_id)
    if revision.author_id == user.id:
        raise PermissionDenied(_("You made these changes, so another moderator must review them."))
    require(can_review_revision(user, revision))
    reason = workflow.clean_reason(reason)
    if decision != "approve" and not reason:
        raise InvalidInput({"reason": _("Give a reason: the submitter will read it.")})
    if decision == "approve":
        _require_confirmation((revision.data or {}).get("risk_level"), confirm_prohibited)
    entry = get_entry(revision.entry_kind, revision.entry_id)
    action = REVISION_DECISIONS[decision]
    # Claim the revision first: a second moderator deciding at the same time fails here.
    revision.status = {"approve": RevisionStatus.APPROVED, "request_changes": RevisionStatus.CHANGES_REQUESTED,
                       "reject": RevisionStatus.REJECTED}[decision]
    revision.decided_at, revision.decided_by_id, revision.reason = utcnow(), user.id, reason
    _flush_or_conflict()
    if decision == "approve":
        _apply(user, entry, revision)
    audit.record(user, action, entry, from_state="revision_pending", to_state=f"revision_{revision.status.value}",
                 reason=reason)
    db.session.flush()
    author = revision.author
    if author is not None and author.active:
        _notify_decision(author, entry, action, reason)


def _apply(user, entry: Entry, revision: Revision) -> None:
    if not versions(entry):  # entries loaded in bulk have no history yet: keep what was public
        record_version(None, entry)
    author = revision.author
    save = SAVERS[entry.kind][1]
    if author is None or not author.active:
        raise Conflict(_("The author of these changes can no longer edit this entry; reject the changes."))
    try:
        save(author, revision_input(revision), entry, submit=False)
    except PermissionDenied:
        raise Conflict(_("The author of these changes can no longer edit this entry; reject the changes.")) from None
    except InvalidInput as error:
        raise Conflict(_("These changes no longer fit the directory (%(problem)s); request changes instead.",
                         problem=error.message)) from None
    entry.reviewed_at = utcnow()
    record_version(user, entry)


# --- the field-by-field difference -----------------------------------------------------


@dataclass
class FieldChange:
    name: str
    old: str
    new: str
    words: list[tuple[str, str]] = field(default_factory=list)  # ("equal"|"delete"|"insert", text)


def _names_of(model, ids) -> str:
    if not ids:
        return ""
    rows = dict(db.session.execute(sa.select(model.id, model.title if model is not Organisation else model.name)
                                   .where(model.id.in_(ids))).all()) if model is not Expert else dict(
        db.session.execute(sa.select(Expert.id, Expert.display_name).where(Expert.id.in_(ids))).all())
    return ", ".join(rows.get(i, f"#{i}") for i in ids)


def display_value(name: str, value) -> str:
    """A field's value as a reader understands it (labels, not codes)."""
    if name in ai_card.ASSESSMENTS and value is None:
        return _("Not stated")  # an answer of its own, unlike an empty text
    if value is None or value == [] or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name in ("techniques", "areas"):
        return ", ".join(vocab.label(v) for v in value)
    if name == "offers":
        return ", ".join(vocab.offer_label(v) for v in value)
    if name == "languages":
        return ", ".join(vocab.language_name(v) for v in value)
    if name == "content_language":
        return vocab.language_name(value)
    if name == "country":
        return vocab.country_name(value)
    if name in ("stage", "risk_level", "type", "organisation_type"):
        return vocab.label(value)
    if name in ("lead_organisation_id", "organisation_id"):
        return _names_of(Organisation, [value])
    if name == "contact_ids":
        return _names_of(Expert, value)
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def _word_diff(old: str, new: str) -> list[tuple[str, str]]:
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("equal", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                out.append(("delete", "".join(a[i1:i2])))
            if j2 > j1:
                out.append(("insert", "".join(b[j1:j2])))
    return out


def diff(kind: str, old: dict, new: dict) -> list[FieldChange]:
    """The fields whose values differ, in the order of the entry's form."""
    changes = []
    for f in fields(SAVERS[kind][0]):
        before, after = old.get(f.name), new.get(f.name)
        if _same(before, after):
            continue
        shown_old, shown_new = display_value(f.name, before), display_value(f.name, after)
        words = _word_diff(shown_old, shown_new) if len(shown_old) + len(shown_new) < 40_000 else []
        changes.append(FieldChange(f.name, shown_old, shown_new, words))
    return changes


def _same(before, after) -> bool:
    # "No" and "not stated" are different answers, though both are falsy.
    if isinstance(before, bool) or isinstance(after, bool):
        return before is after
    return (before or None) == (after or None)


def revision_diff(revision: Revision) -> list[FieldChange]:
    entry = get_entry(revision.entry_kind, revision.entry_id)
    return diff(entry.kind, input_snapshot(entry), revision.data)


# --- reports from visitors -------------------------------------------------------------


def report_entry(user, entry: Entry, category: str, message: str) -> Report:
    """Anyone may report a published entry; a moderator looks at it."""
    if not entry.is_published:
        raise NotFound()
    errors = {}
    try:
        category_value = ReportCategory(category)
    except ValueError:
        errors["category"] = _("Choose what is wrong.")
    text = clean_block(message)
    if not text:
        errors["message"] = _("Describe the problem in a few words.")
    elif len(text) > REPORT_MAX:
        errors["message"] = _("Use at most %(n)d characters (now %(m)d).", n=REPORT_MAX, m=len(text))
    if errors:
        raise InvalidInput(errors)
    report = Report(entry_kind=entry.kind, entry_id=entry.id, category=category_value, message=text,
                    reporter_id=user.id if getattr(user, "is_authenticated", False) else None)
    db.session.add(report)
    db.session.flush()
    audit.record(user if getattr(user, "is_authenticated", False) else None, "report", entry,
                 reason=f"{category_value.value}: {text}")
    return report


def dismiss_report(user, report: Report, reason: str | None, expected_version: int | None) -> None:
    _decide_report(user, report, ReportStatus.DISMISSED, reason, expected_version)


def unpublish_for_report(user, report: Report, reason: str | None, expected_version: int | None) -> None:
    _decide_report(user, report, ReportStatus.UNPUBLISHED, reason, expected_version)


def _decide_report(user, report: Report, outcome: ReportStatus, reason: str | None,
                   expected_version: int | None) -> None:
    require(can_handle_reports(user), _("Only moderators handle reports."))
    if report.status is not ReportStatus.OPEN:
        raise workflow.IllegalTransition(_("This report was already decided by another moderator."))
    _stale(expected_version, report.version_id)
    reason = workflow.clean_reason(reason)
    entry = get_entry(report.entry_kind, report.entry_id)
    report.status, report.decided_at, report.decided_by_id, report.resolution = outcome, utcnow(), user.id, reason
    _flush_or_conflict()
    if outcome is ReportStatus.UNPUBLISHED:
        if entry.is_published:
            change_status(user, entry, "unpublish", reason)
        # Other open reports about the same entry are settled by this decision.
        for other in open_reports_of(entry):
            other.status, other.decided_at, other.decided_by_id = outcome, utcnow(), user.id
            other.resolution = reason
    else:
        audit.record(user, "dismiss_report", entry, reason=reason)
    _flush_or_conflict()


def open_reports_of(entry: Entry) -> list[Report]:
    return list(db.session.scalars(sa.select(Report).where(
        Report.entry_kind == entry.kind, Report.entry_id == entry.id, Report.status == ReportStatus.OPEN)))


# --- the queue ---------------------------------------------------------------------------


@dataclass
class QueueItem:
    what: str  # "entry", "revision" or "report"
    entry: Entry
    since: datetime
    submitter: User | None
    revision: Revision | None = None
    report: Report | None = None
    own: bool = False  # the moderator's own submission: someone else reviews it

    @property
    def risk_warning(self) -> str | None:
        """"high" or "unacceptable" when the (proposed) entry claims that risk: the queue says so."""
        if self.revision is not None:
            return ai_card.risk_warning((self.revision.data or {}).get("risk_level"))
        return ai_card.risk_warning(getattr(self.entry, "risk_level", None))


def queue(user, kind: str | None = None, submitter_id: int | None = None) -> list[QueueItem]:
    """Pending submissions, pending revisions and open reports, oldest first."""
    require(can_moderate(user), _("Only moderators see the review queue."))
    items: list[QueueItem] = []
    kinds = [kind] if kind in ENTRY_MODELS else list(ENTRY_MODELS)
    for k in kinds:
        model = ENTRY_MODELS[k]
        query = sa.select(model).where(model.status == EntryStatus.PENDING)
        if submitter_id:
            query = query.where(sa.func.coalesce(model.submitted_by_id, model.owner_id) == submitter_id)
        for entry in db.session.scalars(query):
            items.append(QueueItem("entry", entry, entry.submitted_at or entry.updated_at, submitter_of(entry),
                                   own=workflow.is_own_submission(user, entry)))
    revisions = sa.select(Revision).where(Revision.status == RevisionStatus.PENDING,
                                          Revision.entry_kind.in_(kinds))
    if submitter_id:
        revisions = revisions.where(Revision.author_id == submitter_id)
    for revision in db.session.scalars(revisions):
        entry = get_entry(revision.entry_kind, revision.entry_id)
        items.append(QueueItem("revision", entry, revision.submitted_at or revision.updated_at, revision.author,
                               revision=revision, own=revision.author_id == user.id))
    if not submitter_id:
        for report in db.session.scalars(sa.select(Report).where(Report.status == ReportStatus.OPEN,
                                                                 Report.entry_kind.in_(kinds))):
            entry = get_entry(report.entry_kind, report.entry_id)
            items.append(QueueItem("report", entry, report.created_at, None, report=report))
    return sorted(items, key=lambda item: item.since)


def submitters_waiting() -> list[User]:
    """People with something in the queue, for the queue's filter."""
    ids: set[int] = set()
    for model in ENTRY_MODELS.values():
        ids |= set(db.session.scalars(sa.select(sa.func.coalesce(model.submitted_by_id, model.owner_id)).where(
            model.status == EntryStatus.PENDING)))
    ids |= set(db.session.scalars(sa.select(Revision.author_id).where(Revision.status == RevisionStatus.PENDING)))
    ids.discard(None)
    return list(db.session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.display_name)))


def waiting_count() -> int:
    """What waits for a moderator: shown in the moderators' navigation."""
    total = 0
    for model in ENTRY_MODELS.values():
        total += db.session.scalar(sa.select(sa.func.count()).select_from(model).where(
            model.status == EntryStatus.PENDING)) or 0
    total += db.session.scalar(sa.select(sa.func.count()).select_from(Revision).where(
        Revision.status == RevisionStatus.PENDING)) or 0
    total += db.session.scalar(sa.select(sa.func.count()).select_from(Report).where(
        Report.status == ReportStatus.OPEN)) or 0
    return total


# --- what a submitter sees -------------------------------------------------------------


@dataclass
class Submission:
    entry: Entry
    decision: Any  # the latest AuditEvent with a decision, or None
    revision: Revision | None


def submissions_of(entries: dict[str, list[Entry]]) -> list[Submission]:
    """A user's entries, each with its latest decision (and reason) and its open revision."""
    result = []
    for kind, items in entries.items():
        ids = [e.id for e in items]
        decisions = audit.latest_decisions(kind, ids)
        revisions = {r.entry_id: r for r in db.session.scalars(sa.select(Revision).where(
            Revision.entry_kind == kind, Revision.entry_id.in_(ids), Revision.status.in_(OPEN_REVISION)))} \
            if ids else {}
        result += [Submission(e, decisions.get(e.id), revisions.get(e.id)) for e in items]
    return sorted(result, key=lambda s: s.entry.updated_at, reverse=True)
