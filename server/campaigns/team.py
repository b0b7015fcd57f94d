"""TEAM goals: reading what people typed, and saying in plain words which letter is missing.

A campaign can be saved with parts missing; it can only go live when every letter is met.
Everything here is pure: it takes values and today's date and touches no database.
"""

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from server.errors import InvalidInput
from server.i18n import N_, _

TITLE_MAX = 120
ISSUE_MAX = 2000
EXACT_MAX = 400
MEASURE_WHAT_MAX = 120
UNIT_MAX = 30
STEP_MAX = 200
LONG_TEXT_MAX = 2000
NAME_MAX = 120
NUMBER_LIMIT = 1_000_000_000
DEADLINE_MAX_DAYS = 5 * 366

NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


@dataclass(frozen=True)
class StepIn:
    """A plan step as the goal check sees it."""

    text: str
    owner_id: int | None


@dataclass(frozen=True)
class Letter:
    key: str  # T, E, A or M
    name: str
    met: bool
    # What is missing and how to fix it, in plain words; empty when met.
    problem: str
    # The form field that fixes it.
    field: str


def text_problem(value: str, *, label: str, limit: int, required: bool,
                 multiline: bool = False) -> str | None:
    """What is wrong with a typed text; `label` (marked with N_) names it in the message."""
    label = _(label)
    if required and not value:
        return _("Add %(label)s.") % {"label": label}
    if len(value) > limit:
        return _("Keep %(label)s to %(limit)s characters or fewer (it has %(count)s).") % {
            "label": label, "limit": f"{limit:,}", "count": f"{len(value):,}"}
    allowed = "\n\t" if multiline else ""
    if any(unicodedata.category(ch).startswith("C") and ch not in allowed for ch in value):
        return _("%(label)s has characters we cannot show.") % {
            "label": f"{label[0].upper()}{label[1:]}"}
    return None


def clean_text(value: Any, *, multiline: bool = False) -> str:
    """Trims a typed value; line endings become newlines in long text, spaces elsewhere."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split("\n"))
    return text.strip()


def parse_number(value: Any, *, label: str) -> tuple[float | None, str | None]:
    """A number typed on a phone ("12", "7.5", "1,000") or sent as JSON."""
    if value is None or value == "":
        return None, None
    label = _(label)
    if isinstance(value, bool):
        return None, _("%(label)s must be a number, like 20.") % {"label": label}
    if isinstance(value, int) and abs(value) > NUMBER_LIMIT:
        number = math.inf  # float() of a huge integer (from JSON) would overflow
    elif isinstance(value, int | float):
        number = float(value)
    else:
        typed = str(value).strip().replace(" ", "")
        if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", typed):
            typed = typed.replace(",", "")
        if not NUMBER.fullmatch(typed):
            return None, _("%(label)s must be a number, like 20.") % {"label": label}
        number = float(typed)
    if not math.isfinite(number) or abs(number) > NUMBER_LIMIT:
        return None, _("%(label)s must be a number between -1,000,000,000 and "
                       "1,000,000,000.") % {"label": label}
    return number, None


def parse_deadline(value: Any, *, today: date) -> tuple[date | None, str | None]:
    if value is None or value == "":
        return None, None
    try:
        deadline = date.fromisoformat(str(value).strip())
    except ValueError:
        return None, _("Give the deadline as a date, like 2027-03-31.")
    if deadline <= today:
        return None, _("The deadline must be a date in the future.")
    if deadline > today + timedelta(days=DEADLINE_MAX_DAYS):
        return None, _("Choose a deadline within the next five years.")
    return deadline, None


GOAL_FIELDS = ("title", "issue", "deadline", "exact", "measure_what", "measure_unit",
               "measure_target", "measure_current")


def parse_goal(data: Mapping[str, Any], *, today: date, creating: bool,
               keep_deadline: date | None = None) -> dict[str, Any]:
    """The goal fields present in `data`, checked and cleaned; InvalidInput lists every problem.

    A deadline equal to `keep_deadline` (the one already saved) is accepted even if it has
    passed, so a live campaign can still be edited after its deadline.
    """
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def text(name: str, label: str, limit: int, *, required: bool = False,
             multiline: bool = False) -> None:
        if name not in data and not (creating and required):
            return
        value = clean_text(data.get(name), multiline=multiline)
        problem = text_problem(value, label=label, limit=limit, required=required,
                               multiline=multiline)
        if problem:
            errors[name] = problem
        else:
            changes[name] = value

    text("title", N_("the title"), TITLE_MAX, required=True)
    if "title" in errors and not clean_text(data.get("title")):
        errors["title"] = _("Give your campaign a title.")
    text("issue", N_("the issue in your own words"), ISSUE_MAX, multiline=True)
    text("exact", N_("what exactly will be different"), EXACT_MAX, multiline=True)
    text("measure_what", N_("what you will count"), MEASURE_WHAT_MAX)
    text("measure_unit", N_("the unit"), UNIT_MAX)
    if "deadline" in data:
        raw = data["deadline"]
        if keep_deadline is not None and str(raw or "").strip() == keep_deadline.isoformat():
            changes["deadline"] = keep_deadline
        else:
            deadline, problem = parse_deadline(raw, today=today)
            if problem:
                errors["deadline"] = problem
            else:
                changes["deadline"] = deadline
    for name, label in (("measure_target", N_("The target")),
                        ("measure_current", N_("The value now"))):
        if name in data:
            number, problem = parse_number(data[name], label=label)
            if problem:
                errors[name] = problem
            elif name == "measure_current":
                changes[name] = number if number is not None else 0.0
            else:
                changes[name] = number
    if errors:
        raise InvalidInput(errors)
    return changes


def check(*, deadline: date | None, exact: str, steps: Sequence[StepIn],
          member_ids: set[int], measure_what: str, measure_target: float | None,
          today: date) -> list[Letter]:
    """The four letters, each met or not, with what to do when it is not."""
    if deadline is None:
        t = _("Add a date: goals need a deadline.")
    elif deadline <= today:
        t = _("The deadline has passed: choose a new date in the future.")
    else:
        t = ""
    e = "" if exact.strip() else _(
        "Say exactly what will be different when you have done it, in one or two sentences.")
    if not steps:
        a = _("Add a step to your plan: what will you do first, and who will do it?")
    elif any(step.owner_id is None or step.owner_id not in member_ids for step in steps):
        a = _("Give every step in your plan an owner from the campaign.")
    else:
        a = ""
    m_field = "measure_what"
    if not measure_what.strip() and measure_target is None:
        m = _("Add a measure: what will you count, and what number are you aiming for?")
    elif not measure_what.strip():
        m = _("Say what you will count, like \"students who feel safe getting to college\".")
    elif measure_target is None:
        m, m_field = _("Add a target: the number you are aiming for."), "measure_target"
    else:
        m, m_field = "", "measure_target"
    # Letter names are translated where shown.
    return [
        Letter("T", N_("Time-specific"), not t, t, "deadline"),
        Letter("E", N_("Exact"), not e, e, "exact"),
        Letter("A", N_("Achievable"), not a, a, "steps"),
        Letter("M", N_("Measurable"), not m, m, m_field),
    ]


def progress(*, baseline: float, current: float, target: float | None) -> float | None:
    """How far from the first value toward the target, 0.0 to 1.0; either direction works."""
    if target is None:
        return None
    if target == baseline:
        return 1.0 if current == target else 0.0
    share = (current - baseline) / (target - baseline)
    return max(0.0, min(1.0, share))


def format_number(value: float | None) -> str:
    if value is None:
        return ""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")
