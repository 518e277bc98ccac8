"""The demo directory: real museums, real AI projects, resources and datasets of
European heritage institutions, and a few fictional expert profiles, loaded through
the importer (so loading it again changes nothing).

The data files under hub/data/demo/ hold facts read from public sources, each
project and resource with the page it was read from (source_url), and texts
written for the hub. Organisations are named as their sources spell them; the
other spellings met in the sources are listed as aliases of one canonical name,
so that each institution is one organisation. See hub/data/LICENCES.md.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from functools import cache

from hub.db import db
from hub.directory import importer, vocabulary as vocab
from hub.directory.models import Organisation
from hub.text import is_web_url, year_range

DATA = vocab.DATA_DIR
DEMO = DATA / "demo"
DEMO_SOURCE = "Hub demo data (facts from public sources, see hub/data/LICENCES.md)"
# ISO 639-2/3 codes of the datasets, mapped to the two-letter codes where one exists.
_TWO_LETTER = {"lat": "la", "grc": "grc", "ara": "ar", "heb": "he", "hin": "hi", "san": "sa", "mal": "ml",
               "syr": "syr", "cos": "co", "swe": "sv", "nor": "no"}

# Mapping Museums' subject classes that read well as "A museum of ..."; the others
# (personalities, "Other", "Mixed") say too little to make a sentence of.
_SUBJECTS = {
    "Arts": "An art museum", "Archaeology": "A museum of archaeology", "Local Histories": "A local history museum",
    "War and conflict": "A museum of war and conflict", "Transport": "A transport museum",
    "Sea and seafaring": "A museum of the sea and seafaring", "Industry and manufacture": "A museum of industry",
    "Rural Industry": "A museum of rural life and industry", "Science and technology": "A museum of science and technology",
    "Natural world": "A natural history museum", "Belief and identity": "A museum of belief and identity",
    "Leisure and sport": "A museum of leisure and sport", "Medicine and health": "A museum of medicine and health",
}
_ENGLISH_REGIONS = {"South East", "South West", "North East", "North West", "East Midlands", "West Midlands",
                    "Yorkshire and The Humber"}


def _iso639_1() -> dict[str, str]:
    mapping = dict(_TWO_LETTER)
    with open(DATA / "languages.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            mapping[row["iso639_2b"]] = mapping[row["iso639_2t"]] = row["iso639_1"]
    return mapping


def _load(name: str):
    return json.loads((DEMO / name).read_text(encoding="utf-8"))


def museum_description(subject: str, city: str, region: str) -> str | None:
    """"A museum of war and conflict in Battle, South East England", from Mapping Museums' classes;
    None when the subject does not make a clear sentence."""
    if subject.startswith("Buildings/Houses"):
        phrase = "A historic house open as a museum"
    else:
        phrase = _SUBJECTS.get(subject.split("/")[0])
    if not phrase:
        return None
    place = city
    if region and region != city:
        region = f"{region} England" if region in _ENGLISH_REGIONS else region
        place = f"{city}, {region}" if city else region
    return f"{phrase} in {place}." if place else f"{phrase}."


def museum_records() -> Iterator[dict]:
    with open(DATA / "museums.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            yield {
                "type": "organisation", "organisation_type": "museum", "name": row["name"],
                "country": row["country_iso2"], "city": row["city"] or None, "region": row["region"] or None,
                "website": row["website"] if is_web_url(row["website"]) else None,
                "latitude": row["latitude"] or None, "longitude": row["longitude"] or None,
                "description": museum_description(row["subject"], row["city"], row["region"]),
                "external_id": row["source_id"], "source": f"{row['source_dataset']} ({row['licence']})",
            }


@cache
def _canonical_names() -> dict[str, str]:
    """Every known spelling of a demo organisation (folded) -> its canonical name."""
    names: dict[str, str] = {}
    for organisation in _load("organisations.json"):
        for spelling in [organisation["name"], *organisation["aliases"]]:
            names[importer.organisation_key(spelling)] = organisation["name"]
    return names


def canonical_name(name: str) -> str | None:
    """The canonical name of an institution as a source spells it; None for a name that is not one
    of the directory's organisations (a person, a school class, a consortium)."""
    return _canonical_names().get(importer.organisation_key(name))


def organisation_records() -> Iterator[dict]:
    for organisation in _load("organisations.json"):
        record = {"type": "organisation", "source": DEMO_SOURCE}
        record |= {k: v for k, v in organisation.items() if k != "aliases" and v is not None}
        yield record


def project_records() -> Iterator[dict]:
    for project in _load("projects.json"):
        yield {"type": "project"} | {k: v for k, v in project.items() if v not in (None, [], "")}


def resource_records() -> Iterator[dict]:
    for resource in _load("resources.json"):
        yield {"type": "resource"} | {k: v for k, v in resource.items() if v not in (None, [], "")}


def expert_records() -> Iterator[dict]:
    for person in _load("experts.json"):
        yield {
            "type": "expert", "display_name": person["display_name"], "role_title": person["role"],
            "organisation": person["organisation"], "bio": person["bio"], "country": person["country"],
            "languages": person["languages"], "techniques": person["techniques"], "areas": person["areas"],
            "offers": person["offers"], "open_to_contact": person["open_to_contact"], "is_example": True,
            "content_language": person["content_language"],
        }


HTR_UNITED = "https://htr-united.github.io/"


def dataset_records() -> Iterator[dict]:
    two_letter = _iso639_1()
    items = json.loads((DATA / "htr-datasets.json").read_text(encoding="utf-8"))["items"]
    for item in items:
        codes = [two_letter.get(c, c) for c in item["languages_iso639_3"]]
        codes = [c for c in codes if vocab.is_language(c)]
        names = ", ".join(vocab.language_name(c, "en") for c in codes) or "several languages"
        material = {"only-typed": "printed", "mainly-typed": "mostly printed", "only-manuscript": "handwritten",
                    "mainly-manuscript": "mostly handwritten"}.get(item["script_type"], "handwritten and printed")
        period = ""
        if item["time_not_before"] and item["time_not_after"]:
            period = f", {year_range(item['time_not_before'], item['time_not_after'])}"
        institutions = [n for n in (canonical_name(i) for i in item["institutions"]) if n]
        details = [f"Ground-truth transcriptions of {material} documents for training and evaluating text "
                   f"recognition (OCR/HTR) models."]
        if item["project_name"]:
            details.append(f"Made in the project {item['project_name']}.")
        if institutions:
            details.append(f"Institutions: {', '.join(dict.fromkeys(institutions))}.")
        if item["scripts_iso15924"]:
            details.append(f"Scripts (ISO 15924): {', '.join(item['scripts_iso15924'])}.")
        details.append("Listed in the HTR-United catalogue.")
        yield {
            "type": "resource", "resource_type": "dataset", "title": item["title"],
            "summary": f"Text recognition ground truth: {material} {names}{period}."[:300],
            "description": " ".join(details), "url": item["url"], "licence": item["dataset_licence"] or None,
            "languages": codes, "techniques": ["text-recognition", "annotation-training-data"],
            "areas": ["digitisation", "research-scholarship"],
            "organisation": institutions[0] if institutions else None, "source_url": HTR_UNITED,
        }


def demo_records(museums: bool = True) -> Iterator[dict]:
    """Every line of the demo, organisations first; without the 4,500 museums for quick checks."""
    sources = [organisation_records(), project_records(), resource_records(), expert_records(), dataset_records()]
    for records in ([museum_records()] if museums else []) + sources:
        yield from records


def demo_lines(museums: bool = True) -> Iterator[str]:
    for record in demo_records(museums):
        yield json.dumps(record, ensure_ascii=False)


CITED_PAGES_HEADING = "## Pages cited for facts"


def licence_notes() -> tuple[str, str]:
    """hub/data/LICENCES.md, the one place the sources and their licences are listed, as two
    Markdown parts for the about page: the data and their licences, then the pages cited for facts."""
    text = (DATA / "LICENCES.md").read_text(encoding="utf-8")
    text = text.split("\n", 1)[1] if text.startswith("# ") else text  # the page has its own title
    data, _, cited = text.partition(CITED_PAGES_HEADING)
    return data.strip(), cited.strip()


def directory_is_empty() -> bool:
    return db.session.scalar(db.select(Organisation.id).limit(1)) is None


def load_demo(progress: Callable[[int], None] | None = None, museums: bool = True) -> importer.ImportSummary:
    """Load (or refresh) the demo directory; the caller commits."""
    return importer.import_lines(list(demo_lines(museums)), publish=True, progress=progress)
