"""TEAM goals as pure rules: reading what people typed, and naming the missing letter."""

import math
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from server.campaigns import team
from server.errors import InvalidInput

TODAY = date(2026, 5, 14)

days = st.integers(min_value=-3000, max_value=3000)
todays = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
in_range = st.floats(min_value=-team.NUMBER_LIMIT, max_value=team.NUMBER_LIMIT,
                     allow_nan=False, allow_infinity=False)
member_ids = st.sets(st.integers(min_value=1, max_value=20), max_size=8)
steps = st.lists(st.builds(team.StepIn, st.text(min_size=1, max_size=20),
                           st.none() | st.integers(min_value=1, max_value=20)), max_size=6)


def goal_errors(data: dict[str, object], *, creating: bool = False,
                keep_deadline: date | None = None) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        team.parse_goal(data, today=TODAY, creating=creating, keep_deadline=keep_deadline)
    return caught.value.errors


def letters(**overrides: object) -> dict[str, team.Letter]:
    values: dict[str, object] = {
        "deadline": TODAY + timedelta(days=30), "exact": "Free bus passes for every student",
        "steps": [team.StepIn("Write to the course manager", 1)], "member_ids": {1},
        "measure_what": "students with a bus pass", "measure_target": 40.0, "today": TODAY}
    values.update(overrides)
    return {letter.key: letter for letter in team.check(**values)}  # type: ignore[arg-type]


# ---------------------------------------------------------------- parse_goal, by example


def test_a_complete_goal_is_cleaned_and_kept():
    changes = team.parse_goal({
        "title": "  Safe to college  ", "issue": "Buses are late\r\nand crowded",
        "deadline": "2026-09-01", "exact": "A later bus on route 7",
        "measure_what": "students who feel safe", "measure_unit": "students",
        "measure_target": "1,200", "measure_current": "7.5"}, today=TODAY, creating=True)
    assert changes == {
        "title": "Safe to college", "issue": "Buses are late\nand crowded",
        "deadline": date(2026, 9, 1), "exact": "A later bus on route 7",
        "measure_what": "students who feel safe", "measure_unit": "students",
        "measure_target": 1200.0, "measure_current": 7.5}


def test_a_draft_needs_only_a_title():
    assert team.parse_goal({"title": "Bus passes"}, today=TODAY, creating=True) == {
        "title": "Bus passes"}


@pytest.mark.parametrize("title", [None, "", "   ", "\n"])
def test_a_new_campaign_without_a_title_is_refused(title):
    assert goal_errors({"title": title}, creating=True) == {
        "title": "Give your campaign a title."}
    assert goal_errors({}, creating=True) == {"title": "Give your campaign a title."}


def test_editing_leaves_out_what_was_not_sent():
    assert team.parse_goal({"exact": "More lights"}, today=TODAY, creating=False) == {
        "exact": "More lights"}


def test_every_problem_is_reported_at_once():
    errors = goal_errors({"title": "", "deadline": "yesterday", "measure_target": "lots",
                          "measure_current": "some", "exact": "x" * 401}, creating=True)
    assert set(errors) == {"title", "deadline", "measure_target", "measure_current", "exact"}
    assert errors["deadline"] == "Give the deadline as a date, like 2027-03-31."
    assert errors["measure_target"] == "The target must be a number, like 20."
    assert errors["measure_current"] == "The value now must be a number, like 20."
    assert errors["exact"] == ("Keep what exactly will be different to 400 characters or "
                               "fewer (it has 401).")


@pytest.mark.parametrize("offset", [0, -1, -400])
def test_a_deadline_today_or_in_the_past_is_refused(offset):
    errors = goal_errors({"deadline": (TODAY + timedelta(days=offset)).isoformat()})
    assert errors == {"deadline": "The deadline must be a date in the future."}


def test_a_deadline_more_than_five_years_away_is_refused():
    errors = goal_errors({"deadline": (TODAY + timedelta(days=6 * 365)).isoformat()})
    assert errors == {"deadline": "Choose a deadline within the next five years."}


def test_the_saved_deadline_may_be_kept_after_it_has_passed():
    passed = TODAY - timedelta(days=3)
    assert team.parse_goal({"deadline": passed.isoformat()}, today=TODAY, creating=False,
                           keep_deadline=passed) == {"deadline": passed}
    # but not moved to another past date
    assert goal_errors({"deadline": (passed - timedelta(days=1)).isoformat()},
                       keep_deadline=passed) == {
        "deadline": "The deadline must be a date in the future."}


def test_an_empty_deadline_clears_it():
    assert team.parse_goal({"deadline": ""}, today=TODAY, creating=False) == {"deadline": None}


def test_an_empty_value_now_means_zero_and_an_empty_target_means_none():
    assert team.parse_goal({"measure_current": "", "measure_target": ""}, today=TODAY,
                           creating=False) == {"measure_current": 0.0, "measure_target": None}


def test_ten_thousand_characters_are_refused_naming_the_limit():
    errors = goal_errors({name: "a" * 10_000 for name in
                          ("title", "issue", "exact", "measure_what", "measure_unit")},
                         creating=True)
    assert errors == {
        "title": "Keep the title to 120 characters or fewer (it has 10,000).",
        "issue": "Keep the issue in your own words to 2,000 characters or fewer (it has 10,000).",
        "exact": "Keep what exactly will be different to 400 characters or fewer (it has 10,000).",
        "measure_what": "Keep what you will count to 120 characters or fewer (it has 10,000).",
        "measure_unit": "Keep the unit to 30 characters or fewer (it has 10,000).",
    }


def test_control_characters_are_refused_but_newlines_in_long_text_are_kept():
    errors = goal_errors({"title": "Bus\x00passes", "issue": "one\ntwo\x07"}, creating=True)
    assert errors == {"title": "The title has characters we cannot show.",
                      "issue": "The issue in your own words has characters we cannot show."}
    assert team.parse_goal({"title": "Bus\npasses"}, today=TODAY, creating=True) == {
        "title": "Bus passes"}


# ---------------------------------------------------------------- parse_number


@pytest.mark.parametrize(("typed", "number"), [
    ("12", 12.0), ("7.5", 7.5), (" 1,000 ", 1000.0), ("1 000", 1000.0), ("-3", -3.0),
    (".5", 0.5), ("12,345,678.25", 12345678.25), (20, 20.0), (2.5, 2.5),
    ("1000000000", 1e9), (-1_000_000_000, -1e9)])
def test_numbers_people_type(typed, number):
    assert team.parse_number(typed, label="The target") == (number, None)


@pytest.mark.parametrize("typed", ["twenty", "1e5", "12%", "1,00", "1.2.3", "0x10", "£5",
                                   "nan", "inf", True, [], "--1"])
def test_things_that_are_not_numbers(typed):
    assert team.parse_number(typed, label="The target") == (
        None, "The target must be a number, like 20.")


@pytest.mark.parametrize("typed", ["1000000001", "-1,000,000,001", 1e300, float("inf"),
                                   float("nan"), 10 ** 400, "9" * 400])
def test_numbers_that_are_too_big(typed):
    assert team.parse_number(typed, label="The target") == (
        None, "The target must be a number between -1,000,000,000 and 1,000,000,000.")


@pytest.mark.parametrize("typed", [None, ""])
def test_nothing_typed_is_no_number_and_no_problem(typed):
    assert team.parse_number(typed, label="The target") == (None, None)


@given(st.integers())
def test_any_whole_number_is_read_or_refused_with_a_message(number):
    value, problem = team.parse_number(number, label="The target")
    if abs(number) <= team.NUMBER_LIMIT:
        assert (value, problem) == (float(number), None)
    else:
        assert value is None
        assert problem is not None and "between" in problem


@given(st.one_of(st.text(), st.floats(), st.integers(), st.booleans(), st.none()))
def test_parse_number_never_crashes_and_never_returns_both(value):
    number, problem = team.parse_number(value, label="The target")
    assert number is None or problem is None
    if number is not None:
        assert math.isfinite(number)
        assert abs(number) <= team.NUMBER_LIMIT


@given(in_range)
def test_numbers_round_trip_through_how_they_are_shown(number):
    shown = team.format_number(number)
    value, problem = team.parse_number(shown, label="The target")
    assert problem is None
    assert value is not None
    assert abs(value - number) <= 0.005 + 1e-9 * abs(number)


@given(st.integers(min_value=-team.NUMBER_LIMIT, max_value=team.NUMBER_LIMIT))
def test_whole_numbers_round_trip_exactly(number):
    assert team.parse_number(team.format_number(float(number)), label="x") == (number, None)


@given(in_range)
def test_typed_numbers_are_read_back_exactly(number):
    typed = repr(number)
    assume("e" not in typed)  # people type 0.00001, not 1e-05 (which is refused)
    assert team.parse_number(typed, label="x") == (number, None)


@pytest.mark.parametrize(("number", "shown"), [
    (None, ""), (0.0, "0"), (1200.0, "1,200"), (7.5, "7.5"), (7.25, "7.25"),
    (-1500.5, "-1,500.5"), (1e9, "1,000,000,000")])
def test_format_number(number, shown):
    assert team.format_number(number) == shown


# ---------------------------------------------------------------- parse_deadline and parse_goal


@given(todays, days)
def test_parse_goal_never_accepts_a_past_deadline(today, offset):
    deadline = today + timedelta(days=offset)
    try:
        changes = team.parse_goal({"deadline": deadline.isoformat()}, today=today,
                                  creating=False)
    except InvalidInput as refused:
        assert offset <= 0 or offset > team.DEADLINE_MAX_DAYS
        assert set(refused.errors) == {"deadline"}
    else:
        assert 0 < offset <= team.DEADLINE_MAX_DAYS
        assert changes == {"deadline": deadline}


@given(todays, st.text(max_size=30))
def test_parse_deadline_never_crashes_and_never_returns_a_past_date(today, typed):
    deadline, problem = team.parse_deadline(typed, today=today)
    assert deadline is None or problem is None
    if deadline is not None:
        assert deadline > today


@given(st.sampled_from([
    ("title", team.TITLE_MAX), ("issue", team.ISSUE_MAX), ("exact", team.EXACT_MAX),
    ("measure_what", team.MEASURE_WHAT_MAX), ("measure_unit", team.UNIT_MAX)]),
    st.integers(min_value=1, max_value=3000), st.sampled_from("aé字 "))
def test_any_over_limit_text_is_refused_naming_the_limit(field_limit, extra, letter):
    name, limit = field_limit
    value = "x" + letter * (limit + extra - 2) + "y"
    errors = goal_errors({"title": "ok", name: value}, creating=True)
    assert set(errors) == {name}
    assert f"to {limit:,} characters or fewer" in errors[name]
    assert f"(it has {len(value):,})" in errors[name]


@given(st.sampled_from([("title", team.TITLE_MAX), ("exact", team.EXACT_MAX),
                        ("measure_unit", team.UNIT_MAX)]), st.data())
def test_any_text_up_to_the_limit_is_kept_trimmed(field_limit, data):
    name, limit = field_limit
    alphabet = st.characters(blacklist_categories=("C",))
    value = data.draw(st.text(alphabet, min_size=1, max_size=limit))
    assume(value.strip())
    changes = team.parse_goal({"title": "ok", name: value}, today=TODAY, creating=True)
    assert changes[name] == team.clean_text(value, multiline=name == "exact")
    assert len(changes[name]) <= limit


@given(st.dictionaries(st.sampled_from(team.GOAL_FIELDS),
                       st.one_of(st.none(), st.text(max_size=50), st.integers(), st.floats())),
       st.booleans())
def test_parse_goal_returns_only_what_was_sent_or_says_what_is_wrong(data, creating):
    try:
        changes = team.parse_goal(data, today=TODAY, creating=creating)
    except InvalidInput as refused:
        assert refused.errors
        assert set(refused.errors) <= set(data) | {"title"}
        assert all(message.strip() for message in refused.errors.values())
    else:
        assert set(changes) <= set(data) | ({"title"} if creating else set())
        if creating:
            assert changes["title"]


# ---------------------------------------------------------------- check: the four letters


def test_a_complete_goal_meets_every_letter():
    found = letters()
    assert [key for key in "TEAM" if found[key].met] == list("TEAM")
    assert all(letter.problem == "" for letter in found.values())
    assert [found[key].name for key in "TEAM"] == [
        "Time-specific", "Exact", "Achievable", "Measurable"]


def test_an_empty_draft_misses_every_letter_in_plain_words():
    found = letters(deadline=None, exact="", steps=[], measure_what="", measure_target=None)
    assert {key: (found[key].problem, found[key].field) for key in "TEAM"} == {
        "T": ("Add a date: goals need a deadline.", "deadline"),
        "E": ("Say exactly what will be different when you have done it, in one or two "
              "sentences.", "exact"),
        "A": ("Add a step to your plan: what will you do first, and who will do it?", "steps"),
        "M": ("Add a measure: what will you count, and what number are you aiming for?",
              "measure_what"),
    }


def test_a_passed_deadline_misses_t():
    assert letters(deadline=TODAY).get("T").problem == (  # type: ignore[union-attr]
        "The deadline has passed: choose a new date in the future.")


def test_a_step_without_an_owner_from_the_campaign_misses_a():
    for step in (team.StepIn("Ask", None), team.StepIn("Ask", 9)):
        found = letters(steps=[team.StepIn("First", 1), step])["A"]
        assert not found.met
        assert found.problem == "Give every step in your plan an owner from the campaign."


def test_half_a_measure_says_which_half_is_missing():
    no_target = letters(measure_target=None)["M"]
    assert (no_target.problem, no_target.field) == (
        "Add a target: the number you are aiming for.", "measure_target")
    no_what = letters(measure_what="  ")["M"]
    assert no_what.problem.startswith("Say what you will count")
    assert no_what.field == "measure_what"
    assert letters(measure_target=0.0)["M"].met


@given(todays, st.none() | days, st.text(max_size=10), steps, member_ids, st.text(max_size=10),
       st.none() | in_range)
def test_check_marks_a_letter_met_iff_its_condition_holds(today, offset, exact, plan, ids,
                                                          what, target):
    deadline = None if offset is None else today + timedelta(days=offset)
    found = {letter.key: letter for letter in team.check(
        deadline=deadline, exact=exact, steps=plan, member_ids=ids, measure_what=what,
        measure_target=target, today=today)}
    assert list(found) == list("TEAM")
    assert found["T"].met == (deadline is not None and deadline > today)
    assert found["E"].met == bool(exact.strip())
    assert found["A"].met == (bool(plan) and all(s.owner_id in ids for s in plan))
    assert found["M"].met == (bool(what.strip()) and target is not None)
    for letter in found.values():
        assert bool(letter.problem) == (not letter.met)
        assert letter.field in {"deadline", "exact", "steps", "measure_what", "measure_target"}


# ---------------------------------------------------------------- progress


def test_progress_by_example():
    assert team.progress(baseline=0, current=5, target=20) == 0.25
    assert team.progress(baseline=0, current=30, target=20) == 1.0
    assert team.progress(baseline=10, current=4, target=0) == 0.6  # counting down works
    assert team.progress(baseline=10, current=12, target=0) == 0.0
    assert team.progress(baseline=5, current=5, target=5) == 1.0
    assert team.progress(baseline=5, current=6, target=5) == 0.0
    assert team.progress(baseline=0, current=5, target=None) is None


@given(in_range, in_range, in_range)
def test_progress_is_between_nothing_and_everything(baseline, current, target):
    share = team.progress(baseline=baseline, current=current, target=target)
    assert share is not None
    assert 0.0 <= share <= 1.0
    if current == target:
        assert share == 1.0
    if current == baseline and target != baseline:
        assert share == 0.0


@given(in_range, in_range, in_range, in_range)
def test_progress_never_falls_as_the_value_moves_toward_the_target(baseline, target, a, b):
    assume(target != baseline)
    low, high = sorted((a, b))
    # moving from low to high goes toward the target when the target is above the baseline
    earlier, later = (low, high) if target > baseline else (high, low)
    before = team.progress(baseline=baseline, current=earlier, target=target)
    after = team.progress(baseline=baseline, current=later, target=target)
    assert before is not None and after is not None
    assert after >= before


# ---------------------------------------------------------------- text


@given(st.text(max_size=300), st.integers(min_value=1, max_value=250), st.booleans(),
       st.booleans())
def test_text_problem_refuses_exactly_what_it_should(value, limit, required, multiline):
    problem = team.text_problem(value, label="the thing", limit=limit, required=required,
                                multiline=multiline)
    if required and not value:
        assert problem == "Add the thing."
    elif len(value) > limit:
        assert problem == (f"Keep the thing to {limit:,} characters or fewer "
                           f"(it has {len(value):,}).")
    elif problem is None:
        allowed = "\n\t" if multiline else ""
        assert all(ch in allowed or ch.isprintable() or ch == " " or ch.isspace()
                   for ch in value)
    else:
        assert problem == "The thing has characters we cannot show."


@given(st.text(max_size=100), st.booleans())
def test_clean_text_trims_and_keeps_single_lines_single(value, multiline):
    cleaned = team.clean_text(value, multiline=multiline)
    assert cleaned == cleaned.strip()
    assert "\r" not in cleaned
    if not multiline:
        assert "\n" not in cleaned
    assert team.clean_text(cleaned, multiline=multiline) == cleaned
