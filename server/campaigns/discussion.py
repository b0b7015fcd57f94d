"""A campaign's discussion: comments, one level of replies, and reactions.

The only code that changes comments. Each function checks who is asking and what they sent,
changes rows, and writes the audit entry and the live event in the caller's transaction (the
event is announced after the commit: `server.live.events`).

Who may do what:
- anyone who may see the campaign reads its discussion (the campaign service's rules);
- its active members (leads, members and facilitators) comment, reply and react, unless their
  account is suspended, they are an under-13 waiting for a parent's or carer's agreement, or
  the campaign has ended or is archived (then its discussion is closed);
- an author changes their comment for `EDIT_WINDOW` after posting it, and deletes it at any
  time: its words go, its place stays for its replies, shown as "Comment deleted".

Moderation (`server.moderation`) can hold, hide or remove a comment. Everyone else then sees
only a stand-in in its place ("A youth worker is looking at this comment"), without its words
or its author; its author still sees their words, marked. A comment that was held from the
start (pre-moderation, the word filter) is not shown to anyone else at all until a youth worker
approves it. Muted members, members in slow mode and everyone but staff in a locked room are
refused with the reason and, where there is one, the time left.

Replies go one level deep. A reply to a reply is attached to the thread's top-level comment,
so a reply always sits in the thread it was written in.

A comment travels as `comment_data`: a plain JSON-able dict. The page, the API and the live
events all use that one shape, so a comment looks the same however it arrives.
"""

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, func, or_
from sqlalchemy import select as sql_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from server import audit, clock
from server.accounts.models import User
from server.accounts.sessions import Viewer
from server.campaigns import service, team
from server.campaigns.ballots import OP_ID
from server.campaigns.models import (
    ENDED,
    REACTIONS,
    Campaign,
    CampaignMember,
    CampaignRole,
    Comment,
    CommentState,
    HoldCause,
    Reaction,
    ReactionKind,
)
from server.db import table
from server.errors import InvalidInput, NotAllowed, NotFound, Throttled
from server.i18n import N_, _, ngettext
from server.live import events
from server.moderation import mutes, word_filter
from server.moderation.models import FilterMode, Mute

EDIT_WINDOW = timedelta(minutes=10)
PAGE = 20  # top-level threads per page of history
TEXT_MAX = 2000

CREATED = "comment.created"
EDITED = "comment.edited"
DELETED = "comment.deleted"
WITHHELD = "comment.withheld"  # held, hidden or removed: a stand-in takes its place
RESTORED = "comment.restored"  # shown again after a hold or a hide
REACTION_CHANGED = "reaction.changed"

COMMENT_MISSING = N_("We could not find that comment.")
PARENT_MISSING = N_("We could not find the comment you are replying to.")
EDIT_CLOSED = N_("You can change a comment for 10 minutes after posting it.")
SUSPENDED = N_("Your account is suspended, so you cannot make changes. Talk to a youth worker.")
LOCKED = N_("A youth worker has paused the discussion for now.")
BLOCKED_WORDS = N_("Please say that another way: your comment has words that are not allowed "
                   "here. Your words are still in the box.")
UNDER_REVIEW = N_("A youth worker is looking at this comment, so it cannot be changed.")
BAD_OP_ID = N_("Send a client_op_id: 1 to 64 letters, digits, - or _, new for each comment.")
ZERO_WIDTH_JOINERS = frozenset("\u200c\u200d")  # inside emoji like 👨‍👩‍👧
EMOJI_TAGS = range(0xE0020, 0xE0080)  # inside flag emoji like 🏴󠁧󠁢󠁳󠁣󠁴󠁿

KINDS = tuple(str(kind) for kind in ReactionKind)

CommentData = dict[str, Any]


# ---------------------------------------------------------------- the shape a comment travels in


class CommentRow(Protocol):
    """What `comment_data` reads of a comment: a `Comment`, or a row of its columns."""

    @property
    def id(self) -> int | None: ...
    @property
    def campaign_id(self) -> int: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def author_id(self) -> int | None: ...
    @property
    def text(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def edited_at(self) -> datetime | None: ...
    @property
    def deleted_at(self) -> datetime | None: ...
    @property
    def state(self) -> str: ...


def comment_data(comment: CommentRow, *, author_name: str, reactions: Mapping[str, int],
                 whole: bool = False) -> CommentData:
    """A comment as pages, the API and live events show it. A deleted comment keeps its place
    and nothing else: no words, no name, no reactions. So does a held, hidden or removed one,
    unless `whole` (for its author, and for youth workers reviewing it): then "state" says
    why only they see its words."""
    assert comment.id is not None
    deleted = comment.deleted_at is not None
    withheld = comment.state != CommentState.shown and not whole
    gone = deleted or withheld or comment.state == CommentState.removed
    return {
        "id": comment.id,
        "campaign_id": comment.campaign_id,
        "parent_id": comment.parent_id,
        "author_id": None if withheld else comment.author_id,
        "author_name": "" if gone else author_name,
        "text": "" if gone else comment.text,
        "created_at": comment.created_at.isoformat(),
        "editable_until": (comment.created_at + EDIT_WINDOW).isoformat(),
        "edited": comment.edited_at is not None,
        "deleted": deleted,
        "state": comment.state,
        "reactions": counts(() if gone else reactions.items()),
    }


def counts(found: Iterable[tuple[str, int]]) -> dict[str, int]:
    """A count for every kind of reaction, in their fixed order, 0 included."""
    given = dict(found)
    return {str(kind): given.get(kind, 0) for kind in ReactionKind}


def still_editable(data: CommentData, now: datetime) -> bool:
    return (not data["deleted"] and data["state"] in (CommentState.shown, CommentState.held)
            and now <= datetime.fromisoformat(data["editable_until"]))


def public(comment: Comment, data: CommentData) -> CommentData:
    """What everyone but its author may see of a comment drawn `whole`."""
    if comment.state == CommentState.shown:
        return data
    return comment_data(comment, author_name="", reactions={})


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Thread:
    comment: CommentData
    replies: list[CommentData]


@dataclass(frozen=True)
class Discussion:
    """One page of a campaign's discussion, for one viewer."""

    campaign_id: int
    title: str
    threads: list[Thread]  # oldest first: new ones go at the bottom
    older: bool  # there are older threads than these
    may_post: bool
    why_not: str  # why the viewer cannot take part, in plain words; "" when they can
    editable: frozenset[int]  # the viewer's own comments they may still change

    @property
    def before(self) -> int | None:
        """Where the next older page starts: the oldest top-level comment shown."""
        return self.threads[0].comment["id"] if self.threads else None


def _suspended(session: Session, actor: Viewer) -> bool:
    user = session.get(User, actor.user_id)
    return user is None or user.suspended_at is not None


def _refusal(actor: Viewer, campaign: Campaign, membership: CampaignMember | None, *,
             suspended: bool, session: Session | None = None) -> str:
    """Why this person cannot post, reply or react here now, or "" when they can. With a
    session, a mute and a locked room count too."""
    return _refusal_as(actor, campaign, service._active_role(membership),
                       removed=membership is not None and membership.removed_at is not None,
                       suspended=suspended, session=session)


def _refusal_as(actor: Viewer, campaign: Campaign, role: CampaignRole | None, *, removed: bool,
                suspended: bool, session: Session | None = None) -> str:
    """`_refusal` from the viewer's role here, and whether they were removed from it."""
    if suspended:
        return _(SUSPENDED)
    if campaign.archived_at is not None:
        return _("This campaign is archived, so its discussion is closed.")
    if campaign.status in ENDED:
        return _("This campaign has ended, so its discussion is closed.")
    if not actor.can_post:
        return _("A youth worker needs to record a parent's or carer's agreement before you can "
                 "take part in the discussion.")
    if role is None:
        if removed:
            return _("You were removed from this campaign, so you cannot take part in its "
                     "discussion.")
        if actor.is_staff:
            return _("Join the campaign as a facilitator to take part in its discussion.")
        return _("Join the campaign to take part in its discussion.")
    if session is not None:
        if campaign.discussion_locked_at is not None and not actor.is_staff:
            return _(LOCKED)
        assert campaign.id is not None
        muted = _active_mute(session, campaign.id, actor.user_id)
        if muted is not None:
            return mutes.refusal(muted)
    return ""


_MUTE = table(Mute)
_UNLIFTED = (sql_select(_MUTE.c.id)
             .where(_MUTE.c.campaign_id == bindparam("campaign_id"),
                    _MUTE.c.user_id == bindparam("user_id"), _MUTE.c.lifted_at.is_(None))
             .limit(1))


def _active_mute(session: Session, campaign_id: int, user_id: int) -> Mute | None:
    """`mutes.active`, asked only of a member with a mute that was never lifted (nearly nobody
    has one): a prepared statement tells first. (A mute added in this transaction and not yet
    written is not seen by a plain statement: then `mutes.active` is asked, which writes it.)"""
    if not session.new and session.connection().execute(
            _UNLIFTED, {"campaign_id": campaign_id, "user_id": user_id}).first() is None:
        return None
    return mutes.active(session, campaign_id, user_id)


def _reaction_counts(session: Session, ids: Sequence[int]) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {}
    if not ids:
        return found
    rows = session.exec(
        select(Reaction.comment_id, Reaction.kind, func.count())
        .where(col(Reaction.comment_id).in_(ids))
        .group_by(col(Reaction.comment_id), col(Reaction.kind)))
    for comment_id, kind, count in rows:
        found.setdefault(comment_id, {})[kind] = count
    return found


def _data(session: Session, comments: Sequence[Comment], *, whole_for: int | None = None,
          ) -> list[CommentData]:
    """Comments as `comment_data`; those written by `whole_for` drawn whole."""
    ids = [c.id for c in comments if c.id is not None]
    names = service._names(session, {c.author_id for c in comments if c.author_id})
    reactions = _reaction_counts(session, ids)
    return [comment_data(c, author_name=names.get(c.author_id or 0, ""),
                         reactions=reactions.get(c.id or 0, {}),
                         whole=whole_for is not None and c.author_id == whole_for)
            for c in comments]


def _one(session: Session, comment: Comment, *, whole: bool = False) -> CommentData:
    return _data(session, [comment], whole_for=comment.author_id if whole else None)[0]


def _seen_by(actor: Viewer) -> Any:
    """Comments the viewer may find in the list: everything ever shown to everyone, and their
    own comments still waiting for a youth worker."""
    return or_(col(Comment.published_at).is_not(None), col(Comment.author_id) == actor.user_id)


_ROW_COLUMNS = (col(Comment.id), col(Comment.campaign_id), col(Comment.parent_id),
                col(Comment.author_id), col(Comment.text), col(Comment.created_at),
                col(Comment.edited_at), col(Comment.deleted_at), col(Comment.state))


def _page_query(*, before: bool) -> Any:
    """A page's top-level comments, their replies, their authors' names and each kind of
    reaction counted, in one query; built once (building it costs more than running it), with
    the campaign, the viewer (`_seen_by`) and `before` as parameters. Plain rows, not ORM
    objects: nothing here is changed."""
    seen = or_(col(Comment.published_at).is_not(None),
               col(Comment.author_id) == bindparam("viewer_id"))
    tops = select(Comment.id).where(Comment.campaign_id == bindparam("campaign_id"),
                                    col(Comment.parent_id).is_(None), seen)
    if before:
        tops = tops.where(col(Comment.id) < bindparam("before"))
    tops = tops.order_by(col(Comment.id).desc()).limit(PAGE + 1)
    reactions = (select(func.count()).where(col(Reaction.comment_id) == col(Comment.id),
                                            Reaction.kind == kind)
                 .scalar_subquery().label(f"reactions_{kind}") for kind in KINDS)
    return (Select(*_ROW_COLUMNS, col(User.display_name).label("author_name"),
                   col(User.erased_at).label("author_erased_at"), *reactions)
            .outerjoin(User, col(User.id) == col(Comment.author_id))
            .where(or_(col(Comment.id).in_(tops), col(Comment.parent_id).in_(tops)), seen)
            .order_by(col(Comment.id)))


_PAGE_QUERY = {False: _page_query(before=False), True: _page_query(before=True)}


def for_page(session: Session, *, actor: Viewer, campaign_id: int,
             before: int | None = None, view: service.CampaignView | None = None,
             ) -> Discussion:
    """The newest `PAGE` threads (or those before top-level comment `before`), each with all
    its replies, oldest first. `view`: the campaign as `service.get_campaign` read it for this
    viewer in this transaction (the campaign page), so it is not read again."""
    if view is None:
        campaign, membership = service._load(session, actor, campaign_id)
        role = service._active_role(membership)
        removed = membership is not None and membership.removed_at is not None
        suspended = _suspended(session, actor)
    else:
        assert view.campaign.id == campaign_id
        campaign, role, removed = view.campaign, view.my_role, view.removed
        suspended = view.suspended
    rows: Sequence[Any] = session.connection().execute(_PAGE_QUERY[before is not None], {
        "campaign_id": campaign_id, "viewer_id": actor.user_id, "before": before}).all()
    tops = [row.id for row in rows if row.parent_id is None]
    older = len(tops) > PAGE
    shown = set(tops[-PAGE:])
    rows = [row for row in rows if row.id in shown or row.parent_id in shown]
    data: dict[int, CommentData] = {}
    replies: dict[int, list[CommentData]] = {row_id: [] for row_id in shown}
    for row in rows:
        # An erased account has no name: pages say "a former member" in their own language.
        name = "" if row.author_erased_at or row.author_name is None else row.author_name
        data[row.id] = d = comment_data(row, author_name=name,
                                        reactions=dict(zip(KINDS, row[-len(KINDS):],
                                                           strict=True)),
                                        whole=row.author_id == actor.user_id)
        if row.parent_id is not None:
            replies[row.parent_id].append(d)
    threads = [Thread(data[top_id], replies[top_id]) for top_id in tops[-PAGE:]]
    why_not = _refusal_as(actor, campaign, role, removed=removed, suspended=suspended,
                          session=session)
    now = clock.now()
    editable = frozenset() if why_not else frozenset(
        d["id"] for d in data.values()
        if d["author_id"] == actor.user_id and still_editable(d, now))
    return Discussion(campaign_id=campaign_id, title=campaign.title, threads=threads,
                      older=older, may_post=not why_not, why_not=why_not, editable=editable)


@dataclass(frozen=True)
class FormPage:
    """What a page with one comment form shows around it (when a form sent without
    JavaScript needs fixing): the campaign, and the comment replied to or being changed."""

    campaign_id: int
    title: str
    comment: CommentData | None


def form_page(session: Session, *, actor: Viewer, campaign_id: int | None = None,
              comment_id: int | None = None) -> FormPage:
    comment = None
    if comment_id is not None:
        found, campaign, _membership = _load_comment(session, actor, comment_id)
        comment = _one(session, found, whole=found.author_id == actor.user_id)
    else:
        assert campaign_id is not None
        campaign, _membership = service._load(session, actor, campaign_id)
    assert campaign.id is not None
    return FormPage(campaign_id=campaign.id, title=campaign.title, comment=comment)


# ---------------------------------------------------------------- checks for writing


def _may_take_part(session: Session, actor: Viewer, campaign_id: int
                   ) -> tuple[Campaign, CampaignMember | None]:
    service._require_active_account(session, actor)
    # No lock on the campaign: a comment changes nothing anyone else checks, and in a live
    # session the room's comments should not queue behind each other.
    campaign, membership = service._load(session, actor, campaign_id)
    why_not = _refusal(actor, campaign, membership, suspended=False, session=session)
    if why_not:
        raise NotAllowed(why_not)
    return campaign, membership


def _slow_mode(session: Session, actor: Viewer, campaign: Campaign) -> None:
    """One comment per member per `slow_mode_seconds` (youth workers are not slowed)."""
    if not campaign.slow_mode_seconds or actor.is_staff:
        return
    last = session.exec(select(func.max(Comment.created_at)).where(
        Comment.campaign_id == campaign.id, Comment.author_id == actor.user_id)).one()
    if last is None:
        return
    wait = campaign.slow_mode_seconds - (clock.now() - last).total_seconds()
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        message = ngettext(
            "Slow mode is on: one comment every %(every)s seconds. You can post again in "
            "%(num)s second.",
            "Slow mode is on: one comment every %(every)s seconds. You can post again in "
            "%(num)s seconds.", seconds)
        raise Throttled(message % {"every": campaign.slow_mode_seconds, "num": seconds}, seconds)


def _screen(session: Session, campaign: Campaign, words: str) -> str:
    """The word filter's verdict: raises when the organisation blocks a match; the cause to
    hold the comment for, or "" to show it."""
    verdict = word_filter.check(session, org_id=campaign.org_id, text=words)
    if verdict == FilterMode.block:
        raise InvalidInput({"text": _(BLOCKED_WORDS)})
    return HoldCause.word_filter if verdict == FilterMode.hold else ""


def _load_comment(session: Session, actor: Viewer, comment_id: int
                  ) -> tuple[Comment, Campaign, CampaignMember | None]:
    """The comment, its campaign and the viewer's membership; NotFound for a comment in a
    campaign the viewer may not see."""
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_(COMMENT_MISSING))
    try:
        campaign, membership = service._load(session, actor, comment.campaign_id)
    except NotFound:
        raise NotFound(_(COMMENT_MISSING)) from None
    if comment.published_at is None and comment.author_id != actor.user_id:
        # Only its author knows it exists until a youth worker approves it.
        raise NotFound(_(COMMENT_MISSING))
    return comment, campaign, membership


def _clean(text: Any) -> str:
    """Trimmed words, line breaks kept; InvalidInput keyed "text" when they will not do."""
    words = team.clean_text(text if isinstance(text, str) else "", multiline=True)
    if not words:
        raise InvalidInput({"text": _("Write something first.")})
    if len(words) > TEXT_MAX:
        raise InvalidInput({"text": _("Keep a comment to %(most)s characters or fewer "
                                      "(yours has %(count)s).")
                            % {"most": f"{TEXT_MAX:,}", "count": f"{len(words):,}"}})
    if any(_unshowable(ch) for ch in words):
        raise InvalidInput({"text": _("Your comment has characters we cannot show.")})
    return words


def _unshowable(ch: str) -> bool:
    """Control and other invisible characters; the joiners inside emoji are fine."""
    if ch in "\n\t" or ch in ZERO_WIDTH_JOINERS or ord(ch) in EMOJI_TAGS:
        return False
    return unicodedata.category(ch).startswith("C")


def _parent(session: Session, campaign_id: int, parent_id: Any) -> Comment | None:
    """The top-level comment a reply goes under. A reply to a reply goes under its thread's
    top-level comment."""
    if parent_id is None or parent_id == "":
        return None
    if isinstance(parent_id, bool):
        raise InvalidInput({"parent_id": _("Choose a comment to reply to.")})
    try:
        wanted = int(parent_id)
    except (TypeError, ValueError):
        raise InvalidInput({"parent_id": _("Choose a comment to reply to.")}) from None
    parent = session.get(Comment, wanted)
    if parent is not None and parent.parent_id is not None:
        parent = session.get(Comment, parent.parent_id)
    if parent is None or parent.campaign_id != campaign_id:
        raise NotFound(_(PARENT_MISSING))
    if parent.deleted_at is not None:
        raise InvalidInput({"parent_id": _("That comment has been deleted, so it takes no more "
                                           "replies.")})
    if parent.state != CommentState.shown:
        raise InvalidInput({"parent_id": _("A youth worker is looking at that comment, so it "
                                           "takes no replies for now.")})
    return parent


def _audit(session: Session, actor: Viewer, campaign: Campaign, comment: Comment,
           action: str) -> None:
    audit.record(session, org_id=campaign.org_id, actor_id=actor.user_id, action=action,
                 target_user_id=comment.author_id, campaign_id=campaign.id,
                 comment_id=comment.id)


def hold(session: Session, comment: Comment, cause: str, *, by: int | None = None,
         reason: str = "") -> None:
    """Hold the comment for a youth worker. If everyone could see it, a stand-in takes its
    place on every open page."""
    comment.state = CommentState.held
    comment.held_because = cause
    comment.moderated_at = clock.now()
    comment.moderated_by = by
    comment.moderation_reason = reason[:500]
    session.add(comment)
    session.flush()
    if comment.published_at is not None:
        _announce(session, WITHHELD, _one(session, comment))


def _announce(session: Session, kind: str, data: CommentData) -> None:
    events.emit(session, data["campaign_id"], kind, {"comment": data})


# ---------------------------------------------------------------- writing


def _sent_before(session: Session, actor: Viewer, op_id: str) -> Comment | None:
    return session.exec(select(Comment).where(Comment.author_id == actor.user_id,
                                              Comment.client_op_id == op_id)).first()


def post_comment(session: Session, *, actor: Viewer, campaign_id: int, text: Any,
                 parent_id: Any = None, client_op_id: Any = None) -> CommentData:
    """A new comment, or a reply when `parent_id` is given. A submission sent again with the
    same `client_op_id` (a double tap, a retry) gets its comment back, and nothing is posted
    twice."""
    campaign, _membership = _may_take_part(session, actor, campaign_id)
    op_id = client_op_id.strip() if isinstance(client_op_id, str) else ""
    if client_op_id is not None and not OP_ID.fullmatch(op_id):
        raise InvalidInput({"client_op_id": _(BAD_OP_ID)})
    if op_id and (earlier := _sent_before(session, actor, op_id)) is not None:
        return _one(session, earlier, whole=True)
    errors: dict[str, str] = {}
    words, parent = "", None
    try:
        words = _clean(text)
    except InvalidInput as problem:
        errors.update(problem.errors)
    try:
        parent = _parent(session, campaign_id, parent_id)
    except InvalidInput as problem:
        errors.update(problem.errors)
    if errors:
        raise InvalidInput(errors)
    cause = _screen(session, campaign, words)
    if not cause and campaign.premoderation and not actor.is_staff:
        cause = HoldCause.premoderation
    _slow_mode(session, actor, campaign)
    comment = Comment(campaign_id=campaign_id, parent_id=parent.id if parent else None,
                      author_id=actor.user_id, text=words, client_op_id=op_id or None)
    if cause:
        # Nobody else sees it until a youth worker approves it; their queue shows it now.
        comment.state, comment.held_because = CommentState.held, cause
    else:
        comment.published_at = comment.created_at
    try:
        with session.begin_nested():
            session.add(comment)
    except IntegrityError:
        # The same submission, sent twice at once: the other one got there first.
        earlier = _sent_before(session, actor, op_id)
        assert earlier is not None
        return _one(session, earlier, whole=True)
    data = comment_data(comment, author_name=actor.display_name, reactions={}, whole=True)
    if cause:
        events.nudge(session, campaign.org_id)
    else:
        _announce(session, CREATED, data)
    return data


def _own(session: Session, actor: Viewer, comment_id: int, doing: str
         ) -> tuple[Comment, Campaign, CampaignMember | None]:
    service._require_active_account(session, actor)
    comment, campaign, membership = _load_comment(session, actor, comment_id)
    if comment.author_id != actor.user_id:
        raise NotAllowed(_("You can only change your own comments.") if doing == "change"
                         else _("You can only delete your own comments."))
    return comment, campaign, membership


def edit_comment(session: Session, *, actor: Viewer, comment_id: int, text: Any
                 ) -> CommentData:
    """New words for your own comment, within `EDIT_WINDOW` of posting it."""
    comment, campaign, membership = _own(session, actor, comment_id, "change")
    if comment.deleted_at is not None:
        raise NotAllowed(_("This comment has been deleted, so it cannot be changed."))
    if comment.state in (CommentState.hidden, CommentState.removed):
        raise NotAllowed(_(UNDER_REVIEW))
    if clock.now() > comment.created_at + EDIT_WINDOW:
        raise NotAllowed(_(EDIT_CLOSED))
    why_not = _refusal(actor, campaign, membership, suspended=False, session=session)
    if why_not:
        raise NotAllowed(why_not)
    words = _clean(text)
    if words == comment.text:
        return _one(session, comment, whole=True)
    cause = _screen(session, campaign, words)
    comment.text = words
    comment.edited_at = clock.now()
    session.add(comment)
    _audit(session, actor, campaign, comment, "comment.edited")
    if comment.state == CommentState.held:
        events.nudge(session, campaign.org_id)  # the queue shows the new words
    elif cause:
        hold(session, comment, cause)
        events.nudge(session, campaign.org_id)
    else:
        _announce(session, EDITED, _one(session, comment))
    return _one(session, comment, whole=True)


def delete_comment(session: Session, *, actor: Viewer, comment_id: int) -> CommentData:
    """Your own comment's words and reactions go; its place stays for its replies. Always
    allowed while you can see the campaign, even once it has ended: the words are yours.
    Deleting it again changes nothing."""
    comment, campaign, _membership = _own(session, actor, comment_id, "delete")
    if comment.deleted_at is None:
        comment.deleted_at = clock.now()
        if comment.state != CommentState.hidden:
            # A hidden comment's words stay for the youth workers who hid it.
            comment.text = ""
        session.add(comment)
        session.exec(delete(Reaction).where(col(Reaction.comment_id) == comment_id))
        _audit(session, actor, campaign, comment, "comment.deleted")
        data = _one(session, comment)
        if comment.published_at is not None:
            _announce(session, DELETED, data)
        if comment.state == CommentState.held:
            events.nudge(session, campaign.org_id)
        return data
    return _one(session, comment)


def react(session: Session, *, actor: Viewer, comment_id: int, kind: Any) -> CommentData:
    """Adds your reaction of this kind to the comment, or takes it back if it was there."""
    service._require_active_account(session, actor)
    comment, campaign, membership = _load_comment(session, actor, comment_id)
    if comment.state != CommentState.shown and comment.author_id != actor.user_id:
        raise NotFound(_(COMMENT_MISSING)) if comment.published_at is None else NotAllowed(
            _(UNDER_REVIEW))
    why_not = _refusal(actor, campaign, membership, suspended=False, session=session)
    if why_not:
        raise NotAllowed(why_not)
    if not isinstance(kind, str) or kind not in KINDS:
        words = ", ".join(_(label) for _emoji, label in REACTIONS.values())
        raise InvalidInput({"kind": _("Choose one of the reactions: %(reactions)s.")
                            % {"reactions": words}})
    if comment.deleted_at is not None:
        raise NotAllowed(_("This comment has been deleted, so it takes no reactions."))
    if comment.state != CommentState.shown:
        raise NotAllowed(_(UNDER_REVIEW))
    mine = session.exec(select(Reaction).where(
        Reaction.comment_id == comment_id, Reaction.user_id == actor.user_id,
        Reaction.kind == kind)).first()
    if mine is not None:
        session.delete(mine)
    else:
        try:
            with session.begin_nested():
                session.add(Reaction(comment_id=comment_id, user_id=actor.user_id, kind=kind))
        except IntegrityError:
            pass  # the same tap arrived twice at once: it is there, as wanted
    session.flush()
    data = _one(session, comment)
    events.emit(session, comment.campaign_id, REACTION_CHANGED,
                {"comment_id": comment_id, "reactions": data["reactions"]})
    return data
