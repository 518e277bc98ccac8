"""The demo directory: real museums, real AI projects and datasets, and a few
fictional expert profiles, loaded through the importer (so idempotent)."""
from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator

from slugify import slugify

from hub.db import db
from hub.directory import importer, vocabulary as vocab
from hub.directory.models import Organisation
from hub.text import is_web_url

DATA = vocab.DATA_DIR
# ISO 639-2/3 codes of the datasets, mapped to the two-letter codes where one exists.
_TWO_LETTER = {"lat": "la", "grc": "grc", "ara": "ar", "heb": "he", "hin": "hi", "san": "sa", "mal": "ml",
               "syr": "syr", "cos": "co", "swe": "sv", "nor": "no"}


def _iso639_1() -> dict[str, str]:
    mapping = dict(_TWO_LETTER)
    with open(DATA / "languages.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            mapping[row["iso639_2b"]] = mapping[row["iso639_2t"]] = row["iso639_1"]
    return mapping


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:] if name[:1].islower() else name


def museum_records() -> Iterator[dict]:
    with open(DATA / "museums.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            facts = [f"Subject: {row['subject']}." if row["subject"] else "",
                     f"Governance: {row['governance']}." if row["governance"] else ""]
            yield {
                "type": "organisation", "organisation_type": "museum", "name": _capitalised(row["name"]),
                "country": row["country_iso2"], "city": row["city"] or None, "region": row["region"] or None,
                "website": row["website"] if is_web_url(row["website"]) else None,
                "latitude": row["latitude"] or None, "longitude": row["longitude"] or None,
                "description": " ".join(x for x in facts if x) or None,
                "external_id": row["source_id"], "source": f"{row['source_dataset']} ({row['licence']})",
            }


def project_records() -> Iterator[dict]:
    facts = json.loads((DATA / "glam-ai-projects.json").read_text(encoding="utf-8"))["items"]
    written = json.loads((DATA / "demo" / "projects.json").read_text(encoding="utf-8"))
    for fact, text in zip(facts, written, strict=True):
        assert fact["title"] == text["title"], fact["title"]
        countries = [c for c in fact["country"] if vocab.is_country(c)]
        for position, name in enumerate(fact["institutions"]):
            yield {
                "type": "organisation", "name": name, "external_id": f"demo:{slugify(name)}",
                "organisation_type": text["organisation_types"].get(name, "other"),
                "country": countries[min(position, len(countries) - 1)] if countries else None,
                "source": "AI4LAM awesome-ai4lam (CC0-1.0)",
            }
        url = fact["url"]
        yield {
            "type": "project", "title": fact["title"], "summary": text["summary"], "description": text["description"],
            "organisations": fact["institutions"], "country": countries[0] if countries else None,
            "techniques": text["techniques"], "areas": text["areas"], "stage": text["stage"],
            "languages": text["languages"], "url": url, "start_year": fact["year"],
            "repository_url": url.split("#")[0] if "github.com/" in url else None,
        }


def expert_records() -> Iterator[dict]:
    for person in json.loads((DATA / "demo" / "experts.json").read_text(encoding="utf-8")):
        yield {
            "type": "expert", "display_name": person["display_name"], "role_title": person["role"],
            "bio": person["bio"], "country": person["country"], "languages": person["languages"],
            "techniques": person["techniques"], "areas": person["areas"], "offers": person["offers"],
            "open_to_contact": person["open_to_contact"], "is_example": True,
        }


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
            period = f", {item['time_not_before']}–{item['time_not_after']}"
        details = [f"Ground-truth transcriptions of {material} documents for training and evaluating text "
                   f"recognition (OCR/HTR) models."]
        if item["project_name"]:
            details.append(f"Made in the project {item['project_name']}.")
        if item["institutions"]:
            details.append(f"Institutions: {', '.join(item['institutions'])}.")
        if item["scripts_iso15924"]:
            details.append(f"Scripts (ISO 15924): {', '.join(item['scripts_iso15924'])}.")
        details.append("Listed in the HTR-United catalogue.")
        yield {
            "type": "resource", "resource_type": "dataset", "title": item["title"],
            "summary": f"Text recognition ground truth: {material} {names}{period}."[:300],
            "description": " ".join(details), "url": item["url"], "licence": item["dataset_licence"] or None,
            "languages": codes, "techniques": ["text-recognition", "annotation-training-data"],
            "areas": ["digitisation", "research-scholarship"],
            "organisation": item["institutions"][0] if item["institutions"] else None,
        }


def demo_lines() -> Iterator[str]:
    for records in (museum_records(), project_records(), expert_records(), dataset_records()):
        for record in records:
            yield json.dumps(record, ensure_ascii=False)


def directory_is_empty() -> bool:
    return db.session.scalar(db.select(Organisation.id).limit(1)) is None


def load_demo(progress: Callable[[int], None] | None = None) -> importer.ImportSummary:
    """Load (or refresh) the demo directory; the caller commits."""
    return importer.import_lines(list(demo_lines()), publish=True, progress=progress)
