"""Administration: user accounts (administrators), and the membership requests
to organisations without members (moderators)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hub.accounts import administration
from hub.accounts.permissions import can_administer, can_moderate
from hub.db import transaction
from hub.directory import memberships
from hub.errors import Conflict, InvalidInput
from hub.web.admin.forms import AccountStateForm, RoleForm, UserSearchForm
from hub.web.memberships.views import decide, decision_form

bp = Blueprint("admin", __name__)

# Moderators decide on requests to organisations without members; the rest is for administrators.
FOR_MODERATORS = ("admin.membership_requests", "admin.decide_membership_request")


@bp.before_request
def _guard():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    allowed = can_moderate(current_user) if request.endpoint in FOR_MODERATORS else can_administer(current_user)
    if not allowed:
        abort(403)
    return None


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


@bp.get("/admin/users")
def users():
    form = UserSearchForm(request.args)
    page = None
    try:
        filters = administration.clean_user_filters(form.q.data, form.role.data, form.state.data)
    except InvalidInput as error:
        form.add_errors(error.errors)
    else:
        page = administration.search_users(current_user, filters, _int_arg("page") or 1)
    return render_template("admin/users.html", form=form, page=page), 422 if form.errors else 200


def _form(form_class, prefix: str, **defaults):
    """Bound to the post only if it is the form that was sent (the page has two)."""
    sent = request.method == "POST" and f"{prefix}-csrf_token" in request.form
    return form_class(prefix=prefix, formdata=request.form if sent else None, **defaults)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    user = administration.get_user(current_user, user_id)
    role_form = _form(RoleForm, "role", role=user.role.value)
    state_form = _form(AccountStateForm, "state", action="reactivate" if not user.active else "deactivate")
    sent = role_form if role_form.was_sent() else state_form if state_form.was_sent() else None
    status = 200
    if sent is not None:
        if sent.validate():
            try:
                with transaction():
                    message = _change(user, sent)
            except InvalidInput as error:
                sent.add_errors(error.errors)
            except Conflict as error:
                sent.form_errors.append(error.message)
                status = 409
            else:
                flash(message, "success")
                if not can_administer(current_user):  # they made themselves a moderator or member
                    return redirect(url_for("accounts.account"))
                return redirect(url_for("admin.user", user_id=user.id))
        if sent.errors and status == 200:
            status = 422
    return render_template("admin/user.html", user=user, role_form=role_form, state_form=state_form,
                           organisations=memberships.organisations_of(user),
                           events=administration.events_about(user)), status


def _change(user, form) -> str:
    """Apply the posted form; the flash message that says what happened."""
    if isinstance(form, RoleForm):
        administration.change_role(current_user, user, form.role.data, form.reason.data)
        return _("%(name)s's role is changed.", name=user.display_name)
    if form.action.data == "deactivate":
        done = administration.deactivate(current_user, user, form.reason.data)
        return _("%(name)s's account is deactivated. Entries withdrawn from review: %(entries)d; edits "
                 "withdrawn: %(revisions)d; published entries passed to their organisations: %(handed)d.",
                 name=user.display_name, entries=done.withdrawn_entries, revisions=done.withdrawn_revisions,
                 handed=done.handed_over)
    if form.action.data == "reactivate":
        administration.reactivate(current_user, user, form.reason.data)
        return _("%(name)s's account is active again.", name=user.display_name)
    raise InvalidInput(_("Unknown action. Reload the page and try again."))


# --- membership requests to organisations without members (moderators) -------------------------


def _requests_page(posted=None, posted_id: int | None = None, status: int = 200):
    requests = memberships.requests_for_moderators()
    forms = {r.id: decision_form(r) for r in requests}
    if posted is not None and posted_id in forms:
        forms[posted_id] = posted
    problem = " ".join(posted.form_errors) if posted is not None and posted_id not in forms else None
    return render_template("admin/membership_requests.html", requests=requests, forms=forms,
                           problem=problem), status


@bp.get("/moderation/membership-requests")
def membership_requests():
    return _requests_page()


@bp.post("/moderation/membership-requests/<int:request_id>")
def decide_membership_request(request_id: int):
    membership_request = memberships.get_request(request_id)
    form, status = decide(membership_request)
    if status is None:
        return redirect(url_for("admin.membership_requests"))
    return _requests_page(form, request_id, status)
