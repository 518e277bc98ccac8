"""Review pages: the queue, decisions on entries, revisions and reports, the
audit log, an entry's history; and for everyone, reporting an entry and
following one's own submissions."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hub.accounts.permissions import can_moderate
from hub.db import transaction
from hub.directory import ai_card, listing
from hub.directory.models import ENTRY_MODELS
from hub.errors import InvalidInput
from hub.extensions import limiter
from hub.moderation import audit
from hub.moderation import services as moderation
from hub.moderation.permissions import can_review
from hub.web.moderation.forms import ArchiveForm, DecisionForm, QueueFilterForm, ReportDecisionForm, ReportForm
from hub.web.submit.forms import FORMS

bp = Blueprint("moderation", __name__)


@bp.before_request
def _moderators_only():
    # Reporting and one's own submissions are for everyone; the rest for moderators.
    if request.endpoint in ("moderation.report", "moderation.submissions"):
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not can_moderate(current_user):
        abort(403)
    return None


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _version(form) -> int | None:
    value = form.version.data or ""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else -1


@bp.get("/moderation")
def queue():
    kind = request.args.get("type") if request.args.get("type") in ENTRY_MODELS else None
    submitter_id = _int_arg("submitter")
    submitters = moderation.submitters_waiting()
    filters = QueueFilterForm(request.args)
    filters.type.choices = [("", _("All types")), ("project", _("Projects")), ("expert", _("Expert profiles")),
                            ("resource", _("Resources")), ("organisation", _("Organisations"))]
    filters.submitter.choices = [("", _("Everyone"))] + [(str(u.id), u.display_name) for u in submitters]
    items = moderation.queue(current_user, kind, submitter_id)
    return render_template("moderation/queue.html", items=items, filters=filters,
                           filtered=bool(kind or submitter_id))


def _label_of(kind: str):
    form = FORMS[kind]()
    return lambda name: getattr(getattr(form, name, None), "label", None) and getattr(form, name).label.text or name


@bp.route("/moderation/<kind>/<int:entry_id>", methods=["GET", "POST"])
def review_entry(kind: str, entry_id: int):
    entry = moderation.get_entry(kind, entry_id)
    form = DecisionForm()
    if request.method == "GET":
        form.version.data = str(entry.version_id)
    if form.validate_on_submit():
        try:
            with transaction():
                moderation.decide(current_user, entry, form.decision.data, form.reason.data, _version(form),
                                  confirm_prohibited=form.confirm_prohibited.data)
        except InvalidInput as error:
            form.add_errors(error.errors)
        else:
            flash(_("Decision saved; the submitter has been told."), "success")
            return redirect(url_for("moderation.queue"))
    versions = moderation.versions(entry)
    snapshot = moderation.input_snapshot(entry)
    changes = moderation.diff(kind, versions[0].data, snapshot) if versions else []
    return render_template("moderation/review_entry.html", entry=entry, form=form, label=_label_of(kind),
                           risk=ai_card.risk_warning(snapshot.get("risk_level")), card=ai_card.card_for(kind, entry),
                           submitter=moderation.submitter_of(entry), may_decide=can_review(current_user, entry),
                           changes=changes, previous=versions[0] if versions else None,
                           snapshot=snapshot, display=moderation.display_value,
                           ), 200 if not form.errors else 422


@bp.route("/moderation/revisions/<int:revision_id>", methods=["GET", "POST"])
def review_revision(revision_id: int):
    revision = moderation.get_revision(revision_id)
    entry = moderation.get_entry(revision.entry_kind, revision.entry_id)
    form = DecisionForm()
    if request.method == "GET":
        form.version.data = str(revision.version_id)
    if form.validate_on_submit():
        try:
            with transaction():
                moderation.decide_revision(current_user, revision, form.decision.data, form.reason.data,
                                           _version(form), confirm_prohibited=form.confirm_prohibited.data)
        except InvalidInput as error:
            form.add_errors(error.errors)
        else:
            flash(_("Decision saved; the author has been told."), "success")
            return redirect(url_for("moderation.queue"))
    return render_template("moderation/review_revision.html", revision=revision, entry=entry, form=form,
                           risk=ai_card.risk_warning((revision.data or {}).get("risk_level")),
                           card=ai_card.card_for(entry.kind, moderation.revision_input(revision)),
                           changes=moderation.revision_diff(revision), label=_label_of(entry.kind),
                           may_decide=revision.author_id != current_user.id and revision.status.value == "pending"
                           ), 200 if not form.errors else 422


@bp.route("/moderation/reports/<int:report_id>", methods=["GET", "POST"])
def review_report(report_id: int):
    report = moderation.get_report(report_id)
    entry = moderation.get_entry(report.entry_kind, report.entry_id)
    form = ReportDecisionForm()
    if request.method == "GET":
        form.version.data = str(report.version_id)
    if form.validate_on_submit():
        handle = {"dismiss": moderation.dismiss_report, "unpublish": moderation.unpublish_for_report}
        try:
            with transaction():
                handle[form.decision.data](current_user, report, form.reason.data, _version(form))
        except InvalidInput as error:
            form.add_errors(error.errors)
        else:
            flash(_("The report is handled."), "success")
            return redirect(url_for("moderation.queue"))
    return render_template("moderation/review_report.html", report=report, entry=entry, form=form,
                           other_reports=[r for r in moderation.open_reports_of(entry) if r.id != report.id]
                           ), 200 if not form.errors else 422


@bp.route("/moderation/<kind>/<int:entry_id>/unpublish", methods=["GET", "POST"])
def unpublish(kind: str, entry_id: int):
    """Take a published entry out of the directory, with a reason its editors read."""
    entry = moderation.get_entry(kind, entry_id)
    form = ArchiveForm()
    if request.method == "GET":
        form.version.data = str(entry.version_id)
    if form.validate_on_submit():
        try:
            with transaction():
                moderation.change_status(current_user, entry, "unpublish", form.reason.data, _version(form))
        except InvalidInput as error:
            form.add_errors(error.errors)
        else:
            flash(_("The entry is unpublished; its editors have been told why."), "success")
            return redirect(url_for("moderation.history", kind=kind, entry_id=entry.id))
    return render_template("moderation/unpublish.html", entry=entry, form=form), 200 if not form.errors else 422


@bp.get("/moderation/log")
def log():
    page = _int_arg("page") or 1
    action = request.args.get("action") or None
    return render_template("moderation/log.html", log=audit.log_page(page, action, _int_arg("actor")),
                           actions=audit.actions(), action=action)


@bp.get("/moderation/<kind>/<int:entry_id>/history")
def history(kind: str, entry_id: int):
    entry = moderation.get_entry(kind, entry_id)
    return render_template("moderation/history.html", entry=entry, events=audit.history(entry),
                           versions=moderation.versions(entry), label=_label_of(kind),
                           display=moderation.display_value)


# --- for everyone -----------------------------------------------------------------------


@bp.route("/report/<kind>/<slug>", methods=["GET", "POST"])
@limiter.limit("5 per hour;20 per day", methods=["POST"])
def report(kind: str, slug: str):
    if kind not in ENTRY_MODELS:
        abort(404)
    entry = listing.get_for_view(kind, slug, current_user)
    if not entry.is_published:
        abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            with transaction():
                moderation.report_entry(current_user, entry, form.category.data, form.message.data)
        except InvalidInput as error:
            form.add_errors(error.errors)
        else:
            flash(_("Thank you. A moderator will look at your report."), "success")
            return redirect(url_for(f"directory.{kind}", slug=entry.slug))
    return render_template("moderation/report.html", entry=entry, form=form), 200 if not form.errors else 422


@bp.get("/account/submissions")
@login_required
def submissions():
    entries = listing.entries_for_user(current_user)
    return render_template("moderation/submissions.html",
                           submissions=moderation.submissions_of(entries))
