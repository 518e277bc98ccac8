"""What the browser tests share: the live hub, logging in, axe-core, focus checks, and the
list of page types that the accessibility, screenshot and same-host tests visit."""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import Outbox

PROJECT_DIR = Path(__file__).resolve().parents[2]
AXE_JS = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_DIR / "screenshots"
CHROMIUM = shutil.which("chromium")
# Quiet, offline and sandbox-free in containers (ARCHITECTURE.md, "pitfalls already met").
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
PASSWORD = "correct horse battery staple"  # the factories' password, typed into the login form
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PLAYWRIGHT_MISSING = "browser tests skipped: playwright is not installed (pip install -r requirements-dev.txt)"


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return PLAYWRIGHT_MISSING
    if CHROMIUM is None:
        return "browser tests skipped: chromium not found (apt-get install chromium)"
    return None


def axe_missing() -> str | None:
    if not AXE_JS.exists():
        return "accessibility tests skipped: axe-core missing: run npm ci"
    return None


@dataclass
class Person:
    id: int
    email: str
    name: str


@dataclass
class LiveHub:
    app: object
    base_url: str
    outbox: Outbox
    people: dict[str, Person] = field(default_factory=dict)
    # Paths of seeded pages by name ("project", "review", ...), and titles of seeded entries.
    paths: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    def is_own(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob", "about") or (
            parts.scheme in ("http", "https") and parts.netloc == self.host)

    def links_in_last_mail_to(self, address: str) -> list[str]:
        mails = self.outbox.to(address)
        assert mails, f"no mail to {address} in the outbox"
        return self.outbox.links(mails[-1])

    def text(self, language: str, message: str) -> str:
        """An interface text as the pages show it in `language` (the app's own catalogues),
        so that a test in French finds a button by its French name."""
        from flask_babel import gettext

        with self.app.test_request_context("/", headers={"Cookie": f"hub_lang={language}"}):
            return gettext(message)

    def run(self, work):
        """work() in an app context, committed: for rows a test needs before its journey starts."""
        from hub.db import db

        with self.app.app_context():
            try:
                result = work()
                db.session.commit()
                return result
            finally:
                db.session.remove()


def log_in_with_cookie(context, hub: LiveHub, person: Person) -> None:
    """A logged-in session without the password form (the journeys use the form): the
    Flask-Login session, signed as the app signs it."""
    app = hub.app
    value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": str(person.id), "_fresh": True})
    context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": hub.base_url}])


def log_in(page, person: Person) -> None:
    """Through the header's link and the login form, as a person does."""
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Log in").click()
    page.get_by_label(re.compile("^Email address")).fill(person.email)
    page.get_by_label(re.compile("^Password")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("You are logged in.").wait_for()


def axe_violations(page, source: str) -> list[dict]:
    """axe-core's WCAG 2.1 A and AA violations on the page. Injected with evaluate, which the
    content security policy does not block (it would block a script tag)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    result = page.evaluate("""(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                          resultTypes: ['violations']})""", WCAG_AA)
    return result["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:10]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


# The focused element, described, and whether its focus can be seen: an outline or a box shadow.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  const box = el.getBoundingClientRect();
  const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 60);
  return {tag: el.tagName.toLowerCase(), text,
          id: el.id, visible: outline || shadow, outline: style.outline, shadow: style.boxShadow,
          onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0};
}"""


def tab_to(page, target, max_presses: int = 150) -> list[dict]:
    """Press Tab until `target` (a locator) has the focus; every element met on the way must
    show its focus. Returns what was focused, in order."""
    met = []
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        assert state is not None, "Tab left the page's elements"
        met.append(state)
        assert state["visible"], f"focus is not visible on {state}"
        assert state["onScreen"], f"the focused element is off screen: {state}"
        if target.evaluate("el => el === document.activeElement"):
            return met
    raise AssertionError(f"{target} not reached in {max_presses} presses of Tab; met {[m['text'] for m in met]}")


@dataclass(frozen=True)
class PageType:
    name: str
    path: str  # "@key": a seeded page, hub.paths[key]
    who: str | None = None  # logged in as hub.people[who]
    submit: str | None = None  # the form's button, pressed with the form empty: its error state
    status: int = 200
    tamper_csrf: bool = False  # sent with a wrong CSRF token: the 400 page
    screenshot: bool = True  # one of the main pages that test_screenshots saves
    french: bool = True  # also checked in French (the pages of the required list are)


PAGE_TYPES = [
    PageType("home", "/"),
    PageType("projects", "/projects"),
    PageType("projects-filtered", "/projects?topic=text-recognition&country=NL", screenshot=False),
    PageType("experts", "/experts"),
    PageType("resources", "/resources"),
    PageType("organisations", "/organisations"),
    PageType("topics", "/topics"),
    PageType("countries", "/countries"),
    PageType("about", "/about", screenshot=False),
    PageType("privacy", "/privacy", screenshot=False),
    PageType("search", "/search?q=text+recognition"),
    PageType("search-facets", "/search?q=text+recognition&type=project&country=NL", screenshot=False),
    PageType("search-empty", "/search?q=qqxyzzy+wqqvv"),
    PageType("project", "@project"),
    PageType("project-demo", "@demo-project", screenshot=False),
    PageType("expert", "@expert"),
    PageType("resource", "@resource"),
    PageType("organisation", "@organisation"),
    PageType("topic", "@topic"),
    PageType("country", "@country"),
    PageType("register-errors", "/register", submit="Create account"),
    PageType("login-errors", "/login", submit="Log in"),
    PageType("forgot-password-errors", "/forgot-password", submit="Send the link", screenshot=False),
    PageType("reset-password-errors", "@reset", submit="Save the new password", screenshot=False),
    PageType("organisation-form-errors", "/submit/organisation", who="member", submit="Submit for review",
             screenshot=False),
    PageType("project-form-errors", "/submit/project", who="member", submit="Submit for review"),
    PageType("resource-form-errors", "/submit/resource", who="member", submit="Submit for review",
             screenshot=False),
    PageType("expert-form-errors", "/submit/expert", who="colleague", submit="Submit for review",
             screenshot=False),
    PageType("contact-form-errors", "@contact", submit="Send the message"),
    PageType("report-form-errors", "@report", submit="Send the report", screenshot=False),
    PageType("moderation-queue", "/moderation", who="moderator"),
    PageType("review", "@review", who="moderator"),
    PageType("review-errors", "@review", who="moderator", submit="Save the decision", screenshot=False),
    PageType("account", "/account", who="member"),
    PageType("submissions", "/account/submissions", who="member"),
    PageType("messages", "/account/messages", who="member"),
    PageType("message", "@message", who="member", screenshot=False),
    PageType("admin-users", "/admin/users", who="admin"),
    PageType("admin-user", "@admin-user", who="admin", screenshot=False),
    # Further pages of moderators and members, checked in English only (to keep the run short).
    PageType("review-revision", "@revision", who="moderator", screenshot=False, french=False),
    PageType("entry-history", "@history", who="moderator", screenshot=False, french=False),
    PageType("audit-log", "/moderation/log", who="moderator", screenshot=False, french=False),
    PageType("search-insights", "/moderation/search-insights", who="moderator", screenshot=False, french=False),
    PageType("membership-requests", "/moderation/membership-requests", who="moderator", screenshot=False,
             french=False),
    PageType("contact-moderation", "/moderation/messages", who="moderator", screenshot=False, french=False),
    PageType("account-settings", "/account/settings", who="member", screenshot=False, french=False),
    PageType("account-organisations", "/account/organisations", who="member", screenshot=False, french=False),
    PageType("error-404", "/no-such-page", status=404),
    PageType("error-403", "/moderation", who="member", status=403, screenshot=False),
    PageType("error-400", "/login", submit="Log in", tamper_csrf=True, screenshot=False),
]


def open_page(new_context, hub: LiveHub, spec: PageType, language: str = "en", width: int = 1280):
    """A new context (logged in as spec.who) on the page, in its error state if it has one."""
    page = new_context(login=spec.who, language=language, width=width).new_page()
    visit(page, hub, spec, language)
    return page


def visit(page, hub: LiveHub, spec: PageType, language: str = "en") -> None:
    path = hub.paths[spec.path[1:]] if spec.path.startswith("@") else spec.path
    response = page.goto(path)
    assert response.status == (200 if spec.submit else spec.status), f"{path} answered {response.status}"
    if spec.submit:
        if spec.tamper_csrf:  # hidden inputs have no label to find them by
            page.evaluate("() => document.querySelectorAll('input[name$=csrf_token]').forEach(i => i.value = 'x')")
        with page.expect_navigation() as navigation:
            page.get_by_role("main").get_by_role("button", name=hub.text(language, spec.submit)).click()
        status = navigation.value.status
        assert status in ((400,) if spec.tamper_csrf else (200, 422)), f"{spec.name}: {status}"
        if not spec.tamper_csrf:
            page.get_by_role("alert").filter(has_text=hub.text(language, "There is a problem")).wait_for()
