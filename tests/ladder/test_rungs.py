"""The ladder's six rungs in the seed's order, their words, and the Lundy model's questions."""

from pathlib import Path

import pytest

from server.ladder.rungs import (
    AT_LEAST_PARTICIPATION,
    HIGHEST,
    LOWEST,
    LUNDY_ELEMENTS,
    RUNGS,
    DecidedBy,
    LundyElement,
    Rung,
    at_least,
)


def test_six_rungs_lowest_to_highest_as_in_the_seed():
    assert [rung.label for rung in RUNGS] == [
        "No Control", "Information", "Consultation", "Participation", "Sharing Power",
        "Full Control"]
    assert [str(rung) for rung in RUNGS] == [
        "no_control", "information", "consultation", "participation", "sharing_power",
        "full_control"]
    assert [rung.rank for rung in RUNGS] == [1, 2, 3, 4, 5, 6]
    assert (Rung.no_control, Rung.full_control) == (LOWEST, HIGHEST)


def test_rungs_compare_by_their_place_on_the_ladder_not_alphabetically():
    # Alphabetically "full_control" < "information"; on the ladder it is the top.
    assert Rung.full_control > Rung.information
    assert Rung.consultation < Rung.participation <= Rung.participation
    assert Rung.sharing_power >= Rung.participation
    assert max(RUNGS) == Rung.full_control and min(RUNGS) == Rung.no_control
    assert sorted([Rung.full_control, Rung.no_control, Rung.information, Rung.sharing_power]) == [
        Rung.no_control, Rung.information, Rung.sharing_power, Rung.full_control]
    assert Rung.participation.is_at_least(Rung.consultation)
    assert not Rung.consultation.is_at_least(Rung.participation)


def test_a_rung_does_not_compare_with_a_plain_string():
    with pytest.raises(TypeError):
        assert Rung.full_control > "information"


def test_rungs_are_still_their_values():
    assert Rung("sharing_power") is Rung.sharing_power
    assert Rung.sharing_power == "sharing_power"
    assert f"{Rung.full_control}" == "full_control"


def test_participation_or_above():
    assert {Rung.participation, Rung.sharing_power, Rung.full_control} == AT_LEAST_PARTICIPATION
    assert at_least(Rung.no_control) == set(RUNGS)
    assert at_least(Rung.full_control) == {Rung.full_control}


def test_meanings_follow_the_seed_about_young_people():
    assert Rung.no_control.meaning == "Young people are passive consumers."
    assert Rung.information.meaning == (
        "Young people are told what is happening but have no influence.")
    assert Rung.consultation.meaning == (
        "Young people are asked what they think but have limited influence.")
    assert Rung.participation.meaning == (
        "Young people can make suggestions and influence outcomes.")
    assert Rung.sharing_power.meaning == (
        "Young people share decisions and responsibility, influencing and determining outcomes.")
    assert Rung.full_control.meaning == (
        "Young people control decision making at the highest level.")


def test_each_rung_has_its_own_short_line_for_young_people():
    lines = [rung.for_young_people for rung in RUNGS]
    assert len(set(lines)) == len(RUNGS)
    assert Rung.sharing_power.for_young_people == "You and adults decide together."
    for line in lines:
        # Short, plain sentences addressed to "you"; no jargon from the seed.
        assert line.endswith(".") and len(line) <= 60 and "you" in line.lower()
        assert not any(word in line.lower() for word in ("service user", "consumer",
                                                         "influence", "responsibility"))


def test_who_decided():
    assert [(str(who), who.label) for who in DecidedBy] == [
        ("young_people", "Young people"), ("together", "Young people with adults"),
        ("adults", "Adults")]


def test_the_lundy_model_asks_four_questions_in_order():
    assert (LundyElement.space, LundyElement.voice, LundyElement.audience,
            LundyElement.influence) == LUNDY_ELEMENTS
    assert [element.label for element in LUNDY_ELEMENTS] == [
        "Space", "Voice", "Audience", "Influence"]
    for element in LUNDY_ELEMENTS:
        assert element.question.endswith("?")
    assert "safe space" in LundyElement.space.question
    assert "power" in LundyElement.audience.question


def test_the_docs_use_the_same_words():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "ladder.md").read_text()
    for rung in RUNGS:
        row = (f"| {rung.rank} | `{rung}` | {rung.label} | {rung.meaning} | "
               f"{rung.for_young_people} |")
        assert row in docs
    for element in LUNDY_ELEMENTS:
        assert f"| {element.label} | {element.question} |" in docs
