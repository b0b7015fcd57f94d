"""The poll service: each kind counted exactly, what bad input is told, who may create, vote
and run a poll, ballots that stay one per person, retries that change nothing, and the events
each action leaves for open pages."""

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from server import clock as clock_module
from server.accounts import people
from server.accounts.models import Organisation, User
from server.accounts.sessions import Viewer
from server.campaigns import ballots, polls, service, tallies
from server.campaigns.models import Campaign, CampaignMember, Poll, PollStatus
from server.db import Database
from server.errors import InvalidInput, NotAllowed, NotFound
from tests.accounts.helpers import viewer_of
from tests.campaigns.pages import actions_of, archive, facilitate, join, make_campaign
from tests.campaigns.polls_helpers import (
    ballots_of,
    events_of,
    fresh_poll,
    make_poll,
    option_ids,
    poll_form,
    receipts_of,
    tally_of,
    vote,
)

SUSPENDED = "Your account is suspended, so you cannot make changes. Talk to a youth worker."
NEEDS_AGREEMENT = ("A youth worker needs to record a parent's or carer's agreement before you "
                   "can vote.")


@dataclass
class Room:
    """Jade's live campaign: Jade leads, Sam and Kai are members, the youth worker
    facilitates. The admin is staff but not in it; Lee is a young person who is not in it."""

    db: Database
    campaign: Campaign
    users: dict[str, User]

    def viewer(self, name: str) -> Viewer:
        return viewer_of(self.db, self.users[name])

    def do(self, fn: Any, name: str, **kwargs: Any) -> Any:
        with self.db.write() as session:
            return fn(session, actor=self.viewer(name), **kwargs)

    def read(self, fn: Any, name: str, **kwargs: Any) -> Any:
        with self.db.read() as session:
            return fn(session, actor=self.viewer(name), **kwargs)

    def poll(self, *, by: str = "jade", open_now: bool = True, **overrides: Any) -> Poll:
        return make_poll(self.db, self.users[by], self.campaign, open_now=open_now, **overrides)

    def vote(self, name: str, poll: Poll, choices: Any, **kwargs: Any) -> ballots.Saved:
        return vote(self.db, self.users[name], poll, choices, **kwargs)

    def create(self, name: str, **overrides: Any) -> Poll:
        return self.do(polls.create_poll, name, campaign_id=self.campaign.id,
                       data=poll_form(**overrides))


@pytest.fixture
def room(db, riverside, make_user) -> Room:
    users = {
        "jade": riverside["young"], "worker": riverside["worker"], "admin": riverside["admin"],
        "milo": riverside["child"], "olu": riverside["outsider"],
        "hilda": riverside["other_worker"],
        "sam": make_user(riverside["org"], "sam", "young_person", "13_15"),
        "kai": make_user(riverside["org"], "kai", "young_person", "16_17"),
        "lee": make_user(riverside["org"], "lee", "young_person", "13_15"),
    }
    campaign = make_campaign(db, users["jade"])
    join(db, users["sam"], campaign)
    join(db, users["kai"], campaign)
    facilitate(db, users["worker"], campaign)
    return Room(db, campaign, users)


def add_members(room: Room, make_user: Any, *names: str) -> None:
    """More young people who join the campaign."""
    with room.db.read() as session:
        org = session.get(Organisation, room.campaign.org_id)
    for name in names:
        room.users[name] = make_user(org, name, "young_person", "13_15")
        join(room.db, room.users[name], room.campaign)


def counted_from_rows(db: Database, poll: Poll) -> Counter[int]:
    """How many ballots chose each option, counted straight from the rows."""
    found: Counter[int] = Counter()
    for ballot in ballots_of(db, poll):
        found.update(set(tallies.decode(poll.kind, ballot.choices)))
    return found


# ---------------------------------------------------------------- each kind, end to end


def test_single_choice_counts_each_ballot_once(room):
    poll = room.poll(question="Where should we meet?", options=["Library", "Youth club", "Park"])
    ids = option_ids(room.db, poll)
    room.vote("jade", poll, [ids["Park"]])
    room.vote("sam", poll, [ids["Park"]])
    room.vote("kai", poll, [ids["Library"]])

    tally = tally_of(room.db, poll)
    assert tally.ballots == 3
    assert tally.results.counts == {ids["Library"]: 1, ids["Youth club"]: 0, ids["Park"]: 2}
    assert tallies.results_json(tally, full=True) == {
        "poll_id": poll.id, "ballots": 3, "status": "open", "results_visible": True,
        "kind": "single",
        "counts": [{"option_id": ids["Library"], "label": "Library", "votes": 1},
                   {"option_id": ids["Youth club"], "label": "Youth club", "votes": 0},
                   {"option_id": ids["Park"], "label": "Park", "votes": 2}],
    }


def test_multiple_choice_allows_up_to_max_choices(room):
    poll = room.poll(kind="multiple", options=["Pizza", "Curry", "Salad", "Wraps"],
                     max_choices="2")
    ids = option_ids(room.db, poll)
    with pytest.raises(InvalidInput) as refused:
        room.vote("sam", poll, [ids["Pizza"], ids["Curry"], ids["Salad"]])
    assert refused.value.errors == {"choices": "Choose up to 2 options (you chose 3)."}
    room.vote("sam", poll, [ids["Pizza"], ids["Curry"]])
    room.vote("kai", poll, [ids["Pizza"]])
    room.vote("jade", poll, [ids["Wraps"], ids["Pizza"]])

    tally = tally_of(room.db, poll)
    assert tally.ballots == 3
    assert tally.results.counts == {ids["Pizza"]: 3, ids["Curry"]: 1, ids["Salad"]: 0,
                                    ids["Wraps"]: 1}


def test_multiple_choice_without_a_limit_allows_every_option(room):
    poll = room.poll(kind="multiple", options=["A", "B", "C"], max_choices="")
    assert fresh_poll(room.db, poll).max_choices == 3
    ids = option_ids(room.db, poll)
    room.vote("sam", poll, [ids["A"], ids["B"], ids["C"]])
    assert tally_of(room.db, poll).results.counts == {ids["A"]: 1, ids["B"]: 1, ids["C"]: 1}


def test_ranked_is_counted_by_instant_runoff_with_every_round(room, make_user):
    add_members(room, make_user, "max", "zoe")
    poll = room.poll(kind="ranked", question="Which first?", options=["Buses", "Lights", "Cafe"])
    ids = option_ids(room.db, poll)
    b, li, c = ids["Buses"], ids["Lights"], ids["Cafe"]
    room.vote("jade", poll, [b, li, c])
    room.vote("sam", poll, [li, b])
    room.vote("kai", poll, [c, li])  # Cafe goes out first; this vote moves to Lights
    room.vote("max", poll, [b])
    room.vote("zoe", poll, [li, c])

    results = tallies.results_json(tally_of(room.db, poll), full=True)
    assert results["rounds"] == [
        {"counts": [{"option_id": b, "label": "Buses", "votes": 2},
                    {"option_id": li, "label": "Lights", "votes": 2},
                    {"option_id": c, "label": "Cafe", "votes": 1}],
         "exhausted": 0, "eliminated": [c]},
        {"counts": [{"option_id": b, "label": "Buses", "votes": 2},
                    {"option_id": li, "label": "Lights", "votes": 3}],
         "exhausted": 0, "eliminated": []},
    ]
    assert results["winner"] == li and results["tied"] == []
    assert results["counts"][2] == {"option_id": c, "label": "Cafe", "votes": 1}  # 1st choices
    assert tally_of(room.db, poll).ranked_order == [
        ("Lights", 3, "Winner"), ("Buses", 2, ""), ("Cafe", 1, "Out in round 1")]


def test_score_shows_average_spread_and_distribution(room):
    poll = room.poll(kind="score", options=["Skate park", "Music room"])
    ids = option_ids(room.db, poll)
    skate, music = str(ids["Skate park"]), ids["Music room"]
    room.vote("sam", poll, {skate: 3, music: 0})  # JSON keys are text; numbers work too
    room.vote("kai", poll, {skate: 5, music: 4})

    scores = tallies.results_json(tally_of(room.db, poll), full=True)["scores"]
    assert scores == [
        {"option_id": ids["Skate park"], "label": "Skate park", "count": 2, "average": 4.0,
         "spread": 1.0, "lowest": 3, "highest": 5, "distribution": [0, 0, 0, 1, 0, 1]},
        {"option_id": music, "label": "Music room", "count": 2, "average": 2.0,
         "spread": 2.0, "lowest": 0, "highest": 4, "distribution": [1, 0, 0, 0, 1, 0]},
    ]
    (stored,) = [b for b in ballots_of(room.db, poll) if b.user_id == room.users["sam"].id]
    assert stored.choices == f'{{"{skate}":3,"{music}":0}}'  # compact JSON


def test_proposal_counts_positions_and_lists_block_reasons(room, make_user):
    add_members(room, make_user, "max")
    poll = room.poll(kind="proposal", question="Close the club on Fridays?", options=[])
    room.vote("jade", poll, "agree", reason="More time for homework")
    room.vote("sam", poll, "block", reason="Friday is the only night I can come")
    room.vote("kai", poll, "block")
    room.vote("max", poll, "abstain")

    results = tallies.results_json(tally_of(room.db, poll), full=True)
    assert results["positions"] == {"agree": 1, "abstain": 1, "disagree": 0, "block": 2}
    assert results["block_reasons"] == ["Friday is the only night I can come"]
    assert "counts" not in results


def test_a_proposal_has_no_options(room):
    poll = room.poll(kind="proposal", options=["ignored", "too"])
    assert option_ids(room.db, poll) == {}
    with pytest.raises(InvalidInput) as refused:
        room.vote("sam", poll, "maybe")
    assert refused.value.errors == {"choices": "Choose agree, abstain, disagree or block."}


# ---------------------------------------------------------------- creating: what is checked


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"question": ""}, "question", "Add the question."),
    ({"question": "x" * 201}, "question", "Keep the question to 200 characters or fewer"),
    ({"description": "x" * 1001}, "description", "Keep the description to 1,000 characters"),
    ({"kind": "poll"}, "kind", "Choose what kind of poll it is."),
    ({"options": ["Only one"]}, "options", "Give at least 2 options, one per line."),
    ({"options": [f"Option {n}" for n in range(21)]}, "options",
     "A poll can have up to 20 options (this has 21)."),
    ({"options": ["Park", "Library", "park"]}, "options", "“park” is in the list twice"),
    ({"options": ["Park", "x" * 121]}, "options", "Keep option 2 to 120 characters"),
    ({"kind": "multiple", "max_choices": "4"}, "max_choices",
     "a whole number from 1 to 3."),
    ({"kind": "multiple", "max_choices": "0"}, "max_choices", "a whole number from 1 to 3."),
    ({"kind": "multiple", "max_choices": "two"}, "max_choices", "a whole number from 1 to 3."),
    ({"visibility": "never"}, "visibility", "Choose when people see the results."),
    ({"anonymous": "maybe"}, "anonymous", "Choose whether votes are anonymous or named."),
    ({"closes_at": "next friday"}, "closes_at", "Give the closing time as a date and a time"),
    ({"closes_at": "2001-01-01T10:00"}, "closes_at", "Choose a closing time in the future"),
])
def test_bad_poll_input_is_told_by_the_field(room, overrides, field, words):
    with pytest.raises(InvalidInput) as refused:
        room.create("jade", **overrides)
    assert set(refused.value.errors) == {field}
    assert words in refused.value.errors[field]
    with room.db.read() as session:
        assert session.exec(select(Poll)).first() is None


def test_every_bad_field_is_told_at_once(room):
    with pytest.raises(InvalidInput) as refused:
        room.create("jade", question="", options=["One"], visibility="soon")
    assert set(refused.value.errors) == {"question", "options", "visibility"}


def test_options_are_trimmed_and_typed_lines_work(room):
    poll = room.poll(options="  Park \n\n Library\r\nYouth club  \n")
    assert list(option_ids(room.db, poll)) == ["Park", "Library", "Youth club"]


def test_closing_time_without_a_zone_is_utc(room):
    later = (clock_module.now() + timedelta(days=2)).replace(microsecond=0, tzinfo=None)
    poll = room.poll(closes_at=later.isoformat(timespec="minutes"))
    assert fresh_poll(room.db, poll).closes_at == later.replace(
        second=0, tzinfo=clock_module.UTC)


# ---------------------------------------------------------------- who may run polls


@pytest.mark.parametrize("name", ["jade", "worker"])
def test_leads_and_facilitators_create_polls(room, name):
    poll = room.create(name)
    assert poll.status == PollStatus.open and poll.created_by == room.users[name].id


@pytest.mark.parametrize(("name", "error", "words"), [
    ("sam", NotAllowed, polls.RUNNERS_ONLY),
    ("admin", NotAllowed, polls.RUNNERS_ONLY),
    ("lee", NotAllowed, polls.RUNNERS_ONLY),
    ("olu", NotFound, "We could not find that campaign."),
    ("hilda", NotFound, "We could not find that campaign."),
])
def test_others_cannot_create_polls(room, name, error, words):
    with pytest.raises(error) as refused:
        room.create(name)
    assert refused.value.message == words


def test_no_polls_in_archived_or_ended_campaigns(room):
    service_end(room)
    with pytest.raises(NotAllowed) as refused:
        room.create("jade")
    assert refused.value.message == "This campaign is closed: it can no longer be changed."


def test_no_polls_in_an_archived_campaign(room):
    archive(room.db, room.users["worker"], room.campaign)
    with pytest.raises(NotAllowed) as refused:
        room.create("worker")
    assert refused.value.message == "This campaign is archived: it can be read but not changed."


def test_a_suspended_lead_cannot_create_polls(room):
    jade = room.viewer("jade")  # signed in before the suspension
    suspend(room, "jade")
    with pytest.raises(NotAllowed) as refused, room.db.write() as session:
        polls.create_poll(session, actor=jade, campaign_id=room.campaign.id, data=poll_form())
    assert refused.value.message == SUSPENDED


def service_end(room: Room) -> None:
    room.do(service.end_campaign, "jade", campaign_id=room.campaign.id, outcome="closed",
            statement="We stopped.")


def suspend(room: Room, name: str) -> None:
    room.do(people.suspend, "worker", user_id=room.users[name].id, reason="Testing")


@pytest.mark.parametrize("action", ["open", "close", "reveal"])
@pytest.mark.parametrize(("name", "error"), [
    ("sam", NotAllowed), ("admin", NotAllowed), ("olu", NotFound), ("hilda", NotFound)])
def test_only_runners_open_close_and_reveal(room, action, name, error):
    poll = room.poll(open_now=action != "open", visibility="after_close")
    if action == "open" and name == "sam":
        error = NotFound  # a member cannot even see a draft
    fn = {"open": polls.open_poll, "close": polls.close_poll, "reveal": polls.set_revealed}
    kwargs = {"revealed": True} if action == "reveal" else {}
    with pytest.raises(error):
        room.do(fn[action], name, poll_id=poll.id, **kwargs)
    assert fresh_poll(room.db, poll).status == poll.status
    assert fresh_poll(room.db, poll).revealed is False


# ---------------------------------------------------------------- who may vote


@pytest.mark.parametrize("name", ["jade", "sam"])
def test_leads_and_members_vote(room, name):
    poll = room.poll()
    ids = option_ids(room.db, poll)
    saved = room.vote(name, poll, [ids["Park"]])
    assert (saved.choices, saved.replayed) == ([ids["Park"]], False)
    (ballot,) = ballots_of(room.db, poll)
    assert ballot.user_id == room.users[name].id


@pytest.mark.parametrize(("name", "error", "words"), [
    ("worker", NotAllowed, polls.VOTERS_ONLY),
    ("admin", NotAllowed, polls.VOTERS_ONLY),
    ("lee", NotAllowed, polls.NOT_IN),
    ("olu", NotFound, polls.POLL_MISSING),
    ("hilda", NotFound, polls.POLL_MISSING),
])
def test_others_cannot_vote(room, name, error, words):
    poll = room.poll()
    with pytest.raises(error) as refused:
        room.vote(name, poll, [option_ids(room.db, poll)["Park"]])
    assert refused.value.message == words
    assert ballots_of(room.db, poll) == [] and receipts_of(room.db, poll) == []


def test_under_13_without_agreement_cannot_vote(room):
    # In the campaign, but no parent's or carer's agreement is recorded (joining needs it,
    # so they are added directly here).
    with room.db.write() as session:
        session.add(CampaignMember(campaign_id=room.campaign.id, user_id=room.users["milo"].id,
                                   role="member"))
    poll = room.poll()
    with pytest.raises(NotAllowed) as refused:
        room.vote("milo", poll, [option_ids(room.db, poll)["Park"]])
    assert refused.value.message == NEEDS_AGREEMENT
    assert ballots_of(room.db, poll) == []


def test_suspended_members_cannot_vote(room):
    poll = room.poll()
    sam = room.viewer("sam")  # signed in before the suspension
    suspend(room, "sam")
    with pytest.raises(NotAllowed) as refused, room.db.write() as session:
        ballots.cast_ballot(session, actor=sam, poll_id=poll.id,
                            choices=[option_ids(room.db, poll)["Park"]], client_op_id="x1")
    assert refused.value.message == SUSPENDED
    assert ballots_of(room.db, poll) == []


def test_removed_members_cannot_vote(room):
    poll = room.poll()
    room.do(service.remove_member, "jade", campaign_id=room.campaign.id,
            user_id=room.users["sam"].id)
    with pytest.raises(NotAllowed) as refused:
        room.vote("sam", poll, [option_ids(room.db, poll)["Park"]])
    assert refused.value.message == polls.NOT_IN


def test_drafts_take_no_votes_and_members_cannot_see_them(room):
    draft = room.poll(open_now=False)
    ids = option_ids(room.db, draft)
    with pytest.raises(NotAllowed) as refused:
        room.vote("jade", draft, [ids["Park"]])
    assert refused.value.message == polls.DRAFT
    with pytest.raises(NotFound):
        room.vote("sam", draft, [ids["Park"]])
    assert ballots_of(room.db, draft) == []

    room.do(polls.open_poll, "worker", poll_id=draft.id)
    room.vote("sam", draft, [ids["Park"]])
    assert tally_of(room.db, draft).ballots == 1


def test_closed_polls_refuse_ballots(room):
    poll = room.poll()
    ids = option_ids(room.db, poll)
    room.vote("sam", poll, [ids["Park"]])
    room.do(polls.close_poll, "worker", poll_id=poll.id)
    with pytest.raises(NotAllowed) as refused:
        room.vote("sam", poll, [ids["Library"]])
    assert refused.value.message == polls.CLOSED
    assert [tallies.decode("single", b.choices) for b in ballots_of(room.db, poll)] == [
        [ids["Park"]]]


def test_a_poll_refuses_ballots_once_its_time_has_passed(room, clock):
    later = (clock_module.now() + timedelta(hours=1)).isoformat()
    poll = room.poll(closes_at=later)
    ids = option_ids(room.db, poll)
    room.vote("sam", poll, [ids["Park"]])
    clock.advance(3601)
    # Before the closer loop has noticed, the poll already counts as closed.
    assert fresh_poll(room.db, poll).status == PollStatus.open
    with pytest.raises(NotAllowed) as refused:
        room.vote("kai", poll, [ids["Park"]])
    assert refused.value.message == polls.CLOSED
    assert tally_of(room.db, poll).public and tally_of(room.db, poll).status == "closed"


def test_no_votes_once_the_campaign_has_ended(room):
    poll = room.poll()
    service_end(room)
    with pytest.raises(NotAllowed) as refused:
        room.vote("sam", poll, [option_ids(room.db, poll)["Park"]])
    assert refused.value.message == "This campaign has ended, so its polls take no more votes."


# ---------------------------------------------------------------- what a ballot must say


@pytest.mark.parametrize(("kind", "choices", "words"), [
    ("single", [], "Choose one option."),
    ("single", ["Park", "Library"], "Choose only one option."),
    ("single", [999_999], "Choose from the poll's options."),
    ("single", ["Park", "Park"], "Choose each option only once."),
    ("multiple", [], "Choose at least one option."),
    ("ranked", [], "Put at least one option in order: 1 for your favourite."),
    ("ranked", ["Park", "Park"], "Choose each option only once."),
    ("score", ["Park"], "Give every option a score from 0 to 5."),
    ("score", {"Park": 3}, "Give every option a score from 0 to 5. Not scored yet: Library, "
                           "Youth club."),
    ("score", {"Park": 6, "Library": 1, "Youth club": 1}, "Give “Park” a whole number score "
                                                          "from 0 to 5."),
    ("score", {"Park": 2.5, "Library": 1, "Youth club": 1}, "Give “Park” a whole number score"
                                                            " from 0 to 5."),
])
def test_bad_ballots_are_told_what_is_wrong(room, kind, choices, words):
    poll = room.poll(kind=kind, options=["Park", "Library", "Youth club"])
    ids = option_ids(room.db, poll)

    def real(value: Any) -> Any:
        return ids.get(value, value) if isinstance(value, str) else value

    if isinstance(choices, dict):
        choices = {real(key): value for key, value in choices.items()}
    elif isinstance(choices, list):
        choices = [real(value) for value in choices]
    with pytest.raises(InvalidInput) as refused:
        room.vote("sam", poll, choices)
    assert refused.value.errors == {"choices": words}
    assert ballots_of(room.db, poll) == [] and receipts_of(room.db, poll) == []


def test_a_long_reason_is_refused(room):
    poll = room.poll(kind="proposal")
    with pytest.raises(InvalidInput) as refused:
        room.vote("sam", poll, "block", reason="x" * 501)
    assert refused.value.errors == {
        "reason": "Keep your reason to 500 characters or fewer (it has 501)."}


def test_client_operation_id_is_checked_by_the_service(room):
    poll = room.poll()
    for bad in ("", "   ", "has space", "x" * 65, "semi;colon", None, 12):
        with pytest.raises(InvalidInput) as refused:
            room.do(ballots.cast_ballot, "sam", poll_id=poll.id,
                    choices=[option_ids(room.db, poll)["Park"]], client_op_id=bad)
        assert refused.value.errors == {"client_op_id": ballots.BAD_OP_ID}
    assert ballots_of(room.db, poll) == []


# ---------------------------------------------------------------- one ballot, retries


def test_changing_a_ballot_keeps_one_row(room):
    poll = room.poll()
    ids = option_ids(room.db, poll)
    room.vote("sam", poll, [ids["Park"]])
    first = ballots_of(room.db, poll)[0]
    room.vote("sam", poll, [ids["Library"]])

    (ballot,) = ballots_of(room.db, poll)
    assert ballot.id == first.id and tallies.decode("single", ballot.choices) == [ids["Library"]]
    assert ballot.cast_at == first.cast_at and ballot.changed_at >= first.changed_at
    assert tally_of(room.db, poll).results.counts[ids["Library"]] == 1
    assert tally_of(room.db, poll).results.counts[ids["Park"]] == 0
    assert len(receipts_of(room.db, poll)) == 2


def test_a_retry_returns_the_first_result_and_changes_nothing(room):
    poll = room.poll()
    ids = option_ids(room.db, poll)
    first = room.vote("sam", poll, [ids["Park"]], client_op_id="tap-1")
    room.vote("sam", poll, [ids["Library"]], client_op_id="tap-2")
    before = events_of(room.db, room.campaign)

    # The first request's answer was lost; the phone sends it again, after the newer vote.
    again = room.vote("sam", poll, [ids["Youth club"]], client_op_id="tap-1")
    assert again.replayed is True
    assert (again.choices, again.saved_at, again.client_op_id) == (
        first.choices, first.saved_at, "tap-1")
    (ballot,) = ballots_of(room.db, poll)
    assert tallies.decode("single", ballot.choices) == [ids["Library"]]  # the newer vote stands
    assert len(receipts_of(room.db, poll)) == 2
    assert events_of(room.db, room.campaign) == before


def test_a_retry_is_answered_even_after_the_poll_closed(room):
    poll = room.poll()
    ids = option_ids(room.db, poll)
    first = room.vote("sam", poll, [ids["Park"]], client_op_id="late-retry")
    room.do(polls.close_poll, "jade", poll_id=poll.id)
    again = room.vote("sam", poll, [ids["Park"]], client_op_id="late-retry")
    assert again.replayed and again.saved_at == first.saved_at


def test_an_operation_id_belongs_to_one_poll(room):
    one, two = room.poll(), room.poll()
    room.vote("sam", one, [option_ids(room.db, one)["Park"]], client_op_id="same")
    with pytest.raises(InvalidInput) as refused:
        room.vote("sam", two, [option_ids(room.db, two)["Park"]], client_op_id="same")
    assert set(refused.value.errors) == {"client_op_id"}
    assert ballots_of(room.db, two) == []


def test_different_people_may_use_the_same_operation_id(room):
    poll = room.poll()
    ids = option_ids(room.db, poll)
    room.vote("sam", poll, [ids["Park"]], client_op_id="op-a")
    assert not room.vote("kai", poll, [ids["Park"]], client_op_id="op-a").replayed
    assert tally_of(room.db, poll).ballots == 2


def test_twenty_concurrent_retries_make_one_ballot(room):
    poll = room.poll()
    park = option_ids(room.db, poll)["Park"]
    sam = room.viewer("sam")

    def send(_: int) -> ballots.Saved:
        with room.db.write() as session:
            return ballots.cast_ballot(session, actor=sam, poll_id=poll.id, choices=[park],
                                       client_op_id="storm-1")

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(send, range(20)))

    assert len(ballots_of(room.db, poll)) == 1
    assert len(receipts_of(room.db, poll)) == 1
    assert sum(not answer.replayed for answer in answers) == 1
    assert {answer.saved_at for answer in answers} == {answers[0].saved_at}
    assert [kind for kind, _ in events_of(room.db, room.campaign)].count("ballot.cast") == 1


def test_concurrent_first_votes_with_different_ids_end_as_one_ballot(room):
    poll = room.poll()
    ids = option_ids(room.db, poll)
    sam = room.viewer("sam")

    def send(n: int) -> ballots.Saved:
        with room.db.write() as session:
            return ballots.cast_ballot(session, actor=sam, poll_id=poll.id,
                                       choices=[ids["Park"] if n % 2 else ids["Library"]],
                                       client_op_id=f"phone-{n}")

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(send, range(10)))
    assert len(ballots_of(room.db, poll)) == 1
    assert len(receipts_of(room.db, poll)) == 10


# ---------------------------------------------------------------- events and audit


def test_creating_an_open_poll_announces_it(room):
    poll = room.poll(question="Where?", options=["Here", "There"], anonymous=False)
    ids = option_ids(room.db, poll)
    assert events_of(room.db, room.campaign) == [("poll.opened", {"poll": {
        "id": poll.id, "campaign_id": room.campaign.id, "question": "Where?",
        "description": "", "kind": "single", "kind_label": "Pick one",
        "options": [{"id": ids["Here"], "label": "Here"}, {"id": ids["There"], "label": "There"}],
        "max_choices": 1, "anonymous": False, "visibility": "live",
        "visibility_label": "Everyone sees results as votes come in", "revealed": False,
        "status": "open", "closes_at": None, "closes_at_text": "", "paused": False}})]
    assert actions_of(room.db, room.campaign)[-1] == "poll.created"


def test_each_action_leaves_its_event_and_audit_entry(room):
    draft = room.poll(open_now=False, visibility="after_close")
    assert events_of(room.db, room.campaign) == []  # only runners see drafts

    room.do(polls.open_poll, "worker", poll_id=draft.id)
    room.do(polls.open_poll, "worker", poll_id=draft.id)  # already open: nothing happens
    room.vote("sam", draft, [option_ids(room.db, draft)["Park"]])
    room.do(polls.set_revealed, "jade", poll_id=draft.id, revealed=True)
    room.do(polls.set_revealed, "jade", poll_id=draft.id, revealed=True)
    room.do(polls.set_revealed, "jade", poll_id=draft.id, revealed=False)
    room.do(polls.close_poll, "jade", poll_id=draft.id)
    room.do(polls.close_poll, "jade", poll_id=draft.id)

    found = events_of(room.db, room.campaign)
    assert [kind for kind, _ in found] == ["poll.opened", "ballot.cast", "poll.revealed",
                                           "poll.revealed", "poll.closed"]
    assert found[1][1] == {"poll_id": draft.id}  # nobody's id: anonymous stays anonymous
    assert [data["poll"]["revealed"] for kind, data in found if kind == "poll.revealed"] == [
        True, False]
    assert found[-1][1]["poll"]["status"] == "closed"
    assert [a for a in actions_of(room.db, room.campaign) if a.startswith("poll.")] == [
        "poll.created", "poll.opened", "poll.revealed", "poll.hidden", "poll.closed"]


def test_ballots_are_never_audited(room):
    poll = room.poll()
    before = actions_of(room.db, room.campaign)
    room.vote("sam", poll, [option_ids(room.db, poll)["Park"]])
    assert actions_of(room.db, room.campaign) == before


def test_close_due_closes_polls_whose_time_has_passed(room, clock):
    soon = room.poll(closes_at=(clock_module.now() + timedelta(minutes=5)).isoformat())
    later = room.poll(closes_at=(clock_module.now() + timedelta(hours=5)).isoformat())
    by_hand = room.poll()
    with room.db.write() as session:
        assert polls.close_due(session) == 0

    clock.advance(301)
    with room.db.write() as session:
        assert polls.close_due(session) == 1
    with room.db.write() as session:
        assert polls.close_due(session) == 0

    assert fresh_poll(room.db, soon).status == PollStatus.closed
    assert fresh_poll(room.db, soon).closed_at is not None
    assert fresh_poll(room.db, later).status == PollStatus.open
    assert fresh_poll(room.db, by_hand).status == PollStatus.open
    kind, data = events_of(room.db, room.campaign)[-1]
    assert (kind, data["poll"]["id"], data["poll"]["status"]) == ("poll.closed", soon.id,
                                                                  "closed")


def test_opening_a_draft_whose_closing_time_passed_is_refused(room, clock):
    draft = room.poll(open_now=False,
                      closes_at=(clock_module.now() + timedelta(minutes=1)).isoformat())
    clock.advance(120)
    with pytest.raises(NotAllowed):
        room.do(polls.open_poll, "jade", poll_id=draft.id)
    assert fresh_poll(room.db, draft).status == PollStatus.draft


def test_a_closed_poll_cannot_be_opened_again(room):
    poll = room.poll()
    room.do(polls.close_poll, "jade", poll_id=poll.id)
    with pytest.raises(NotAllowed):
        room.do(polls.open_poll, "jade", poll_id=poll.id)


# ---------------------------------------------------------------- exact results


@pytest.mark.parametrize("kind", ["single", "multiple"])
def test_results_agree_with_a_count_of_the_ballot_rows(room, make_user, kind):
    names = [f"voter{n}" for n in range(12)]
    add_members(room, make_user, *names)
    poll = room.poll(kind=kind, options=["A", "B", "C", "D"], max_choices="3")
    ids = list(option_ids(room.db, poll).values())
    chance = random.Random(7)
    for name in names + names[:5]:  # some change their vote
        picks = chance.sample(ids, 1 if kind == "single" else chance.randint(1, 3))
        room.vote(name, poll, picks)

    tally = tally_of(room.db, poll)
    expected = counted_from_rows(room.db, poll)
    assert tally.ballots == len(ballots_of(room.db, poll)) == len(names)
    assert tally.results.counts == {option: expected[option] for option in ids}
    assert {c["option_id"]: c["votes"] for c in tallies.results_json(tally, full=True)[
        "counts"]} == tally.results.counts


def test_tallies_skip_drafts_and_unknown_polls(room):
    open_, draft = room.poll(), room.poll(open_now=False)
    other = make_campaign(room.db, room.users["sam"])
    elsewhere = make_poll(room.db, room.users["sam"], other)
    with room.db.read() as session:
        every = tallies.tallies(session, campaign_id=room.campaign.id, poll_ids=None)
        some = tallies.tallies(session, campaign_id=room.campaign.id,
                               poll_ids=[open_.id, draft.id, elsewhere.id, 999])
        none = tallies.tallies(session, campaign_id=room.campaign.id, poll_ids=[])
    assert [t.poll.id for t in every] == [open_.id]
    assert [t.poll.id for t in some] == [open_.id]
    assert none == []


# ---------------------------------------------------------------- who sees results


def sees(room: Room, poll: Poll, name: str) -> bool:
    section = room.read(polls.for_page, name, campaign_id=room.campaign.id)
    (card,) = [c for c in section.polls if c.poll.id == poll.id]
    return card.sees_results


def test_live_results_are_for_everyone(room):
    poll = room.poll(visibility="live")
    assert all(sees(room, poll, name) for name in ("sam", "jade", "worker", "lee"))
    assert tally_of(room.db, poll).public


def test_after_vote_results_show_once_you_have_voted(room):
    poll = room.poll(visibility="after_vote")
    tally = tally_of(room.db, poll)
    assert not tally.public and tally.unlocked_by_voting
    assert not sees(room, poll, "sam") and not sees(room, poll, "lee")
    assert sees(room, poll, "jade") and sees(room, poll, "worker")  # runners always see
    assert sees(room, poll, "admin")  # and so do youth workers and admins
    room.vote("sam", poll, [option_ids(room.db, poll)["Park"]])
    assert sees(room, poll, "sam") and not sees(room, poll, "kai")
    assert tally_of(room.db, poll).voters == frozenset({room.users["sam"].id})


def test_after_close_results_wait_for_the_close_or_a_reveal(room):
    poll = room.poll(visibility="after_close")
    room.vote("sam", poll, [option_ids(room.db, poll)["Park"]])
    assert not sees(room, poll, "sam") and not tally_of(room.db, poll).unlocked_by_voting
    assert sees(room, poll, "jade")

    room.do(polls.set_revealed, "worker", poll_id=poll.id, revealed=True)
    assert sees(room, poll, "sam") and sees(room, poll, "lee")
    room.do(polls.set_revealed, "worker", poll_id=poll.id, revealed=False)
    assert not sees(room, poll, "sam")

    room.do(polls.close_poll, "worker", poll_id=poll.id)
    assert sees(room, poll, "sam") and sees(room, poll, "lee")


def test_limited_results_say_only_how_many_voted(room):
    poll = room.poll(visibility="after_close")
    room.vote("sam", poll, [option_ids(room.db, poll)["Park"]])
    assert tallies.results_json(tally_of(room.db, poll), full=False) == {
        "poll_id": poll.id, "ballots": 1, "status": "open", "results_visible": False}


# ---------------------------------------------------------------- the campaign page's polls


def test_for_page_lists_polls_newest_first_with_drafts_for_runners(room):
    first = room.poll(question="First?")
    draft = room.poll(question="Draft?", open_now=False)
    second = room.poll(question="Second?")
    ids = option_ids(room.db, first)
    room.vote("sam", first, [ids["Library"]])

    mine = room.read(polls.for_page, "sam", campaign_id=room.campaign.id)
    assert [c.poll.id for c in mine.polls] == [second.id, first.id]
    assert (mine.runs, mine.manages, mine.can_create) == (False, False, False)
    (voted,) = [c for c in mine.polls if c.poll.id == first.id]
    assert voted.mine is not None and voted.mine.choices == [ids["Library"]]
    assert voted.mine_words == ["Library"] and voted.may_vote

    lead = room.read(polls.for_page, "jade", campaign_id=room.campaign.id)
    assert [c.poll.id for c in lead.polls] == [second.id, draft.id, first.id]
    assert (lead.runs, lead.manages, lead.can_create) == (True, True, True)

    worker = room.read(polls.for_page, "worker", campaign_id=room.campaign.id)
    assert all(not c.may_vote and c.why_not == polls.VOTERS_ONLY for c in worker.polls)
    admin = room.read(polls.for_page, "admin", campaign_id=room.campaign.id)
    assert admin.runs and not admin.manages and len(admin.polls) == 3


def test_named_votes_are_for_the_campaigns_members(room):
    named = room.poll(anonymous=False)
    anonymous = room.poll()
    ids = option_ids(room.db, named)
    room.vote("sam", named, [ids["Park"]])
    room.vote("sam", anonymous, [option_ids(room.db, anonymous)["Park"]])

    page = room.read(polls.get_poll, "kai", poll_id=named.id)
    assert [(v.name, v.words) for v in page.votes] == [("Sam", ["Park"])]
    assert room.read(polls.get_poll, "worker", poll_id=named.id).votes is not None
    assert room.read(polls.get_poll, "admin", poll_id=named.id).votes is None  # not a member
    assert room.read(polls.get_poll, "lee", poll_id=named.id).votes is None
    assert room.read(polls.get_poll, "kai", poll_id=anonymous.id).votes is None


def test_named_votes_wait_until_results_may_be_seen(room):
    poll = room.poll(anonymous=False, visibility="after_close")
    room.vote("sam", poll, [option_ids(room.db, poll)["Park"]])
    assert room.read(polls.get_poll, "kai", poll_id=poll.id).votes is None
    assert room.read(polls.get_poll, "jade", poll_id=poll.id).votes is not None


def test_other_organisations_cannot_find_a_poll(room):
    poll = room.poll()
    for name in ("olu", "hilda"):
        with pytest.raises(NotFound) as refused:
            room.read(polls.get_poll, name, poll_id=poll.id)
        assert refused.value.message == polls.POLL_MISSING


def test_the_same_submission_twice_is_answered_from_the_receipt_the_database_kept(room):
    """Two requests with one id (a retry, or sent twice at once): the receipt's unique
    constraint refuses the second insert, and the second is told the first's result."""
    poll = room.poll()
    ids = option_ids(room.db, poll)
    first = room.vote("sam", poll, [ids["Park"]], client_op_id="race-1")
    again = room.vote("sam", poll, [ids["Library"]], client_op_id="race-1")
    assert again.replayed and again.choices == first.choices == [ids["Park"]]
    assert again.saved_at == first.saved_at
    assert len(ballots_of(room.db, poll)) == 1 and len(receipts_of(room.db, poll)) == 1
    assert tallies.decode("single", ballots_of(room.db, poll)[0].choices) == [ids["Park"]]


def test_a_second_phones_first_vote_changes_the_ballot_already_there(room):
    """A first vote from two phones at once: the database keeps one ballot per person, and
    the later one becomes a change of it (first cast kept, choices and time changed)."""
    poll = room.poll()
    ids = option_ids(room.db, poll)
    room.vote("sam", poll, [ids["Park"]], client_op_id="phone-1")
    (first,) = ballots_of(room.db, poll)
    saved = room.vote("sam", poll, [ids["Library"]], client_op_id="phone-2")
    assert not saved.replayed
    (ballot,) = ballots_of(room.db, poll)
    assert ballot.id == first.id and ballot.cast_at == first.cast_at
    assert tallies.decode("single", ballot.choices) == [ids["Library"]]
    assert ballot.changed_at >= first.changed_at
    assert len(receipts_of(room.db, poll)) == 2


def test_a_vote_announces_the_event_it_wrote_and_a_retry_announces_nothing(room):
    """On PostgreSQL the receipt, the ballot and the event are one statement: what is
    announced after the commit is the event as the log has it."""
    from server.live import events

    poll = room.poll()
    ids = option_ids(room.db, poll)
    sam = room.viewer("sam")

    def cast(op_id: str) -> list[events.LiveEvent]:
        with room.db.write() as session:
            ballots.cast_ballot(session, actor=sam, poll_id=poll.id, choices=[ids["Park"]],
                                client_op_id=op_id)
            return events.take_outbox(session).events

    before = len(events_of(room.db, room.campaign))
    (announced,) = cast("tap-1")
    logged = events_of(room.db, room.campaign)
    assert len(logged) == before + 1
    assert (announced.kind, announced.data) == logged[-1] == ("ballot.cast", {"poll_id": poll.id})
    with room.db.read() as session:
        newest = session.exec(select(events.Event.id).order_by(events.Event.id.desc())).first()
    assert announced.id == newest
    assert cast("tap-1") == [], "a retry writes and announces nothing"
    assert len(events_of(room.db, room.campaign)) == before + 1
    (again,) = cast("tap-2")
    assert again.id > announced.id
