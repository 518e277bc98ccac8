"""Contact forms on published entries, the inbox of relayed messages, and the moderators'
view of spam reports and messages that fell through to them."""
from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hub.accounts.permissions import can_moderate
from hub.contact import services as contact
from hub.contact.permissions import can_answer
from hub.db import transaction
from hub.directory import listing
from hub.directory.models import ENTRY_MODELS
from hub.errors import InvalidInput
from hub.extensions import limiter
from hub.pagination import page_number
from hub.web.contact.forms import ContactForm, ReplyForm, SpamDecisionForm
from hub.web.security import over_limit

bp = Blueprint("contact", __name__)

# Per visitor address (the decorator) and per sender address and per entry (on the form).
IP_LIMIT = "5 per hour;20 per day"
SENDER_LIMIT = "5 per hour;20 per day"
ENTRY_LIMIT = "20 per hour;50 per day"
FORM_MAX_AGE = 24 * 3600


def _form_clock() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="contact-form-started")


def _timing_problem(token: str) -> str | None:
    """Why a sent form cannot be trusted to come from a person, or None."""
    try:
        started = _form_clock().loads(token or "", max_age=FORM_MAX_AGE)
    except BadSignature:  # includes an expired token
        return _("The form was open for too long or came from elsewhere. Check your message and send it again.")
    if not isinstance(started, (int, float)) or time.time() - started < current_app.config["CONTACT_MIN_SECONDS"]:
        return _("That was very quick. Check your message and send it again.")
    return None


def _sender_key(email: str) -> str:
    """The address as the service stores it, so that spellings of one address share one limit."""
    try:
        return contact.normalise_sender_email(email)
    except InvalidInput:
        return email.strip().lower()[:254]


def _sent(entry, message=None):
    """Back to the entry, saying truthfully where the message went: a message that fell through to
    the moderators (a fictional example expert, or nobody reachable behind the entry) reached the
    hub's team, not the person or team the visitor wrote to."""
    if contact.is_example(entry):
        flash(_("Your message went to the hub's team: %(name)s is a fictional example, not a real person. "
                "A copy is on its way to your email address.", name=entry.title), "success")
    elif message is not None and message.to_moderators:
        flash(_("Nobody behind this entry can be reached through the hub yet, so your message went to the "
                "hub's team, who will pass it on or answer. A copy is on its way to your email address."),
              "success")
    else:
        flash(_("Your message was sent. A copy is on its way to your email address."), "success")
    return redirect(url_for(f"directory.{entry.kind}", slug=entry.slug))


def _field_problems(data: contact.ContactInput) -> dict[str, str]:
    """What is wrong with the fields, so that a refused form shows it all at once."""
    try:
        contact.clean_contact_input(data)
    except InvalidInput as error:
        return error.errors
    return {}


@bp.route("/contact/<kind>/<slug>", methods=["GET", "POST"])
@limiter.limit(IP_LIMIT, methods=["POST"])
def write(kind: str, slug: str):
    if kind not in ENTRY_MODELS:
        abort(404)
    entry = listing.get_for_view(kind, slug, current_user)
    if not contact.is_contactable(entry):
        abort(404)
    form = ContactForm()
    if request.method == "GET" and current_user.is_authenticated:
        form.name.data, form.email.data = current_user.display_name, current_user.email
    status = 200
    if form.validate_on_submit():
        if form.website.data:  # the honeypot: answer as if sent, send nothing
            return _sent(entry)
        data = contact.ContactInput(name=form.name.data or "", email=form.email.data or "",
                                    subject=form.subject.data or "", body=form.body.data or "",
                                    share_email=bool(form.share_email.data))
        problem = _timing_problem(form.started.data)
        email_key = _sender_key(form.email.data or "")
        if problem:
            # With the fields' own messages: the visitor corrects everything in one go.
            form.add_errors({"": problem} | _field_problems(data))
        elif over_limit(SENDER_LIMIT, f"contact-sender:{email_key}") or over_limit(
                ENTRY_LIMIT, f"contact-entry:{kind}:{entry.id}"):
            form.add_errors({"": _("Too many messages were sent from this address or to this entry. "
                                   "Please wait an hour and try again.")})
            status = 429
        else:
            try:
                with transaction():
                    message = contact.send_message(current_user if current_user.is_authenticated else None,
                                                   entry, data)
            except InvalidInput as error:
                form.add_errors(error.errors)
            else:
                return _sent(entry, message)
    if request.method == "POST" and status == 200:
        status = 422
    form.started.data = _form_clock().dumps(time.time())
    return render_template("contact/form.html", entry=entry, form=form, example=contact.is_example(entry),
                           to_team=contact.recipients_for(entry)[1]), status


# --- the recipients' inbox ------------------------------------------------------------------


@bp.get("/account/messages")
@login_required
def inbox():
    show = request.args.get("show", "open")
    handled = {"open": False, "handled": True}.get(show)
    page = contact.inbox(current_user, handled, page_number(request.args.get("page")))
    return render_template("contact/inbox.html", page=page, show=show if show in ("open", "handled") else "all")


@bp.route("/account/messages/<int:message_id>", methods=["GET", "POST"])
@login_required
def message(message_id: int):
    found = contact.get_message(current_user, message_id)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            with transaction():
                contact.reply(current_user, found, form.body.data or "")
        except InvalidInput as error:
            form.add_errors(error.errors)
        else:
            flash(_("Your answer was passed on to %(name)s.", name=found.sender_name), "success")
            return redirect(url_for("contact.message", message_id=found.id))
    status = 422 if request.method == "POST" else 200
    return render_template("contact/message.html", message=found, form=form,
                           row=contact.recipient_row(current_user, found),
                           can_answer=can_answer(current_user, found)), status


@bp.post("/account/messages/<int:message_id>/handled")
@login_required
def mark_handled(message_id: int):
    found = contact.get_message(current_user, message_id)
    handled = request.form.get("handled") == "1"
    with transaction():
        contact.set_handled(current_user, found, handled)
    flash(_("Marked as handled.") if handled else _("Marked as open again."), "success")
    return redirect(url_for("contact.message", message_id=found.id))


@bp.post("/account/messages/<int:message_id>/spam")
@login_required
def report_spam(message_id: int):
    found = contact.get_message(current_user, message_id)
    with transaction():
        contact.report_spam(current_user, found)
    flash(_("Thank you. The moderators will look at this message."), "success")
    return redirect(url_for("contact.inbox"))


# --- moderators -----------------------------------------------------------------------------


@bp.get("/moderation/messages")
@login_required
def moderation_messages():
    if not can_moderate(current_user):
        abort(403)
    return render_template("contact/moderation.html", reports=contact.spam_reports(),
                           fell_through=contact.fell_through(page_number(request.args.get("page"))))


@bp.route("/moderation/messages/<int:message_id>", methods=["GET", "POST"])
@login_required
def decide_spam(message_id: int):
    if not can_moderate(current_user):
        abort(403)
    found = contact.get_message(current_user, message_id)
    form = SpamDecisionForm()
    if form.validate_on_submit():
        try:
            with transaction():
                contact.decide_spam(current_user, found, form.decision.data == "block", form.reason.data or "")
        except InvalidInput as error:
            form.add_errors(error.errors)
        else:
            flash(_("The sender is blocked.") if form.decision.data == "block" else _("The report was dismissed."),
                  "success")
            return redirect(url_for("contact.moderation_messages"))
    status = 422 if request.method == "POST" else 200
    return render_template("contact/decide_spam.html", message=found, form=form), status
