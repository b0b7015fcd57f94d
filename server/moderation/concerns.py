""""I'm worried about something": a young person's private safeguarding concern.

Anyone who can see a campaign may raise one from its page, optionally about a comment or a
person in it: an under-13 still waiting for a parent's or carer's agreement too (safety comes
before consent), but not a suspended account. A concern is always urgent. Only the
organisation's youth workers and admins read it; they say they are dealing with it, then close
it with a note of what was done. The young person sees only that it was received, seen, or
dealt with.

Nothing of a concern leaves this module for anyone else: no live event in the campaign room,
nothing in its feed, and the audit log (which admins can export) says only that concern
<id> was raised, seen or closed, never its words or who it is about.
"""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from server import audit, clock
from server.accounts.models import User
from server.accounts.sessions import Viewer
from server.campaigns import service, team
from server.campaigns.models import Campaign, CampaignMember, Comment, CommentState
from server.errors import InvalidInput, NotAllowed, NotFound
from server.i18n import N_, _
from server.live import events
from server.moderation.models import Concern

TEXT_MAX = 2000
OUTCOME_MAX = 2000

RECEIVED = N_("Received")
SEEN = N_("A youth worker has seen it")
DEALT_WITH = N_("A youth worker has dealt with it")

STAFF_ONLY = N_("Only youth workers and organisation admins can see concerns.")
CONCERN_MISSING = N_("We could not find that concern.")
COMMENT_MISSING = N_("We could not find that comment in this campaign.")
CHOOSE_PERSON = N_("Choose someone from the list, or leave it as \"No one in particular\".")
ZERO_WIDTH_JOINERS = frozenset("\u200c\u200d")  # inside emoji like 👨‍👩‍👧
EMOJI_TAGS = range(0xE0020, 0xE0080)  # inside flag emoji like 🏴󠁧󠁢󠁳󠁣󠁴󠁿


# ---------------------------------------------------------------- what the pages show


@dataclass(frozen=True)
class NamedPerson:
    user_id: int
    display_name: str


@dataclass(frozen=True)
class AboutComment:
    """The comment a concern is about. Its words are left out for a young person who may not
    read them (held or hidden from the room, or deleted)."""

    id: int
    text: str
    author_name: str

    @property
    def shown(self) -> bool:
        return bool(self.text)


@dataclass(frozen=True)
class WorriedForm:
    campaign_id: int
    title: str
    people: list[NamedPerson]  # who the young person may name: the campaign's active members
    comment: AboutComment | None


@dataclass(frozen=True)
class MyConcern:
    """One of the young person's own concerns, as they see it: never the youth workers' note."""

    id: int
    campaign_id: int | None
    campaign_title: str
    text: str
    created_at: datetime
    status: str


@dataclass(frozen=True)
class ConcernView:
    """A concern as youth workers see it."""

    id: int
    text: str
    urgent: bool
    created_at: datetime
    raised_by_id: int | None
    raised_by_name: str
    campaign_id: int | None
    campaign_title: str
    about_user_id: int | None
    about_name: str
    comment: AboutComment | None
    seen_at: datetime | None
    seen_by_name: str
    closed_at: datetime | None
    closed_by_name: str
    outcome: str

    @property
    def seen(self) -> bool:
        return self.seen_at is not None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


def status_of(concern: Concern) -> str:
    if concern.closed_at is not None:
        return DEALT_WITH
    if concern.seen_at is not None:
        return SEEN
    return RECEIVED


# ---------------------------------------------------------------- checks


def _require_staff(actor: Viewer) -> None:
    if not actor.is_staff:
        raise NotAllowed(_(STAFF_ONLY))


def _id(value: Any) -> int | None:
    """An id from a form or JSON: None when not given; ValueError when it is not an id."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError(value)


def _showable(ch: str) -> bool:
    """Control and other invisible characters go; line breaks and the joiners inside emoji
    stay. A worried young person is never turned away over a character they cannot see."""
    if ch in "\n\t" or ch in ZERO_WIDTH_JOINERS or ord(ch) in EMOJI_TAGS:
        return True
    return not unicodedata.category(ch).startswith("C")


def _words(value: Any, field: str, *, empty: str, limit: int, too_long: str) -> str:
    """`too_long` says it with %(most)s and %(count)s."""
    words = team.clean_text(value if isinstance(value, str) else "", multiline=True)
    words = "".join(ch for ch in words if _showable(ch)).strip()
    if not words:
        raise InvalidInput({field: empty})
    if len(words) > limit:
        raise InvalidInput({field: too_long % {"most": f"{limit:,}", "count": f"{len(words):,}"}})
    return words


def _people(session: Session, campaign_id: int, actor: Viewer) -> list[NamedPerson]:
    rows = session.exec(
        select(User.id, User.display_name)
        .join(CampaignMember, col(CampaignMember.user_id) == col(User.id))
        .where(CampaignMember.campaign_id == campaign_id,
               col(CampaignMember.removed_at).is_(None), User.id != actor.user_id)
        .order_by(col(User.display_name), col(User.id)))
    return [NamedPerson(user_id, name) for user_id, name in rows if user_id is not None]


def _comment(session: Session, campaign_id: int, comment_id: Any) -> Comment | None:
    try:
        wanted = _id(comment_id)
    except ValueError:
        raise NotFound(_(COMMENT_MISSING)) from None
    if wanted is None:
        return None
    found = session.get(Comment, wanted)
    if found is None or found.campaign_id != campaign_id:
        raise NotFound(_(COMMENT_MISSING))
    return found


def _about_comment(session: Session, comment: Comment, *, staff: bool,
                   reader_id: int | None) -> AboutComment:
    assert comment.id is not None
    readable = comment.deleted_at is None and comment.state != CommentState.removed and (
        staff or comment.state == CommentState.shown or comment.author_id == reader_id)
    if not readable:
        return AboutComment(comment.id, "", "")
    name = service._names(session, {comment.author_id} if comment.author_id else set())
    return AboutComment(comment.id, comment.text, name.get(comment.author_id or 0, ""))


# ---------------------------------------------------------------- young people


def worried_form(session: Session, *, actor: Viewer, campaign_id: int,
                 comment_id: Any = None) -> WorriedForm:
    """What the "I'm worried about something" page shows around its form."""
    campaign, _membership = service._load(session, actor, campaign_id)
    comment = _comment(session, campaign_id, comment_id)
    return WorriedForm(
        campaign_id=campaign_id, title=campaign.title,
        people=_people(session, campaign_id, actor),
        comment=_about_comment(session, comment, staff=actor.is_staff,
                               reader_id=actor.user_id) if comment else None)


def raise_concern(session: Session, *, actor: Viewer, campaign_id: int, text: Any,
                  comment_id: Any = None, about_user_id: Any = None) -> Concern:
    service._require_active_account(session, actor)
    campaign, _membership = service._load(session, actor, campaign_id)
    comment = _comment(session, campaign_id, comment_id)
    errors: dict[str, str] = {}
    words, about = "", None
    try:
        words = _words(
            text, "text", empty=_("Tell us what is worrying you, in your own words."),
            limit=TEXT_MAX,
            too_long=_("Please keep it to %(most)s characters or fewer (it has %(count)s)."))
    except InvalidInput as problem:
        errors.update(problem.errors)
    try:
        about = _id(about_user_id)
    except ValueError:
        errors["about_user_id"] = _(CHOOSE_PERSON)
    if about is not None and about not in {
            p.user_id for p in _people(session, campaign_id, actor)}:
        errors["about_user_id"] = _(CHOOSE_PERSON)
    if errors:
        raise InvalidInput(errors)
    concern = Concern(org_id=campaign.org_id, campaign_id=campaign_id,
                      raised_by=actor.user_id, comment_id=comment.id if comment else None,
                      about_user_id=about, text=words, urgent=True)
    session.add(concern)
    session.flush()
    audit.record(session, org_id=campaign.org_id, actor_id=actor.user_id,
                 action="concern.raised", campaign_id=campaign_id,
                 reason=f"Concern {concern.id}")
    events.nudge(session, campaign.org_id)
    return concern


def my_concerns(session: Session, *, actor: Viewer) -> list[MyConcern]:
    """The concerns I raised in my organisation, newest first."""
    rows = list(session.exec(
        select(Concern).where(Concern.raised_by == actor.user_id,
                              Concern.org_id == actor.org_id)
        .order_by(col(Concern.created_at).desc(), col(Concern.id).desc())))
    titles = _titles(session, {c.campaign_id for c in rows if c.campaign_id})
    return [MyConcern(id=c.id or 0, campaign_id=c.campaign_id,
                      campaign_title=titles.get(c.campaign_id or 0, ""), text=c.text,
                      created_at=c.created_at, status=status_of(c)) for c in rows]


# ---------------------------------------------------------------- youth workers


def _titles(session: Session, campaign_ids: set[int]) -> dict[int, str]:
    if not campaign_ids:
        return {}
    rows = session.exec(select(Campaign.id, Campaign.title)
                        .where(col(Campaign.id).in_(campaign_ids)))
    return {campaign_id: title for campaign_id, title in rows if campaign_id is not None}


def _views(session: Session, concerns: Sequence[Concern]) -> list[ConcernView]:
    comment_ids = [x.comment_id for x in concerns if x.comment_id]
    comments = {c.id: c for c in session.exec(select(Comment).where(
        col(Comment.id).in_(comment_ids)))} if comment_ids else {}
    people = {user_id for x in concerns
              for user_id in (x.raised_by, x.about_user_id, x.seen_by, x.closed_by) if user_id}
    names = service._names(session, people)
    titles = _titles(session, {x.campaign_id for x in concerns if x.campaign_id})

    def name(user_id: int | None) -> str:
        return names.get(user_id, "") if user_id else ""

    views = []
    for x in concerns:
        assert x.id is not None
        comment = comments.get(x.comment_id)
        views.append(ConcernView(
            id=x.id, text=x.text, urgent=x.urgent, created_at=x.created_at,
            raised_by_id=x.raised_by, raised_by_name=name(x.raised_by),
            campaign_id=x.campaign_id, campaign_title=titles.get(x.campaign_id or 0, ""),
            about_user_id=x.about_user_id, about_name=name(x.about_user_id),
            comment=_about_comment(session, comment, staff=True, reader_id=None)
            if comment else None,
            seen_at=x.seen_at, seen_by_name=name(x.seen_by),
            closed_at=x.closed_at, closed_by_name=name(x.closed_by), outcome=x.outcome))
    return views


def open_concerns(session: Session, *, actor: Viewer) -> list[ConcernView]:
    """The organisation's concerns nobody has closed: those nobody has seen yet first, then
    the newest."""
    _require_staff(actor)
    rows = list(session.exec(
        select(Concern).where(Concern.org_id == actor.org_id, col(Concern.closed_at).is_(None))
        .order_by(col(Concern.seen_at).is_not(None), col(Concern.created_at).desc(),
                  col(Concern.id).desc())))
    return _views(session, rows)


def _load(session: Session, actor: Viewer, concern_id: int, *, lock: bool = False) -> Concern:
    _require_staff(actor)
    query = select(Concern).where(Concern.id == concern_id)
    if lock:
        # Two youth workers pressing at once: the first one is the one recorded.
        query = query.with_for_update()
    found = session.exec(query).first()
    if found is None or found.org_id != actor.org_id:
        raise NotFound(_(CONCERN_MISSING))
    return found


def get_concern(session: Session, *, actor: Viewer, concern_id: int) -> ConcernView:
    return _views(session, [_load(session, actor, concern_id)])[0]


def _audit(session: Session, actor: Viewer, concern: Concern, action: str) -> None:
    audit.record(session, org_id=concern.org_id, actor_id=actor.user_id, action=action,
                 campaign_id=concern.campaign_id, reason=f"Concern {concern.id}")


def mark_seen(session: Session, *, actor: Viewer, concern_id: int) -> ConcernView:
    """"I'm dealing with it": the young person sees that a youth worker has seen it. The first
    youth worker to say so is the one recorded."""
    service._require_active_account(session, actor)
    concern = _load(session, actor, concern_id, lock=True)
    if concern.seen_at is None:
        concern.seen_at = clock.now()
        concern.seen_by = actor.user_id
        session.add(concern)
        _audit(session, actor, concern, "concern.seen")
        events.nudge(session, concern.org_id)
    return _views(session, [concern])[0]


def close_concern(session: Session, *, actor: Viewer, concern_id: int,
                  outcome: Any) -> ConcernView:
    """Closed, with a note of what was done for the youth workers who look at it later. A
    concern someone has closed already stays as they left it."""
    service._require_active_account(session, actor)
    concern = _load(session, actor, concern_id, lock=True)
    note = _words(
        outcome, "outcome",
        empty=_("Write a short note of what was done: other youth workers will read it."),
        limit=OUTCOME_MAX,
        too_long=_("Please keep the note to %(most)s characters or fewer (it has %(count)s)."))
    if concern.closed_at is None:
        now = clock.now()
        if concern.seen_at is None:
            concern.seen_at, concern.seen_by = now, actor.user_id
        concern.closed_at, concern.closed_by, concern.outcome = now, actor.user_id, note
        session.add(concern)
        _audit(session, actor, concern, "concern.closed")
        events.nudge(session, concern.org_id)
    return _views(session, [concern])[0]
