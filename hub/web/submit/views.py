"""Adding and editing entries: save a draft or submit it for review."""
from __future__ import annotations

from dataclasses import asdict, fields

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hub.db import transaction
from hub.directory import duplicates, listing, memberships, services
from hub.directory.models import ENTRY_MODELS, Entry
from hub.directory.permissions import can_edit
from hub.errors import Conflict, InvalidInput, PermissionDenied
from hub.moderation import freshness
from hub.moderation import services as moderation
from hub.web.accounts.forms import EmptyForm
from hub.web.submit.forms import FORMS

bp = Blueprint("submit", __name__)

KINDS = tuple(FORMS)
# Kinds led by one of the member's organisations: a member without one is shown how to get one first.
NEEDS_ORGANISATION = ("project",)


def _kind_or_404(kind: str) -> str:
    if kind not in KINDS:
        abort(404)
    return kind


def _form_for(kind: str, entry: Entry | None):
    form_class = FORMS[kind]
    if request.method == "POST" or entry is None:
        form = form_class()
    else:
        # Editing a published entry continues its open revision, if there is one.
        revision = moderation.open_revision(entry)
        data = asdict(moderation.revision_input(revision) if revision else services.input_for(entry))
        if "partner_names" in data:
            data["partner_names"] = "\n".join(data["partner_names"])
        form = form_class(data=data)
    candidates = services.contact_candidates(current_user, entry) if kind == "project" else ()
    organisations = listing.user_organisations(current_user)
    # The entry's current organisation stays a choice for an editor who is not its
    # member (an administrator): the service lets an edit keep it.
    current = None if entry is None else (
        entry.lead_organisation if kind == "project" else getattr(entry, "organisation", None))
    if current is not None and current not in organisations:
        organisations.append(current)
    form.fill_choices(current_user, organisations, candidates)
    return form


def _input_from(kind: str, form):
    input_class = services.SAVERS[kind][0]
    values = {f.name: getattr(form, f.name).data for f in fields(input_class) if hasattr(form, f.name)}
    if "partner_names" in values:
        values["partner_names"] = (values["partner_names"] or "").splitlines()
    return input_class(**values)


class _FormErrors(Exception):
    """The form found errors of its own: the service's checks ran, but nothing is kept."""


def _edit(kind: str, entry: Entry | None):
    form = _form_for(kind, entry)
    found: list[duplicates.Duplicate] = []
    if form.is_submitted():
        form.validate()  # the form's own errors (a choice it never offered) ...
        if "csrf_token" not in form.errors:
            # "Save as draft" keeps whatever was typed, required fields left empty included;
            # "Submit for review" needs them. Refused input is refused either way.
            submit = "submit" in request.form
            data = _input_from(kind, form)
            # A new entry that looks like an existing one is shown with it first; the
            # member may still save it by confirming that it is not a duplicate.
            if entry is None and not form.not_duplicate.data and not form.errors:
                found = duplicates.duplicates_of_input(kind, data, viewer=current_user)
            if not found:
                try:
                    with transaction():
                        saved = moderation.save_entry(current_user, kind, data, entry, submit=submit)
                        if form.errors:
                            raise _FormErrors()  # ... shown with the service's at once, and rolled back
                except (InvalidInput, Conflict) as error:
                    form.add_errors(error.errors if isinstance(error, InvalidInput) else {"": error.message})
                except _FormErrors:
                    pass
                else:
                    flash(_saved_message(saved, submit), "success")
                    return redirect(url_for(f"directory.{kind}", slug=saved.entry.slug))
    return render_template(f"submit/{kind}.html", form=form, entry=entry, kind=kind,
                           organisations=listing.user_organisations(current_user),
                           revision=moderation.open_revision(entry) if entry else None, duplicates=found)


def _saved_message(saved: moderation.Saved, submit: bool) -> str:
    if saved.revision is not None:
        return (_("Your changes are waiting for review. The page shows the published version until a moderator "
                  "approves them.") if submit else
                _("Your changes are saved as a draft. The page shows the published version until you submit them "
                  "and a moderator approves them."))
    if saved.entry.status.value == "pending":
        return _("Submitted for review. A moderator will look at it soon.")
    return _("Saved as a draft. Only you and your colleagues can see it.")


@bp.route("/submit/<kind>", methods=["GET", "POST"])
@login_required
def new(kind: str):
    _kind_or_404(kind)
    if not current_user.email_verified:
        flash(_("Confirm your email address first: we sent you a link when you registered."), "error")
        return redirect(url_for("accounts.account"))
    if kind == "expert" and services.own_expert_profile(current_user):
        return redirect(url_for("submit.edit", kind="expert", entry_id=services.own_expert_profile(current_user).id))
    if (kind in NEEDS_ORGANISATION and request.method == "GET" and not request.args.get("without_organisation")
            and not listing.user_organisations(current_user)):
        return render_template("submit/organisation_first.html", kind=kind,
                               membership=memberships.overview(current_user))
    return _edit(kind, None)


@bp.route("/edit/<kind>/<int:entry_id>", methods=["GET", "POST"])
@login_required
def edit(kind: str, entry_id: int):
    entry = services.get_entry(ENTRY_MODELS[_kind_or_404(kind)], entry_id)
    if not can_edit(current_user, entry):
        abort(403)
    return _edit(kind, entry)


OWNER_ACTIONS = ("submit", "resubmit", "withdraw", "archive")


@bp.post("/edit/<kind>/<int:entry_id>/<action>")
@login_required
def change_status(kind: str, entry_id: int, action: str):
    """The editors' own steps: submit, withdraw from review, archive, submit again."""
    entry = services.get_entry(ENTRY_MODELS[_kind_or_404(kind)], entry_id)
    if action not in OWNER_ACTIONS:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        with transaction():
            moderation.change_status(current_user, entry, action, expected_version=_version())
    except InvalidInput as error:
        return _complete_first(kind, entry, error)
    flash({"submit": _("Submitted for review. A moderator will look at it soon."),
           "resubmit": _("Submitted for review. A moderator will look at it soon."),
           "withdraw": _("Withdrawn from review. It is a draft again."),
           "archive": _("Archived. It is no longer public.")}[action], "success")
    return redirect(url_for(f"directory.{kind}", slug=entry.slug))


@bp.post("/edit/<kind>/<int:entry_id>/revision/<action>")
@login_required
def revision_action(kind: str, entry_id: int, action: str):
    """Submit or withdraw the open changes of a published entry."""
    entry = services.get_entry(ENTRY_MODELS[_kind_or_404(kind)], entry_id)
    revision = moderation.open_revision(entry)
    if revision is None or action not in ("submit", "withdraw"):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        with transaction():
            (moderation.submit_revision if action == "submit" else moderation.withdraw_revision)(current_user,
                                                                                                 revision)
    except InvalidInput as error:
        return _complete_first(kind, entry, error)
    flash(_("Your changes are waiting for review.") if action == "submit" else _("Your changes are withdrawn."),
          "success")
    return redirect(url_for(f"directory.{kind}", slug=entry.slug))


def _complete_first(kind: str, entry: Entry, error: InvalidInput):
    """A draft saved incomplete cannot go to review: back to its form, with the fields to complete named."""
    form = FORMS[kind]()
    names = [str(getattr(form, name).label.text) if hasattr(form, name) else message
             for name, message in error.errors.items()]
    flash(_("Complete the required fields before you submit: %(fields)s.", fields=", ".join(names)), "error")
    return redirect(url_for("submit.edit", kind=kind, entry_id=entry.id))


def _version() -> int | None:
    """The version of the entry the form was shown with, if the form says."""
    value = request.form.get("version", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


# --- freshness: the one-click "still accurate" links of the reminders -------------------


@bp.get("/confirm/<token>")
def confirm(token: str):
    """Confirm an entry from the link in a reminder (flask hub remind-stale); no login needed."""
    try:
        with transaction():
            entry = freshness.confirm_entry(token)
    except InvalidInput as error:
        return render_template("submit/confirm_failed.html", message=error.message), 400
    except PermissionDenied as error:
        return render_template("submit/confirm_failed.html", message=error.message), 403
    except Conflict as error:
        return render_template("submit/confirm_failed.html", message=error.message), 409
    flash(_("Thank you: the entry is confirmed as still accurate."), "success")
    return redirect(url_for(f"directory.{entry.kind}", slug=entry.slug))


@bp.app_template_test("possibly_outdated")
def _possibly_outdated(entry) -> bool:
    """`{% if entry is possibly_outdated %}` in templates/_macros/review.html (False for anything not an entry)."""
    return isinstance(entry, Entry) and freshness.is_possibly_outdated(entry)
