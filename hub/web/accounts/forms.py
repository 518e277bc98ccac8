from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from hub.web.forms import HubForm, strip_line


class RegisterForm(HubForm):
    display_name = StringField(_l("Your name"), filters=[strip_line],
                               validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    email = EmailField(_l("Email address"), filters=[strip_line],
                       validators=[DataRequired(_l("Enter your email address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Choose a password.")), Length(
        min=12, max=256, message=_l("Use between 12 and 256 characters."))])
    consent = BooleanField(_l("I have read the privacy notice and agree that the hub stores my name and email "
                              "address to run my account."),
                           validators=[DataRequired(_l("Agree to the privacy notice to create an account."))])


class LoginForm(HubForm):
    email = EmailField(_l("Email address"), filters=[strip_line],
                       validators=[DataRequired(_l("Enter your email address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=256)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class ForgotPasswordForm(HubForm):
    email = EmailField(_l("Email address"), filters=[strip_line],
                       validators=[DataRequired(_l("Enter your email address.")), Length(max=254),
                                   Email(_l("Enter a valid email address, like name@museum.eu."))])


class ResetPasswordForm(HubForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a password.")), Length(
        min=12, max=256, message=_l("Use between 12 and 256 characters."))])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(_l("Type the new password again.")), EqualTo("password", _l("The two passwords differ."))])


class ProfileForm(HubForm):
    display_name = StringField(_l("Your name"), filters=[strip_line],
                               validators=[DataRequired(_l("Enter your name.")), Length(max=120)])


class ChangePasswordForm(HubForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(
        min=12, max=256, message=_l("Use between 12 and 256 characters."))])


class EmptyForm(HubForm):
    """A form with only its CSRF token, for buttons that change something."""
