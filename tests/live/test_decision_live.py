""""You said, we did" live: a real server, a member's open campaign page on a real websocket,
and the lead publishing what was done with an ordinary HTTP request."""

from bs4 import BeautifulSoup

from server.ladder import decisions
from server.live import events
from tests.accounts.helpers import viewer_of
from tests.live.conftest import Setup

WE_DID = "The bus stop moves to the college gate in September."


def test_a_members_open_page_hears_we_did_and_the_campaign_page_then_shows_it(
        room: Setup) -> None:
    db = room.server.runtime.db
    assert room.campaign.id is not None
    with db.write() as session:
        decision = decisions.record_decision(
            session, actor=viewer_of(db, room.lead.user), campaign_id=room.campaign.id,
            data={"title": "Move the bus stop", "decided_on": "2020-01-01",
                  "decided_by": "adults", "you_said": "You said the stop is too dark."})
    with db.read() as session:
        seen = events.latest_id(session, room.campaign.id)
    page = room.member.socket(room.campaign, after=seen)

    published = room.lead.post(f"/decisions/{decision.id}/publish", {"we_did": WE_DID})
    assert published.status_code == 303, published.text

    _number, fragment = page.next_event()
    soup = BeautifulSoup(fragment, "html.parser")
    added = soup.select_one('[hx-swap-oob="afterbegin:#feed-list"]')
    assert added is not None, fragment
    item = added.select_one(f"li#feed-decision-{decision.id}")
    assert item is not None
    words = item.get_text(" ", strip=True)
    assert "You said, we did:" in words and "Move the bus stop" in words
    assert f"We did: {WE_DID}" in words
    assert "You said: You said the stop is too dark." in words
    assert item.select_one(f'a[href="/decisions/{decision.id}"]') is not None
    # The same text goes to everyone: nobody's name is in it.
    assert room.lead.user.display_name not in fragment
    # "Nothing yet" goes, if the page still says it.
    assert soup.select_one('[hx-swap-oob="delete:#feed-empty"]') is not None

    with room.member.http() as client:
        shown = client.get(f"/campaigns/{room.campaign.id}")
    assert shown.status_code == 200
    first = BeautifulSoup(shown.text, "html.parser").select_one("#feed-list li")
    assert first is not None
    assert "shared what was done about a decision" in first.get_text()
    assert WE_DID in first.get_text()
