"""Privacy pages: the privacy information (full, for under-13s, for 13 to 15s), my data,
erasing an account, and the organisation's privacy settings."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.accounts import login
from server.accounts.middleware import SESSION_COOKIE
from server.errors import InvalidInput, NotAllowed
from server.i18n import _
from server.privacy import service
from server.privacy.models import (
    DEFAULT_RETENTION_DAYS,
    RETENTION_MAX_DAYS,
    RETENTION_MIN_DAYS,
)
from server.web import (
    form,
    login_required,
    passwords_ahead,
    path_int,
    read,
    redirect,
    render,
    runtime,
    signed_in,
    staff_only,
    viewer,
    write,
)

VERSIONS = {"": "privacy/full.html", "under-13": "privacy/under_13.html",
            "13-15": "privacy/13_15.html"}


async def _privacy(request: Request, version: str) -> Response:
    found = viewer(request)
    days = DEFAULT_RETENTION_DAYS
    if found is not None:
        days = (await read(request, service.settings_for, org_id=found.org_id)).retention_days
    return render(request, VERSIONS[version], version=version, retention_days=days,
                  htmx_local=runtime(request).settings.htmx_source == "local")


async def privacy_full(request: Request) -> Response:
    return await _privacy(request, "")


async def privacy_under_13(request: Request) -> Response:
    return await _privacy(request, "under-13")


async def privacy_13_15(request: Request) -> Response:
    return await _privacy(request, "13-15")


async def erased(request: Request) -> Response:
    return render(request, "privacy/erased.html")


# ---------------------------------------------------------------- my data


@login_required
async def my_data_page(request: Request) -> Response:
    data = await read(request, service.my_data, actor=signed_in(request))
    return render(request, "privacy/my_data.html", data=data)


@login_required
async def my_data_json(request: Request) -> Response:
    data = await read(request, service.my_data, actor=signed_in(request))
    return Response(service.data_json(data), media_type="application/json", headers={
        "Content-Disposition": 'attachment; filename="my-data.json"',
        "Cache-Control": "no-store"})


# ---------------------------------------------------------------- erasing my account


@login_required
async def erase_me_page(request: Request) -> Response:
    if signed_in(request).role != "young_person":
        raise NotAllowed(_(service.YOUNG_PEOPLE_ONLY))
    return render(request, "privacy/erase_me.html", errors={}, confirmed=False)


@login_required
async def erase_me(request: Request) -> Response:
    data = await form(request)
    actor = signed_in(request)
    stored = await read(request, login.stored_hash, user_id=actor.user_id)
    ready = await passwords_ahead(request, check=[(stored, data.get("password", ""))])
    try:
        await write(request, service.erase_self, passwords=ready,
                    actor=actor, password=data.get("password", ""),
                    confirm=data.get("confirm", ""))
    except InvalidInput as exc:
        return render(request, "privacy/erase_me.html", status=422, errors=exc.errors,
                      confirmed=data.get("confirm") == "yes")
    response = redirect("/privacy/erased")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ---------------------------------------------------------------- erasing a young person


async def _erase_person_page(request: Request, *, status: int = 200,
                             errors: dict[str, str] | None = None, reason: str = "") -> Response:
    user, member = await read(request, service.erasable_person, actor=signed_in(request),
                              user_id=path_int(request, "user_id"))
    return render(request, "privacy/erase_person.html", status=status, person=user,
                  member=member, errors=errors or {}, reason=reason)


@staff_only
async def erase_person_page(request: Request) -> Response:
    return await _erase_person_page(request)


@staff_only
async def erase_person(request: Request) -> Response:
    data = await form(request)
    reason = data.get("reason", "")
    try:
        await write(request, service.erase_person, actor=signed_in(request),
                    user_id=path_int(request, "user_id"), reason=reason)
    except InvalidInput as exc:
        return await _erase_person_page(request, status=422, errors=exc.errors, reason=reason)
    return redirect("/people?erased=1")


# ---------------------------------------------------------------- the organisation's settings


def _settings_page(request: Request, *, values: dict[str, str], status: int = 200,
                   errors: dict[str, str] | None = None, saved: bool = False) -> Response:
    return render(request, "privacy/settings.html", status=status, values=values,
                  errors=errors or {}, saved=saved, low=RETENTION_MIN_DAYS,
                  high=RETENTION_MAX_DAYS)


@staff_only
async def settings_page(request: Request) -> Response:
    found = await read(request, service.read_settings, actor=signed_in(request))
    return _settings_page(request, saved=request.query_params.get("saved") == "1", values={
        "retention_days": str(found.retention_days),
        "keep_comment_text": "keep" if found.keep_comment_text else "remove"})


@staff_only
async def change_settings(request: Request) -> Response:
    data = await form(request)
    values = {name: data.get(name, "") for name in ("retention_days", "keep_comment_text")}
    try:
        await write(request, service.change_settings, actor=signed_in(request), **values)
    except InvalidInput as exc:
        return _settings_page(request, values=values, status=422, errors=exc.errors)
    return redirect("/privacy/settings?saved=1")


routes = [
    Route("/privacy", privacy_full, methods=["GET"]),
    Route("/privacy/under-13", privacy_under_13, methods=["GET"]),
    Route("/privacy/13-15", privacy_13_15, methods=["GET"]),
    Route("/privacy/erased", erased, methods=["GET"]),
    Route("/privacy/settings", settings_page, methods=["GET"]),
    Route("/privacy/settings", change_settings, methods=["POST"]),
    Route("/account/my-data", my_data_page, methods=["GET"]),
    Route("/account/my-data.json", my_data_json, methods=["GET"]),
    Route("/account/erase", erase_me_page, methods=["GET"]),
    Route("/account/erase", erase_me, methods=["POST"]),
    Route("/people/{user_id:int}/erase", erase_person_page, methods=["GET"]),
    Route("/people/{user_id:int}/erase", erase_person, methods=["POST"]),
]
