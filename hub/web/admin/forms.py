from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from hub.accounts.administration import REASON_MAX
from hub.web.forms import HubForm, strip_block, strip_line


def role_choices():
    return [SelectChoice("member", _l("Member: adds and edits entries")),
            SelectChoice("moderator", _l("Moderator: also reviews submissions and reports")),
            SelectChoice("admin", _l("Administrator: also manages user accounts"))]


class UserSearchForm(HubForm):
    class Meta:
        csrf = False  # a search (GET) changes nothing

    # The service checks the values and says what is wrong next to the field.
    q = StringField(_l("Name or email address contains"), filters=[strip_line])
    role = SelectField(_l("Role"), validate_choice=False, choices=[
        SelectChoice("", _l("Any role")), SelectChoice("member", _l("Member")),
        SelectChoice("moderator", _l("Moderator")), SelectChoice("admin", _l("Administrator"))])
    state = SelectField(_l("Account"), validate_choice=False, choices=[
        SelectChoice("", _l("Active or deactivated")), SelectChoice("active", _l("Active")),
        SelectChoice("deactivated", _l("Deactivated"))])


class RoleForm(HubForm):
    # Unknown values reach the service, which names the field in its message.
    role = RadioField(_l("Role"), choices=role_choices(), validate_choice=False,
                      validators=[InputRequired(_l("Choose a role."))])
    reason = TextAreaField(_l("Reason (optional)"), filters=[strip_block],
                           description=_l("Kept in the audit log with the change."),
                           validators=[Length(max=REASON_MAX, message=_l("Use at most %(max)d characters."))])


class AccountStateForm(HubForm):
    action = HiddenField()  # "deactivate" or "reactivate": what the admin saw and chose
    reason = TextAreaField(_l("Reason (optional)"), filters=[strip_block],
                           description=_l("Kept in the audit log with the change."),
                           validators=[Length(max=REASON_MAX, message=_l("Use at most %(max)d characters."))])
