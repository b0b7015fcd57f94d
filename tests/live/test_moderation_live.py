"""Moderation end to end: a real server, members' campaign pages and youth workers' consoles
over real websockets, every action an ordinary HTTP request. What is checked is what people
would notice: words gone from an open page, a stand-in in their place, a refusal that says why
and for how long, a console told to fetch its queue."""

import json
import re
from typing import Any

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup
from sqlmodel import select
from websockets.sync.client import connect

from server.accounts import sessions
from server.accounts.models import User
from server.campaigns import discussion, polls, service
from server.campaigns.models import Campaign, Comment, Poll, PollOption
from server.live.hub import NUDGE
from server.moderation import comments, concerns, peers
from tests.accounts.helpers import viewer_of
from tests.campaigns.pages import join, make_campaign
from tests.live.conftest import WAIT, Member, Room, Setup, log_in, refused

HIDDEN = "A youth worker hid this comment."
LOOKING = "A youth worker is looking at this comment."
REMOVED = "This comment was removed."
WAITING = "Thanks! It is waiting for a youth worker: they read it before everyone else can see it."
NOT_FOUND_TITLE = "We could not find that page"
STAFF_PAGES = "This page is for youth workers and organisation admins."


# ---------------------------------------------------------------- helpers


def staff(setup: Setup, who: str = "worker") -> Member:
    return log_in(setup.server, setup.people[who])


def newcomer(setup: Setup, make_user: Any, username: str) -> Member:
    """Another young person in the campaign, logged in on the live server."""
    user = make_user(setup.people["org"], username)
    join(setup.server.runtime.db, user, setup.campaign)
    return log_in(setup.server, user)


def say(member: Member, campaign: Campaign | int, words: str) -> httpx.Response:
    campaign_id = campaign if isinstance(campaign, int) else campaign.id
    return member.post(f"/campaigns/{campaign_id}/comments", {"text": words})


def comment_id(setup: Setup, words: str) -> int:
    with setup.server.runtime.db.read() as session:
        found = session.exec(select(Comment.id).where(Comment.text == words)).one()
    assert found is not None
    return found


def said(setup: Setup, member: Member, words: str, *pages: Room) -> int:
    """Post a comment every open page shows; each page hears it. Its id."""
    assert say(member, setup.campaign, words).status_code == 200
    for page in pages:
        shown(page.next_event()[1], words)
    return comment_id(setup, words)


def text_of(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text(" ", strip=True)


def shown(fragment: str, words: str) -> None:
    """The fragment is a new comment with these words."""
    assert 'hx-swap-oob="beforeend:#comments"' in fragment, fragment
    assert words in text_of(fragment)


def replaced(fragment: str, number: int) -> str:
    """The fragment swaps comment `number` on the page in place: the words it shows now (a
    stand-in, or the comment's own words)."""
    soup = BeautifulSoup(fragment, "html.parser")
    article = soup.select_one(f"article#comment-{number}")
    assert article is not None, fragment
    assert article.get("hx-swap-oob") == "true"
    words = article.select_one("p.comment-text")
    assert words is not None, fragment
    return words.get_text(" ", strip=True)


def message(response: httpx.Response) -> str:
    """An error page's or fragment's visible words."""
    return text_of(response.text)


def error_message(response: httpx.Response, title: str) -> str:
    """The reason given on an error page with this title."""
    soup = BeautifulSoup(response.text, "html.parser")
    heading, reason = soup.select_one("main h1"), soup.select_one("main p")
    assert heading is not None and heading.get_text(strip=True) == title, response.text
    assert reason is not None
    return reason.get_text(" ", strip=True)


def forbidden_message(response: httpx.Response) -> str:
    """The reason on a "You can't do that" page."""
    return error_message(response, "You can't do that")


def console(member: Member) -> Room:
    """The moderation console's websocket, as the console page opens it."""
    ws = member.server.clients.enter_context(connect(
        f"{member.server.ws_url}/moderation/ws",
        additional_headers={"Cookie": member.cookie, "Origin": member.origin},
        open_timeout=WAIT, close_timeout=1))
    return Room(ws)


def nudged(desk: Room) -> None:
    """The console was told to fetch its queue again."""
    assert desk.next() == NUDGE


def queue(worker: Member) -> BeautifulSoup:
    """What the console shows when it fetches its queue (as the nudge makes it do)."""
    with worker.http() as client:
        response = client.get("/moderation/queue")
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def section(soup: BeautifulSoup, heading_id: str) -> str:
    found = soup.select_one(f'section[aria-labelledby="{heading_id}"]')
    assert found is not None, soup
    return found.get_text(" ", strip=True)


def set_room(worker: Member, campaign: Campaign, **controls: str) -> None:
    response = worker.post(f"/campaigns/{campaign.id}/room", controls)
    assert response.status_code == 303, response.text


def open_poll(setup: Setup, question: str, options: list[str]) -> Poll:
    """A poll the lead opens in the campaign."""
    db, campaign_id = setup.server.runtime.db, setup.campaign.id
    assert campaign_id is not None
    with db.write() as session:
        poll = polls.create_poll(session, actor=viewer_of(db, setup.lead.user),
                                 campaign_id=campaign_id,
                                 data={"kind": "single", "question": question,
                                       "options": options})
    assert poll.id is not None
    return poll


def page_of(member: Member, campaign: Campaign) -> BeautifulSoup:
    """The campaign page as it would load now."""
    with member.http() as client:
        response = client.get(f"/campaigns/{campaign.id}", headers={"HX-Request": ""})
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


# ---------------------------------------------------------------- hiding and restoring


def test_a_hidden_comment_vanishes_from_another_members_open_page_and_comes_back(
        room: Setup) -> None:
    words = "Sam's haircut is a total joke, look at it"
    lead_page = room.lead.socket(room.campaign, after=0)
    author_page = room.member.socket(room.campaign, after=0)
    number = said(room, room.member, words, lead_page, author_page)
    worker = staff(room)

    hidden = worker.post(f"/comments/{number}/hide", {"reason": "Unkind about Sam"})
    assert hidden.status_code == 200, hidden.text
    for page in (lead_page, author_page):
        _, fragment = page.next_event()
        now = replaced(fragment, number)
        assert now == HIDDEN
        assert "haircut" not in fragment and "Ava" not in fragment
        assert 'data-author=""' in fragment  # nor whose it was
        assert "Unkind about Sam" not in fragment  # the youth worker's reason stays with staff
    # A page loaded afresh shows the stand-in too.
    article = page_of(room.lead, room.campaign).select_one(f"#comment-{number} p.comment-text")
    assert article is not None and article.get_text(" ", strip=True) == HIDDEN
    assert "haircut" not in str(page_of(room.lead, room.campaign))

    restored = worker.post(f"/comments/{number}/restore", {})
    assert restored.status_code == 200, restored.text
    for page in (lead_page, author_page):
        _, fragment = page.next_event()
        assert replaced(fragment, number) == words
        assert "Ava" in text_of(fragment) and HIDDEN not in fragment


def test_enough_reports_hold_a_comment_on_every_open_page(room: Setup, make_user: Any) -> None:
    worker = staff(room)
    settings = worker.post("/moderation/settings",
                           {"filter_mode": "block", "report_threshold": "2"})
    assert settings.status_code == 303, settings.text
    ben = newcomer(room, make_user, "ben")
    words = "Everyone who votes Friday is a loser"
    ava_page = room.member.socket(room.campaign, after=0)
    ben_page = ben.socket(room.campaign, after=0)
    number = said(room, room.lead, words, ava_page, ben_page)

    first = room.member.post(f"/comments/{number}/report", {"kind": "unkind", "words": "Mean"})
    assert first.status_code == 200
    assert "Thanks for telling us. A youth worker will look at it." in message(first)
    # One report is not enough: the comment stays, and the next thing pages hear is new talk.
    said(room, ben, "I like Friday though", ava_page, ben_page)

    second = ben.post(f"/comments/{number}/report", {"kind": "unkind"})
    assert second.status_code == 200
    for page in (ava_page, ben_page):
        _, fragment = page.next_event()
        assert replaced(fragment, number) == LOOKING
        assert "loser" not in fragment
    held = section(queue(worker), "held-h")
    assert words in held and "Reported by several members" in held and "2 reports" in held

    # The reports were not a problem after all: dismissing them brings the comment back.
    dismissed = worker.post(f"/comments/{number}/dismiss", {"reason": "Friendly banter"})
    assert dismissed.status_code == 200, dismissed.text
    for page in (ava_page, ben_page):
        _, fragment = page.next_event()
        assert replaced(fragment, number) == words


# ---------------------------------------------------------------- muting


@pytest.mark.parametrize(("duration", "left"), [
    ("10m", r"for another (10|9) minutes\."),
    ("1h", r"for another (60|59) minutes\."),
    ("lifted", r"until a youth worker lifts it\."),
])
def test_a_muted_members_post_is_refused_with_the_time_left(
        room: Setup, duration: str, left: str) -> None:
    lead_page = room.lead.socket(room.campaign, after=0)
    number = said(room, room.lead, "Who is coming on Saturday?", lead_page)
    worker = staff(room)
    muted = worker.post(f"/campaigns/{room.campaign.id}/mutes",
                        {"user_id": str(room.member.user.id), "duration": duration,
                         "reason": "Cooling off"})
    assert muted.status_code == 303, muted.text

    refusal = say(room.member, room.campaign, "I am still here!!!")
    assert refusal.status_code == 403
    assert re.fullmatch(r"A youth worker has muted you in this campaign " + left,
                        forbidden_message(refusal)), refusal.text
    reaction = room.member.post(f"/comments/{number}/react", {"kind": "agree"})
    assert reaction.status_code == 403
    assert forbidden_message(reaction).startswith("A youth worker has muted you")
    # Nothing of theirs reached the room: the next thing it hears is the lead's next comment.
    said(room, room.lead, "Great, see you there", lead_page)

    lifted = worker.post(f"/campaigns/{room.campaign.id}/mutes/{room.member.user.id}/lift", {})
    assert lifted.status_code == 303, lifted.text
    said(room, room.member, "Sorry, I will calm down", lead_page)


# ---------------------------------------------------------------- the room's controls


def test_premoderation_holds_a_comment_and_approving_it_publishes_it(room: Setup) -> None:
    worker = staff(room)
    desk = console(worker)
    nudged(desk)  # once as it connects
    lead_page = room.lead.socket(room.campaign, after=0)
    author_page = room.member.socket(room.campaign, after=0)

    set_room(worker, room.campaign, premoderation="1")
    for page in (lead_page, author_page):
        _, fragment = page.next_event()
        assert 'id="room-status"' in fragment
        assert "A youth worker reads new comments before everyone can see them." in \
            text_of(fragment)

    words = "Could we ask the council for a bus pass scheme?"
    response = say(room.member, room.campaign, words)
    assert response.status_code == 200, response.text
    assert WAITING in message(response)
    nudged(desk)
    held = section(queue(worker), "held-h")
    assert words in held and "Waiting for approval (pre-moderation is on)" in held
    number = comment_id(room, words)
    assert page_of(room.lead, room.campaign).select_one(f"#comment-{number}") is None
    # Nobody else can act on it either: for them it does not exist yet.
    assert room.lead.post(f"/comments/{number}/report", {"kind": "spam"}).status_code == 404

    approved = worker.post(f"/comments/{number}/restore", {})
    assert approved.status_code == 200, approved.text
    for page in (lead_page, author_page):
        # The first comment the pages hear of is the approved one, as a new comment.
        _, fragment = page.next_event()
        shown(fragment, words)
    nudged(desk)
    assert words not in section(queue(worker), "held-h")

    # Once it is off, comments show at once again.
    set_room(worker, room.campaign, premoderation="0")
    for page in (lead_page, author_page):
        _, fragment = page.next_event()
        assert "reads new comments" not in text_of(fragment)
    said(room, room.member, "Thanks for approving it!", lead_page, author_page)


def test_slow_mode_refuses_a_second_comment_with_the_seconds_to_wait(room: Setup) -> None:
    worker = staff(room)
    lead_page = room.lead.socket(room.campaign, after=0)
    set_room(worker, room.campaign, slow_mode_seconds="30")
    _, fragment = lead_page.next_event()
    assert "Slow mode is on: one comment every 30 seconds each." in text_of(fragment)

    said(room, room.member, "First thought: meet at the library", lead_page)
    again = say(room.member, room.campaign, "Second thought: or the park")
    assert again.status_code == 429
    found = re.fullmatch(r"Slow mode is on: one comment every 30 seconds\. You can post again "
                         r"in (\d+) seconds?\.", error_message(again, "Too many tries"))
    assert found, again.text
    assert 1 <= int(found.group(1)) <= 30
    assert again.headers["Retry-After"] == found.group(1)
    # Someone else may still talk; the refused comment never reached the room.
    said(room, room.lead, "The library works for me", lead_page)

    set_room(worker, room.campaign, slow_mode_seconds="0")
    _, fragment = lead_page.next_event()
    assert "Slow mode" not in text_of(fragment)
    said(room, room.member, "Second thought: or the park", lead_page)


def test_a_locked_room_refuses_young_people_and_says_so_on_every_page(room: Setup) -> None:
    worker = staff(room)
    lead_page = room.lead.socket(room.campaign, after=0)
    number = said(room, room.member, "Can we vote on the date next?", lead_page)
    set_room(worker, room.campaign, locked="1")
    _, fragment = lead_page.next_event()
    assert "A youth worker has paused the discussion for now. You can still read it." in \
        text_of(fragment)

    for refusal in (say(room.lead, room.campaign, "Why is it locked?"),
                    room.lead.post(f"/comments/{number}/react", {"kind": "agree"})):
        assert refusal.status_code == 403
        assert forbidden_message(refusal) == discussion.LOCKED

    set_room(worker, room.campaign, locked="0")
    _, fragment = lead_page.next_event()
    assert "paused the discussion" not in text_of(fragment)
    said(room, room.lead, "Thanks for opening it again", lead_page)


# ---------------------------------------------------------------- the word filter


SLIPPED_PAST = ["You are an 1d10t", "what an ÍDÏÖT!", "total L0$ER", "Lösér"]


def add_words(worker: Member, mode: str) -> None:
    assert worker.post("/moderation/words", {"words": "idiot\nloser"}).status_code == 303
    response = worker.post("/moderation/settings", {"filter_mode": mode,
                                                    "report_threshold": "3"})
    assert response.status_code == 303, response.text


def test_the_word_filter_blocks_swapped_letters_and_accents_and_keeps_the_words(
        room: Setup) -> None:
    add_words(staff(room), "block")
    lead_page = room.lead.socket(room.campaign, after=0)
    for words in SLIPPED_PAST:
        refused_post = say(room.member, room.campaign, words)
        assert refused_post.status_code == 422, words
        soup = BeautifulSoup(refused_post.text, "html.parser")
        error = soup.select_one("p.error")
        assert error is not None and error.get_text(" ", strip=True) == discussion.BLOCKED_WORDS
        box = soup.select_one("textarea[name=text]")
        assert box is not None and box.get_text() == words  # still in the box
    # None of them reached the room; a kind comment does.
    said(room, room.member, "You are an absolute legend", lead_page)


def test_the_word_filter_in_hold_mode_holds_until_a_youth_worker_approves(room: Setup) -> None:
    worker = staff(room)
    add_words(worker, "hold")
    desk = console(worker)
    nudged(desk)
    lead_page = room.lead.socket(room.campaign, after=0)
    for words in SLIPPED_PAST:
        response = say(room.member, room.campaign, words)
        assert response.status_code == 200, words
        assert WAITING in message(response)
        nudged(desk)
    held = section(queue(worker), "held-h")
    assert all(words in held for words in SLIPPED_PAST)
    assert held.count("Matched the word filter") == len(SLIPPED_PAST)

    number = comment_id(room, "Lösér")
    assert worker.post(f"/comments/{number}/restore", {}).status_code == 200
    # The first comment the lead's page hears of is the one approved.
    _, fragment = lead_page.next_event()
    shown(fragment, "Lösér")


# ---------------------------------------------------------------- pausing a poll


def test_pausing_a_poll_reaches_the_other_page_and_a_vote_is_refused_meanwhile(
        room: Setup) -> None:
    db = room.server.runtime.db
    poll = open_poll(room, "Where should we meet?", ["Library", "Youth club"])
    with db.read() as session:
        library = session.exec(select(PollOption.id).where(
            PollOption.poll_id == poll.id, PollOption.label == "Library")).one()
    member_page = room.member.socket(room.campaign, after=0)
    member_page.next_event()  # the poll opening

    assert room.lead.post(f"/polls/{poll.id}/pause", {"paused": "1"}).status_code == 403
    worker = staff(room)
    assert worker.post(f"/polls/{poll.id}/pause", {"paused": "1"}).status_code == 204
    _, fragment = member_page.next_event()
    assert f'id="poll-{poll.id}-status"' in fragment
    assert "Paused A youth worker has paused voting for a moment." in text_of(fragment)

    vote = room.member.post(f"/polls/{poll.id}/ballot",
                            {"choice": str(library), "client_op_id": "paused-1"})
    assert vote.status_code == 403
    assert polls.PAUSED in message(vote)

    assert worker.post(f"/polls/{poll.id}/pause", {"paused": "0"}).status_code == 204
    _, fragment = member_page.next_event()
    assert "Open" in text_of(fragment) and "paused" not in text_of(fragment)
    vote = room.member.post(f"/polls/{poll.id}/ballot",
                            {"choice": str(library), "client_op_id": "resumed-1"})
    assert vote.status_code == 200, vote.text
    tally = member_page.next_tally(poll.id or 0)
    while "1 vote" not in tally:
        tally = member_page.next_tally(poll.id or 0)
    assert "Library" in text_of(tally)


# ---------------------------------------------------------------- the console


def test_a_youth_workers_console_is_nudged_by_a_report_and_a_concern(room: Setup) -> None:
    worker = staff(room)
    desk = console(worker)
    elsewhere = console(staff(room, "other_worker"))
    nudged(desk)
    nudged(elsewhere)
    words = "Nobody wants you here, Ava"
    number = said(room, room.lead, words)
    assert "No open reports." in section(queue(worker), "reported-h")

    report = room.member.post(f"/comments/{number}/report",
                              {"kind": "unkind", "words": "This is about me"})
    assert report.status_code == 200
    nudged(desk)
    reported = section(queue(worker), "reported-h")
    assert words in reported and "Unkind from Ava" in reported
    assert "This is about me" in reported

    concern = room.member.post(f"/campaigns/{room.campaign.id}/worried",
                               {"text": "Someone keeps messaging me after group"})
    assert concern.status_code == 200, concern.text
    assert "Thank you for telling us." in message(concern)
    nudged(desk)
    assert "Someone keeps messaging me after group" in queue(worker).get_text(" ", strip=True)

    # Another organisation's console hears nothing of it, and its queue has none of it.
    assert elsewhere.quiet() == []
    other_queue = queue(staff(room, "other_worker")).get_text(" ", strip=True)
    assert "Nothing is waiting. All clear." in other_queue
    assert words not in other_queue and "messaging me" not in other_queue


def test_only_staff_open_the_consoles_websocket(room: Setup) -> None:
    assert refused(lambda: console(room.member)) == 403
    assert refused(lambda: console(room.lead)) == 403

    url = f"{room.server.ws_url}/moderation/ws"

    def open_with(headers: dict[str, str]) -> object:
        return room.server.clients.enter_context(connect(url, additional_headers=headers))

    worker = staff(room)
    assert refused(lambda: open_with({"Origin": room.server.url})) == 403
    assert refused(lambda: open_with({"Cookie": worker.cookie,
                                      "Origin": "https://evil.example"})) == 403


def test_suspending_a_member_from_the_console_closes_their_open_pages(room: Setup) -> None:
    worker = staff(room)
    desk = console(worker)
    nudged(desk)
    phone = room.member.socket(room.campaign, after=0)
    laptop = room.member.socket(room.campaign, after=0)
    lead_page = room.lead.socket(room.campaign, after=0)

    with worker.http() as client:  # as the console's form sends it
        response = client.post(f"/moderation/people/{room.member.user.id}/suspend",
                               data={"reason": "Threats to another member",
                                     "next": "/moderation"},
                               headers={"HX-Target": "queue"})
    assert response.status_code == 200, response.text
    assert 'id="queue"' in response.text
    assert phone.closed_with() == 4403
    assert laptop.closed_with() == 4403
    assert refused(lambda: room.member.socket(room.campaign)) == 403
    # Everyone else stays live.
    said(room, room.lead, "Let's carry on", lead_page)


# ---------------------------------------------------------------- who may moderate


def test_a_young_person_cannot_moderate_or_see_reports_concerns_or_the_audit_log(
        room: Setup) -> None:
    db = room.server.runtime.db
    number = said(room, room.lead, "Meet at 6?")
    with db.write() as session:
        concern = concerns.raise_concern(
            session, actor=viewer_of(db, room.lead.user), campaign_id=room.campaign.id or 0,
            text="I'm worried about a message I got")
    poll = open_poll(room, "Which day?", ["Monday", "Friday"])
    lead_page = room.lead.socket(room.campaign, after=0)
    lead_page.next_event()  # the poll opening
    lead_page.next_event()

    ava, campaign_id = room.member, room.campaign.id
    with ava.http() as client:
        for path in ("/moderation", "/moderation/queue", "/moderation/audit",
                     "/moderation/audit.csv", "/moderation/words"):
            response = client.get(path)
            assert response.status_code == 403, path
            assert forbidden_message(response) == STAFF_PAGES
    for path, data in [
        (f"/comments/{number}/hide", {"reason": "Mine now"}),
        (f"/comments/{number}/remove", {"reason": "Mine now"}),
        (f"/comments/{number}/dismiss", {}),
        (f"/comments/{number}/hold", {}),
        (f"/campaigns/{campaign_id}/room", {"locked": "1"}),
        (f"/campaigns/{campaign_id}/mutes", {"user_id": str(room.lead.user.id),
                                             "duration": "lifted"}),
        (f"/polls/{poll.id}/pause", {"paused": "1"}),
        (f"/moderation/people/{room.lead.user.id}/suspend", {"reason": "Because"}),
        (f"/concerns/{concern.id}/seen", {}),
        (f"/concerns/{concern.id}/close", {"outcome": "Sorted"}),
        ("/moderation/words", {"words": "homework"}),
        ("/moderation/settings", {"filter_mode": "hold", "report_threshold": "1"}),
    ]:
        response = ava.post(path, data)
        assert response.status_code == 403, (path, response.text)
        assert forbidden_message(response)  # a "You can't do that" page, saying why
    # Even the lead of the campaign, a young person too.
    assert room.lead.post(f"/comments/{number}/hide", {"reason": "x"}).status_code == 403
    # Nothing happened: the comment is still there for everyone, and the room is open.
    said(room, room.lead, "Still here", lead_page)
    article = page_of(ava, room.campaign).select_one(f"#comment-{number}")
    assert article is not None and "Meet at 6?" in article.get_text(" ", strip=True)


def test_a_youth_worker_of_another_organisation_finds_nothing_to_moderate(room: Setup) -> None:
    number = said(room, room.lead, "Meet at 6?")
    poll = open_poll(room, "Which day?", ["Monday", "Friday"])
    hilda, campaign_id = staff(room, "other_worker"), room.campaign.id
    for path, data, missing in [
        (f"/comments/{number}/hide", {"reason": "Not ours"}, discussion.COMMENT_MISSING),
        (f"/comments/{number}/hold", {}, discussion.COMMENT_MISSING),
        (f"/comments/{number}/restore", {}, discussion.COMMENT_MISSING),
        (f"/comments/{number}/dismiss", {}, discussion.COMMENT_MISSING),
        (f"/campaigns/{campaign_id}/room", {"locked": "1"}, service.MISSING),
        (f"/campaigns/{campaign_id}/mutes", {"user_id": str(room.member.user.id),
                                             "duration": "lifted"}, service.MISSING),
        (f"/polls/{poll.id}/pause", {"paused": "1"}, polls.POLL_MISSING),
    ]:
        response = hilda.post(path, data)
        assert response.status_code == 404, (path, response.text)
        assert error_message(response, NOT_FOUND_TITLE) == missing
    # Nothing changed here: the comment and the room are as they were.
    article = page_of(room.member, room.campaign).select_one(f"#comment-{number}")
    assert article is not None and "Meet at 6?" in article.get_text(" ", strip=True)
    said(room, room.member, "See you at 6 then")


def test_a_peer_moderator_holds_comments_in_their_campaign_only(
        room: Setup, make_user: Any) -> None:
    db = room.server.runtime.db
    ava = room.member
    appointed = room.lead.post(f"/campaigns/{room.campaign.id}/people/{ava.user.id}/peer",
                               {"on": "1"})
    assert appointed.status_code == 303, appointed.text
    # Ben runs another campaign of the same organisation, and Ava is a member there too.
    ben_user: User = make_user(room.people["org"], "ben")
    elsewhere = make_campaign(db, ben_user, title="Free period in the sports hall")
    join(db, ava.user, elsewhere)
    ben = log_in(room.server, ben_user)
    ben_page = ben.socket(elsewhere, after=0)
    lead_page = room.lead.socket(room.campaign, after=0)

    there = "Sports hall on Wednesdays is a waste of time"
    assert say(ben, elsewhere, there).status_code == 200
    shown(ben_page.next_event()[1], there)
    other = comment_id(room, there)
    refusal = ava.post(f"/comments/{other}/hold", {})
    assert refusal.status_code == 403
    assert forbidden_message(refusal) == comments.MODERATORS_ONLY
    refusal = ava.post(f"/campaigns/{elsewhere.id}/people/{ben_user.id}/peer", {"on": "1"})
    assert refusal.status_code == 403
    assert forbidden_message(refusal) == peers.LEADS_ONLY
    # The other campaign's page heard nothing of it: its next event is Ben's next comment.
    assert say(ben, elsewhere, "Anyone else agree?").status_code == 200
    shown(ben_page.next_event()[1], "Anyone else agree?")

    here = "Bring your own snacks, no sharing with Ava"
    number = said(room, room.lead, here, lead_page)
    held = ava.post(f"/comments/{number}/hold", {"reason": "Leaves me out"})
    assert held.status_code == 200, held.text
    _, fragment = lead_page.next_event()
    assert replaced(fragment, number) == LOOKING
    # Peer moderators hold; hiding is for youth workers.
    refusal = ava.post(f"/comments/{number}/hide", {"reason": "Leaves me out"})
    assert refusal.status_code == 403
    assert forbidden_message(refusal) == STAFF_PAGES

    # Once the lead takes it away, Ava cannot hold anything here either.
    assert room.lead.post(f"/campaigns/{room.campaign.id}/people/{ava.user.id}/peer",
                          {"on": "0"}).status_code == 303
    later = said(room, room.lead, "Snacks are fine, sorry Ava", lead_page)
    refusal = ava.post(f"/comments/{later}/hold", {})
    assert refusal.status_code == 403
    assert forbidden_message(refusal) == comments.MODERATORS_ONLY
    with db.read() as session:
        assert session.get(Comment, later).state == "shown"  # type: ignore[union-attr]



@pytest.mark.parametrize(("who", "action"), [("worker", "hide"), ("admin", "remove")])
def test_words_taken_away_never_reach_a_page_catching_up(
        room: Setup, make_user: Any, who: str, action: str) -> None:
    """A page says the last event it saw and is sent the rest. Whatever number it says, the
    words of a comment that was hidden, or deleted for good, are not in what it is sent:
    not for a member who joined afterwards, not for an API stream."""
    words = "Ava lives at 12 Mill Lane, go round and tell her what you think"
    number = said(room, room.lead, words)
    taken = staff(room, who).post(f"/comments/{number}/{action}", {"reason": "Her address"})
    assert taken.status_code == 200, taken.text
    later = newcomer(room, make_user, "ben")
    page = later.socket(room.campaign, after=0)
    stand_in = HIDDEN if action == "hide" else REMOVED
    heard: list[str] = []
    while not heard or stand_in not in text_of(heard[-1]):
        heard.append(page.next_event()[1])  # up to what became of the comment
    page_leaks = [fragment for fragment in heard if "Mill Lane" in fragment]

    assert later.user.id is not None
    with room.server.runtime.db.write() as session:
        token = sessions.create_api_token(session, user_id=later.user.id)
    stream = room.server.clients.enter_context(connect(
        f"{room.server.ws_url}/api/v1/campaigns/{room.campaign.id}/events?after=0",
        additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=WAIT))
    sent: list[dict[str, Any]] = []
    while not sent or sent[-1]["kind"] != "comment.withheld":
        sent.append(json.loads(stream.recv(timeout=WAIT)))
    api_leaks = [event["kind"] for event in sent if "Mill Lane" in json.dumps(event)]
    assert (len(page_leaks), api_leaks) == (0, []), page_leaks
