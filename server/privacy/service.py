"""A person's data rights: see everything the app holds about them, and have it erased.

Erasure keeps the person's row as an anonymous stand-in with the same id: its name, username,
password, sessions, tokens, reports, mutes and invite and consent details are gone for good,
and it shows as "a former member" everywhere. Their ballots, comments and reactions stay
counted, linked only to the stand-in, so every evidence total and every confirmed decision
stays exactly as it was. Their comments' words are removed, unless the organisation chose to
keep them anonymised. The erasure is audited: who, when and why, never what was erased.
"""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from server import audit, clock
from server.accounts import people, sessions
from server.accounts.models import (
    ROLE_LABELS,
    AgeBand,
    ApiToken,
    LoginFailure,
    Member,
    Organisation,
    PasswordResetCode,
    Role,
    User,
    UserSession,
)
from server.accounts.passwords import Passwords
from server.accounts.sessions import Viewer
from server.campaigns import discussion, tallies
from server.campaigns.models import (
    CAMPAIGN_ROLE_LABELS,
    FEED_LABELS,
    Ballot,
    BallotReceipt,
    Campaign,
    CampaignMember,
    CampaignRole,
    Comment,
    CommentState,
    FeedItem,
    FeedKind,
    Poll,
    Reaction,
)
from server.errors import InvalidInput, NotAllowed, NotFound
from server.i18n import N_, _
from server.live import events
from server.moderation.models import REPORT_KIND_LABELS, Concern, Mute, Report, ReportKind
from server.privacy.models import (
    DEFAULT_RETENTION_DAYS,
    RETENTION_MAX_DAYS,
    RETENTION_MIN_DAYS,
    PrivacySettings,
)

FORMER_MEMBER = N_("A former member")
ERASED_USERNAME = "former-member"
RETENTION_REASON = "retention"
DATA_VERSION = "1.0"
WRONG_PASSWORD = N_("That is not your password. Type the password you log in with.")
ADMINS_ONLY = N_("Only organisation admins can change the privacy settings.")
YOUNG_PEOPLE_ONLY = N_("Only a young person's account can be erased here. Staff accounts are "
                       "closed by an organisation admin or the operator.")
NO_PERSON = N_("We could not find that person in your organisation.")
# Later than any event: a comment's every event is redrawn.
ALL_EVENTS = 2**62


# ---------------------------------------------------------------- the organisation's choices


def settings_for(session: Session, org_id: int) -> PrivacySettings:
    """The organisation's privacy settings (the defaults when it never changed them)."""
    found = session.get(PrivacySettings, org_id)
    return found if found is not None else PrivacySettings(org_id=org_id)


def _require_admin(actor: Viewer) -> None:
    if not actor.is_admin:
        raise NotAllowed(_(ADMINS_ONLY))


def read_settings(session: Session, *, actor: Viewer) -> PrivacySettings:
    _require_admin(actor)
    return settings_for(session, actor.org_id)


def change_settings(session: Session, *, actor: Viewer, retention_days: str,
                    keep_comment_text: str) -> PrivacySettings:
    """An admin sets how long inactive young people's accounts are kept and what happens to
    an erased person's comments."""
    _require_admin(actor)
    try:
        days = int(str(retention_days).strip())
    except ValueError:
        days = 0
    if not RETENTION_MIN_DAYS <= days <= RETENTION_MAX_DAYS:
        raise InvalidInput({"retention_days": _(
            "Choose a whole number of days from %(least)s to %(most)s (two years is "
            "%(default)s).") % {"least": RETENTION_MIN_DAYS, "most": RETENTION_MAX_DAYS,
                                "default": DEFAULT_RETENTION_DAYS}})
    if keep_comment_text not in ("keep", "remove"):
        raise InvalidInput({"keep_comment_text": _("Choose what happens to their comments.")})
    found = settings_for(session, actor.org_id)
    found.retention_days = days
    found.keep_comment_text = keep_comment_text == "keep"
    session.add(found)
    audit.record(session, org_id=actor.org_id, actor_id=actor.user_id,
                 action="privacy.settings_changed",
                 reason=f"Keep inactive accounts {days} days; erased members' comments: "
                        + ("words kept anonymised" if found.keep_comment_text
                           else "words removed"))
    return found


# ---------------------------------------------------------------- my data


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def my_data(session: Session, *, actor: Viewer) -> dict[str, Any]:
    """Everything the app holds about the viewer, and nothing about anyone else: no other
    person's name or words, only ids and campaign titles to place their own things."""
    user = session.get(User, actor.user_id)
    member = session.exec(select(Member).where(Member.user_id == actor.user_id)).first()
    org = session.get(Organisation, actor.org_id)
    if user is None or member is None or org is None:
        raise NotFound(_("We could not find your account."))
    me = actor.user_id
    titles = {campaign_id: title for campaign_id, title in session.exec(
        select(Campaign.id, Campaign.title).where(Campaign.org_id == actor.org_id))}

    campaigns = [{"campaign_id": cm.campaign_id, "campaign": titles.get(cm.campaign_id, ""),
                  "role": cm.role, "role_label": CAMPAIGN_ROLE_LABELS[CampaignRole(cm.role)],
                  "joined_at": _iso(cm.joined_at),
                  "removed_at": _iso(cm.removed_at),
                  "peer_moderator": cm.peer_moderator_at is not None}
                 for cm in session.exec(select(CampaignMember).where(
                     CampaignMember.user_id == me).order_by(col(CampaignMember.id)))]

    ballots = []
    voted = list(session.exec(
        select(Ballot, Poll).join(Poll, col(Poll.id) == col(Ballot.poll_id))
        .where(Ballot.user_id == me).order_by(col(Ballot.id))))
    options_of = tallies._options(session, [poll.id for _b, poll in voted if poll.id])
    for ballot, poll in voted:
        options = options_of.get(poll.id or 0, [])
        ballots.append({
            "poll_id": poll.id, "campaign": titles.get(poll.campaign_id, ""),
            "question": poll.question,
            "vote": tallies.describe(poll.kind, options, tallies.decode(poll.kind,
                                                                        ballot.choices)),
            "reason": ballot.reason, "cast_at": _iso(ballot.cast_at),
            "changed_at": _iso(ballot.changed_at)})

    comments = [{"id": c.id, "campaign": titles.get(c.campaign_id, ""),
                 "reply_to_comment_id": c.parent_id, "text": c.text,
                 "created_at": _iso(c.created_at), "edited_at": _iso(c.edited_at),
                 "deleted_at": _iso(c.deleted_at), "state": c.state}
                for c in session.exec(select(Comment).where(
                    Comment.author_id == me).order_by(col(Comment.id)))]

    reactions = [{"comment_id": r.comment_id, "kind": r.kind, "created_at": _iso(r.created_at)}
                 for r in session.exec(select(Reaction).where(
                     Reaction.user_id == me).order_by(col(Reaction.id)))]

    updates = [{"campaign": titles.get(f.campaign_id, ""), "kind": f.kind,
                "what": FEED_LABELS.get(FeedKind(f.kind), f.kind), "text": f.text,
                "created_at": _iso(f.created_at)}
               for f in session.exec(select(FeedItem).where(
                   FeedItem.author_id == me).order_by(col(FeedItem.id)))]

    reports = [{"comment_id": r.comment_id, "campaign": titles.get(r.campaign_id, ""),
                "kind": r.kind, "kind_label": REPORT_KIND_LABELS[ReportKind(r.kind)],
                "words": r.words, "created_at": _iso(r.created_at),
                "dealt_with": r.resolved_at is not None}
               for r in session.exec(select(Report).where(
                   Report.reporter_id == me).order_by(col(Report.id)))]

    concerns = [{"campaign": titles.get(c.campaign_id, "") if c.campaign_id else None,
                 "text": c.text, "urgent": c.urgent, "created_at": _iso(c.created_at),
                 "seen": c.seen_at is not None, "closed": c.closed_at is not None}
                for c in session.exec(select(Concern).where(
                    Concern.raised_by == me).order_by(col(Concern.id)))]

    mutes = [{"campaign": titles.get(m.campaign_id, ""), "created_at": _iso(m.created_at),
              "until": _iso(m.until), "reason": m.reason, "lifted_at": _iso(m.lifted_at)}
             for m in session.exec(select(Mute).where(Mute.user_id == me)
                                   .order_by(col(Mute.id)))]

    logins = [{"started_at": _iso(s.created_at), "last_seen_at": _iso(s.last_seen_at),
               "this_device": s.id == actor.session_id}
              for s in session.exec(select(UserSession).where(UserSession.user_id == me)
                                    .order_by(col(UserSession.created_at)))]
    tokens = [{"label": t.label, "created_at": _iso(t.created_at),
               "revoked_at": _iso(t.revoked_at)}
              for t in session.exec(select(ApiToken).where(ApiToken.user_id == me)
                                    .order_by(col(ApiToken.id)))]

    return {
        "data_version": DATA_VERSION,
        "generated_at": clock.now().isoformat(),
        "profile": {
            "username": user.username, "display_name": user.display_name,
            "age_band": user.age_band,
            "age_band_label": AgeBand(user.age_band).label if user.age_band else None,
            "created_at": _iso(user.created_at), "last_active_at": _iso(user.last_active_at),
            "password_changed_at": _iso(user.password_changed_at),
            "suspended_at": _iso(user.suspended_at),
            "suspended_reason": user.suspended_reason or None,
        },
        "membership": {
            "organisation": org.name, "role": member.role,
            "role_label": ROLE_LABELS[Role(member.role)], "joined_at": _iso(member.joined_at),
            "parent_or_carer_agreement_recorded_at": _iso(member.consent_recorded_at),
        },
        "campaigns": campaigns,
        "ballots": ballots,
        "comments": comments,
        "reactions": reactions,
        "campaign_updates": updates,
        "reports_made": reports,
        "worries_raised": concerns,
        "mutes": mutes,
        "logged_in_devices": logins,
        "api_tokens": tokens,
    }


def data_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


# ---------------------------------------------------------------- erasure


def erase(session: Session, *, user_id: int, org_id: int, actor_id: int | None,
          reason: str) -> None:
    """Erase a young person: the one function every way of erasing uses (themselves, a youth
    worker or admin, retention). `actor_id` None: the operator or retention."""
    user = session.get(User, user_id)
    if user is None or user.erased_at is not None:
        return
    policy = settings_for(session, org_id)
    now = clock.now()
    old_key = user.username_key

    # Every session ends now, on every device, with its open pages.
    sessions.end_all(session, user_id=user_id)
    for table, column in ((ApiToken, ApiToken.user_id),
                          (PasswordResetCode, PasswordResetCode.user_id),
                          (BallotReceipt, BallotReceipt.user_id),
                          (Report, Report.reporter_id),
                          (Mute, Mute.user_id)):
        session.exec(delete(table).where(col(column) == user_id))
    session.exec(delete(LoginFailure).where(col(LoginFailure.account_key) == old_key))
    # A worry they raised stays with the youth workers for safeguarding, without their name.
    session.exec(update(Concern).where(col(Concern.raised_by) == user_id).values(raised_by=None))
    session.exec(update(Member).where(col(Member.user_id) == user_id).values(
        consent_recorded_at=None, consent_recorded_by=None, invite_id=None))
    session.exec(update(CampaignMember).where(
        col(CampaignMember.user_id) == user_id, col(CampaignMember.removed_at).is_(None))
        .values(removed_at=now))
    session.exec(update(CampaignMember).where(col(CampaignMember.user_id) == user_id)
                 .values(peer_moderator_at=None, peer_moderator_by=None))

    # The stand-in: the same id (so anonymous counts and participant keys stay the same), the
    # age band and account date the evidence counts by, and nothing else.
    user.username = ERASED_USERNAME
    user.username_key = f"#erased-{user_id}"
    user.display_name = FORMER_MEMBER
    user.password_hash = None
    user.password_changed_at = None
    user.suspended_at = now  # belt and braces: a suspended account can never log in
    user.suspended_reason = ""
    user.last_active_at = None
    user.erased_at = now
    session.add(user)

    if not policy.keep_comment_text:
        session.exec(update(Ballot).where(col(Ballot.user_id) == user_id).values(reason=""))
        session.exec(delete(FeedItem).where(col(FeedItem.author_id) == user_id,
                                            col(FeedItem.kind) == FeedKind.update))
        session.exec(update(Comment).where(col(Comment.author_id) == user_id).values(text=""))
    comments = list(session.exec(select(Comment).where(Comment.author_id == user_id)))
    # Drawn together (names and reactions read once), as everyone but the author sees them.
    for comment, data in zip(comments, discussion._data(session, comments), strict=True):
        assert comment.id is not None
        if (comment.state == CommentState.shown and comment.deleted_at is None
                and comment.published_at is not None):
            # Open pages draw it again; the event redraws its earlier events too.
            events.emit(session, comment.campaign_id, discussion.EDITED, {"comment": data})
        else:
            events.redraw_comment(session, comment.id, {"comment": data}, before=ALL_EVENTS)
    audit.record(session, org_id=org_id, actor_id=actor_id, action="user.erased",
                 target_user_id=user_id, reason=reason)


def erase_self(session: Session, passwords: Passwords, *, actor: Viewer, password: str,
               confirm: str) -> None:
    """A young person erases their own account, after typing their password."""
    if actor.role != Role.young_person:
        raise NotAllowed(_(YOUNG_PEOPLE_ONLY))
    user = session.get(User, actor.user_id)
    errors: dict[str, str] = {}
    if confirm != "yes":
        errors["confirm"] = _("Tick the box to say you understand this cannot be undone.")
    if user is None or not passwords.verify(user.password_hash, password):
        errors["password"] = _(WRONG_PASSWORD)
    if errors:
        raise InvalidInput(errors)
    erase(session, user_id=actor.user_id, org_id=actor.org_id, actor_id=actor.user_id,
          reason="Erased their own account")


def erasable_person(session: Session, *, actor: Viewer, user_id: int) -> tuple[User, Member]:
    """A young person in the actor's organisation a youth worker or admin may erase."""
    user, member = people.get_person(session, actor=actor, user_id=user_id)
    if member.role != Role.young_person:
        raise NotAllowed(_(YOUNG_PEOPLE_ONLY))
    return user, member


def erase_person(session: Session, *, actor: Viewer, user_id: int, reason: str) -> None:
    """A youth worker or admin erases a young person in their organisation, saying why."""
    erasable_person(session, actor=actor, user_id=user_id)
    reason = people.required_reason(reason)
    erase(session, user_id=user_id, org_id=actor.org_id, actor_id=actor.user_id, reason=reason)

