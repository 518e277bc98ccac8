"""Register, verify, log in and out, reset a password, the account page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from hub.accounts import services as accounts
from hub.db import transaction
from hub.directory import listing
from hub.directory.services import own_expert_profile
from hub.errors import InvalidInput
from hub.extensions import limiter
from hub.web.accounts.forms import (
    ChangePasswordForm, EmptyForm, ForgotPasswordForm, LoginForm, ProfileForm, RegisterForm, ResetPasswordForm,
)
from hub.web.public.views import _safe_next

bp = Blueprint("accounts", __name__)

AUTH_LIMIT = "10 per minute;50 per hour"
# The address just confirmed, for the login form that follows.
LOGIN_EMAIL = "login_email"


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            with transaction():
                accounts.register(form.display_name.data, form.email.data, form.password.data, form.consent.data)
        except InvalidInput as error:
            form.add_errors(error.errors)
        else:
            return render_template("accounts/check_email.html", email=form.email.data)
    return render_template("accounts/register.html", form=form)


@bp.get("/verify/<token>")
def verify_email(token: str):
    try:
        with transaction():
            user = accounts.verify_email(token)
    except InvalidInput as error:
        return render_template("accounts/verify_failed.html", message=error.message), 400
    flash(_("Thank you, your email address is confirmed."), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("accounts.account"))
    # The login form then has the address filled in (kept in the signed session, not in the URL,
    # where it would end up in logs and the browser's history).
    session[LOGIN_EMAIL] = user.email
    return redirect(url_for("accounts.login"))


@bp.post("/verify/resend")
@login_required
@limiter.limit("3 per hour")
def resend_verification():
    if EmptyForm().validate_on_submit() and not current_user.email_verified:
        with transaction():
            accounts.send_verification(current_user)
        flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def login():
    form = LoginForm()
    if request.method == "GET" and session.get(LOGIN_EMAIL):
        form.email.data = session[LOGIN_EMAIL]
    if form.validate_on_submit():
        try:
            with transaction():
                user = accounts.authenticate(form.email.data, form.password.data)
        except InvalidInput as error:
            form.add_errors(error.errors)
        else:
            session.pop(LOGIN_EMAIL, None)
            login_user(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return redirect(_safe_next(request.args.get("next")) if request.args.get("next")
                            else url_for("accounts.account"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        logout_user()
        flash(_("You are logged out."), "success")
        return redirect(url_for("public.home"))
    return render_template("accounts/logout.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with transaction():
            accounts.request_password_reset(form.email.data)
        return render_template("accounts/check_email.html", email=form.email.data, reset=True)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def reset_password(token: str):
    try:
        accounts.user_for_reset_token(token)
    except InvalidInput as error:
        return render_template("accounts/verify_failed.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            with transaction():
                accounts.reset_password(token, form.password.data)
        except InvalidInput as error:
            form.add_errors(error.errors)
        else:
            flash(_("Your password has been changed. You can log in now."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.get("/account")
@login_required
def account():
    return render_template(
        "accounts/account.html", entries=listing.entries_for_user(current_user),
        organisations=listing.user_organisations(current_user), expert=own_expert_profile(current_user),
        resend_form=EmptyForm(),
    )


@bp.route("/account/settings", methods=["GET", "POST"])
@login_required
def settings():
    profile_form = ProfileForm(prefix="profile", obj=current_user)
    password_form = ChangePasswordForm(prefix="password")
    try:
        if profile_form.was_sent() and profile_form.validate_on_submit():
            with transaction():
                accounts.update_profile(current_user, profile_form.display_name.data)
            flash(_("Your name has been saved."), "success")
            return redirect(url_for("accounts.settings"))
        if password_form.was_sent() and password_form.validate_on_submit():
            with transaction():
                accounts.change_password(current_user, password_form.current_password.data,
                                         password_form.new_password.data)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.settings"))
    except InvalidInput as error:
        (profile_form if "display_name" in error.errors else password_form).add_errors(error.errors)
    return render_template("accounts/settings.html", profile_form=profile_form, password_form=password_form)
