"""Forms for adding and editing directory entries. Choices are filled per
request, so vocabulary labels follow the interface language."""
from __future__ import annotations

from flask_babel import get_locale, lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from hub.directory import ai_card, vocabulary as vocab
from hub.web.forms import CheckboxListField, HubForm, strip_block, strip_line


def optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def _line(label, description=""):
    return StringField(label, description=description, filters=[strip_line])


def _block(label, description=""):
    return TextAreaField(label, description=description, filters=[strip_block])


class AnswerField(RadioField):
    """A yes / no / not stated question of the AI card, as three radios; "not stated" is the default.
    The service turns "yes", "no" and "not-stated" into True, False and None, and names any other
    value sent as an error of this field."""

    def __init__(self, label, **kwargs):
        choices = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No")),
                   SelectChoice("not-stated", _l("Not stated"))]
        super().__init__(label, choices=choices, default="not-stated", validate_choice=False, **kwargs)

    def process_data(self, value):
        # An entry's stored answer (True, False or None) as the radio to check.
        super().process_data({True: "yes", False: "no", None: "not-stated"}.get(value, value))


class EntryForm(HubForm):
    """Save as a draft, or submit for review: two buttons, one form."""

    # Shown with the likely duplicates of a new entry (hub.directory.duplicates); ticked, the entry is saved anyway.
    not_duplicate = BooleanField(_l("This is not a duplicate, save it anyway"))
    content_language = SelectField(
        _l("Language of this text"),
        description=_l("The language you write this entry in: pages mark its text with it, so that screen readers "
                       "and translation tools read it right."))

    def fill_choices(self, user, organisations, contact_candidates=()) -> None:
        choose = [("", _l("Choose…"))]
        for name, facet in (("techniques", vocab.TECHNIQUE), ("areas", vocab.AREA), ("stage", vocab.PROJECT_STAGE),
                            ("risk_level", vocab.AI_ACT_RISK), ("type", self._type_facet)):
            field = getattr(self, name, None)
            if field is not None and facet:
                field.choices = ([] if isinstance(field, CheckboxListField) or name == "risk_level" else choose) + \
                    vocab.choices(facet)
        if hasattr(self, "risk_level"):
            # "Not yet assessed" first: what a member leaves untouched must not claim a risk level.
            self.risk_level.choices.sort(key=lambda choice: choice[0] != ai_card.NOT_ASSESSED)
        if hasattr(self, "country"):
            self.country.choices = choose + vocab.country_choices()
        if hasattr(self, "languages"):
            self.languages.choices = vocab.language_choices()
        if hasattr(self, "offers"):
            self.offers.choices = vocab.offer_choices()
        self.content_language.choices = vocab.language_choices()
        if not self.content_language.data:  # a new entry: most likely written in the interface's language
            self.content_language.data = str(get_locale() or "en")
        elif self.content_language.data not in dict(self.content_language.choices) and \
                vocab.is_language(self.content_language.data):  # an imported entry's rarer language stays a choice
            self.content_language.choices.append(
                (self.content_language.data, vocab.language_name(self.content_language.data)))
        for name in ("lead_organisation_id", "organisation_id"):
            if hasattr(self, name):
                # A draft may leave the lead to be chosen later; submitting it needs one (the service says so).
                none = [("", _l("Choose…"))] if name == "lead_organisation_id" else [("", _l("None"))]
                getattr(self, name).choices = none + [(o.id, o.name) for o in organisations]
        if hasattr(self, "lead_organisation_id") and self.lead_organisation_id.data is None and \
                not self.is_submitted() and len(organisations) == 1:
            self.lead_organisation_id.data = organisations[0].id  # the member's only organisation
        if hasattr(self, "contact_ids"):
            self.contact_ids.choices = [(e.id, e.display_name) for e in contact_candidates]

    _type_facet: str | None = None


class OrganisationForm(EntryForm):
    _type_facet = vocab.ORGANISATION_TYPE
    name = _line(_l("Name"), _l("The organisation's full official name."))
    type = SelectField(_l("Type of organisation"))
    country = SelectField(_l("Country"), description=_l("Leave empty for an international organisation."))
    city = _line(_l("City (optional)"))
    region = _line(_l("Region (optional)"))
    website = _line(_l("Website (optional)"), _l("The full address, starting with https://"))
    description = _block(_l("Description (optional)"), _l("What the organisation does. You can use Markdown."))
    wikidata_qid = _line(_l("Wikidata identifier (optional)"), _l("For example Q190804 for the Rijksmuseum."))
    isil = _line(_l("ISIL code (optional)"), _l("The International Standard Identifier for Libraries and Related "
                                                "Organisations, if it has one."))
    latitude = _line(_l("Latitude (optional)"), _l("In decimal degrees, for example 52.36."))
    longitude = _line(_l("Longitude (optional)"), _l("In decimal degrees, for example 4.885."))


class ProjectForm(EntryForm):
    title = _line(_l("Title"))
    summary = _line(_l("Summary"), _l("One sentence that says what the project does (at most 300 characters)."))
    description = _block(_l("Description"), _l("Aims, approach and results. You can use Markdown."))
    lead_organisation_id = SelectField(_l("Lead organisation"), coerce=optional_int,
                                       description=_l("One of the organisations you are a member of."))
    partner_names = _block(_l("Partner organisations (optional)"),
                           _l("One name per line, exactly as in the directory."))
    stage = SelectField(_l("Stage"))
    start_year = _line(_l("Start year (optional)"))
    end_year = _line(_l("End year (optional)"))
    country = SelectField(_l("Country (optional)"), description=_l("Leave empty to use the lead organisation's."))
    techniques = CheckboxListField(_l("AI techniques"), description=_l("Choose at least one."))
    areas = CheckboxListField(_l("Areas of museum work (optional)"))
    languages = CheckboxListField(_l("Languages the project works with (optional)"))
    contact_ids = CheckboxListField(_l("Contact persons (optional)"), coerce=int,
                                    description=_l("Expert profiles of you and your colleagues. Visitors reach them "
                                                   "through the hub; their email addresses are never shown."))
    website = _line(_l("Website (optional)"), _l("The full address, starting with https://"))
    repository_url = _line(_l("Source code repository (optional)"))
    code_licence = _line(_l("Licence of the code (optional)"), _l("For example MIT, GPL-3.0 or Apache-2.0."))
    data_sources = _block(_l("Data used (optional)"), _l("Which collections, datasets or models the project uses."))
    data_rights = _block(_l("Data rights (optional)"), _l("Licences, copyright and personal data in that data."))
    risk_level = SelectField(_l("EU AI Act risk level, as you assess it"), default=ai_card.NOT_ASSESSED)
    risk_justification = _block(_l("Why this risk level"),
                                _l("Required for a high or unacceptable risk: which use, and which article or "
                                   "annex of the AI Act makes it so."))
    human_oversight = _block(_l("Human oversight (optional)"), _l("Who checks the system's output, and how."))
    dpia_done = AnswerField(_l("Was a data protection impact assessment made?"))
    fria_done = AnswerField(_l("Was a fundamental-rights impact assessment made?"))
    bias_review_done = AnswerField(_l("Was a bias review made?"))
    assessment_notes = _block(_l("Notes on the assessments (optional)"))
    hosting = _block(_l("Where it runs (optional)"), _l("For example: our own servers, a European cloud provider."))
    compute = _block(_l("Compute used (optional)"), _l("For example: GPU hours for training, energy estimates."))
    lessons_worked = _block(_l("What worked (optional)"))
    lessons_failed = _block(_l("What did not work (optional)"))
    funding = _block(_l("Funding (optional)"))


class ExpertForm(EntryForm):
    display_name = _line(_l("Name shown on your profile"))
    role_title = _line(_l("Role (optional)"), _l("For example: Head of digital collections."))
    organisation_id = SelectField(_l("Organisation (optional)"), coerce=optional_int)
    bio = _block(_l("About you"), _l("A few sentences on your work and experience. You can use Markdown."))
    country = SelectField(_l("Country (optional)"))
    techniques = CheckboxListField(_l("AI techniques you know"))
    areas = CheckboxListField(_l("Areas of museum work you know"))
    languages = CheckboxListField(_l("Languages you speak (optional)"))
    offers = CheckboxListField(_l("What you offer to peers (optional)"))
    open_to_contact = BooleanField(_l("Visitors may contact me through the hub (my email address stays hidden)"),
                                   default=True)


class ResourceForm(EntryForm):
    _type_facet = vocab.RESOURCE_TYPE
    title = _line(_l("Title"))
    type = SelectField(_l("Type of resource"))
    summary = _line(_l("Summary"), _l("One sentence that says what it offers (at most 300 characters)."))
    description = _block(_l("Description (optional)"), _l("You can use Markdown."))
    url = _line(_l("Link (optional)"), _l("The full address, starting with https://"))
    licence = _line(_l("Licence (optional)"), _l("For example CC BY 4.0."))
    year = _line(_l("Year (optional)"))
    organisation_id = SelectField(_l("Organisation (optional)"), coerce=optional_int)
    techniques = CheckboxListField(_l("AI techniques (optional)"))
    areas = CheckboxListField(_l("Areas of museum work (optional)"))
    languages = CheckboxListField(_l("Languages (optional)"))


FORMS = {
    "organisation": OrganisationForm,
    "project": ProjectForm,
    "expert": ExpertForm,
    "resource": ResourceForm,
}
