from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from hub.moderation.models import ReportCategory
from hub.moderation.services import REPORT_MAX
from hub.moderation.workflow import REASON_MAX
from hub.web.forms import HubForm, strip_block


class DecisionForm(HubForm):
    decision = RadioField(_l("Your decision"), choices=[
        SelectChoice("approve", _l("Approve and publish")),
        SelectChoice("request_changes", _l("Request changes: the submitter edits and submits again")),
        SelectChoice("reject", _l("Reject: it will not be published")),
    ], validators=[InputRequired(_l("Choose a decision."))])
    reason = TextAreaField(_l("Reason or comment for the submitter"), filters=[strip_block],
                           description=_l("Required when you request changes or reject. The submitter reads it "
                                          "in an email and on their submissions page."),
                           validators=[Length(max=REASON_MAX)])
    # Shown only for a project its team calls prohibited; the service refuses to approve one without it.
    confirm_prohibited = BooleanField(_l("I have read the justification and I confirm: publish this project "
                                         "although its team assesses its risk as unacceptable (a practice "
                                         "prohibited by Art. 5 of the AI Act)."))
    # The version of the item the moderator saw: a decision on a changed item is refused.
    version = HiddenField()


class ReportDecisionForm(HubForm):
    decision = RadioField(_l("What to do"), choices=[
        SelectChoice("dismiss", _l("Dismiss the report: the entry stays public")),
        SelectChoice("unpublish", _l("Unpublish the entry: it leaves the public directory")),
    ], validators=[InputRequired(_l("Choose what to do."))])
    reason = TextAreaField(_l("Reason"), filters=[strip_block],
                           description=_l("Required to unpublish: the entry's editors read it."),
                           validators=[Length(max=REASON_MAX)])
    version = HiddenField()


class ArchiveForm(HubForm):
    reason = TextAreaField(_l("Reason"), filters=[strip_block],
                           description=_l("Required: the entry's editors read it in an email."),
                           validators=[Length(max=REASON_MAX)])
    version = HiddenField()


def report_category_choices():
    return [
        SelectChoice(ReportCategory.INACCURATE.value, _l("Wrong or misleading information")),
        SelectChoice(ReportCategory.OUTDATED.value, _l("Out of date (the project ended, the person moved)")),
        SelectChoice(ReportCategory.DUPLICATE.value, _l("A duplicate of another entry")),
        SelectChoice(ReportCategory.INAPPROPRIATE.value, _l("Offensive or inappropriate")),
        SelectChoice(ReportCategory.SPAM.value, _l("Spam or advertising")),
        SelectChoice(ReportCategory.RIGHTS.value, _l("Infringes copyright or exposes personal data")),
        SelectChoice(ReportCategory.OTHER.value, _l("Something else")),
    ]


class ReportForm(HubForm):
    category = RadioField(_l("What is wrong?"), choices=report_category_choices(),
                          validators=[InputRequired(_l("Choose what is wrong."))])
    message = TextAreaField(_l("Details"), filters=[strip_block],
                            description=_l("What should a moderator check? Do not include personal data."),
                            validators=[InputRequired(_l("Describe the problem in a few words.")),
                                        Length(max=REPORT_MAX)])


class QueueFilterForm(HubForm):
    class Meta:
        csrf = False

    type = SelectField(_l("Type"), validate_choice=False)
    submitter = SelectField(_l("Submitter"), validate_choice=False)
