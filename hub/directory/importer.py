"""Bulk import of directory entries from JSON Lines (`flask hub import FILE`).

Every line is checked first with the same rules as the forms; a file with any
bad line changes nothing unless `skip_invalid`. Then the entries are written
in bulk (a few statements per thousand rows), matched to existing entries by
external id, then by URL, then by type and title, so that importing the same
file again updates instead of duplicating. An organisation is also found by its
ISIL or Wikidata QID, and its name is compared folded (case, accents and
punctuation aside): one institution is one organisation, however a file spells it.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from itertools import chain
from typing import Any

import sqlalchemy as sa

from hub.db import db, utcnow
from hub.directory import ai_card, services
from hub.directory.duplicates import fold
from hub.directory.models import (
    Entry, EntryStatus, Expert, Organisation, Project, ProjectOrganisation, Resource, expert_topics, project_topics,
    resource_topics,
)
from hub.errors import InvalidInput
from hub.search import services as search
from hub.text import clean_line, is_web_url

KINDS = ("organisation", "project", "expert", "resource")
CHUNK = 2_000


@dataclass
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[LineError] = field(default_factory=list)


class ImportRejected(Exception):
    """The file has bad lines and nothing was written."""

    def __init__(self, errors: list[LineError]):
        super().__init__(f"{len(errors)} line(s) with errors")
        self.errors = errors


@dataclass
class _Prepared:
    """One valid line: the checked input plus what only an import carries."""

    line: int
    kind: str
    data: Any  # the cleaned *Input dataclass
    title: str
    url: str | None
    external_id: str | None = None
    source: str | None = None
    organisation_names: list[str] = field(default_factory=list)  # projects: lead first
    is_example: bool = False
    source_url: str | None = None  # projects and resources: the page their facts were read from


# Fields a line may carry, beyond "type", per kind: the Input's fields with
# organisations given by name instead of id.
_INPUTS = {
    "organisation": services.OrganisationInput,
    "project": services.ProjectInput,
    "expert": services.ExpertInput,
    "resource": services.ResourceInput,
}
_NOT_IMPORTED = {"lead_organisation_id", "partner_names", "contact_ids", "organisation_id"}
_EXTRA = {
    "organisation": {"url", "external_id", "source", "organisation_type"},
    "project": {"url", "organisations", "source_url"},
    "expert": {"organisation", "is_example"},
    "resource": {"organisation", "resource_type", "source_url"},
}


_INPUT_FIELDS = {kind: frozenset(f.name for f in fields(cls)) for kind, cls in _INPUTS.items()}
_ALLOWED = {kind: frozenset(_INPUT_FIELDS[kind] - _NOT_IMPORTED | _EXTRA[kind] | {"type"}) for kind in _INPUTS}


def allowed_fields(kind: str) -> set[str]:
    return set(_ALLOWED[kind])


# Yes/no fields take JSON true or false: bool("false") would silently be True.
_BOOLEANS = ("dpia_done", "fria_done", "bias_review_done", "open_to_contact", "is_example")


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def prepare(line_number: int, record: Any) -> _Prepared:
    """Check one decoded line; InvalidInput names what is wrong."""
    if not isinstance(record, dict):
        raise InvalidInput("a line must be a JSON object")
    kind = record.get("type")
    if kind not in KINDS:
        raise InvalidInput(f"'type' must be one of {', '.join(KINDS)}")
    unknown = sorted(set(record) - _ALLOWED[kind])
    if unknown:
        raise InvalidInput(f"unknown field(s) for {kind}: {', '.join(unknown[:8])}")
    names = _INPUT_FIELDS[kind]  # computed once: building it per key cost a third of the checking time
    values = {k: v for k, v in record.items() if k in names and k != "type"}
    for name in ("languages", "techniques", "areas", "offers"):
        if name in values:
            values[name] = [str(v) for v in _as_list(values[name])]
    not_boolean = {name: ("use true, false or null (not stated), without quotes" if name in ai_card.ASSESSMENTS
                          else "use true or false (without quotes)") for name in _BOOLEANS
                   if record.get(name) is not None and not isinstance(record[name], bool)}
    if not_boolean:
        raise InvalidInput(not_boolean)
    for name in _BOOLEANS:
        if name in values and values[name] is None:
            del values[name]  # null means "not given": the field's default (for assessments: not stated) applies
    extra: dict[str, Any] = {}
    if kind == "organisation":
        # "type" names the kind of entry, so an organisation's own type comes as organisation_type.
        values["type"] = record.get("organisation_type", "other")
        values["website"] = record.get("website") or record.get("url")
        extra["external_id"] = clean_line(record.get("external_id"))[:100] or None
        extra["source"] = clean_line(record.get("source"))[:200] or None
    elif kind == "project":
        values["website"] = record.get("website") or record.get("url")
        # The first organisation leads; a tool without a known institution may name none.
        extra["organisation_names"] = [clean_line(n) for n in _as_list(record.get("organisations")) if clean_line(n)]
    elif kind in ("expert", "resource"):
        name = clean_line(record.get("organisation"))
        extra["organisation_names"] = [name] if name else []
        if kind == "expert":
            extra["is_example"] = bool(record.get("is_example"))
    if kind == "resource":
        values["type"] = record.get("resource_type")
    if kind in ("project", "resource") and record.get("source_url") is not None:
        source_url = record["source_url"]
        if not isinstance(source_url, str) or not is_web_url(source_url.strip()):
            raise InvalidInput({"source_url": "a full web address starting with https:// or http://, "
                                              "at most 500 characters"})
        extra["source_url"] = source_url.strip()
    try:
        data = _INPUTS[kind](**values).cleaned()
    except TypeError as error:
        raise InvalidInput(str(error)) from None
    if any(len(n) > 300 for n in extra.get("organisation_names", [])):
        raise InvalidInput({"organisations": "an organisation name has at most 300 characters"})
    title = data.name if kind == "organisation" else data.display_name if kind == "expert" else data.title
    url = data.website if kind in ("organisation", "project") else data.url if kind == "resource" else None
    return _Prepared(line_number, kind, data, title, url, **extra)


def _describe(error: InvalidInput) -> str:
    return "; ".join(f"{k}: {v}" if k else v for k, v in error.errors.items())


def _has_lone_surrogate(record: Any) -> bool:
    """JSON may spell a lone surrogate ("\\ud800"); no database can store it as text."""
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_lines(lines: Iterable[str], progress: Callable[[int], None] | None = None
                ) -> tuple[list[_Prepared], list[LineError], int]:
    """Decode and check every line: (valid entries, errors, blank lines)."""
    prepared, errors, blank = [], [], 0
    for number, raw in enumerate(lines, start=1):
        if progress:
            progress(1)
        if not raw.strip():
            blank += 1
            continue
        try:
            record = json.loads(raw)
            if ("\\ud" in raw or "\\uD" in raw) and _has_lone_surrogate(record):
                raise InvalidInput("a \\u escape is half of a surrogate pair, not a character")
            prepared.append(prepare(number, record))
        except json.JSONDecodeError as error:
            errors.append(LineError(number, f"not valid JSON ({error.msg} at column {error.colno})"))
        except RecursionError:
            errors.append(LineError(number, "not valid JSON (nested too deeply)"))
        except ValueError as error:  # a number of more than 4,300 digits (Python's int limit)
            errors.append(LineError(number, f"not valid JSON ({str(error).split(':')[0]})"))
        except InvalidInput as error:
            errors.append(LineError(number, _describe(error)))
    return prepared, errors, blank


def import_lines(lines: Iterable[str], *, publish: bool = True, skip_invalid: bool = False,
                 progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Check, then write. The caller commits; ImportRejected means nothing was written."""
    prepared, errors, blank = check_lines(lines, progress)
    if errors and not skip_invalid:
        raise ImportRejected(errors)
    summary = _Writer(publish).write(prepared)
    summary.errors = errors
    summary.skipped = len(errors) + blank
    return summary


# --- writing ------------------------------------------------------------------------


def _key(text: str | None) -> str:
    return (text or "").strip().lower()


def organisation_key(name: str | None) -> str:
    """The form in which organisation names are compared: "Musée d'Orsay" and "MUSEE D ORSAY" are one."""
    return fold(name or "")


def identifiers_of(data) -> tuple[tuple[str, str], ...]:
    """An organisation's ISIL and Wikidata QID, as keys that name one institution wherever it is listed."""
    found = []
    if getattr(data, "isil", None):
        found.append(("isil", data.isil.strip().casefold()))
    if getattr(data, "wikidata_qid", None):
        found.append(("qid", data.wikidata_qid.strip().upper()))
    return tuple(found)


class _Matcher:
    """Finds the existing entry a line describes: by external id; else (organisations) by
    ISIL or Wikidata QID; else by URL and title together; else by a URL that only one
    entry has (a renamed entry); else by title. Different entries may share a URL
    (several models on one page).

    Titles are compared through `key` (organisations: folded, so case, accents and
    punctuation do not make two). Two organisations of one name in different cities
    (the many "musée municipal") are not matched by name.

    The looser rules (URL alone, title alone) never take an entry that another
    line of the same file matches exactly, or that a line with another URL or
    title already took: otherwise two lines would merge into one entry and one
    of them would be lost. `reserve()` every line first, then `match()`."""

    def __init__(self, key: Callable[[str | None], str] = _key) -> None:
        self.key = key
        self.by_external: dict[str, int] = {}
        self.by_identifier: dict[tuple[str, str], int] = {}
        self.by_url_title: dict[tuple[str, str], int] = {}
        self.by_url: dict[str, list[int]] = {}
        self.by_title: dict[str, int] = {}
        self.by_title_and_city: dict[tuple[str, str], int] = {}
        self.city_of: dict[int, str] = {}
        self.taken: dict[int, Any] = {}  # entry id -> the line key that matched it

    def _exact(self, title: str, url: str | None, external_id: str | None, identifiers) -> int | None:
        if external_id and external_id in self.by_external:
            return self.by_external[external_id]
        for identifier in identifiers:
            if identifier in self.by_identifier:
                return self.by_identifier[identifier]
        return self.by_url_title.get((url, self.key(title))) if url and not external_id else None

    def reserve(self, title: str, url: str | None, external_id: str | None = None, identifiers=()) -> None:
        target = self._exact(title, url, external_id, identifiers)
        if target is not None:
            self.taken.setdefault(target, external_id or identifiers or (url, self.key(title)))

    def add(self, entry_id: int, title: str, url: str | None, external_id: str | None, identifiers=(),
            city: str | None = None) -> None:
        if external_id:
            self.by_external[external_id] = entry_id
        for identifier in identifiers:
            self.by_identifier.setdefault(identifier, entry_id)
        if url:
            self.by_url_title.setdefault((url, self.key(title)), entry_id)
            self.by_url.setdefault(url, []).append(entry_id)
        self.by_title.setdefault(self.key(title), entry_id)
        if city:
            self.city_of[entry_id] = fold(city)
            self.by_title_and_city.setdefault((self.key(title), fold(city)), entry_id)

    def match(self, title: str, url: str | None, external_id: str | None = None, identifiers=(),
              city: str | None = None) -> int | None:
        exact = self._exact(title, url, external_id, identifiers)
        if exact is not None or external_id:
            # An external id is authoritative: a record that has one matches only by it (or by an identifier).
            return exact
        looser = []
        if url and len(self.by_url.get(url, ())) == 1:
            looser.append(self.by_url[url][0])
        by_name = self.by_title_and_city.get((self.key(title), fold(city))) if city else None
        if by_name is None:
            by_name = self.by_title.get(self.key(title))
            if by_name is not None and city and self.city_of.get(by_name, fold(city)) != fold(city):
                by_name = None
        looser.append(by_name)
        key = (url, self.key(title))
        for target in looser:
            if target is not None and self.taken.setdefault(target, key) == key:
                return target
        return None


class _Writer:
    """Matches entries to existing rows and writes them with bulk statements."""

    def __init__(self, publish: bool):
        self.now = utcnow()
        self.status = EntryStatus.PUBLISHED if publish else EntryStatus.PENDING
        self.summary = ImportSummary()
        self.written: set[tuple[str, int]] = set()  # (kind, id) of every row written, for the search index

    def write(self, prepared: list[_Prepared]) -> ImportSummary:
        services.sync_topics()
        by_kind: dict[str, list[_Prepared]] = {k: [] for k in KINDS}
        for item in prepared:
            by_kind[item.kind].append(item)
        organisation_ids = self._write_organisations(by_kind["organisation"], prepared)
        self._write_entries(Project, by_kind["project"], organisation_ids)
        self._write_entries(Expert, by_kind["expert"], organisation_ids)
        self._write_entries(Resource, by_kind["resource"], organisation_ids)
        db.session.expire_all()
        # Bulk statements bypass the ORM's change tracking: index what was written here.
        search.sync(self.written)
        return self.summary

    def _existing(self, model, title_column, url_column=None) -> tuple[_Matcher, set]:
        url_column = url_column if url_column is not None else sa.null()
        matcher, slugs = _Matcher(), set()
        for row in db.session.execute(sa.select(model.id, title_column, url_column, model.slug).order_by(model.id)):
            matcher.add(row[0], row[1], row[2], None)
            slugs.add(row[3])
        return matcher, slugs

    def _existing_organisations(self) -> tuple[_Matcher, set]:
        matcher, slugs = _Matcher(organisation_key), set()
        for row in db.session.execute(sa.select(
                Organisation.id, Organisation.name, Organisation.website, Organisation.external_id,
                Organisation.isil, Organisation.wikidata_qid, Organisation.city, Organisation.slug,
        ).order_by(Organisation.id)):
            matcher.add(row.id, row.name, row.website, row.external_id, identifiers_of(row), row.city)
            slugs.add(row.slug)
        return matcher, slugs

    def _entry_values(self, model, item: _Prepared) -> dict:
        values = {"status": self.status, "updated_at": self.now, "reviewed_at": self.now}
        if self.status is EntryStatus.PUBLISHED:
            values["published_at"] = self.now
        else:
            values["submitted_at"] = self.now
        names = {"organisation": services.ORGANISATION_FIELDS, "project": services.PROJECT_FIELDS,
                 "expert": services.EXPERT_FIELDS, "resource": services.RESOURCE_FIELDS}[item.kind]
        for name in names:
            values[name] = getattr(item.data, name)
        return values

    def _write_organisations(self, items: list[_Prepared], everything: list[_Prepared]) -> dict[str, int]:
        """Write organisation lines and create organisations that other lines name; name -> id."""
        matcher, slugs = self._existing_organisations()
        new_rows, updates = [], {}
        for item in items:
            matcher.reserve(item.title, item.url, item.external_id, identifiers_of(item.data))
        # The same organisation twice in one file (by external id, identifier, or name in the same city):
        # the later line wins. Lines matched here are added to `in_file` as they come.
        in_file = _Matcher(organisation_key)
        for item in items:
            identifiers = identifiers_of(item.data)
            target = matcher.match(item.title, item.url, item.external_id, identifiers, item.data.city)
            # A line without an external id or source keeps the entry's: they identify the record.
            values = self._entry_values(Organisation, item) | {
                k: v for k, v in (("external_id", item.external_id), ("source", item.source)) if v}
            if target:
                updates.setdefault(target, {"id": target}).update(values)
                continue
            earlier = in_file.match(item.title, item.url, item.external_id, identifiers, item.data.city)
            if earlier is not None:
                new_rows[earlier].update(values)
                continue
            values |= {"slug": services.unique_slug(Organisation, item.title, slugs), "created_at": self.now}
            in_file.add(len(new_rows), item.title, item.url, item.external_id, identifiers, item.data.city)
            new_rows.append(values)
        # Organisations named by projects, experts and resources but not described anywhere.
        named_country: dict[str, str | None] = {}
        for item in everything:
            for name in item.organisation_names:
                named_country.setdefault(organisation_key(name), getattr(item.data, "country", None))
        # An organisation renamed by this file is known by its new name too.
        for values in updates.values():
            matcher.by_title.setdefault(organisation_key(values["name"]), values["id"])
        known = {organisation_key(v["name"]) for v in new_rows} | set(matcher.by_title)
        display_names = {organisation_key(n): n for item in everything for n in item.organisation_names}
        for key, country in named_country.items():
            if key not in known:
                new_rows.append({
                    "name": display_names[key], "type": "other", "country": country, "status": self.status,
                    "slug": services.unique_slug(Organisation, display_names[key], slugs), "created_at": self.now,
                    "updated_at": self.now, "published_at": self.now if self.status is EntryStatus.PUBLISHED
                    else None, "submitted_at": None if self.status is EntryStatus.PUBLISHED else self.now,
                    "reviewed_at": self.now,
                })
                known.add(key)
        self._insert_and_update(Organisation, new_rows, list(updates.values()))
        for values in new_rows:
            matcher.by_title.setdefault(organisation_key(values["name"]), values["id"])
        return matcher.by_title

    def _insert_and_update(self, model, new_rows: list[dict], updates: list[dict]) -> None:
        for start in range(0, len(new_rows), CHUNK):
            chunk = new_rows[start:start + CHUNK]
            # render_nulls: without it the ORM leaves out None values and splits the rows into one
            # statement per pattern of empty fields (thousands of statements). Every key here is set
            # on purpose, so None means NULL.
            # No RETURNING: with it SQLAlchemy sends one huge multi-row VALUES statement per 1,000 rows,
            # which psycopg must parse every time (half the import time on PostgreSQL); a plain
            # executemany reuses one prepared statement. The new ids are read back by their slugs,
            # which are unique and chosen here.
            db.session.execute(sa.insert(model), chunk, execution_options={"render_nulls": True})
            ids = dict(db.session.execute(
                sa.select(model.slug, model.id).where(model.slug.in_([v["slug"] for v in chunk]))).all())
            for values in chunk:
                values["id"] = ids[values["slug"]]
        self._update(model, updates)
        self.written.update((model.kind, row["id"]) for row in chain(new_rows, updates))
        # Organisations created only because a line named them count as created too.
        self.summary.created += len(new_rows)
        self.summary.updated += len(updates)

    @staticmethod
    def _update(model, updates: list[dict]) -> None:
        """Bulk UPDATE by id in Core: the ORM's bulk update wants each row's version_id, which
        an import does not know. Every updated row gets a new version, so a moderator's
        decision based on the older content is refused as stale."""
        table = model.__table__
        by_keys: dict[frozenset, list[dict]] = {}
        for row in updates:
            by_keys.setdefault(frozenset(row), []).append(row)
        for keys, rows in by_keys.items():
            names = sorted(keys - {"id"})
            statement = (sa.update(table).where(table.c.id == sa.bindparam("b_id"))
                         .values({name: sa.bindparam(f"b_{name}") for name in names}
                                 | {"version_id": table.c.version_id + 1}))
            for start in range(0, len(rows), CHUNK):
                db.session.execute(statement, [{f"b_{k}": v for k, v in row.items()}
                                               for row in rows[start:start + CHUNK]])

    def _write_entries(self, model: type[Entry], items: list[_Prepared], organisation_ids: dict[str, int]) -> None:
        if not items:
            return
        title_column = {Project: Project.title, Expert: Expert.display_name, Resource: Resource.title}[model]
        url_column = {Project: Project.website, Expert: None, Resource: Resource.url}[model]
        matcher, slugs = self._existing(model, title_column, url_column)
        rows: dict[Any, dict] = {}  # one row per matched entry; a later line wins
        for item in items:
            matcher.reserve(item.title, item.url)
        for item in items:
            target = matcher.match(item.title, item.url)
            values = self._entry_values(model, item)
            if model is Expert:
                values["is_example"] = item.is_example
            if model in (Project, Resource) and item.source_url:
                values["source_url"] = item.source_url  # a line without one keeps the entry's
            if model in (Expert, Resource):
                first = item.organisation_names[0] if item.organisation_names else None
                values["organisation_id"] = organisation_ids[organisation_key(first)] if first else None
            key = ("id", target) if target else ("new", item.url, _key(item.title))
            if target:
                values["id"] = target
            elif key not in rows:
                values |= {"slug": services.unique_slug(model, item.title, slugs), "created_at": self.now}
            rows[key] = rows.get(key, {}) | values | {"_item": item}
        new_rows = [v for k, v in rows.items() if k[0] == "new"]
        updates = [v for k, v in rows.items() if k[0] == "id"]
        items_of = {id(v): v.pop("_item") for v in new_rows + updates}
        self._insert_and_update(model, new_rows, updates)
        self._write_links(model, [(v["id"], items_of[id(v)]) for v in new_rows + updates],
                          organisation_ids, replace=[v["id"] for v in updates])

    def _write_links(self, model, entries: list[tuple[int, _Prepared]], organisation_ids: dict[str, int],
                     replace: list[int]) -> None:
        topic_table = {Project: project_topics, Expert: expert_topics, Resource: resource_topics}[model]
        for start in range(0, len(replace), CHUNK):
            chunk = replace[start:start + CHUNK]
            db.session.execute(sa.delete(topic_table).where(topic_table.c.entry_id.in_(chunk)))
            if model is Project:
                db.session.execute(sa.delete(ProjectOrganisation).where(ProjectOrganisation.project_id.in_(chunk)))
        topic_rows = [{"entry_id": entry_id, "topic_id": topic}
                      for entry_id, item in entries for topic in item.data.techniques + item.data.areas]
        for start in range(0, len(topic_rows), CHUNK * 4):
            db.session.execute(sa.insert(topic_table), topic_rows[start:start + CHUNK * 4])
        if model is Project:
            link_rows = []
            for entry_id, item in entries:
                seen = set()
                for position, name in enumerate(item.organisation_names):
                    org_id = organisation_ids[organisation_key(name)]
                    if org_id not in seen:
                        seen.add(org_id)
                        link_rows.append({"project_id": entry_id, "organisation_id": org_id,
                                          "role": "lead" if position == 0 else "partner", "position": position})
            for start in range(0, len(link_rows), CHUNK * 4):
                db.session.execute(sa.insert(ProjectOrganisation.__table__), link_rows[start:start + CHUNK * 4])

