"""The decisions service: the suggested rung and the reasons for another, links that must belong
to the campaign, who may record, confirm and amend, the frozen evidence snapshot, "we did"
published live, and the overdue list."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from server import clock as clock_module
from server.accounts.models import User
from server.accounts.sessions import Viewer
from server.campaigns.models import Campaign, Poll
from server.db import Database
from server.errors import InvalidInput, NotAllowed, NotFound
from server.ladder import decisions
from server.ladder.models import Amendment, Decision
from server.live.events import Event
from tests.accounts.helpers import viewer_of
from tests.campaigns.pages import (
    actions_of,
    add_stakeholder,
    facilitate,
    feed_of,
    join,
    make_campaign,
    say,
)
from tests.campaigns.polls_helpers import make_poll, option_ids, vote


@dataclass
class Setup:
    """Jade's live campaign: Sam and Kai are members, the youth worker facilitates, the admin is
    staff outside it; Olu and Hilda are in another organisation; Ben leads another campaign."""

    db: Database
    campaign: Campaign
    other: Campaign
    users: dict[str, User]

    @property
    def id(self) -> int:
        assert self.campaign.id is not None
        return self.campaign.id

    def as_(self, name: str) -> Viewer:
        return viewer_of(self.db, self.users[name])

    def do(self, fn: Callable[..., Any], name: str, **kwargs: Any) -> Any:
        with self.db.write() as session:
            return fn(session, actor=self.as_(name), **kwargs)

    def read(self, fn: Callable[..., Any], name: str, **kwargs: Any) -> Any:
        with self.db.read() as session:
            return fn(session, actor=self.as_(name), **kwargs)

    def record(self, name: str = "jade", **data: Any) -> Decision:
        found: Decision = self.do(decisions.record_decision, name, campaign_id=self.id,
                                  data=form(**data))
        return found

    def view(self, decision: Decision, name: str = "worker") -> decisions.DecisionView:
        found: decisions.DecisionView = self.read(decisions.get_decision, name,
                                                  decision_id=decision.id)
        return found


def form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"title": "The bus stop moves to the college gate",
                            "details": "", "decided_on": clock_module.now().date().isoformat(),
                            "decided_by": "adults"}
    data.update(overrides)
    return data


@pytest.fixture
def setup(db, riverside, make_user) -> Setup:
    users = {"jade": riverside["young"], "worker": riverside["worker"],
             "admin": riverside["admin"], "olu": riverside["outsider"],
             "hilda": riverside["other_worker"],
             "sam": make_user(riverside["org"], "sam", "young_person", "13_15"),
             "kai": make_user(riverside["org"], "kai", "young_person", "18_25"),
             "ben": make_user(riverside["org"], "ben", "young_person", "16_17")}
    campaign = make_campaign(db, users["jade"])
    join(db, users["sam"], campaign)
    join(db, users["kai"], campaign)
    facilitate(db, users["worker"], campaign)
    other = make_campaign(db, users["ben"], title="Longer library hours")
    return Setup(db, campaign, other, users)


def poll_by(setup: Setup, name: str, campaign: Campaign | None = None) -> Poll:
    return make_poll(setup.db, setup.users[name], campaign or setup.campaign)


def choose(setup: Setup, name: str, poll: Poll, label: str) -> None:
    vote(setup.db, setup.users[name], poll, [option_ids(setup.db, poll)[label]])


def events_of(db: Database, campaign_id: int) -> list[tuple[str, dict[str, Any]]]:
    with db.read() as session:
        return [(e.kind, json.loads(e.data)) for e in session.exec(
            select(Event).where(Event.campaign_id == campaign_id).order_by(col(Event.id)))]


# ---------------------------------------------------------------- recording


def test_a_poll_young_people_ran_that_bound_the_outcome_suggests_full_control(setup):
    poll = poll_by(setup, "jade")
    choose(setup, "sam", poll, "Library")
    choose(setup, "kai", poll, "Library")
    choose(setup, "jade", poll, "Park")
    decision = setup.record(poll_ids=[poll.id], poll_bound_outcome="on")

    assert (decision.suggested_rung, decision.rung, decision.rung_reason) == (
        "full_control", "full_control", "")
    assert decision.bound_poll_id == poll.id  # the only linked poll
    view = setup.view(decision)
    assert view.poll_ids == [poll.id]
    assert "Young people ran a poll" in view.suggestion.reasons[0]
    # "You said" starts as the poll's results in words.
    assert decision.you_said == ("Where should we meet? (3 votes): Library: 2 votes; "
                                 "Park: 1 vote; Youth club: 0 votes.")
    assert actions_of(setup.db, setup.campaign)[-1] == "decision.recorded"


def test_adults_deciding_after_an_adults_poll_suggests_consultation_and_you_said_can_be_typed(
        setup):
    poll = poll_by(setup, "worker")
    thread = say(setup.db, setup.users["sam"], setup.campaign, "Move it nearer the gate")
    decision = setup.record("worker", poll_ids=[poll.id], thread_ids=[thread["id"]],
                            you_said="You asked for a safer stop.")
    assert decision.rung == decision.suggested_rung == "consultation"
    assert decision.you_said == "You asked for a safer stop."
    # Binding an adult's poll is Participation, not Full Control.
    bound = setup.record("worker", poll_ids=[poll.id], poll_bound_outcome=True)
    assert bound.rung == "participation"


def test_choosing_another_rung_needs_a_reason_which_is_kept(setup):
    with pytest.raises(InvalidInput) as refused:
        setup.record(rung="sharing_power")
    assert refused.value.errors == {"rung_reason": (
        "The suggested rung is No Control. Say why you chose Sharing Power.")}

    decision = setup.record(rung="sharing_power",
                            rung_reason="The principal agreed it with the youth council.")
    assert (decision.suggested_rung, decision.rung) == ("no_control", "sharing_power")
    assert decision.rung_reason == "The principal agreed it with the youth council."
    # Choosing the suggestion keeps no reason.
    same = setup.record(rung="no_control", rung_reason="ignored")
    assert same.rung_reason == ""


def test_bad_input_is_told_field_by_field(setup):
    with pytest.raises(InvalidInput) as refused:
        setup.record(title="", decided_on="next Tuesday", decided_by="the council",
                     rung="top", lundy_space="maybe", lundy_voice_note="x" * 301)
    assert set(refused.value.errors) == {"title", "decided_on", "decided_by", "rung",
                                         "lundy_space", "lundy_voice_note"}
    tomorrow = (clock_module.now().date() + timedelta(days=1)).isoformat()
    with pytest.raises(InvalidInput) as future:
        setup.record(decided_on=tomorrow)
    assert future.value.errors == {
        "decided_on": "The date it was decided cannot be in the future."}
    with pytest.raises(InvalidInput) as unlinked:
        setup.record(poll_bound_outcome=True)
    assert set(unlinked.value.errors) == {"poll_bound_outcome"}


def test_links_and_the_decision_maker_must_belong_to_the_campaign(setup):
    theirs = poll_by(setup, "ben", setup.other)
    their_thread = say(setup.db, setup.users["ben"], setup.other, "Open on Sundays")
    their_stakeholder = add_stakeholder(setup.db, setup.users["ben"], setup.other)
    ours = say(setup.db, setup.users["sam"], setup.campaign, "Move it")
    reply = say(setup.db, setup.users["jade"], setup.campaign, "Yes", parent=ours)

    with pytest.raises(InvalidInput) as refused:
        setup.record(poll_ids=[theirs.id], thread_ids=[their_thread["id"]],
                     stakeholder_id=their_stakeholder.id)
    assert set(refused.value.errors) == {"poll_ids", "thread_ids", "stakeholder_id"}
    with pytest.raises(InvalidInput) as not_a_thread:
        setup.record(thread_ids=[reply["id"]])
    assert set(not_a_thread.value.errors) == {"thread_ids"}

    mine = add_stakeholder(setup.db, setup.users["jade"], setup.campaign)
    decision = setup.record(stakeholder_id=str(mine.id), thread_ids=[ours["id"]])
    view = setup.view(decision)
    assert view.stakeholder is not None and view.stakeholder.name == "Course manager"
    assert view.thread_ids == [ours["id"]]


def test_who_may_record_a_decision(setup):
    with pytest.raises(NotAllowed):
        setup.record("sam")  # a member
    with pytest.raises(NotAllowed):
        setup.record("admin")  # staff, but not facilitating this campaign
    with pytest.raises(NotFound):
        setup.record("olu")  # another organisation
    with pytest.raises(NotFound):
        setup.record("hilda")
    assert setup.record("jade").created_by == setup.users["jade"].id
    assert setup.record("worker").created_by == setup.users["worker"].id
    # Another organisation cannot even read one.
    decision = setup.record()
    with pytest.raises(NotFound):
        setup.view(decision, "hilda")


def test_changes_before_confirmation_follow_the_suggestion(setup):
    decision = setup.record()
    assert decision.rung == "no_control"
    changed = setup.do(decisions.update_decision, "jade", decision_id=decision.id,
                       data={"decided_by": "together"})
    assert (changed.rung, changed.suggested_rung) == ("sharing_power", "sharing_power")
    assert changed.title == "The bus stop moves to the college gate"
    assert actions_of(setup.db, setup.campaign)[-1] == "decision.changed"
    with pytest.raises(NotAllowed):
        setup.do(decisions.update_decision, "sam", decision_id=decision.id,
                 data={"title": "Mine now"})


def test_a_lundy_check_is_kept_with_a_note_each(setup):
    decision = setup.record()
    setup.do(decisions.check_lundy, "worker", decision_id=decision.id, lundy={
        "lundy": {"space": {"met": True, "note": "A quiet room at the club"},
                  "influence": {"met": "no", "note": ""}}})
    lundy = setup.view(decision).lundy
    assert lundy["space"] == {"met": True, "note": "A quiet room at the club"}
    assert lundy["influence"]["met"] is False
    assert lundy["voice"] == {"met": None, "note": ""}
    with pytest.raises(InvalidInput) as refused:
        setup.do(decisions.check_lundy, "worker", decision_id=decision.id,
                 lundy={"lundy_audience": "perhaps"})
    assert set(refused.value.errors) == {"lundy_audience"}


# ---------------------------------------------------------------- confirming


def involved(setup: Setup) -> tuple[Decision, Poll, dict[str, Any]]:
    """A decision linking a poll (Sam and Jade voted) and a thread (Sam started it; Jade and
    the youth worker replied)."""
    poll = poll_by(setup, "jade")
    choose(setup, "sam", poll, "Library")
    choose(setup, "jade", poll, "Park")
    thread = say(setup.db, setup.users["sam"], setup.campaign, "Near the gate please")
    say(setup.db, setup.users["jade"], setup.campaign, "Agreed", parent=thread)
    say(setup.db, setup.users["worker"], setup.campaign, "I'll ask", parent=thread)
    decision = setup.record(poll_ids=[poll.id], thread_ids=[thread["id"]])
    return decision, poll, thread


def test_confirming_freezes_a_snapshot_that_later_votes_and_comments_do_not_change(setup):
    decision, poll, thread = involved(setup)
    for name in ("jade", "sam"):
        with pytest.raises(NotAllowed):
            setup.do(decisions.confirm_decision, name, decision_id=decision.id)

    confirmed = setup.do(decisions.confirm_decision, "admin", decision_id=decision.id)
    assert confirmed.confirmed_by == setup.users["admin"].id
    assert confirmed.confirmed_at is not None
    frozen = setup.view(decision).snapshot
    assert frozen is not None
    # Young people only: the youth worker's reply is not counted.
    assert (frozen["young_people"], frozen["ballots"], frozen["comments"]) == (2, 2, 2)
    assert frozen["age_bands"] == {"under_13": 0, "13_15": 1, "16_17": 1, "18_25": 0,
                                   "over_25": 0}
    (results,) = frozen["polls"]
    assert results["question"] == "Where should we meet?"
    assert {c["label"]: c["votes"] for c in results["counts"]} == {
        "Library": 1, "Youth club": 0, "Park": 1}

    choose(setup, "kai", poll, "Youth club")
    say(setup.db, setup.users["kai"], setup.campaign, "Me too", parent=thread)
    assert setup.view(decision).snapshot == frozen
    assert actions_of(setup.db, setup.campaign)[-1] == "decision.confirmed"


def test_no_young_persons_name_is_in_the_snapshot(setup):
    decision, _poll, _thread = involved(setup)
    setup.do(decisions.confirm_decision, "worker", decision_id=decision.id)
    with setup.db.read() as session:
        stored = session.get(Decision, decision.id)
        assert stored is not None and stored.snapshot is not None
        text = stored.snapshot.lower()
    for name in ("jade", "sam", "kai"):
        user = setup.users[name]
        assert user.username.lower() not in text
        assert user.display_name.lower() not in text
        assert f'"user_id": {user.id}' not in text


def test_a_confirmed_decision_changes_only_by_an_amendment_that_keeps_who_when_and_why(
        setup, clock):
    decision, _poll, _thread = involved(setup)
    setup.do(decisions.confirm_decision, "worker", decision_id=decision.id)
    frozen = setup.view(decision).snapshot

    with pytest.raises(NotAllowed) as refused:
        setup.do(decisions.update_decision, "jade", decision_id=decision.id,
                 data={"title": "Quietly different"})
    assert "amend" in refused.value.message
    with pytest.raises(NotAllowed):
        setup.do(decisions.check_lundy, "worker", decision_id=decision.id, lundy={})
    with pytest.raises(NotAllowed):
        setup.do(decisions.amend_decision, "jade", decision_id=decision.id,
                 data={"title": "New"}, reason="Because")
    with pytest.raises(InvalidInput) as no_reason:
        setup.do(decisions.amend_decision, "worker", decision_id=decision.id,
                 data={"title": "New"}, reason="  ")
    assert set(no_reason.value.errors) == {"reason"}

    clock.advance(3600)
    setup.do(decisions.amend_decision, "worker", decision_id=decision.id,
             data={"title": "The bus stop moves to the main gate"},
             reason="The council chose the main gate, not the side gate.")
    view = setup.view(decision)
    (amendment,) = view.amendments
    assert isinstance(amendment, Amendment)
    assert amendment.by == setup.users["worker"].id
    assert amendment.reason == "The council chose the main gate, not the side gate."
    assert amendment.at >= clock.now() - timedelta(seconds=5)
    assert json.loads(amendment.changes) == {"title": [
        "The bus stop moves to the college gate", "The bus stop moves to the main gate"]}
    assert view.decision.title == "The bus stop moves to the main gate"
    assert view.snapshot == frozen
    assert actions_of(setup.db, setup.campaign)[-1] == "decision.amended"


# ---------------------------------------------------------------- "we did"


def test_publishing_we_did_shows_in_the_feed_and_live_without_names(setup):
    decision = setup.record()  # adults, nobody asked or told: No Control
    with pytest.raises(NotAllowed):
        setup.do(decisions.publish_we_did, "sam", decision_id=decision.id, we_did="Hi")
    with pytest.raises(InvalidInput) as empty:
        setup.do(decisions.publish_we_did, "jade", decision_id=decision.id, we_did=" ")
    assert set(empty.value.errors) == {"we_did"}

    before = len(events_of(setup.db, setup.id))
    published = setup.do(decisions.publish_we_did, "jade", decision_id=decision.id,
                         we_did="The stop moves in September.", follow_up_on="2099-09-30")
    assert published.we_did_published_at is not None
    assert published.follow_up_on.isoformat() == "2099-09-30"
    # Young people were told: the suggestion (and the rung that was it) rises to Information.
    assert (published.suggested_rung, published.rung) == ("information", "information")

    ((kind, data),) = events_of(setup.db, setup.id)[before:]
    assert kind == "decision.published"
    assert data["decision"]["we_did"] == "The stop moves in September."
    assert data["decision"]["rung"] == "information"
    text = json.dumps(data).lower()
    assert "jade" not in text and "created_by" not in text
    assert feed_of(setup.db, setup.campaign)[-1][1] == (
        "You said, we did: The bus stop moves to the college gate\n\n"
        "We did: The stop moves in September.")
    assert actions_of(setup.db, setup.campaign)[-1] == "decision.published"
    with pytest.raises(NotAllowed):
        setup.do(decisions.publish_we_did, "jade", decision_id=decision.id, we_did="Again")


def test_decisions_past_their_follow_up_date_with_no_we_did_are_listed_for_staff(setup, clock):
    today = clock.now().date()
    due = setup.record(follow_up_on=(today + timedelta(days=3)).isoformat())
    setup.record(title="No follow-up date")
    later = setup.record(title="Later", follow_up_on=(today + timedelta(days=30)).isoformat())
    assert setup.read(decisions.overdue, "worker") == []

    clock.advance(4 * 86400)
    assert [d.id for d in setup.read(decisions.overdue, "admin")] == [due.id]
    assert setup.read(decisions.overdue, "hilda") == []  # another organisation's
    with pytest.raises(NotAllowed):
        setup.read(decisions.overdue, "jade")

    setup.do(decisions.publish_we_did, "worker", decision_id=due.id, we_did="Done.")
    assert setup.read(decisions.overdue, "worker") == []
    clock.advance(30 * 86400)
    assert [d.id for d in setup.read(decisions.overdue, "worker")] == [later.id]


def test_another_organisations_decision_is_missing_like_one_that_never_was(setup):
    decision = setup.record()
    with pytest.raises(NotFound) as theirs:
        setup.view(decision, "hilda")
    with pytest.raises(NotFound) as never:
        setup.read(decisions.get_decision, "worker", decision_id=decision.id + 1000)
    assert str(theirs.value) == str(never.value) == decisions.MISSING
    with pytest.raises(NotFound) as confirming:
        setup.do(decisions.confirm_decision, "hilda", decision_id=decision.id)
    assert str(confirming.value) == decisions.MISSING
