"""A youth worker on their phone confirms a decision young people made, then downloads the
organisation's evidence as a spreadsheet's rows: the decision is there, confirmed, with the
young people counted and never named."""

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from server import clock
from server.ladder import decisions
from tests.accounts.helpers import viewer_of
from tests.browser.conftest import Phone, assert_fine_on_a_phone, log_in, make_people
from tests.campaigns.pages import join, make_campaign
from tests.campaigns.polls_helpers import make_poll, option_ids, vote
from tests.serving import LiveServer

pytestmark = pytest.mark.browser

TITLE = "We meet the course manager on Thursday"


@pytest.fixture
def decision(live_server: LiveServer) -> dict[str, Any]:
    """Joe ran a poll in his campaign, Amira and Joe voted, and the decision followed it."""
    db = live_server.runtime.db
    joe, amira = make_people(live_server, "sam", [("joe", "Joe Bloggs", "16_17"),
                                                   ("amira", "Amira Khan", "13_15")])
    campaign = make_campaign(db, joe)
    join(db, amira, campaign)
    poll = make_poll(db, joe, campaign)
    vote(db, amira, poll, [option_ids(db, poll)["Library"]])
    vote(db, joe, poll, [option_ids(db, poll)["Library"]])
    yesterday = clock.now().date() - timedelta(days=1)
    with db.write() as session:
        found = decisions.record_decision(session, actor=viewer_of(db, joe),
                                          campaign_id=campaign.id or 0, data={
            "title": TITLE, "decided_on": yesterday.isoformat(),
            "decided_by": "young_people", "poll_ids": [poll.id],
            "poll_bound_outcome": True})
    return {"id": found.id, "decided_on": yesterday.isoformat()}


def test_a_youth_worker_confirms_a_decision_and_downloads_the_evidence(
        phone: Phone, decision: dict[str, Any]) -> None:
    page = phone.page
    log_in(phone, "sam", "Sam")
    page.goto(f"/decisions/{decision['id']}")
    assert_fine_on_a_phone(phone)
    confirmation = page.locator(".confirmation")
    expect(confirmation).to_have_text("Not confirmed yet")
    page.get_by_role("button", name="Confirm the decision").click()
    expect(confirmation).to_contain_text("Confirmed by Sam")
    # Confirmed evidence is never changed silently: only an amendment is offered now.
    expect(page.get_by_role("link", name="Amend it")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm the decision")).to_have_count(0)

    page.get_by_role("link", name="Evidence").first.click()
    expect(page.get_by_role("heading", name="Evidence", exact=True)).to_be_visible()
    assert_fine_on_a_phone(phone)
    expect(page.locator("#headline-young-people")).to_contain_text("2")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as saved:
        text = saved.read()
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["decision"] == TITLE
    assert row["decided_on"] == decision["decided_on"]
    assert row["rung"] == "Full Control"
    assert row["confirmed"] == "yes"
    assert row["young_people"] == "2"
    assert row["ballots"] == "2"
    assert (row["age_13_15"], row["age_16_17"]) == ("1", "1")
    for name in ("Joe", "Bloggs", "Amira", "Khan", "joe", "amira"):
        assert name not in text
