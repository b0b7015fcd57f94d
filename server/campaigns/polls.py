"""Polls: the only code that creates, opens, closes and reveals them, and what each viewer
sees of them. Ballots are saved by `ballots`; the counts shown come from `tallies`.

Who may do what:
- a campaign's leads and facilitators ("runners") create polls while the campaign is a draft
  or live, open drafts, close open polls, and reveal results early (or hide them again);
- the campaign's young people (leads and members) vote, one ballot each per poll, and may
  change it until the poll closes; facilitators support and do not vote;
- an under-13 waiting for a parent's or carer's agreement, or a suspended account, cannot vote;
- drafts are seen only by runners and staff; results by everyone once the poll's visibility
  allows, and always by runners and staff.
"""

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import bindparam
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from server import audit, clock
from server.accounts.models import User
from server.accounts.sessions import Viewer
from server.campaigns import service, tallies, team
from server.campaigns.models import (
    ENDED,
    POLL_KIND_LABELS,
    VISIBILITY_LABELS,
    Ballot,
    Campaign,
    CampaignMember,
    CampaignRole,
    Poll,
    PollKind,
    PollOption,
    PollStatus,
    Visibility,
)
from server.db import table
from server.errors import InvalidInput, NotAllowed, NotFound
from server.i18n import N_, _
from server.live import events

QUESTION_MAX = 200
DESCRIPTION_MAX = 1000
OPTION_MAX = 120
OPTIONS_MIN, OPTIONS_MAX = 2, 20
OPTION_KINDS = frozenset({PollKind.single, PollKind.multiple, PollKind.ranked, PollKind.score})
RUNNERS = frozenset({CampaignRole.lead, CampaignRole.facilitator})
VOTERS = frozenset({CampaignRole.lead, CampaignRole.member})

POLL_MISSING = N_("We could not find that poll.")
SUSPENDED = N_("Your account is suspended, so you cannot make changes. Talk to a youth worker.")
RUNNERS_ONLY = N_("Only the campaign's leads and facilitators can run its polls.")
VOTERS_ONLY = N_("Voting is for the campaign's young people.")
NOT_IN = N_("Join the campaign to vote in its polls.")
CLOSED = N_("This poll has closed, so it takes no more votes.")
DRAFT = N_("This poll is a draft: nobody can vote until a lead or facilitator opens it.")
PAUSED = N_("A youth worker has paused this poll for a moment. Your vote was not saved: try "
            "again when it restarts.")


# ---------------------------------------------------------------- a poll as plain JSON


def when_text(moment: datetime | None) -> str:
    return tallies._aware(moment).astimezone(UTC).strftime("%-d %b %Y, %H:%M UTC") if moment else ""


def poll_data(poll: Poll, options: Sequence[PollOption]) -> dict[str, Any]:
    """A poll as plain JSON: what events carry, cards are drawn from, and the API shows."""
    return {
        "id": poll.id,
        "campaign_id": poll.campaign_id,
        "question": poll.question,
        "description": poll.description,
        "kind": poll.kind,
        "kind_label": POLL_KIND_LABELS[PollKind(poll.kind)],
        "options": [{"id": option.id, "label": option.label} for option in options],
        "max_choices": poll.max_choices,
        "anonymous": poll.anonymous,
        "visibility": poll.visibility,
        "visibility_label": VISIBILITY_LABELS[Visibility(poll.visibility)],
        "revealed": poll.revealed,
        "status": str(tallies.status_of(poll)),
        "closes_at": tallies._aware(poll.closes_at).isoformat() if poll.closes_at else None,
        "closes_at_text": when_text(poll.closes_at),
        "paused": poll.paused_at is not None,
    }


# ---------------------------------------------------------------- reading, for one viewer


@dataclass(frozen=True)
class MyBallot:
    choices: Any  # decoded: [option ids], {option id: score} or a position
    reason: str
    changed_at: datetime


@dataclass(frozen=True)
class PollCard:
    """One poll as one viewer sees it on a page."""

    tally: tallies.Tally
    mine: MyBallot | None
    may_vote: bool
    why_not: str  # why this viewer cannot vote, in plain words; "" when they may
    sees_results: bool
    op_id: str  # a fresh client operation id for the ballot form

    @property
    def data(self) -> dict[str, Any]:
        return poll_data(self.tally.poll, self.tally.options)

    @property
    def poll(self) -> Poll:
        return self.tally.poll

    @property
    def mine_words(self) -> list[str]:
        if self.mine is None:
            return []
        return tallies.describe(self.tally.poll.kind, self.tally.options, self.mine.choices,
                                self.mine.reason)

    @property
    def typed(self) -> dict[str, Any]:
        """The viewer's saved vote as the ballot form's values."""
        if self.mine is None:
            return {}
        return tallies.form_values(self.tally.poll.kind, self.mine.choices, self.mine.reason)


@dataclass(frozen=True)
class PollsSection:
    campaign_id: int
    polls: list[PollCard]
    runs: bool  # a lead, facilitator or staff: sees drafts and every result
    manages: bool  # a lead or facilitator of a campaign that is not archived: runs polls
    can_create: bool  # manages, and the campaign has not ended


def _runs(actor: Viewer, role: CampaignRole | None) -> bool:
    return role in RUNNERS or actor.is_staff


def _suspended(session: Session, actor: Viewer) -> bool:
    user = session.get(User, actor.user_id)
    return user is None or user.suspended_at is not None


class Voting(tallies.Closing, Protocol):
    """What decides whether a poll takes votes now."""

    @property
    def paused_at(self) -> datetime | None: ...


def _vote_refusal(actor: Viewer, campaign: service.Standing, role: CampaignRole | None,
                  poll: Voting, *, suspended: bool) -> str:
    """Why this person cannot vote in this poll now, or "" when they can."""
    if suspended:
        return _(SUSPENDED)
    if role not in VOTERS:
        return _(VOTERS_ONLY) if actor.is_staff or role is not None else _(NOT_IN)
    if not actor.can_post:
        return _("A youth worker needs to record a parent's or carer's agreement before you "
                 "can vote.")
    if campaign.archived_at is not None:
        return _("This campaign is archived: it can be read but not changed.")
    if campaign.status in ENDED:
        return _("This campaign has ended, so its polls take no more votes.")
    if poll.status == PollStatus.draft:
        return _(DRAFT)
    if tallies.is_closed(poll):
        return _(CLOSED)
    if poll.paused_at is not None:
        return _(PAUSED)
    return ""


_BALLOT = table(Ballot)
# Built once, with the campaign, the polls and the viewer as parameters: building a statement
# costs more than running it. The viewer's ballots are plain rows: nothing is changed.
_MY_BALLOTS = (sql_select(_BALLOT.c.poll_id, _BALLOT.c.choices, _BALLOT.c.reason,
                          _BALLOT.c.changed_at)
               .where(_BALLOT.c.poll_id.in_(bindparam("poll_ids", expanding=True)),
                      _BALLOT.c.user_id == bindparam("viewer_id")))


def _polls_query(*, drafts: bool) -> Any:
    query = select(Poll).where(Poll.campaign_id == bindparam("campaign_id"))
    if not drafts:
        query = query.where(Poll.status != PollStatus.draft)
    return query.order_by(col(Poll.id).desc())


_POLLS = {True: _polls_query(drafts=True), False: _polls_query(drafts=False)}


def _cards(session: Session, actor: Viewer, campaign: service.Standing,
           role: CampaignRole | None, polls: Sequence[Poll], *,
           suspended: bool | None = None) -> list[PollCard]:
    """`suspended`: whether the viewer's account is suspended, when already known."""
    runs = _runs(actor, role)
    if suspended is None:
        suspended = _suspended(session, actor)
    ids = [poll.id for poll in polls if poll.id is not None]
    mine = {} if not ids else {row.poll_id: row for row in session.connection().execute(
        _MY_BALLOTS, {"poll_ids": ids, "viewer_id": actor.user_id})}
    cards = []
    for tally in tallies._tallies(session, polls):
        ballot = mine.get(tally.poll.id or 0)
        my = (MyBallot(tallies.decode(tally.poll.kind, ballot.choices), ballot.reason,
                       ballot.changed_at) if ballot else None)
        why_not = _vote_refusal(actor, campaign, role, tally.poll, suspended=suspended)
        cards.append(PollCard(
            tally=tally, mine=my, may_vote=not why_not, why_not=why_not,
            sees_results=tallies.can_see_results(tally, voted=my is not None, runs=runs),
            op_id=secrets.token_urlsafe(12)))
    return cards


def for_page(session: Session, *, actor: Viewer, campaign_id: int,
             view: service.CampaignView | None = None) -> PollsSection:
    """The polls the viewer may see (drafts only for runners), newest first. `view`: the
    campaign as `service.get_campaign` read it for this viewer in this transaction (the
    campaign page), so it is not read again."""
    suspended: bool | None = None
    if view is None:
        campaign, membership = service._load(session, actor, campaign_id)
        role = service._active_role(membership)
    else:
        assert view.campaign.id == campaign_id
        campaign, role, suspended = view.campaign, view.my_role, view.suspended
    runs = _runs(actor, role)
    polls = list(session.exec(_POLLS[runs], params={"campaign_id": campaign_id}))
    manages = role in RUNNERS and campaign.archived_at is None
    return PollsSection(campaign_id=campaign_id,
                        polls=_cards(session, actor, campaign, role, polls, suspended=suspended),
                        runs=runs, manages=manages,
                        can_create=manages and campaign.status not in ENDED)


def _load_poll(session: Session, actor: Viewer, poll_id: int, *, lock: str = "",
               ) -> tuple[Poll, Campaign, CampaignMember | None]:
    """The poll, its campaign and the viewer's membership; NotFound for a poll the viewer may
    not see (another organisation's, or a draft for someone who does not run the campaign).

    lock="share" (a ballot) lets ballots go together but waits for a close that is under way,
    so no ballot is saved after its poll closed; lock="update" (opening, closing, revealing)
    waits for ballots under way. SQLite has one writer at a time and needs neither."""
    if lock:
        poll = session.get(Poll, poll_id, with_for_update={"read": lock == "share"})
    else:
        poll = session.get(Poll, poll_id)
    if poll is None:
        raise NotFound(_(POLL_MISSING))
    try:
        campaign, membership = service._load(session, actor, poll.campaign_id)
    except NotFound:
        raise NotFound(_(POLL_MISSING)) from None
    if poll.status == PollStatus.draft and not _runs(actor, service._active_role(membership)):
        raise NotFound(_(POLL_MISSING))
    return poll, campaign, membership


@dataclass(frozen=True)
class NamedVote:
    name: str
    words: list[str]


@dataclass(frozen=True)
class PollPage:
    """A poll on its own page: the viewer's card, and who voted what when that may be shown."""

    campaign: Campaign
    card: PollCard
    manages: bool
    votes: list[NamedVote] | None  # named polls, for the campaign's members who see results


def get_poll(session: Session, *, actor: Viewer, poll_id: int) -> PollPage:
    poll, campaign, membership = _load_poll(session, actor, poll_id)
    role = service._active_role(membership)
    (card,) = _cards(session, actor, campaign, role, [poll])
    votes = None
    if not poll.anonymous and role is not None and card.sees_results:
        rows = session.exec(select(Ballot, User.display_name)
                            .join(User, col(User.id) == col(Ballot.user_id))
                            .where(Ballot.poll_id == poll_id)
                            .order_by(col(User.display_name), col(Ballot.id)))
        votes = [NamedVote(name, tallies.describe(poll.kind, card.tally.options,
                                                  tallies.decode(poll.kind, ballot.choices),
                                                  ballot.reason))
                 for ballot, name in rows]
    return PollPage(campaign=campaign, card=card, votes=votes,
                    manages=role in RUNNERS and campaign.archived_at is None)


def check_can_create(session: Session, *, actor: Viewer, campaign_id: int) -> Campaign:
    """Whether the viewer may create a poll here (for showing the form); raises when not."""
    campaign, _runner = _manageable(session, actor, campaign_id, creating=True)
    return campaign


# ---------------------------------------------------------------- running polls


def _manageable(session: Session, actor: Viewer, campaign_id: int, *, creating: bool = False,
                ) -> tuple[Campaign, CampaignMember]:
    campaign, membership = service._writable(session, actor, campaign_id)
    runner = service._require_role(membership, set(RUNNERS), RUNNERS_ONLY)
    if creating:
        service._require_open(campaign)
        service._require_can_post(actor, N_("create a poll"))
    return campaign, runner


def _audit(session: Session, actor: Viewer | None, campaign: Campaign, poll: Poll,
           action: str) -> None:
    audit.record(session, org_id=campaign.org_id, actor_id=actor.user_id if actor else None,
                 action=action, campaign_id=campaign.id,
                 reason=f"Poll {poll.id}: {poll.question}")


def _announce(session: Session, poll: Poll, kind: str) -> None:
    assert poll.id is not None
    events.emit(session, poll.campaign_id, kind,
                {"poll": poll_data(poll, tallies._options(session, [poll.id])[poll.id])})


def _text(data: Mapping[str, Any], name: str, *, label: str, limit: int, required: bool,
          errors: dict[str, str], multiline: bool = False) -> str:
    value = team.clean_text(data.get(name), multiline=multiline)
    problem = team.text_problem(value, label=label, limit=limit, required=required,
                                multiline=multiline)
    if problem:
        errors[name] = problem
    return value


def _option_labels(raw: Any, errors: dict[str, str]) -> list[str]:
    if isinstance(raw, str):
        raw = raw.splitlines()
    if not isinstance(raw, list | tuple):
        raw = []
    labels = [team.clean_text(item) for item in raw if isinstance(item, str)]
    labels = [label for label in labels if label]
    seen: dict[str, int] = {}
    for number, label in enumerate(labels, start=1):
        problem = team.text_problem(label, label=_("option %(number)d") % {"number": number},
                                    limit=OPTION_MAX, required=True)
        if problem:
            errors["options"] = problem
            return labels
        if label.casefold() in seen:
            errors["options"] = _("“%(option)s” is in the list twice (options %(first)d and "
                                  "%(second)d). Each option must be different.") % {
                "option": label, "first": seen[label.casefold()], "second": number}
            return labels
        seen[label.casefold()] = number
    if len(labels) < OPTIONS_MIN:
        errors["options"] = _("Give at least 2 options, one per line.")
    elif len(labels) > OPTIONS_MAX:
        errors["options"] = _("A poll can have up to %(max)d options (this has %(count)d).") % {
            "max": OPTIONS_MAX, "count": len(labels)}
    return labels


def _flag(value: Any, default: bool) -> bool | None:
    """True, False, or None when it is neither."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return {"1": True, "true": True, "on": True, "yes": True,
            "0": False, "false": False, "off": False, "no": False}.get(str(value).lower())


def parse_closes_at(value: Any, now: datetime) -> tuple[datetime | None, str]:
    """A closing time (ISO 8601; without a zone it is UTC), and a problem in words."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, ""
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None, _("Give the closing time as a date and a time, like 2027-06-30 18:00.")
    moment = tallies._aware(moment).astimezone(UTC)
    if moment <= now:
        return None, _("Choose a closing time in the future, or leave it empty to close by "
                       "hand.")
    return moment, ""


def _parse_poll(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    errors: dict[str, str] = {}
    try:
        kind: PollKind | None = PollKind(str(data.get("kind", "")))
    except ValueError:
        kind = None
        errors["kind"] = _("Choose what kind of poll it is.")
    question = _text(data, "question", label=N_("the question"), limit=QUESTION_MAX,
                     required=True, errors=errors)
    description = _text(data, "description", label=N_("the description"), limit=DESCRIPTION_MAX,
                        required=False, errors=errors, multiline=True)
    labels = (_option_labels(data.get("options"), errors)
              if kind is None or kind in OPTION_KINDS else [])
    max_choices = 1
    if kind == PollKind.multiple and "options" not in errors:
        raw = data.get("max_choices")
        if raw is None or raw == "":
            max_choices = len(labels)
        else:
            try:
                max_choices = int(str(raw).strip()) if not isinstance(raw, bool) else 0
            except ValueError:
                max_choices = 0
            if not 1 <= max_choices <= len(labels):
                errors["max_choices"] = _("Choose how many options each person may pick: a "
                                          "whole number from 1 to %(max)d.") % {
                    "max": len(labels)}
    anonymous = _flag(data.get("anonymous"), True)
    if anonymous is None:
        errors["anonymous"] = _("Choose whether votes are anonymous or named.")
    try:
        visibility = Visibility(str(data.get("visibility") or Visibility.live))
    except ValueError:
        visibility = Visibility.live
        errors["visibility"] = _("Choose when people see the results.")
    closes_at, problem = parse_closes_at(data.get("closes_at"), clock.now())
    if problem:
        errors["closes_at"] = problem
    if errors:
        raise InvalidInput(errors)
    fields = {"kind": kind, "question": question, "description": description,
              "max_choices": max_choices, "anonymous": anonymous, "visibility": visibility,
              "closes_at": closes_at}
    return fields, labels


def create_poll(session: Session, *, actor: Viewer, campaign_id: int, data: Mapping[str, Any],
                open_now: bool = True) -> Poll:
    """A new poll, open at once or saved as a draft that a runner opens later.

    `data`: kind, question, description, options (a list, or text with one per line),
    max_choices, anonymous, visibility, closes_at (ISO 8601, UTC when it has no zone)."""
    campaign, _runner = _manageable(session, actor, campaign_id, creating=True)
    fields, labels = _parse_poll(data)
    now = clock.now()
    poll = Poll(campaign_id=campaign_id, created_by=actor.user_id,
                status=PollStatus.open if open_now else PollStatus.draft,
                opened_at=now if open_now else None, **fields)
    session.add(poll)
    session.flush()
    assert poll.id is not None
    session.add_all([PollOption(poll_id=poll.id, position=position, label=label)
                     for position, label in enumerate(labels)])
    session.flush()
    service._touch(session, campaign)
    _audit(session, actor, campaign, poll, "poll.created")
    if open_now:
        _announce(session, poll, "poll.opened")
    return poll


def _runner_poll(session: Session, actor: Viewer, poll_id: int) -> tuple[Poll, Campaign]:
    poll, campaign, _membership = _load_poll(session, actor, poll_id, lock="update")
    _manageable(session, actor, campaign.id or 0)
    return poll, campaign


def open_poll(session: Session, *, actor: Viewer, poll_id: int) -> Poll:
    """A draft opens for votes. Opening an open poll changes nothing."""
    poll, campaign = _runner_poll(session, actor, poll_id)
    service._require_open(campaign)
    if poll.status == PollStatus.open and not tallies.is_closed(poll):
        return poll
    if poll.status != PollStatus.draft:
        raise NotAllowed(_("This poll has closed, and a closed poll cannot be opened again. "
                           "Make a new poll instead."))
    if poll.closes_at is not None and tallies._aware(poll.closes_at) <= clock.now():
        raise NotAllowed(_("This draft's closing time has passed. Make a new poll with a "
                           "later closing time, or none."))
    poll.status = PollStatus.open
    poll.opened_at = clock.now()
    session.add(poll)
    _audit(session, actor, campaign, poll, "poll.opened")
    _announce(session, poll, "poll.opened")
    return poll


def _close(session: Session, actor: Viewer | None, campaign: Campaign, poll: Poll) -> None:
    poll.status = PollStatus.closed
    poll.closed_at = clock.now()
    session.add(poll)
    _audit(session, actor, campaign, poll, "poll.closed")
    _announce(session, poll, "poll.closed")


def close_poll(session: Session, *, actor: Viewer, poll_id: int) -> Poll:
    """An open poll closes: it takes no more votes and its results show to everyone."""
    poll, campaign = _runner_poll(session, actor, poll_id)
    if poll.status == PollStatus.draft:
        raise NotAllowed(_("This poll is a draft: it has not opened, so there is nothing to "
                           "close."))
    if poll.status != PollStatus.closed:
        _close(session, actor, campaign, poll)
    return poll


def set_revealed(session: Session, *, actor: Viewer, poll_id: int, revealed: bool) -> Poll:
    """Show the results to everyone now, or go back to the poll's visibility setting."""
    poll, campaign = _runner_poll(session, actor, poll_id)
    if poll.status == PollStatus.draft:
        raise NotAllowed(_("Open the poll before showing its results."))
    if poll.revealed == revealed:
        return poll
    poll.revealed = revealed
    session.add(poll)
    _audit(session, actor, campaign, poll, "poll.revealed" if revealed else "poll.hidden")
    _announce(session, poll, "poll.revealed")
    return poll


def close_due(session: Session) -> int:
    """Close every open poll whose closing time has passed; how many were closed."""
    query = (select(Poll).where(Poll.status == PollStatus.open, col(Poll.closes_at).is_not(None),
                                col(Poll.closes_at) <= clock.now())
             .order_by(col(Poll.id)).with_for_update(skip_locked=True))
    due = list(session.exec(query))
    for poll in due:
        campaign = session.get(Campaign, poll.campaign_id)
        assert campaign is not None
        _close(session, None, campaign, poll)
    return len(due)
