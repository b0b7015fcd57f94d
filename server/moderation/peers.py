"""Peer moderators: a campaign lead trusts a young person in the campaign to hold comments
(and bring back what a peer moderator held) in that campaign only. Youth workers see every
peer action in their console; appointing one is audited too."""

from typing import Any

from sqlmodel import Session

from server import audit, clock
from server.accounts.models import Role
from server.accounts.sessions import Viewer
from server.campaigns import service
from server.campaigns.models import CampaignMember, CampaignRole
from server.errors import InvalidInput, NotAllowed
from server.i18n import N_, _
from server.live import events
from server.moderation import mutes

LEADS_ONLY = N_("Only the campaign's leads and youth workers can choose peer moderators.")


def set_peer_moderator(session: Session, *, actor: Viewer, campaign_id: int, user_id: Any,
                       on: Any) -> CampaignMember:
    campaign, membership = service._writable(session, actor, campaign_id)
    if not actor.is_staff and service._active_role(membership) != CampaignRole.lead:
        raise NotAllowed(_(LEADS_ONLY))
    if isinstance(on, str) and on.lower() in ("1", "true", "on", "yes", "0", "false", "off",
                                              "no"):
        on = on.lower() in ("1", "true", "on", "yes")
    if not isinstance(on, bool):
        raise InvalidInput({"on": _("Say whether to make them a peer moderator or not.")})
    wanted = mutes._whole(user_id)
    target = service._target(session, campaign, wanted)
    if (target.role == CampaignRole.facilitator
            or service._people_roles(session, {wanted}).get(wanted) != Role.young_person):
        raise InvalidInput({"user_id": _("Peer moderators are young people in the campaign.")})
    if (target.peer_moderator_at is not None) == on:
        return target
    target.peer_moderator_at = clock.now() if on else None
    target.peer_moderator_by = actor.user_id if on else None
    session.add(target)
    audit.record(session, org_id=campaign.org_id, actor_id=actor.user_id,
                 action="peer_moderator.added" if on else "peer_moderator.removed",
                 target_user_id=wanted, campaign_id=campaign_id)
    events.nudge(session, campaign.org_id)
    return target
