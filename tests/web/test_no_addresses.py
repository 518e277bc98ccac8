"""Nobody's email address is published: over the demo directory, with people attached to it in
every role (contact persons, owners, organisation members, moderators, an administrator, and
people who cannot be reached), no public page shows any of their addresses, to an anonymous
visitor or to a logged-in member; the contact forms included.

The demo directory is loaded once for the module's single test, in the test's transaction; of
its 4,500 organisations, those the people belong to and a sample of the others are visited."""
from __future__ import annotations

import re
from urllib.parse import quote

import sqlalchemy as sa

from hub.accounts.models import Role
from hub.db import db
from hub.directory import demo
from hub.directory.models import (EntryStatus, Expert, Membership, MembershipRequest, Organisation, Project,
                                  Resource)
from tests.conftest import login_as
from tests.factories import make_user

ORGANISATIONS = 150  # organisation pages visited (of about 4,700), with their contact forms, beside every
# project, expert and resource: a sample keeps the suite short
PEOPLE = ["Anna Bakker", "Jonas Weber", "Marie Dubois", "Luca Rossi", "Sofia Lindqvist", "Pieter de Vries",
          "Elena García", "Tomasz Nowak", "Ingrid Hansen", "Aoife Murphy", "Karel Novák", "Zeynep Yılmaz",
          "Mateus Costa", "Hanna Virtanen", "Nikos Papadopoulos", "Eva Horváth"]


def address_of(name: str) -> str:
    first, last = name.lower().split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@museum.example".encode("ascii", "ignore").decode()


def people_in_every_role():
    """Users with distinct addresses attached to the demo directory; returns (all users, the member
    who is logged in: a contact person, owner and organisation member at once)."""
    users = {name: make_user(name=name, email=address_of(name)) for name in PEOPLE[:12]}
    users["Mateus Costa"] = make_user(role=Role.MODERATOR, name="Mateus Costa", email=address_of("Mateus Costa"))
    users["Hanna Virtanen"] = make_user(role=Role.ADMIN, name="Hanna Virtanen", email=address_of("Hanna Virtanen"))
    users["Nikos Papadopoulos"] = make_user(verified=False, name="Nikos Papadopoulos",
                                            email=address_of("Nikos Papadopoulos"))
    users["Eva Horváth"] = make_user(active=False, name="Eva Horváth", email=address_of("Eva Horváth"))
    people = list(users.values())

    # The example experts become the profiles of the first six people, and the contact persons of projects.
    experts = list(db.session.scalars(sa.select(Expert).order_by(Expert.id)))
    for expert, person in zip(experts, people):
        expert.user_id = expert.owner_id = person.id
    projects = list(db.session.scalars(sa.select(Project).order_by(Project.id)))
    for n, project in enumerate(projects):
        project.contacts = [experts[n % len(experts)], experts[(n + 1) % len(experts)]]
        project.owner_id = people[6 + n % 4].id  # owners
    resources = list(db.session.scalars(sa.select(Resource).order_by(Resource.id)))
    for n, resource in enumerate(resources[::3]):
        resource.owner_id = people[n % len(people)].id
    # Members (and owners) of the organisations behind the projects and of the first museums.
    organisations = list(db.session.scalars(sa.select(Organisation).order_by(Organisation.id).limit(40)))
    organisations += [link.organisation for project in projects for link in project.organisation_links]
    for n, organisation in enumerate(dict.fromkeys(organisations)):
        organisation.owner_id = people[n % len(people)].id
        for person in (people[n % len(people)], people[(n + 5) % len(people)]):
            db.session.merge(Membership(user_id=person.id, organisation_id=organisation.id))
    # People asking to join organisations of the logged-in member.
    for n, organisation in enumerate(dict.fromkeys(organisations)):
        if n % len(people) == 0:
            for person in people[1:4]:
                db.session.add(MembershipRequest(user_id=person.id, organisation_id=organisation.id,
                                                 message=f"I work with {person.display_name}."))
    db.session.commit()
    return people, people[0]


def public_pages(client) -> list[str]:
    """Every public page: home, lists (with their first pages), search, topics, countries, and each
    published project, expert and resource, a sample of organisations (those the people belong to
    first), with their contact and report forms."""
    pages = ["/", "/about", "/privacy", "/register", "/login", "/forgot-password", "/topics", "/countries",
             "/experts", "/search", "/search?q=museum", "/search?q=Anna+Bakker", "/search?q=handwriting",
             "/search/suggest?q=mus", "/organisations?q=museum", "/projects?country=NL"]
    pages += [f"/{kind}?page={n}" for kind in ("projects", "resources", "organisations") for n in (1, 2, 3)]
    for index in ("/topics", "/countries"):
        html = client.get(index).get_data(as_text=True)
        pages += sorted(set(re.findall(rf'href="({index}/[^"?#]+)"', html)))
    published = EntryStatus.PUBLISHED
    for model in (Project, Expert, Resource):
        pages += [f"/{model.__tablename__}/{slug}" for slug in db.session.scalars(
            sa.select(model.slug).where(model.status == published).order_by(model.id))]
    with_people = sa.select(Membership.organisation_id)
    organisations = db.session.scalars(
        sa.select(Organisation.slug).where(Organisation.status == published)
        .order_by(Organisation.id.in_(with_people).desc(), Organisation.id).limit(ORGANISATIONS))
    pages += [f"/organisations/{slug}" for slug in organisations]
    closed = set(db.session.scalars(sa.select(Expert.slug).where(Expert.open_to_contact.is_(False))))
    entries = [p for p in pages if re.fullmatch(r"/(projects|experts|resources|organisations)/[^/?]+", p)]
    for page in entries:
        kind, slug = page[1:].split("/")
        if not (kind == "experts" and slug in closed):
            pages.append(f"/contact/{kind[:-1]}/{slug}")
        pages.append(f"/report/{kind[:-1]}/{slug}")
    return pages


def test_no_page_shows_anybodys_email_address(app, client):
    summary = demo.load_demo()
    db.session.commit()
    assert summary.errors == [] and summary.created > 4_700
    people, member = people_in_every_role()
    addresses = {person.email for person in people}
    assert len(addresses) == len(PEOPLE) and all(re.fullmatch(r"[a-z]+\.[a-z]+@museum\.example", a)
                                                 for a in addresses), addresses
    # Each address as written, URL-encoded and with the @ as an HTML entity, in any case.
    forms = [form for a in addresses for form in (a, quote(a), a.replace("@", "&#64;"))]

    def shown(html: str) -> str | None:
        html = html.lower()
        if "museum.example" not in html:  # the quick answer for nearly every page
            return None
        return next((form for form in forms if form in html), None)

    pages = public_pages(client)
    assert len(pages) > 1_400
    assert any(p.startswith("/contact/expert/") for p in pages) and any(p.startswith("/topics/") for p in pages)

    def visit(viewer: str, own: str | None = None) -> int:
        contact_forms = 0
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, f"{viewer}: {page} answered {response.status_code}"
            html = response.get_data(as_text=True)
            if own and page.startswith("/contact/"):
                # The member's own address fills the address field of the form, for them alone.
                field = f'name="email" required type="email" value="{own}"'
                assert field in html, f"{page}: the member's address is not in the form"
                html = html.replace(field, "", 1)
                contact_forms += 1
            found = shown(html)
            assert not found, f"{viewer}: {page} shows {found}"
        return contact_forms

    visit("an anonymous visitor")
    login_as(client, member)
    assert client.get("/account").status_code == 200  # logged in
    # Pages only members see: joining an organisation.
    pages += [f"{p}/join" for p in pages if re.fullmatch(r"/organisations/[^/?]+", p)][:50]
    assert visit("a logged-in member", own=member.email) > 400
