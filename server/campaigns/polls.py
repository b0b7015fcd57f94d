"""Polls and ballots: the only code that changes them, and the exact counts shown for them.

Who may do what:
- a campaign's leads and facilitators ("runners") create polls while the campaign is a draft
  or live, open drafts, close open polls, and reveal results early (or hide them again);
- the campaign's young people (leads and members) vote, one ballot each per poll, and may
  change it until the poll closes; facilitators support and do not vote;
- an under-13 waiting for a parent's or carer's agreement, or a suspended account, cannot vote;
- drafts are seen only by runners and staff; results by everyone once the poll's visibility
  allows, and always by runners and staff.

A ballot is saved with its client operation id: a retry with the same id is answered with the
first result and changes nothing. Both "one ballot per person" and "one answer per operation
id" are unique constraints, so concurrent requests cannot make a second row. Ballots are never
audited (that would tell who voted what in an anonymous poll); their events carry no voter.
Counts are never stored: every tally is counted from the ballots by `counting`.
"""

import json
import re
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server import audit, clock
from server.accounts.models import User
from server.accounts.sessions import Viewer
from server.campaigns import counting, service, team
from server.campaigns.models import (
    ENDED,
    POLL_KIND_LABELS,
    VISIBILITY_LABELS,
    Ballot,
    BallotReceipt,
    Campaign,
    CampaignMember,
    CampaignRole,
    Poll,
    PollKind,
    PollOption,
    PollStatus,
    Visibility,
)
from server.errors import InvalidInput, NotAllowed, NotFound
from server.live import events

QUESTION_MAX = 200
DESCRIPTION_MAX = 1000
OPTION_MAX = 120
OPTIONS_MIN, OPTIONS_MAX = 2, 20
REASON_MAX = 500
OP_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
OPTION_KINDS = frozenset({PollKind.single, PollKind.multiple, PollKind.ranked, PollKind.score})
RUNNERS = frozenset({CampaignRole.lead, CampaignRole.facilitator})
VOTERS = frozenset({CampaignRole.lead, CampaignRole.member})

POLL_MISSING = "We could not find that poll."
RUNNERS_ONLY = "Only the campaign's leads and facilitators can run its polls."
VOTERS_ONLY = "Voting is for the campaign's young people."
NOT_IN = "Join the campaign to vote in its polls."
CLOSED = "This poll has closed, so it takes no more votes."
DRAFT = "This poll is a draft: nobody can vote until a lead or facilitator opens it."
BAD_OP_ID = "Send a client_op_id: 1 to 64 letters, digits, - or _, new for each vote."
POSITION_LABELS = {"agree": "Agree", "abstain": "Abstain", "disagree": "Disagree",
                   "block": "Block"}


# ---------------------------------------------------------------- the state of a poll


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_closed(poll: Poll, now: datetime | None = None) -> bool:
    """Closed by hand, or its closing time has passed (before the closer loop has noticed)."""
    if poll.status == PollStatus.closed:
        return True
    return (poll.status == PollStatus.open and poll.closes_at is not None
            and _aware(poll.closes_at) <= (now or clock.now()))


def status_of(poll: Poll) -> str:
    return PollStatus.closed if is_closed(poll) else PollStatus(poll.status)


def is_public(poll: Poll) -> bool:
    """Everyone may see the results."""
    return poll.visibility == Visibility.live or poll.revealed or is_closed(poll)


def when_text(moment: datetime | None) -> str:
    return _aware(moment).astimezone(UTC).strftime("%-d %b %Y, %H:%M UTC") if moment else ""


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
        "status": str(status_of(poll)),
        "closes_at": _aware(poll.closes_at).isoformat() if poll.closes_at else None,
        "closes_at_text": when_text(poll.closes_at),
    }


# ---------------------------------------------------------------- counting


@dataclass(frozen=True)
class Results:
    """What a poll's ballots add up to; only the parts for its kind are filled in."""

    counts: dict[int, int]  # single, multiple: ballots choosing each option; ranked: 1st choices
    runoff: counting.Runoff | None  # ranked
    scores: dict[int, counting.ScoreSummary]  # score
    positions: dict[str, int]  # proposal
    block_reasons: tuple[str, ...]  # proposal: the reasons given with blocks


@dataclass(frozen=True)
class Tally:
    poll: Poll
    options: list[PollOption]
    ballots: int
    results: Results
    voters: frozenset[int]

    @property
    def public(self) -> bool:
        """Everyone may see the results: visibility live, revealed, or the poll has closed."""
        return is_public(self.poll)

    @property
    def unlocked_by_voting(self) -> bool:
        """Voting is what shows you the results."""
        return self.poll.visibility == Visibility.after_vote and not self.public

    @property
    def status(self) -> str:
        return str(status_of(self.poll))

    @property
    def data(self) -> dict[str, Any]:
        return poll_data(self.poll, self.options)

    def label(self, option_id: int) -> str:
        return next((o.label for o in self.options if o.id == option_id), "")

    def percent(self, count: int) -> int:
        """A count as a whole-number share of the ballots."""
        return round(100 * count / self.ballots) if self.ballots else 0

    @property
    def ranked_order(self) -> list[tuple[str, int, str]]:
        """Ranked polls, best first: each option's label, its votes in the last round it was
        counted in, and what happened to it."""
        runoff = self.results.runoff
        if runoff is None:
            return []
        out_in = {option: number for number, round_ in enumerate(runoff.rounds, start=1)
                  for option in round_.eliminated}
        rows = []
        for option in self.options:
            assert option.id is not None
            last = runoff.rounds[out_in.get(option.id, len(runoff.rounds)) - 1]
            votes = last.counts.get(option.id, 0)
            if option.id == runoff.winner:
                place, state = 0, "Winner"
            elif option.id in runoff.tied:
                place, state = 1, "Tied"
            elif option.id in out_in:
                place, state = 2 + len(runoff.rounds) - out_in[option.id], (
                    f"Out in round {out_in[option.id]}")
            else:
                place, state = 1, ""
            rows.append((place, -votes, option.label, votes, state))
        return [(label, votes, state) for _, _, label, votes, state in sorted(rows)]


def decode(kind: str, text: str) -> Any:
    """A stored ballot: [option ids], {option id: score} or a proposal position."""
    value = json.loads(text)
    if kind == PollKind.score and isinstance(value, dict):
        return {int(key): int(score) for key, score in value.items()}
    return value


def _encode(value: Any) -> str:
    if isinstance(value, dict):
        value = {str(key): score for key, score in value.items()}
    return json.dumps(value, separators=(",", ":"))


def _results(poll: Poll, options: Sequence[PollOption], ballots: Sequence[Ballot]) -> Results:
    ids = [option.id for option in options if option.id is not None]
    decoded = [decode(poll.kind, ballot.choices) for ballot in ballots]
    empty = Results(counts={}, runoff=None, scores={}, positions={}, block_reasons=())
    if poll.kind in (PollKind.single, PollKind.multiple):
        lists = [d for d in decoded if isinstance(d, list)]
        return replace(empty, counts=counting.count_choices(ids, lists))
    if poll.kind == PollKind.ranked:
        runoff = counting.instant_runoff(ids, [d for d in decoded if isinstance(d, list)])
        return replace(empty, runoff=runoff, counts=runoff.rounds[0].counts)
    if poll.kind == PollKind.score:
        scores = counting.score_summary(ids, [d for d in decoded if isinstance(d, dict)])
        return replace(empty, scores=scores)
    positions = [d for d in decoded if isinstance(d, str)]
    reasons = tuple(ballot.reason for ballot, position in zip(ballots, decoded, strict=True)
                    if position == "block" and ballot.reason)
    return replace(empty, positions=counting.proposal_counts(positions), block_reasons=reasons)


def _options(session: Session, poll_ids: Collection[int]) -> dict[int, list[PollOption]]:
    found: dict[int, list[PollOption]] = {poll_id: [] for poll_id in poll_ids}
    if poll_ids:
        for option in session.exec(select(PollOption)
                                   .where(col(PollOption.poll_id).in_(list(poll_ids)))
                                   .order_by(col(PollOption.position), col(PollOption.id))):
            found[option.poll_id].append(option)
    return found


def _ballots(session: Session, poll_ids: Collection[int]) -> dict[int, list[Ballot]]:
    found: dict[int, list[Ballot]] = {poll_id: [] for poll_id in poll_ids}
    if poll_ids:
        for ballot in session.exec(select(Ballot).where(col(Ballot.poll_id).in_(list(poll_ids)))
                                   .order_by(col(Ballot.id))):
            found[ballot.poll_id].append(ballot)
    return found


def _tallies(session: Session, polls: Sequence[Poll]) -> list[Tally]:
    ids = [poll.id for poll in polls if poll.id is not None]
    options, ballots = _options(session, ids), _ballots(session, ids)
    result = []
    for poll in polls:
        assert poll.id is not None
        mine = ballots[poll.id]
        result.append(Tally(poll=poll, options=options[poll.id], ballots=len(mine),
                            results=_results(poll, options[poll.id], mine),
                            voters=frozenset(ballot.user_id for ballot in mine)))
    return result


def tallies(session: Session, *, campaign_id: int, poll_ids: Collection[int] | None,
            ) -> list[Tally]:
    """Fresh counts for the campaign's polls (every one that is not a draft when poll_ids is
    None). For the server's own broadcasts: no viewer, so drafts are never counted here."""
    query = select(Poll).where(Poll.campaign_id == campaign_id, Poll.status != PollStatus.draft)
    if poll_ids is not None:
        if not poll_ids:
            return []
        query = query.where(col(Poll.id).in_(list(poll_ids)))
    return _tallies(session, list(session.exec(query.order_by(col(Poll.id)))))


def can_see_results(tally_or_poll: Tally | Poll, *, voted: bool, runs: bool) -> bool:
    poll = tally_or_poll.poll if isinstance(tally_or_poll, Tally) else tally_or_poll
    return (is_public(poll) or runs
            or (poll.visibility == Visibility.after_vote and voted))


def _round_json(tally: Tally, round_: counting.Round) -> dict[str, Any]:
    return {"counts": [{"option_id": option_id, "label": tally.label(option_id),
                        "votes": votes} for option_id, votes in round_.counts.items()],
            "exhausted": round_.exhausted, "eliminated": list(round_.eliminated)}


def results_json(tally: Tally, *, full: bool) -> dict[str, Any]:
    """The results as JSON; with full=False only how many have voted. Never who voted."""
    assert tally.poll.id is not None
    found: dict[str, Any] = {"poll_id": tally.poll.id, "ballots": tally.ballots,
                             "status": tally.status, "results_visible": full}
    if not full:
        return found
    kind, results = tally.poll.kind, tally.results
    found["kind"] = kind
    if kind in (PollKind.single, PollKind.multiple, PollKind.ranked):
        found["counts"] = [{"option_id": option.id, "label": option.label,
                            "votes": results.counts.get(option.id or 0, 0)}
                           for option in tally.options]
    if kind == PollKind.ranked and results.runoff is not None:
        found["rounds"] = [_round_json(tally, r) for r in results.runoff.rounds]
        found["winner"] = results.runoff.winner
        found["tied"] = list(results.runoff.tied)
    if kind == PollKind.score:
        found["scores"] = [
            {"option_id": option.id, "label": option.label, "count": s.count,
             "average": s.average, "spread": s.spread, "lowest": s.lowest,
             "highest": s.highest, "distribution": list(s.distribution)}
            for option in tally.options
            for s in [results.scores[option.id or 0]]]
    if kind == PollKind.proposal:
        found["positions"] = dict(results.positions)
        found["block_reasons"] = list(results.block_reasons)
    return found


# ---------------------------------------------------------------- reading, for one viewer


@dataclass(frozen=True)
class MyBallot:
    choices: Any  # decoded: [option ids], {option id: score} or a position
    reason: str
    changed_at: datetime


@dataclass(frozen=True)
class PollCard:
    """One poll as one viewer sees it on a page."""

    tally: Tally
    mine: MyBallot | None
    may_vote: bool
    why_not: str  # why this viewer cannot vote, in plain words; "" when they may
    sees_results: bool
    op_id: str  # a fresh client operation id for the ballot form

    @property
    def data(self) -> dict[str, Any]:
        return self.tally.data

    @property
    def poll(self) -> Poll:
        return self.tally.poll

    @property
    def mine_words(self) -> list[str]:
        if self.mine is None:
            return []
        return describe(self.tally.poll.kind, self.tally.options, self.mine.choices,
                        self.mine.reason)

    @property
    def typed(self) -> dict[str, Any]:
        """The viewer's saved vote as the ballot form's values."""
        if self.mine is None:
            return {}
        return form_values(self.tally.poll.kind, self.mine.choices, self.mine.reason)


@dataclass(frozen=True)
class PollsSection:
    campaign_id: int
    polls: list[PollCard]
    runs: bool  # a lead, facilitator or staff: sees drafts and every result
    manages: bool  # a lead or facilitator of a campaign that is not archived: runs polls
    can_create: bool  # manages, and the campaign has not ended


def describe(kind: str, options: Sequence[PollOption], choices: Any, reason: str = "",
             ) -> list[str]:
    """A ballot in words, one line each."""
    labels = {option.id: option.label for option in options}
    if kind == PollKind.proposal:
        words = [POSITION_LABELS.get(str(choices), str(choices))]
        return words + ([f"Reason: {reason}"] if reason else [])
    if kind == PollKind.score and isinstance(choices, dict):
        return [f"{option.label}: {choices[option.id]} out of 5" if option.id in choices
                else f"{option.label}: not scored" for option in options]
    if kind == PollKind.ranked and isinstance(choices, list):
        return [f"{n}. {labels.get(choice, '')}" for n, choice in enumerate(choices, start=1)]
    return [labels.get(choice, "") for choice in choices] if isinstance(choices, list) else []


def form_values(kind: str, choices: Any, reason: str = "") -> dict[str, Any]:
    """A ballot as the values of its form's fields."""
    if kind == PollKind.proposal:
        return {"position": str(choices), "reason": reason}
    if kind == PollKind.score and isinstance(choices, dict):
        return {f"score_{option}": str(score) for option, score in choices.items()}
    if kind == PollKind.ranked and isinstance(choices, list):
        return {f"rank_{option}": str(n) for n, option in enumerate(choices, start=1)}
    return {"choice": [str(choice) for choice in choices] if isinstance(choices, list) else []}


def _runs(actor: Viewer, role: CampaignRole | None) -> bool:
    return role in RUNNERS or actor.is_staff


def _suspended(session: Session, actor: Viewer) -> bool:
    user = session.get(User, actor.user_id)
    return user is None or user.suspended_at is not None


def _vote_refusal(actor: Viewer, campaign: Campaign, role: CampaignRole | None, poll: Poll,
                  *, suspended: bool) -> str:
    """Why this person cannot vote in this poll now, or "" when they can."""
    if suspended:
        return ("Your account is suspended, so you cannot make changes. "
                "Talk to a youth worker.")
    if role not in VOTERS:
        return VOTERS_ONLY if actor.is_staff or role is not None else NOT_IN
    if not actor.can_post:
        return ("A youth worker needs to record a parent's or carer's agreement before you "
                "can vote.")
    if campaign.archived_at is not None:
        return "This campaign is archived: it can be read but not changed."
    if campaign.status in ENDED:
        return "This campaign has ended, so its polls take no more votes."
    if poll.status == PollStatus.draft:
        return DRAFT
    if is_closed(poll):
        return CLOSED
    return ""


def _cards(session: Session, actor: Viewer, campaign: Campaign, role: CampaignRole | None,
           polls: Sequence[Poll]) -> list[PollCard]:
    runs = _runs(actor, role)
    suspended = _suspended(session, actor)
    ids = [poll.id for poll in polls if poll.id is not None]
    mine = {} if not ids else {b.poll_id: b for b in session.exec(
        select(Ballot).where(col(Ballot.poll_id).in_(ids), Ballot.user_id == actor.user_id))}
    cards = []
    for tally in _tallies(session, polls):
        ballot = mine.get(tally.poll.id or 0)
        my = (MyBallot(decode(tally.poll.kind, ballot.choices), ballot.reason,
                       ballot.changed_at) if ballot else None)
        why_not = _vote_refusal(actor, campaign, role, tally.poll, suspended=suspended)
        cards.append(PollCard(
            tally=tally, mine=my, may_vote=not why_not, why_not=why_not,
            sees_results=can_see_results(tally, voted=my is not None, runs=runs),
            op_id=secrets.token_urlsafe(12)))
    return cards


def for_page(session: Session, *, actor: Viewer, campaign_id: int) -> PollsSection:
    """The polls the viewer may see (drafts only for runners), newest first."""
    campaign, membership = service._load(session, actor, campaign_id)
    role = service._active_role(membership)
    query = select(Poll).where(Poll.campaign_id == campaign_id)
    if not _runs(actor, role):
        query = query.where(Poll.status != PollStatus.draft)
    polls = list(session.exec(query.order_by(col(Poll.id).desc())))
    manages = role in RUNNERS and campaign.archived_at is None
    return PollsSection(campaign_id=campaign_id,
                        polls=_cards(session, actor, campaign, role, polls),
                        runs=_runs(actor, role), manages=manages,
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
        raise NotFound(POLL_MISSING)
    try:
        campaign, membership = service._load(session, actor, poll.campaign_id)
    except NotFound:
        raise NotFound(POLL_MISSING) from None
    if poll.status == PollStatus.draft and not _runs(actor, service._active_role(membership)):
        raise NotFound(POLL_MISSING)
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
        votes = [NamedVote(name, describe(poll.kind, card.tally.options,
                                          decode(poll.kind, ballot.choices), ballot.reason))
                 for ballot, name in rows]
    return PollPage(campaign=campaign, card=card, votes=votes,
                    manages=role in RUNNERS and campaign.archived_at is None)


def check_can_create(session: Session, *, actor: Viewer, campaign_id: int) -> Campaign:
    """Whether the viewer may create a poll here (for showing the form); raises when not."""
    campaign, _ = _manageable(session, actor, campaign_id, creating=True)
    return campaign


# ---------------------------------------------------------------- running polls


def _manageable(session: Session, actor: Viewer, campaign_id: int, *, creating: bool = False,
                ) -> tuple[Campaign, CampaignMember]:
    campaign, membership = service._writable(session, actor, campaign_id)
    runner = service._require_role(membership, set(RUNNERS), RUNNERS_ONLY)
    if creating:
        service._require_open(campaign)
        service._require_can_post(actor, "create a poll")
    return campaign, runner


def _audit(session: Session, actor: Viewer | None, campaign: Campaign, poll: Poll,
           action: str) -> None:
    audit.record(session, org_id=campaign.org_id, actor_id=actor.user_id if actor else None,
                 action=action, campaign_id=campaign.id,
                 reason=f"Poll {poll.id}: {poll.question}")


def _announce(session: Session, poll: Poll, kind: str) -> None:
    assert poll.id is not None
    events.emit(session, poll.campaign_id, kind,
                {"poll": poll_data(poll, _options(session, [poll.id])[poll.id])})


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
        problem = team.text_problem(label, label=f"option {number}", limit=OPTION_MAX,
                                    required=True)
        if problem:
            errors["options"] = problem
            return labels
        if label.casefold() in seen:
            errors["options"] = (f"“{label}” is in the list twice (options {seen[label.casefold()]}"
                                 f" and {number}). Each option must be different.")
            return labels
        seen[label.casefold()] = number
    if len(labels) < OPTIONS_MIN:
        errors["options"] = "Give at least 2 options, one per line."
    elif len(labels) > OPTIONS_MAX:
        errors["options"] = f"A poll can have up to {OPTIONS_MAX} options (this has {len(labels)})."
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
        return None, "Give the closing time as a date and a time, like 2027-06-30 18:00."
    moment = _aware(moment).astimezone(UTC)
    if moment <= now:
        return None, "Choose a closing time in the future, or leave it empty to close by hand."
    return moment, ""


def _parse_poll(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    errors: dict[str, str] = {}
    try:
        kind: PollKind | None = PollKind(str(data.get("kind", "")))
    except ValueError:
        kind = None
        errors["kind"] = "Choose what kind of poll it is."
    question = _text(data, "question", label="the question", limit=QUESTION_MAX,
                     required=True, errors=errors)
    description = _text(data, "description", label="the description", limit=DESCRIPTION_MAX,
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
                errors["max_choices"] = (f"Choose how many options each person may pick: a "
                                         f"whole number from 1 to {len(labels)}.")
    anonymous = _flag(data.get("anonymous"), True)
    if anonymous is None:
        errors["anonymous"] = "Choose whether votes are anonymous or named."
    try:
        visibility = Visibility(str(data.get("visibility") or Visibility.live))
    except ValueError:
        visibility = Visibility.live
        errors["visibility"] = "Choose when people see the results."
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
    campaign, _ = _manageable(session, actor, campaign_id, creating=True)
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
    poll, campaign, _ = _load_poll(session, actor, poll_id, lock="update")
    _manageable(session, actor, campaign.id or 0)
    return poll, campaign


def open_poll(session: Session, *, actor: Viewer, poll_id: int) -> Poll:
    """A draft opens for votes. Opening an open poll changes nothing."""
    poll, campaign = _runner_poll(session, actor, poll_id)
    service._require_open(campaign)
    if poll.status == PollStatus.open and not is_closed(poll):
        return poll
    if poll.status != PollStatus.draft:
        raise NotAllowed("This poll has closed, and a closed poll cannot be opened again. "
                         "Make a new poll instead.")
    if poll.closes_at is not None and _aware(poll.closes_at) <= clock.now():
        raise NotAllowed("This draft's closing time has passed. Make a new poll with a later "
                         "closing time, or none.")
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
        raise NotAllowed("This poll is a draft: it has not opened, so there is nothing to "
                         "close.")
    if poll.status != PollStatus.closed:
        _close(session, actor, campaign, poll)
    return poll


def set_revealed(session: Session, *, actor: Viewer, poll_id: int, revealed: bool) -> Poll:
    """Show the results to everyone now, or go back to the poll's visibility setting."""
    poll, campaign = _runner_poll(session, actor, poll_id)
    if poll.status == PollStatus.draft:
        raise NotAllowed("Open the poll before showing its results.")
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


# ---------------------------------------------------------------- ballots


@dataclass(frozen=True)
class Saved:
    """What a ballot submission saved (or, for a retry, what the first one saved)."""

    poll_id: int
    campaign_id: int
    choices: Any
    reason: str
    client_op_id: str
    saved_at: datetime
    replayed: bool


def _option_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _option_ids(poll: Poll, choices: Any, known: list[int]) -> list[int]:
    kind = PollKind(poll.kind)
    raw = choices if isinstance(choices, list) else [] if choices in (None, "") else [choices]
    ids = [_option_id(item) for item in raw]
    if any(option is None or option not in known for option in ids):
        raise InvalidInput({"choices": "Choose from the poll's options."})
    picked = [option for option in ids if option is not None]
    if len(set(picked)) != len(picked):
        raise InvalidInput({"choices": "Choose each option only once."})
    if kind == PollKind.single and len(picked) != 1:
        raise InvalidInput({"choices": "Choose one option." if not picked
                            else "Choose only one option."})
    if kind == PollKind.multiple and not 1 <= len(picked) <= poll.max_choices:
        raise InvalidInput({"choices": "Choose at least one option." if not picked else
                            f"Choose up to {poll.max_choices} options "
                            f"(you chose {len(picked)})."})
    if kind == PollKind.ranked and not picked:
        raise InvalidInput({"choices": "Put at least one option in order: 1 for your "
                                       "favourite."})
    return picked


def _scores(choices: Any, options: Sequence[PollOption]) -> dict[int, int]:
    if not isinstance(choices, dict):
        raise InvalidInput({"choices": "Give every option a score from 0 to 5."})
    labels = {option.id: option.label for option in options}
    scores: dict[int, int] = {}
    for key, value in choices.items():
        option = _option_id(key)
        if option is None or option not in labels:
            raise InvalidInput({"choices": "Score the poll's options only."})
        score = _option_id(value)
        if score is None or not counting.SCORE_MIN <= score <= counting.SCORE_MAX:
            raise InvalidInput({"choices": f"Give “{labels[option]}” a whole number score "
                                           "from 0 to 5."})
        scores[option] = score
    missing = [labels[o.id] for o in options if o.id not in scores]
    if missing:
        raise InvalidInput({"choices": "Give every option a score from 0 to 5. Not scored "
                                       "yet: " + ", ".join(missing) + "."})
    return {option.id: scores[option.id] for option in options if option.id is not None}


def _parse_ballot(poll: Poll, options: Sequence[PollOption], choices: Any,
                  reason: Any) -> tuple[Any, str]:
    kind = PollKind(poll.kind)
    if kind == PollKind.proposal:
        if choices not in counting.PROPOSAL_POSITIONS:
            raise InvalidInput({"choices": "Choose agree, abstain, disagree or block."})
        words = team.clean_text(reason, multiline=True)
        problem = team.text_problem(words, label="your reason", limit=REASON_MAX,
                                    required=False, multiline=True)
        if problem:
            raise InvalidInput({"reason": problem})
        return choices, words
    if kind == PollKind.score:
        return _scores(choices, options), ""
    return _option_ids(poll, choices, [o.id for o in options if o.id is not None]), ""


def _replay(receipt: BallotReceipt, poll: Poll) -> Saved:
    if receipt.poll_id != poll.id:
        raise InvalidInput({"client_op_id": "That client_op_id was already used for a vote in "
                                            "another poll. Send a new one for each vote."})
    return Saved(poll_id=receipt.poll_id, campaign_id=poll.campaign_id,
                 choices=decode(poll.kind, receipt.choices),
                 reason=receipt.reason, client_op_id=receipt.client_op_id,
                 saved_at=receipt.saved_at, replayed=True)


def _receipt(session: Session, user_id: int, op_id: str) -> BallotReceipt | None:
    return session.exec(select(BallotReceipt).where(BallotReceipt.user_id == user_id,
                                                    BallotReceipt.client_op_id == op_id)).first()


def _my_ballot(session: Session, poll_id: int, user_id: int) -> Ballot | None:
    return session.exec(select(Ballot).where(Ballot.poll_id == poll_id,
                                             Ballot.user_id == user_id)).first()


def cast_ballot(session: Session, *, actor: Viewer, poll_id: int, choices: Any,
                client_op_id: Any, reason: Any = "") -> Saved:
    """Save the viewer's vote, or change it. A retry with the same client_op_id gets the
    first answer back and changes nothing, even after a newer vote or after the poll closed.

    `choices`: [option ids] for single (one), multiple (up to max_choices) and ranked (in
    order, best first); {option id: 0..5} for score, every option; a position for a
    proposal ("agree", "abstain", "disagree", "block"), with an optional `reason`."""
    if _suspended(session, actor):
        raise NotAllowed("Your account is suspended, so you cannot make changes. "
                         "Talk to a youth worker.")
    # Only shared locks: ballots from one room must not queue behind each other.
    poll, campaign, membership = _load_poll(session, actor, poll_id, lock="share")
    op_id = client_op_id.strip() if isinstance(client_op_id, str) else ""
    if not OP_ID.fullmatch(op_id):
        raise InvalidInput({"client_op_id": BAD_OP_ID})
    earlier = _receipt(session, actor.user_id, op_id)
    if earlier is not None:
        return _replay(earlier, poll)
    refusal = _vote_refusal(actor, campaign, service._active_role(membership), poll,
                            suspended=False)
    if refusal:
        raise NotAllowed(refusal)
    assert poll.id is not None
    value, words = _parse_ballot(poll, _options(session, [poll.id])[poll.id], choices, reason)
    now = clock.now()
    receipt = BallotReceipt(user_id=actor.user_id, client_op_id=op_id, poll_id=poll.id,
                            choices=_encode(value), reason=words, saved_at=now)
    try:
        with session.begin_nested():
            session.add(receipt)
    except IntegrityError:
        # The same submission, sent twice at once: the other one got there first.
        found = _receipt(session, actor.user_id, op_id)
        assert found is not None
        return _replay(found, poll)
    _save_ballot(session, poll.id, actor.user_id, receipt.choices, words, now)
    events.emit(session, poll.campaign_id, events.BALLOT_CAST, {"poll_id": poll.id})
    return Saved(poll_id=poll.id, campaign_id=poll.campaign_id, choices=value, reason=words,
                 client_op_id=op_id,
                 saved_at=now, replayed=False)


def _save_ballot(session: Session, poll_id: int, user_id: int, choices: str, reason: str,
                 now: datetime) -> None:
    ballot = _my_ballot(session, poll_id, user_id)
    if ballot is None:
        ballot = Ballot(poll_id=poll_id, user_id=user_id, choices=choices, reason=reason,
                        cast_at=now, changed_at=now)
        try:
            with session.begin_nested():
                session.add(ballot)
            return
        except IntegrityError:
            # Their first vote from another device, a moment ago: this one replaces it.
            found = _my_ballot(session, poll_id, user_id)
            assert found is not None
            ballot = found
    ballot.choices = choices
    ballot.reason = reason
    ballot.changed_at = now
    session.add(ballot)
