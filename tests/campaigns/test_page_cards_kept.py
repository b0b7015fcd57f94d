"""The campaign page keeps each poll card and feed item it draws (server/campaigns/fragments.py)
for the next page, as it keeps discussion threads: what people see must be exactly what the
templates draw afresh, for everyone, after any vote or change, with each page's own CSRF token
and ballot ids."""

import re
from typing import Any

import pytest
from bs4 import Tag
from starlette.testclient import TestClient

from server import i18n
from server.campaigns import polls
from server.campaigns.models import Campaign
from server.privacy import service as privacy
from tests.accounts.helpers import text, viewer_of
from tests.campaigns.pages import facilitate, post_update, section_of, without_ids
from tests.campaigns.pages import thread_cache as kept
from tests.campaigns.polls_helpers import make_poll, option_ids, vote
from tests.conftest import csrf_token, page


def polls_of(browser: TestClient, campaign: Campaign) -> Tag:
    return section_of(browser, campaign, "#polls")


def card(section: Tag, poll: Any) -> Tag:
    found = section.select_one(f"#poll-{poll.id}")
    assert found is not None
    return found


KINDS: dict[str, dict[str, Any]] = {
    "single": {},
    "multiple": {"kind": "multiple", "max_choices": "2"},
    "ranked": {"kind": "ranked"},
    "score": {"kind": "score"},
    "proposal": {"kind": "proposal", "options": []},
    "after_vote": {"visibility": "after_vote"},
    "named": {"anonymous": False, "visibility": "after_close"},
}


def _ballot(kind: str, ids: dict[str, int]) -> Any:
    first, second = ids["Library"], ids["Park"]
    return {"ranked": [second, first], "score": {i: 3 for i in ids.values()},
            "multiple": [first, second]}.get(kind, [first])


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("locale", ["en", "cy"])
def test_kept_cards_are_what_the_templates_draw(app, db, riverside, sam, campaign, kind,
                                                locale):
    jade, worker = riverside["young"], riverside["worker"]
    facilitate(db, worker, campaign)
    poll = make_poll(db, jade, campaign, **KINDS[kind])
    draft = make_poll(db, jade, campaign, open_now=False, question="Later?")
    if kind == "proposal":
        vote(db, sam, poll, "block", reason="Too far")
    else:
        vote(db, sam, poll, _ballot(kind, option_ids(db, poll)))
    templates = app.state.runtime.templates
    section_template = templates.get_template("polls/_section.html")
    for person in (jade, sam, riverside["child"], worker, riverside["admin"]):
        with db.read() as session:
            section = polls.for_page(session, actor=viewer_of(db, person),
                                     campaign_id=campaign.id)
        assert (draft.id in [c.poll.id for c in section.polls]) == (person in (jade, worker,
                                                                         riverside["admin"]))
        with i18n.using(locale):
            fresh = section_template.render(polls_section=section, csrf_token="a-token")
            for _ in range(2):  # drawn, then found
                ids = iter([c.op_id for c in section.polls if c.may_vote])
                cards = kept(app).poll_cards(templates, section, csrf_token="a-token",
                                             op_id=lambda ids=ids: next(ids))
                assert section_template.render(polls_section=section, csrf_token="a-token",
                                               cards_html=cards) == fresh, person.username


def test_a_kept_page_is_the_page_drawn_afresh(app, as_user, db, riverside, sam, campaign):
    make_poll(db, riverside["young"], campaign)
    make_poll(db, riverside["young"], campaign, kind="proposal", options=[])
    browser = as_user("sam")
    kept(app).clear()
    fresh = browser.get(f"/campaigns/{campaign.id}").text
    drawn = (kept(app).cards_drawn, kept(app).items_drawn)
    assert drawn[0] == 2 and drawn[1] > 0
    again = browser.get(f"/campaigns/{campaign.id}").text
    assert (kept(app).cards_drawn, kept(app).items_drawn) == drawn  # nothing drawn again
    assert without_ids(again) == without_ids(fresh)
    ids = [re.findall(r'name="client_op_id" value="([^"]*)"', html) for html in (fresh, again)]
    assert len(ids[0]) == len(ids[1]) == 3  # two ballot forms and the new comment form
    assert len(set(ids[0] + ids[1])) == 6  # never the same id twice
    assert "<sv-" not in again
    tokens = set(re.findall(r'name="csrf_token" value="([^"]*)"', again))
    assert tokens == {csrf_token(browser)}


def test_a_vote_is_counted_and_shown_to_its_voter_only(as_user, db, riverside, sam,
                                                       campaign):
    poll = make_poll(db, riverside["young"], campaign)
    jade, sams = as_user("jade"), as_user("sam")
    for browser in (jade, sams):
        assert text(card(polls_of(browser, campaign), poll), ".poll-count") == "0 votes"
    vote(db, sam, poll, [option_ids(db, poll)["Park"]])
    for browser, mine in ((jade, False), (sams, True), (jade, False), (sams, True)):
        box = card(polls_of(browser, campaign), poll)
        assert text(box, ".poll-count") == "1 vote"
        assert (box.select_one(".my-vote") is not None) == mine
        assert ("Save my new vote" in box.get_text()) == mine


def test_results_after_voting_show_to_those_who_voted(as_user, db, riverside, sam, campaign):
    poll = make_poll(db, riverside["young"], campaign, visibility="after_vote")
    vote(db, sam, poll, [option_ids(db, poll)["Park"]])
    for who, shown in (("sam", "full"), ("jade", "full"), ("worker", "full")):
        box = card(polls_of(as_user(who), campaign), poll)
        results = box.select_one(".poll-results")
        # Jade runs the campaign's polls, and staff always see the results.
        assert results["data-shown"] == shown, who
    looking = as_user("milo")  # an under-13 in the organisation, not in the campaign
    box = card(polls_of(looking, campaign), poll)
    assert box.select_one(".poll-results")["data-shown"] == "count"
    assert "You will see the results after you vote." in box.get_text()


def test_a_closed_poll_is_drawn_afresh(as_user, db, riverside, sam, campaign):
    poll = make_poll(db, riverside["young"], campaign)
    browser = as_user("sam")
    assert card(polls_of(browser, campaign), poll).select_one("form.ballot-form") is not None
    with db.write() as session:
        polls.close_poll(session, actor=viewer_of(db, riverside["young"]), poll_id=poll.id)
    box = card(polls_of(browser, campaign), poll)
    assert box["data-status"] == "closed"
    assert box.select_one("form.ballot-form") is None
    assert "This poll has closed" in box.get_text()


def test_runners_get_their_own_cards(as_user, db, riverside, sam, campaign):
    poll = make_poll(db, riverside["young"], campaign)
    sams, jade = as_user("sam"), as_user("jade")
    for browser, runs in ((sams, False), (jade, True), (sams, False)):
        box = card(polls_of(browser, campaign), poll)
        assert (box.select_one(f"#poll-{poll.id}-controls") is not None) == runs


def test_each_language_gets_its_own_cards_and_feed(as_user, db, riverside, sam, campaign):
    poll = make_poll(db, riverside["young"], campaign)
    browser = as_user("sam")
    assert text(card(polls_of(browser, campaign), poll), ".poll-count") == "0 votes"
    browser.cookies.set("sv_lang", "cy")
    response = browser.get(f"/campaigns/{campaign.id}")
    assert text(card(page(response).select_one("#polls"), poll), ".poll-count") != "0 votes"
    assert "joined" not in text(page(response), "#feed-list")
    browser.cookies.set("sv_lang", "en")
    assert text(card(polls_of(browser, campaign), poll), ".poll-count") == "0 votes"


def feed_of(browser: TestClient, campaign: Campaign) -> list[str]:
    soup = page(browser.get(f"/campaigns/{campaign.id}"))
    return [li.select_one("p").get_text(" ", strip=True) for li in soup.select("#feed-list li")]


def test_the_feed_shows_what_is_new_and_who_has_gone(app, as_user, db, riverside, sam,
                                                     campaign):
    browser = as_user("jade")
    first = feed_of(browser, campaign)
    assert first[0] == "Sam joined"
    post_update(db, riverside["young"], campaign, "Posters are up")
    assert feed_of(browser, campaign) == ["Jade posted an update", *first]
    with db.write() as session:
        privacy.erase(session, user_id=sam.id, org_id=riverside["org"].id,
                      actor_id=riverside["admin"].id, reason="Asked to be forgotten")
    shown = feed_of(browser, campaign)
    assert "Sam joined" not in shown
    assert "A former member joined" in shown
