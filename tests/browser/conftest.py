"""Real-browser fixtures: the app served by uvicorn on a free port of 127.0.0.1,
Debian's chromium driven by Playwright, and a phone-sized page that records
every console error, uncaught script error and Content Security Policy violation.

Missing prerequisites (chromium, the local htmx) skip these tests with what to
install, except on CI (CI=true), where they fail so the journeys are never
silently left out.
"""

import contextlib
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from server import assets
from server.accounts import service, sessions
from server.accounts.codes import pretty
from server.accounts.models import User
from server.settings import Settings
from tests.serving import LiveServer, serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_WIDTH, PHONE_HEIGHT = 360, 740

# Chromium reports a CSP violation as a console error; this catches it by the event
# as well, so a violation cannot slip through whatever the console wording.
RECORD_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


def missing(prerequisite: str) -> None:
    """Skip, saying what to install; on CI fail instead, so nothing is silently skipped."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{prerequisite} (CI=true: browser tests must run, not skip)", pytrace=False)
    pytest.skip(prerequisite)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        missing(f"Debian's chromium is not installed at {CHROMIUM}: apt-get install chromium")
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """The whole app, with local htmx, served for real on 127.0.0.1 (database already migrated)."""
    if problem := assets.local_problem():
        missing(f"The local htmx cannot be served. {problem}")
    with serve(settings.with_(htmx_source="local")) as server:
        yield server


@pytest.fixture
def invite_code(live_server: LiveServer) -> str:
    """An invite code a youth worker at Riverside Youth Club made, as they would read it out."""
    runtime = live_server.runtime
    with runtime.db.write() as session:
        org = service.create_organisation(session, name="Riverside Youth Club")
        worker = service.create_user(
            session, runtime.passwords, org_slug=org.slug,
            username="worker", display_name="Sam", role="youth_worker", age_band=None,
            password="a-long-staff-password")
        assert worker.id is not None
        actor = sessions.viewer_for_user(session, worker.id)
        assert actor is not None
        invite = service.create_invite(session, actor=actor, label="Tuesday group",
                                       days="14", max_uses="30")
        return pretty(invite.code)


FAILED_TO_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


@dataclass
class Phone:
    """A phone-sized browser tab on the live server, and every problem it reported."""

    page: Page
    origin: str
    problems: list[str] = field(default_factory=list)
    # Statuses a test expects for a page itself, such as 422 for a form sent back to fix.
    expected_statuses: set[int] = field(default_factory=set)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        failed = FAILED_TO_LOAD.match(message.text)
        if failed and int(failed[1]) in self.expected_statuses and url == self.page.url:
            return
        self.problems.append(f"console error from {url or self.page.url}: {message.text}")

    def on_page_error(self, error: Error) -> None:
        self.problems.append(f"script error on {self.page.url}: {error}")


@contextlib.contextmanager
def phone_for(browser: Browser, live_server: LiveServer) -> Iterator[Phone]:
    """A phone of its own (its own cookies), for a second person in the same test."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
        device_scale_factor=2, is_mobile=True, has_touch=True)
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    tab = Phone(context.new_page(), live_server.url)
    tab.page.on("console", tab.on_console)
    tab.page.on("pageerror", tab.on_page_error)
    try:
        yield tab
    finally:
        context.close()


PASSWORD = "a-long-test-password"  # the password of the people browser tests make


def log_in(phone: Phone, username: str, name: str) -> None:
    """Log in on the phone and land on the home page that greets them."""
    page = phone.page
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=f"Hi {name}")).to_be_visible()


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Phone]:
    with phone_for(browser, live_server) as tab:
        yield tab


# What a person would notice, checked on every page a test visits -----------------

TAP_TARGET_MIN_PX = 44
INTERACTIVE = "a[href], button, input, select, textarea, summary"

SMALL_TAP_TARGETS = """
([selector, minimum]) => {
  const found = document.querySelectorAll(
    `header :is(${selector}), main :is(${selector})`);
  return [...found].flatMap((element) => {
    if (element.type === "hidden" || !element.checkVisibility()) return [];
    // A radio button or checkbox is tapped through its label, so the label is the target.
    const target = ["radio", "checkbox"].includes(element.type) && element.labels.length
      ? element.labels[0] : element;
    const height = target.getBoundingClientRect().height;
    const name = (target.innerText || element.name || element.outerHTML).trim().slice(0, 60);
    return height < minimum ? [`<${element.localName}> "${name}" is ${height}px tall`] : [];
  });
}
"""


def assert_tap_targets_big_enough(page: Page) -> None:
    """Every visible link, button and form field in the header and <main> is at least 44px tall."""
    small = page.evaluate(SMALL_TAP_TARGETS, [INTERACTIVE, TAP_TARGET_MIN_PX])
    assert small == [], f"tap targets under {TAP_TARGET_MIN_PX}px on {page.url}: {small}"


def assert_no_sideways_scrolling(page: Page) -> None:
    """Nothing is wider than the screen. A phone's Chromium widens window.innerWidth to fit
    wide content, so the window is also checked against the phone's own width."""
    content, window = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert content <= window == PHONE_WIDTH, (
        f"{page.url} scrolls sideways: {content}px of content, {window}px window, "
        f"{PHONE_WIDTH}px screen")


def assert_local_htmx_loaded(page: Page, origin: str) -> None:
    """htmx ran, and it (like every script) came from this server, never a CDN."""
    page.wait_for_function("() => window.htmx !== undefined")
    sources = page.eval_on_selector_all("script[src]", "scripts => scripts.map(s => s.src)")
    pinned = [f"{origin}{script.local_url}" for script in assets.PINNED]
    assert sources[:len(pinned)] == pinned, sources
    # Anything else is the app's own script, from this server.
    assert all(src.startswith(f"{origin}/static/js/") for src in sources[len(pinned):]), sources
    assert page.evaluate("() => htmx.version") == assets.HTMX.version


def assert_fine_on_a_phone(phone: Phone) -> None:
    """The checks for every page: fits the screen, big tap targets, local htmx, no errors."""
    page = phone.page
    page.wait_for_load_state("load")
    assert_local_htmx_loaded(page, phone.origin)
    assert_no_sideways_scrolling(page)
    assert_tap_targets_big_enough(page)
    assert phone.problems == []


def make_people(live_server: LiveServer, worker: str,
                young: Sequence[tuple[str, str, str]]) -> list[User]:
    """An organisation with a youth worker (`worker` is their username and, titled, their name)
    and young people (username, display name, age band); the young people, in order."""
    runtime = live_server.runtime
    with runtime.db.write() as session:
        org = service.create_organisation(session, name="Riverside Youth Club")
        service.create_user(session, runtime.passwords, org_slug=org.slug, username=worker,
                            display_name=worker.title(), role="youth_worker", age_band=None,
                            password=PASSWORD)
        return [service.create_user(session, runtime.passwords, org_slug=org.slug,
                                    username=username, display_name=name,
                                    role="young_person", age_band=band, password=PASSWORD)
                for username, name, band in young]
