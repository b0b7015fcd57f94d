"""Decision pages: a campaign's decisions, recording and changing one, confirming it, amending
it afterwards with a reason, publishing "we did", the Lundy check, and the overdue list.

Thin: read the form, call the decisions service, render or redirect. Every form works without
JavaScript; a failed form is shown again with what was typed and a message by each field. The
suggested rung is worked out again as the form changes (htmx), and after every submit.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, and_, col, or_, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import clock
from server.accounts.models import User
from server.accounts.sessions import Viewer
from server.campaigns import service, tallies
from server.campaigns.models import Campaign, Comment, CommentState, Poll, Stakeholder
from server.errors import InvalidInput, NotAllowed
from server.i18n import N_, _
from server.ladder import decisions
from server.ladder.models import Decision
from server.ladder.rungs import LUNDY_ELEMENTS, RUNGS, DecidedBy, Rung
from server.ladder.suggest import Suggestion
from server.web import login_required, path_int, read, redirect, render, signed_in, write

TEXT_FIELDS = ("title", "details", "decided_on", "decided_by", "stakeholder_id",
               "poll_bound_outcome", "bound_poll_id", "suggestions_taken_up", "rung",
               "rung_reason", "you_said", "we_did", "follow_up_on",
               *(f"lundy_{e}" for e in LUNDY_ELEMENTS),
               *(f"lundy_{e}_note" for e in LUNDY_ELEMENTS))
LIST_FIELDS = ("poll_ids", "thread_ids")
ARCHIVED = N_("This campaign is archived: it can be read but not changed.")
NOT_CONFIRMED = N_("This decision has not been confirmed yet: change it directly.")
EXCERPT = 80
DONE = {
    "recorded": N_("The decision is recorded."),
    "changed": N_("Your changes are saved."),
    "confirmed": N_("The decision is confirmed and its evidence is frozen."),
    "amended": N_("The amendment is saved, with the reason."),
    "published": N_("\u201cWe did\u201d is published: everyone in the campaign can see it."),
    "lundy": N_("The Lundy check is saved."),
}
# How an amendment names each field, in plain words.
FIELD_LABELS = {
    "title": N_("What was decided"),
    "details": N_("Details"),
    "decided_on": N_("Decided on"),
    "decided_by": N_("Who decided"),
    "stakeholder_id": N_("Decision maker"),
    "poll_ids": N_("Linked polls"),
    "thread_ids": N_("Linked comment threads"),
    "poll_bound_outcome": N_("Followed a poll's result"),
    "bound_poll_id": N_("The poll it followed"),
    "suggestions_taken_up": N_("Young people's suggestions taken up"),
    "rung": N_("Rung"),
    "rung_reason": N_("Why this rung"),
    "you_said": N_("You said"),
    "we_did": N_("We did"),
    "follow_up_on": N_("Follow-up date"),
    "lundy": N_("Lundy check"),
}


def _cid(request: Request) -> int:
    return path_int(request, "campaign_id")


def _did(request: Request) -> int:
    return path_int(request, "decision_id")


def _url(decision_id: int | None, done: str = "") -> str:
    return f"/decisions/{decision_id}" + (f"?done={done}" if done else "")


def excerpt(text: str, limit: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"


def long_date(value: date | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


# ---------------------------------------------------------------- reading for the pages


@dataclass
class Choices:
    """What the decision form offers: the campaign's stakeholders, polls and threads."""

    campaign: Campaign
    runs: bool
    stakeholders: list[Stakeholder]
    polls: list[Poll]
    threads: list[tuple[int, str]]  # a top-level comment's id and a short excerpt


def _thread_words(comment: Comment) -> str:
    if comment.state != CommentState.shown or comment.deleted_at is not None:
        return _("A comment that is no longer shown")
    return excerpt(comment.text)


def _choices(session: Session, actor: Viewer, campaign_id: int,
             linked: Iterable[int] = ()) -> Choices:
    campaign, membership = service._load(session, actor, campaign_id)
    keep = list(linked)
    comments = session.exec(select(Comment).where(
        Comment.campaign_id == campaign_id, col(Comment.parent_id).is_(None),
        or_(and_(col(Comment.state) == CommentState.shown, col(Comment.deleted_at).is_(None)),
            col(Comment.id).in_(keep))).order_by(col(Comment.id).desc()))
    return Choices(
        campaign=campaign,
        runs=decisions._runs(membership),
        stakeholders=list(session.exec(select(Stakeholder).where(
            Stakeholder.campaign_id == campaign_id).order_by(col(Stakeholder.id)))),
        polls=list(session.exec(select(Poll).where(Poll.campaign_id == campaign_id)
                                .order_by(col(Poll.id).desc()))),
        threads=[(c.id or 0, _thread_words(c)) for c in comments],
    )


@dataclass
class FormPage:
    choices: Choices
    suggestion: Suggestion | None
    view: decisions.DecisionView | None


def _form_page(session: Session, *, actor: Viewer, campaign_id: int | None,
               decision_id: int | None, values: Mapping[str, Any]) -> FormPage:
    view = None
    if decision_id is not None:
        view = decisions.get_decision(session, actor=actor, decision_id=decision_id)
        campaign_id = view.decision.campaign_id
    assert campaign_id is not None
    linked = [int(t) for t in values.get("thread_ids", []) if str(t).isdigit()]
    choices = _choices(session, actor, campaign_id, linked + (view.thread_ids if view else []))
    if view is None and not choices.runs:
        raise NotAllowed(_(decisions.RUNNERS_ONLY))
    if choices.campaign.archived_at is not None:
        raise NotAllowed(_(ARCHIVED))
    suggestion = decisions.preview_suggestion(session, actor=actor, campaign_id=campaign_id,
                                              data=values, decision_id=decision_id)
    return FormPage(choices, suggestion, view)


@dataclass
class Amended:
    """An amendment as the page tells it."""

    who: str
    at: datetime
    reason: str
    changes: list[tuple[str, str, str]]  # field label, old, new


@dataclass
class DecisionPage:
    view: decisions.DecisionView
    polls: list[tuple[int, str]]  # linked polls: id, question
    threads: list[tuple[int, str]]  # linked threads: id, excerpt
    confirmed_by: str
    amendments: list[Amended] = field(default_factory=list)


class _Names:
    """Polls, threads and stakeholders by id, to say what an id meant."""

    def __init__(self, session: Session, campaign_id: int, polls: set[int], threads: set[int],
                 stakeholders: set[int]) -> None:
        self.polls = {p.id: p.question for p in session.exec(select(Poll).where(
            col(Poll.id).in_(polls), Poll.campaign_id == campaign_id))}
        self.threads = {c.id: _thread_words(c) for c in session.exec(select(Comment).where(
            col(Comment.id).in_(threads), Comment.campaign_id == campaign_id))}
        self.stakeholders = {s.id: s.name for s in session.exec(select(Stakeholder).where(
            col(Stakeholder.id).in_(stakeholders), Stakeholder.campaign_id == campaign_id))}


def _user_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: n for i, n in session.exec(select(User.id, User.display_name).where(
        col(User.id).in_(ids))) if i is not None}


def _yes_no(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, "not answered")


def describe(name: str, value: Any, names: _Names) -> str:
    """A field's value from an amendment, in plain words."""
    if value is None or value == "" or value == []:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "decided_by":
        return DecidedBy(value).label
    if name == "rung":
        return Rung(value).label
    if name in ("decided_on", "follow_up_on"):
        return long_date(date.fromisoformat(value))
    if name == "stakeholder_id":
        return names.stakeholders.get(value, "someone no longer listed")
    if name == "bound_poll_id":
        return names.polls.get(value, "a poll")
    if name == "poll_ids":
        return "; ".join(names.polls.get(p, "a poll") for p in value)
    if name == "thread_ids":
        return "; ".join(f"\u201c{names.threads.get(t, 'a comment')}\u201d" for t in value)
    if name == "lundy":
        return "; ".join(
            f"{e.label}: {_yes_no(value.get(str(e), {}).get('met'))}"
            + (f" ({value[str(e)]['note']})" if value.get(str(e), {}).get("note") else "")
            for e in LUNDY_ELEMENTS)
    return str(value)


def snapshot_poll(results: Mapping[str, Any]) -> list[str]:
    """A frozen poll's results in words, a line each."""
    if "positions" in results:
        return [f"{tallies.POSITION_LABELS.get(k, k)}: {v:,}"
                for k, v in results["positions"].items()]
    if "scores" in results:
        return [f"{s['label']}: {s['average']:.1f} out of 5" if s["count"] else
                f"{s['label']}: not scored" for s in results["scores"]]
    return [f"{c['label']}: {c['votes']:,} {'vote' if c['votes'] == 1 else 'votes'}"
            for c in results.get("counts", [])]


def _decision_page(session: Session, *, actor: Viewer, decision_id: int) -> DecisionPage:
    view = decisions.get_decision(session, actor=actor, decision_id=decision_id)
    parsed = [(a, json.loads(a.changes)) for a in view.amendments]
    polls, threads, stakeholders = set(view.poll_ids), set(view.thread_ids), set()
    for _a, changes in parsed:
        for name, pair in changes.items():
            for value in pair:
                if name == "poll_ids":
                    polls.update(value or [])
                elif name == "thread_ids":
                    threads.update(value or [])
                elif name == "bound_poll_id" and value:
                    polls.add(value)
                elif name == "stakeholder_id" and value:
                    stakeholders.add(value)
    names = _Names(session, view.decision.campaign_id, polls, threads, stakeholders)
    people = _user_names(session, {a.by for a in view.amendments if a.by}
                         | ({view.decision.confirmed_by} if view.decision.confirmed_by else set()))
    return DecisionPage(
        view=view,
        polls=[(p, names.polls.get(p, _("A poll"))) for p in view.poll_ids],
        threads=[(t, names.threads.get(t, _("A comment"))) for t in view.thread_ids],
        confirmed_by=people.get(view.decision.confirmed_by or 0, _("a youth worker")),
        amendments=[Amended(
            who=people.get(a.by or 0, _("Someone")), at=a.at, reason=a.reason,
            changes=[(FIELD_LABELS.get(n, n), describe(n, old, names), describe(n, new, names))
                     for n in decisions.FIELDS if n in changes
                     for old, new in [changes[n]]]) for a, changes in parsed],
    )


@dataclass
class ListPage:
    campaign: Campaign
    runs: bool
    views: list[decisions.DecisionView]


def _list_page(session: Session, *, actor: Viewer, campaign_id: int) -> ListPage:
    campaign, membership = service._load(session, actor, campaign_id)
    return ListPage(campaign, decisions._runs(membership) and campaign.archived_at is None,
                    decisions.list_decisions(session, actor=actor, campaign_id=campaign_id))


@dataclass
class Overdue:
    decision: Decision
    campaign_title: str
    days: int


def _overdue(session: Session, *, actor: Viewer) -> list[Overdue]:
    found = decisions.overdue(session, actor=actor)
    titles = {c.id: c.title for c in session.exec(select(Campaign).where(
        col(Campaign.id).in_({d.campaign_id for d in found})))}
    today = clock.now().date()
    return [Overdue(d, titles.get(d.campaign_id, ""),
                    (today - d.follow_up_on).days if d.follow_up_on else 0) for d in found]


# ---------------------------------------------------------------- the form


async def _typed(request: Request) -> dict[str, Any]:
    """What the decision form sent: each field as typed, the linked ids as lists."""
    data = await request.form()
    typed: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = data.get(name)
        typed[name] = value if isinstance(value, str) else ""
    for name in LIST_FIELDS:
        typed[name] = [v for v in data.getlist(name) if isinstance(v, str)]
    reason = data.get("reason")
    typed["reason"] = reason if isinstance(reason, str) else ""
    return typed


def _empty() -> dict[str, Any]:
    values: dict[str, Any] = {name: "" for name in TEXT_FIELDS}
    values.update(poll_ids=[], thread_ids=[], reason="",
                  decided_on=clock.now().date().isoformat())
    return values


def _values_of(view: decisions.DecisionView) -> dict[str, Any]:
    d = view.decision
    values = _empty()
    values.update(
        title=d.title, details=d.details, decided_on=d.decided_on.isoformat(),
        decided_by=d.decided_by, stakeholder_id=str(d.stakeholder_id or ""),
        poll_bound_outcome="on" if d.poll_bound_outcome else "",
        bound_poll_id=str(d.bound_poll_id or ""),
        suggestions_taken_up="on" if d.suggestions_taken_up else "",
        # A rung that is the suggestion follows it as the form changes.
        rung="" if d.rung == d.suggested_rung else d.rung, rung_reason=d.rung_reason,
        you_said=d.you_said, we_did=d.we_did,
        follow_up_on=d.follow_up_on.isoformat() if d.follow_up_on else "",
        poll_ids=[str(p) for p in view.poll_ids], thread_ids=[str(t) for t in view.thread_ids])
    for element, answer in view.lundy.items():
        values[f"lundy_{element}"] = {True: "yes", False: "no"}.get(answer["met"], "")
        values[f"lundy_{element}_note"] = answer["note"]
    return values


def _service_data(typed: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in typed.items() if name != "reason"}


async def _show_form(request: Request, *, mode: str, values: dict[str, Any],
                     campaign_id: int | None = None, decision_id: int | None = None,
                     errors: dict[str, str] | None = None, status: int = 200) -> Response:
    actor = signed_in(request)
    found = await read(request, _form_page, actor=actor, campaign_id=campaign_id,
                       decision_id=decision_id, values=values)
    view = found.view
    if mode == "edit" and view is not None and not view.may_change:
        raise NotAllowed(_(decisions.CONFIRMED) if view.confirmed else _(decisions.RUNNERS_ONLY))
    if mode == "amend" and view is not None and not view.may_amend:
        raise NotAllowed(_(decisions.STAFF_AMEND) if not actor.is_staff else _(NOT_CONFIRMED))
    return render(request, "ladder/decision_form.html", status=status, mode=mode,
                  values=values, errors=errors or {}, choices=found.choices,
                  campaign=found.choices.campaign, suggestion=found.suggestion, view=view,
                  rungs=RUNGS, decided_by=list(DecidedBy), lundy=LUNDY_ELEMENTS)


@login_required
async def new_page(request: Request) -> Response:
    return await _show_form(request, mode="new", values=_empty(), campaign_id=_cid(request))


@login_required
async def create(request: Request) -> Response:
    actor, campaign_id = signed_in(request), _cid(request)
    typed = await _typed(request)
    try:
        decision = await write(request, decisions.record_decision, actor=actor,
                               campaign_id=campaign_id, data=_service_data(typed))
    except InvalidInput as problem:
        return await _show_form(request, mode="new", values=typed, campaign_id=campaign_id,
                                errors=problem.errors, status=422)
    return redirect(_url(decision.id, "recorded"))


@login_required
async def suggestion(request: Request) -> Response:
    """The suggested rung for the form as typed so far: a part of the form, for htmx."""
    actor, campaign_id = signed_in(request), _cid(request)
    typed = await _typed(request)
    form = await request.form()
    given = form.get("decision_id")
    decision_id = int(given) if isinstance(given, str) and given.isdigit() else None
    found = await read(request, decisions.preview_suggestion, actor=actor,
                       campaign_id=campaign_id, data=typed, decision_id=decision_id)
    return render(request, "ladder/_suggestion.html", suggestion=found)


async def _change_form(request: Request, mode: str) -> Response:
    """The decision's form, filled in, to change it (before confirmation) or amend it."""
    actor, decision_id = signed_in(request), _did(request)
    view = await read(request, decisions.get_decision, actor=actor, decision_id=decision_id)
    return await _show_form(request, mode=mode, values=_values_of(view),
                            decision_id=decision_id)


async def _change(request: Request, mode: str) -> Response:
    """Change a decision ("edit") or amend a confirmed one, saying why ("amend")."""
    actor, decision_id = signed_in(request), _did(request)
    typed = await _typed(request)
    try:
        if mode == "amend":
            await write(request, decisions.amend_decision, actor=actor,
                        decision_id=decision_id, data=_service_data(typed),
                        reason=typed["reason"])
        else:
            await write(request, decisions.update_decision, actor=actor,
                        decision_id=decision_id, data=_service_data(typed))
    except InvalidInput as problem:
        return await _show_form(request, mode=mode, values=typed, decision_id=decision_id,
                                errors=problem.errors, status=422)
    return redirect(_url(decision_id, "amended" if mode == "amend" else "changed"))


@login_required
async def edit_page(request: Request) -> Response:
    return await _change_form(request, "edit")


@login_required
async def edit(request: Request) -> Response:
    return await _change(request, "edit")


@login_required
async def amend_page(request: Request) -> Response:
    return await _change_form(request, "amend")


@login_required
async def amend(request: Request) -> Response:
    return await _change(request, "amend")


# ---------------------------------------------------------------- the decision page


async def _show(request: Request, decision_id: int, *, status: int = 200,
                errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                failed: str = "") -> Response:
    found = await read(request, _decision_page, actor=signed_in(request),
                       decision_id=decision_id)
    done = request.query_params.get("done", "")
    return render(request, "ladder/decision.html", status=status, page=found, view=found.view,
                  d=found.view.decision, campaign=found.view.campaign, errors=errors or {},
                  values=values or {}, failed=failed, done=_(DONE[done]) if done in DONE else "",
                  lundy=LUNDY_ELEMENTS, long_date=long_date, snapshot_poll=snapshot_poll,
                  rung_of=Rung, decided_by_of=DecidedBy,
                  may_check_lundy=_may_check_lundy(signed_in(request), found.view))


def _may_check_lundy(actor: Viewer, view: decisions.DecisionView) -> bool:
    return (not view.confirmed and view.campaign.archived_at is None
            and (actor.is_staff or view.may_change))


@login_required
async def show(request: Request) -> Response:
    return await _show(request, _did(request))


@login_required
async def confirm(request: Request) -> Response:
    decision_id = _did(request)
    await write(request, decisions.confirm_decision, actor=signed_in(request),
                decision_id=decision_id)
    return redirect(_url(decision_id, "confirmed"))


@login_required
async def publish(request: Request) -> Response:
    decision_id = _did(request)
    typed = await _typed(request)
    try:
        await write(request, decisions.publish_we_did, actor=signed_in(request),
                    decision_id=decision_id, we_did=typed["we_did"],
                    follow_up_on=typed["follow_up_on"])
    except InvalidInput as problem:
        return await _show(request, decision_id, status=422, errors=problem.errors,
                           values=typed, failed="publish")
    return redirect(_url(decision_id, "published"))


@login_required
async def check_lundy(request: Request) -> Response:
    decision_id = _did(request)
    typed = await _typed(request)
    lundy = {name: value for name, value in typed.items() if name.startswith("lundy_")}
    try:
        await write(request, decisions.check_lundy, actor=signed_in(request),
                    decision_id=decision_id, lundy=lundy)
    except InvalidInput as problem:
        return await _show(request, decision_id, status=422, errors=problem.errors,
                           values=typed, failed="lundy")
    return redirect(_url(decision_id, "lundy"))


# ---------------------------------------------------------------- lists


@login_required
async def campaign_decisions(request: Request) -> Response:
    found = await read(request, _list_page, actor=signed_in(request), campaign_id=_cid(request))
    return render(request, "ladder/decisions.html", page=found, campaign=found.campaign,
                  long_date=long_date, rung_of=Rung)


@login_required
async def overdue_page(request: Request) -> Response:
    found = await read(request, _overdue, actor=signed_in(request))
    return render(request, "ladder/overdue.html", overdue=found, long_date=long_date)


routes = [
    Route("/campaigns/{campaign_id:int}/decisions", campaign_decisions, methods=["GET"]),
    Route("/campaigns/{campaign_id:int}/decisions/new", new_page, methods=["GET"]),
    Route("/campaigns/{campaign_id:int}/decisions/new", create, methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/decisions/suggestion", suggestion, methods=["POST"]),
    Route("/decisions/overdue", overdue_page, methods=["GET"]),
    Route("/decisions/{decision_id:int}", show, methods=["GET"]),
    Route("/decisions/{decision_id:int}/edit", edit_page, methods=["GET"]),
    Route("/decisions/{decision_id:int}/edit", edit, methods=["POST"]),
    Route("/decisions/{decision_id:int}/amend", amend_page, methods=["GET"]),
    Route("/decisions/{decision_id:int}/amend", amend, methods=["POST"]),
    Route("/decisions/{decision_id:int}/confirm", confirm, methods=["POST"]),
    Route("/decisions/{decision_id:int}/publish", publish, methods=["POST"]),
    Route("/decisions/{decision_id:int}/lundy", check_lundy, methods=["POST"]),
]
