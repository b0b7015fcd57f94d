"""Two phones on one campaign: a vote and a comment on one show on the other without a reload."""

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from server.accounts import service
from server.campaigns import polls
from tests.accounts.helpers import viewer_of
from tests.browser.conftest import (
    PASSWORD,
    LiveServer,
    Phone,
    assert_fine_on_a_phone,
    log_in,
    phone_for,
)
from tests.campaigns.pages import join, make_campaign

pytestmark = pytest.mark.browser

@pytest.fixture
def campaign(live_server: LiveServer) -> dict[str, Any]:
    runtime = live_server.runtime
    db = runtime.db
    with db.write() as session:
        org = service.create_organisation(session, name="Riverside Youth Club")
        people = [service.create_user(session, runtime.passwords, org_slug=org.slug,
                                      username=username, display_name=name,
                                      role="young_person", age_band="16_17", password=PASSWORD)
                  for username, name in (("joe", "Joe"), ("amira", "Amira"))]
    joe, amira = people
    found = make_campaign(db, joe)
    join(db, amira, found)
    with db.write() as session:
        poll = polls.create_poll(session, actor=viewer_of(db, joe), campaign_id=found.id,
                                 data={"kind": "single", "question": "Where should we meet?",
                                       "options": ["Library", "Youth club", "College"]})
    return {"campaign": found, "poll": poll}


def test_a_vote_and_a_comment_on_one_phone_show_on_the_other(
        phone: Phone, browser: Browser, live_server: LiveServer,
        campaign: dict[str, Any]) -> None:
    path = f"/campaigns/{campaign['campaign'].id}"
    poll_id = campaign["poll"].id
    log_in(phone, "joe", "Joe")
    phone.page.goto(path)
    expect(phone.page.locator("#live-status")).to_have_text("Updating live")
    joes_results = phone.page.locator(f"#poll-{poll_id}-results")
    expect(joes_results).to_contain_text("0 votes")

    with phone_for(browser, live_server) as second:
        log_in(second, "amira", "Amira")
        second.page.goto(path)
        expect(second.page.locator("#live-status")).to_have_text("Updating live")
        assert_fine_on_a_phone(second)
        # Joe's page will not reload: anything it shows from now on came over the websocket.
        phone.page.evaluate("() => { window.notReloaded = true; }")

        ballot = second.page.locator(f"#poll-{poll_id}")
        ballot.get_by_label("Youth club").check()
        ballot.get_by_role("button", name="Vote").click()
        expect(second.page.locator(f"#poll-{poll_id}-ballot")).to_contain_text("Youth club")

        expect(joes_results).to_contain_text("1 vote")
        expect(joes_results).to_contain_text("Youth club")

        second.page.get_by_label("Add a comment").fill("Youth club has free wifi!")
        second.page.get_by_role("button", name="Post comment").click()
        expect(phone.page.locator("#comments")).to_contain_text("Youth club has free wifi!")
        # Amira's own comment has her edit button; on Joe's phone it does not.
        expect(second.page.locator("#comments .comment.mine")).to_have_count(1)
        expect(phone.page.locator("#comments .comment.mine")).to_have_count(0)
        assert phone.page.evaluate("() => window.notReloaded") is True
        assert second.problems == []
    assert_fine_on_a_phone(phone)
    assert phone.problems == []
