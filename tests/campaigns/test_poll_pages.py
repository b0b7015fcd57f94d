"""The poll pages: making a poll, voting with and without JavaScript, a poll on its own page,
running a poll, the campaign page's polls, and the fragments pushed to open pages."""

from datetime import timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlmodel import col, select

from server import clock as clock_module
from server.accounts import people
from server.campaigns import polls, tallies
from server.campaigns.models import Campaign, Poll, PollStatus
from server.live.events import Event, LiveEvent
from server.live.render import PageRenderer
from tests.accounts.helpers import field_error, heading, location, text, viewer_of
from tests.campaigns.pages import facilitate, join, make_campaign, message
from tests.campaigns.polls_helpers import (
    ballots_of,
    events_of,
    fresh_poll,
    make_poll,
    option_ids,
    tally_of,
    vote,
)
from tests.conftest import csrf_token, page, post

FORBIDDEN = "You can't do that"
NOT_FOUND = "We could not find that page"
CAMPAIGN_MISSING = "We could not find that campaign."


@pytest.fixture
def campaign(db, riverside, sam) -> Campaign:
    """Jade's live campaign: Sam is a member, the youth worker facilitates."""
    made = make_campaign(db, riverside["young"])
    join(db, sam, made)
    facilitate(db, riverside["worker"], made)
    return made


@pytest.fixture
def poll(db, riverside, campaign):
    return make_poll(db, riverside["young"], campaign, question="Where should we meet?",
                     options=["Library", "Youth club", "Park"])


def refused(response: Any, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert heading(response) == (FORBIDDEN if status == 403 else NOT_FOUND)
    assert message(response) == words


def htmx_post(client: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    """A form sent by htmx: the CSRF token comes in a header, as base.html sets it up."""
    return client.post(url, data=data or {},
                       headers={"HX-Request": "true", "X-CSRF-Token": csrf_token(client)})


def fragment(response: Any) -> BeautifulSoup:
    """An htmx answer: parts of a page, not a whole one."""
    return page(response)


def new_poll_form(**overrides: Any) -> dict[str, Any]:
    data = {"kind": "single", "question": "Where should we meet?", "description": "",
            "options": "Library\nYouth club\nPark", "max_choices": "", "anonymous": "1",
            "visibility": "live", "closes_at": "", "action": "open"}
    data.update(overrides)
    return data


# ---------------------------------------------------------------- a new poll


def test_runners_see_the_new_poll_form(as_user, campaign):
    for who in ("jade", "worker"):
        response = as_user(who).get(f"/campaigns/{campaign.id}/polls/new")
        assert response.status_code == 200
        soup = page(response)
        assert heading(response) == "New poll"
        assert {i["value"] for i in soup.select('input[name="kind"]')} == {
            "single", "multiple", "ranked", "score", "proposal"}
        assert soup.select_one('input[name="closes_at"]')["type"] == "datetime-local"
        assert "UTC" in text(soup, "#f-closes_at-hint")
        assert {b["value"] for b in soup.select('button[name="action"]')} == {"open", "draft"}


def test_making_a_poll_goes_back_to_it_on_the_campaign_page(as_user, db, campaign):
    response = post(as_user("jade"), f"/campaigns/{campaign.id}/polls",
                    new_poll_form(options="Library\n\nYouth club\nPark\n"))
    assert response.status_code == 303
    (made,) = polls_of(db, campaign)
    assert location(response) == f"/campaigns/{campaign.id}#poll-{made.id}"
    assert made.status == PollStatus.open and made.question == "Where should we meet?"
    assert list(option_ids(db, made)) == ["Library", "Youth club", "Park"]


def test_saving_a_draft(as_user, db, campaign):
    post(as_user("worker"), f"/campaigns/{campaign.id}/polls",
         new_poll_form(action="draft", kind="proposal", options=""))
    (made,) = polls_of(db, campaign)
    assert made.status == PollStatus.draft and made.kind == "proposal"
    assert events_of(db, campaign) == []


def test_bad_poll_input_is_shown_by_the_field_keeping_what_was_typed(as_user, db, campaign):
    typed = new_poll_form(question="", options="Park\npark", kind="multiple",
                          description="Somewhere dry", closes_at="2001-01-01T10:00")
    response = post(as_user("jade"), f"/campaigns/{campaign.id}/polls", typed)
    assert response.status_code == 422
    assert field_error(response, "question") == "Add the question."
    assert field_error(response, "options").startswith("“park” is in the list twice")
    assert field_error(response, "closes_at").startswith("Choose a closing time in the future")
    soup = page(response)
    assert soup.select_one("#f-options").get_text() == "Park\npark"
    assert soup.select_one("#f-description").get_text() == "Somewhere dry"
    assert soup.select_one('input[name="kind"][value="multiple"]').has_attr("checked")
    assert soup.select_one("#f-closes_at")["value"] == "2001-01-01T10:00"
    assert polls_of(db, campaign) == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_members_cannot_make_polls(as_user, db, campaign, method):
    browser = as_user("sam")
    url = f"/campaigns/{campaign.id}/polls" + ("/new" if method == "get" else "")
    response = (browser.get(url) if method == "get" else post(browser, url, new_poll_form()))
    refused(response, 403, polls.RUNNERS_ONLY)
    assert polls_of(db, campaign) == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_other_organisations_cannot_make_polls(as_user, campaign, method):
    browser = as_user("hilda")
    url = f"/campaigns/{campaign.id}/polls" + ("/new" if method == "get" else "")
    response = (browser.get(url) if method == "get" else post(browser, url, new_poll_form()))
    refused(response, 404, CAMPAIGN_MISSING)


# ---------------------------------------------------------------- logged out


PROTECTED = [
    ("get", "/campaigns/{cid}/polls/new"),
    ("post", "/campaigns/{cid}/polls"),
    ("get", "/polls/{pid}"),
    ("post", "/polls/{pid}/ballot"),
    ("post", "/polls/{pid}/open"),
    ("post", "/polls/{pid}/close"),
    ("post", "/polls/{pid}/reveal"),
]


@pytest.mark.parametrize(("method", "url"), PROTECTED)
def test_logged_out_people_are_sent_to_log_in(client, db, campaign, poll, method, url):
    path = url.format(cid=campaign.id, pid=poll.id)
    response = client.get(path) if method == "get" else post(client, path, {})
    assert response.status_code == 303
    assert location(response) == f"/login?next={path}"
    assert tally_of(db, poll).ballots == 0 and fresh_poll(db, poll).status == "open"


@pytest.mark.parametrize(("method", "url"), PROTECTED)
def test_suspension_logs_people_out_of_every_poll_page(as_user, db, riverside, campaign, poll,
                                                       method, url):
    browser = as_user("jade")
    with db.write() as session:
        people.suspend(session, actor=viewer_of(db, riverside["worker"]),
                       user_id=riverside["young"].id, reason="Testing")
    path = url.format(cid=campaign.id, pid=poll.id)
    data = {"choice": str(option_ids(db, poll)["Park"]), "revealed": "1", **new_poll_form()}
    response = browser.get(path) if method == "get" else post(browser, path, data)
    assert response.status_code == 303
    assert location(response) == f"/login?next={path}"
    assert tally_of(db, poll).ballots == 0 and len(polls_of(db, campaign)) == 1
    assert fresh_poll(db, poll).status == "open" and not fresh_poll(db, poll).revealed


@pytest.mark.parametrize(("method", "url"), PROTECTED[2:])
def test_other_organisations_cannot_find_a_poll(as_user, db, poll, method, url):
    browser = as_user("olu")
    path = url.format(pid=poll.id)
    response = browser.get(path) if method == "get" else post(browser, path, {"revealed": "1"})
    refused(response, 404, polls.POLL_MISSING)
    assert fresh_poll(db, poll).status == "open" and not fresh_poll(db, poll).revealed


# ---------------------------------------------------------------- voting without JavaScript


def test_voting_with_a_plain_form(as_user, db, campaign, poll, sam):
    browser = as_user("sam")
    ids = option_ids(db, poll)
    shown = page(browser.get(f"/polls/{poll.id}"))
    op = shown.select_one(f"#poll-{poll.id}-ballot input[name=client_op_id]")["value"]
    assert op

    response = post(browser, f"/polls/{poll.id}/ballot",
                    {"choice": str(ids["Park"]), "client_op_id": op})
    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}#poll-{poll.id}"
    (ballot,) = ballots_of(db, poll)
    assert ballot.user_id == sam.id and tallies.decode("single", ballot.choices) == [ids["Park"]]

    # Sending the same form again (the back button, a double tap) saves nothing new.
    post(browser, f"/polls/{poll.id}/ballot", {"choice": str(ids["Library"]),
                                               "client_op_id": op})
    (ballot,) = ballots_of(db, poll)
    assert tallies.decode("single", ballot.choices) == [ids["Park"]]

    soup = page(browser.get(f"/polls/{poll.id}"))
    assert text(soup, f"#poll-{poll.id}-ballot .my-vote") == "Your vote Park"
    assert soup.select_one(f'#poll-{poll.id}-ballot input[value="{ids["Park"]}"]').has_attr(
        "checked")


def test_a_form_without_an_operation_id_still_votes(as_user, db, poll):
    """Cards pushed to open pages carry no operation id: the server makes one."""
    ids = option_ids(db, poll)
    response = post(as_user("sam"), f"/polls/{poll.id}/ballot", {"choice": str(ids["Park"])})
    assert response.status_code == 303
    assert tally_of(db, poll).ballots == 1


@pytest.mark.parametrize(("kind", "form", "expected"), [
    ("multiple", lambda i: {"choice": [str(i["A"]), str(i["C"])]}, lambda i: [i["A"], i["C"]]),
    ("ranked", lambda i: {f"rank_{i['A']}": "2", f"rank_{i['B']}": "", f"rank_{i['C']}": "1"},
     lambda i: [i["C"], i["A"]]),
    ("score", lambda i: {f"score_{i['A']}": "5", f"score_{i['B']}": "0",
                         f"score_{i['C']}": "3"},
     lambda i: {i["A"]: 5, i["B"]: 0, i["C"]: 3}),
])
def test_each_kind_of_ballot_form(as_user, db, riverside, campaign, kind, form, expected):
    made = make_poll(db, riverside["young"], campaign, kind=kind, options=["A", "B", "C"])
    ids = option_ids(db, made)
    response = post(as_user("sam"), f"/polls/{made.id}/ballot", form(ids))
    assert response.status_code == 303, response.text
    (ballot,) = ballots_of(db, made)
    assert tallies.decode(kind, ballot.choices) == expected(ids)


def test_a_proposal_ballot_with_a_reason(as_user, db, riverside, campaign):
    made = make_poll(db, riverside["young"], campaign, kind="proposal", options=[])
    post(as_user("sam"), f"/polls/{made.id}/ballot",
         {"position": "block", "reason": "Not on a Friday"})
    (ballot,) = ballots_of(db, made)
    assert (ballot.choices, ballot.reason) == ('"block"', "Not on a Friday")
    soup = page(as_user("jade").get(f"/polls/{made.id}"))
    assert "1 person blocks this proposal." in text(soup, ".block-warning")
    assert text(soup, ".block-reasons") == "Not on a Friday"


def test_a_bad_ballot_shows_the_poll_again_with_the_message(as_user, db, riverside, campaign):
    made = make_poll(db, riverside["young"], campaign, kind="ranked", options=["A", "B", "C"])
    ids = option_ids(db, made)
    response = post(as_user("sam"), f"/polls/{made.id}/ballot",
                    {f"rank_{ids['A']}": "1", f"rank_{ids['B']}": "1"})
    assert response.status_code == 422
    soup = page(response)
    assert text(soup, f"#poll-{made.id}-choices-error").startswith(
        "Give each option a different number")
    assert soup.select_one(f"#poll-{made.id}-choices")["aria-describedby"] == (
        f"poll-{made.id}-choices-error")
    assert text(soup, '[role="alert"]').startswith("Your vote was not saved.")
    # What was typed is still there.
    for option in ("A", "B"):
        chosen = soup.select_one(f'select[name="rank_{ids[option]}"] option[selected]')
        assert chosen is not None and chosen["value"] == "1"
    assert ballots_of(db, made) == []


def test_a_long_reason_is_shown_by_the_field(as_user, db, riverside, campaign):
    made = make_poll(db, riverside["young"], campaign, kind="proposal", options=[])
    words = "y" * 501
    response = post(as_user("sam"), f"/polls/{made.id}/ballot",
                    {"position": "disagree", "reason": words})
    assert response.status_code == 422
    soup = page(response)
    assert text(soup, f"#poll-{made.id}-reason-error").startswith("Keep your reason to 500")
    assert soup.select_one(f"#poll-{made.id}-reason").get_text() == words
    assert soup.select_one('input[name="position"][value="disagree"]').has_attr("checked")


@pytest.mark.parametrize(("who", "words"), [
    ("worker", polls.VOTERS_ONLY),
    ("admin", polls.VOTERS_ONLY),
    ("kai", polls.NOT_IN),
])
def test_those_who_do_not_vote_are_told_why(as_user, make_user, riverside, db, poll, who,
                                            words):
    if who == "kai":
        make_user(riverside["org"], "kai", "young_person", "16_17")
    ids = option_ids(db, poll)
    browser = as_user(who)
    refused(post(browser, f"/polls/{poll.id}/ballot", {"choice": str(ids["Park"])}), 403,
            words)
    soup = page(browser.get(f"/polls/{poll.id}"))
    assert soup.select_one(f"#poll-{poll.id}-ballot form") is None
    assert text(soup, f"#poll-{poll.id}-ballot") == words
    assert ballots_of(db, poll) == []


def test_a_closed_poll_takes_no_votes(as_user, db, riverside, poll):
    with db.write() as session:
        polls.close_poll(session, actor=viewer_of(db, riverside["worker"]), poll_id=poll.id)
    browser = as_user("sam")
    ids = option_ids(db, poll)
    refused(post(browser, f"/polls/{poll.id}/ballot", {"choice": str(ids["Park"])}), 403,
            polls.CLOSED)
    assert "Closed" in text(page(browser.get(f"/polls/{poll.id}")), f"#poll-{poll.id}-status")


# ---------------------------------------------------------------- voting with htmx


def test_an_htmx_vote_answers_with_the_ballot_box_and_results(as_user, db, poll):
    ids = option_ids(db, poll)
    response = htmx_post(as_user("sam"), f"/polls/{poll.id}/ballot",
                         {"choice": str(ids["Library"]), "client_op_id": "htmx-1"})
    assert response.status_code == 200
    soup = fragment(response)
    box, results = soup.select(f"#poll-{poll.id}-ballot"), soup.select(f"#poll-{poll.id}-results")
    assert len(box) == 1 and len(results) == 1
    assert text(box[0], '[role="status"]') == "Saved."
    assert text(box[0], ".my-vote") == "Your vote Library"
    assert results[0]["hx-swap-oob"] == "true"
    assert text(results[0], ".poll-count") == "1 vote"
    assert "Library Most votes 1 vote (100%)" in text(results[0], ".bars")
    assert soup.select_one("html") is None and soup.select_one("h1") is None  # only parts

    again = fragment(htmx_post(as_user("sam"), f"/polls/{poll.id}/ballot",
                               {"choice": str(ids["Park"]), "client_op_id": "htmx-1"}))
    assert text(again, '[role="status"]') == "Saved. (We already had this vote.)"
    assert text(again, ".my-vote") == "Your vote Library"


def test_an_htmx_vote_before_results_show_sends_only_the_count(as_user, db, riverside,
                                                                campaign):
    made = make_poll(db, riverside["young"], campaign, visibility="after_close")
    ids = option_ids(db, made)
    soup = fragment(htmx_post(as_user("sam"), f"/polls/{made.id}/ballot",
                              {"choice": str(ids["Park"])}))
    results = soup.select_one(f"#poll-{made.id}-results")
    assert text(results, ".poll-count") == "1 vote so far"
    assert "Results show when the poll closes" in results.get_text()
    assert results.select_one(".bars") is None


def test_a_bad_htmx_vote_answers_422_with_the_message_in_the_box(as_user, db, riverside,
                                                                  campaign):
    made = make_poll(db, riverside["young"], campaign, kind="multiple", options=["A", "B", "C"],
                     max_choices="1")
    ids = option_ids(db, made)
    response = htmx_post(as_user("sam"), f"/polls/{made.id}/ballot",
                         {"choice": [str(ids["A"]), str(ids["B"])]})
    assert response.status_code == 422
    soup = fragment(response)
    assert text(soup, f"#poll-{made.id}-choices-error") == "Choose up to 1 options (you chose 2)."
    checked = {i["value"] for i in soup.select('input[name="choice"][checked]')}
    assert checked == {str(ids["A"]), str(ids["B"])}
    assert ballots_of(db, made) == []


def test_a_refused_htmx_vote_says_why(as_user, db, poll):
    ids = option_ids(db, poll)
    response = htmx_post(as_user("worker"), f"/polls/{poll.id}/ballot",
                         {"choice": str(ids["Park"])})
    assert response.status_code == 403
    assert text(fragment(response), '[role="alert"]') == (
        f"Your vote was not saved. {polls.VOTERS_ONLY}")


# ---------------------------------------------------------------- a poll on its own page


def test_the_poll_page_shows_the_question_and_results(as_user, db, riverside, poll, sam):
    ids = option_ids(db, poll)
    vote(db, sam, poll, [ids["Park"]])
    vote(db, riverside["young"], poll, [ids["Park"]])
    soup = page(as_user("sam").get(f"/polls/{poll.id}"))
    assert heading_of(soup) == "Where should we meet?"
    assert text(soup, f"#poll-{poll.id}-results .poll-count") == "2 votes"
    bars = [text(li, ".bar-count") for li in soup.select(".bars li")]
    assert bars == ["0 votes (0%)", "0 votes (0%)", "2 votes (100%)"]
    # New counts are said once by the page's own live region, not by each swapped-in count.
    assert soup.select_one(f'#poll-{poll.id}-results [aria-live]') is None
    assert soup.select_one(".runner-only") is None  # members see no runner buttons
    assert soup.select_one(".named-votes") is None  # anonymous


def heading_of(soup: Any) -> str:
    return text(soup, "h1")


def test_named_votes_are_shown_to_the_campaigns_members_only(as_user, db, riverside,
                                                              campaign, sam):
    made = make_poll(db, riverside["young"], campaign, anonymous=False,
                     options=["Library", "Park"])
    vote(db, sam, made, [option_ids(db, made)["Park"]])
    for who in ("sam", "jade", "worker"):
        soup = page(as_user(who).get(f"/polls/{made.id}"))
        assert [text(row, "th") + ": " + text(row, "td")
                for row in soup.select(".named-votes tbody tr")] == ["Sam: Park"], who
    for who in ("admin",):  # staff, but not in the campaign
        soup = page(as_user(who).get(f"/polls/{made.id}"))
        assert soup.select_one(".named-votes") is None
        assert text(soup, ".poll-count") == "1 vote"


def test_members_cannot_find_a_draft(as_user, db, riverside, campaign):
    draft = make_poll(db, riverside["young"], campaign, open_now=False)
    refused(as_user("sam").get(f"/polls/{draft.id}"), 404, polls.POLL_MISSING)
    soup = page(as_user("jade").get(f"/polls/{draft.id}"))
    assert "Draft" in text(soup, f"#poll-{draft.id}-status")
    assert soup.select_one(f'form[action="/polls/{draft.id}/open"]') is not None


# ---------------------------------------------------------------- running a poll


@pytest.mark.parametrize(("action", "data", "check"), [
    ("close", {}, lambda p: p.status == "closed"),
    ("reveal", {"revealed": "1"}, lambda p: p.revealed),
])
def test_runners_close_and_reveal(as_user, db, campaign, poll, action, data, check):
    response = post(as_user("worker"), f"/polls/{poll.id}/{action}", data)
    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}#poll-{poll.id}"
    assert check(fresh_poll(db, poll))


def test_runners_open_a_draft(as_user, db, riverside, campaign):
    draft = make_poll(db, riverside["young"], campaign, open_now=False)
    response = post(as_user("jade"), f"/polls/{draft.id}/open", {})
    assert response.status_code == 303
    assert fresh_poll(db, draft).status == "open"
    assert [kind for kind, _ in events_of(db, campaign)] == ["poll.opened"]


def test_hiding_results_again(as_user, db, riverside, campaign):
    made = make_poll(db, riverside["young"], campaign, visibility="after_close")
    browser = as_user("jade")
    post(browser, f"/polls/{made.id}/reveal", {"revealed": "1"})
    assert fresh_poll(db, made).revealed
    post(browser, f"/polls/{made.id}/reveal", {"revealed": "0"})
    assert not fresh_poll(db, made).revealed


def test_the_presenter_view_gets_its_own_page_back(as_user, campaign, poll):
    browser = as_user("jade")
    here = f"/campaigns/{campaign.id}/present"
    assert location(post(browser, f"/polls/{poll.id}/reveal",
                         {"revealed": "1", "next": here})) == here
    for elsewhere in ("https://evil.example/", "//evil.example/campaigns/1", "/account",
                      "/campaigns/1\\evil"):
        response = post(browser, f"/polls/{poll.id}/reveal", {"revealed": "0", "next": elsewhere})
        assert location(response) == f"/campaigns/{campaign.id}#poll-{poll.id}"


def test_a_bad_reveal_value_is_422(as_user, db, poll):
    response = post(as_user("jade"), f"/polls/{poll.id}/reveal", {"revealed": "maybe"})
    assert response.status_code == 422
    assert "Choose whether to show the results" in text(page(response), ".error-summary")
    assert not fresh_poll(db, poll).revealed


@pytest.mark.parametrize("action", ["open", "close", "reveal"])
@pytest.mark.parametrize("who", ["sam", "admin"])
def test_others_cannot_run_polls(as_user, db, poll, action, who):
    response = post(as_user(who), f"/polls/{poll.id}/{action}", {"revealed": "1"})
    refused(response, 403, polls.RUNNERS_ONLY)
    assert fresh_poll(db, poll).status == "open" and not fresh_poll(db, poll).revealed


def test_an_htmx_runner_button_answers_with_the_card(as_user, db, poll):
    response = htmx_post(as_user("jade"), f"/polls/{poll.id}/close")
    assert response.status_code == 200
    soup = fragment(response)
    card = soup.select_one(f"article#poll-{poll.id}")
    assert card is not None and card["data-status"] == "closed"
    assert "Closed" in text(card, f"#poll-{poll.id}-status")


# ---------------------------------------------------------------- the campaign page


def test_the_campaign_page_lists_its_polls(as_user, db, riverside, campaign, poll):
    draft = make_poll(db, riverside["young"], campaign, question="Secret draft?",
                      open_now=False)
    member = page(as_user("sam").get(f"/campaigns/{campaign.id}"))
    section = member.select_one("section#polls")
    assert section is not None and text(section, "h2#polls-h") == "Polls"
    assert [a["id"] for a in section.select("#poll-list > article.poll")] == [f"poll-{poll.id}"]
    assert section.select_one('a[href$="/polls/new"]') is None
    assert section.select_one(".runner-only") is None
    assert section.select_one(f"#poll-{poll.id}-ballot form") is not None

    lead = page(as_user("jade").get(f"/campaigns/{campaign.id}"))
    assert [a["id"] for a in lead.select("#poll-list > article.poll")] == [
        f"poll-{draft.id}", f"poll-{poll.id}"]
    assert lead.select_one(f'#polls a[href="/campaigns/{campaign.id}/polls/new"]')
    controls = lead.select_one(f"#poll-{poll.id}-controls")
    assert "runner-only" in controls["class"]
    assert lead.select_one(f'#poll-{poll.id}-controls form input[name="csrf_token"]')


def test_the_results_partial_is_the_same_for_everyone(app, db, poll, sam):
    """What the hub pushes is drawn once for the whole room: no viewer, no token."""
    vote(db, sam, poll, [option_ids(db, poll)["Park"]])
    template = app.state.runtime.templates.get_template("polls/_results.html")
    tally = tally_of(db, poll)
    full = template.render(tally=tally, show=True, oob=True)
    assert full == template.render(tally=tally, show=True, oob=True)
    soup = page_of(full)
    root = soup.select_one(f"div#poll-{poll.id}-results.poll-results")
    assert root["hx-swap-oob"] == "true"
    assert "Sam" not in full and "csrf" not in full
    limited = page_of(template.render(tally=tally, show=False, oob=False))
    assert not limited.select_one("div").has_attr("hx-swap-oob")
    assert text(limited, ".poll-count") == "1 vote so far"
    assert limited.select_one(".bars") is None


def page_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


# ---------------------------------------------------------------- pushed fragments


def pushed(app: Any, db: Any, campaign: Campaign, kind: str) -> Any:
    """The last event of this kind, drawn as open pages get it."""
    with db.read() as session:
        row = session.exec(select(Event).where(Event.campaign_id == campaign.id,
                                               Event.kind == kind)
                           .order_by(col(Event.id).desc())).first()
    assert row is not None
    event = LiveEvent.from_row(row)
    html = PageRenderer(app.state.runtime.templates)(event)
    assert html is not None
    return page_of(html)


def test_a_new_poll_is_pushed_as_a_card(app, db, campaign, poll):
    soup = pushed(app, db, campaign, "poll.opened")
    delete = soup.select_one(f'[hx-swap-oob="delete:#poll-{poll.id}"]')
    assert delete is not None
    holder = soup.select_one('[hx-swap-oob="afterbegin:#poll-list"]')
    card = holder.select_one(f"article#poll-{poll.id}.poll")
    assert text(card, f"#poll-{poll.id}-q") == "Where should we meet?"
    form = card.select_one(f"#poll-{poll.id}-ballot form")
    assert form["hx-post"] == form["action"] == f"/polls/{poll.id}/ballot"
    assert form.select_one('input[name="client_op_id"]')["value"] == ""
    assert form.select_one('input[name="csrf_token"]') is None  # htmx sends the header
    controls = card.select_one(f"#poll-{poll.id}-controls")
    assert "runner-only" in controls["class"]
    assert controls.select_one("form")["hx-post"] == f"/polls/{poll.id}/close"
    assert card.select_one(f"#poll-{poll.id}-results") is not None


def test_a_closed_poll_is_pushed_as_its_new_state(app, db, riverside, campaign, poll):
    with db.write() as session:
        polls.close_poll(session, actor=viewer_of(db, riverside["young"]), poll_id=poll.id)
    soup = pushed(app, db, campaign, "poll.closed")
    status = soup.select_one(f"#poll-{poll.id}-status")
    assert status["hx-swap-oob"] == "true" and "Closed" in status.get_text()
    ballot = soup.select_one(f"#poll-{poll.id}-ballot")
    assert ballot["hx-swap-oob"] == "true" and text(ballot, "p") == "Voting has closed."
    assert soup.select_one(f"#poll-{poll.id}-controls form") is None


def test_revealed_results_are_pushed_as_the_new_state(app, db, riverside, campaign):
    made = make_poll(db, riverside["young"], campaign, visibility="after_vote")
    with db.write() as session:
        polls.set_revealed(session, actor=viewer_of(db, riverside["young"]), poll_id=made.id,
                           revealed=True)
    soup = pushed(app, db, campaign, "poll.revealed")
    assert "shown to everyone early" in text(soup, f"#poll-{made.id}-status")
    button = soup.select_one(f'#poll-{made.id}-controls form[action$="/reveal"]')
    assert button["hx-post"] == f"/polls/{made.id}/reveal"
    assert button.select_one('input[name="revealed"]')["value"] == "0"


def test_a_closing_time_is_shown_in_utc(as_user, db, riverside, campaign):
    when = (clock_module.now() + timedelta(days=3)).replace(hour=18, minute=30)
    made = make_poll(db, riverside["young"], campaign,
                     closes_at=when.strftime("%Y-%m-%dT%H:%M"))
    soup = page(as_user("sam").get(f"/polls/{made.id}"))
    assert f"Closes {when.strftime('%-d %b %Y')}, 18:30 UTC." in text(
        soup, f"#poll-{made.id}-status")


def polls_of(db: Any, campaign: Campaign) -> list[Poll]:
    with db.read() as session:
        return list(session.exec(select(Poll).where(Poll.campaign_id == campaign.id)
                                 .order_by(col(Poll.id))))
