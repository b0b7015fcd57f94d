"""The youth workers' moderation console: one queue for the organisation.

Open concerns come first (they are urgent), then comments held for a youth worker, then
comments members have reported that everyone can still see, then what peer moderators did
lately, and who is muted. The page reads it all in one transaction; its websocket tells it to
read again whenever something in it changes (`server.live.desk`).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from server import clock
from server.accounts.models import Member, Role, User
from server.accounts.sessions import Viewer
from server.audit import AuditEntry
from server.campaigns import discussion
from server.campaigns.models import HOLD_CAUSE_LABELS, Campaign, Comment, CommentState, HoldCause
from server.errors import NotAllowed
from server.i18n import _
from server.moderation import concerns, mutes
from server.moderation.models import REPORT_KIND_LABELS, Mute, Report, ReportKind

PEER_ACTIONS_SHOWN_FOR = timedelta(days=7)
LIMIT = 100  # items of each kind at once: the oldest first, so nothing waits for ever


@dataclass(frozen=True)
class ReportView:
    kind: str
    kind_label: str
    words: str
    reporter_name: str
    at: datetime


@dataclass(frozen=True)
class Item:
    """A comment that needs a youth worker: held, or reported."""

    comment: discussion.CommentData  # whole: youth workers read what was written
    campaign_id: int
    campaign_title: str
    author_id: int | None
    author_name: str
    author_username: str
    cause: str  # why it is held, in words; "" for a reported comment still shown
    held_by_peer: bool
    moderated_by_name: str
    reason: str
    reports: list[ReportView] = field(default_factory=list)


@dataclass(frozen=True)
class PeerAction:
    at: datetime
    actor_name: str
    action: str  # comment.held / comment.restored
    campaign_id: int | None
    campaign_title: str
    comment_id: int | None
    reason: str


@dataclass(frozen=True)
class MutedView:
    campaign_id: int
    campaign_title: str
    user_id: int
    name: str
    left: str


@dataclass(frozen=True)
class Queue:
    concerns: list[concerns.ConcernView]
    held: list[Item]
    reported: list[Item]
    peer_actions: list[PeerAction]
    muted: list[MutedView]

    @property
    def waiting(self) -> int:
        return len(self.concerns) + len(self.held) + len(self.reported)


def _users(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids)))
            if u.id is not None}


def _items(session: Session, rows: list[tuple[Comment, Campaign]]) -> list[Item]:
    ids = [comment.id for comment, _campaign in rows if comment.id is not None]
    reports: dict[int, list[Report]] = defaultdict(list)
    if ids:
        for report in session.exec(select(Report).where(
                col(Report.comment_id).in_(ids), col(Report.resolved_at).is_(None))
                .order_by(col(Report.id))):
            reports[report.comment_id].append(report)
    people = _users(session, {c.author_id for c, _campaign in rows if c.author_id}
                    | {c.moderated_by for c, _campaign in rows if c.moderated_by}
                    | {r.reporter_id for found in reports.values() for r in found
                       if r.reporter_id})
    reactions = discussion._reaction_counts(session, ids)
    items = []
    for comment, campaign in rows:
        author = people.get(comment.author_id or 0)
        moderator = people.get(comment.moderated_by or 0)
        held = comment.state == CommentState.held
        items.append(Item(
            comment=discussion.comment_data(
                comment, author_name=author.display_name if author else "",
                reactions=reactions.get(comment.id or 0, {}), whole=True),
            campaign_id=campaign.id or 0,
            campaign_title=campaign.title,
            author_id=comment.author_id,
            author_name=author.display_name if author else _("A former member"),
            author_username=author.username if author else "",
            cause=HOLD_CAUSE_LABELS[HoldCause(comment.held_because)] if held else "",
            held_by_peer=held and comment.held_because == HoldCause.peer,
            moderated_by_name=moderator.display_name if moderator else "",
            reason=comment.moderation_reason,
            reports=[ReportView(r.kind, REPORT_KIND_LABELS[ReportKind(r.kind)], r.words,
                                people[r.reporter_id].display_name
                                if r.reporter_id in people else _("A former member"),
                                r.created_at)
                     for r in reports.get(comment.id or 0, [])],
        ))
    return items


def queue(session: Session, *, actor: Viewer) -> Queue:
    if not actor.is_staff:
        raise NotAllowed(_("The moderation console is for youth workers and admins."))
    in_org = select(Comment, Campaign).join(Campaign, col(Campaign.id) == col(Comment.campaign_id)
                                            ).where(Campaign.org_id == actor.org_id)
    held = list(session.exec(in_org.where(
        Comment.state == CommentState.held, col(Comment.deleted_at).is_(None))
        .order_by(col(Comment.id)).limit(LIMIT)).all())
    open_reports = select(Report.comment_id).where(col(Report.resolved_at).is_(None))
    reported = list(session.exec(in_org.where(
        Comment.state == CommentState.shown, col(Comment.deleted_at).is_(None),
        col(Comment.id).in_(open_reports)).order_by(col(Comment.id)).limit(LIMIT)).all())
    return Queue(
        concerns=concerns.open_concerns(session, actor=actor),
        held=_items(session, held),
        reported=_items(session, reported),
        peer_actions=_peer_actions(session, actor),
        muted=_muted(session, actor),
    )


def _peer_actions(session: Session, actor: Viewer) -> list[PeerAction]:
    """Holds and restores by young people (peer moderators) lately, newest first."""
    since = clock.now() - PEER_ACTIONS_SHOWN_FOR
    rows = session.exec(
        select(AuditEntry, User, Campaign)
        .join(User, col(User.id) == col(AuditEntry.actor_id))
        .join(Member, col(Member.user_id) == col(User.id))
        .join(Campaign, col(Campaign.id) == col(AuditEntry.campaign_id), isouter=True)
        .where(AuditEntry.org_id == actor.org_id, Member.role == Role.young_person,
               col(AuditEntry.action).in_(("comment.held", "comment.restored")),
               col(AuditEntry.at) >= since)
        .order_by(col(AuditEntry.id).desc()).limit(LIMIT))
    return [PeerAction(entry.at, user.display_name, entry.action, entry.campaign_id,
                       campaign.title if campaign else "", entry.comment_id, entry.reason)
            for entry, user, campaign in rows]


def _muted(session: Session, actor: Viewer) -> list[MutedView]:
    now = clock.now()
    rows = session.exec(
        select(Mute, Campaign, User)
        .join(Campaign, col(Campaign.id) == col(Mute.campaign_id))
        .join(User, col(User.id) == col(Mute.user_id))
        .where(Campaign.org_id == actor.org_id, col(Mute.lifted_at).is_(None),
               or_(col(Mute.until).is_(None), col(Mute.until) > now))
        .order_by(col(Mute.id)))
    return [MutedView(campaign.id or 0, campaign.title, user.id or 0, user.display_name,
                      mutes.time_left(mute, now)) for mute, campaign, user in rows]
