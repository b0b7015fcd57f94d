"""Polls that close at a time are closed by this loop, and every open page hears of it."""

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from server.campaigns import polls
from server.db import Database
from server.live import events
from server.live.hub import Hub

log = logging.getLogger(__name__)
CHECK_EVERY = 1.0  # seconds


def _close_due(db: Database) -> events.Outbox:
    with db.write() as session:
        polls.close_due(session)
        return events.take_outbox(session)


async def close_due_polls(db: Database, hub: Hub, *, every: float = CHECK_EVERY) -> None:
    while True:
        try:
            announce = await run_in_threadpool(_close_due, db)
        except Exception:  # the database may be briefly away: try again next time
            log.exception("could not close the polls that are due")
        else:
            if announce:
                hub.publish(announce)
        await asyncio.sleep(every)
