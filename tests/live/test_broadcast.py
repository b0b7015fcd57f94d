"""What travels between workers: an announcement arrives as it was made (events with their
predecessors, kicks, nudges), a worker ignores its own and anything that is not ours, and a
worker that could not publish makes the others catch up."""

import asyncio
import json

from server.live.broadcast import LocalBroadcast, RedisBroadcast, decode, encode
from server.live.events import Kick, LiveEvent, Outbox
from tests.live.test_hub import run


class Heard:
    """Stands in for a worker's hub."""

    def __init__(self) -> None:
        self.published: list[Outbox] = []
        self.caught_up = 0

    def publish(self, outbox: Outbox) -> None:
        self.published.append(outbox)

    async def catch_up(self) -> None:
        self.caught_up += 1


ANNOUNCEMENT = Outbox(
    events=[LiveEvent(12, 3, "comment.created", {"comment": {"id": 5, "text": "Hi"}}, 11),
            LiveEvent(13, 3, "ballot.cast", {"poll_id": 2})],
    kicks=[Kick(7, campaign_id=3, reason="Removed from the campaign.")],
    nudges={1, 4})


def message(origin: str, *outboxes: dict[str, object]) -> str:
    return json.dumps({"origin": origin, "outboxes": list(outboxes)})


def test_an_announcement_arrives_as_it_was_made() -> None:
    assert decode(json.loads(json.dumps(encode(ANNOUNCEMENT)))) == ANNOUNCEMENT


def test_a_worker_passes_on_what_others_published_and_ignores_its_own() -> None:
    hub = Heard()
    worker = RedisBroadcast(hub, "redis://127.0.0.1:1/0")  # type: ignore[arg-type]
    worker._heard(message("another worker", encode(ANNOUNCEMENT)))
    worker._heard(message(worker.origin, encode(ANNOUNCEMENT)))
    worker._heard("not json")
    worker._heard(json.dumps({"something": "else"}))
    assert hub.published == [ANNOUNCEMENT]


def test_a_worker_that_lost_announcements_makes_the_others_catch_up() -> None:
    hub = Heard()

    async def hear() -> None:
        worker = RedisBroadcast(hub, "redis://127.0.0.1:1/0")  # type: ignore[arg-type]
        worker._heard(message("another worker", {"catch_up": True}))
        await asyncio.sleep(0.05)

    run(hear())
    assert hub.caught_up == 1


def test_publishing_reaches_this_workers_pages_at_once_and_queues_for_the_others() -> None:
    hub = Heard()

    async def publish() -> None:
        worker = RedisBroadcast(hub, "redis://127.0.0.1:1/0")  # type: ignore[arg-type]
        worker.publish(ANNOUNCEMENT)
        assert hub.published == [ANNOUNCEMENT]
        assert worker.outgoing.get_nowait() == encode(ANNOUNCEMENT)
        assert worker.status == "reconnecting"  # not started: not listening

    run(publish())
    one = Heard()
    LocalBroadcast(one).publish(ANNOUNCEMENT)  # type: ignore[arg-type]
    assert one.published == [ANNOUNCEMENT]
