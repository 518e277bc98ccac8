from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length

from hub.directory.memberships import MESSAGE_MAX, NOTE_MAX
from hub.web.forms import HubForm, strip_block, strip_line


class OrganisationSearchForm(HubForm):
    class Meta:
        csrf = False  # a search (GET) changes nothing

    # No length validator: the service says what is too long, next to the field.
    q = StringField(_l("Organisation name contains"), filters=[strip_line],
                    description=_l("Part of the name, in any case: “rijks” finds the Rijksmuseum."))


class JoinForm(HubForm):
    message = TextAreaField(_l("Message to the organisation's members (optional)"), filters=[strip_block],
                            description=_l("Who you are and why you want to join, so that they recognise you."),
                            validators=[Length(max=MESSAGE_MAX, message=_l("Use at most %(max)d characters."))])


class MembershipDecisionForm(HubForm):
    decision = RadioField(_l("Your decision"), choices=[
        SelectChoice("accept", _l("Accept: they become a member and may edit the organisation's entries")),
        SelectChoice("decline", _l("Decline")),
    ], validate_choice=False, validators=[InputRequired(_l("Choose accept or decline.")),
                                          AnyOf(["accept", "decline"], message=_l("Choose accept or decline."))])
    note = TextAreaField(_l("Note to the person asking (optional)"), filters=[strip_block],
                         description=_l("They read it in the email that tells them your decision."),
                         validators=[Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters."))])
    # The version of the request the decider saw: a decision on a request decided since is refused.
    version = HiddenField()

