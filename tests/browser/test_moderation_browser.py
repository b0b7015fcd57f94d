"""A youth worker and a young person on their phones: what the youth worker does about a
comment shows on the young person's page, and what the young person reports shows in the
youth worker's console, both without a reload."""

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    Phone,
    assert_fine_on_a_phone,
    log_in,
    make_people,
    phone_for,
)
from tests.campaigns.pages import join, make_campaign, say
from tests.serving import LiveServer

pytestmark = pytest.mark.browser

UNKIND = "Amira's idea is stupid and so is she"
KIND = "Thursday after college works for me"


@pytest.fixture
def campaign(live_server: LiveServer) -> dict[str, Any]:
    """Joe's campaign with Amira in it, and Sam, their youth worker."""
    db = live_server.runtime.db
    joe, amira = make_people(live_server, "sam", [("joe", "Joe", "16_17"),
                                                   ("amira", "Amira", "16_17")])
    found = make_campaign(db, joe)
    join(db, amira, found)
    unkind = say(db, joe, found, UNKIND)
    kind = say(db, joe, found, KIND)
    return {"path": f"/campaigns/{found.id}", "unkind": unkind["id"], "kind": kind["id"]}


def open_live(phone: Phone, path: str) -> Page:
    phone.page.goto(path)
    expect(phone.page.locator("#live-status")).to_have_text("Updating live")
    # This page will not reload: whatever it shows from now on came over its websocket.
    phone.page.evaluate("() => { window.notReloaded = true; }")
    return phone.page


def test_a_comment_a_youth_worker_hides_disappears_from_a_young_persons_phone(
        phone: Phone, browser: Browser, live_server: LiveServer,
        campaign: dict[str, Any]) -> None:
    log_in(phone, "amira", "Amira")
    amiras = open_live(phone, campaign["path"])
    unkind = amiras.locator(f"#comment-{campaign['unkind']}")
    expect(unkind).to_contain_text(UNKIND)
    # Young people never see the moderators' tools.
    expect(unkind.locator(".mod-actions")).to_be_hidden()

    with phone_for(browser, live_server) as worker:
        log_in(worker, "sam", "Sam")
        sams = open_live(worker, campaign["path"])
        assert_fine_on_a_phone(worker)
        comment = sams.locator(f"#comment-{campaign['unkind']}")
        expect(comment.locator(".mod-actions")).to_be_visible()
        comment.locator("summary", has_text="Hide").click()
        comment.get_by_label("Why are you hiding it?").fill("Unkind about Amira")
        comment.get_by_role("button", name="Hide it from everyone").click()

        expect(unkind).to_have_text(
            # The stand-in, and nothing of the words or who wrote them.
            "A youth worker hid this comment.", use_inner_text=True)
        expect(amiras.locator("#comments")).not_to_contain_text("stupid")
        expect(amiras.locator(f"#comment-{campaign['kind']}")).to_contain_text(KIND)
        assert amiras.evaluate("() => window.notReloaded") is True
        assert worker.problems == []
    assert_fine_on_a_phone(phone)


def test_a_report_from_a_young_persons_phone_shows_in_the_console_without_a_reload(
        phone: Phone, browser: Browser, live_server: LiveServer,
        campaign: dict[str, Any]) -> None:
    log_in(phone, "sam", "Sam")
    console = open_live(phone, "/moderation")
    expect(console.locator("#queue")).to_contain_text("No open reports.")

    with phone_for(browser, live_server) as young:
        log_in(young, "amira", "Amira")
        amiras = open_live(young, campaign["path"])
        comment = amiras.locator(f"#comment-{campaign['unkind']}")
        comment.locator("summary", has_text="Report").click()
        comment.get_by_label("Unkind").check()
        comment.get_by_label("Anything to add? (you don't have to)").fill("It's about me")
        comment.get_by_role("button", name="Send report").click()
        expect(comment).to_contain_text("Thanks for telling us.")
        assert young.problems == []

    reported = console.locator('section[aria-labelledby="reported-h"]')
    expect(reported).to_contain_text("Reported comments (1)")
    expect(reported).to_contain_text(UNKIND)
    expect(reported).to_contain_text("Unkind from Amira")
    expect(reported).to_contain_text("It's about me")
    assert console.evaluate("() => window.notReloaded") is True
    assert_fine_on_a_phone(phone)
