"""Getting what a transaction announced to every worker's hub.

With one worker (`BROADCAST_URL` empty) an announcement goes straight to the hub. With several,
each worker also publishes it to a Redis channel and passes on to its own pages what the
others publish there:

- a worker's own pages hear of its changes at once, without the round trip through Redis;
  it ignores its own messages when they come back;
- announcements are sent in batches, in the order they were made, by one sender per worker;
- if Redis goes away, pages on the same worker still hear everything; the others catch up.
  Both the sender and the listener reconnect by themselves, with a growing pause (up to a
  few seconds). Once the listener is back it reads what its open campaigns missed from the
  event log (`Hub.catch_up`); once a sender that lost messages is back it tells every worker
  to do the same. Nothing is lost: the event log has every change, and the hub passes each
  event on once, in order.
"""

import asyncio
import contextlib
import json
import logging
import uuid
from dataclasses import asdict
from typing import Any

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from server.live.events import Kick, LiveEvent, Outbox
from server.live.hub import Hub

log = logging.getLogger(__name__)

CHANNEL = "studentvoice:live"
BATCH = 500  # announcements sent in one round trip at the most
QUEUE_LIMIT = 100_000  # announcements waiting to be sent before newer ones are dropped
FIRST_PAUSE = 0.1  # seconds before reconnecting, doubled each time up to LONGEST_PAUSE
LONGEST_PAUSE = 5.0
GONE = (RedisError, OSError, asyncio.TimeoutError)


class LocalBroadcast:
    """One worker: announcements go straight to its hub."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    @property
    def status(self) -> str:
        return "local"

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def publish(self, outbox: Outbox) -> None:
        """Announce what a committed transaction collected. Called on the event loop."""
        self.hub.publish(outbox)


def encode(outbox: Outbox) -> dict[str, Any]:
    return {"events": [[e.id, e.campaign_id, e.kind, e.data, e.prev] for e in outbox.events],
            "kicks": [asdict(kick) for kick in outbox.kicks],
            "nudges": sorted(outbox.nudges)}


def decode(found: dict[str, Any]) -> Outbox:
    return Outbox(events=[LiveEvent(*item) for item in found.get("events", [])],
                  kicks=[Kick(**kick) for kick in found.get("kicks", [])],
                  nudges=set(found.get("nudges", [])))


class RedisBroadcast(LocalBroadcast):
    """Several workers, one Redis channel."""

    def __init__(self, hub: Hub, url: str, *, channel: str = CHANNEL) -> None:
        super().__init__(hub)
        self.url = url
        self.channel = channel
        self.origin = uuid.uuid4().hex  # this worker, to know its own messages
        self.outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_LIMIT)
        self.listening = asyncio.Event()  # subscribed to the channel right now
        self.dropped = False  # announcements were not sent: every worker must catch up
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def status(self) -> str:
        return "connected" if self.listening.is_set() else "reconnecting"

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._listen(), name="broadcast listener"),
                       asyncio.create_task(self._send(), name="broadcast sender")]

    async def stop(self) -> None:
        # What is waiting to be sent goes first, if Redis takes it within a moment.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._drained(), 2.0)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    async def _drained(self) -> None:
        while not self.outgoing.empty() and self.listening.is_set():
            await asyncio.sleep(0.01)

    def publish(self, outbox: Outbox) -> None:
        self.hub.publish(outbox)
        try:
            self.outgoing.put_nowait(encode(outbox))
        except asyncio.QueueFull:
            self.dropped = True

    # ------------------------------------------------------------ sending

    async def _send(self) -> None:
        pause = FIRST_PAUSE
        while True:
            client = aioredis.Redis.from_url(self.url, socket_connect_timeout=2,
                                             socket_timeout=5)
            try:
                while True:
                    batch = [await self.outgoing.get()]
                    while len(batch) < BATCH and not self.outgoing.empty():
                        batch.append(self.outgoing.get_nowait())
                    if self.dropped:
                        batch.append({"catch_up": True})
                    await client.publish(self.channel, json.dumps(
                        {"origin": self.origin, "outboxes": batch}, separators=(",", ":")))
                    self.dropped = False
                    pause = FIRST_PAUSE
            except GONE as problem:
                # These never reached the others: they read them from the log instead.
                self.dropped = True
                log.warning("could not publish to the broadcast (%s); trying again", problem)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)

    # ------------------------------------------------------------ listening

    async def _listen(self) -> None:
        pause, first = FIRST_PAUSE, True
        while True:
            client = aioredis.Redis.from_url(self.url, socket_connect_timeout=2,
                                             health_check_interval=10)
            subscription = client.pubsub(ignore_subscribe_messages=True)
            try:
                await subscription.subscribe(self.channel)
                self.listening.set()
                if not first:
                    log.info("the broadcast is back: catching up from the event log")
                    await self.hub.catch_up()
                first, pause = False, FIRST_PAUSE
                async for message in subscription.listen():
                    self._heard(message.get("data"))
            except GONE as problem:
                log.warning("the broadcast is away (%s); reconnecting", problem)
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):
                    await subscription.aclose()  # type: ignore[no-untyped-call]
                    await client.aclose()
            first = False
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)

    def _heard(self, data: Any) -> None:
        try:
            found = json.loads(data)
            if found.get("origin") == self.origin:
                return
            outboxes = found["outboxes"]
        except (TypeError, ValueError, KeyError, AttributeError):
            log.warning("ignored a broadcast message that is not ours")
            return
        for item in outboxes:
            if item.get("catch_up"):
                asyncio.get_running_loop().create_task(self.hub.catch_up())
                continue
            try:
                outbox = decode(item)
            except (TypeError, ValueError):
                log.warning("ignored a broadcast announcement that could not be read")
                continue
            self.hub.publish(outbox)


def make_broadcast(hub: Hub, url: str) -> LocalBroadcast:
    return RedisBroadcast(hub, url) if url else LocalBroadcast(hub)
