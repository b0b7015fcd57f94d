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
from server.i18n import N_, _, ngettext
from server.live import events
from server.moderation.models import Mute

# What a youth worker can choose, and how long each lasts (None: until lifted).
DURATIONS: Mapping[str, timedelta | None] = {
    "10m": timedelta(minutes=10),
    "1h": timedelta(hours=1),
    "lifted": None,
}
DURATION_LABELS = {
    "10m": N_("For 10 minutes"),
    "1h": N_("For 1 hour"),
    "lifted": N_("Until a youth worker lifts it"),
}
STAFF_ONLY = N_("Only youth workers and admins can mute people.")
REASON_MAX = 500


def active(session: Session, campaign_id: int, user_id: int) -> Mute | None:
    """The member's mute in the campaign that is still running, if any."""
    now = clock.now()
    return session.exec(select(Mute).where(
        Mute.campaign_id == campaign_id, Mute.user_id == user_id,
        col(Mute.lifted_at).is_(None),
        or_(col(Mute.until).is_(None), col(Mute.until) > now),
    ).order_by(col(Mute.id).desc())).first()


def _remaining(mute: Mute, now: datetime | None = None) -> tuple[str, int]:
    """("lifted", 0) until a youth worker lifts it, else ("seconds" or "minutes", how many)."""
    if mute.until is None:
        return "lifted", 0
    seconds = max(0.0, (mute.until - (now or clock.now())).total_seconds())
    if seconds < 60:
        return "seconds", max(1, math.ceil(seconds))
    return "minutes", math.ceil(seconds / 60)


def time_left(mute: Mute, now: datetime | None = None) -> str:
    """ "for another 9 minutes", "until a youth worker lifts it" """
    unit, num = _remaining(mute, now)
    if unit == "lifted":
        return _("until a youth worker lifts it")
    if unit == "seconds":
        return ngettext("for another %(num)s second", "for another %(num)s seconds",
                        num) % {"num": num}
    return ngettext("for another %(num)s minute", "for another %(num)s minutes",
                    num) % {"num": num}


def refusal(mute: Mute) -> str:
    """Why a muted member cannot comment, in a sentence of its own."""
    unit, num = _remaining(mute)
    if unit == "lifted":
        return _("A youth worker has muted you in this campaign until a youth worker lifts it.")
    if unit == "seconds":
        message = ngettext(
            "A youth worker has muted you in this campaign for another %(num)s second.",
            "A youth worker has muted you in this campaign for another %(num)s seconds.", num)
    else:
        message = ngettext(
            "A youth worker has muted you in this campaign for another %(num)s minute.",
            "A youth worker has muted you in this campaign for another %(num)s minutes.", num)
    return message % {"num": num}


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
    campaign, _membership = service._load(session, actor, campaign_id)
    if not actor.is_staff:
        raise NotAllowed(_(STAFF_ONLY))
    service._require_active_account(session, actor)
    return campaign


def mute(session: Session, *, actor: Viewer, campaign_id: int, user_id: Any, duration: Any,
         reason: Any = "") -> Mute:
    """Mute a young person in the campaign. Muting them again replaces the earlier mute."""
    campaign = _staff_on(session, actor, campaign_id)
    if not isinstance(duration, str) or duration not in DURATIONS:
        raise InvalidInput({"duration": _("Choose how long: 10 minutes, 1 hour, or until you "
                                          "lift it.")})
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
        raise InvalidInput({"reason": _("Keep the reason to %(most)s characters or fewer.")
                            % {"most": REASON_MAX}})
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
    raise InvalidInput({"user_id": _("Choose someone in this campaign.")})


def _member(session: Session, campaign_id: int, user_id: Any) -> int:
    """A young person active in the campaign (staff are never muted)."""
    wanted = _whole(user_id)
    membership = service._membership(session, campaign_id, wanted)
    if service._active_role(membership) is None:
        raise InvalidInput({"user_id": _("Choose someone in this campaign.")})
    people = service._people_roles(session, {wanted})
    if people.get(wanted) != Role.young_person:
        raise InvalidInput({"user_id": _("Only young people can be muted.")})
    return wanted
