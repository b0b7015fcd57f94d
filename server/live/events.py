"""The event log: every change people can see live is numbered here.

A service writes its events with `emit` in the same transaction as the change, so an event
exists exactly when its change was committed. After the commit, the page or API handler hands
what was collected to the hub (`server.live.hub`), which pushes it to every open page of the
campaign. A page that reconnects says the last number it saw and is sent the rest from here.

Kinds and their data (plain JSON, enough to draw the change without reading anything else):
- comment.created / comment.edited / comment.deleted: {"comment": a comment's data}
- comment.withheld (held, hidden or removed: a stand-in without words or author) /
  comment.restored: {"comment": a comment's data}
- reaction.changed: {"comment_id", "reactions": {kind: count}}
- poll.opened / poll.closed / poll.revealed / poll.paused / poll.resumed: {"poll": a poll's data}
- room.changed: {"room": {"campaign_id", "premoderation", "slow_mode_seconds", "locked"}}
- ballot.cast: {"poll_id"}; ballots are never pushed one by one: the hub sends the poll's
  fresh tally a few times a second instead.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text, bindparam, insert, text, update
from sqlmodel import Field, Session, SQLModel, col, select

from server import clock
from server.db import UTCDateTime, created_now, foreign_key
from server.db import table as db_table

BALLOT_CAST = "ballot.cast"


class Event(SQLModel, table=True):
    __table_args__ = (Index("ix_event_campaign_id_id", "campaign_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column=foreign_key("campaign.id", index=False))
    kind: str = Field(max_length=30)
    data: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    # The comment an event carries whole ({"comment": …}): see `redraw_comment`.
    comment_id: int | None = Field(default=None, index=True)


@dataclass(frozen=True)
class LiveEvent:
    """An event as it travels: its number, campaign, kind and data, and the number of the
    campaign's event before it (votes aside) when it was written: the hub uses that to pass
    a campaign's events on in order, whichever worker wrote them, and to notice one that has
    not arrived. None when not known (an event read back from the log)."""

    id: int
    campaign_id: int
    kind: str
    data: dict[str, Any]
    prev: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "data": self.data}

    @classmethod
    def from_row(cls, row: Event, prev: int | None = None) -> "LiveEvent":
        assert row.id is not None
        return cls(row.id, row.campaign_id, row.kind, json.loads(row.data), prev)


@dataclass(frozen=True)
class Kick:
    """Close a person's open pages: everywhere, in one campaign, or for one login session."""

    user_id: int | None  # None: whoever holds `session_id`
    campaign_id: int | None = None
    session_id: str | None = None
    keep_session_id: str = ""  # "log out everywhere else" keeps the current one open
    reason: str = ""


@dataclass
class Outbox:
    """What one transaction will announce once it has committed."""

    events: list[LiveEvent] = field(default_factory=list)
    kicks: list[Kick] = field(default_factory=list)
    # Organisations whose moderation queue changed: their open consoles fetch it again.
    nudges: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.events or self.kicks or self.nudges)


OUTBOX_KEY = "live_outbox"


def outbox(session: Session) -> Outbox:
    found = session.info.get(OUTBOX_KEY)
    if found is None:
        found = session.info[OUTBOX_KEY] = Outbox()
    assert isinstance(found, Outbox)
    return found


def take_outbox(session: Session) -> Outbox:
    """What the transaction collected, leaving the session's outbox empty."""
    found = session.info.pop(OUTBOX_KEY, None)
    return found if isinstance(found, Outbox) else Outbox()


# Built once: a room voting at once writes thousands of events a second.
_WRITE = (insert(db_table(Event))
          .values({name: bindparam(name)
                   for name in ("campaign_id", "kind", "data", "created_at", "comment_id")})
          .returning(db_table(Event).c.id))


def emit(session: Session, campaign_id: int, kind: str, data: dict[str, Any]) -> LiveEvent:
    """Write an event in the caller's transaction; it is announced after the commit."""
    if kind != BALLOT_CAST and session.get_bind().dialect.name == "postgresql":
        # A page keeps the number of the last event it has and skips anything lower, so a
        # campaign's events must become visible in the order of their numbers. Writers take
        # the campaign's turn before their event gets its number, and keep it until they
        # commit. (SQLite has one writer at a time anyway; votes are never replayed by number.)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": campaign_id})
    prev = latest_id(session, campaign_id) if kind != BALLOT_CAST else None
    comment = data.get("comment")
    comment_id = comment.get("id") if isinstance(comment, dict) else None
    written = as_text(data)
    number = session.connection().execute(_WRITE, {
        "campaign_id": campaign_id, "kind": kind, "data": written, "created_at": clock.now(),
        "comment_id": comment_id}).scalar_one()
    event = written_event(session, number, campaign_id, kind, written, prev)
    if comment_id is not None:
        redraw_comment(session, comment_id, data, before=event.id)
    return event


def written(session: Session, number: int, campaign_id: int, kind: str,
            data: dict[str, Any]) -> LiveEvent:
    """An event a statement of the caller's wrote to the log itself (a ballot's, with the
    ballot): announced after the commit like any other. Only for kinds that, like ballots,
    need no turn of the campaign (see `emit`)."""
    assert kind == BALLOT_CAST
    return written_event(session, number, campaign_id, kind, as_text(data), None)


def written_event(session: Session, number: int, campaign_id: int, kind: str, text: str,
                  prev: int | None) -> LiveEvent:
    # As it will be read back from the log: plain JSON, nothing shared with the caller.
    event = LiveEvent(number, campaign_id, kind, json.loads(text), prev)
    outbox(session).events.append(event)
    return event


def as_text(data: dict[str, Any]) -> str:
    """An event's data as the log keeps it."""
    return json.dumps(data, separators=(",", ":"))


def redraw_comment(session: Session, comment_id: int, data: dict[str, Any], *,
                   before: int) -> None:
    """Give a comment's earlier events its data as it is now.

    A page catching up replays a comment's events in order; if the words were later changed,
    deleted, hidden or removed, the earlier events must not bring the old words back to it, or
    to someone who joined since. So every event that carries the comment carries it as it is
    now: the log keeps what happened, never words that have since been taken away."""
    session.execute(update(Event).where(col(Event.comment_id) == comment_id,
                                        col(Event.id) < before).values(data=as_text(data)))


def kick(session: Session, user_id: int | None, *, campaign_id: int | None = None,
         session_id: str | None = None, keep_session_id: str = "", reason: str = "") -> None:
    """After the commit, close the person's open pages (removed, suspended, logged out)."""
    outbox(session).kicks.append(Kick(user_id, campaign_id, session_id, keep_session_id, reason))


def nudge(session: Session, org_id: int) -> None:
    """After the commit, tell the organisation's open moderation consoles that their queue
    changed (a report, a hold, a concern, a peer moderator's action)."""
    outbox(session).nudges.add(org_id)


# Built once: every page and every comment reads it.
_LATEST = (select(col(Event.id))
           .where(col(Event.campaign_id) == bindparam("campaign_id"), Event.kind != BALLOT_CAST)
           .order_by(col(Event.id).desc()).limit(1))


def latest_id(session: Session, campaign_id: int) -> int:
    """The number of the campaign's newest event a page shows (votes aside), 0 when none."""
    found = session.connection().execute(_LATEST, {"campaign_id": campaign_id}).scalar()
    return int(found or 0)


@dataclass(frozen=True)
class Missed:
    """What a page that last saw event `after_id` has missed."""

    events: Sequence[LiveEvent]  # oldest first, ballots left out
    too_many: bool  # more than the limit: the page needs a fresh snapshot instead
    ballots: bool  # votes were cast: the page needs fresh tallies
    latest: int  # the newest event's number


def missed(session: Session, campaign_id: int, after_id: int, *, limit: int) -> Missed:
    """The campaign's events after `after_id`, in order, read in one transaction."""
    rows = list(session.exec(
        select(Event).where(Event.campaign_id == campaign_id, col(Event.id) > after_id,
                            Event.kind != BALLOT_CAST)
        .order_by(col(Event.id)).limit(limit + 1)))
    ballots = session.exec(
        select(Event.id).where(Event.campaign_id == campaign_id, col(Event.id) > after_id,
                               Event.kind == BALLOT_CAST).limit(1)).first() is not None
    latest = max(latest_id(session, campaign_id), after_id)
    return Missed([LiveEvent.from_row(row) for row in rows[:limit]], len(rows) > limit,
                  ballots, latest)
