from flask_babel import format_number, gettext, lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from hub.contact.services import MAX_BODY, MAX_NAME, MAX_SUBJECT
from hub.moderation.workflow import REASON_MAX
from hub.web.forms import HubForm, strip_block


class ContactForm(HubForm):
    # No filters: the service refuses line breaks in one-line fields (a header injection attempt)
    # rather than quietly joining the lines, and says so next to the field.
    name = StringField(_l("Your name"), render_kw={"autocomplete": "name", "maxlength": MAX_NAME})
    email = StringField(_l("Your email address"), render_kw={"autocomplete": "email", "type": "email"},
                        description=_l("The answer comes to this address. It is shown to the recipients only "
                                       "if you tick the box below."))
    subject = StringField(_l("Subject"), render_kw={"maxlength": MAX_SUBJECT})
    # The number is formatted when the form is shown, in the interface language (5,000 / 5 000 / 5.000).
    body = TextAreaField(_l("Message"), description=LazyString(
        lambda: gettext("At most %(n)s characters and 3 links.", n=format_number(MAX_BODY))))
    share_email = BooleanField(_l("Share my email address with the recipient so they can reply directly"),
                               description=_l("Without this, they answer through the hub and never see your "
                                              "address."))
    # A field people never see (hidden by the style sheet, skipped by screen readers): robots fill it.
    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})
    # When the form was shown, signed: a form sent back within a second or two was not typed by a person.
    started = HiddenField()


class ReplyForm(HubForm):
    body = TextAreaField(_l("Your answer"), filters=[strip_block],
                         description=_l("The hub passes it on to the sender by email, from its own address: "
                                        "your address is not shown."))


class SpamDecisionForm(HubForm):
    decision = RadioField(_l("What to do"), choices=[
        SelectChoice("block", _l("Block the sender: later messages from this address are refused")),
        SelectChoice("dismiss", _l("Dismiss the report: it was not spam")),
    ], validators=[InputRequired(_l("Choose what to do."))])
    reason = TextAreaField(_l("Reason"), filters=[strip_block], validators=[Length(max=REASON_MAX)],
                           description=_l("Required to block; kept in the moderation log."))
