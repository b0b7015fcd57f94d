"""The hub on its own: one render per event for the whole room, slow pages dropped without
holding up the others, tallies coalesced under a storm of votes, and kicks."""

import asyncio
from collections.abc import Collection, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from server.live.events import BALLOT_CAST, Kick, LiveEvent, Outbox
from server.live.hub import KICKED, QUEUE_LIMIT, TOO_SLOW, Connection, Hub, TallyMessage

T = TypeVar("T")


class Drawn:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, event: LiveEvent) -> str:
        self.calls.append(event.id)
        return f"<p>event {event.id}</p>"


class Counter:
    """Stands in for counting a poll's ballots: how often it was asked, and by how many votes."""

    def __init__(self) -> None:
        self.votes = 0
        self.asked = 0

    async def __call__(self, campaign_id: int, poll_ids: Collection[int] | None,
                      ) -> Sequence[TallyMessage]:
        self.asked += 1
        text = f"{self.votes} votes"
        return [TallyMessage(7, campaign_id, True, None, text, "hidden", text, "hidden")]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on an event loop of its own thread (the browser tests may hold one in
    this thread)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def comment(number: int, campaign_id: int = 1) -> LiveEvent:
    return LiveEvent(number, campaign_id, "comment.created", {"comment": {"id": number}})


def drain(connection: Connection) -> list[str]:
    found = []
    while not connection.queue.empty():
        item = connection.queue.get_nowait()
        if item is not None:
            found.append(item[1])
    return found


def test_an_event_is_drawn_once_and_the_same_text_goes_to_everyone_in_the_room() -> None:
    drawn = Drawn()
    hub = Hub(render=drawn, tallies=Counter())
    pages = [Connection(campaign_id=1, user_id=n) for n in range(50)]
    elsewhere = Connection(campaign_id=2, user_id=99)
    api = Connection(campaign_id=1, user_id=3, wants_json=True)
    for page in [*pages, elsewhere, api]:
        hub.join(page)
    hub.publish(Outbox(events=[comment(5)]))
    assert drawn.calls == [5]
    assert all(drain(page) == ["<p>event 5</p>"] for page in pages)
    assert drain(elsewhere) == []
    assert drain(api) == ['{"id":5,"kind":"comment.created","data":{"comment":{"id":5}}}']


def test_a_page_that_cannot_keep_up_is_dropped_and_the_others_get_everything() -> None:
    hub = Hub(render=Drawn(), tallies=Counter())
    slow, quick = Connection(campaign_id=1, user_id=1), Connection(campaign_id=1, user_id=2)
    hub.join(slow)
    hub.join(quick)
    for number in range(1, QUEUE_LIMIT + 10):
        hub.publish(Outbox(events=[comment(number)]))
        drain(quick)  # this one reads as fast as events come
    assert slow.closing is not None and slow.closing[0] == TOO_SLOW
    assert quick.closing is None
    hub.publish(Outbox(events=[comment(1000)]))
    assert drain(quick) == ["<p>event 1000</p>"]


def test_under_a_storm_of_votes_the_room_hears_a_few_tallies_not_one_per_vote() -> None:
    counter = Counter()

    async def storm() -> list[str]:
        hub = Hub(render=Drawn(), tallies=counter, tally_every=0.05)
        page = Connection(campaign_id=1, user_id=1)
        hub.join(page)
        await hub.start()
        for _ in range(500):
            counter.votes += 1
            hub.publish(Outbox(events=[LiveEvent(counter.votes, 1, BALLOT_CAST,
                                                 {"poll_id": 7})]))
        await asyncio.sleep(0.3)
        await hub.stop()
        return drain(page)

    heard = run(storm())
    assert 1 <= len(heard) <= 3
    assert heard[-1] == "500 votes"
    assert counter.asked == len(heard)


def test_the_first_vote_after_a_quiet_spell_is_counted_at_once_and_the_next_ones_wait() -> None:
    counter = Counter()

    async def votes() -> tuple[list[str], list[str]]:
        # A long rest between counts: the first vote must not wait for it.
        hub = Hub(render=Drawn(), tallies=counter, tally_every=60)
        page = Connection(campaign_id=1, user_id=1)
        hub.join(page)
        await hub.start()
        counter.votes = 1
        hub.publish(Outbox(events=[LiveEvent(1, 1, BALLOT_CAST, {"poll_id": 7})]))
        for _ in range(200):
            if counter.asked:
                break
            await asyncio.sleep(0.01)
        first = drain(page)
        counter.votes = 2
        hub.publish(Outbox(events=[LiveEvent(2, 1, BALLOT_CAST, {"poll_id": 7})]))
        await asyncio.sleep(0.2)
        resting = drain(page)
        await hub.stop()
        return first, resting

    first, resting = run(votes())
    assert first == ["1 votes"]
    assert resting == []  # counted when the rest is over, with any others that came
    assert counter.asked == 1


def test_nobody_counts_for_a_room_nobody_has_open() -> None:
    counter = Counter()

    async def votes_in_an_empty_room() -> None:
        hub = Hub(render=Drawn(), tallies=counter, tally_every=0.01)
        await hub.start()
        hub.publish(Outbox(events=[LiveEvent(1, 1, BALLOT_CAST, {"poll_id": 7})]))
        await asyncio.sleep(0.1)
        await hub.stop()

    run(votes_in_an_empty_room())
    assert counter.asked == 0


def test_pages_coming_back_at_once_share_one_count_and_only_they_get_it() -> None:
    counter = Counter()

    async def many_return() -> tuple[list[list[str]], list[str]]:
        hub = Hub(render=Drawn(), tallies=counter, tally_every=0.05)
        back = [Connection(campaign_id=1, user_id=n) for n in range(100)]
        stayed = Connection(campaign_id=1, user_id=999)
        for page in [*back, stayed]:
            hub.join(page)
            if page is not stayed:
                hub.refresh_tallies(page)
        await hub.start()
        await asyncio.sleep(0.2)
        await hub.stop()
        return [drain(page) for page in back], drain(stayed)

    heard, stayed_heard = run(many_return())
    assert counter.asked == 1
    assert all(messages == ["0 votes"] for messages in heard)
    assert stayed_heard == []


def test_results_go_only_to_those_who_may_see_them() -> None:
    hub = Hub(render=Drawn(), tallies=Counter())
    voter, other, runner = (Connection(campaign_id=1, user_id=n) for n in (1, 2, 3))
    runner.runs = True
    screen = Connection(campaign_id=1, user_id=3, runs=True, public_only=True)
    for page in (voter, other, runner, screen):
        hub.join(page)
    pages = (voter, other, runner, screen)
    after_vote = TallyMessage(7, 1, False, frozenset({1}), "full", "limited", "{}", "{}")
    hub.send_tallies(pages, [after_vote])
    assert [drain(p) for p in (voter, other, runner, screen)] == [
        ["full"], ["limited"], ["full"], ["limited"]]
    public = TallyMessage(7, 1, True, None, "full", "limited", "{}", "{}")
    hub.send_tallies(pages, [public])
    assert [drain(p) for p in (voter, other, runner, screen)] == [["full"]] * 4


def test_kicks_close_the_right_pages() -> None:
    hub = Hub(render=Drawn(), tallies=Counter())
    phone = Connection(campaign_id=1, user_id=1, session_id="a")
    laptop = Connection(campaign_id=1, user_id=1, session_id="b")
    other_room = Connection(campaign_id=2, user_id=1, session_id="a")
    someone_else = Connection(campaign_id=1, user_id=2, session_id="c")
    for page in (phone, laptop, other_room, someone_else):
        hub.join(page)
    hub.publish(Outbox(kicks=[Kick(1, campaign_id=1)]))
    assert phone.closing is not None and phone.closing[0] == KICKED
    assert laptop.closing is not None
    assert other_room.closing is None and someone_else.closing is None
    hub.publish(Outbox(kicks=[Kick(None, session_id="a")]))
    assert other_room.closing is not None and someone_else.closing is None


# ---------------------------------------------------------------- order, whichever worker wrote


def after(number: int, prev: int, campaign_id: int = 1) -> LiveEvent:
    """An event as its writer announces it: with the campaign's event before it."""
    return LiveEvent(number, campaign_id, "comment.created", {"comment": {"id": number}}, prev)


class Log:
    """Stands in for the event log: what was committed, and how often it was read."""

    def __init__(self, *found: LiveEvent) -> None:
        self.found = list(found)
        self.reads: list[tuple[int, int]] = []

    async def __call__(self, campaign_id: int, after_id: int) -> Sequence[LiveEvent]:
        self.reads.append((campaign_id, after_id))
        return [LiveEvent(e.id, e.campaign_id, e.kind, e.data) for e in self.found
                if e.campaign_id == campaign_id and e.id > after_id]


def numbers(connection: Connection) -> list[int]:
    return [int(text.removeprefix("<p>event ").removesuffix("</p>"))
            for text in drain(connection)]


def test_events_that_arrive_the_wrong_way_round_are_passed_on_in_order_and_once() -> None:
    log = Log()
    hub = Hub(render=Drawn(), tallies=Counter(), history=log)
    page = Connection(campaign_id=1, user_id=1)
    hub.join(page)

    async def arrive() -> None:
        hub.publish(Outbox(events=[after(10, 0)]))
        # 12 was written after 11, but another worker's 11 is still on its way.
        hub.publish(Outbox(events=[after(12, 11)]))
        hub.publish(Outbox(events=[after(13, 12), comment(99, campaign_id=2)]))
        assert numbers(page) == [10]
        hub.publish(Outbox(events=[after(11, 10)]))
        # Heard twice (a retry, or both from Redis and the worker itself): passed on once.
        hub.publish(Outbox(events=[after(12, 11), after(11, 10)]))
        await asyncio.sleep(0.3)

    run(arrive())
    assert numbers(page) == [11, 12, 13]
    assert log.reads == []  # nothing was missing for long: the log was not read


def test_an_event_that_never_arrives_is_read_from_the_log_before_the_ones_after_it() -> None:
    lost = after(11, 10)
    log = Log(after(10, 0), lost, after(12, 11))
    hub = Hub(render=Drawn(), tallies=Counter(), history=log, gap_wait=0.05)
    page = Connection(campaign_id=1, user_id=1)
    hub.join(page)

    async def arrive() -> None:
        hub.publish(Outbox(events=[after(10, 0)]))
        hub.publish(Outbox(events=[after(12, 11)]))  # 11's announcement was lost
        await asyncio.sleep(0.3)

    run(arrive())
    assert numbers(page) == [10, 11, 12]
    assert log.reads == [(1, 10)]


def test_catching_up_after_the_broadcast_was_away_sends_what_was_missed() -> None:
    log = Log(after(10, 0), after(11, 10), after(12, 11), after(30, 0, campaign_id=3))
    hub = Hub(render=Drawn(), tallies=Counter(), history=log)
    page, new_page = Connection(campaign_id=1, user_id=1), Connection(campaign_id=3, user_id=2)
    new_page.seen = 29  # it caught up from the log when it opened, before anything was heard
    hub.join(page)
    hub.join(new_page)

    async def away() -> None:
        hub.publish(Outbox(events=[after(10, 0)]))
        # Redis was away while 11, 12 and 30 were written on other workers.
        await hub.catch_up()

    run(away())
    assert numbers(page) == [10, 11, 12]
    assert numbers(new_page) == [30]
    assert (3, 29) in log.reads
    # And they get fresh tallies: votes may have been missed too.
    assert hub.behind[1] == {page} and hub.behind[3] == {new_page}
