"""The hub: who has a campaign open right now, and getting each event to all of them.

One hub per worker process. Every open page (and every API event stream) is a `Connection`
in its campaign's room, with a queue of messages waiting to be sent. An event is rendered once
and the same text is put in every queue of the room; a connection whose queue is full cannot
keep up, so it is dropped (close code 1013, "try again later") and catches up from the event
log when it reconnects: one slow phone never slows the room.

Ballots are not pushed one by one. A ballot marks its poll as changed and the hub counts it
at once, then rests: however fast ballots come after that, each changed poll is counted once
per rest and a room hears at most a few tallies a second.

A campaign's events reach the hub from this worker's own requests and, with several workers,
from the others through the broadcast; two of them can arrive the wrong way round. Each event
says which event of its campaign came before it, so the hub passes a campaign's events on in
order and each once: an event whose predecessor has not arrived waits for it a moment, then
the hub reads what is missing from the event log (`history`). A page skips numbers it has
already seen, so an event passed on late would be lost to it; this is why the order matters.
"""

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from server import i18n
from server.live.events import BALLOT_CAST, Kick, LiveEvent, Outbox

log = logging.getLogger(__name__)

QUEUE_LIMIT = 256  # messages waiting for one connection before it counts as too slow
TALLY_EVERY = 0.25  # seconds between tally pushes while votes are coming in
TOO_SLOW = 1013  # "try again later": the page reconnects and catches up
KICKED = 4403  # removed, suspended or logged out: the page does not reconnect
# A poll opening, closing or revealing its results changes who may see its tally.
POLL_STATE = frozenset({"poll.opened", "poll.closed", "poll.revealed"})
# What an open moderation console is sent when its organisation's queue changed: htmx puts it
# in the page and, as it loads, fetches the queue afresh.
NUDGE = ('<div id="queue-refresh" hx-swap-oob="true" hx-get="/moderation/queue" '
         'hx-trigger="load" hx-target="#queue" hx-swap="outerHTML"></div>')


@dataclass(frozen=True)
class TallyMessage:
    """A poll's fresh tally, rendered for those who may see results and for those who may not."""

    poll_id: int
    campaign_id: int
    public: bool  # everyone sees the results
    voters: frozenset[int] | None  # when voting shows you the results: who has voted
    full_html: str
    limited_html: str
    full_json: str
    limited_json: str
    # The same two drawings in the other languages pages speak, by language code.
    # Draws both in another language, when a page speaking it is open (once per language).
    draw: Callable[[str], tuple[str, str]] | None = None
    translated: dict[str, tuple[str, str]] = field(default_factory=dict)

    def html(self, *, full: bool, locale: str) -> str:
        if locale == i18n.DEFAULT or self.draw is None:
            return self.full_html if full else self.limited_html
        drawn = self.translated.get(locale)
        if drawn is None:
            drawn = self.translated[locale] = self.draw(locale)
        return drawn[0] if full else drawn[1]


# Counts the given polls of a campaign and renders their tallies (runs off the event loop).
TallySource = Callable[[int, Collection[int] | None], Awaitable[Sequence[TallyMessage]]]
# Renders an event for pages, once; None when pages show nothing for it.
PageRenderer = Callable[[LiveEvent], str | None]
# A campaign's events after a number, from the event log, oldest first (votes aside).
History = Callable[[int, int], Awaitable[Sequence[LiveEvent]]]
GAP_WAIT = 0.2  # seconds an event waits for the one before it before the log is read


@dataclass(eq=False)
class Connection:
    """One open page or API stream."""

    campaign_id: int
    user_id: int
    session_id: str = ""
    runs: bool = False  # a lead or facilitator of the campaign, or staff: sees every tally
    public_only: bool = False  # a big screen: shows only what everyone may see
    wants_json: bool = False  # an API stream: JSON instead of HTML fragments
    locale: str = i18n.DEFAULT  # the language its fragments are drawn in
    queue: asyncio.Queue[tuple[int, str] | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    closing: tuple[int, str] | None = None
    seen: int = 0  # the number of the last event sent to it

    def offer(self, event_id: int, text: str) -> bool:
        """Queue a message; False (and the connection marked for closing) when it is full."""
        if self.closing is not None:
            return False
        try:
            self.queue.put_nowait((event_id, text))
        except asyncio.QueueFull:
            self.close(TOO_SLOW, self.say(i18n.N_("You fell behind: reconnect to catch up.")))
            return False
        return True

    def say(self, message: str) -> str:
        """A close reason in the language of the page it goes to."""
        return i18n.translations(self.locale).gettext(message)

    def close(self, code: int, reason: str) -> None:
        if self.closing is None:
            self.closing = (code, reason)
            # Wake the sender so it closes at once, making room in a full queue if need be.
            if self.queue.full():
                self.queue.get_nowait()
            self.queue.put_nowait(None)

    def sees_full_tally(self, tally: TallyMessage) -> bool:
        if tally.public:
            return True
        if self.public_only:
            return False
        return self.runs or (tally.voters is not None and self.user_id in tally.voters)


class Hub:
    def __init__(self, *, render: PageRenderer, tallies: TallySource,
                 history: History | None = None, tally_every: float = TALLY_EVERY,
                 gap_wait: float = GAP_WAIT) -> None:
        self.render = render
        self.tallies = tallies
        self.history = history
        self.tally_every = tally_every
        self.gap_wait = gap_wait
        # By campaign: the number of the last event passed on, and events waiting for the
        # one before them, by number.
        self.last: dict[int, int] = {}
        self.waiting: dict[int, dict[int, LiveEvent]] = defaultdict(dict)
        self._filling: dict[int, asyncio.Task[None]] = {}
        self.rooms: dict[int, set[Connection]] = defaultdict(set)
        self.changed_polls: dict[int, set[int]] = defaultdict(set)
        # Open moderation consoles, by organisation.
        self.desks: dict[int, set[Connection]] = defaultdict(set)
        # Pages that came back after votes were cast: at the next count they get every tally.
        self.behind: dict[int, set[Connection]] = defaultdict(set)
        # One tally loop per event loop that started the hub (a server has exactly one).
        # With it, the events that stop it and wake it when a poll changes.
        self._tasks: dict[asyncio.AbstractEventLoop,
                          tuple[asyncio.Task[None], asyncio.Event, asyncio.Event]] = {}

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        if loop not in self._tasks:
            stop, wake = asyncio.Event(), asyncio.Event()
            self._tasks[loop] = (loop.create_task(self._push_tallies(stop, wake),
                                                  name="tallies"), stop, wake)

    async def stop(self) -> None:
        found = self._tasks.pop(asyncio.get_running_loop(), None)
        if found is not None:
            # Let a count that is under way finish, so its database connection goes back.
            task, stop, wake = found
            stop.set()
            wake.set()
            await task
        if self._tasks:
            return
        for room in [*self.rooms.values(), *self.desks.values()]:
            for connection in list(room):
                connection.close(1012, connection.say(i18n.N_("The server is restarting.")))

    # ------------------------------------------------------------ who is here

    def join(self, connection: Connection) -> None:
        self.rooms[connection.campaign_id].add(connection)

    def leave(self, connection: Connection) -> None:
        room = self.rooms.get(connection.campaign_id)
        if room is not None:
            room.discard(connection)
            if not room:
                del self.rooms[connection.campaign_id]

    def join_desk(self, org_id: int, connection: Connection) -> None:
        self.desks[org_id].add(connection)

    def leave_desk(self, org_id: int, connection: Connection) -> None:
        desk = self.desks.get(org_id)
        if desk is not None:
            desk.discard(connection)
            if not desk:
                del self.desks[org_id]

    def count(self, campaign_id: int) -> int:
        return len(self.rooms.get(campaign_id, ()))

    # ------------------------------------------------------------ after a commit

    def publish(self, outbox: Outbox) -> None:
        """Announce what a committed transaction collected. Called on the event loop."""
        for event in outbox.events:
            self.deliver(event)
        for kick in outbox.kicks:
            self.kick(kick)
        for org_id in outbox.nudges:
            self.nudge(org_id)

    def nudge(self, org_id: int) -> None:
        """The organisation's moderation queue changed: its open consoles fetch it again."""
        for connection in list(self.desks.get(org_id, ())):
            connection.offer(0, NUDGE)

    def deliver(self, event: LiveEvent) -> None:
        """Pass a campaign's event on in order: now, or once the events before it have been."""
        if event.kind == BALLOT_CAST:
            self.changed_polls[event.campaign_id].add(int(event.data["poll_id"]))
            self._wake()
            return
        campaign_id = event.campaign_id
        last = self.last.get(campaign_id)
        if last is None and self.rooms.get(campaign_id):
            # The first event heard for this room: its pages caught up from the log as they
            # opened, so what comes next is whatever follows what they have all seen.
            last = self.last[campaign_id] = min(c.seen for c in self.rooms[campaign_id])
        if last is not None and event.id <= last:
            return  # passed on already
        if last is None or event.prev is None or event.prev <= last:
            self._pass_on(event)
            self._release(campaign_id)
            return
        self.waiting[campaign_id][event.id] = event
        self._fill_later(campaign_id)

    def _release(self, campaign_id: int) -> None:
        """Pass on the waiting events whose predecessors have now been passed on."""
        waiting = self.waiting.get(campaign_id)
        while waiting:
            last = self.last.get(campaign_id, 0)
            ready = [e for e in waiting.values() if e.id <= last or (e.prev or 0) <= last]
            if not ready:
                return
            for event in sorted(ready, key=lambda e: e.id):
                del waiting[event.id]
                if event.id > self.last.get(campaign_id, 0):
                    self._pass_on(event)
        self.waiting.pop(campaign_id, None)

    def _fill_later(self, campaign_id: int) -> None:
        if self.history is None or campaign_id in self._filling:
            return
        with contextlib.suppress(RuntimeError):  # no running loop: nothing to wait with
            self._filling[campaign_id] = asyncio.get_running_loop().create_task(
                self._fill(campaign_id, wait=self.gap_wait), name=f"fill {campaign_id}")

    async def _fill(self, campaign_id: int, *, wait: float) -> None:
        """After `wait`, if events are still waiting (or always, with wait=0), read what the
        campaign's pages have not been sent from the event log and pass it on in order."""
        try:
            await asyncio.sleep(wait)
            if wait and not self.waiting.get(campaign_id):
                return
            assert self.history is not None
            after = self.last.get(campaign_id)
            if after is None:  # nothing passed on here yet: from what the pages have seen
                after = min((c.seen for c in self.rooms.get(campaign_id, ())), default=0)
            try:
                found = await self.history(campaign_id, after)
            except Exception:  # the database may be away: try again a little later
                log.exception("could not read the events of campaign %s", campaign_id)
                self._filling.pop(campaign_id, None)
                await asyncio.sleep(max(wait, self.gap_wait))
                self._fill_later(campaign_id)
                return
            for event in found:
                if event.id > self.last.get(campaign_id, 0):
                    self._pass_on(event)
            self._release(campaign_id)
        finally:
            if self._filling.get(campaign_id) is asyncio.current_task():
                del self._filling[campaign_id]
        if self.waiting.get(campaign_id):
            self._fill_later(campaign_id)

    async def catch_up(self) -> None:
        """Events may have been missed (the broadcast was away): every campaign open here is
        read from the event log, and its pages are sent what they have not seen and fresh
        tallies."""
        if self.history is None:
            return
        for campaign_id, room in list(self.rooms.items()):
            await self._fill(campaign_id, wait=0)
            for connection in list(room):
                self.refresh_tallies(connection)

    def _pass_on(self, event: LiveEvent) -> None:
        self.last[event.campaign_id] = event.id
        if event.kind in POLL_STATE:
            # Closing or revealing a poll changes who may see its results.
            self.changed_polls[event.campaign_id].add(int(event.data["poll"]["id"]))
            self._wake()
        room = self.rooms.get(event.campaign_id)
        if not room:
            return
        # Drawn once per language spoken in the room, the same text for everyone in it.
        drawn: dict[str, str | None] = {}
        as_json = json_text(event)
        for connection in list(room):
            if connection.wants_json:
                text: str | None = as_json
            else:
                if connection.locale not in drawn:
                    with i18n.using(connection.locale):
                        drawn[connection.locale] = self.render(event)
                text = drawn[connection.locale]
            if text is not None:
                connection.offer(event.id, text)

    def kick(self, kick: Kick) -> None:
        rooms = ([self.rooms.get(kick.campaign_id, set())] if kick.campaign_id is not None
                 else [*self.rooms.values(), *self.desks.values()])
        for room in rooms:
            for connection in list(room):
                if kick.user_id is not None and connection.user_id != kick.user_id:
                    continue
                if kick.session_id is not None and connection.session_id != kick.session_id:
                    continue
                if kick.keep_session_id and connection.session_id == kick.keep_session_id:
                    continue
                if kick.user_id is not None or kick.session_id is not None:
                    connection.close(KICKED, connection.say(
                        kick.reason or i18n.N_("You can no longer see this.")))

    # ------------------------------------------------------------ tallies

    def _wake(self) -> None:
        """A poll changed or a page came back: count now, unless the count is resting."""
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for loop, (_task, _stop, wake) in list(self._tasks.items()):
            if loop is running:
                wake.set()
            else:
                with contextlib.suppress(RuntimeError):  # that loop has closed
                    loop.call_soon_threadsafe(wake.set)

    async def _push_tallies(self, stop: asyncio.Event, wake: asyncio.Event) -> None:
        while not stop.is_set():
            if not self.changed_polls and not self.behind:
                await wake.wait()  # quiet: the first vote is counted at once
            wake.clear()
            if stop.is_set():
                return
            await self._count_changed()
            # However fast ballots arrive, a room hears at most a few tallies a second.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.tally_every)

    async def _count_changed(self) -> None:
        if not self.changed_polls and not self.behind:
            return
        changed, self.changed_polls = self.changed_polls, defaultdict(set)
        behind, self.behind = self.behind, defaultdict(set)
        for campaign_id in changed.keys() | behind.keys():
            room = self.rooms.get(campaign_id, set())
            poll_ids = changed.get(campaign_id, set())
            waiting = behind.get(campaign_id, set()) & room
            if not room or not (poll_ids or waiting):
                continue
            try:
                # One count per campaign, however many pages came back at once.
                messages = await self.tallies(campaign_id, None if waiting else poll_ids)
            except Exception:  # a failed count must not stop the next ones
                log.exception("could not count the polls of campaign %s", campaign_id)
                continue
            self.send_tallies(waiting, messages)
            self.send_tallies(room - waiting,
                              [m for m in messages if m.poll_id in poll_ids])

    def refresh_tallies(self, connection: Connection) -> None:
        """Votes were cast while the page was away: it gets every tally at the next count."""
        self.behind[connection.campaign_id].add(connection)
        self._wake()

    def send_tallies(self, connections: Iterable[Connection],
                     messages: Sequence[TallyMessage]) -> None:
        room = list(connections)
        for message in messages:
            for connection in room:
                full = connection.sees_full_tally(message)
                if connection.wants_json:
                    text = message.full_json if full else message.limited_json
                else:
                    text = message.html(full=full, locale=connection.locale)
                connection.offer(0, text)


def json_text(event: LiveEvent) -> str:
    return json.dumps(event.as_json(), separators=(",", ":"))
