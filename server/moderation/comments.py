"""Acting on comments: reports from members, and holding, hiding, restoring and removing.

Who may do what:
- anyone who can see a comment's campaign may report it, once, except its author; reports go
  to the organisation's youth workers and admins only. When `report_threshold` different
  members have reported a comment that everyone can see, it is held until a youth worker looks;
- youth workers and admins hold, hide (with a reason), restore, and dismiss reports;
- organisation admins delete a comment's words for good (with a reason): the comment is
  "removed", its place stays for its replies;
- a campaign's peer moderators (young people a lead trusted) hold comments in that campaign,
  and restore what a peer moderator held. Everything they do shows in the youth workers'
  console.

Every action writes an audit entry, tells open consoles (`events.nudge`), and, when it changes
what everyone sees, a live event: a stand-in replaces a withheld comment on every open page,
and a restored comment comes back in its place.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server import audit, clock
from server.accounts.sessions import Viewer
from server.campaigns import discussion, service
from server.campaigns.models import Campaign, Comment, CommentState, HoldCause, Reaction
from server.errors import InvalidInput, NotAllowed, NotFound
from server.i18n import N_, _
from server.live import events
from server.moderation import word_filter
from server.moderation.models import REPORT_KIND_LABELS, Report, ReportKind

WORDS_MAX = 500
STAFF_ONLY = N_("Only youth workers and admins can do that.")
ADMINS_ONLY = N_("Only organisation admins can delete a comment for good.")
MODERATORS_ONLY = N_("Only youth workers, admins and this campaign's peer moderators can do that.")
PEER_RESTORE = N_("Peer moderators can bring back only what a peer moderator held. A youth "
                  "worker will look at this one.")
REASON_NEEDED = N_("Say why, in a few words: it goes in the audit log.")


# ---------------------------------------------------------------- who may act


def _comment(session: Session, actor: Viewer, comment_id: int) -> tuple[Comment, Campaign]:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_(discussion.COMMENT_MISSING))
    try:
        campaign, _membership = service._load(session, actor, comment.campaign_id)
    except NotFound:
        raise NotFound(_(discussion.COMMENT_MISSING)) from None
    return comment, campaign


def is_peer_moderator(session: Session, actor: Viewer, campaign_id: int) -> bool:
    if actor.is_staff:
        return False
    membership = service._membership(session, campaign_id, actor.user_id)
    return (service._active_role(membership) is not None and membership is not None
            and membership.peer_moderator_at is not None)


def _moderator(session: Session, actor: Viewer, comment_id: int, *, peers: bool
               ) -> tuple[Comment, Campaign, bool]:
    """The comment, its campaign, and whether the actor acts as a peer moderator."""
    service._require_active_account(session, actor)
    comment, campaign = _comment(session, actor, comment_id)
    if actor.is_staff:
        return comment, campaign, False
    peer = peers and is_peer_moderator(session, actor, campaign.id or 0)
    if not peer:
        if comment.published_at is None:
            raise NotFound(_(discussion.COMMENT_MISSING))
        raise NotAllowed(_(MODERATORS_ONLY) if peers else _(STAFF_ONLY))
    if comment.published_at is None:
        raise NotFound(_(discussion.COMMENT_MISSING))  # peers see only what everyone saw
    return comment, campaign, True


def _reason(value: Any, *, required: bool) -> str:
    words = value.strip() if isinstance(value, str) else ""
    if required and not words:
        raise InvalidInput({"reason": _(REASON_NEEDED)})
    if len(words) > WORDS_MAX:
        raise InvalidInput({"reason": _("Keep it to %(most)s characters or fewer.")
                            % {"most": WORDS_MAX}})
    return words


def _record(session: Session, actor_id: int | None, campaign: Campaign, comment: Comment,
            action: str, reason: str = "") -> None:
    audit.record(session, org_id=campaign.org_id, actor_id=actor_id, action=action,
                 target_user_id=comment.author_id, campaign_id=campaign.id,
                 comment_id=comment.id, reason=reason)
    events.nudge(session, campaign.org_id)


def _resolve_reports(session: Session, actor: Viewer, comment_id: int, resolution: str) -> int:
    reports = list(session.exec(select(Report).where(
        Report.comment_id == comment_id, col(Report.resolved_at).is_(None))))
    now = clock.now()
    for report in reports:
        report.resolved_at, report.resolved_by, report.resolution = now, actor.user_id, resolution
        session.add(report)
    return len(reports)


def _shown_again(session: Session, comment: Comment) -> None:
    """Back for everyone: as new if nobody else had seen it, or in its old place."""
    was_published = comment.published_at is not None
    comment.state, comment.held_because = CommentState.shown, ""
    if not was_published:
        comment.published_at = clock.now()
    session.add(comment)
    session.flush()
    data = discussion._one(session, comment)
    discussion._announce(session, discussion.RESTORED if was_published else discussion.CREATED,
                         data)


def _withhold(session: Session, comment: Comment, state: CommentState, actor: Viewer,
              reason: str) -> None:
    comment.state = state
    comment.moderated_at, comment.moderated_by = clock.now(), actor.user_id
    comment.moderation_reason = reason[:500]
    session.add(comment)
    session.flush()
    if comment.published_at is not None:
        discussion._announce(session, discussion.WITHHELD, discussion._one(session, comment))


# ---------------------------------------------------------------- reports


@dataclass(frozen=True)
class Reported:
    report: Report
    again: bool  # they had reported it before: nothing new was saved
    held: bool  # this report held the comment


def report_comment(session: Session, *, actor: Viewer, comment_id: int, kind: Any,
                   words: Any = "") -> Reported:
    service._require_active_account(session, actor)
    comment, campaign, _membership = discussion._load_comment(session, actor, comment_id)
    if comment.author_id == actor.user_id:
        raise NotAllowed(_("You cannot report your own comment. You can change or delete it."))
    if comment.deleted_at is not None or comment.state == CommentState.removed:
        raise NotAllowed(_("That comment has gone already."))
    errors: dict[str, str] = {}
    if not isinstance(kind, str) or kind not in {str(k) for k in ReportKind}:
        choices = ", ".join(_(label).lower() for label in REPORT_KIND_LABELS.values())
        errors["kind"] = _("Choose what is wrong: %(choices)s.") % {"choices": choices}
    text = words.strip() if isinstance(words, str) else ""
    if len(text) > WORDS_MAX:
        errors["words"] = (_("Keep it to %(most)s characters or fewer (yours has %(count)s).")
                           % {"most": WORDS_MAX, "count": len(text)})
    if errors:
        raise InvalidInput(errors)
    earlier = session.exec(select(Report).where(
        Report.comment_id == comment_id, Report.reporter_id == actor.user_id)).first()
    if earlier is not None:
        return Reported(earlier, again=True, held=False)
    report = Report(comment_id=comment_id, campaign_id=campaign.id or 0,
                    reporter_id=actor.user_id, kind=kind, words=text)
    try:
        with session.begin_nested():
            session.add(report)
    except IntegrityError:  # the same report sent twice at once
        found = session.exec(select(Report).where(
            Report.comment_id == comment_id, Report.reporter_id == actor.user_id)).one()
        return Reported(found, again=True, held=False)
    _record(session, actor.user_id, campaign, comment, "comment.reported",
            REPORT_KIND_LABELS[ReportKind(kind)])
    held = False
    if comment.state == CommentState.shown:
        reporters = session.exec(select(func.count(func.distinct(Report.reporter_id))).where(
            Report.comment_id == comment_id, col(Report.resolved_at).is_(None))).one()
        threshold = word_filter.settings_for(session, campaign.org_id).report_threshold
        if reporters >= threshold:
            discussion.hold(session, comment, HoldCause.reports,
                            reason=f"Reported by {reporters} members")
            _record(session, None, campaign, comment, "comment.held",
                    f"Held on its own: reported by {reporters} different members")
            held = True
    return Reported(report, again=False, held=held)


# ---------------------------------------------------------------- acting on a comment


def hold_comment(session: Session, *, actor: Viewer, comment_id: int, reason: Any = ""
                 ) -> Comment:
    comment, campaign, peer = _moderator(session, actor, comment_id, peers=True)
    words = _reason(reason, required=False)
    if comment.state != CommentState.shown or comment.deleted_at is not None:
        return comment  # already held, hidden or gone
    discussion.hold(session, comment, HoldCause.peer if peer else HoldCause.youth_worker,
                    by=actor.user_id, reason=words)
    _record(session, actor.user_id, campaign, comment, "comment.held", words)
    return comment


def hide_comment(session: Session, *, actor: Viewer, comment_id: int, reason: Any) -> Comment:
    comment, campaign, _peer = _moderator(session, actor, comment_id, peers=False)
    words = _reason(reason, required=True)
    if comment.state == CommentState.removed:
        raise NotAllowed(_("That comment has been deleted for good already."))
    closed = _resolve_reports(session, actor, comment_id, "hidden")
    if comment.state != CommentState.hidden:
        _withhold(session, comment, CommentState.hidden, actor, words)
    elif not closed:
        return comment  # hidden already: nothing changes, nothing to record
    _record(session, actor.user_id, campaign, comment, "comment.hidden", words)
    return comment


def restore_comment(session: Session, *, actor: Viewer, comment_id: int) -> Comment:
    """Show a held or hidden comment to everyone again; for a comment held from the start,
    this is approving it."""
    comment, campaign, peer = _moderator(session, actor, comment_id, peers=True)
    if comment.state == CommentState.removed:
        raise NotAllowed(_("That comment was deleted for good, so it cannot come back."))
    if peer and (comment.state != CommentState.held or comment.held_because != HoldCause.peer):
        raise NotAllowed(_(PEER_RESTORE))
    if comment.state == CommentState.shown:
        return comment
    if comment.deleted_at is not None:
        raise NotAllowed(_("Its author deleted that comment."))
    _shown_again(session, comment)
    _resolve_reports(session, actor, comment_id, "restored")
    _record(session, actor.user_id, campaign, comment, "comment.restored")
    return comment


def remove_comment(session: Session, *, actor: Viewer, comment_id: int, reason: Any
                   ) -> Comment:
    """Delete a comment's words for good (admins only, with a reason)."""
    if not actor.is_admin:
        service._require_active_account(session, actor)
        _comment(session, actor, comment_id)  # another organisation's comment: 404, not 403
        raise NotAllowed(_(ADMINS_ONLY))
    comment, campaign, _peer = _moderator(session, actor, comment_id, peers=False)
    words = _reason(reason, required=True)
    if comment.state == CommentState.removed:
        return comment
    comment.text = ""
    session.exec(delete(Reaction).where(col(Reaction.comment_id) == comment_id))
    _withhold(session, comment, CommentState.removed, actor, words)
    _resolve_reports(session, actor, comment_id, "removed")
    _record(session, actor.user_id, campaign, comment, "comment.removed", words)
    return comment


def dismiss_reports(session: Session, *, actor: Viewer, comment_id: int, reason: Any = ""
                    ) -> Comment:
    """The reports were not a problem: they are closed, and a comment they held comes back."""
    comment, campaign, _peer = _moderator(session, actor, comment_id, peers=False)
    words = _reason(reason, required=False)
    count = _resolve_reports(session, actor, comment_id, "dismissed")
    if (comment.state == CommentState.held and comment.held_because == HoldCause.reports
            and comment.deleted_at is None):
        _shown_again(session, comment)
    if count:
        _record(session, actor.user_id, campaign, comment, "report.dismissed",
                words or f"{count} report{'s' if count != 1 else ''}")
    return comment
