"""Account pages: log in and out, join with a code, passwords, people and invites."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.accounts import login, people, service, sessions
from server.accounts.codes import pretty
from server.accounts.middleware import SESSION_COOKIE, cookie_header
from server.accounts.models import Role
from server.campaigns import service as campaigns
from server.errors import InvalidInput, NotAllowed, Throttled
from server.i18n import _
from server.web import (
    address,
    form,
    login_required,
    passwords_ahead,
    path_int,
    read,
    redirect,
    render,
    runtime,
    safe_next,
    signed_in,
    staff_only,
    viewer,
    write,
)


async def _logged_in(request: Request, user_id: int, target: str = "/") -> Response:
    # Always a brand-new id at login, so a session id planted before login is worthless.
    settings = runtime(request).settings
    token = await write(request, sessions.start, settings=settings, user_id=user_id)
    response = redirect(safe_next(target))
    response.headers.append("set-cookie", cookie_header(
        SESSION_COOKIE, token, settings=settings, max_age=settings.session_max_seconds))
    return response


async def home(request: Request) -> Response:
    found = viewer(request)
    mine = await read(request, campaigns.my_campaigns, actor=found) if found else []
    return render(request, "home.html", my_campaigns=mine)


async def login_page(request: Request) -> Response:
    if viewer(request) is not None:
        return redirect("/")
    return render(request, "accounts/login.html",
                  next=safe_next(request.query_params.get("next", "/")))


async def log_in(request: Request) -> Response:
    rt = runtime(request)
    data = await form(request)
    username, target = data.get("username", "").strip(), safe_next(data.get("next", "/"))
    password = data.get("password", "")
    try:
        stored = await read(request, login.hash_to_check, settings=rt.settings,
                            username=username, address=address(request))
        ready = await passwords_ahead(request, check=[(stored, password)], rehash=True)
        user = await write(request, login.authenticate, settings=rt.settings,
                           passwords=ready, username=username, password=password,
                           address=address(request))
    except Throttled as exc:
        response = render(request, "accounts/login.html", status=429, error=exc.message,
                          username=username, next=target)
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    except NotAllowed as exc:
        return render(request, "accounts/login.html", status=403, error=exc.message,
                      username=username, next=target)
    if user is None:
        return render(request, "accounts/login.html", status=401, username=username, next=target,
                      error=_("That username and password do not match. Check them and try "
                              "again."))
    assert user.id is not None
    return await _logged_in(request, user.id, target)


async def logout(request: Request) -> Response:
    token = request.state.session_token
    found = viewer(request)
    everywhere = (await form(request)).get("everywhere") == "1"
    if found is not None and everywhere:
        await write(request, sessions.end_all, user_id=found.user_id)
    elif token:
        await write(request, sessions.end, token=token)
    response = redirect("/login?logged_out=" + ("everywhere" if everywhere else "1"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def join_page(request: Request) -> Response:
    code = request.query_params.get("code", "")
    if code and viewer(request) is None:
        try:
            _invite, org = await read(request, service.look_up_invite, code=code)
        except InvalidInput as exc:
            return render(request, "accounts/join.html", errors=exc.errors, code=code)
        return render(request, "accounts/join_details.html", org=org, code=code, values={})
    return render(request, "accounts/join.html", errors={}, code=code)


async def join(request: Request) -> Response:
    if viewer(request) is not None:
        return redirect("/")
    data = await form(request)
    code = data.get("code", "")
    try:
        _invite, org = await read(request, service.look_up_invite, code=code)
    except InvalidInput as exc:
        return render(request, "accounts/join.html", status=422, errors=exc.errors, code=code)
    if data.get("step") != "details":
        return render(request, "accounts/join_details.html", org=org, code=code, values={})
    values = {k: data.get(k, "") for k in ("username", "display_name", "age_band")}
    try:
        ready = await passwords_ahead(request, new=[data.get("password", "")])
        user = await write(request, service.join, passwords=ready, code=code,
                           password=data.get("password", ""),
                           password_again=data.get("password_again", ""), **values)
    except InvalidInput as exc:
        return render(request, "accounts/join_details.html", status=422, org=org, code=code,
                      values=values, errors=exc.errors)
    assert user.id is not None
    return await _logged_in(request, user.id, "/?welcome=1")


@login_required
async def account_page(request: Request) -> Response:
    return render(request, "accounts/account.html", errors={},
                  changed=request.query_params.get("changed") == "1")


@login_required
async def change_password(request: Request) -> Response:
    data = await form(request)
    actor = signed_in(request)
    stored = await read(request, login.stored_hash, user_id=actor.user_id)
    ready = await passwords_ahead(request, check=[(stored, data.get("current", ""))],
                                  new=[data.get("password", "")])
    try:
        await write(request, login.change_password, passwords=ready,
                    actor=actor, current=data.get("current", ""),
                    new=data.get("password", ""), new_again=data.get("password_again", ""))
    except InvalidInput as exc:
        return render(request, "accounts/account.html", status=422, errors=exc.errors)
    return redirect("/account?changed=1")


async def reset_page(request: Request) -> Response:
    return render(request, "accounts/reset.html", errors={},
                  values={"username": request.query_params.get("username", "")})


async def reset(request: Request) -> Response:
    rt = runtime(request)
    data = await form(request)
    values = {"username": data.get("username", "").strip(), "code": data.get("code", "")}
    try:
        works = await read(request, login.reset_code_works, settings=rt.settings,
                           address=address(request), **values)
        ready = await passwords_ahead(request, new=[data.get("password", "")] if works else [])
        user = await write(request, login.redeem_reset_code, settings=rt.settings,
                           passwords=ready, password=data.get("password", ""),
                           password_again=data.get("password_again", ""),
                           address=address(request), **values)
    except Throttled as exc:
        response = render(request, "accounts/reset.html", status=429, values=values,
                          errors={"code": exc.message})
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    except NotAllowed as exc:
        return render(request, "accounts/reset.html", status=403, values=values,
                      errors={"code": exc.message})
    except InvalidInput as exc:
        return render(request, "accounts/reset.html", status=422, values=values, errors=exc.errors)
    if user is None:
        return render(request, "accounts/reset.html", status=422, values=values, errors={
            "code": _("That code does not work for that username. It may have expired or "
                      "been used already: ask your youth worker for a new one.")})
    assert user.id is not None
    return await _logged_in(request, user.id, "/?password_set=1")


# Youth workers and admins ------------------------------------------------------


@staff_only
async def people_page(request: Request) -> Response:
    role = request.query_params.get("role", "")
    rows = await read(request, people.list_people, actor=signed_in(request), role=role)
    return render(request, "accounts/people.html", rows=rows, role=role,
                  erased=request.query_params.get("erased") == "1")


async def _person_page(request: Request, user_id: int, *, status: int = 200,
                       errors: dict[str, str] | None = None, **extra: object) -> Response:
    user, member = await read(request, people.get_person, actor=signed_in(request),
                              user_id=user_id)
    return render(request, "accounts/person.html", status=status, person=user, member=member,
                  errors=errors or {}, **extra)


@staff_only
async def person(request: Request) -> Response:
    return await _person_page(request, path_int(request, "user_id"))


@staff_only
async def record_consent(request: Request) -> Response:
    user_id = path_int(request, "user_id")
    try:
        await write(request, people.record_consent, actor=signed_in(request), user_id=user_id)
    except InvalidInput as exc:
        return await _person_page(request, user_id, status=422, errors=exc.errors)
    return redirect(f"/people/{user_id}")


@staff_only
async def issue_reset_code(request: Request) -> Response:
    user_id = path_int(request, "user_id")
    code = await write(request, people.issue_reset_code, settings=runtime(request).settings,
                       actor=signed_in(request), user_id=user_id)
    return await _person_page(request, user_id, reset_code=pretty(code))


@staff_only
async def suspend(request: Request) -> Response:
    user_id = path_int(request, "user_id")
    data = await form(request)
    try:
        await write(request, people.suspend, actor=signed_in(request), user_id=user_id,
                    reason=data.get("reason", ""))
    except InvalidInput as exc:
        return await _person_page(request, user_id, status=422, errors=exc.errors,
                                  reason=data.get("reason", ""))
    return redirect(f"/people/{user_id}")


@staff_only
async def unsuspend(request: Request) -> Response:
    user_id = path_int(request, "user_id")
    await write(request, people.unsuspend, actor=signed_in(request), user_id=user_id)
    return redirect(f"/people/{user_id}")


@staff_only
async def invites(request: Request) -> Response:
    rows = await read(request, service.list_invites, actor=signed_in(request))
    return render(request, "accounts/invites.html", invites=rows, errors={},
                  values={"days": "14", "max_uses": "30", "label": ""})


@staff_only
async def create_invite(request: Request) -> Response:
    data = await form(request)
    values = {k: data.get(k, "") for k in ("label", "days", "max_uses")}
    try:
        invite = await write(request, service.create_invite, actor=signed_in(request), **values)
    except InvalidInput as exc:
        rows = await read(request, service.list_invites, actor=signed_in(request))
        return render(request, "accounts/invites.html", status=422, invites=rows,
                      errors=exc.errors, values=values)
    return redirect(f"/invites#invite-{invite.id}")


@staff_only
async def revoke_invite(request: Request) -> Response:
    await write(request, service.revoke_invite, actor=signed_in(request),
                invite_id=path_int(request, "invite_id"))
    return redirect("/invites")


@staff_only
async def add_staff_page(request: Request) -> Response:
    if not signed_in(request).is_admin:
        raise NotAllowed(_("Only organisation admins can add youth workers and admins."))
    return render(request, "accounts/add_staff.html", errors={},
                  values={"role": Role.youth_worker})


@staff_only
async def add_staff(request: Request) -> Response:
    rt = runtime(request)
    data = await form(request)
    values = {k: data.get(k, "") for k in ("username", "display_name", "role")}
    try:
        user, code = await write(request, people.add_staff, settings=rt.settings,
                                 passwords=rt.passwords, actor=signed_in(request), **values)
    except InvalidInput as exc:
        return render(request, "accounts/add_staff.html", status=422, errors=exc.errors,
                      values=values)
    return render(request, "accounts/staff_added.html", status=201, person=user,
                  reset_code=pretty(code))


routes = [
    Route("/", home),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", log_in, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/join", join_page, methods=["GET"]),
    Route("/join", join, methods=["POST"]),
    Route("/account", account_page, methods=["GET"]),
    Route("/account/password", change_password, methods=["POST"]),
    Route("/reset", reset_page, methods=["GET"]),
    Route("/reset", reset, methods=["POST"]),
    Route("/people", people_page, methods=["GET"]),
    Route("/people/new", add_staff_page, methods=["GET"]),
    Route("/people/new", add_staff, methods=["POST"]),
    Route("/people/{user_id:int}", person, methods=["GET"]),
    Route("/people/{user_id:int}/consent", record_consent, methods=["POST"]),
    Route("/people/{user_id:int}/reset-code", issue_reset_code, methods=["POST"]),
    Route("/people/{user_id:int}/suspend", suspend, methods=["POST"]),
    Route("/people/{user_id:int}/unsuspend", unsuspend, methods=["POST"]),
    Route("/invites", invites, methods=["GET"]),
    Route("/invites", create_invite, methods=["POST"]),
    Route("/invites/{invite_id:int}/revoke", revoke_invite, methods=["POST"]),
]
