"""Writing to the directory: validation, creating and editing entries,
submitting them for review and publishing them.

Services change objects and flush; the caller (a request or a CLI command)
commits once. Validation lives here, so forms, the importer and the API all
obey the same rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

from flask_babel import gettext as _
from slugify import slugify

from hub.accounts.permissions import can_contribute
from hub.db import db
from hub.directory import ai_card, vocabulary as vocab
from hub.directory.models import (
    Entry, EntryStatus, Expert, Membership, Organisation, Project, ProjectOrganisation, Resource, Topic,
)
from hub.directory.permissions import (
    can_edit, can_use_organisation, forget_memberships, organisation_ids_of,
)
from hub.errors import Conflict, InvalidInput, NotFound, require
from hub.moderation import audit, workflow
from hub.text import clean_block, clean_line, is_web_url

TITLE_MAX = 200
SUMMARY_MAX = 300
TEXT_MAX = 20_000
SHORT_TEXT_MAX = 4_000
FIRST_YEAR = 1900


# --- checking input -------------------------------------------------------------


class Checker:
    """Cleans values field by field and collects one message per bad field.

    With complete=False (a draft) empty required fields pass, so that whatever was
    typed can be saved; too long or unknown values are refused all the same."""

    def __init__(self, complete: bool = True) -> None:
        self.errors: dict[str, str] = {}
        self.complete = complete

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def line(self, name: str, value, max_length: int, required: bool = False) -> str | None:
        text = clean_line(value)
        if not text:
            if required and self.complete:
                self.fail(name, _("This field is required."))
            return None
        if len(text) > max_length:
            self.fail(name, _("Use at most %(n)d characters (now %(m)d).", n=max_length, m=len(text)))
        return text

    def block(self, name: str, value, max_length: int = TEXT_MAX, required: bool = False) -> str | None:
        text = clean_block(value)
        if not text:
            if required and self.complete:
                self.fail(name, _("This field is required."))
            return None
        if len(text) > max_length:
            self.fail(name, _("Use at most %(n)d characters (now %(m)d).", n=max_length, m=len(text)))
        return text

    def url(self, name: str, value) -> str | None:
        text = clean_line(value)
        if not text:
            return None
        if not is_web_url(text):
            self.fail(name, _("Enter a full web address starting with https:// or http://."))
        return text

    def year(self, name: str, value) -> int | None:
        if value in (None, ""):
            return None
        text = str(value).strip()
        try:
            if not (text.isascii() and text.isdigit()):  # int() would take "٢٠٢٤" or "1_999"
                raise ValueError(text)
            year = int(text)
        except ValueError:
            self.fail(name, _("Enter a year as four digits, like 2024."))
            return None
        if not FIRST_YEAR <= year <= date.today().year + 10:
            self.fail(name, _("Enter a year between %(a)d and %(b)d.", a=FIRST_YEAR, b=date.today().year + 10))
            return None
        return year

    def concept(self, name: str, facet: str, value, required: bool = True) -> str | None:
        value = clean_line(value) or None
        if value is None:
            if required and self.complete:
                self.fail(name, _("Choose one of the options."))
            return None
        if not vocab.is_concept(facet, value):
            self.fail(name, _("Choose one of the options (unknown value %(v)s).", v=value[:60]))
            return None
        return value

    def concepts(self, name: str, facet: str, values, required: bool = False) -> list[str]:
        chosen = _unique(clean_line(v) for v in (values or []))
        unknown = [v for v in chosen if not vocab.is_concept(facet, v)]
        if unknown:
            self.fail(name, _("Unknown values: %(v)s.", v=", ".join(u[:60] for u in unknown[:5])))
        elif required and self.complete and not chosen:
            self.fail(name, _("Choose at least one."))
        return [v for v in chosen if v not in unknown]

    def country(self, name: str, value, required: bool = False) -> str | None:
        code = clean_line(value).upper() or None
        if code is None:
            if required and self.complete:
                self.fail(name, _("Choose a country."))
            return None
        if not vocab.is_country(code):
            self.fail(name, _("Choose a country from the list (unknown code %(v)s).", v=code[:10]))
            return None
        return code

    def languages(self, name: str, values) -> list[str]:
        codes = _unique(clean_line(v).lower() for v in (values or []))
        unknown = [c for c in codes if not vocab.is_language(c)]
        if unknown:
            self.fail(name, _("Unknown language codes: %(v)s.", v=", ".join(u[:20] for u in unknown[:5])))
        return [c for c in codes if c not in unknown]

    def language(self, name: str, value) -> str:
        """One language code (the language an entry's text is written in); left empty: English."""
        code = clean_line(value).lower() or "en"
        if not vocab.is_language(code):
            self.fail(name, _("Choose a language from the list (unknown code %(v)s).", v=code[:20]))
            return "en"
        return code

    def answer(self, name: str, value) -> bool | None:
        """A yes / no / not stated question: True, False or None (not stated, the default)."""
        if value is None or isinstance(value, bool):
            return value
        text = clean_line(value).lower() if isinstance(value, str) else None
        if text in ("", "not-stated"):
            return None
        if text in ("yes", "y", "true"):
            return True
        if text in ("no", "false"):
            return False
        self.fail(name, _("Choose yes, no or not stated."))
        return None

    def done(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


def _unique(values) -> list:
    seen: dict = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)


# --- inputs ---------------------------------------------------------------------
# Plain dataclasses between the web (or importer) and the services. `cleaned()`
# returns a copy with every value checked and normalised, or raises InvalidInput.


@dataclass
class OrganisationInput:
    name: str = ""
    type: str = ""
    country: str | None = None
    city: str | None = None
    region: str | None = None
    website: str | None = None
    description: str | None = None
    wikidata_qid: str | None = None
    isil: str | None = None
    latitude: float | str | None = None
    longitude: float | str | None = None
    content_language: str = "en"  # the language its own text is written in

    def cleaned(self, complete: bool = True) -> OrganisationInput:
        c = Checker(complete)
        out = OrganisationInput(
            name=c.line("name", self.name, 300, required=True) or "",
            type=c.concept("type", vocab.ORGANISATION_TYPE, self.type) or "",
            country=c.country("country", self.country),  # empty for international bodies
            city=c.line("city", self.city, 200),
            region=c.line("region", self.region, 200),
            website=c.url("website", self.website),
            description=c.block("description", self.description),
            wikidata_qid=c.line("wikidata_qid", self.wikidata_qid, 20),
            isil=c.line("isil", self.isil, 40),
            latitude=_coordinate(c, "latitude", self.latitude, 90),
            longitude=_coordinate(c, "longitude", self.longitude, 180),
            content_language=c.language("content_language", self.content_language),
        )
        qid_number = (out.wikidata_qid or "")[1:]
        if out.wikidata_qid and not (out.wikidata_qid[:1] in "Qq" and qid_number.isascii() and qid_number.isdigit()):
            c.fail("wikidata_qid", _("A Wikidata identifier looks like Q190804."))
        if out.wikidata_qid:
            out.wikidata_qid = out.wikidata_qid.upper()
        if (out.latitude is None) != (out.longitude is None):
            c.fail("longitude" if out.longitude is None else "latitude", _("Give both latitude and longitude, or neither."))
        c.done()
        return out


def _coordinate(c: Checker, name: str, value, limit: int) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        c.fail(name, _("Enter a number of degrees, like 48.8606."))
        return None
    if not -limit <= number <= limit or number != number:
        c.fail(name, _("Enter a number between -%(n)d and %(n)d.", n=limit))
        return None
    return number


@dataclass
class ProjectInput:
    title: str = ""
    summary: str = ""
    description: str = ""
    stage: str = ""
    start_year: int | str | None = None
    end_year: int | str | None = None
    country: str | None = None
    languages: list[str] = field(default_factory=list)
    content_language: str = "en"  # the language its own text is written in
    lead_organisation_id: int | None = None
    partner_names: list[str] = field(default_factory=list)
    techniques: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)
    website: str | None = None
    repository_url: str | None = None
    code_licence: str | None = None
    data_sources: str | None = None
    data_rights: str | None = None
    risk_level: str = ai_card.NOT_ASSESSED  # what nobody assessed is not "minimal", nor "unacceptable"
    risk_justification: str | None = None
    human_oversight: str | None = None
    # Yes (True), no (False) or not stated (None); forms send "yes", "no" or "not-stated".
    dpia_done: bool | str | None = None
    fria_done: bool | str | None = None
    bias_review_done: bool | str | None = None
    assessment_notes: str | None = None
    hosting: str | None = None
    compute: str | None = None
    lessons_worked: str | None = None
    lessons_failed: str | None = None
    funding: str | None = None

    def cleaned(self, complete: bool = True) -> ProjectInput:
        c = Checker(complete)
        out = ProjectInput(
            title=c.line("title", self.title, TITLE_MAX, required=True) or "",
            summary=c.line("summary", self.summary, SUMMARY_MAX, required=True) or "",
            description=c.block("description", self.description, required=True) or "",
            stage=c.concept("stage", vocab.PROJECT_STAGE, self.stage) or "",
            start_year=c.year("start_year", self.start_year),
            end_year=c.year("end_year", self.end_year),
            country=c.country("country", self.country),
            languages=c.languages("languages", self.languages),
            content_language=c.language("content_language", self.content_language),
            lead_organisation_id=self.lead_organisation_id,
            partner_names=_unique(clean_line(n) for n in (self.partner_names or [])),
            techniques=c.concepts("techniques", vocab.TECHNIQUE, self.techniques, required=True),
            areas=c.concepts("areas", vocab.AREA, self.areas),
            contact_ids=_unique(self.contact_ids),
            website=c.url("website", self.website),
            repository_url=c.url("repository_url", self.repository_url),
            code_licence=c.line("code_licence", self.code_licence, 100),
            data_sources=c.block("data_sources", self.data_sources, SHORT_TEXT_MAX),
            data_rights=c.block("data_rights", self.data_rights, SHORT_TEXT_MAX),
            risk_level=c.concept("risk_level", vocab.AI_ACT_RISK, self.risk_level or ai_card.NOT_ASSESSED)
            or ai_card.NOT_ASSESSED,
            risk_justification=c.block("risk_justification", self.risk_justification, SHORT_TEXT_MAX),
            human_oversight=c.block("human_oversight", self.human_oversight, SHORT_TEXT_MAX),
            dpia_done=c.answer("dpia_done", self.dpia_done),
            fria_done=c.answer("fria_done", self.fria_done),
            bias_review_done=c.answer("bias_review_done", self.bias_review_done),
            assessment_notes=c.block("assessment_notes", self.assessment_notes, SHORT_TEXT_MAX),
            hosting=c.block("hosting", self.hosting, SHORT_TEXT_MAX),
            compute=c.block("compute", self.compute, SHORT_TEXT_MAX),
            lessons_worked=c.block("lessons_worked", self.lessons_worked, SHORT_TEXT_MAX),
            lessons_failed=c.block("lessons_failed", self.lessons_failed, SHORT_TEXT_MAX),
            funding=c.block("funding", self.funding, SHORT_TEXT_MAX),
        )
        if out.start_year and out.end_year and out.end_year < out.start_year:
            c.fail("end_year", _("The end year cannot be before the start year."))
        # A project that says it is high-risk or prohibited must say why: moderators and
        # peers judge the claim by it. A draft may wait for it, a submission may not.
        if complete and ai_card.needs_justification(out.risk_level) and not out.risk_justification:
            c.fail("risk_justification", _("Explain why the project has this risk level: a high or unacceptable "
                                           "risk needs a justification."))
        if any(len(n) > 300 for n in out.partner_names):
            c.fail("partner_names", _("An organisation name has at most 300 characters."))
        c.done()
        return out


@dataclass
class ExpertInput:
    display_name: str = ""
    role_title: str | None = None
    organisation_id: int | None = None
    bio: str = ""
    country: str | None = None
    languages: list[str] = field(default_factory=list)
    content_language: str = "en"  # the language its own text is written in
    techniques: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    open_to_contact: bool = True

    def cleaned(self, complete: bool = True) -> ExpertInput:
        c = Checker(complete)
        offers = _unique(clean_line(o) for o in (self.offers or []))
        if any(o not in vocab.EXPERT_OFFERS for o in offers):
            c.fail("offers", _("Choose from the listed offers."))
        out = ExpertInput(
            display_name=c.line("display_name", self.display_name, 120, required=True) or "",
            role_title=c.line("role_title", self.role_title, 200),
            organisation_id=self.organisation_id,
            bio=c.block("bio", self.bio, SHORT_TEXT_MAX, required=True) or "",
            country=c.country("country", self.country),
            languages=c.languages("languages", self.languages),
            content_language=c.language("content_language", self.content_language),
            techniques=c.concepts("techniques", vocab.TECHNIQUE, self.techniques),
            areas=c.concepts("areas", vocab.AREA, self.areas),
            offers=[o for o in offers if o in vocab.EXPERT_OFFERS],
            open_to_contact=bool(self.open_to_contact),
        )
        if complete and not out.techniques and not out.areas and "techniques" not in c.errors:
            c.fail("techniques", _("Choose at least one technique or area of expertise."))
        c.done()
        return out


@dataclass
class ResourceInput:
    title: str = ""
    type: str = ""
    summary: str = ""
    description: str | None = None
    url: str | None = None
    licence: str | None = None
    languages: list[str] = field(default_factory=list)
    content_language: str = "en"  # the language its own text is written in
    techniques: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    organisation_id: int | None = None
    year: int | str | None = None

    def cleaned(self, complete: bool = True) -> ResourceInput:
        c = Checker(complete)
        out = ResourceInput(
            title=c.line("title", self.title, TITLE_MAX, required=True) or "",
            type=c.concept("type", vocab.RESOURCE_TYPE, self.type) or "",
            summary=c.line("summary", self.summary, SUMMARY_MAX, required=True) or "",
            description=c.block("description", self.description) or "",
            url=c.url("url", self.url),
            licence=c.line("licence", self.licence, 100),
            languages=c.languages("languages", self.languages),
            content_language=c.language("content_language", self.content_language),
            techniques=c.concepts("techniques", vocab.TECHNIQUE, self.techniques),
            areas=c.concepts("areas", vocab.AREA, self.areas),
            organisation_id=self.organisation_id,
            year=c.year("year", self.year),
        )
        c.done()
        return out


# --- topics -------------------------------------------------------------------------


def sync_topics() -> int:
    """Make the topics table match taxonomy.json (labels may change; ids stay). Returns rows added."""
    existing = {t.id: t for t in db.session.scalars(db.select(Topic))}
    added = 0
    for facet in vocab.taxonomy().values():
        for concept in facet.concepts:
            topic = existing.get(concept.id)
            if topic is None:
                db.session.add(Topic(id=concept.id, facet=facet.id, position=concept.position,
                                     labels=concept.labels, synonyms=concept.synonyms))
                added += 1
            elif (topic.facet, topic.position, topic.labels, topic.synonyms) != (
                    facet.id, concept.position, concept.labels, concept.synonyms):
                topic.facet, topic.position = facet.id, concept.position
                topic.labels, topic.synonyms = concept.labels, concept.synonyms
    db.session.flush()
    return added


# --- slugs and lookups ----------------------------------------------------------


def slug_base(text: str) -> str:
    # Scripts that slugify cannot spell in Latin letters leave nothing: fall back to "entry".
    return slugify(text or "", max_length=80, word_boundary=True) or "entry"


def unique_slug(model: type[Entry], text: str, taken: set[str] | None = None) -> str:
    """A slug not used by another row of `model` (nor in `taken`, for bulk loads)."""
    base = slug_base(text)
    if taken is None:
        like = db.select(model.slug).where((model.slug == base) | model.slug.like(f"{base}-%"))
        taken = set(db.session.scalars(like))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def get_entry(model: type[Entry], entry_id: int) -> Entry:
    entry = db.session.get(model, entry_id)
    if entry is None:
        raise NotFound(_("No such entry."))
    return entry


def _topics(ids: list[str]) -> list[Topic]:
    if not ids:
        return []
    found = {t.id: t for t in db.session.scalars(db.select(Topic).where(Topic.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:  # the vocabulary file knows them but the table was not synced
        raise Conflict(_("Topics not loaded: %(topics)s; run 'flask hub sync-vocabulary'.", topics=", ".join(missing)))
    return [found[i] for i in ids]


def _organisation_for(user, organisation_id: int | None, field_name: str) -> Organisation | None:
    if organisation_id is None:
        return None
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not can_use_organisation(user, organisation):
        raise InvalidInput({field_name: _("Choose one of your organisations.")})
    return organisation


class _Problems:
    """Collects the InvalidInput of several checks, so that a form shows every problem at once
    instead of one per round."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def run(self, check, default=None):
        try:
            return check()
        except InvalidInput as error:
            for name, message in error.errors.items():
                self.errors.setdefault(name, message)
            return default

    def done(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


def check_complete(kind: str, data) -> None:
    """Raise InvalidInput naming every problem, required fields left empty included: the check
    before an entry (or a change to it) goes to review. A draft may be incomplete; a submission not."""
    problems = _Problems()
    problems.run(lambda: data.cleaned(complete=True))
    if kind == "project" and data.lead_organisation_id is None:
        problems.errors.setdefault("lead_organisation_id", _("Choose the organisation that leads the project."))
    problems.done()


def _copy_fields(entry: Entry, data, names) -> None:
    for name in names:
        setattr(entry, name, getattr(data, name))


def _start(user, entry: Entry | None, model: type[Entry]) -> Entry:
    require(can_contribute(user), _("Confirm your email address before you add entries."))
    if entry is None:
        # Not added to the session yet: the lookups that follow (slugs, partners,
        # topics) autoflush, and would insert the entry before its slug is set.
        # _finish adds it once it is complete.
        entry = model(owner_id=user.id, status=EntryStatus.DRAFT)
    else:
        require(can_edit(user, entry), _("You may not edit this entry."))
    return entry


def _finish(user, entry: Entry, submit: bool) -> Entry:
    db.session.add(entry)  # a no-op for an entry already in the session
    if entry.id is None:
        db.session.flush()  # the audit log names the entry by its id
        audit.record(user, "create", entry, to_state=entry.status)
    if submit and entry.status is not EntryStatus.PENDING:
        workflow.transition(user, entry, "resubmit" if entry.status is EntryStatus.ARCHIVED else "submit")
    db.session.flush()
    return entry


# --- organisations --------------------------------------------------------------

ORGANISATION_FIELDS = [f.name for f in fields(OrganisationInput)]


def save_organisation(user, data: OrganisationInput, organisation: Organisation | None = None,
                      submit: bool = False) -> Organisation:
    """Create or edit an organisation; its creator becomes its first member."""
    is_new = organisation is None
    organisation = _start(user, organisation, Organisation)
    data = data.cleaned(complete=submit)
    _copy_fields(organisation, data, ORGANISATION_FIELDS)
    if is_new:
        organisation.slug = unique_slug(Organisation, data.name)
        organisation.memberships.append(Membership(user_id=user.id))
        forget_memberships(user)
    return _finish(user, organisation, submit)


# --- projects -------------------------------------------------------------------

PROJECT_FIELDS = [
    "title", "summary", "description", "stage", "start_year", "end_year", "country", "languages", "website",
    "repository_url", "code_licence", "data_sources", "data_rights", "risk_level", "risk_justification",
    "human_oversight", "dpia_done", "fria_done", "bias_review_done", "assessment_notes", "hosting", "compute",
    "lessons_worked", "lessons_failed", "funding", "content_language",
]


def save_project(user, data: ProjectInput, project: Project | None = None, submit: bool = False) -> Project:
    """Create or edit a project led by one of the user's organisations. A draft may lack
    its lead and required fields; every problem found is reported at once."""
    is_new = project is None
    project = _start(user, project, Project)
    problems = _Problems()
    cleaned = problems.run(lambda: data.cleaned(complete=submit))
    lead = problems.run(lambda: _lead_for(user, project, data.lead_organisation_id, required=submit))
    partners = problems.run(lambda: _partners(data.partner_names), [])
    contacts = problems.run(lambda: _contacts(data.contact_ids), [])
    problems.done()
    data = cleaned
    partners = [p for p in partners if lead is None or p.id != lead.id]

    _copy_fields(project, data, PROJECT_FIELDS)
    project.country = data.country or (lead.country if lead else None)
    if is_new:
        project.slug = unique_slug(Project, data.title)
    project.organisation_links = (
        [ProjectOrganisation(organisation=lead, organisation_id=lead.id, role="lead")] if lead else []) + [
        ProjectOrganisation(organisation=p, organisation_id=p.id, role="partner", position=i)
        for i, p in enumerate(partners, start=1)
    ]
    project.topics = _topics(data.techniques + data.areas)
    project.contacts = contacts
    return _finish(user, project, submit)


def _lead_for(user, project: Project, organisation_id: int | None, required: bool) -> Organisation | None:
    if organisation_id is None:
        if required:
            raise InvalidInput({"lead_organisation_id": _("Choose the organisation that leads the project.")})
        return None
    current = project.lead_organisation
    if current is not None and current.id == organisation_id:
        return current  # an editor who is not its member (an administrator) may keep it
    return _organisation_for(user, organisation_id, "lead_organisation_id")


def _partners(names: list[str]) -> list[Organisation]:
    partners, unknown = find_organisations_by_names(names or [])
    if unknown:
        raise InvalidInput({"partner_names": _(
            "No organisation in the directory is named %(names)s. Check the spelling, or add the organisation "
            "first.", names=", ".join(f"“{n[:300]}”" for n in unknown[:5]))})
    return partners


def _contacts(ids: list[int]) -> list[Expert]:
    contacts = [db.session.get(Expert, i) for i in _unique(ids or [])]
    if any(c is None for c in contacts):
        raise InvalidInput({"contact_ids": _("One of the contact persons no longer exists.")})
    return contacts


def find_organisations_by_names(names: list[str]) -> tuple[list[Organisation], list[str]]:
    """Published organisations with exactly these names (any case); and the names not found."""
    found, missing = [], []
    for name in _unique(clean_line(n) for n in names):
        match = db.session.scalars(
            db.select(Organisation)
            .where(db.func.lower(Organisation.name) == name.lower(), Organisation.status == EntryStatus.PUBLISHED)
            .order_by(Organisation.id)
            .limit(1)
        ).first()
        (found.append(match) if match else missing.append(name))
    return found, missing


# --- experts --------------------------------------------------------------------

EXPERT_FIELDS = ["display_name", "role_title", "bio", "country", "languages", "offers", "open_to_contact",
                 "content_language"]


def own_expert_profile(user) -> Expert | None:
    return db.session.scalar(db.select(Expert).where(Expert.user_id == user.id))


def save_expert(user, data: ExpertInput, expert: Expert | None = None, submit: bool = False) -> Expert:
    """A user's own expert profile: at most one each."""
    is_new = expert is None
    if is_new and own_expert_profile(user) is not None:
        raise Conflict(_("You already have an expert profile; edit it instead."))
    expert = _start(user, expert, Expert)
    problems = _Problems()
    cleaned = problems.run(lambda: data.cleaned(complete=submit))
    organisation = None
    if data.organisation_id is not None and data.organisation_id != expert.organisation_id:
        organisation = problems.run(lambda: _organisation_for(user, data.organisation_id, "organisation_id"))
    problems.done()
    data = cleaned
    _copy_fields(expert, data, EXPERT_FIELDS)
    expert.organisation_id = organisation.id if organisation else data.organisation_id
    if is_new:
        expert.user_id = user.id
        expert.slug = unique_slug(Expert, data.display_name)
    expert.topics = _topics(data.techniques + data.areas)
    return _finish(user, expert, submit)


def contact_candidates(user, project: Project | None = None) -> list[Expert]:
    """Profiles that may be named as a project's contact: the user's, their colleagues', current ones."""
    org_ids = organisation_ids_of(user)
    query = db.select(Expert).where(
        (Expert.user_id == user.id)
        | (Expert.organisation_id.in_(org_ids) & (Expert.status == EntryStatus.PUBLISHED))
    )
    candidates = list(db.session.scalars(query.order_by(Expert.display_name)))
    for current in project.contacts if project else []:
        if current not in candidates:
            candidates.append(current)
    return candidates


# --- resources ------------------------------------------------------------------

RESOURCE_FIELDS = ["title", "type", "summary", "description", "url", "licence", "languages", "year",
                   "content_language"]


def save_resource(user, data: ResourceInput, resource: Resource | None = None, submit: bool = False) -> Resource:
    is_new = resource is None
    resource = _start(user, resource, Resource)
    problems = _Problems()
    cleaned = problems.run(lambda: data.cleaned(complete=submit))
    if data.organisation_id is not None and data.organisation_id != resource.organisation_id:
        problems.run(lambda: _organisation_for(user, data.organisation_id, "organisation_id"))
    problems.done()
    data = cleaned
    _copy_fields(resource, data, RESOURCE_FIELDS)
    resource.organisation_id = data.organisation_id
    if is_new:
        resource.slug = unique_slug(Resource, data.title)
    resource.topics = _topics(data.techniques + data.areas)
    return _finish(user, resource, submit)


# --- editing forms start from the entry as it is ------------------------------------


def _topic_ids(entry, facet: str) -> list[str]:
    return [t.id for t in entry.topics if t.facet == facet]


def input_for(entry: Entry):
    """The entry's current values as the Input its form edits."""
    if isinstance(entry, Organisation):
        return OrganisationInput(**{name: getattr(entry, name) for name in ORGANISATION_FIELDS})
    if isinstance(entry, Project):
        lead = entry.lead_organisation
        return ProjectInput(
            **{name: getattr(entry, name) for name in PROJECT_FIELDS},
            lead_organisation_id=lead.id if lead else None,
            partner_names=[p.name for p in entry.partners],
            techniques=_topic_ids(entry, vocab.TECHNIQUE), areas=_topic_ids(entry, vocab.AREA),
            contact_ids=[c.id for c in entry.contacts],
        )
    if isinstance(entry, Expert):
        return ExpertInput(
            **{name: getattr(entry, name) for name in EXPERT_FIELDS}, organisation_id=entry.organisation_id,
            techniques=_topic_ids(entry, vocab.TECHNIQUE), areas=_topic_ids(entry, vocab.AREA),
        )
    return ResourceInput(
        **{name: getattr(entry, name) for name in RESOURCE_FIELDS}, organisation_id=entry.organisation_id,
        techniques=_topic_ids(entry, vocab.TECHNIQUE), areas=_topic_ids(entry, vocab.AREA),
    )


SAVERS = {
    "organisation": (OrganisationInput, save_organisation),
    "project": (ProjectInput, save_project),
    "expert": (ExpertInput, save_expert),
    "resource": (ResourceInput, save_resource),
}
