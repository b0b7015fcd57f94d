"""Shared setup for the poll tests (plain functions, not fixtures): polls and ballots made
through the service, and ways to read back what the database holds."""

import itertools
import json
from typing import Any

from sqlmodel import col, select

from server.accounts.models import User
from server.campaigns import ballots, polls, tallies
from server.campaigns.models import Ballot, BallotReceipt, Campaign, Poll, PollOption
from server.db import Database
from server.live.events import Event
from tests.accounts.helpers import viewer_of

_op_ids = itertools.count(1)


def op_id() -> str:
    return f"op-{next(_op_ids)}"


def poll_form(**overrides: Any) -> dict[str, Any]:
    """What a runner fills in for a simple "pick one" poll."""
    data: dict[str, Any] = {
        "kind": "single",
        "question": "Where should we meet?",
        "description": "",
        "options": ["Library", "Youth club", "Park"],
        "max_choices": "",
        "anonymous": True,
        "visibility": "live",
        "closes_at": None,
    }
    data.update(overrides)
    return data


def make_poll(db: Database, runner: User, campaign: Campaign, *, open_now: bool = True,
              **overrides: Any) -> Poll:
    assert campaign.id is not None
    with db.write() as session:
        return polls.create_poll(session, actor=viewer_of(db, runner), campaign_id=campaign.id,
                                 data=poll_form(**overrides), open_now=open_now)


def options_of(db: Database, poll: Poll) -> list[PollOption]:
    with db.read() as session:
        return list(session.exec(select(PollOption).where(PollOption.poll_id == poll.id)
                                 .order_by(col(PollOption.position))))


def option_ids(db: Database, poll: Poll) -> dict[str, int]:
    """Each option's id, by its label."""
    return {option.label: option.id for option in options_of(db, poll) if option.id}


def vote(db: Database, user: User, poll: Poll, choices: Any, *, reason: str = "",
         client_op_id: str | None = None) -> ballots.Saved:
    assert poll.id is not None
    with db.write() as session:
        return ballots.cast_ballot(session, actor=viewer_of(db, user), poll_id=poll.id,
                                   choices=choices, client_op_id=client_op_id or op_id(),
                                   reason=reason)


def ballots_of(db: Database, poll: Poll) -> list[Ballot]:
    with db.read() as session:
        return list(session.exec(select(Ballot).where(Ballot.poll_id == poll.id)
                                 .order_by(col(Ballot.id))))


def receipts_of(db: Database, poll: Poll) -> list[BallotReceipt]:
    with db.read() as session:
        return list(session.exec(select(BallotReceipt).where(BallotReceipt.poll_id == poll.id)
                                 .order_by(col(BallotReceipt.id))))


def fresh_poll(db: Database, poll: Poll) -> Poll:
    with db.read() as session:
        found = session.get(Poll, poll.id)
    assert found is not None
    return found


def events_of(db: Database, campaign: Campaign) -> list[tuple[str, dict[str, Any]]]:
    with db.read() as session:
        return [(e.kind, json.loads(e.data)) for e in session.exec(
            select(Event).where(Event.campaign_id == campaign.id).order_by(col(Event.id)))]


def tally_of(db: Database, poll: Poll) -> tallies.Tally:
    assert poll.id is not None
    with db.read() as session:
        (found,) = tallies.tallies(session, campaign_id=poll.campaign_id, poll_ids=[poll.id])
    return found
