"""Event numbers under concurrent writers: a campaign's events become visible in the order of
their numbers, so a page catching up after number N never skips one that commits later with a
smaller number; each event knows the campaign's event before it."""

import threading
import time

import pytest

from server.live import events


def test_a_later_number_never_becomes_visible_before_an_earlier_one(db, campaign):
    first_emitted, finish_first = threading.Event(), threading.Event()
    numbers: dict[str, events.LiveEvent] = {}

    def first() -> None:
        with db.write() as session:
            numbers["first"] = events.emit(session, campaign.id, "room.changed", {"n": 1})
            first_emitted.set()
            finish_first.wait(10)  # a slow transaction: numbered, not yet committed

    def second() -> None:
        with db.write() as session:
            numbers["second"] = events.emit(session, campaign.id, "room.changed", {"n": 2})

    with db.read() as session:
        before = events.latest_id(session, campaign.id)
    one = threading.Thread(target=first)
    one.start()
    assert first_emitted.wait(10)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.5)
    # The second writer waits its turn: nothing of it is numbered or visible yet, so no reader
    # can see a number past the first's while the first is still uncommitted.
    assert "second" not in numbers
    with db.read() as session:
        assert events.latest_id(session, campaign.id) == before
        assert events.missed(session, campaign.id, before, limit=10).events == []
    finish_first.set()
    one.join(10)
    two.join(10)
    assert numbers["second"].id > numbers["first"].id
    assert numbers["first"].prev == before
    assert numbers["second"].prev == numbers["first"].id
    with db.read() as session:
        found = events.missed(session, campaign.id, before, limit=10).events
    assert [e.id for e in found] == [numbers["first"].id, numbers["second"].id]


def test_votes_are_not_held_up_by_the_campaigns_turn(db, campaign):
    """Ballots are counted, never replayed by number: on PostgreSQL they take no turn, so a
    slow transaction in the room never holds up its votes. (SQLite has one writer anyway.)"""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: every write waits its turn")
    holding, finish = threading.Event(), threading.Event()
    cast: list[events.LiveEvent] = []

    def slow() -> None:
        with db.write() as session:
            events.emit(session, campaign.id, "room.changed", {"n": 1})
            holding.set()
            finish.wait(10)

    def vote() -> None:
        with db.write() as session:
            cast.append(events.emit(session, campaign.id, events.BALLOT_CAST, {"poll_id": 1}))

    one = threading.Thread(target=slow)
    one.start()
    assert holding.wait(10)
    two = threading.Thread(target=vote)
    two.start()
    two.join(5)
    done = not two.is_alive()
    finish.set()
    one.join(10)
    two.join(10)
    assert done, "the vote waited for the slow transaction"
    assert cast[0].prev is None
