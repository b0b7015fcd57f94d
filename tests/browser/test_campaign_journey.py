"""On a phone: a young person starts a campaign, is told its goal is not measurable yet,
fixes it, takes it live, and a friend joins with the code."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect

from server import clock
from server.accounts import service
from server.accounts.codes import ALPHABET
from tests.browser.conftest import (
    PASSWORD,
    LiveServer,
    Phone,
    assert_fine_on_a_phone,
    log_in,
    phone_for,
)

pytestmark = pytest.mark.browser

@pytest.fixture
def young_people(live_server: LiveServer) -> None:
    runtime = live_server.runtime
    with runtime.db.write() as session:
        org = service.create_organisation(session, name="Riverside Youth Club")
        for username, name, band in (("joe", "Joe", "16_17"), ("amira", "Amira", "13_15")):
            service.create_user(session, runtime.passwords, org_slug=org.slug,
                                username=username, display_name=name, role="young_person",
                                age_band=band, password=PASSWORD)


def test_a_campaign_from_idea_to_a_friend_joining(
        phone: Phone, browser: Browser, live_server: LiveServer, young_people: None) -> None:
    page = phone.page
    log_in(phone, "joe", "Joe")
    page.get_by_role("link", name="Start a campaign").first.click()
    expect(page.get_by_role("heading", name="Start a campaign")).to_be_visible()
    assert_fine_on_a_phone(phone)

    deadline = (clock.now().date() + timedelta(days=60)).isoformat()
    page.get_by_label("Title").fill("Safe way to college")
    page.get_by_label("The issue, in your own words").fill(
        "We have to walk across the estate where we don't feel safe, or catch a bus "
        "none of us knows how to read the timetable for.")
    page.get_by_label("Deadline").fill(deadline)
    page.get_by_label("What exactly will be different").fill(
        "Every student from the estate knows which bus goes straight to college.")
    page.get_by_label("Step 1").fill("Ask the course managers to meet us")
    page.get_by_role("button", name="Save and go live").click()

    # Told, in plain words, that the M is missing; everything typed is kept as a draft, at the
    # draft's own address.
    expect(page).to_have_url(re.compile(r"/campaigns/\d+/edit\?publish=1$"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("M: Add a measure")
    expect(page.locator(".notice[role=status]")).to_contain_text("Saved as a draft")
    expect(page.get_by_label("Title")).to_have_value("Safe way to college")
    expect(page.get_by_label("Deadline")).to_have_value(deadline)
    goal = page.get_by_role("list", name="TEAM goal")
    expect(goal.get_by_role("listitem")).to_have_count(4)
    expect(goal.get_by_role("listitem").filter(has_text="Measurable")).to_contain_text(
        "not done yet")
    expect(goal.get_by_role("listitem").filter(has_text="Time-specific")).to_contain_text(
        "done")
    assert_fine_on_a_phone(phone)

    summary.get_by_role("link").first.click()
    expect(page.get_by_label("What will you count?")).to_be_focused()
    page.get_by_label("What will you count?").fill("students who know which bus to take")
    page.get_by_label("Target").fill("20")
    page.get_by_label("The number now").fill("2")
    page.get_by_label("Unit (optional)").fill("students")
    page.get_by_role("button", name="Save and go live").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Safe way to college")
    expect(page.locator(".notice[role=status]")).to_contain_text("Your campaign is live")
    expect(page.get_by_text("Live", exact=True)).to_be_visible()
    expect(page.get_by_text("60 days left")).to_be_visible()
    expect(page.get_by_label("Progress toward the target")).to_be_visible()
    code = page.locator(".code").inner_text()
    assert re.fullmatch(rf"[{ALPHABET}]{{3}}-[{ALPHABET}]{{3}}", code), code
    assert_fine_on_a_phone(phone)

    page.get_by_role("link", name="See who, and how to invite others").click()
    expect(page.get_by_role("img", name="QR code that opens the join link")).to_be_visible()
    # The image is a request of its own: it counts once it has loaded and has a size.
    page.wait_for_function("() => { const qr = document.querySelector('img.qr');"
                           " return qr !== null && qr.complete && qr.naturalWidth > 0; }")
    assert_fine_on_a_phone(phone)

    # A friend types the code the way people do: lower case, no dash.
    with phone_for(browser, live_server) as friend:
        log_in(friend, "amira", "Amira")
        friend.page.goto("/campaigns/join")
        assert_fine_on_a_phone(friend)
        friend.page.get_by_label("Campaign code").fill(code.lower().replace("-", ""))
        friend.page.get_by_role("button", name="Join").click()
        expect(friend.page.locator(".notice[role=status]")).to_have_text(
            "You have joined the campaign.")
        expect(friend.page.get_by_role("heading", level=1)).to_have_text("Safe way to college")
        expect(friend.page.get_by_text("2 people in this campaign.")).to_be_visible()
        assert_fine_on_a_phone(friend)

    # Joe sees that something happened since his last visit.
    page.goto("/")
    expect(page.get_by_role("link", name=re.compile("Safe way to college"))).to_contain_text(
        "1 new since your last visit: someone joined")
    assert_fine_on_a_phone(phone)
