"""Exact ballot counting: worked examples, then properties that hold for any ballots."""

import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.campaigns.counting import (
    PROPOSAL_POSITIONS,
    Round,
    Runoff,
    ScoreSummary,
    count_choices,
    instant_runoff,
    proposal_counts,
    score_summary,
)

# Small strategies keep the properties fast: up to 6 options, 40 ballots, a few unknown ids.
option_lists = st.lists(st.integers(1, 8), unique=True, max_size=6)
choice_lists = st.lists(st.integers(0, 9), max_size=8)
ballot_lists = st.lists(choice_lists, max_size=40)
score_ballots = st.lists(
    st.dictionaries(st.integers(0, 9), st.integers(-2, 7), max_size=6), max_size=40,
)


def first_known(option_ids, ranking):
    """The highest-ranked real option on a ballot, or None."""
    return next((choice for choice in ranking if choice in option_ids), None)


# count_choices


def test_count_choices_counts_each_ballot_once_per_option():
    ballots = [[1], [1, 2], [2, 2, 2], [9], [], [3, 1, 3]]
    assert count_choices([1, 2, 3, 4], ballots) == {1: 3, 2: 2, 3: 1, 4: 0}


def test_count_choices_lists_options_in_given_order():
    assert list(count_choices([3, 1, 2], [[1]])) == [3, 1, 2]


def test_count_choices_with_no_ballots_gives_zeros():
    assert count_choices([1, 2], []) == {1: 0, 2: 0}


@given(option_lists, ballot_lists)
def test_count_choices_matches_a_brute_force_count(option_ids, ballots):
    counts = count_choices(option_ids, ballots)
    assert list(counts) == option_ids
    for option in option_ids:
        assert counts[option] == sum(1 for ballot in ballots if option in ballot)
    assert sum(counts.values()) == sum(len(set(ballot) & set(option_ids)) for ballot in ballots)


# instant_runoff


def test_first_round_leader_can_lose_over_three_rounds():
    ballots = [[1]] * 8 + [[2, 3]] * 7 + [[3, 2]] * 4 + [[4, 3, 2]] * 2
    assert instant_runoff([1, 2, 3, 4], ballots) == Runoff(
        rounds=(
            Round({1: 8, 2: 7, 3: 4, 4: 2}, exhausted=0, eliminated=(4,)),
            Round({1: 8, 2: 7, 3: 6}, exhausted=0, eliminated=(3,)),
            Round({1: 8, 2: 13}, exhausted=0, eliminated=()),
        ),
        winner=2,
        tied=(),
    )


def test_options_tied_for_fewest_go_out_together():
    ballots = [[1]] * 5 + [[2, 1]] * 4 + [[3, 2]] * 2 + [[4, 2]] * 2
    result = instant_runoff([1, 2, 3, 4], ballots)
    assert result.rounds == (
        Round({1: 5, 2: 4, 3: 2, 4: 2}, exhausted=0, eliminated=(3, 4)),
        Round({1: 5, 2: 8}, exhausted=0, eliminated=()),
    )
    assert result.winner == 2


def test_options_with_no_first_preferences_go_out_in_round_one():
    ballots = [[1]] * 3 + [[2]] * 2 + [[3, 2]] * 2
    result = instant_runoff([1, 2, 3, 4], ballots)
    assert result.rounds == (
        Round({1: 3, 2: 2, 3: 2, 4: 0}, exhausted=0, eliminated=(4,)),
        Round({1: 3, 2: 2, 3: 2}, exhausted=0, eliminated=(2, 3)),
        Round({1: 3}, exhausted=4, eliminated=()),
    )
    assert result.winner == 1


def test_exhausted_ballots_leave_the_majority_needed():
    ballots = [[1]] * 4 + [[2]] * 3 + [[3]] * 2
    result = instant_runoff([1, 2, 3], ballots)
    assert result.rounds == (
        Round({1: 4, 2: 3, 3: 2}, exhausted=0, eliminated=(3,)),
        Round({1: 4, 2: 3}, exhausted=2, eliminated=()),
    )
    assert result.winner == 1  # 4 of the 7 ballots still in play


def test_a_final_tie_has_no_winner():
    ballots = [[1]] * 3 + [[2]] * 3 + [[3]] * 2
    result = instant_runoff([1, 2, 3], ballots)
    assert result.rounds[-1] == Round({1: 3, 2: 3}, exhausted=2, eliminated=())
    assert result.winner is None
    assert result.tied == (1, 2)


def test_tied_options_follow_option_order():
    result = instant_runoff([2, 1], [[1], [2]])
    assert result == Runoff(rounds=(Round({2: 1, 1: 1}, 0, ()),), winner=None, tied=(2, 1))


def test_no_ballots_gives_one_empty_round():
    assert instant_runoff([1, 2, 3], []) == Runoff(
        rounds=(Round({1: 0, 2: 0, 3: 0}, exhausted=0, eliminated=()),), winner=None, tied=(),
    )


def test_ballots_naming_no_real_option_count_as_no_ballots():
    result = instant_runoff([1, 2], [[], [7, 8]])
    assert result == Runoff(rounds=(Round({1: 0, 2: 0}, 2, ()),), winner=None, tied=())


def test_unknown_ids_and_repeats_are_skipped():
    ballots = [[9, 1, 1, 2]] * 2 + [[2, 2, 1]] * 2 + [[3, 3, 9, 1]]
    result = instant_runoff([1, 2, 3], ballots)
    assert result.rounds[0].counts == {1: 2, 2: 2, 3: 1}
    assert result.winner == 1


def test_a_single_option_with_votes_wins():
    assert instant_runoff([5], [[5], [5, 5]]).winner == 5


def test_no_options_means_every_ballot_is_exhausted():
    result = instant_runoff([], [[1], [2]])
    assert result == Runoff(rounds=(Round({}, 2, ()),), winner=None, tied=())


@given(option_lists, ballot_lists)
def test_instant_runoff_invariants(option_ids, ballots):
    result = instant_runoff(option_ids, ballots)
    assert result.rounds
    assert list(result.rounds[0].counts) == option_ids
    gone: set[int] = set()
    for index, round_ in enumerate(result.rounds):
        assert sum(round_.counts.values()) + round_.exhausted == len(ballots)
        assert not gone & set(round_.counts)
        assert set(round_.eliminated) <= set(round_.counts)
        is_last = index == len(result.rounds) - 1
        assert bool(round_.eliminated) != is_last
        if not is_last:
            following = result.rounds[index + 1]
            assert list(following.counts) == [
                option for option in round_.counts if option not in round_.eliminated
            ]
        gone |= set(round_.eliminated)

    final = result.rounds[-1]
    in_play = len(ballots) - final.exhausted
    if result.winner is not None:
        assert result.winner in option_ids
        assert result.tied == ()
        assert 2 * final.counts[result.winner] > in_play or len(final.counts) == 1
    elif result.tied:
        assert result.tied == tuple(final.counts)
        assert len({final.counts[option] for option in result.tied}) == 1
    else:
        assert in_play == 0


@given(option_lists, ballot_lists)
def test_a_first_choice_majority_wins_in_round_one(option_ids, ballots):
    firsts = [first_known(option_ids, ballot) for ballot in ballots]
    result = instant_runoff(option_ids, ballots)
    for option in option_ids:
        if 2 * firsts.count(option) > len(ballots):
            assert result.winner == option
            assert len(result.rounds) == 1


@given(option_lists, ballot_lists, st.randoms(use_true_random=False))
def test_ballot_order_does_not_matter(option_ids, ballots, random):
    shuffled = list(ballots)
    random.shuffle(shuffled)
    assert instant_runoff(option_ids, shuffled) == instant_runoff(option_ids, ballots)


# score_summary


def test_score_summary_example():
    ballots = [{1: 5, 2: 0}, {1: 3}, {1: 4, 2: 9}, {1: -1, 3: 2}, {7: 5}]
    summary = score_summary([1, 2, 3, 4], ballots)
    assert list(summary) == [1, 2, 3, 4]
    assert summary[1] == ScoreSummary(
        count=3, average=4.0, spread=pytest.approx(statistics.pstdev([5, 3, 4])),
        lowest=3, highest=5, distribution=(0, 0, 0, 1, 1, 1),
    )
    assert summary[2] == ScoreSummary(1, 0.0, 0.0, 0, 0, (1, 0, 0, 0, 0, 0))
    assert summary[3] == ScoreSummary(1, 2.0, 0.0, 2, 2, (0, 0, 1, 0, 0, 0))
    assert summary[4] == ScoreSummary(0, None, None, None, None, (0, 0, 0, 0, 0, 0))


@given(option_lists, score_ballots)
def test_score_summary_matches_statistics(option_ids, ballots):
    summary = score_summary(option_ids, ballots)
    assert list(summary) == option_ids
    for option in option_ids:
        scores = [ballot[option] for ballot in ballots if 0 <= ballot.get(option, -1) <= 5]
        result = summary[option]
        assert result.count == len(scores)
        assert len(result.distribution) == 6
        assert sum(result.distribution) == result.count
        if scores:
            assert result.average == pytest.approx(statistics.fmean(scores))
            assert result.spread == pytest.approx(statistics.pstdev(scores))
            assert (result.lowest, result.highest) == (min(scores), max(scores))
        else:
            assert (result.average, result.spread, result.lowest, result.highest) == (
                None, None, None, None,
            )


# proposal_counts


def test_proposal_counts_example():
    positions = ["agree", "block", "agree", "maybe", "Agree", "abstain"]
    counts = proposal_counts(positions)
    assert counts == {"agree": 2, "abstain": 1, "disagree": 0, "block": 1}
    assert tuple(counts) == PROPOSAL_POSITIONS


def test_proposal_counts_with_nothing_gives_zeros():
    assert proposal_counts([]) == dict.fromkeys(PROPOSAL_POSITIONS, 0)


@given(st.lists(st.sampled_from([*PROPOSAL_POSITIONS, "maybe", ""]), max_size=40))
def test_proposal_counts_add_up(positions):
    counts = proposal_counts(positions)
    assert tuple(counts) == PROPOSAL_POSITIONS
    assert sum(counts.values()) == sum(1 for p in positions if p in PROPOSAL_POSITIONS)
