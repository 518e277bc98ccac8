"""The AI card's rules in the services: the risk starts "not yet assessed", a high or
unacceptable risk needs a justification, assessments are yes / no / not stated,
the card's groups split into stated and missing, and approving a project its team
calls prohibited needs the moderator's confirmation."""
from __future__ import annotations

import pytest

from hub.accounts.models import Role
from hub.db import db
from hub.directory import ai_card, importer, services
from hub.directory.models import EntryStatus, Project
from hub.errors import InvalidInput
from hub.moderation import services as moderation
from tests.factories import make_organisation, make_project, make_user


@pytest.fixture
def member():
    return make_user()


@pytest.fixture
def lead(member):
    return make_organisation(members=(member,), name="Card Museum")


def project_input(lead, **fields) -> services.ProjectInput:
    return services.ProjectInput(**{"title": "Reading ledgers", "summary": "Reads ledgers.",
                                    "description": "Text recognition on ledgers.", "stage": "pilot",
                                    "techniques": ["text-recognition"], "lead_organisation_id": lead.id} | fields)


# --- risk ------------------------------------------------------------------------------


def test_a_project_saved_with_the_defaults_is_not_yet_assessed(member, lead):
    assert services.ProjectInput().risk_level == ai_card.NOT_ASSESSED
    project = services.save_project(member, project_input(lead), submit=True)
    assert project.risk_level == "not-assessed" and project.status is EntryStatus.PENDING
    assert (project.dpia_done, project.fria_done, project.bias_review_done) == (None, None, None)
    # An empty value (a form sending nothing) is the default too, not the first option of a list.
    assert project_input(lead, risk_level="").cleaned().risk_level == "not-assessed"


def test_an_imported_project_without_a_risk_level_is_not_yet_assessed(app):
    line = {"type": "project", "title": "Imported without a risk", "summary": "S.", "description": "D.",
            "stage": "pilot", "techniques": ["nlp"], "organisations": ["Importer Museum"]}
    importer.import_lines(importer.json.dumps(record) for record in [line])
    project = db.session.scalar(db.select(Project).where(Project.title == "Imported without a risk"))
    assert project.risk_level == "not-assessed"
    assert (project.dpia_done, project.fria_done, project.bias_review_done) == (None, None, None)


@pytest.mark.parametrize("level", ["high", "unacceptable"])
def test_high_and_unacceptable_risk_need_a_justification(member, lead, level):
    with pytest.raises(InvalidInput) as refused:
        services.save_project(member, project_input(lead, risk_level=level, risk_justification="  "), submit=True)
    assert "justification" in refused.value.errors["risk_justification"]
    db.session.rollback()
    project = services.save_project(member, project_input(
        lead, risk_level=level, risk_justification="It sorts job applicants (Annex III, 4)."), submit=True)
    assert project.risk_level == level and project.risk_justification.startswith("It sorts")


@pytest.mark.parametrize("level", ["not-assessed", "minimal", "limited"])
def test_lower_risks_need_no_justification(member, lead, level):
    assert services.save_project(member, project_input(lead, risk_level=level), submit=True).risk_level == level


def test_a_draft_may_wait_for_the_justification_but_not_its_submission(member, lead):
    draft = services.save_project(member, project_input(lead, risk_level="high"), submit=False)
    assert draft.status is EntryStatus.DRAFT
    with pytest.raises(InvalidInput) as refused:
        moderation.change_status(member, draft, "submit")
    assert "risk_justification" in refused.value.errors


def test_the_justification_rule_is_one_error_among_all_the_others(member, lead):
    with pytest.raises(InvalidInput) as refused:
        services.save_project(member, project_input(lead, title="", risk_level="unacceptable", dpia_done="maybe",
                                                    partner_names=["No Such Partner"]), submit=True)
    assert {"title", "risk_justification", "dpia_done", "partner_names"} <= set(refused.value.errors)


# --- yes / no / not stated ----------------------------------------------------------------


@pytest.mark.parametrize("given, stored", [
    (None, None), ("", None), ("not-stated", None), (True, True), ("yes", True), (False, False), ("no", False),
])
def test_assessments_have_three_states(member, lead, given, stored):
    project = services.save_project(member, project_input(lead, dpia_done=given, bias_review_done=given))
    assert project.dpia_done is stored and project.bias_review_done is stored and project.fria_done is None


@pytest.mark.parametrize("nonsense", ["maybe", "1", "<script>alert(1)</script>", "ja", 2])
def test_an_assessment_answer_that_is_none_of_the_three_is_refused(member, lead, nonsense):
    with pytest.raises(InvalidInput) as refused:
        services.save_project(member, project_input(lead, fria_done=nonsense))
    assert refused.value.errors == {"fria_done": "Choose yes, no or not stated."}


def test_imports_take_true_false_and_null_and_absent_is_not_stated(app):
    lines = [{"type": "project", "title": f"Imported {name}", "summary": "S.", "description": "D.", "stage": "pilot",
              "techniques": ["nlp"], "organisations": ["Importer Museum"]} | fields
             for name, fields in {"true": {"dpia_done": True}, "false": {"dpia_done": False},
                                  "null": {"dpia_done": None}, "absent": {}}.items()]
    importer.import_lines(importer.json.dumps(line) for line in lines)
    stored = {p.title: p.dpia_done for p in db.session.scalars(db.select(Project).where(
        Project.title.like("Imported %")))}
    assert stored == {"Imported true": True, "Imported false": False, "Imported null": None,
                      "Imported absent": None}
    with pytest.raises(importer.ImportRejected) as rejected:
        importer.import_lines([importer.json.dumps(lines[0] | {"dpia_done": "maybe"})])
    assert "dpia_done: use true, false or null" in rejected.value.errors[0].message


def test_the_comparison_of_versions_tells_no_from_not_stated():
    changes = moderation.diff("project", {"dpia_done": False, "fria_done": None, "bias_review_done": True},
                              {"dpia_done": None, "fria_done": None, "bias_review_done": False})
    assert [(c.name, c.old, c.new) for c in changes] == [("dpia_done", "No", "Not stated"),
                                                        ("bias_review_done", "Yes", "No")]
    assert moderation.display_value("fria_done", None) == "Not stated"


# --- the card: stated and missing ----------------------------------------------------------


def test_the_card_lists_what_is_stated_and_what_is_missing(lead):
    project = make_project(lead)
    card = ai_card.card_of(project)
    assert card.stated == () and [f.key for f in card.missing] == [
        "risk", "human_oversight", "assessments", "data", "footprint", "open_source", "lessons"]
    project.risk_level, project.human_oversight, project.dpia_done = "minimal", "A curator checks.", False
    project.lessons_failed, project.funding = "The model misread faded ink.", "A grant."
    card = ai_card.card_of(project)
    assert [f.key for f in card.stated] == ["risk", "human_oversight", "assessments", "lessons", "funding"]
    assert [f.key for f in card.missing] == ["data", "footprint", "open_source"]  # funding is never "missing"
    assert [s.key for s in ai_card.sharing_of(project)] == ["lessons", "failures", "oversight"]


def test_the_sharing_filters_select_the_same_projects_in_sql(lead):
    shared = make_project(lead, title="Shares a failure")
    shared.lessons_failed = "Faded ink."
    silent = make_project(lead, title="Says nothing")
    silent.lessons_worked = ""
    db.session.flush()
    for sharing in ai_card.SHARING:
        found = set(db.session.scalars(db.select(Project.title).where(
            sharing.condition(), Project.id.in_([shared.id, silent.id]))))
        assert found == {p.title for p in (shared, silent) if sharing.applies_to(p)}, sharing.key


# --- approving a prohibited practice ---------------------------------------------------------


def test_approving_an_unacceptable_risk_needs_the_moderators_confirmation(member, lead):
    moderator = make_user(role=Role.MODERATOR)
    project = services.save_project(member, project_input(
        lead, risk_level="unacceptable", risk_justification="Emotion recognition of visitors."), submit=True)
    with pytest.raises(InvalidInput) as refused:
        moderation.decide(moderator, project, "approve", None, project.version_id)
    assert "confirm_prohibited" in refused.value.errors and project.status is EntryStatus.PENDING
    # Other decisions need no confirmation, and a confirmed approval publishes it.
    moderation.decide(moderator, project, "approve", None, project.version_id, confirm_prohibited=True)
    assert project.status is EntryStatus.PUBLISHED


def test_approving_changes_to_an_unacceptable_risk_needs_the_confirmation_too(member, lead):
    moderator = make_user(role=Role.MODERATOR)
    project = make_project(lead, owner=member, status=EntryStatus.PUBLISHED)
    data = services.input_for(project)
    data.risk_level, data.risk_justification = "unacceptable", "Social scoring of visitors."
    revision = moderation.propose_revision(member, project, data, submit=True)
    with pytest.raises(InvalidInput) as refused:
        moderation.decide_revision(moderator, revision, "approve", None, revision.version_id)
    assert "confirm_prohibited" in refused.value.errors
    moderation.decide_revision(moderator, revision, "approve", None, revision.version_id, confirm_prohibited=True)
    assert project.risk_level == "unacceptable"


def test_a_high_risk_is_approved_without_confirmation(member, lead):
    moderator = make_user(role=Role.MODERATOR)
    project = services.save_project(member, project_input(
        lead, risk_level="high", risk_justification="Annex III."), submit=True)
    moderation.decide(moderator, project, "approve", None, project.version_id)
    assert project.status is EntryStatus.PUBLISHED


# --- drafts may be incomplete -------------------------------------------------------------------


def test_a_draft_keeps_whatever_was_typed_and_submitting_it_needs_the_required_fields(member):
    draft = services.save_project(member, services.ProjectInput(summary="Only a summary so far."), submit=False)
    assert draft.status is EntryStatus.DRAFT and draft.title == "" and draft.lead_organisation is None
    with pytest.raises(InvalidInput) as refused:
        moderation.change_status(member, draft, "submit")
    assert {"title", "description", "stage", "techniques", "lead_organisation_id"} <= set(refused.value.errors)
    assert draft.status is EntryStatus.DRAFT
    # Too long is refused in a draft as well.
    with pytest.raises(InvalidInput) as refused:
        services.save_project(member, services.ProjectInput(title="x" * 201), submit=False)
    assert set(refused.value.errors) == {"title"}
