"""Room controls: what youth workers change about a campaign's live session while it runs.

- pre-moderation: new comments from young people wait for a youth worker before anyone else
  sees them (their author sees "waiting for a youth worker");
- slow mode: one comment per member every so many seconds;
- lock: only youth workers can comment, reply or react until it is unlocked;
- pause a poll: it stays open but takes no votes until it is resumed.

Each change is audited and sent live to every open page of the campaign (`room.changed`,
`poll.paused`, `poll.resumed`), so every screen says what is on.
"""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from server import audit, clock
from server.accounts.sessions import Viewer
from server.campaigns import polls, service, tallies
from server.campaigns.models import Campaign, Poll
from server.errors import InvalidInput, NotAllowed
from server.i18n import N_, _
from server.live import events

STAFF_ONLY = N_("Only youth workers and admins can change the room's controls.")
SLOW_MODE_CHOICES = (0, 10, 30, 60, 120, 300)  # seconds; 0 is off
SLOW_MODE_MAX = 3600
ROOM_CHANGED = "room.changed"
POLL_PAUSED = "poll.paused"
POLL_RESUMED = "poll.resumed"


@dataclass(frozen=True)
class Room:
    campaign_id: int
    premoderation: bool
    slow_mode_seconds: int
    locked: bool

    def as_json(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id, "premoderation": self.premoderation,
                "slow_mode_seconds": self.slow_mode_seconds, "locked": self.locked}


def room_of(campaign: Campaign) -> Room:
    assert campaign.id is not None
    return Room(campaign.id, campaign.premoderation, campaign.slow_mode_seconds,
                campaign.discussion_locked_at is not None)


def get_room(session: Session, *, actor: Viewer, campaign_id: int) -> Room:
    campaign, _membership = service._load(session, actor, campaign_id)
    return room_of(campaign)


def _flag(value: Any, name: str) -> bool | None:
    """True/False from JSON or a form ("1"/"0", "on"/"off"); None when not sent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("1", "true", "on", "yes"):
        return True
    if isinstance(value, str) and value.lower() in ("0", "false", "off", "no"):
        return False
    raise InvalidInput({name: _("Choose on or off.")})


def _seconds(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidInput({"slow_mode_seconds": _("Choose how many seconds.")})
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        raise InvalidInput({"slow_mode_seconds": _("Slow mode needs a whole number of seconds, "
                                                   "like 30 (0 turns it off).")}) from None
    if not 0 <= seconds <= SLOW_MODE_MAX:
        raise InvalidInput({"slow_mode_seconds": _("Choose between 0 (off) and %(most)s seconds.")
                            % {"most": SLOW_MODE_MAX}})
    return seconds


def set_room(session: Session, *, actor: Viewer, campaign_id: int, premoderation: Any = None,
             slow_mode_seconds: Any = None, locked: Any = None) -> Room:
    """Change any of the room's controls; those not given stay as they are."""
    if not actor.is_staff:
        service._load(session, actor, campaign_id)  # another organisation's campaign: 404
        raise NotAllowed(_(STAFF_ONLY))
    campaign, _membership = service._writable(session, actor, campaign_id)
    errors: dict[str, str] = {}
    wanted: dict[str, Any] = {}
    for name, value, parse in (("premoderation", premoderation, _flag),
                               ("locked", locked, _flag)):
        try:
            wanted[name] = parse(value, name)
        except InvalidInput as problem:
            errors.update(problem.errors)
    try:
        wanted["slow_mode_seconds"] = _seconds(slow_mode_seconds)
    except InvalidInput as problem:
        errors.update(problem.errors)
    if errors:
        raise InvalidInput(errors)
    before = room_of(campaign)
    changes: list[tuple[str, str]] = []
    if wanted["premoderation"] is not None and wanted["premoderation"] != before.premoderation:
        campaign.premoderation = wanted["premoderation"]
        changes.append(("room.premoderation_on" if campaign.premoderation
                        else "room.premoderation_off", ""))
    seconds = wanted["slow_mode_seconds"]
    if seconds is not None and seconds != before.slow_mode_seconds:
        campaign.slow_mode_seconds = seconds
        changes.append(("room.slow_mode_on", f"One comment every {seconds} seconds")
                       if seconds else ("room.slow_mode_off", ""))
    if wanted["locked"] is not None and wanted["locked"] != before.locked:
        campaign.discussion_locked_at = clock.now() if wanted["locked"] else None
        changes.append(("room.locked" if wanted["locked"] else "room.unlocked", ""))
    if not changes:
        return before
    session.add(campaign)
    for action, reason in changes:
        audit.record(session, org_id=campaign.org_id, actor_id=actor.user_id, action=action,
                     campaign_id=campaign_id, reason=reason)
    room = room_of(campaign)
    events.emit(session, campaign_id, ROOM_CHANGED, {"room": room.as_json()})
    return room


def pause_poll(session: Session, *, actor: Viewer, poll_id: int, paused: Any) -> Poll:
    """Stop an open poll taking votes for a moment, or let it take them again."""
    poll, campaign, _membership = polls._load_poll(session, actor, poll_id, lock="update")
    if not actor.is_staff:
        raise NotAllowed(_("Only youth workers and admins can pause a poll."))
    service._require_active_account(session, actor)
    wanted = _flag(paused, "paused")
    if wanted is None:
        raise InvalidInput({"paused": _("Say whether to pause the poll or resume it.")})
    if campaign.archived_at is not None:
        raise NotAllowed(_("This campaign is archived: it can be read but not changed."))
    if tallies.is_closed(poll) or poll.status != "open":
        raise NotAllowed(_("Only an open poll can be paused or resumed."))
    if (poll.paused_at is not None) == wanted:
        return poll
    poll.paused_at = clock.now() if wanted else None
    session.add(poll)
    session.flush()
    audit.record(session, org_id=campaign.org_id, actor_id=actor.user_id,
                 action="poll.paused" if wanted else "poll.resumed", campaign_id=campaign.id,
                 reason=poll.question)
    polls._announce(session, poll, POLL_PAUSED if wanted else POLL_RESUMED)
    return poll
