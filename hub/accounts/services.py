"""Accounts: registration, email verification, logging in, password reset."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from hub.accounts.models import Role, User
from hub.db import db, utcnow
from hub.errors import Conflict, InvalidInput, NotFound
from hub.contact.outbox import queue_mail
from hub.text import clean_line
from hub.urls import external_url

PASSWORD_MIN = 12
PASSWORD_MAX = 256  # hashing megabytes on every login attempt would be a denial of service
NAME_MAX = 120

_hasher = PasswordHasher()  # argon2id with the library's current recommended costs
# A hash of a random password, checked when the email is unknown, so that a
# login takes as long for an unknown address as for a known one.
_DUMMY_HASH = _hasher.hash("not a real password: timing equaliser")


def normalise_email(email: str) -> str:
    """A syntactically valid address, lower-cased; no DNS lookups."""
    email = (email or "").strip()
    if len(email) > 254:
        raise InvalidInput({"email": _("The email address is too long.")})
    try:
        result = validate_email(email, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        raise InvalidInput({"email": _("Enter a valid email address, like name@museum.eu.")}) from None
    return result.normalized.lower()


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password or "") < PASSWORD_MIN:
        raise InvalidInput({field: _("Use at least %(n)d characters.", n=PASSWORD_MIN)})
    if len(password) > PASSWORD_MAX:
        raise InvalidInput({field: _("Use at most %(n)d characters.", n=PASSWORD_MAX)})
    if "\x00" in password:
        raise InvalidInput({field: _("The password contains a character that cannot be used.")})


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_matches(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def load_user(user_id: str) -> User | None:
    if not str(user_id).isdigit():
        return None
    user = db.session.get(User, int(user_id))
    # A deactivated account's open sessions end with its next request.
    return user if user is not None and user.active else None


def find_by_email(email: str) -> User | None:
    try:
        email = normalise_email(email)
    except InvalidInput:
        return None
    return db.session.scalar(db.select(User).where(User.email == email))


def _clean_name(display_name: str) -> str:
    name = clean_line(display_name)
    if not name:
        raise InvalidInput({"display_name": _("Enter your name.")})
    if len(name) > NAME_MAX:
        raise InvalidInput({"display_name": _("Use at most %(n)d characters.", n=NAME_MAX)})
    return name


def register(display_name: str, email: str, password: str, consent: bool) -> User | None:
    """Create an unverified account and mail its verification link.

    For an address that already has an account, nothing is created and its
    owner is told by mail instead: the page never reveals who is registered.
    """
    name = _clean_name(display_name)
    email = normalise_email(email)
    check_password_rules(password)
    if not consent:
        raise InvalidInput({"consent": _("Agree to the privacy notice to create an account.")})
    existing = find_by_email(email)
    if existing is not None:
        queue_mail(
            existing.email,
            _("Someone tried to register with your address"),
            _(
                "Someone, perhaps you, tried to create an account on the AI Competency Hub with this address, "
                "which already has one.\n\nTo log in: %(login)s\nForgot your password? %(reset)s\n",
                login=external_url("accounts.login"),
                reset=external_url("accounts.forgot_password"),
            ),
        )
        return None
    user = User(
        display_name=name, email=email, password_hash=hash_password(password), role=Role.MEMBER,
        privacy_consent_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    send_verification(user)
    return user


# --- signed links -------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"hub-{purpose}")


def make_verification_token(user: User) -> str:
    return _serializer("verify-email").dumps({"uid": user.id, "email": user.email})


def send_verification(user: User) -> None:
    link = external_url("accounts.verify_email", token=make_verification_token(user))
    queue_mail(
        user.email,
        _("Confirm your email address"),
        _(
            "Hello %(name)s,\n\nPlease confirm your email address for the AI Competency Hub by opening this link "
            "within 3 days:\n\n%(link)s\n\nIf you did not register, ignore this message.\n",
            name=user.display_name,
            link=link,
        ),
    )


def verify_email(token: str) -> User:
    try:
        payload = _serializer("verify-email").loads(token, max_age=current_app.config["EMAIL_TOKEN_MAX_AGE"])
    except SignatureExpired:
        raise InvalidInput(_("This confirmation link has expired. Log in to get a new one.")) from None
    except BadSignature:
        raise InvalidInput(_("This confirmation link is not valid.")) from None
    user = db.session.get(User, payload.get("uid")) if isinstance(payload, dict) else None
    if user is None or user.email != payload.get("email"):
        raise InvalidInput(_("This confirmation link is not valid."))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User:
    """The user with these credentials, or InvalidInput with one message for every failure."""
    user = find_by_email(email)
    # A deactivated account gets the same message: the page tells nobody which accounts exist or were closed.
    if not _password_matches(user, password or "") or not user.active:
        raise InvalidInput(_("The email address or password is not correct."))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def _reset_fingerprint(user: User) -> str:
    # Part of the current hash: once the password changes, old reset links die.
    return user.password_hash[-16:]


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address has an active account; say nothing either way."""
    user = find_by_email(email)
    if user is None or not user.active:
        return
    token = _serializer("reset-password").dumps({"uid": user.id, "fp": _reset_fingerprint(user)})
    queue_mail(
        user.email,
        _("Reset your password"),
        _(
            "Hello %(name)s,\n\nTo choose a new password for the AI Competency Hub, open this link within "
            "2 hours:\n\n%(link)s\n\nIf you did not ask for this, ignore this message: your password stays as it is.\n",
            name=user.display_name,
            link=external_url("accounts.reset_password", token=token),
        ),
    )


def user_for_reset_token(token: str) -> User:
    try:
        payload = _serializer("reset-password").loads(token, max_age=current_app.config["RESET_TOKEN_MAX_AGE"])
    except SignatureExpired:
        raise InvalidInput(_("This reset link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise InvalidInput(_("This reset link is not valid.")) from None
    user = db.session.get(User, payload.get("uid")) if isinstance(payload, dict) else None
    if user is None or not user.active or payload.get("fp") != _reset_fingerprint(user):
        raise InvalidInput(_("This reset link has already been used or is not valid."))
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    # Following the link proves the address too.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not _password_matches(user, current_password or ""):
        raise InvalidInput({"current_password": _("The current password is not correct.")})
    check_password_rules(new_password, field="new_password")
    user.password_hash = hash_password(new_password)


def update_profile(user: User, display_name: str) -> None:
    user.display_name = _clean_name(display_name)


def create_admin(email: str, password: str, display_name: str | None = None) -> User:
    """The first administrator (CLI); an existing account is promoted instead."""
    email = normalise_email(email)
    check_password_rules(password)
    user = find_by_email(email)
    if user is None:
        user = User(email=email, display_name=_clean_name(display_name or email.split("@")[0]),
                    password_hash=hash_password(password))
        db.session.add(user)
    elif user.role is Role.ADMIN:
        raise Conflict(f"{email} is already an administrator.")
    else:
        user.password_hash = hash_password(password)
    user.role = Role.ADMIN
    user.active = True
    user.email_verified_at = user.email_verified_at or utcnow()
    db.session.flush()
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user
