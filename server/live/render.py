"""Drawing events for open pages: each event once, the same text for everyone in the room.

A page's fragment for an event comes from `templates/live/<kind>.html`, given only the event's
own data, so drawing it again later (for a page catching up) gives the same text. Anything that
differs from viewer to viewer (your own comments, the buttons only leads see) is decided by
the page that receives it, never here. Every fragment starts with the event's number, which
the page keeps so that it can say where it was when it reconnects.
"""

import functools
import json
from collections import OrderedDict
from collections.abc import Collection, Sequence

from jinja2 import Environment, TemplateNotFound
from starlette.concurrency import run_in_threadpool

from server import i18n
from server.campaigns import tallies
from server.db import Database
from server.live import events
from server.live.events import LiveEvent
from server.live.hub import TallyMessage

CACHE_SIZE = 4096


def cursor(event_id: int, *, snapshot: bool = False) -> str:
    """The page's note of the last event it has: every fragment starts with one."""
    extra = ' data-snapshot="1"' if snapshot else ""
    return f'<div id="live-cursor" data-event="{event_id}"{extra} hx-swap-oob="true"></div>'


class PageRenderer:
    def __init__(self, templates: Environment) -> None:
        self.templates = templates
        # Keyed by number and data: an event whose data was redrawn since (a comment changed,
        # hidden or removed; `events.redraw_comment`) is drawn again, never from the old text.
        self.drawn: OrderedDict[tuple[int, str, str], str | None] = OrderedDict()

    def __call__(self, event: LiveEvent) -> str | None:
        """The event's fragment in the language being spoken (`i18n.using`)."""
        key = (event.id, i18n.current(), json.dumps(event.data, sort_keys=True))
        if key in self.drawn:
            self.drawn.move_to_end(key)
            return self.drawn[key]
        try:
            template = self.templates.get_template(f"live/{event.kind}.html")
        except TemplateNotFound:
            text = None
        else:
            text = cursor(event.id) + template.render(data=event.data, event_id=event.id,
                                                      campaign_id=event.campaign_id)
        self.drawn[key] = text
        if len(self.drawn) > CACHE_SIZE:
            self.drawn.popitem(last=False)
        return text


class Tallies:
    """Counts polls from their ballots and draws each tally twice: with the results, and
    without them for those who may not see them yet."""

    def __init__(self, db: Database, templates: Environment) -> None:
        self.db = db
        self.templates = templates

    def count(self, campaign_id: int, poll_ids: Collection[int] | None,
              ) -> Sequence[TallyMessage]:
        with self.db.read() as session:
            found = tallies.tallies(session, campaign_id=campaign_id, poll_ids=poll_ids)
        template = self.templates.get_template("polls/_results.html")

        def draw(tally: tallies.Tally, locale: str) -> tuple[str, str]:
            with i18n.using(locale):
                return (template.render(tally=tally, show=True, oob=True),
                        template.render(tally=tally, show=False, oob=True))

        messages = []
        for tally in found:
            assert tally.poll.id is not None
            full_html, limited_html = draw(tally, i18n.DEFAULT)
            messages.append(TallyMessage(
                poll_id=tally.poll.id,
                campaign_id=campaign_id,
                public=tally.public,
                voters=tally.voters if tally.unlocked_by_voting else None,
                full_html=full_html,
                limited_html=limited_html,
                full_json=_tally_json(tallies.results_json(tally, full=True)),
                limited_json=_tally_json(tallies.results_json(tally, full=False)),
                draw=functools.partial(draw, tally),
            ))
        return messages

    async def __call__(self, campaign_id: int, poll_ids: Collection[int] | None,
                       ) -> Sequence[TallyMessage]:
        return await run_in_threadpool(self.count, campaign_id, poll_ids)


def _tally_json(results: dict[str, object]) -> str:
    return json.dumps({"id": None, "kind": "poll.tally", "data": results},
                      separators=(",", ":"))


class EventLog:
    """A campaign's events after a number, read from the log for the hub (votes aside), a
    batch at a time: the hub asks again while it is still behind."""

    LIMIT = 1000

    def __init__(self, db: Database) -> None:
        self.db = db

    def read(self, campaign_id: int, after_id: int) -> Sequence[LiveEvent]:
        with self.db.read() as session:
            return events.missed(session, campaign_id, after_id, limit=self.LIMIT).events

    async def __call__(self, campaign_id: int, after_id: int) -> Sequence[LiveEvent]:
        return await run_in_threadpool(self.read, campaign_id, after_id)
