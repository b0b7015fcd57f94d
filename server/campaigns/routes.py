"""Campaign pages: start one, shape its TEAM goal, join with a code, and show progress.

Thin: read the form, call the campaign service, render or redirect. Every form works without
JavaScript; a failed form is shown again with what was typed and a message by each field.
"""

import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import segno
from babel.dates import format_date
from markupsafe import Markup
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.accounts.codes import normalise_code
from server.accounts.sessions import Viewer
from server.campaigns import discussion, fragments, polls, service, team
from server.campaigns.charts import line_chart
from server.campaigns.models import CampaignRole, Status
from server.errors import InvalidInput, NotAllowed, NotFound
from server.i18n import _, current
from server.live import events
from server.moderation import room
from server.security import expected_csrf_token
from server.web import (
    form,
    login_required,
    path_int,
    read,
    redirect,
    render,
    runtime,
    signed_in,
    write,
)

FORM_FIELDS = team.GOAL_FIELDS
NEW_STEP_ROWS = 3


def _cid(request: Request) -> int:
    return path_int(request, "campaign_id")


def _url(campaign_id: int, part: str = "") -> str:
    return f"/campaigns/{campaign_id}{part}"


def show_code(code: str) -> str:
    """KDX-4RT: two halves are easier to read out than six letters."""
    half = (len(code) + 1) // 2
    return f"{code[:half]}-{code[half:]}" if code else ""


def join_link(request: Request, code: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/c/{show_code(code)}"


# ---------------------------------------------------------------- lists


@login_required
async def campaigns(request: Request) -> Response:
    actor = signed_in(request)
    summaries = await read(request, service.list_campaigns, actor=actor,
                           include_archived=actor.is_staff)
    mine = [s for s in summaries if s.my_role is not None and s.campaign.archived_at is None]
    others = [s for s in summaries if s.my_role is None and s.campaign.archived_at is None]
    archived = [s for s in summaries if s.campaign.archived_at is not None]
    return render(request, "campaigns/list.html", mine=mine, others=others, archived=archived)


# ---------------------------------------------------------------- the goal form


def _step_rows(data: dict[str, str]) -> list[str]:
    return [data.get(f"step_{i}", "") for i in range(NEW_STEP_ROWS)]


def _form_values(campaign: Any) -> dict[str, str]:
    values = {name: "" for name in FORM_FIELDS}
    if campaign is not None:
        for name in FORM_FIELDS:
            value = getattr(campaign, name)
            if name.startswith("measure_") and isinstance(value, float):
                value = team.format_number(value).replace(",", "")
            elif name == "deadline":
                value = value.isoformat() if value else ""
            values[name] = "" if value is None else str(value)
    return values


@login_required
async def new_page(request: Request) -> Response:
    actor = signed_in(request)
    if not actor.can_post or actor.is_staff:
        raise NotAllowed(_cannot_start(actor))
    return render(request, "campaigns/form.html", campaign=None, values=_form_values(None),
                  steps=[""] * NEW_STEP_ROWS, errors={}, view=None)


def _day(value: date) -> str:
    """A date as people read it, in their language: `31 March 2027`."""
    return format_date(value, "d MMMM y", locale=current())


def _cannot_start(actor: Viewer) -> str:
    if actor.is_staff:
        return _("Campaigns are started by young people. Youth workers join them as "
                 "facilitators.")
    return _("A youth worker needs to record a parent's or carer's agreement before you can "
             "start a campaign.")


@login_required
async def create(request: Request) -> Response:
    actor = signed_in(request)
    data = await form(request)
    values = {name: data.get(name, "") for name in FORM_FIELDS}
    steps = _step_rows(data)
    try:
        campaign = await write(request, service.create_campaign, actor=actor, data=values,
                               steps=steps)
    except InvalidInput as problem:
        return render(request, "campaigns/form.html", status=422, campaign=None, values=values,
                      steps=steps, errors=problem.errors, view=None)
    assert campaign.id is not None
    if data.get("action") == "publish":
        return await _publish(request, campaign.id, just_saved=True)
    return redirect(_url(campaign.id) + "?saved=1")


async def _publish(request: Request, campaign_id: int, *, just_saved: bool = False) -> Response:
    actor = signed_in(request)
    try:
        await write(request, service.go_live, actor=actor, campaign_id=campaign_id)
    except InvalidInput as problem:
        if just_saved:
            # What was typed is saved as a draft: show it at its own address, so reloading
            # the page can never make a second campaign.
            return redirect(_url(campaign_id, "/edit?publish=1"))
        return await _edit_form(request, campaign_id, status=422, errors=problem.errors)
    return redirect(_url(campaign_id) + "?live=1")


async def _edit_form(request: Request, campaign_id: int, *, status: int = 200,
                     errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                     steps: list[str] | None = None, saved_draft: bool = False) -> Response:
    actor = signed_in(request)
    view = await read(request, service.get_campaign, actor=actor, campaign_id=campaign_id)
    if not service.permissions(actor, view).edit_goal:
        c = view.campaign
        if view.my_role == CampaignRole.lead and c.archived_at is not None:
            raise NotAllowed(_("This campaign is archived: it can be read but not changed."))
        if view.my_role == CampaignRole.lead:
            raise NotAllowed(_("This campaign is %(status)s: it can no longer be changed.") % {
                "status": _(Status(c.status).label).lower()})
        raise NotAllowed(_("Only the campaign's leads can change its goal."))
    return render(request, "campaigns/form.html", status=status, campaign=view.campaign,
                  view=view, values=values or _form_values(view.campaign),
                  steps=steps or [""] * NEW_STEP_ROWS, errors=errors or {},
                  saved_draft=saved_draft)


@login_required
async def edit_page(request: Request) -> Response:
    campaign_id = _cid(request)
    if request.query_params.get("publish") != "1":
        return await _edit_form(request, campaign_id)
    # Just saved as a draft on the way to going live: say which letters are still missing.
    view = await read(request, service.get_campaign, actor=signed_in(request),
                      campaign_id=campaign_id)
    errors = {letter.field: f"{letter.key}: {letter.problem}" for letter in view.missing}
    return await _edit_form(request, campaign_id, errors=errors,
                            saved_draft=view.campaign.status == Status.draft)


@login_required
async def edit(request: Request) -> Response:
    actor, campaign_id = signed_in(request), _cid(request)
    data = await form(request)
    values = {name: data.get(name, "") for name in FORM_FIELDS}
    steps = _step_rows(data)
    try:
        await write(request, service.update_goal, actor=actor, campaign_id=campaign_id,
                    data=values, steps=steps)
    except InvalidInput as problem:
        return await _edit_form(request, campaign_id, status=422, errors=problem.errors,
                                values=values, steps=steps)
    if data.get("action") == "publish":
        return await _publish(request, campaign_id, just_saved=True)
    return redirect(_url(campaign_id) + "?saved=1")


@login_required
async def go_live(request: Request) -> Response:
    return await _publish(request, _cid(request))


# ---------------------------------------------------------------- the campaign page


def _failed_form(request: Request) -> str:
    """Which form on the campaign page was sent: its errors and typed values go back to it."""
    params = request.path_params
    if "step_id" in params:
        return f"step-{params['step_id']}"
    if "stakeholder_id" in params:
        return f"sh-{params['stakeholder_id']}"
    return request.url.path.rsplit("/", 1)[-1]  # steps, stakeholders, progress, end, …


@dataclass(frozen=True)
class LivePage:
    """What a live campaign page is drawn from, read in one transaction."""

    cursor: int
    view: service.CampaignView
    polls: polls.PollsSection
    discussion: discussion.Discussion | None
    room: room.Room
    moderates: str  # "staff", "peer" (a peer moderator here) or "": which tools the page shows


def _live_page(session: Session, *, actor: Viewer, campaign_id: int,
               feed_before: int | None = None, with_discussion: bool = True) -> LivePage:
    # The cursor is read first: anything that happens while the page is drawn is sent again
    # over its websocket (and recognised by its number), never missed.
    cursor = events.latest_id(session, campaign_id)
    view = service.get_campaign(session, actor=actor, campaign_id=campaign_id,
                                feed_before=feed_before)
    # A peer moderator is an active member marked as one (as `moderation.comments.
    # is_peer_moderator` says): the campaign's people, just read, tell without asking again.
    moderates = "staff" if actor.is_staff else (
        "peer" if any(p.user_id == actor.user_id and p.peer_moderator for p in view.people)
        else "")
    # The polls and the discussion take the campaign, the viewer's place in it and their
    # account as just read, rather than reading them again.
    return LivePage(cursor, view, polls.for_page(session, actor=actor, campaign_id=campaign_id,
                                                 view=view),
                    discussion.for_page(session, actor=actor, campaign_id=campaign_id,
                                        view=view)
                    if with_discussion else None, room.room_of(view.campaign), moderates)


async def _page(request: Request, campaign_id: int, *, status: int = 200,
                errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                ) -> Response:
    actor = signed_in(request)
    before = request.query_params.get("before", "")
    live = await read(request, _live_page, actor=actor, campaign_id=campaign_id,
                      feed_before=int(before) if before.isdigit() else None)
    view = live.view
    if status == 200 and view.my_role is not None and view.unseen:
        # Only when something is new to them: otherwise it would change nothing.
        await write(request, service.mark_seen, actor=actor, campaign_id=campaign_id)
    chart = line_chart([(r.recorded_at, r.value) for r in view.readings],
                       target=view.campaign.measure_target)
    failed = _failed_form(request) if errors else ""
    item_form = failed.startswith(("step-", "sh-"))
    # Each thread, poll card and feed item drawn once for everyone who sees it the same, then
    # this page's own token and op ids put in.
    templates = runtime(request).templates
    kept = fragments.cache_of(templates)
    token = expected_csrf_token(request.scope)
    drawn: dict[str, Markup] = {
        "feed_html": kept.feed_items(templates, view.feed, campaign_id=campaign_id)}
    if token:
        drawn["cards_html"] = kept.poll_cards(templates, live.polls, csrf_token=token)
        if live.discussion is not None:
            drawn["threads_html"] = kept.threads(templates, live.discussion, viewer=actor,
                                                 csrf_token=token)
    return render(request, "campaigns/show.html", status=status, view=view,
                  can=service.permissions(actor, view), chart=chart, errors=errors or {},
                  values=values or {}, format_number=team.format_number,
                  format_date=_day, when_kept=fragments.when, failed=failed,
                  # A change to one step or person is shown by that step's own form.
                  summary_prefix=f"{failed}-" if item_form else "f-",
                  form_errors={} if item_form else (errors or {}),
                  form_values={} if item_form else (values or {}),
                  join_code=show_code(view.campaign.join_code or ""),
                  join_url=join_link(request, view.campaign.join_code or ""),
                  cursor=live.cursor, polls_section=live.polls, discussion=live.discussion,
                  room=live.room, moderates=live.moderates,
                  slow_mode_choices=room.SLOW_MODE_CHOICES, **drawn)


@login_required
async def show(request: Request) -> Response:
    return await _page(request, _cid(request))


Action = Callable[[Request, Viewer, int, dict[str, str]], Awaitable[Any]]


def _action(run: Action, *, anchor: str = "") -> Callable[[Request], Awaitable[Response]]:
    """A form on the campaign page: run it, then back to the page; show the page with the
    form's errors and what was typed when it fails."""

    @login_required
    async def endpoint(request: Request) -> Response:
        actor, campaign_id = signed_in(request), _cid(request)
        data = await form(request)
        try:
            await run(request, actor, campaign_id, data)
        except InvalidInput as problem:
            return await _page(request, campaign_id, status=422, errors=problem.errors,
                               values=data)
        return redirect(_url(campaign_id) + (f"#{anchor}" if anchor else ""))

    return endpoint


def _step_id(request: Request) -> int:
    return path_int(request, "step_id")


def _stakeholder_id(request: Request) -> int:
    return path_int(request, "stakeholder_id")


async def _end(request: Request, actor: Viewer, campaign_id: int, data: dict[str, str]) -> None:
    await write(request, service.end_campaign, actor=actor, campaign_id=campaign_id,
                outcome=data.get("outcome", ""), statement=data.get("statement", ""))


async def _archive(request: Request, actor: Viewer, campaign_id: int,
                   data: dict[str, str]) -> None:
    choice = data.get("archived", "1")
    if choice not in ("0", "1"):
        raise InvalidInput({"archived": _("Choose whether to archive the campaign or bring "
                                          "it back.")})
    await write(request, service.set_archived, actor=actor, campaign_id=campaign_id,
                archived=choice == "1")


async def _progress(request: Request, actor: Viewer, campaign_id: int,
                    data: dict[str, str]) -> None:
    await write(request, service.record_progress, actor=actor, campaign_id=campaign_id,
                measure=data.get("measure", ""), update=data.get("update", ""))


def _step_text_errors(problem: InvalidInput) -> InvalidInput:
    """The service names a step's text "step_0" (as on the goal form); here it is "text"."""
    return InvalidInput({"text" if name == "step_0" else name: message
                         for name, message in problem.errors.items()})


async def _add_step(request: Request, actor: Viewer, campaign_id: int,
                    data: dict[str, str]) -> None:
    try:
        await write(request, service.add_step, actor=actor, campaign_id=campaign_id,
                    text=data.get("text", ""), owner_id=data.get("owner_id", ""))
    except InvalidInput as problem:
        raise _step_text_errors(problem) from None


async def _change_step(request: Request, actor: Viewer, campaign_id: int,
                       data: dict[str, str]) -> None:
    step_id = _step_id(request)
    if "done" in data:
        await write(request, service.set_step_done, actor=actor, campaign_id=campaign_id,
                    step_id=step_id, done=data["done"] == "1")
    else:
        try:
            await write(request, service.update_step, actor=actor, campaign_id=campaign_id,
                        step_id=step_id, text=data.get("text"), owner_id=data.get("owner_id"))
        except InvalidInput as problem:
            raise _step_text_errors(problem) from None


async def _remove_step(request: Request, actor: Viewer, campaign_id: int,
                       data: dict[str, str]) -> None:
    await write(request, service.remove_step, actor=actor, campaign_id=campaign_id,
                step_id=_step_id(request))


async def _add_stakeholder(request: Request, actor: Viewer, campaign_id: int,
                           data: dict[str, str]) -> None:
    await write(request, service.add_stakeholder, actor=actor, campaign_id=campaign_id,
                data=data)


async def _change_stakeholder(request: Request, actor: Viewer, campaign_id: int,
                              data: dict[str, str]) -> None:
    await write(request, service.update_stakeholder, actor=actor, campaign_id=campaign_id,
                stakeholder_id=_stakeholder_id(request),
                data={k: v for k, v in data.items() if k in ("name", "organisation", "notes")})


async def _remove_stakeholder(request: Request, actor: Viewer, campaign_id: int,
                              data: dict[str, str]) -> None:
    await write(request, service.remove_stakeholder, actor=actor, campaign_id=campaign_id,
                stakeholder_id=_stakeholder_id(request))


async def _facilitate(request: Request, actor: Viewer, campaign_id: int,
                      data: dict[str, str]) -> None:
    await write(request, service.join_as_facilitator, actor=actor, campaign_id=campaign_id)


# ---------------------------------------------------------------- people and the code


async def _people_page(request: Request, campaign_id: int, *, status: int = 200,
                       errors: dict[str, str] | None = None) -> Response:
    actor = signed_in(request)
    view = await read(request, service.get_campaign, actor=actor, campaign_id=campaign_id)
    can = service.permissions(actor, view)
    if not can.view_members:
        raise NotAllowed(_("Only the campaign's members can see who is in it."))
    staff = (await read(request, service.staff_to_add, actor=actor, campaign_id=campaign_id)
             if can.manage_members else [])
    return render(request, "campaigns/people.html", status=status, view=view, can=can,
                  staff=staff, errors=errors or {},
                  join_code=show_code(view.campaign.join_code or ""),
                  join_url=join_link(request, view.campaign.join_code or ""))


@login_required
async def people(request: Request) -> Response:
    return await _people_page(request, _cid(request))


def _people_action(run: Action) -> Callable[[Request], Awaitable[Response]]:
    @login_required
    async def endpoint(request: Request) -> Response:
        actor, campaign_id = signed_in(request), _cid(request)
        data = await form(request)
        try:
            await run(request, actor, campaign_id, data)
        except InvalidInput as problem:
            return await _people_page(request, campaign_id, status=422, errors=problem.errors)
        if run is _remove_member and actor.user_id == request.path_params.get("user_id"):
            return redirect("/campaigns?left=1")
        return redirect(_url(campaign_id, "/people"))

    return endpoint


async def _set_lead(request: Request, actor: Viewer, campaign_id: int,
                    data: dict[str, str]) -> None:
    await write(request, service.set_lead, actor=actor, campaign_id=campaign_id,
                user_id=path_int(request, "user_id"), lead=data.get("lead", "1") == "1")


async def _remove_member(request: Request, actor: Viewer, campaign_id: int,
                         data: dict[str, str]) -> None:
    await write(request, service.remove_member, actor=actor, campaign_id=campaign_id,
                user_id=path_int(request, "user_id"))


async def _add_facilitator(request: Request, actor: Viewer, campaign_id: int,
                           data: dict[str, str]) -> None:
    await write(request, service.add_facilitator, actor=actor, campaign_id=campaign_id,
                user_id=data.get("user_id", ""))


async def _regenerate(request: Request, actor: Viewer, campaign_id: int,
                      data: dict[str, str]) -> None:
    await write(request, service.regenerate_code, actor=actor, campaign_id=campaign_id)


@login_required
async def qr_code(request: Request) -> Response:
    actor, campaign_id = signed_in(request), _cid(request)
    view = await read(request, service.get_campaign, actor=actor, campaign_id=campaign_id)
    if view.my_role is None:
        raise NotAllowed(_("Only the campaign's members can see its join code."))
    if not view.campaign.join_code or view.campaign.archived_at is not None:
        raise NotFound(_("This campaign has no join code: only a live campaign has one."))
    qr = segno.make(join_link(request, view.campaign.join_code), error="m")
    svg = io.BytesIO()
    qr.save(svg, kind="svg", scale=6, border=2, dark="#1b1b1b", light="#ffffff",
            xmldecl=False, title=_("QR code to join %(title)s") % {"title": view.campaign.title})
    return Response(svg.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "private, no-store"})


# ---------------------------------------------------------------- presenter view


@login_required
async def present(request: Request) -> Response:
    """A big screen for a live session: the join code and QR code, and the current poll."""
    actor, campaign_id = signed_in(request), _cid(request)
    live = await read(request, _live_page, actor=actor, campaign_id=campaign_id,
                      with_discussion=False)
    view, section = live.view, live.polls
    if view.my_role not in (CampaignRole.lead, CampaignRole.facilitator):
        raise NotAllowed(_("The presenter view is for the campaign's leads and facilitators. "
                           "Join it as a facilitator first.") if actor.is_staff else
                         _("The presenter view is for the campaign's leads and facilitators."))
    current = next((card for card in section.polls if card.data["status"] == "open"), None)
    return render(request, "campaigns/present.html", view=view, cursor=live.cursor,
                  polls_section=section, current=current,
                  join_code=show_code(view.campaign.join_code or ""),
                  join_url=join_link(request, view.campaign.join_code or ""))


# ---------------------------------------------------------------- joining with a code


@login_required
async def join_page(request: Request) -> Response:
    return render(request, "campaigns/join.html", code="", errors={}, campaign=None)


@login_required
async def join_link_page(request: Request) -> Response:
    """Opening a join link shows the campaign and a button: nothing changes on a GET."""
    actor, code = signed_in(request), request.path_params["code"]
    try:
        campaign = await read(request, service.find_by_code, actor=actor, code=code)
    except InvalidInput as problem:
        return render(request, "campaigns/join.html", status=404, code=code,
                      errors=problem.errors, campaign=None)
    return render(request, "campaigns/join.html", code=show_code(normalise_code(code)), errors={},
                  campaign=campaign)


@login_required
async def join(request: Request) -> Response:
    actor = signed_in(request)
    code = (await form(request)).get("code", "")
    try:
        campaign = await write(request, service.join, actor=actor, code=code)
    except InvalidInput as problem:
        return render(request, "campaigns/join.html", status=422, code=code,
                      errors=problem.errors, campaign=None)
    assert campaign.id is not None
    return redirect(_url(campaign.id) + "?joined=1")


routes = [
    Route("/campaigns", campaigns, methods=["GET"]),
    Route("/campaigns/new", new_page, methods=["GET"]),
    Route("/campaigns/new", create, methods=["POST"]),
    Route("/campaigns/join", join_page, methods=["GET"]),
    Route("/campaigns/join", join, methods=["POST"]),
    Route("/c/{code}", join_link_page, methods=["GET"]),
    Route("/campaigns/{campaign_id:int}", show, methods=["GET"]),
    Route("/campaigns/{campaign_id:int}/edit", edit_page, methods=["GET"]),
    Route("/campaigns/{campaign_id:int}/edit", edit, methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/live", go_live, methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/end", _action(_end), methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/archive", _action(_archive), methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/progress", _action(_progress, anchor="progress"),
          methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/steps", _action(_add_step, anchor="plan"),
          methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/steps/{step_id:int}",
          _action(_change_step, anchor="plan"), methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/steps/{step_id:int}/remove",
          _action(_remove_step, anchor="plan"), methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/stakeholders",
          _action(_add_stakeholder, anchor="stakeholders"), methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/stakeholders/{stakeholder_id:int}",
          _action(_change_stakeholder, anchor="stakeholders"), methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/stakeholders/{stakeholder_id:int}/remove",
          _action(_remove_stakeholder, anchor="stakeholders"), methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/facilitate", _action(_facilitate), methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/people", people, methods=["GET"]),
    Route("/campaigns/{campaign_id:int}/people/{user_id:int}/lead",
          _people_action(_set_lead), methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/people/{user_id:int}/remove",
          _people_action(_remove_member), methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/facilitators", _people_action(_add_facilitator),
          methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/code", _people_action(_regenerate), methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/qr.svg", qr_code, methods=["GET"]),
    Route("/campaigns/{campaign_id:int}/present", present, methods=["GET"]),
]
