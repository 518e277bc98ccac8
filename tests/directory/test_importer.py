"""Bulk import from JSON Lines: through the service (importer.import_lines) and
through `flask hub import FILE`; the documented example file; the demo loader."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from hub.db import db, transaction
from hub.directory import demo, importer, vocabulary as vocab
from hub.directory.models import EntryStatus, Expert, Organisation, Project, Resource
from tests.factories import make_organisation

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SUMMARY = re.compile(r"created (\d+), updated (\d+), skipped (\d+), errors (\d+)")


# --- helpers --------------------------------------------------------------------------


def organisation_line(**fields) -> dict:
    return {"type": "organisation", "name": "Museum Voorbeeld", "organisation_type": "museum", "country": "NL",
            "city": "Utrecht", "url": "https://voorbeeld.example.org/", "external_id": "test:voorbeeld",
            "source": "test file"} | fields


def project_line(**fields) -> dict:
    return {"type": "project", "title": "Finding ships in paintings",
            "summary": "Object detection finds ships in 20,000 marine paintings.",
            "description": "The model was *trained* on 2,000 annotated paintings.",
            "organisations": ["Museum Voorbeeld", "Unknown Lab of Delft"], "country": "NL",
            "techniques": ["computer-vision"], "areas": ["metadata-enrichment", "discovery-access"],
            "stage": "pilot", "start_year": 2023, "url": "https://voorbeeld.example.org/ships",
            "languages": ["nl", "en"], "dpia_done": True} | fields


def expert_line(**fields) -> dict:
    return {"type": "expert", "display_name": "Jan Voorbeeld", "role_title": "Data curator",
            "bio": "Works on **linked data**.", "organisation": "Museum Voorbeeld", "country": "NL",
            "techniques": ["knowledge-graphs"], "areas": ["metadata-enrichment"], "offers": ["advice"],
            "is_example": True} | fields


def resource_line(**fields) -> dict:
    return {"type": "resource", "resource_type": "guide", "title": "Annotating paintings, a guide",
            "summary": "How we annotated ships.", "url": "https://voorbeeld.example.org/guide",
            "techniques": ["annotation-training-data"], "areas": ["skills-training"],
            "organisation": "Another Unknown Archive", "year": 2024} | fields


def good_lines() -> list[dict]:
    return [organisation_line(), project_line(), expert_line(), resource_line()]


def jsonl(records) -> list[str]:
    """Records as lines; a str is taken as a line already written."""
    return [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]


def write(tmp_path: Path, records, name: str = "entries.jsonl") -> str:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in jsonl(records)), encoding="utf-8")
    return str(path)


def run_import(app, path: str, *options: str):
    return app.test_cli_runner().invoke(args=["hub", "import", *options, path])


def import_records(records, **options) -> importer.ImportSummary:
    with transaction():
        return importer.import_lines(jsonl(records), **options)


def count(model, *where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def counts() -> dict[str, int]:
    return {m.__name__: count(m) for m in (Organisation, Project, Expert, Resource)}


def one(model, **by):
    return db.session.scalars(db.select(model).filter_by(**by)).one()


def summary_of(output: str) -> tuple[int, int, int, int]:
    match = SUMMARY.search(output)
    assert match, f"no summary line in:\n{output}"
    return tuple(int(n) for n in match.groups())


# --- a good file ----------------------------------------------------------------------


def test_a_good_file_creates_published_entries_with_topics_and_organisations(app):
    summary = import_records(good_lines())

    # four lines, plus the two organisations that lines name but nobody described
    assert (summary.created, summary.updated, summary.skipped, summary.errors) == (6, 0, 0, [])
    museum = one(Organisation, name="Museum Voorbeeld")
    assert (museum.type, museum.website, museum.external_id, museum.source) == (
        "museum", "https://voorbeeld.example.org/", "test:voorbeeld", "test file")

    project = one(Project, title="Finding ships in paintings")
    assert project.status is EntryStatus.PUBLISHED and project.published_at and project.slug
    assert {t.id for t in project.topics} == {"computer-vision", "metadata-enrichment", "discovery-access"}
    assert project.lead_organisation == museum
    assert [p.name for p in project.partners] == ["Unknown Lab of Delft"]
    lab = project.partners[0]
    assert lab.status is EntryStatus.PUBLISHED and lab.type == "other" and lab.country == "NL"
    assert (project.website, project.start_year, project.languages, project.dpia_done) == (
        "https://voorbeeld.example.org/ships", 2023, ["nl", "en"], True)

    expert = one(Expert, display_name="Jan Voorbeeld")
    assert expert.status is EntryStatus.PUBLISHED and expert.is_example and expert.organisation == museum
    assert {t.id for t in expert.topics} == {"knowledge-graphs", "metadata-enrichment"}
    assert expert.user_id is None and expert.open_to_contact  # default kept

    resource = one(Resource, title="Annotating paintings, a guide")
    assert resource.status is EntryStatus.PUBLISHED and resource.type == "guide" and resource.year == 2024
    assert resource.organisation.name == "Another Unknown Archive"
    assert {t.id for t in resource.topics} == {"annotation-training-data", "skills-training"}


def test_the_language_of_a_line_s_text_is_kept_and_english_without_it(app):
    import_records([organisation_line(content_language="NL"), project_line(content_language="fro"), expert_line()])
    assert one(Organisation, name="Museum Voorbeeld").content_language == "nl"
    assert one(Project, title="Finding ships in paintings").content_language == "fro"
    assert one(Expert, display_name="Jan Voorbeeld").content_language == "en"


def test_named_organisations_are_found_by_name_in_any_case(app):
    existing = make_organisation(name="Rijksmuseum Twenthe")
    import_records([project_line(organisations=["RIJKSMUSEUM twenthe", "Museum Voorbeeld"])])
    project = one(Project, title="Finding ships in paintings")
    assert project.lead_organisation == existing
    assert count(Organisation, Organisation.name == "Museum Voorbeeld") == 1  # created once


def test_pending_makes_every_entry_pending(app):
    import_records(good_lines(), publish=False)
    for model in (Organisation, Project, Expert, Resource):
        assert count(model) and count(model, model.status != EntryStatus.PENDING) == 0
        assert count(model, model.published_at.is_not(None)) == 0


def test_cli_imports_and_prints_the_summary(app, tmp_path):
    result = run_import(app, write(tmp_path, good_lines()))
    assert result.exit_code == 0, result.output
    assert "created 6, updated 0, skipped 0, errors 0" in result.output
    assert counts() == {"Organisation": 3, "Project": 1, "Expert": 1, "Resource": 1}


def test_cli_pending(app, tmp_path):
    result = run_import(app, write(tmp_path, good_lines()), "--pending")
    assert result.exit_code == 0, result.output
    assert one(Project, title="Finding ships in paintings").status is EntryStatus.PENDING
    assert "Finding ships in paintings" in app.test_cli_runner().invoke(args=["hub", "pending"]).output


# --- importing again --------------------------------------------------------------------


def test_importing_the_same_file_again_updates(app, tmp_path):
    path = write(tmp_path, good_lines())
    assert summary_of(run_import(app, path).output) == (6, 0, 0, 0)
    before = counts()
    project_id = one(Project, title="Finding ships in paintings").id

    changed = [organisation_line(), project_line(summary="Now with a better summary."), expert_line(),
               resource_line()]
    result = run_import(app, write(tmp_path, changed))
    assert result.exit_code == 0, result.output
    # the four described entries are updated; the two only-named organisations are neither
    assert summary_of(result.output) == (0, 4, 0, 0)
    assert counts() == before
    project = one(Project, title="Finding ships in paintings")
    assert project.id == project_id and project.summary == "Now with a better summary."
    assert len(project.organisation_links) == 2 and len(project.topics) == 3  # links replaced, not doubled


def test_a_title_change_with_the_same_url_updates_the_same_entry(app):
    import_records([project_line()])
    original = one(Project, title="Finding ships in paintings")
    entry_id, slug = original.id, original.slug

    summary = import_records([project_line(title="Finding ships and boats in paintings")])

    assert (summary.created, summary.updated) == (0, 1)
    renamed = db.session.get(Project, entry_id)
    assert renamed.title == "Finding ships and boats in paintings" and renamed.slug == slug
    assert count(Project) == 1


def test_two_lines_with_the_same_url_but_different_titles_are_two_entries(app):
    lines = [project_line(title="Ship detector, small model"), project_line(title="Ship detector, large model")]
    assert import_records(lines).created == 4  # two projects, two organisations
    assert count(Project) == 2
    again = import_records(lines)
    assert (again.created, again.updated, count(Project)) == (0, 2, 2)


def test_a_second_entry_on_a_known_url_does_not_take_over_the_first(app):
    # Regression: the "only one entry has this URL" rule used to give line 2 the entry of
    # line 1, so one of the two lines was silently lost.
    import_records([project_line(title="Ship detector, small model")])
    summary = import_records([project_line(title="Ship detector, small model"),
                              project_line(title="Ship detector, large model")])
    assert (summary.created, summary.updated) == (1, 1)
    assert sorted(db.session.scalars(db.select(Project.title))) == [
        "Ship detector, large model", "Ship detector, small model"]


def test_matching_by_title_when_there_is_no_url(app):
    import_records([expert_line()])
    summary = import_records([expert_line(display_name="  JAN voorbeeld ", bio="New bio.")])
    assert (summary.created, summary.updated, count(Expert)) == (0, 1, 1)
    assert one(Expert, display_name="JAN voorbeeld").bio == "New bio."


def test_the_same_entry_twice_in_one_file_the_later_line_wins(app):
    summary = import_records([project_line(summary="First."), project_line(summary="Second.")])
    assert count(Project) == 1 and one(Project, title="Finding ships in paintings").summary == "Second."
    assert summary.created == 3  # one project, two organisations


def test_organisations_match_by_external_id_only(app):
    import_records([organisation_line()])
    renamed = import_records([organisation_line(name="Museum Voorbeeld Utrecht", url=None)])
    assert (renamed.created, renamed.updated) == (0, 1)
    assert one(Organisation, external_id="test:voorbeeld").name == "Museum Voorbeeld Utrecht"
    # a different external id is a different organisation, even with the same name and address
    other = import_records([organisation_line(name="Museum Voorbeeld Utrecht", external_id="test:other")])
    assert other.created == 1 and count(Organisation) == 2


def test_an_organisation_renamed_by_the_file_is_known_by_its_new_name(app):
    # Regression: a project naming the new name used to create a duplicate organisation.
    import_records([organisation_line()])
    import_records([organisation_line(name="Museum Voorbeeld Utrecht"),
                    project_line(organisations=["Museum Voorbeeld Utrecht"])])
    assert count(Organisation) == 1
    assert one(Project, title="Finding ships in paintings").lead_organisation.external_id == "test:voorbeeld"


def test_a_line_without_external_id_keeps_the_organisations_external_id(app):
    # Regression: updating by name used to erase external_id and source, so the next load of
    # the original source created a duplicate.
    import_records([organisation_line()])
    import_records([organisation_line(external_id=None, source=None, city="Amersfoort")])
    museum = one(Organisation, name="Museum Voorbeeld")
    assert (museum.city, museum.external_id, museum.source) == ("Amersfoort", "test:voorbeeld", "test file")
    assert import_records([organisation_line()]).created == 0


# --- bad lines --------------------------------------------------------------------------

NESTED = '{"type": "project", "title": ' + "[" * 100_000 + "]" * 100_000 + "}"

BAD_LINES = {
    "invalid JSON": ('{"type": "project", "title": "Half a line",', "not valid JSON"),
    "unknown type": ({"type": "exhibition", "title": "Ships"}, "'type' must be one of"),
    "no type": ({"title": "Ships"}, "'type' must be one of"),
    "unknown field": (project_line(colour="blue"), "unknown field(s) for project: colour"),
    "unknown technique id": (project_line(techniques=["telepathy"]), "techniques: Unknown values: telepathy"),
    "missing title": (project_line(title=None), "title: This field is required."),
    "empty title": (project_line(title="   "), "title: This field is required."),
    "bad year": (project_line(start_year="last year"), "start_year: Enter a year as four digits"),
    "year out of range": (project_line(start_year=1850), "start_year: Enter a year between 1900"),
    "end before start": (project_line(start_year=2024, end_year=2020), "end_year: The end year cannot be before"),
    "unknown stage": (project_line(stage="dreaming"), "stage: Choose one of the options"),
    "bad url": (project_line(url="voorbeeld.example.org/ships"), "website: Enter a full web address"),
    "non-object line": ("[1, 2, 3]", "a line must be a JSON object"),
    "bare string line": ('"a project"', "a line must be a JSON object"),
    "deeply nested JSON": (NESTED, "not valid JSON (nested too deeply)"),
    "huge line": (project_line(description="x" * 2_000_000), "description: Use at most 20000 characters"),
    "huge number": ('{"type": "project", "start_year": ' + "9" * 5_000 + "}", "not valid JSON (Exceeds the limit"),
    "lone surrogate": ('{"type": "project", "title": "Ship \\ud800"}', "half of a surrogate pair"),
    "yes/no as text": (project_line(dpia_done="false"), "dpia_done: use true, false or null"),
    "unknown resource type": (resource_line(resource_type="podcast"), "type: Choose one of the options"),
    "expert without topics": (expert_line(techniques=[], areas=[]), "techniques: Choose at least one"),
    "half a coordinate": (organisation_line(latitude=52.1), "longitude: Give both latitude and longitude"),
    "unknown text language": (project_line(content_language="klingon"), "content_language: Choose a language"),
}


@pytest.mark.parametrize("bad, reason", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_a_file_with_one_bad_line_imports_nothing(app, bad, reason):
    before = counts()
    records = good_lines()
    records.insert(2, bad)  # line 3
    with pytest.raises(importer.ImportRejected) as rejected:
        import_records(records)
    assert [str(e) for e in rejected.value.errors] == [f"line 3: {e.message}" for e in rejected.value.errors]
    assert len(rejected.value.errors) == 1 and rejected.value.errors[0].line == 3
    assert reason in rejected.value.errors[0].message
    assert counts() == before


@pytest.mark.parametrize("bad, reason", [BAD_LINES[k] for k in ("invalid JSON", "unknown field", "huge line",
                                                                "deeply nested JSON", "non-object line")],
                         ids=["invalid JSON", "unknown field", "huge line", "deeply nested JSON", "non-object"])
def test_cli_with_one_bad_line_exits_non_zero_and_imports_nothing(app, tmp_path, bad, reason):
    before = counts()
    result = run_import(app, write(tmp_path, [*good_lines(), bad]))
    assert result.exit_code == 1, result.output
    assert "line 5: " in result.output and reason in result.output
    assert "nothing was imported" in result.output and "Traceback" not in result.output
    assert counts() == before


def test_cli_lists_every_bad_line_with_its_number(app, tmp_path):
    before = counts()
    records = [project_line(title=None), organisation_line(), "{oops", project_line(title="B", start_year="soon"),
               {"type": "podcast"}, expert_line(hobby="sailing")]
    result = run_import(app, write(tmp_path, records))
    assert result.exit_code == 1
    for number, reason in [(1, "title: This field is required."), (3, "not valid JSON"), (4, "start_year:"),
                           (5, "'type' must be one of"), (6, "unknown field(s) for expert: hobby")]:
        assert re.search(rf"^  line {number}: .*{re.escape(reason)}", result.output, re.M), result.output
    assert "line 2:" not in result.output
    assert "5 line(s) with errors: nothing was imported" in result.output
    assert counts() == before


def test_skip_invalid_imports_the_good_lines_and_reports_the_bad_ones(app, tmp_path):
    records = [*good_lines(), project_line(title="Bad year", url=None, start_year="MMXX"), "not json",
               project_line(title="A second project", url="https://voorbeeld.example.org/two")]
    result = run_import(app, write(tmp_path, records), "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert summary_of(result.output) == (7, 0, 2, 2)
    assert "line 5: start_year: Enter a year" in result.output and "line 6: not valid JSON" in result.output
    assert count(Project) == 2 and count(Project, Project.title == "Bad year") == 0


def test_skip_invalid_through_the_service(app):
    summary = import_records([project_line(), "{", ""], skip_invalid=True)
    assert (summary.created, summary.skipped, [str(e) for e in summary.errors]) == (
        3, 2, ["line 2: not valid JSON (Expecting property name enclosed in double quotes at column 2)"])


def test_blank_lines_are_skipped_and_still_counted(app, tmp_path):
    records = ["", organisation_line(), "   ", "\t", project_line(), ""]
    summary = import_records(records)
    assert (summary.created, summary.skipped) == (3, 4)
    # line numbers count the blank lines, as an editor does
    with pytest.raises(importer.ImportRejected) as rejected:
        import_records(["", "", "{"])
    assert rejected.value.errors[0].line == 3
    result = run_import(app, write(tmp_path, ["", project_line(), "", ""]))
    assert summary_of(result.output) == (0, 1, 3, 0)


def test_an_empty_file(app, tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    result = run_import(app, str(path))
    assert result.exit_code == 0 and "created 0, updated 0, skipped 0, errors 0" in result.output


def test_a_file_that_is_not_utf8_gives_a_clear_error(app, tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(project_line(title="Musée"), ensure_ascii=False).encode("latin-1") + b"\n")
    result = run_import(app, str(path))
    assert result.exit_code == 1
    assert "The file is not UTF-8 text" in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit) and count(Project) == 0


def test_windows_line_ends_and_a_byte_order_mark_are_accepted(app, tmp_path):
    path = tmp_path / "windows.jsonl"
    path.write_bytes("\r\n".join(jsonl(good_lines())).encode("utf-8-sig") + b"\r\n")
    result = run_import(app, str(path))
    assert result.exit_code == 0, result.output
    assert summary_of(result.output) == (6, 0, 0, 0)


def test_unicode_line_separators_inside_a_text_do_not_split_the_line(app, tmp_path):
    # Regression: str.splitlines() cut lines at U+2028, U+0085, U+001E..., which JSON
    # strings may contain unescaped (json.dumps(ensure_ascii=False) writes them as they are).
    description = "First part.\u2028Second part.\x85Third\u2029part.\x1cFourth."
    result = run_import(app, write(tmp_path, [project_line(description=description)]))
    assert result.exit_code == 0, result.output
    stored = one(Project, title="Finding ships in paintings").description
    assert stored.startswith("First part.") and stored.endswith("Fourth.")


def test_yes_no_fields_take_json_booleans_and_null_means_the_default(app):
    import_records([expert_line(open_to_contact=None, is_example=None), project_line(dpia_done=False)])
    expert = one(Expert, display_name="Jan Voorbeeld")
    assert expert.open_to_contact is True and expert.is_example is False
    assert one(Project, title="Finding ships in paintings").dpia_done is False


def test_text_is_cleaned_as_in_the_forms(app):
    import_records([project_line(title="  Finding\u0000 ships\n in   paintings ", summary="One\tline\r\nonly.",
                                 techniques="computer-vision", country="nl")])
    project = one(Project, title="Finding ships in paintings")
    assert project.summary == "One line only." and project.country == "NL"
    assert "computer-vision" in {t.id for t in project.topics}


# --- the documentation ------------------------------------------------------------------


def test_the_documented_example_file_imports_as_documented(app):
    """docs/import-example.jsonl imports, and docs/import.md shows the output it really gives."""
    path = str(DOCS / "import-example.jsonl")
    guide = (DOCS / "import.md").read_text(encoding="utf-8")
    first = run_import(app, path)
    assert first.exit_code == 0, first.output
    second = run_import(app, path)
    assert second.exit_code == 0, second.output
    for result in (first, second):
        line = SUMMARY.search(result.output).group(0)
        assert f"$ flask hub import docs/import-example.jsonl\nImporting  [{'#' * 36}]  100%\n{line}\n" in guide

    assert {kind: count(model) for kind, model in
            [("organisation", Organisation), ("project", Project), ("expert", Expert), ("resource", Resource)]} == {
        "organisation": 2, "project": 1, "expert": 1, "resource": 1}
    project = db.session.scalars(db.select(Project)).one()
    assert project.lead_organisation.name == "Musée des Exemples"
    assert [p.name for p in project.partners] == ["Example University Digital Humanities Lab"]
    # the file shown on the page is the file in the folder
    for line in (DOCS / "import-example.jsonl").read_text(encoding="utf-8").splitlines():
        assert line in guide


def test_the_documentation_lists_every_field_and_every_vocabulary_id(app):
    guide = (DOCS / "import.md").read_text(encoding="utf-8")
    for kind in importer.KINDS:
        for name in importer.allowed_fields(kind) - {"type"}:
            assert f"`{name}`" in guide, f"{kind} field {name} is not documented"
    for facet in vocab.taxonomy().values():
        for concept in facet.concepts:
            assert f"| `{concept.id}` | {concept.labels['en']} |" in guide, f"{facet.id} {concept.id}"
    for offer in vocab.EXPERT_OFFERS:
        assert f"`{offer}`" in guide


# --- the demo directory ---------------------------------------------------------------------


def test_the_demo_directory_loads_and_loading_it_again_creates_nothing(app):
    with transaction():
        first = demo.load_demo()
    assert first.errors == [] and first.created > 4_700

    museum_rows = list(csv.DictReader((vocab.DATA_DIR / "museums.csv").open(encoding="utf-8", newline="")))
    museum_ids = {row["source_id"] for row in museum_rows}
    # museums.csv has 4,529 rows but 4,527 distinct ids: three rows (muséum d'histoire naturelle,
    # musée des Confluences, musée Guimet, all in Lyon) share the id M7042 of the Ministry's list.
    # external_id is unique, so they are one organisation.
    assert (len(museum_rows), len(museum_ids)) == (4_529, 4_527)

    def figures():
        return {
            "published projects": count(Project, Project.status == EntryStatus.PUBLISHED),
            "projects": count(Project),
            "datasets": count(Resource, Resource.type == "dataset"),
            "resources": count(Resource),
            "example experts": count(Expert, Expert.is_example),
            "experts": count(Expert),
            "museums": count(Organisation, Organisation.external_id.in_(museum_ids)),
            "organisations": count(Organisation),
        }

    loaded = figures()
    demo_files = {name: json.loads((demo.DEMO / f"{name}.json").read_text(encoding="utf-8"))
                  for name in ("projects", "resources", "experts")}
    datasets = 136 + sum(r["resource_type"] == "dataset" for r in demo_files["resources"])
    assert loaded == loaded | {"published projects": len(demo_files["projects"]), "projects": len(demo_files["projects"]),
                               "datasets": datasets, "resources": 136 + len(demo_files["resources"]),
                               "example experts": len(demo_files["experts"]), "experts": len(demo_files["experts"]),
                               "museums": 4_527}
    assert loaded["projects"] >= 80 and loaded["experts"] >= 20
    assert count(Organisation, Organisation.status != EntryStatus.PUBLISHED) == 0

    with transaction():
        second = demo.load_demo()
    assert second.created == 0 and second.errors == [] and second.updated > 4_700
    assert figures() == loaded


# --- one institution, one organisation ------------------------------------------------------


def archive_line(**fields) -> dict:
    return {"type": "organisation", "name": "Nationaal Archief", "organisation_type": "archive", "country": "NL",
            "city": "Den Haag", "isil": "NL-HaNA", "wikidata_qid": "Q1526131"} | fields


@pytest.mark.parametrize("variant", [
    {"name": "NATIONAAL  ARCHIEF"},  # case and spacing
    {"name": "Nationaal-Archief."},  # punctuation
    {"name": "National Archive Netherlands / Nationaal Archief", "isil": "NL-HaNA", "wikidata_qid": None},  # ISIL
    {"name": "The Dutch National Archives", "isil": None, "wikidata_qid": "Q1526131"},  # QID
    {"name": "Nationaal Archief", "external_id": "other-list:42"},  # a new list that knows it by its ISIL
])
def test_an_organisation_already_in_the_directory_is_found_by_folded_name_isil_or_qid(app, variant):
    import_records([archive_line()])
    summary = import_records([archive_line(**variant)])
    assert (summary.created, summary.updated) == (0, 1)
    assert count(Organisation) == 1


def test_organisations_named_by_other_lines_are_found_by_their_folded_name(app):
    import_records([archive_line(name="Musée d'Orsay", isil=None, wikidata_qid=None, city="Paris")])
    import_records([project_line(organisations=["MUSEE D ORSAY"]), resource_line(organisation="musée d’orsay")])
    assert count(Organisation) == 1
    museum = one(Organisation, name="Musée d'Orsay")
    assert one(Project, title="Finding ships in paintings").lead_organisation == museum
    assert one(Resource, title="Annotating paintings, a guide").organisation == museum


def test_two_museums_of_one_name_in_different_towns_stay_two(app):
    lines = [archive_line(name="musée municipal", city=town, isil=None, wikidata_qid=None, country="FR")
             for town in ("Dole", "Bayeux")]
    assert import_records(lines).created == 2
    assert import_records(lines).created == 0
    # A record with an external id is never merged with another by name.
    import_records([archive_line(name="musée municipal", city="Dole", isil=None, wikidata_qid=None,
                                 external_id="list:M1")])
    assert count(Organisation) == 3


def test_a_project_and_a_resource_keep_the_page_their_facts_come_from(app):
    source = "https://www.example.org/news/ships-in-paintings"
    import_records([project_line(source_url=source), resource_line(source_url=source)])
    assert one(Project, title="Finding ships in paintings").source_url == source
    # A line without a source keeps the one the entry has.
    import_records([project_line()])
    assert one(Project, title="Finding ships in paintings").source_url == source
    with pytest.raises(importer.ImportRejected) as rejected:
        import_records([project_line(source_url="javascript:alert(1)"), resource_line(source_url=["x"])])
    assert [e.line for e in rejected.value.errors] == [1, 2]
    assert "source_url" in str(rejected.value.errors[0])
