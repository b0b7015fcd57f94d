"""Muting: a youth worker stops a member commenting, replying and reacting in one campaign for
10 minutes, an hour, or until they lift it. A muted member can still read, and vote."""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from server import audit, clock
from server.accounts.models import Role
from server.accounts.sessions import Viewer
from server.campaigns import service
from server.errors import InvalidInput, NotAllowed
from server.live import events
from server.moderation.models import Mute

# What a youth worker can choose, and how long each lasts (None: until lifted).
DURATIONS: Mapping[str, timedelta | None] = {
    "10m": timedelta(minutes=10),
    "1h": timedelta(hours=1),
    "lifted": None,
}
DURATION_LABELS = {
    "10m": "For 10 minutes",
    "1h": "For 1 hour",
    "lifted": "Until a youth worker lifts it",
}
STAFF_ONLY = "Only youth workers and admins can mute people."
REASON_MAX = 500


def active(session: Session, campaign_id: int, user_id: int) -> Mute | None:
    """The member's mute in the campaign that is still running, if any."""
    now = clock.now()
    return session.exec(select(Mute).where(
        Mute.campaign_id == campaign_id, Mute.user_id == user_id,
        col(Mute.lifted_at).is_(None),
        or_(col(Mute.until).is_(None), col(Mute.until) > now),
    ).order_by(col(Mute.id).desc())).first()


def time_left(mute: Mute, now: datetime | None = None) -> str:
    """ "for another 9 minutes", "until a youth worker lifts it" """
    if mute.until is None:
        return "until a youth worker lifts it"
    seconds = max(0.0, (mute.until - (now or clock.now())).total_seconds())
    if seconds < 60:
        whole = max(1, math.ceil(seconds))
        return f"for another {whole} second{'s' if whole != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"for another {minutes} minute{'s' if minutes != 1 else ''}"


def refusal(mute: Mute) -> str:
    return f"A youth worker has muted you in this campaign {time_left(mute)}."


@dataclass(frozen=True)
class MuteView:
    user_id: int
    display_name: str
    until: datetime | None
    left: str


def active_in(session: Session, campaign_id: int) -> list[MuteView]:
    """Everyone muted in the campaign now."""
    now = clock.now()
    rows = list(session.exec(select(Mute).where(
        Mute.campaign_id == campaign_id, col(Mute.lifted_at).is_(None),
        or_(col(Mute.until).is_(None), col(Mute.until) > now)).order_by(col(Mute.id))))
    names = service._names(session, {m.user_id for m in rows})
    return [MuteView(m.user_id, names.get(m.user_id, ""), m.until, time_left(m, now))
            for m in rows]


def _staff_on(session: Session, actor: Viewer, campaign_id: int) -> Any:
    campaign, _ = service._load(session, actor, campaign_id)
    if not actor.is_staff:
        raise NotAllowed(STAFF_ONLY)
    service._require_active_account(session, actor)
    return campaign


def mute(session: Session, *, actor: Viewer, campaign_id: int, user_id: Any, duration: Any,
         reason: Any = "") -> Mute:
    """Mute a young person in the campaign. Muting them again replaces the earlier mute."""
    campaign = _staff_on(session, actor, campaign_id)
    if not isinstance(duration, str) or duration not in DURATIONS:
        raise InvalidInput({"duration": "Choose how long: 10 minutes, 1 hour, or until you "
                                        "lift it."})
    target = _member(session, campaign_id, user_id)
    now = clock.now()
    earlier = active(session, campaign_id, target)
    if earlier is not None:
        earlier.lifted_at = now
        earlier.lifted_by = actor.user_id
        session.add(earlier)
    length = DURATIONS[duration]
    words = reason.strip() if isinstance(reason, str) else ""
    if len(words) > REASON_MAX:
        raise InvalidInput({"reason": f"Keep the reason to {REASON_MAX} characters or fewer."})
    made = Mute(campaign_id=campaign_id, user_id=target, created_by=actor.user_id,
                created_at=now, until=now + length if length else None, reason=words)
    session.add(made)
    audit.record(session, org_id=campaign.org_id, actor_id=actor.user_id, action="member.muted",
                 target_user_id=target, campaign_id=campaign_id,
                 reason=DURATION_LABELS[duration] + (f": {words}" if words else ""))
    events.nudge(session, campaign.org_id)
    return made


def unmute(session: Session, *, actor: Viewer, campaign_id: int, user_id: Any) -> None:
    campaign = _staff_on(session, actor, campaign_id)
    target = _whole(user_id)
    found = active(session, campaign_id, target)
    if found is None:
        return
    found.lifted_at = clock.now()
    found.lifted_by = actor.user_id
    session.add(found)
    audit.record(session, org_id=campaign.org_id, actor_id=actor.user_id,
                 action="member.unmuted", target_user_id=target, campaign_id=campaign_id)
    events.nudge(session, campaign.org_id)


def _whole(value: Any) -> int:
    """A user id from JSON or a form; InvalidInput keyed "user_id" for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise InvalidInput({"user_id": "Choose someone in this campaign."})


def _member(session: Session, campaign_id: int, user_id: Any) -> int:
    """A young person active in the campaign (staff are never muted)."""
    wanted = _whole(user_id)
    membership = service._membership(session, campaign_id, wanted)
    if service._active_role(membership) is None:
        raise InvalidInput({"user_id": "Choose someone in this campaign."})
    people = service._people_roles(session, {wanted})
    if people.get(wanted) != Role.young_person:
        raise InvalidInput({"user_id": "Only young people can be muted."})
    return wanted
