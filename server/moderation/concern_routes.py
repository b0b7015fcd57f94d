""""I'm worried about something" pages, and youth workers answering concerns.

A young person raises a concern from the part of every campaign page that says "I'm worried
about something" (with htmx it answers with that part, now saying it was received), or from a
page of its own (to name a person or a comment). Without JavaScript a saved concern redirects
to a page that says it was received and what to do if they are in danger right now. Youth
workers answer from the moderation console: with htmx each answer re-draws that concern,
without JavaScript it redirects back to the console.
"""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.errors import InvalidInput
from server.moderation import concerns
from server.web import (
    form,
    is_htmx,
    login_required,
    path_int,
    read,
    redirect,
    render,
    signed_in,
    staff_only,
    write,
)

SENT = "/worried/sent"
CONSOLE = "/moderation"


def _campaign(found: concerns.WorriedForm) -> dict[str, Any]:
    """What the "I'm worried" part needs to know of its campaign."""
    return {"id": found.campaign_id, "title": found.title}


# ---------------------------------------------------------------- young people


@login_required
async def worried_page(request: Request) -> Response:
    comment = request.query_params.get("comment", "")
    found = await read(request, concerns.worried_form, actor=signed_in(request),
                       campaign_id=path_int(request, "campaign_id"),
                       comment_id=comment if comment.isdigit() else None)
    return render(request, "moderation/worried.html", worried=found, errors={}, typed="",
                  about="")


@login_required
async def raise_concern(request: Request) -> Response:
    actor, campaign_id = signed_in(request), path_int(request, "campaign_id")
    data = await form(request)
    typed = data.get("text", "")
    about = data.get("about_user_id", "").strip()
    comment = data.get("comment_id", "").strip()
    try:
        await write(request, concerns.raise_concern, actor=actor, campaign_id=campaign_id,
                    text=typed, comment_id=comment or None, about_user_id=about or None)
    except InvalidInput as problem:
        found = await read(request, concerns.worried_form, actor=actor,
                           campaign_id=campaign_id, comment_id=comment or None)
        if is_htmx(request):
            # The same part again: with the person list only if it had one.
            return render(request, "moderation/_worried.html", status=422, c=_campaign(found),
                          worried_people=found.people if "about_user_id" in data else None,
                          worried_errors=problem.errors, worried_typed=typed,
                          worried_about=about, worried_comment_id=comment)
        return render(request, "moderation/worried.html", status=422, worried=found,
                      errors=problem.errors, typed=typed, about=about)
    if is_htmx(request):
        return render(request, "moderation/_worried.html", c={"id": campaign_id},
                      worried_sent=True)
    return redirect(SENT)


@login_required
async def sent(request: Request) -> Response:
    mine = await read(request, concerns.my_concerns, actor=signed_in(request))
    return render(request, "moderation/worried_sent.html", mine=mine)


# ---------------------------------------------------------------- youth workers


def _answer(request: Request, view: concerns.ConcernView) -> Response:
    if is_htmx(request):
        return render(request, "moderation/_concerns.html", one_concern=view)
    return redirect(CONSOLE)


@staff_only
async def seen(request: Request) -> Response:
    view = await write(request, concerns.mark_seen, actor=signed_in(request),
                       concern_id=path_int(request, "concern_id"))
    return _answer(request, view)


@staff_only
async def close(request: Request) -> Response:
    actor, concern_id = signed_in(request), path_int(request, "concern_id")
    typed = (await form(request)).get("outcome", "")
    try:
        view = await write(request, concerns.close_concern, actor=actor, concern_id=concern_id,
                           outcome=typed)
    except InvalidInput as problem:
        found = await read(request, concerns.get_concern, actor=actor, concern_id=concern_id)
        if is_htmx(request):
            return render(request, "moderation/_concerns.html", status=422, one_concern=found,
                          concern_errors=problem.errors, concern_typed=typed)
        return render(request, "moderation/_concerns.html", status=422, concern_page=True,
                      concerns=[found], concern_errors=problem.errors, concern_typed=typed)
    return _answer(request, view)


routes: list[BaseRoute] = [
    Route("/campaigns/{campaign_id:int}/worried", worried_page, methods=["GET"]),
    Route("/campaigns/{campaign_id:int}/worried", raise_concern, methods=["POST"]),
    Route(SENT, sent, methods=["GET"]),
    Route("/concerns/{concern_id:int}/seen", seen, methods=["POST"]),
    Route("/concerns/{concern_id:int}/close", close, methods=["POST"]),
]
