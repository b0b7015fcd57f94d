"""Exact counting of poll ballots.

Pure functions only: they take option ids and ballots and return plain results, with no
database and no I/O, so the same count can be shown, checked and tested anywhere. Every
result lists options in the order of `option_ids`, so the same ballots always give the same
answer.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean, pstdev

PROPOSAL_POSITIONS = ("agree", "abstain", "disagree", "block")
SCORE_MIN, SCORE_MAX = 0, 5


def _known(known: set[int], ballot: Iterable[int]) -> tuple[int, ...]:
    """The ballot's choices that are real options, first mention only, in ballot order."""
    return tuple(dict.fromkeys(choice for choice in ballot if choice in known))


def count_choices(option_ids: Sequence[int], ballots: Iterable[Sequence[int]]) -> dict[int, int]:
    """For single and multiple polls: how many ballots chose each option (every option present,
    0 if none). Choices not in option_ids are ignored; a ballot naming an option twice counts
    it once."""
    counts = dict.fromkeys(option_ids, 0)
    known = set(counts)
    for ballot in ballots:
        for choice in _known(known, ballot):
            counts[choice] += 1
    return counts


@dataclass(frozen=True)
class Round:
    """One round of an instant-runoff count."""

    counts: dict[int, int]  # votes for each continuing option in this round
    exhausted: int  # ballots with no continuing option left in this round
    eliminated: tuple[int, ...]  # options knocked out at the end of this round


@dataclass(frozen=True)
class Runoff:
    """The whole instant-runoff count: every round, then the winner or the tie."""

    rounds: tuple[Round, ...]
    winner: int | None  # None when there are no ballots, or when it ends in a tie
    tied: tuple[int, ...]  # the options still level when there is no single winner, else ()


def _count_round(continuing: Sequence[int], rankings: Sequence[tuple[int, ...]],
                 ) -> tuple[dict[int, int], int]:
    """Each ballot's vote for its highest-ranked continuing option, and how many had none."""
    still_in = set(continuing)
    counts = dict.fromkeys(continuing, 0)
    exhausted = 0
    for ranking in rankings:
        choice = next((option for option in ranking if option in still_in), None)
        if choice is None:
            exhausted += 1
        else:
            counts[choice] += 1
    return counts, exhausted


def instant_runoff(option_ids: Sequence[int], rankings: Iterable[Sequence[int]]) -> Runoff:
    """Count ranked ballots round by round until one option has more than half of the
    ballots still in play. Each round the option(s) with the fewest votes go out together;
    if that would remove every option left, the count ends in a tie between them."""
    continuing = list(dict.fromkeys(option_ids))
    known = set(continuing)
    ballots = [_known(known, ranking) for ranking in rankings]
    rounds: list[Round] = []
    while True:
        counts, exhausted = _count_round(continuing, ballots)
        in_play = len(ballots) - exhausted
        if in_play == 0:
            rounds.append(Round(counts, exhausted, ()))
            return Runoff(tuple(rounds), winner=None, tied=())
        leader = next((option for option in continuing if 2 * counts[option] > in_play), None)
        if leader is not None:
            rounds.append(Round(counts, exhausted, ()))
            return Runoff(tuple(rounds), winner=leader, tied=())
        fewest = min(counts.values())
        lowest = tuple(option for option in continuing if counts[option] == fewest)
        if len(lowest) == len(continuing):
            rounds.append(Round(counts, exhausted, ()))
            return Runoff(tuple(rounds), winner=None, tied=lowest)
        rounds.append(Round(counts, exhausted, lowest))
        continuing = [option for option in continuing if option not in lowest]


@dataclass(frozen=True)
class ScoreSummary:
    """What the scores given to one option add up to."""

    count: int  # how many ballots scored this option
    average: float | None  # mean score, None when count == 0
    spread: float | None  # population standard deviation, None when count == 0
    lowest: int | None
    highest: int | None
    distribution: tuple[int, ...]  # how many gave 0, 1, 2, 3, 4, 5 (length 6)


def _summarise(scores: Sequence[int]) -> ScoreSummary:
    """The summary of one option's valid scores."""
    distribution = tuple(scores.count(score) for score in range(SCORE_MIN, SCORE_MAX + 1))
    if not scores:
        return ScoreSummary(0, None, None, None, None, distribution)
    return ScoreSummary(
        count=len(scores),
        average=fmean(scores),
        spread=pstdev(scores),
        lowest=min(scores),
        highest=max(scores),
        distribution=distribution,
    )


def score_summary(option_ids: Sequence[int], ballots: Iterable[Mapping[int, int]],
                  ) -> dict[int, ScoreSummary]:
    """For score polls: how many scored each option, the mean, spread,
    lowest, highest and how many gave each score.
    Scores outside 0..5 and unknown options are ignored."""
    scores: dict[int, list[int]] = {option: [] for option in option_ids}
    for ballot in ballots:
        for option, score in ballot.items():
            if option in scores and SCORE_MIN <= score <= SCORE_MAX:
                scores[option].append(score)
    return {option: _summarise(given) for option, given in scores.items()}


def proposal_counts(positions: Iterable[str]) -> dict[str, int]:
    """agree/abstain/disagree/block → count, all four keys present, in PROPOSAL_POSITIONS
    order; unknown ignored."""
    counts = dict.fromkeys(PROPOSAL_POSITIONS, 0)
    for position in positions:
        if position in counts:
            counts[position] += 1
    return counts
