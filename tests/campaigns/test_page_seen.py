"""Opening a campaign catches its member up: what "My campaigns" counts as new since their last
visit is what others added to the feed after it. A visit when nothing is new changes nothing,
and writes nothing: the count stays exactly right either way."""

from server.campaigns import service
from tests.accounts.helpers import viewer_of
from tests.campaigns.pages import (
    facilitate,
    join,
    last_seen,
    make_campaign,
    post_update,
    snapshot,
)
from tests.conftest import page


def _news(browser) -> str:
    """What my one campaign's card on the home page says is new ("" when nothing is)."""
    found = page(browser.get("/")).select_one("#my-campaigns")
    assert found is not None
    card = found.find_parent("section").select_one(".campaign-card .new")
    return "" if card is None else card.get_text(" ", strip=True)


def test_a_visit_with_nothing_new_writes_nothing(as_user, db, riverside, campaign, clock):
    jade = riverside["young"]
    browser = as_user("jade")
    assert _news(browser).startswith("1 new")  # Sam joined
    clock.advance(60)
    assert browser.get(f"/campaigns/{campaign.id}").status_code == 200
    caught_up = last_seen(db, campaign, jade)
    assert _news(browser) == ""

    before = snapshot(db)
    for _ in range(3):
        clock.advance(60)
        for url in (f"/campaigns/{campaign.id}", f"/campaigns/{campaign.id}?before=999"):
            assert browser.get(url).status_code == 200
    assert snapshot(db) == before
    assert last_seen(db, campaign, jade) == caught_up
    assert _news(browser) == ""


def test_what_arrives_after_a_visit_that_wrote_nothing_is_new(as_user, db, riverside,
                                                              campaign, clock):
    jade = riverside["young"]
    browser = as_user("jade")
    browser.get(f"/campaigns/{campaign.id}")
    clock.advance(60)
    browser.get(f"/campaigns/{campaign.id}")  # nothing new: nothing written
    clock.advance(60)
    facilitate(db, riverside["worker"], campaign)
    post_update(db, riverside["worker"], campaign, "The council said yes")
    assert _news(browser) == "2 new since your last visit: an update, someone joined"

    seen = last_seen(db, campaign, jade)
    clock.advance(60)
    browser.get(f"/campaigns/{campaign.id}")
    assert last_seen(db, campaign, jade) > seen
    assert _news(browser) == ""


def test_what_i_add_myself_never_needs_catching_up(as_user, db, riverside, campaign, clock):
    jade = riverside["young"]
    browser = as_user("jade")
    browser.get(f"/campaigns/{campaign.id}")
    seen = last_seen(db, campaign, jade)
    clock.advance(60)
    post_update(db, jade, campaign, "Posters are up")
    assert _news(browser) == ""
    clock.advance(60)
    browser.get(f"/campaigns/{campaign.id}")
    assert last_seen(db, campaign, jade) == seen
    assert _news(browser) == ""


def test_an_older_page_of_the_feed_catches_up_too(as_user, db, riverside, campaign, clock):
    browser = as_user("jade")
    assert _news(browser).startswith("1 new")
    clock.advance(60)
    assert browser.get(f"/campaigns/{campaign.id}?before=1").status_code == 200
    assert _news(browser) == ""


def test_staff_looking_in_and_removed_members_have_nothing_to_catch_up(
        as_user, db, riverside, sam, campaign, clock):
    before = snapshot(db)
    clock.advance(60)
    assert as_user("worker").get(f"/campaigns/{campaign.id}").status_code == 200
    assert snapshot(db) == before
    with db.write() as session:
        service.remove_member(session, actor=viewer_of(db, riverside["young"]),
                              campaign_id=campaign.id, user_id=sam.id)
    seen = last_seen(db, campaign, sam)
    clock.advance(60)
    post_update(db, riverside["young"], campaign, "Meeting moved")
    response = as_user("sam").get(f"/campaigns/{campaign.id}")
    assert response.status_code == 200
    assert "You were removed from this campaign" in response.text
    assert last_seen(db, campaign, sam) == seen


def test_marking_seen_changes_the_time_only_when_something_is_new(db, riverside, sam, clock):
    """The service, as the API's campaign endpoint calls it on every read."""
    jade = riverside["young"]
    made = make_campaign(db, jade)
    seen = last_seen(db, made, jade)
    clock.advance(60)
    with db.write() as session:
        service.mark_seen(session, actor=viewer_of(db, jade), campaign_id=made.id)
    assert last_seen(db, made, jade) == seen  # only what Jade did herself so far

    clock.advance(60)
    post_update(db, jade, made, "Posters are up")
    join(db, sam, made)
    clock.advance(60)
    with db.write() as session:
        service.mark_seen(session, actor=viewer_of(db, jade), campaign_id=made.id)
    caught_up = last_seen(db, made, jade)
    assert caught_up > seen
    with db.read() as session:
        [mine] = service.my_campaigns(session, actor=viewer_of(db, jade))
    assert mine.new_items == 0
    clock.advance(60)
    with db.write() as session:
        service.mark_seen(session, actor=viewer_of(db, jade), campaign_id=made.id)
    assert last_seen(db, made, jade) == caught_up
