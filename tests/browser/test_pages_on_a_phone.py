"""Every page each kind of person can reach fits a 360px phone, with big tap targets,
and logging in works with the keyboard alone."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import Session

from server import clock
from server.accounts import service, sessions
from server.campaigns import service as campaigns
from tests.browser.conftest import LiveServer, Phone, assert_fine_on_a_phone

pytestmark = pytest.mark.browser

PASSWORD = "a-long-test-password"


@pytest.fixture
def people(live_server: LiveServer) -> dict[str, int]:
    runtime = live_server.runtime
    ids = {}
    with runtime.db.write() as session:
        org = service.create_organisation(session, name="Riverside Youth Club")
        for username, role, band in (("priya", "org_admin", None), ("sam", "youth_worker", None),
                                     ("jade", "young_person", "16_17"),
                                     ("milo", "young_person", "under_13")):
            user = service.create_user(session, runtime.passwords, org_slug=org.slug,
                                       username=username, display_name=username.title(),
                                       role=role, age_band=band, password=PASSWORD)
            assert user.id is not None
            ids[username] = user.id
        actor = sessions.viewer_for_user(session, ids["sam"])
        assert actor is not None
        service.create_invite(session, actor=actor, label="Tuesday group", days="7",
                              max_uses="20")
        ids["campaign"] = live_campaign(session, lead=ids["jade"], facilitator=ids["sam"])
    return ids


def live_campaign(session: Session, *, lead: int, facilitator: int) -> int:
    """A live campaign with everything a campaign page can show."""
    jade = sessions.viewer_for_user(session, lead)
    sam = sessions.viewer_for_user(session, facilitator)
    assert jade is not None and sam is not None
    deadline = (clock.now().date() + timedelta(days=30)).isoformat()
    campaign = campaigns.create_campaign(session, actor=jade, data={
        "title": "A quieter room for homework", "issue": "The club is too loud to read in.",
        "deadline": deadline, "exact": "A quiet room is open every Tuesday evening.",
        "measure_what": "people using the quiet room", "measure_target": "15",
        "measure_unit": "people"}, steps=["Ask the manager", "Find a room"])
    assert campaign.id is not None
    campaigns.go_live(session, actor=jade, campaign_id=campaign.id)
    campaigns.join_as_facilitator(session, actor=sam, campaign_id=campaign.id)
    campaigns.add_stakeholder(session, actor=jade, campaign_id=campaign.id, data={
        "name": "Club manager", "organisation": "Riverside Youth Club", "notes": "Said maybe."})
    campaigns.record_progress(session, actor=jade, campaign_id=campaign.id, measure="4",
                              update="We found a room.")
    return campaign.id


def log_in(phone: Phone, username: str) -> None:
    page = phone.page
    page.goto("/login")
    assert_fine_on_a_phone(phone)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(username.title())


CAMPAIGN_PAGES = ["/campaigns", "/campaigns/{campaign}", "/campaigns/{campaign}/people"]
PAGES = {
    "jade": ["/", "/account", *CAMPAIGN_PAGES, "/campaigns/{campaign}/edit", "/campaigns/new",
             "/campaigns/join"],
    "milo": ["/", "/account", "/campaigns", "/campaigns/{campaign}"],
    "sam": ["/", "/account", *CAMPAIGN_PAGES, "/people", "/people?role=young_person",
            "/people/{jade}", "/people/{milo}", "/people/{priya}", "/invites"],
    "priya": ["/", "/account", *CAMPAIGN_PAGES, "/people", "/people/{sam}", "/people/{milo}",
              "/people/new", "/invites"],
}


@pytest.mark.parametrize("username", list(PAGES))
def test_every_page_fits_a_phone(phone: Phone, people: dict[str, int], username: str) -> None:
    log_in(phone, username)
    assert_fine_on_a_phone(phone)
    for path in PAGES[username]:
        phone.page.goto(path.format(**people))
        expect(phone.page.get_by_role("heading", level=1)).to_be_visible()
        assert_fine_on_a_phone(phone)


def test_pages_before_logging_in_fit_a_phone(phone: Phone, people: dict[str, int]) -> None:
    for path in ("/", "/login", "/join", "/reset"):
        phone.page.goto(path)
        assert_fine_on_a_phone(phone)
    phone.expected_statuses.add(404)
    phone.page.goto("/no-such-page")
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    assert_fine_on_a_phone(phone)


def test_a_youth_worker_makes_a_reset_code_on_a_phone(phone: Phone,
                                                      people: dict[str, int]) -> None:
    log_in(phone, "sam")
    phone.page.goto(f"/people/{people['jade']}")
    phone.page.get_by_role("button", name="Make a reset code").click()
    code = phone.page.locator(".notice .code")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}$"))
    assert_fine_on_a_phone(phone)


def test_logging_in_with_the_keyboard_alone(browser: Browser, live_server: LiveServer,
                                            people: dict[str, int]) -> None:
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto("/login")
    # The first Tab reaches the skip link, which jumps straight to the form.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Enter")
    focused = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("() => document.activeElement.id"))
        if focused[-1] == "f-username":
            break
    assert focused[-1] == "f-username", focused
    page.keyboard.type("jade")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("id", "f-password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi Jade")
    # Focus is visible: the focused control draws an outline.
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    context.close()
