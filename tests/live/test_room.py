"""A room full of phones, end to end: a real server, real websocket clients, real HTTP writes."""

import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2 as httpx
from sqlmodel import func, select

from server.accounts import sessions
from server.accounts.models import User
from server.campaigns.models import Ballot, BallotReceipt, Comment
from tests.campaigns.pages import join
from tests.live.conftest import WAIT, Member, Setup, log_in

TEXT = re.compile(r'<p class="poll-count"[^>]*><strong>(\d+)</strong>')


def token_for(setup: Setup, user: User) -> str:
    assert user.id is not None
    with setup.server.runtime.db.write() as session:
        return sessions.create_api_token(session, user_id=user.id)


def api(setup: Setup, token: str) -> httpx.Client:
    return httpx.Client(base_url=setup.server.url + "/api/v1",
                        headers={"Authorization": f"Bearer {token}"}, timeout=60)


def new_poll(setup: Setup, **body: Any) -> dict[str, Any]:
    with api(setup, token_for(setup, setup.lead.user)) as client:
        response = client.post(f"/campaigns/{setup.campaign.id}/polls", json={
            "kind": "single", "question": "Which day suits the meeting?",
            "options": ["Monday", "Wednesday", "Friday"], **body})
    assert response.status_code == 201, response.text
    poll: dict[str, Any] = response.json()
    return poll


def comment(member: Member, setup: Setup, words: str) -> None:
    response = member.post(f"/campaigns/{setup.campaign.id}/comments", {"text": words})
    assert response.status_code == 200, response.text


def votes_shown(message: str) -> int:
    found = TEXT.search(message)
    assert found, message
    return int(found.group(1))


def tally_with_votes(page: Any, poll_id: int, votes: int) -> str:
    """The first tally of the poll that counts `votes` (an earlier count may come first)."""
    while True:
        tally: str = page.next_tally(poll_id)
        if votes_shown(tally) == votes:
            return tally


def test_two_members_see_each_others_comment_and_vote(room: Setup) -> None:
    poll = new_poll(room)
    monday = poll["options"][0]["id"]
    lead_page = room.lead.socket(room.campaign, after=0)
    member_page = room.member.socket(room.campaign, after=0)
    # The poll opening was an event before either page connected: both catch up on it.
    for page in (lead_page, member_page):
        _, opened = page.next_event()
        assert "Which day suits the meeting?" in opened

    comment(room.member, room, "Can we meet after college? <b>Not</b> before 4.")
    for page in (lead_page, member_page):
        _, fragment = page.next_event()
        assert "Can we meet after college? &lt;b&gt;Not&lt;/b&gt; before 4." in fragment
        assert 'hx-swap-oob="beforeend:#comments"' in fragment

    vote = room.lead.post(f"/polls/{poll['id']}/ballot",
                          {"choice": str(monday), "client_op_id": "lead-vote-1"})
    assert vote.status_code == 200, vote.text
    for page in (lead_page, member_page):
        tally = tally_with_votes(page, poll["id"], 1)
        assert "Monday" in tally and "1 vote (100%)" in tally


def test_a_page_that_was_away_gets_exactly_what_it_missed_in_order(room: Setup) -> None:
    page = room.member.socket(room.campaign, after=0)
    comment(room.lead, room, "Before the wifi dropped")
    last_seen, _ = page.next_event()
    page.close()

    for n in range(1, 51):
        comment(room.lead, room, f"Missed message number {n}.")

    back = room.member.socket(room.campaign, after=last_seen)
    numbers, texts = [], []
    for _ in range(50):
        number, fragment = back.next_event()
        numbers.append(number)
        texts.append(re.search(r"Missed message number (\d+)\.", fragment).group(1))
    assert texts == [str(n) for n in range(1, 51)]
    assert numbers == sorted(set(numbers)) and numbers[0] > last_seen
    assert back.quiet(0.5) == []  # nothing twice, nothing more

    comment(room.lead, room, "And now live again")
    number, fragment = back.next_event()
    assert number > numbers[-1] and "And now live again" in fragment


def test_a_page_too_far_behind_is_told_to_fetch_a_snapshot(room: Setup) -> None:
    from server.live import socket

    db = room.server.runtime.db
    with db.write() as session:
        from server.campaigns import discussion
        from tests.accounts.helpers import viewer_of

        actor = viewer_of(db, room.lead.user)
        for n in range(socket.CATCH_UP_LIMIT + 1):
            discussion.post_comment(session, actor=actor, campaign_id=room.campaign.id,
                                    text=f"Comment {n}")
    page = room.member.socket(room.campaign, after=0)
    message = page.next()
    assert message.startswith('<div id="live-cursor" data-event=')
    assert 'data-snapshot="1"' in message
    assert page.quiet(0.3) == []


def test_two_hundred_members_voting_at_once_give_two_hundred_ballots(
        room: Setup, make_user: Any) -> None:
    poll = new_poll(room)
    monday, wednesday = (option["id"] for option in poll["options"][:2])
    db = room.server.runtime.db
    voters = []
    for n in range(200):
        user = make_user(room.people["org"], f"voter{n:03d}")
        join(db, user, room.campaign)
        voters.append((n, token_for(room, user)))
    watcher = room.lead.socket(room.campaign, after=0)
    watcher.next_event()  # the poll opening

    def vote(voter: tuple[int, str]) -> int:
        n, token = voter
        with api(room, token) as client:
            response = client.put(f"/polls/{poll['id']}/ballot", json={
                "choices": [monday if n % 4 else wednesday], "client_op_id": f"vote-{n}"})
        return response.status_code

    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(vote, voters))
    assert statuses == [200] * 200

    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Ballot)
                            .where(Ballot.poll_id == poll["id"])).one() == 200
    with api(room, token_for(room, room.lead.user)) as client:
        results = client.get(f"/polls/{poll['id']}/results").json()
    counts = {row["option_id"]: row["votes"] for row in results["counts"]}
    assert results["ballots"] == 200
    assert counts[monday] == 150 and counts[wednesday] == 50

    # The watching page ends on the exact tally, having heard a few tallies, not 200.
    heard = []
    while not heard or votes_shown(heard[-1]) < 200:
        heard.append(watcher.next_tally(poll["id"], timeout=WAIT))
    assert votes_shown(heard[-1]) == 200 and "150 votes" in heard[-1]
    assert len(heard) < 50


def test_twenty_parallel_retries_of_one_ballot_make_one_row(room: Setup) -> None:
    poll = new_poll(room)
    friday = poll["options"][2]["id"]
    token = token_for(room, room.member.user)
    op_id = str(uuid.uuid4())

    def send(_: int) -> dict[str, Any]:
        with api(room, token) as client:
            response = client.put(f"/polls/{poll['id']}/ballot",
                                  json={"choices": [friday], "client_op_id": op_id})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(send, range(20)))
    assert all(answer["saved"] and answer["ballot"]["choices"] == [friday] for answer in answers)
    assert sorted(answer["replayed"] for answer in answers) == [False] + [True] * 19
    db = room.server.runtime.db
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Ballot)).one() == 1
        assert session.exec(select(func.count()).select_from(BallotReceipt)).one() == 1


def test_the_api_event_stream_sends_the_same_events_as_json(room: Setup) -> None:
    from websockets.sync.client import connect

    poll = new_poll(room)
    token = token_for(room, room.member.user)
    url = f"{room.server.ws_url}/api/v1/campaigns/{room.campaign.id}/events?after=0"
    stream = room.server.clients.enter_context(
        connect(url, additional_headers={"Authorization": f"Bearer {token}"}))
    def next_message(kind: str) -> dict[str, Any]:
        while True:  # tallies come whenever a count is due: skip to the kind wanted
            message: dict[str, Any] = json.loads(stream.recv(timeout=WAIT))
            if message["kind"] == kind:
                return message

    opened = next_message("poll.opened")
    assert opened["data"]["poll"]["id"] == poll["id"]
    comment(room.lead, room, "Hello, big screen")
    created = next_message("comment.created")
    assert created["kind"] == "comment.created" and created["id"] > opened["id"]
    assert created["data"]["comment"]["text"] == "Hello, big screen"
    with api(room, token) as client:
        client.put(f"/polls/{poll['id']}/ballot",
                   json={"choices": [poll["options"][0]["id"]], "client_op_id": "screen-1"})
    tally = next_message("poll.tally")
    while tally["data"]["ballots"] == 0:
        tally = next_message("poll.tally")
    assert tally["id"] is None
    assert tally["data"]["ballots"] == 1 and tally["data"]["counts"][0]["votes"] == 1
    with db_read(room) as session:
        assert session.exec(select(func.count()).select_from(Comment)).one() == 1


def test_the_api_event_stream_needs_a_token_and_membership(room: Setup, make_user: Any) -> None:
    from websockets.sync.client import connect

    from tests.live.conftest import refused

    url = f"{room.server.ws_url}/api/v1/campaigns/{room.campaign.id}/events"

    def open_with(headers: dict[str, str]) -> object:
        return room.server.clients.enter_context(connect(url, additional_headers=headers))

    assert refused(lambda: open_with({})) == 401
    stranger = token_for(room, make_user(room.people["org"], "noor"))
    assert refused(lambda: open_with({"Authorization": f"Bearer {stranger}"})) == 403
    outsider = token_for(room, room.people["outsider"])
    assert refused(lambda: open_with({"Authorization": f"Bearer {outsider}"})) == 404


def db_read(setup: Setup) -> Any:
    return setup.server.runtime.db.read()


def test_results_after_the_vote_reach_only_those_who_voted(room: Setup, make_user: Any) -> None:
    poll = new_poll(room, visibility="after_vote")
    friday = poll["options"][2]["id"]
    ben = make_user(room.people["org"], "ben")
    join(room.server.runtime.db, ben, room.campaign)
    voter_page = room.member.socket(room.campaign, after=0)
    waiting_page = log_in(room.server, ben).socket(room.campaign, after=0)
    for page in (voter_page, waiting_page):
        page.next_event()
    vote = room.member.post(f"/polls/{poll['id']}/ballot",
                            {"choice": str(friday), "client_op_id": "after-vote-1"})
    assert vote.status_code == 200
    seen = tally_with_votes(voter_page, poll["id"], 1)
    assert 'data-shown="full"' in seen and "Friday" in seen
    waiting = tally_with_votes(waiting_page, poll["id"], 1)
    assert 'data-shown="count"' in waiting and "Friday" not in waiting


def test_replies_reactions_edits_and_a_poll_closing_reach_the_other_page(room: Setup) -> None:
    poll = new_poll(room)
    lead_page = room.lead.socket(room.campaign, after=0)
    member_page = room.member.socket(room.campaign, after=0)
    for page in (lead_page, member_page):
        page.next_event()  # the poll opening

    comment(room.lead, room, "Who can print the guide?")
    _, fragment = member_page.next_event()
    comment_id = int(re.search(r'id="comment-(\d+)"', fragment).group(1))
    lead_page.next_event()

    reply = room.member.post(f"/campaigns/{room.campaign.id}/comments",
                             {"text": "I can, at the library.", "parent_id": str(comment_id)})
    assert reply.status_code == 200
    _, fragment = lead_page.next_event()
    assert f'hx-swap-oob="beforeend:#replies-{comment_id}"' in fragment
    assert "I can, at the library." in fragment

    assert room.member.post(f"/comments/{comment_id}/react",
                            {"kind": "agree"}).status_code == 200
    _, fragment = lead_page.next_event()
    assert f'id="reactions-{comment_id}"' in fragment and 'hx-swap-oob="true"' in fragment

    for _ in range(2):  # the reply and the reaction, on the member's own page too
        member_page.next_event()
    assert room.lead.post(f"/comments/{comment_id}/edit",
                          {"text": "Who can print 30 copies of the guide?"}).status_code == 200
    _, fragment = member_page.next_event()
    assert f'<article id="comment-{comment_id}"' in fragment
    assert "Who can print 30 copies of the guide?" in fragment

    assert room.lead.post(f"/polls/{poll['id']}/close", {}).status_code == 200
    _, fragment = member_page.next_event()
    assert f'id="poll-{poll["id"]}-ballot"' in fragment and "Voting has closed." in fragment
    final = member_page.next_tally(poll["id"])
    assert 'data-shown="full"' in final


def test_a_page_that_was_away_while_people_voted_gets_the_fresh_tally(room: Setup) -> None:
    poll = new_poll(room)
    page = room.member.socket(room.campaign, after=0)
    last_seen, _ = page.next_event()  # the poll opening
    page.close()
    with api(room, token_for(room, room.lead.user)) as client:
        response = client.put(f"/polls/{poll['id']}/ballot", json={
            "choices": [poll["options"][1]["id"]], "client_op_id": "while-away-1"})
    assert response.status_code == 200

    back = room.member.socket(room.campaign, after=last_seen)
    tally = tally_with_votes(back, poll["id"], 1)
    assert "Wednesday" in tally and "1 vote (100%)" in tally
