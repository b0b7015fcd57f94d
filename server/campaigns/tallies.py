"""The exact counts shown for polls, and who may see them.

Counts are never stored: every tally is counted from the ballots by `counting`. Results are
seen by everyone once the poll's visibility allows (live, revealed early, or closed), by those
who have voted when they show after a vote, and always by runners and staff.
"""

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from server import clock
from server.campaigns import counting
from server.campaigns.models import Ballot, Poll, PollKind, PollOption, PollStatus, Visibility
from server.i18n import N_, _

POSITION_LABELS = {"agree": N_("Agree"), "abstain": N_("Abstain"), "disagree": N_("Disagree"),
                   "block": N_("Block")}


# ---------------------------------------------------------------- the state of a poll


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Closing(Protocol):
    """What says whether a poll is closed (a Poll, or a ballot's lighter view of one)."""

    @property
    def status(self) -> str: ...

    @property
    def closes_at(self) -> datetime | None: ...


def is_closed(poll: Closing, now: datetime | None = None) -> bool:
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

    def label(self, option_id: int) -> str:
        return next((o.label for o in self.options if o.id == option_id), "")

    def percent(self, count: int) -> int:
        """A count as a whole-number share of the ballots."""
        return round(100 * count / self.ballots) if self.ballots else 0

    @property
    def ranked_order(self) -> list[tuple[str, int, str]]:
        """Ranked polls, best first: each option's label, its votes in the last round it was
        counted in, and what happened to it (in the language of the page being drawn)."""
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
                place, state = 0, _("Winner")
            elif option.id in runoff.tied:
                place, state = 1, _("Tied")
            elif option.id in out_in:
                place, state = 2 + len(runoff.rounds) - out_in[option.id], (
                    _("Out in round %(number)d") % {"number": out_in[option.id]})
            else:
                place, state = 1, ""
            rows.append((place, -votes, option.label, votes, state))
        return [(label, votes, state) for _place, _votes, label, votes, state in sorted(rows)]


def decode(kind: str, text: str) -> Any:
    """A stored ballot: [option ids], {option id: score} or a proposal position."""
    value = json.loads(text)
    if kind == PollKind.score and isinstance(value, dict):
        return {int(key): int(score) for key, score in value.items()}
    return value


class BallotRow(NamedTuple):
    """What a tally reads of a ballot: plain values, not an ORM object (nothing is changed)."""

    poll_id: int
    user_id: int
    choices: str
    reason: str


def _results(poll: Poll, options: Sequence[PollOption], ballots: Sequence[BallotRow]) -> Results:
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


# Built once, with the polls' ids as a parameter: building a statement costs more than
# running it.
_OPTIONS = (select(PollOption)
            .where(col(PollOption.poll_id).in_(bindparam("poll_ids", expanding=True)))
            .order_by(col(PollOption.position), col(PollOption.id)))
_BALLOTS = (select(Ballot.poll_id, Ballot.user_id, Ballot.choices, Ballot.reason)
            .where(col(Ballot.poll_id).in_(bindparam("poll_ids", expanding=True)))
            .order_by(col(Ballot.id)))


def _options(session: Session, poll_ids: Collection[int]) -> dict[int, list[PollOption]]:
    found: dict[int, list[PollOption]] = {poll_id: [] for poll_id in poll_ids}
    if poll_ids:
        for option in session.exec(_OPTIONS, params={"poll_ids": list(poll_ids)}):
            found[option.poll_id].append(option)
    return found


def _ballots(session: Session, poll_ids: Collection[int]) -> dict[int, list[BallotRow]]:
    """Plain rows, not ORM objects: a tally changes nothing."""
    found: dict[int, list[BallotRow]] = {poll_id: [] for poll_id in poll_ids}
    if poll_ids:
        for row in session.exec(_BALLOTS, params={"poll_ids": list(poll_ids)}):
            ballot = BallotRow(*row)
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


# ---------------------------------------------------------------- one ballot, shown back


def describe(kind: str, options: Sequence[PollOption], choices: Any, reason: str = "",
             ) -> list[str]:
    """A ballot in words, one line each."""
    labels = {option.id: option.label for option in options}
    if kind == PollKind.proposal:
        position = str(choices)
        words = [_(POSITION_LABELS[position]) if position in POSITION_LABELS else position]
        return words + ([_("Reason: %(reason)s") % {"reason": reason}] if reason else [])
    if kind == PollKind.score and isinstance(choices, dict):
        return [_("%(option)s: %(score)s out of 5") % {"option": option.label,
                                                       "score": choices[option.id]}
                if option.id in choices
                else _("%(option)s: not scored") % {"option": option.label}
                for option in options]
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
