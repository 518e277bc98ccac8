"""Rows for tests, made directly (not through the web), with sensible defaults."""
from __future__ import annotations

import itertools

from hub.accounts.models import Role, User
from hub.accounts.services import hash_password
from hub.db import db, utcnow
from hub.directory.models import EntryStatus, Expert, Membership, Organisation, Project, ProjectOrganisation, Resource

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH: str | None = None
_numbers = itertools.count(1)


def _password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:  # hashing is slow on purpose: do it once
        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


def make_user(role: Role | str = Role.MEMBER, verified: bool = True, active: bool = True, email: str | None = None,
              name: str | None = None) -> User:
    n = next(_numbers)
    user = User(email=email or f"user{n}@museum.example", display_name=name or f"Test User {n}",
                password_hash=_password_hash(), role=Role(role), active=active,
                email_verified_at=utcnow() if verified else None, privacy_consent_at=utcnow())
    db.session.add(user)
    return _saved(user)


def _saved(row):
    """Commit, so that a rollback in the code under test keeps the test's rows
    (inside a test, a commit only ends a savepoint of the test's transaction)."""
    db.session.commit()
    return row


def _published_fields(status: EntryStatus) -> dict:
    now = utcnow()
    return {"status": status, "published_at": now if status is EntryStatus.PUBLISHED else None,
            "reviewed_at": now if status is EntryStatus.PUBLISHED else None}


def make_organisation(members: tuple[User, ...] = (), status: EntryStatus = EntryStatus.PUBLISHED,
                      name: str | None = None, country: str = "NL", type: str = "museum",
                      owner: User | None = None) -> Organisation:
    n = next(_numbers)
    organisation = Organisation(name=name or f"Test Museum {n}", slug=f"test-museum-{n}", type=type,
                                country=country, city="Amsterdam", owner_id=owner.id if owner else None,
                                **_published_fields(status))
    db.session.add(organisation)
    db.session.flush()
    for member in members:
        db.session.add(Membership(user_id=member.id, organisation_id=organisation.id))
    return _saved(organisation)


def make_project(organisation: Organisation | None = None, owner: User | None = None,
                 status: EntryStatus = EntryStatus.PUBLISHED, title: str | None = None,
                 topics: tuple[str, ...] = ("computer-vision",), country: str | None = "NL",
                 stage: str = "pilot") -> Project:
    from hub.directory.models import Topic

    n = next(_numbers)
    project = Project(title=title or f"Test project {n}", slug=f"test-project-{n}",
                      summary="Finds things in pictures.", description="A *test* project.", stage=stage,
                      country=country, owner_id=owner.id if owner else None, **_published_fields(status))
    if organisation is not None:
        project.organisation_links = [ProjectOrganisation(organisation_id=organisation.id, role="lead")]
    project.topics = [db.session.get(Topic, t) for t in topics]
    db.session.add(project)
    return _saved(project)


def make_expert(user: User | None = None, status: EntryStatus = EntryStatus.PUBLISHED,
                organisation: Organisation | None = None, open_to_contact: bool = True,
                topics: tuple[str, ...] = ("nlp",)) -> Expert:
    from hub.directory.models import Topic

    n = next(_numbers)
    expert = Expert(display_name=user.display_name if user else f"Expert {n}", slug=f"expert-{n}",
                    bio="Knows things.", country="DE", user_id=user.id if user else None,
                    owner_id=user.id if user else None, organisation_id=organisation.id if organisation else None,
                    open_to_contact=open_to_contact, offers=["advice"], languages=["de", "en"],
                    **_published_fields(status))
    expert.topics = [db.session.get(Topic, t) for t in topics]
    db.session.add(expert)
    return _saved(expert)


def make_resource(organisation: Organisation | None = None, owner: User | None = None,
                  status: EntryStatus = EntryStatus.PUBLISHED, type: str = "guide") -> Resource:
    from hub.directory.models import Topic

    n = next(_numbers)
    resource = Resource(title=f"Test guide {n}", slug=f"test-guide-{n}", type=type, summary="How to do it.",
                        description="Step by step.", organisation_id=organisation.id if organisation else None,
                        owner_id=owner.id if owner else None, **_published_fields(status))
    resource.topics = [db.session.get(Topic, "ethics-governance")]
    db.session.add(resource)
    return _saved(resource)
