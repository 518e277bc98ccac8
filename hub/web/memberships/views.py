"""Joining and leaving organisations: the member's "Your organisations" page,
asking to join, deciding on requests as a member, leaving."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hub.db import transaction
from hub.directory import listing, memberships
from hub.directory.models import MembershipRequest
from hub.errors import Conflict, InvalidInput
from hub.extensions import limiter
from hub.web.memberships.forms import JoinForm, MembershipDecisionForm, OrganisationSearchForm

bp = Blueprint("memberships", __name__)

JOIN_LIMIT = "10 per hour"


@bp.app_context_processor
def _membership_helpers():
    # For the organisation page's "Ask to join" button.
    return {"membership_state": lambda organisation: memberships.membership_state(current_user, organisation)}


def version_of(form) -> int | None:
    value = form.version.data or ""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else -1


def decision_form(membership_request: MembershipRequest) -> MembershipDecisionForm:
    """An unbound form for one request, carrying the version the decider sees."""
    return MembershipDecisionForm(prefix=f"request-{membership_request.id}", formdata=None,
                                  version=str(membership_request.version_id))


def decide(membership_request: MembershipRequest) -> tuple[MembershipDecisionForm, int | None]:
    """Handle a posted decision: (the bound form, None) when it is saved and the
    requester told, else (the form with its errors, the status to answer)."""
    form = MembershipDecisionForm(prefix=f"request-{membership_request.id}")
    if not form.validate_on_submit():
        return form, 422
    requester, organisation = membership_request.user.display_name, membership_request.organisation.name
    try:
        with transaction():
            memberships.decide_membership(current_user, membership_request, form.decision.data == "accept",
                                          form.note.data, version_of(form))
    except InvalidInput as error:
        form.add_errors(error.errors)
        return form, 422
    except Conflict as error:
        form.form_errors.append(error.message)
        return form, 409
    if form.decision.data == "accept":
        flash(_("%(name)s is now a member of %(organisation)s and has been told by email.", name=requester,
                organisation=organisation), "success")
    else:
        flash(_("You declined the request of %(name)s to join %(organisation)s; they have been told by email.",
                name=requester, organisation=organisation), "success")
    return form, None


def _page(posted: MembershipDecisionForm | None = None, posted_id: int | None = None, status: int = 200):
    search = OrganisationSearchForm(request.args)
    results = []
    try:
        results = memberships.search_organisations(search.q.data)
    except InvalidInput as error:
        search.add_errors(error.errors)
        status = 422 if status == 200 else status
    view = memberships.overview(current_user)
    forms = {r.id: decision_form(r) for r in view.to_decide}
    if posted is not None and posted_id in forms:
        forms[posted_id] = posted
    # A decision refused on a request that is no longer listed (decided meanwhile) is said on top.
    problem = " ".join(posted.form_errors) if posted is not None and posted_id not in forms else None
    return render_template("accounts/organisations.html", view=view, search=search, results=results,
                           searched=bool(search.q.data), forms=forms, problem=problem), status


@bp.get("/account/organisations")
@login_required
def organisations():
    return _page()


@bp.post("/account/organisations/requests/<int:request_id>")
@login_required
def decide_request(request_id: int):
    membership_request = memberships.get_request(request_id)
    form, status = decide(membership_request)
    if status is None:
        return redirect(url_for("memberships.organisations"))
    return _page(form, request_id, status)


@bp.route("/organisations/<slug>/join", methods=["GET", "POST"])
@login_required
@limiter.limit(JOIN_LIMIT, methods=["POST"])
def join(slug: str):
    organisation = memberships.get_organisation(slug)
    form = JoinForm()
    status = 200
    if form.validate_on_submit():
        try:
            with transaction():
                memberships.request_membership(current_user, organisation, form.message.data)
        except InvalidInput as error:
            form.add_errors(error.errors)
        except Conflict as error:
            form.form_errors.append(error.message)
            status = 409
        else:
            flash(_("You asked to join %(name)s. You will hear their decision by email.", name=organisation.name),
                  "success")
            return redirect(url_for("memberships.organisations"))
    if form.errors and status == 200:
        status = 422
    return render_template("accounts/join.html", organisation=organisation, form=form,
                           state=memberships.membership_state(current_user, organisation)), status


@bp.post("/organisations/<slug>/leave")
@login_required
def leave(slug: str):
    organisation = listing.get_for_view("organisation", slug, current_user)
    with transaction():
        memberships.leave_organisation(current_user, organisation)
    flash(_("You have left %(name)s.", name=organisation.name), "success")
    return redirect(url_for("memberships.organisations"))
