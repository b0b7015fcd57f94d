"""The organisation's audit log as youth workers and admins read it: a page at a time on
screen, or all of it as a CSV file. Both come from here, so the file always holds exactly
what the page showed for the same filters.

Only ever the viewer's own organisation's entries, and only for staff.
"""

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, and_, func, not_, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from server.accounts.models import ROLE_LABELS, Member, Role, User
from server.accounts.service import require_staff, username_key
from server.accounts.sessions import Viewer
from server.audit import AuditEntry
from server.campaigns.models import Campaign
from server.campaigns.service import MISSING
from server.csv_safe import csv_text
from server.errors import InvalidInput, NotFound
from server.i18n import N_, _

PAGE_SIZE = 50
OPERATOR = N_("The operator")
AUTOMATIC = N_("Student Voice (automatic)")
PEER_MODERATOR = N_("Peer moderator")

ACTION_LABELS: dict[str, str] = {
    # Moderation
    "comment.reported": N_("Reported a comment"),
    "comment.held": N_("Held a comment"),
    "comment.hidden": N_("Hid a comment"),
    "comment.restored": N_("Restored a comment"),
    "comment.removed": N_("Removed a comment for good"),
    "report.dismissed": N_("Dismissed a report"),
    "member.muted": N_("Muted a member"),
    "member.unmuted": N_("Lifted a mute"),
    "room.premoderation_on": N_("Turned on approval before comments show"),
    "room.premoderation_off": N_("Turned off approval before comments show"),
    "room.slow_mode_on": N_("Turned on slow mode"),
    "room.slow_mode_off": N_("Turned off slow mode"),
    "room.locked": N_("Locked the discussion"),
    "room.unlocked": N_("Unlocked the discussion"),
    "poll.paused": N_("Paused a poll"),
    "poll.resumed": N_("Resumed a poll"),
    "peer_moderator.added": N_("Made someone a peer moderator"),
    "peer_moderator.removed": N_("Stopped someone being a peer moderator"),
    "word_filter.words_added": N_("Added words to the word filter"),
    "decision.recorded": N_("Recorded a decision"),
    "decision.changed": N_("Changed a decision"),
    "decision.confirmed": N_("Confirmed a decision"),
    "decision.amended": N_("Amended a confirmed decision"),
    "decision.published": N_("Published what was done about a decision"),
    "word_filter.word_removed": N_("Took a word out of the word filter"),
    "moderation.settings_changed": N_("Changed the moderation settings"),
    "campaign.member_removed": N_("Removed someone from a campaign"),
    "user.suspended": N_("Suspended an account"),
    "user.unsuspended": N_("Lifted a suspension"),
    "user.erased": N_("Erased an account"),
    "privacy.settings_changed": N_("Changed the privacy settings"),
    # Safeguarding
    "concern.raised": N_("Raised a worry"),
    "concern.seen": N_("Saw a worry and started dealing with it"),
    "concern.closed": N_("Closed a worry"),
    "member.consent_recorded": N_("Recorded a parent's or carer's agreement"),
    "user.reset_code_issued": N_("Gave out a password reset code"),
    # Campaigns, polls and comments
    "campaign.created": N_("Started a campaign"),
    "campaign.goal_changed": N_("Changed a campaign's goal"),
    "campaign.live": N_("Made a campaign live"),
    "campaign.achieved": N_("Marked a campaign as achieved"),
    "campaign.closed": N_("Closed a campaign"),
    "campaign.archived": N_("Archived a campaign"),
    "campaign.unarchived": N_("Brought back an archived campaign"),
    "campaign.step_added": N_("Added a step to a plan"),
    "campaign.step_changed": N_("Changed a step in a plan"),
    "campaign.step_removed": N_("Removed a step from a plan"),
    "campaign.step_done": N_("Ticked off a step"),
    "campaign.step_undone": N_("Unticked a step"),
    "campaign.measure_updated": N_("Updated a campaign's measure"),
    "campaign.update_posted": N_("Posted a progress update"),
    "campaign.stakeholder_added": N_("Added a stakeholder"),
    "campaign.stakeholder_changed": N_("Changed a stakeholder"),
    "campaign.stakeholder_removed": N_("Removed a stakeholder"),
    "campaign.member_added": N_("Joined a campaign"),
    "campaign.lead_added": N_("Made someone a campaign lead"),
    "campaign.lead_removed": N_("Stepped a lead back to member"),
    "campaign.facilitator_added": N_("Added a facilitator"),
    "campaign.left": N_("Left a campaign"),
    "campaign.code_regenerated": N_("Made a new join code"),
    "poll.created": N_("Set up a poll"),
    "poll.opened": N_("Opened a poll"),
    "poll.closed": N_("Closed a poll"),
    "poll.revealed": N_("Showed a poll's results"),
    "poll.hidden": N_("Hid a poll's results"),
    "comment.edited": N_("Changed their comment"),
    "comment.deleted": N_("Deleted their comment"),
    # Accounts and invites
    "organisation.created": N_("Set up the organisation"),
    "user.created": N_("Made an account"),
    "user.joined": N_("Joined with an invite code"),
    "user.password_changed": N_("Changed their password"),
    "user.password_set": N_("Set a password"),
    "user.reset_code_used": N_("Chose a new password with a reset code"),
    "staff.added": N_("Added a member of staff"),
    "invite.created": N_("Made an invite code"),
    "invite.revoked": N_("Stopped an invite code"),
}

# What a young person can only have done as a campaign's peer moderator.
PEER_MODERATION = frozenset({
    "comment.held", "comment.hidden", "comment.restored", "comment.removed", "report.dismissed",
    "member.muted", "member.unmuted", "room.premoderation_on", "room.premoderation_off",
    "room.slow_mode_on", "room.slow_mode_off", "room.locked", "room.unlocked", "poll.paused",
    "poll.resumed",
})


@dataclass(frozen=True)
class ActionGroup:
    """One choice in the "What" filter. An action belongs to the first group that claims it,
    so "campaign.member_removed" is moderation, not campaigns, and an action added later
    lands in the right group by its prefix."""

    key: str
    label: str
    actions: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()

    def claims(self, action: str) -> bool:
        return action in self.actions or action.startswith(self.prefixes)


GROUPS: tuple[ActionGroup, ...] = (
    ActionGroup("moderation", N_("Moderation"), actions=frozenset({
        "comment.reported", "comment.held", "comment.hidden", "comment.restored",
        "comment.removed", "member.muted", "member.unmuted", "poll.paused", "poll.resumed",
        "campaign.member_removed", "user.suspended", "user.unsuspended",
    }), prefixes=("report.", "room.", "peer_moderator.", "word_filter.", "moderation.")),
    ActionGroup("safeguarding", N_("Safeguarding"), actions=frozenset({
        "member.consent_recorded", "user.reset_code_issued",
    }), prefixes=("concern.",)),
    ActionGroup("campaigns", N_("Campaigns, polls, comments and decisions"),
                prefixes=("campaign.", "poll.", "comment.", "decision.")),
    ActionGroup("accounts", N_("Accounts and invites"),
                prefixes=("user.", "staff.", "invite.", "organisation.", "member.",
                          "privacy.")),
)
GROUPS_BY_KEY = {group.key: group for group in GROUPS}


def group_of(action: str) -> ActionGroup | None:
    return next((group for group in GROUPS if group.claims(action)), None)


def action_label(action: str) -> str:
    """Plain words for an action; an action we have no words for shows its code."""
    return ACTION_LABELS.get(action, action)


def actions_in(group: ActionGroup) -> list[tuple[str, str]]:
    """The known actions of a group, as (code, words), for the exact choices in the filter."""
    return [(code, label) for code, label in ACTION_LABELS.items() if group_of(code) is group]


# ---------------------------------------------------------------- filters


DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
TYPED_MAX = 100


@dataclass(frozen=True)
class AuditFilters:
    """The filters as they were typed: kept in the form when one needs fixing."""

    date_from: str = ""
    date_to: str = ""
    campaign: str = ""
    what: str = ""
    person: str = ""

    # Attribute name → the query string's name (and the form field's).
    NAMES: ClassVar[dict[str, str]] = {"date_from": "from", "date_to": "to",
                                       "campaign": "campaign", "what": "what",
                                       "person": "person"}

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> "AuditFilters":
        return cls(**{attr: params.get(name, "").strip()[:TYPED_MAX]
                      for attr, name in cls.NAMES.items()})

    def query(self, **extra: Any) -> dict[str, str]:
        """The filters that are set, by their names in the query string."""
        found = {name: getattr(self, attr) for attr, name in self.NAMES.items()}
        found.update({k: str(v) for k, v in extra.items()})
        return {k: v for k, v in found.items() if v}

    def url(self, path: str, **extra: Any) -> str:
        query = urlencode(self.query(**extra))
        return f"{path}?{query}" if query else path

    @property
    def active(self) -> bool:
        return bool(self.query())


def _parse_date(typed: str, field: str, which: str,
                errors: dict[str, str]) -> date | None:
    if not typed:
        return None
    try:
        if DATE_PATTERN.fullmatch(typed):
            return date.fromisoformat(typed)
    except ValueError:
        pass
    errors[field] = (_("Give the start date as year-month-day, like 2026-03-31.")
                     if which == "start"
                     else _("Give the end date as year-month-day, like 2026-03-31."))
    return None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _claimed(group: ActionGroup) -> ColumnElement[bool]:
    action = col(AuditEntry.action)
    parts = [action.startswith(prefix, autoescape=True) for prefix in group.prefixes]
    if group.actions:
        parts.append(action.in_(sorted(group.actions)))
    return or_(*parts)


def _in_group(group: ActionGroup) -> ColumnElement[bool]:
    earlier = GROUPS[:GROUPS.index(group)]
    return and_(_claimed(group), *(not_(_claimed(other)) for other in earlier))


def _conditions(session: Session, actor: Viewer,
                filters: AuditFilters) -> list[ColumnElement[bool]]:
    """What the filters ask for, as conditions on audit entries; every problem at once."""
    errors: dict[str, str] = {}
    conditions: list[ColumnElement[bool]] = [col(AuditEntry.org_id) == actor.org_id]
    start = _parse_date(filters.date_from, "from", "start", errors)
    end = _parse_date(filters.date_to, "to", "end", errors)
    if start and end and start > end:
        errors["to"] = _("The end date is before the start date. Choose one on or after it.")
    if start:
        conditions.append(col(AuditEntry.at) >= _day_start(start))
    if end and end < date.max:
        # The end date is included: everything before the next day starts.
        conditions.append(col(AuditEntry.at) < _day_start(end + timedelta(days=1)))
    # In the order of the form, so the summary of problems reads top to bottom.
    campaign_id = None
    if filters.campaign:
        if _whole_number(filters.campaign):
            campaign_id = int(filters.campaign)
        else:
            errors["campaign"] = _("Choose a campaign from the list.")
    if filters.what in GROUPS_BY_KEY:
        conditions.append(_in_group(GROUPS_BY_KEY[filters.what]))
    elif filters.what in ACTION_LABELS:
        conditions.append(col(AuditEntry.action) == filters.what)
    elif filters.what:
        errors["what"] = _("Choose what to show from the list.")
    if filters.person:
        person = _person(session, actor, filters.person)
        if person is None:
            errors["person"] = (_("There is nobody with the username %(username)s in your "
                                  "organisation. Check the spelling.")
                                % {"username": filters.person})
        else:
            conditions.append(or_(col(AuditEntry.actor_id) == person,
                                  col(AuditEntry.target_user_id) == person))
    if errors:
        raise InvalidInput(errors)
    if campaign_id is not None:
        found = session.get(Campaign, campaign_id)
        if found is None or found.org_id != actor.org_id:
            raise NotFound(_(MISSING))
        conditions.append(col(AuditEntry.campaign_id) == campaign_id)
    return conditions


def _whole_number(typed: str) -> bool:
    # No bigger than a database id can be.
    return typed.isascii() and typed.isdigit() and len(typed) <= 18


def _person(session: Session, actor: Viewer, typed: str) -> int | None:
    # People see usernames written as "@jade" and may type them that way.
    found = session.exec(
        select(User.id).join(Member, col(Member.user_id) == col(User.id))
        .where(User.username_key == username_key(typed.removeprefix("@")),
               Member.org_id == actor.org_id)).first()
    return found


# ---------------------------------------------------------------- rows


@dataclass(frozen=True)
class AuditRow:
    """One entry as people read it. Names are as they are now, not as they were then."""

    id: int
    at: datetime
    actor_id: int | None
    actor_username: str
    actor_name: str
    actor_role: str
    action: str
    action_label: str
    person_id: int | None
    person_username: str
    person_name: str
    campaign_id: int | None
    campaign_title: str
    comment_id: int | None
    reason: str


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    page: int
    pages: int
    total: int

    @property
    def has_newer(self) -> bool:
        return self.page > 1

    @property
    def has_older(self) -> bool:
        return self.page < self.pages


def _actor_role(action: str, actor: User | None, role: str | None) -> str:
    if actor is None:
        return ""
    if role == Role.young_person and action in PEER_MODERATION:
        return PEER_MODERATOR
    return ROLE_LABELS[Role(role)] if role in set(Role) else ""


def _nobody(entry: AuditEntry) -> str:
    # With no person behind it, an action in a campaign was the app's own (a comment held
    # once enough members reported it, a poll closing at its time); anything else came from
    # the operator's command line.
    return AUTOMATIC if entry.campaign_id is not None else OPERATOR


def _rows(session: Session, conditions: list[ColumnElement[bool]], *,
          offset: int = 0, limit: int | None = None) -> list[AuditRow]:
    actor = aliased(User)
    person = aliased(User)
    query = (
        select(AuditEntry, actor, person, col(Campaign.title))
        .outerjoin(actor, col(actor.id) == col(AuditEntry.actor_id))
        .outerjoin(person, col(person.id) == col(AuditEntry.target_user_id))
        .outerjoin(Campaign, col(Campaign.id) == col(AuditEntry.campaign_id))
        .where(*conditions)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .offset(offset).limit(limit)
    )
    found = list(session.exec(query))
    roles = _roles(session, {entry.actor_id for entry, *_ in found if entry.actor_id})
    return [_row(entry, doer, roles.get(entry.actor_id or 0), about, title)
            for entry, doer, about, title in found]


def _roles(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(session.exec(select(Member.user_id, Member.role)
                             .where(col(Member.user_id).in_(sorted(user_ids)))).all())


def _row(entry: AuditEntry, actor: User | None, role: str | None, person: User | None,
         campaign_title: str | None) -> AuditRow:
    assert entry.id is not None
    return AuditRow(
        id=entry.id,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_username=actor.username if actor else "",
        actor_name=actor.display_name if actor else _nobody(entry),
        actor_role=_actor_role(entry.action, actor, role),
        action=entry.action,
        action_label=action_label(entry.action),
        person_id=entry.target_user_id if person else None,
        person_username=person.username if person else "",
        person_name=person.display_name if person else "",
        campaign_id=entry.campaign_id if campaign_title is not None else None,
        campaign_title=campaign_title or "",
        comment_id=entry.comment_id,
        reason=entry.reason,
    )


def entries(session: Session, *, actor: Viewer, filters: AuditFilters,
            page: int = 1) -> AuditPage:
    """One page of entries, newest first. A page past the end shows the last one."""
    require_staff(actor)
    conditions = _conditions(session, actor, filters)
    total: int = session.exec(
        select(func.count()).select_from(AuditEntry).where(*conditions)).one()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = _rows(session, conditions, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return AuditPage(rows=rows, page=page, pages=pages, total=total)


def all_entries(session: Session, *, actor: Viewer, filters: AuditFilters) -> list[AuditRow]:
    """Every entry the filters match, newest first: what the CSV file holds."""
    require_staff(actor)
    return _rows(session, _conditions(session, actor, filters))


def campaign_choices(session: Session, *, actor: Viewer) -> list[tuple[int, str]]:
    """The organisation's campaigns (archived ones too) for the campaign filter."""
    require_staff(actor)
    found = session.exec(select(Campaign.id, Campaign.title)
                         .where(Campaign.org_id == actor.org_id)
                         .order_by(func.lower(Campaign.title), col(Campaign.id)))
    return [(campaign_id, title) for campaign_id, title in found if campaign_id is not None]


# ---------------------------------------------------------------- CSV


CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("when", N_("When it happened, in UTC (ISO 8601, like 2026-03-31T14:05:09Z)")),
    ("actor_username", N_("The username of who did it (empty when no person did it)")),
    ("actor_name", N_("Their display name; \"The operator\" for the person who runs the "
                      "server, or \"Student Voice (automatic)\" when the app did it on its own")),
    ("actor_role", N_("Their role: young person, peer moderator, youth worker or organisation "
                      "admin")),
    ("action", N_("What was done, as a code (like comment.hidden)")),
    ("action_in_words", N_("What was done, in words")),
    ("person_username", N_("The username of who it was about, if anyone")),
    ("person_name", N_("Their display name")),
    ("campaign", N_("The title of the campaign it was about, if any")),
    ("comment_id", N_("The number of the comment it was about, if any")),
    ("reason", N_("Why, in the words of who did it")),
)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_row(row: AuditRow) -> list[object]:
    return [_iso(row.at), row.actor_username, row.actor_name, row.actor_role, row.action,
            row.action_label, row.person_username, row.person_name, row.campaign_title,
            row.comment_id, row.reason]


def csv_file(rows: Iterable[AuditRow]) -> str:
    return csv_text([name for name, _description in CSV_COLUMNS], (csv_row(row) for row in rows),
                    bom=True)
