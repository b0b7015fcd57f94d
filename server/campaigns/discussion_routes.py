"""Discussion pages: post a comment or a reply, change or delete your own, react, and read
older comments.

Thin, like the campaign pages: read the form, call the discussion service, answer. A form sent
by htmx (a phone on the campaign page) is answered with the part of the page it changed; the
change itself reaches every open page, the sender's too, over the campaign's websocket. A form
sent without JavaScript is answered with a redirect back to the comment on the campaign page,
or, when it needs fixing, a page with the form again, the message by the field and the words
kept (422).
"""


from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import clock
from server.campaigns import discussion
from server.campaigns.models import CommentState
from server.errors import InvalidInput
from server.web import (
    form,
    is_htmx,
    login_required,
    path_int,
    read,
    redirect,
    render,
    signed_in,
    write,
)


def _at(data: discussion.CommentData) -> str:
    return f"/campaigns/{data['campaign_id']}#comment-{data['id']}"


def _before(request: Request) -> int | None:
    value = request.query_params.get("before", "")
    return int(value) if value.isdigit() else None


def _editable(data: discussion.CommentData) -> frozenset[int]:
    """The comment is the viewer's own (only its author may change or delete it)."""
    return frozenset({data["id"]}) if discussion.still_editable(data, clock.now()) else frozenset()


# ---------------------------------------------------------------- reading


@login_required
async def comments(request: Request) -> Response:
    """A page of older threads: for htmx, to put at the top of the list; otherwise a page."""
    campaign_id = path_int(request, "campaign_id")
    found = await read(request, discussion.for_page, actor=signed_in(request),
                       campaign_id=campaign_id, before=_before(request))
    if is_htmx(request):
        return render(request, "discussion/_older.html", discussion=found)
    return render(request, "discussion/page.html", discussion=found)


# ---------------------------------------------------------------- posting


@login_required
async def post(request: Request) -> Response:
    actor, campaign_id = signed_in(request), path_int(request, "campaign_id")
    data = await form(request)
    typed, parent_id = data.get("text", ""), data.get("parent_id", "").strip()
    try:
        made = await write(request, discussion.post_comment, actor=actor,
                           campaign_id=campaign_id, text=typed, parent_id=parent_id or None,
                           client_op_id=data.get("client_op_id") or None)
    except InvalidInput as problem:
        return await _post_again(request, campaign_id, parent_id, typed, problem.errors)
    if is_htmx(request):
        return _post_form(request, campaign_id, parent_id, posted=True,
                          held=made if made["state"] == CommentState.held else None)
    return redirect(_at(made))


def _post_form(request: Request, campaign_id: int, parent_id: str, *, status: int = 200,
               typed: str = "", errors: dict[str, str] | None = None,
               posted: bool = False, held: discussion.CommentData | None = None) -> Response:
    """The form again. A comment held for a youth worker reaches nobody else, so it comes back
    here, for its author's page only (`held`)."""
    errors = errors or {}
    if parent_id.isdigit():
        # The reply form is only ever under a thread: the page has its parent's id.
        parent = {"id": int(parent_id), "campaign_id": campaign_id, "author_name": ""}
        return render(request, "discussion/_reply.html", status=status, parent=parent,
                         open=bool(errors), errors=errors, typed=typed, held=held)
    return render(request, "discussion/_form.html", status=status, campaign_id=campaign_id,
                     errors=errors, typed=typed, posted=posted, held=held)


async def _post_again(request: Request, campaign_id: int, parent_id: str, typed: str,
                      errors: dict[str, str]) -> Response:
    if is_htmx(request):
        return _post_form(request, campaign_id, parent_id, status=422, typed=typed,
                          errors=errors)
    actor = signed_in(request)
    if parent_id.isdigit():
        page = await read(request, discussion.form_page, actor=actor, comment_id=int(parent_id))
        mode = "reply"
    else:
        page = await read(request, discussion.form_page, actor=actor, campaign_id=campaign_id)
        mode = "comment"
    return render(request, "discussion/form_page.html", status=422, form_page=page, mode=mode,
                  errors=errors, typed=typed)


# ---------------------------------------------------------------- your own comments


def _comment_answer(request: Request, data: discussion.CommentData) -> Response:
    if is_htmx(request):
        return render(request, "discussion/_comment.html", c=data, editable=_editable(data),
                         may_post=True)
    return redirect(_at(data))


@login_required
async def edit(request: Request) -> Response:
    actor, comment_id = signed_in(request), path_int(request, "comment_id")
    typed = (await form(request)).get("text", "")
    try:
        data = await write(request, discussion.edit_comment, actor=actor,
                           comment_id=comment_id, text=typed)
    except InvalidInput as problem:
        page = await read(request, discussion.form_page, actor=actor, comment_id=comment_id)
        if is_htmx(request):
            assert page.comment is not None
            return render(request, "discussion/_comment.html", status=422, c=page.comment,
                             edit_errors=problem.errors, edit_typed=typed, may_post=True)
        return render(request, "discussion/form_page.html", status=422, form_page=page,
                      mode="edit", errors=problem.errors, typed=typed)
    return _comment_answer(request, data)


@login_required
async def delete(request: Request) -> Response:
    data = await write(request, discussion.delete_comment, actor=signed_in(request),
                       comment_id=path_int(request, "comment_id"))
    return _comment_answer(request, data)


@login_required
async def react(request: Request) -> Response:
    kind = (await form(request)).get("kind", "")
    data = await write(request, discussion.react, actor=signed_in(request),
                       comment_id=path_int(request, "comment_id"), kind=kind)
    if is_htmx(request):
        return render(request, "discussion/_reactions.html", comment_id=data["id"],
                         reactions=data["reactions"], may_post=True)
    return redirect(_at(data))


routes = [
    Route("/campaigns/{campaign_id:int}/comments", comments, methods=["GET"]),
    Route("/campaigns/{campaign_id:int}/comments", post, methods=["POST"]),
    Route("/comments/{comment_id:int}/edit", edit, methods=["POST"]),
    Route("/comments/{comment_id:int}/delete", delete, methods=["POST"]),
    Route("/comments/{comment_id:int}/react", react, methods=["POST"]),
]
