"""Moderation pages: the youth workers' console, and every moderation action.

Thin, like the other pages. An action sent from the console by htmx is answered with the
queue drawn afresh; one sent from a comment on a campaign page is answered with the comment as
everyone now sees it (the change reaches every other open page over its websocket); one sent
without JavaScript is answered with a redirect back to where it came from (`next`). A form that
needs fixing comes back with the message by the field and the words kept (422).
"""

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.accounts import people
from server.campaigns import discussion, service
from server.errors import InvalidInput
from server.moderation import comments, console, mutes, peers, room
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
    staff_only,
    write,
)

CONSOLE = "/moderation"


def _next(data: dict[str, str], default: str) -> str:
    """Where a plain form goes back to: a path on this site only."""
    wanted = safe_next(data.get("next", ""))
    return wanted if wanted != "/" else default


def _from_console(request: Request) -> bool:
    return is_htmx(request) and request.headers.get("hx-target") == "queue"


async def _queue_page(request: Request, *, status: int = 200, failed: str = "",
                      errors: dict[str, str] | None = None, typed: dict[str, str] | None = None,
                      partial: bool = False) -> Response:
    found = await read(request, console.queue, actor=signed_in(request))
    return render(request, "moderation/_queue.html" if partial else "moderation/console.html",
                  status=status, queue=found, failed=failed, errors=errors or {},
                  typed=typed or {}, duration_labels=mutes.DURATION_LABELS)


# ---------------------------------------------------------------- the console


@staff_only
async def console_page(request: Request) -> Response:
    return await _queue_page(request)


@staff_only
async def queue(request: Request) -> Response:
    return await _queue_page(request, partial=True)


# ---------------------------------------------------------------- acting on a comment


def _comment_at(comment_id: int, campaign_id: int) -> str:
    return f"/campaigns/{campaign_id}#comment-{comment_id}"


async def _on_comment(request: Request, action: Callable[..., Any], key: str,
                      **extra: str) -> Response:
    """Run a moderation action on the comment in the path and answer where it came from."""
    actor, comment_id = signed_in(request), path_int(request, "comment_id")
    data = await form(request)
    kwargs: dict[str, Any] = {name: data.get(field, "") for name, field in extra.items()}
    try:
        comment = await write(request, action, actor=actor, comment_id=comment_id, **kwargs)
    except InvalidInput as problem:
        failed = f"{key}-{comment_id}"
        if _from_console(request) or not is_htmx(request):
            return await _queue_page(request, status=422, failed=failed, errors=problem.errors,
                                     typed=data, partial=is_htmx(request))
        shown = await read(request, discussion.form_page, actor=actor, comment_id=comment_id)
        return render(request, "discussion/_comment.html", status=422, c=shown.comment,
                      mod_failed=key, mod_errors=problem.errors, mod_typed=data)
    if _from_console(request):
        return await _queue_page(request, partial=True)
    if is_htmx(request):
        shown = await read(request, discussion.form_page, actor=actor, comment_id=comment_id)
        return render(request, "discussion/_comment.html", c=shown.comment)
    return redirect(_next(data, _comment_at(comment_id, comment.campaign_id)))


@login_required
async def hold(request: Request) -> Response:
    return await _on_comment(request, comments.hold_comment, "hold", reason="reason")


@staff_only
async def hide(request: Request) -> Response:
    return await _on_comment(request, comments.hide_comment, "hide", reason="reason")


@login_required
async def restore(request: Request) -> Response:
    return await _on_comment(request, comments.restore_comment, "restore")


@staff_only
async def remove(request: Request) -> Response:
    return await _on_comment(request, comments.remove_comment, "remove", reason="reason")


@staff_only
async def dismiss(request: Request) -> Response:
    return await _on_comment(request, comments.dismiss_reports, "dismiss", reason="reason")


# ---------------------------------------------------------------- reporting


@login_required
async def report(request: Request) -> Response:
    actor, comment_id = signed_in(request), path_int(request, "comment_id")
    data = await form(request)
    try:
        await write(request, comments.report_comment, actor=actor, comment_id=comment_id,
                    kind=data.get("kind", ""), words=data.get("words", ""))
    except InvalidInput as problem:
        if is_htmx(request):
            return render(request, "moderation/_report.html", status=422, comment_id=comment_id,
                          errors=problem.errors, typed=data, open=True)
        found = await read(request, discussion.form_page, actor=actor, comment_id=comment_id)
        return render(request, "moderation/report.html", status=422, form_page=found,
                      errors=problem.errors, typed=data)
    if is_htmx(request):
        return render(request, "moderation/_report.html", comment_id=comment_id, sent=True)
    found = await read(request, discussion.form_page, actor=actor, comment_id=comment_id)
    return render(request, "moderation/report.html", form_page=found, sent=True)


@login_required
async def report_form(request: Request) -> Response:
    """The report form on its own page (for a phone without JavaScript)."""
    found = await read(request, discussion.form_page, actor=signed_in(request),
                       comment_id=path_int(request, "comment_id"))
    return render(request, "moderation/report.html", form_page=found, errors={}, typed={})


# ---------------------------------------------------------------- people and the room


async def _campaign_action(request: Request, action: Callable[..., Any], key: str,
                           fields: dict[str, str], default: str) -> Response:
    actor, campaign_id = signed_in(request), path_int(request, "campaign_id")
    data = await form(request)
    kwargs: dict[str, Any] = {name: data.get(field) for name, field in fields.items()}
    if "user_id" in request.path_params:
        kwargs["user_id"] = path_int(request, "user_id")
    try:
        await write(request, action, actor=actor, campaign_id=campaign_id, **kwargs)
    except InvalidInput as problem:
        if _from_console(request) or data.get("next") == CONSOLE:
            return await _queue_page(request, status=422, failed=f"{key}-{campaign_id}-"
                                     f"{kwargs.get('user_id', '')}", errors=problem.errors,
                                     typed=data, partial=is_htmx(request))
        view = await read(request, room.get_room, actor=actor, campaign_id=campaign_id)
        return render(request, "moderation/room.html", status=422, room=view,
                      errors=problem.errors, typed=data, choices=room.SLOW_MODE_CHOICES,
                      campaign_id=campaign_id)
    if _from_console(request):
        return await _queue_page(request, partial=True)
    return redirect(_next(data, default.format(campaign_id=campaign_id)))


@staff_only
async def mute(request: Request) -> Response:
    return await _campaign_action(request, mutes.mute, "mute",
                                  {"user_id": "user_id", "duration": "duration",
                                   "reason": "reason"}, CONSOLE)


@staff_only
async def unmute(request: Request) -> Response:
    return await _campaign_action(request, mutes.unmute, "unmute", {}, CONSOLE)


@staff_only
async def set_room(request: Request) -> Response:
    return await _campaign_action(request, room.set_room, "room",
                                  {"premoderation": "premoderation",
                                   "slow_mode_seconds": "slow_mode_seconds",
                                   "locked": "locked"}, "/campaigns/{campaign_id}#room")


@login_required
async def peer(request: Request) -> Response:
    return await _campaign_action(request, peers.set_peer_moderator, "peer", {"on": "on"},
                                  "/campaigns/{campaign_id}/people")


@staff_only
async def remove_member(request: Request) -> Response:
    return await _campaign_action(request, service.remove_member, "remove-member", {}, CONSOLE)


@staff_only
async def suspend(request: Request) -> Response:
    actor, user_id = signed_in(request), path_int(request, "user_id")
    data = await form(request)
    try:
        await write(request, people.suspend, actor=actor, user_id=user_id,
                    reason=data.get("reason", ""))
    except InvalidInput as problem:
        return await _queue_page(request, status=422, failed=f"suspend-{user_id}",
                                 errors=problem.errors, typed=data, partial=is_htmx(request))
    if _from_console(request):
        return await _queue_page(request, partial=True)
    return redirect(_next(data, CONSOLE))


@staff_only
async def pause(request: Request) -> Response:
    actor, poll_id = signed_in(request), path_int(request, "poll_id")
    data = await form(request)
    poll = await write(request, room.pause_poll, actor=actor, poll_id=poll_id,
                       paused=data.get("paused", ""))
    if is_htmx(request):
        return Response(status_code=204)  # the page hears of it over its websocket
    return redirect(_next(data, f"/campaigns/{poll.campaign_id}#poll-{poll_id}"))


routes = [
    Route(CONSOLE, console_page, methods=["GET"]),
    Route("/moderation/queue", queue, methods=["GET"]),
    Route("/comments/{comment_id:int}/report", report_form, methods=["GET"]),
    Route("/comments/{comment_id:int}/report", report, methods=["POST"]),
    Route("/comments/{comment_id:int}/hold", hold, methods=["POST"]),
    Route("/comments/{comment_id:int}/hide", hide, methods=["POST"]),
    Route("/comments/{comment_id:int}/restore", restore, methods=["POST"]),
    Route("/comments/{comment_id:int}/remove", remove, methods=["POST"]),
    Route("/comments/{comment_id:int}/dismiss", dismiss, methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/room", set_room, methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/mutes", mute, methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/mutes/{user_id:int}/lift", unmute, methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/people/{user_id:int}/peer", peer, methods=["POST"]),
    Route("/moderation/campaigns/{campaign_id:int}/people/{user_id:int}/remove", remove_member,
          methods=["POST"]),
    Route("/moderation/people/{user_id:int}/suspend", suspend, methods=["POST"]),
    Route("/polls/{poll_id:int}/pause", pause, methods=["POST"]),
]
