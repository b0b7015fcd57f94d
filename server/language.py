"""The language switch: a choice kept in a cookie for a year, for people logged in or not."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import i18n
from server.errors import InvalidInput
from server.web import form, redirect, runtime, safe_next


async def choose_language(request: Request) -> Response:
    data = await form(request)
    code = data.get("lang", "")
    if code not in i18n.LOCALES:
        raise InvalidInput({"lang": i18n._("Choose English or Cymraeg.")})
    response = redirect(safe_next(data.get("next", "/")))
    response.set_cookie(i18n.COOKIE, code, max_age=i18n.COOKIE_MAX_AGE, httponly=True,
                        samesite="lax", secure=runtime(request).settings.https)
    return response


routes = [Route("/language", choose_language, methods=["POST"])]
