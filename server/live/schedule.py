"""Polls that close at a time are closed by this loop, and every open page hears of it."""

import asyncio
import contextlib
import logging

from starlette.concurrency import run_in_threadpool

from server.campaigns import polls
from server.db import Database
from server.live import events
from server.live.broadcast import LocalBroadcast

log = logging.getLogger(__name__)
CHECK_EVERY = 1.0  # seconds


def _close_due(db: Database) -> events.Outbox:
    with db.write() as session:
        polls.close_due(session)
        return events.take_outbox(session)


async def close_due_polls(db: Database, broadcast: LocalBroadcast, stop: asyncio.Event, *,
                          every: float = CHECK_EVERY) -> None:
    """Until `stop` is set; it finishes what it is doing first, so no connection is left out."""
    while not stop.is_set():
        try:
            announce = await run_in_threadpool(_close_due, db)
        except Exception:  # the database may be briefly away: try again next time
            log.exception("could not close the polls that are due")
        else:
            if announce:
                broadcast.publish(announce)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
