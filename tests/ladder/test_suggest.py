"""How a decision suggests a rung: the issue's two examples, each rule, and properties that hold
for every way a decision can be made."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.ladder.rungs import RUNGS, DecidedBy, Rung
from server.ladder.suggest import RULES_IN_SHORT, HowDecided, needs_reason, suggest

# Who decided, from the least say for young people to the most.
MORE_SAY = (DecidedBy.adults, DecidedBy.together, DecidedBy.young_people)

hows = st.builds(
    HowDecided,
    decided_by=st.sampled_from(DecidedBy),
    polls=st.integers(min_value=0, max_value=5),
    threads=st.integers(min_value=0, max_value=5),
    poll_bound_outcome=st.booleans(),
    poll_run_by_young_people=st.booleans(),
    suggestions_taken_up=st.booleans(),
    told_outcome=st.booleans(),
)


# The two examples in the issue ---------------------------------------------------------------


@pytest.mark.parametrize("who", list(DecidedBy))
def test_a_poll_young_people_ran_that_bound_the_outcome_suggests_full_control(who):
    found = suggest(HowDecided(decided_by=who, polls=1, poll_run_by_young_people=True,
                               poll_bound_outcome=True))
    assert found.rung == Rung.full_control
    assert "Young people ran a poll" in " ".join(found.reasons)


def test_adults_deciding_after_a_poll_suggests_consultation():
    found = suggest(HowDecided(decided_by=DecidedBy.adults, polls=1, told_outcome=True))
    assert found.rung == Rung.consultation
    assert found.reasons == [
        "Adults made the decision after asking young people what they think in a poll.",
        "The decision did not have to follow what young people said, so their influence was "
        "limited.",
    ]


# Each rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("how", "rung", "first_reason"), [
    (HowDecided(decided_by=DecidedBy.young_people), Rung.full_control,
     "Young people made the decision themselves."),
    (HowDecided(decided_by=DecidedBy.together, polls=2, threads=1), Rung.sharing_power,
     "Young people and adults made the decision together."),
    (HowDecided(decided_by=DecidedBy.together, polls=1, poll_bound_outcome=True),
     Rung.sharing_power, "Young people and adults made the decision together."),
    (HowDecided(decided_by=DecidedBy.adults, polls=1, poll_bound_outcome=True),
     Rung.participation,
     "Adults made the decision, and it followed the result of a poll young people voted in."),
    (HowDecided(decided_by=DecidedBy.adults, threads=3, suggestions_taken_up=True),
     Rung.participation, "Adults made the decision, and took up young people's suggestions."),
    (HowDecided(decided_by=DecidedBy.adults, suggestions_taken_up=True), Rung.participation,
     "Adults made the decision, and took up young people's suggestions."),
    (HowDecided(decided_by=DecidedBy.adults, threads=1), Rung.consultation,
     "Adults made the decision after asking young people what they think in a comment "
     "thread."),
    (HowDecided(decided_by=DecidedBy.adults, polls=2, threads=3, poll_run_by_young_people=True),
     Rung.consultation,
     "Adults made the decision after asking young people what they think in 2 polls and 3 "
     "comment threads."),
    (HowDecided(decided_by=DecidedBy.adults, told_outcome=True), Rung.information,
     "Adults made the decision without asking young people first."),
    (HowDecided(decided_by=DecidedBy.adults), Rung.no_control,
     "Adults made the decision without asking young people."),
])
def test_each_rule(how, rung, first_reason):
    found = suggest(how)
    assert found.rung == rung
    assert found.reasons[0] == first_reason


def test_information_and_no_control_say_whether_young_people_were_told():
    told = suggest(HowDecided(decided_by=DecidedBy.adults, told_outcome=True))
    not_told = suggest(HowDecided(decided_by=DecidedBy.adults))
    assert told.reasons[-1] == "Young people were told what was decided."
    assert not_told.reasons[-1] == "Young people have not been told what was decided."


def test_an_adults_poll_that_bound_the_outcome_says_why_it_is_not_higher():
    found = suggest(HowDecided(decided_by=DecidedBy.adults, polls=1, poll_bound_outcome=True))
    assert found.reasons[-1] == (
        "An adult started the poll, so adults chose what young people were asked.")


def test_adults_signing_off_young_peoples_poll_is_still_their_vote():
    found = suggest(HowDecided(decided_by=DecidedBy.adults, polls=1, poll_bound_outcome=True,
                               poll_run_by_young_people=True))
    assert found.reasons == [
        "Young people ran a poll, and the decision followed its result.",
        "Adults signed it off, but young people's vote decided it.",
    ]


def test_poll_answers_count_only_with_a_linked_poll():
    """Without a linked poll, no poll bound the outcome, whatever the form said."""
    found = suggest(HowDecided(decided_by=DecidedBy.adults, polls=0, poll_bound_outcome=True,
                               poll_run_by_young_people=True, told_outcome=True))
    assert found.rung == Rung.information


def test_counts_cannot_be_negative():
    with pytest.raises(ValueError, match="cannot be negative"):
        HowDecided(decided_by=DecidedBy.adults, polls=-1)
    with pytest.raises(ValueError, match="cannot be negative"):
        HowDecided(decided_by=DecidedBy.adults, threads=-1)


def test_rules_in_short_cover_every_rung_highest_first():
    assert [rung for rung, _ in RULES_IN_SHORT] == list(reversed(RUNGS))


# Properties ----------------------------------------------------------------------------------


@given(hows)
def test_every_suggestion_has_plain_reasons(how):
    found = suggest(how)
    assert found.rung in RUNGS
    assert found.reasons
    for reason in found.reasons:
        assert reason[0].isupper() and reason.endswith(".")


@given(hows)
def test_more_say_in_who_decided_never_lowers_the_rung(how):
    rungs = [suggest(replace(how, decided_by=who)).rung for who in MORE_SAY]
    assert rungs == sorted(rungs)


@given(hows)
def test_young_people_deciding_is_always_full_control(how):
    assert suggest(replace(how, decided_by=DecidedBy.young_people)).rung == Rung.full_control


@given(hows)
def test_together_is_at_least_sharing_power(how):
    assert suggest(replace(how, decided_by=DecidedBy.together)).rung >= Rung.sharing_power


@given(hows, st.sampled_from([
    {"poll_bound_outcome": True},
    {"poll_run_by_young_people": True},
    {"suggestions_taken_up": True},
    {"told_outcome": True},
]))
def test_more_say_never_lowers_the_rung(how, more):
    assert suggest(replace(how, **more)).rung >= suggest(how).rung


@given(hows, st.integers(min_value=1, max_value=3), st.integers(min_value=0, max_value=3))
def test_linking_more_polls_or_threads_never_lowers_the_rung(how, polls, threads):
    more = replace(how, polls=how.polls + polls, threads=how.threads + threads)
    assert suggest(more).rung >= suggest(how).rung


@given(hows)
def test_adding_a_binding_poll_lifts_adults_decisions_to_participation(how):
    adults = replace(how, decided_by=DecidedBy.adults, polls=max(how.polls, 1),
                     poll_bound_outcome=True)
    assert suggest(adults).rung >= Rung.participation


@given(hows)
def test_without_asking_young_people_adults_reach_at_most_information(how):
    unasked = replace(how, decided_by=DecidedBy.adults, polls=0, threads=0,
                      suggestions_taken_up=False)
    assert suggest(unasked).rung <= Rung.information


@given(st.sampled_from(RUNGS), st.sampled_from(RUNGS))
def test_choosing_another_rung_needs_a_reason(suggested, chosen):
    assert needs_reason(suggested, chosen) == (suggested != chosen)
    assert not needs_reason(suggested, suggested)
