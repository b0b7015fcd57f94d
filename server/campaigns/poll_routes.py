"""Poll pages: the new poll form, a poll on its own page, voting, and running a poll.

Thin, like the campaign pages: read the form, call the poll service, render or redirect.
Every form works without JavaScript. A ballot sent by htmx (a phone on the campaign page) is
answered with the poll's ballot box and its results, not a redirect; anything else is a
redirect back to the campaign page, or the page again (422) with what was typed and a
message by the field.
"""

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.accounts.sessions import Viewer
from server.campaigns import ballots, polls
from server.errors import InvalidInput, NotAllowed
from server.i18n import _
from server.web import (
    form,
    is_htmx,
    login_required,
    path_int,
    read,
    redirect,
    render,
    safe_next,
    signed_in,
    write,
)

POLL_FIELDS = ("kind", "question", "description", "options", "max_choices", "anonymous",
               "visibility", "closes_at")


def _pid(request: Request) -> int:
    return path_int(request, "poll_id")


def _back(campaign_id: int, poll_id: int) -> str:
    return f"/campaigns/{campaign_id}#poll-{poll_id}"


# ---------------------------------------------------------------- a new poll


def _form_values(data: dict[str, str] | None = None) -> dict[str, str]:
    values = {name: "" for name in POLL_FIELDS}
    values.update(kind="single", anonymous="1", visibility="live")
    values.update({name: value for name, value in (data or {}).items() if name in POLL_FIELDS})
    return values


@login_required
async def new_page(request: Request) -> Response:
    campaign_id = path_int(request, "campaign_id")
    campaign = await read(request, polls.check_can_create, actor=signed_in(request),
                          campaign_id=campaign_id)
    return render(request, "polls/form.html", campaign=campaign, values=_form_values(),
                  errors={})


@login_required
async def create(request: Request) -> Response:
    actor, campaign_id = signed_in(request), path_int(request, "campaign_id")
    values = _form_values(await form(request))
    open_now = (await request.form()).get("action") != "draft"
    try:
        poll = await write(request, polls.create_poll, actor=actor, campaign_id=campaign_id,
                           data=values, open_now=open_now)
    except InvalidInput as problem:
        campaign = await read(request, polls.check_can_create, actor=actor,
                              campaign_id=campaign_id)
        return render(request, "polls/form.html", status=422, campaign=campaign,
                      values=values, errors=problem.errors)
    assert poll.id is not None
    return redirect(_back(campaign_id, poll.id))


# ---------------------------------------------------------------- a poll on its own page


async def _poll_page(request: Request, poll_id: int, *, status: int = 200,
                     **ballot: Any) -> Response:
    page = await read(request, polls.get_poll, actor=signed_in(request), poll_id=poll_id)
    return render(request, "polls/show.html", status=status, page=page, failed_poll=poll_id,
                  **ballot)


@login_required
async def show(request: Request) -> Response:
    return await _poll_page(request, _pid(request))


# ---------------------------------------------------------------- voting


def _ballot_from_form(data: Any) -> tuple[Any, dict[str, Any]]:
    """The choices a ballot form sent, in the service's shape, and what was typed (to show the
    form again). Each kind's form has its own fields, so the fields say which kind it is; the
    service checks the choices against the poll itself. Numbers the form cannot make sense of
    become a message by the field."""
    typed: dict[str, Any] = {"choice": [v for v in data.getlist("choice") if isinstance(v, str)],
                             "position": str(data.get("position") or ""),
                             "reason": str(data.get("reason") or "")}
    ranks: dict[str, str] = {}
    scores: dict[str, str] = {}
    ranked = False
    for key, value in data.multi_items():
        if not isinstance(value, str):
            continue
        ranked = ranked or key.startswith("rank_")
        if key.startswith("rank_") and value.strip():
            ranks[key[5:]] = typed[key] = value.strip()
        elif key.startswith("score_") and value.strip():
            scores[key[6:]] = typed[key] = value.strip()
    if ranked:
        if not all(rank.isdigit() for rank in ranks.values()):
            raise _Typed(typed, {"choices": _("Number your choices with whole numbers: 1 for "
                                              "your favourite.")})
        numbers = sorted(int(rank) for rank in ranks.values())
        if len(set(numbers)) != len(numbers):
            raise _Typed(typed, {"choices": _("Give each option a different number: 1 for "
                                              "your favourite, 2 for the next, and so on.")})
        in_order = sorted(ranks.items(), key=lambda r: int(r[1]))
        return [option for option, _rank in in_order], typed
    if scores:
        return scores, typed
    if typed["position"]:
        return typed["position"], typed
    return typed["choice"], typed


class _Typed(Exception):
    def __init__(self, typed: dict[str, Any], errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.typed, self.errors = typed, errors


async def _ballot_box(request: Request, poll_id: int, *, status: int = 200,
                      **context: Any) -> Response:
    page = await read(request, polls.get_poll, actor=signed_in(request), poll_id=poll_id)
    return render(request, "polls/_ballot_response.html", status=status, page=page,
                     failed_poll=poll_id, **context)


@login_required
async def vote(request: Request) -> Response:
    actor, poll_id = signed_in(request), _pid(request)
    data = await request.form()
    typed: dict[str, Any] = {}
    try:
        choices, typed = _ballot_from_form(data)
        op_id = str(data.get("client_op_id") or "") or secrets.token_urlsafe(12)
        saved = await write(request, ballots.cast_ballot, actor=actor, poll_id=poll_id,
                            choices=choices, client_op_id=op_id, reason=typed["reason"])
    except _Typed as problem:
        return await _refused(request, poll_id, problem.typed, problem.errors)
    except InvalidInput as problem:
        return await _refused(request, poll_id, typed, problem.errors)
    except NotAllowed as problem:
        if not is_htmx(request):
            raise
        return await _ballot_box(request, poll_id, status=403, ballot_problem=problem.message,
                                 ballot_typed=typed)
    if is_htmx(request):
        return await _ballot_box(request, poll_id, saved=saved)
    return redirect(_back(saved.campaign_id, poll_id))


async def _refused(request: Request, poll_id: int, typed: dict[str, Any],
                   errors: dict[str, str]) -> Response:
    if is_htmx(request):
        return await _ballot_box(request, poll_id, status=422, ballot_errors=errors,
                                 ballot_typed=typed)
    return await _poll_page(request, poll_id, status=422, ballot_errors=errors,
                            ballot_typed=typed)


# ---------------------------------------------------------------- running a poll


def _next(value: str, campaign_id: int, poll_id: int) -> str:
    """Back where the form was (the presenter view), when that is one of our own pages."""
    if value.startswith("/campaigns/") and safe_next(value) == value:
        return value
    return _back(campaign_id, poll_id)


def _runner_action(action: str) -> Callable[[Request], Awaitable[Response]]:
    @login_required
    async def endpoint(request: Request) -> Response:
        actor, poll_id = signed_in(request), _pid(request)
        data = await form(request)
        try:
            poll = await _run(request, actor, poll_id, action, data)
        except InvalidInput as problem:
            return await _poll_page(request, poll_id, status=422, page_errors=problem.errors)
        if is_htmx(request):
            page = await read(request, polls.get_poll, actor=actor, poll_id=poll_id)
            return render(request, "polls/_card_response.html", page=page)
        return redirect(_next(data.get("next", ""), poll.campaign_id, poll_id))

    return endpoint


async def _run(request: Request, actor: Viewer, poll_id: int, action: str,
               data: dict[str, str]) -> Any:
    if action == "open":
        return await write(request, polls.open_poll, actor=actor, poll_id=poll_id)
    if action == "close":
        return await write(request, polls.close_poll, actor=actor, poll_id=poll_id)
    choice = data.get("revealed", "1")
    if choice not in ("0", "1"):
        raise InvalidInput({"revealed": _("Choose whether to show the results to everyone or "
                                          "hide them again.")})
    return await write(request, polls.set_revealed, actor=actor, poll_id=poll_id,
                       revealed=choice == "1")


routes = [
    Route("/campaigns/{campaign_id:int}/polls/new", new_page, methods=["GET"]),
    Route("/campaigns/{campaign_id:int}/polls", create, methods=["POST"]),
    Route("/polls/{poll_id:int}", show, methods=["GET"]),
    Route("/polls/{poll_id:int}/ballot", vote, methods=["POST"]),
    Route("/polls/{poll_id:int}/open", _runner_action("open"), methods=["POST"]),
    Route("/polls/{poll_id:int}/close", _runner_action("close"), methods=["POST"]),
    Route("/polls/{poll_id:int}/reveal", _runner_action("reveal"), methods=["POST"]),
]
