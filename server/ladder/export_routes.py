"""Download the evidence the dashboard shows, as CSV, JSON, XLSX or a PDF evidence pack.

The same filter as the dashboard (from, to, campaign in the query string) and the same query
layer, so the file says what the page says. Youth workers and organisation admins only.
"""

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.accounts.sessions import Viewer
from server.errors import InvalidInput, NotFound
from server.i18n import N_, _
from server.ladder import evidence, exports
from server.web import read, render, signed_in, staff_only

FIELD_NAMES = {"from": N_("First day"), "to": N_("Last day"), "campaign": N_("Campaign"),
               "format": N_("Format")}


def _gather(session: Session, *, actor: Viewer, params: dict[str, str]) -> evidence.Evidence:
    return evidence.gather(session, actor, evidence.read_filter(session, actor, params))


def _refused(request: Request, params: dict[str, str], errors: dict[str, str]) -> Response:
    """A short page saying what was wrong with each part of the link, and what was typed."""
    lines = []
    for name, problem in errors.items():
        typed = params.get(name, "")
        label = _(FIELD_NAMES[name]) if name in FIELD_NAMES else name
        if typed:
            label = _("%(field)s (you gave \u201c%(typed)s\u201d)") % {"field": label,
                                                                       "typed": typed}
        lines.append(f"{label}: {problem}")
    return render(request, "errors/error.html", status=422, title=_("Check what you typed"),
                  message=" ".join(lines) + " " + _("Go back to the evidence page and try "
                                                    "again."))


@staff_only
async def download(request: Request) -> Response:
    params = {name: request.query_params.get(name, "") for name in ("from", "to", "campaign")}
    fmt = exports.read_format(request.path_params["fmt"], default="")
    if fmt is None:
        # Not a file we make: as for any address that is not a page.
        raise NotFound(_("We can give the evidence as CSV, JSON, XLSX or PDF."))
    try:
        found = await read(request, _gather, actor=signed_in(request), params=params)
    except InvalidInput as refused:
        return _refused(request, params, refused.errors)
    body, media_type, name = exports.export(found, fmt)
    return Response(body, media_type=media_type, headers=exports.attachment(name))


routes: list[BaseRoute] = [
    Route("/evidence/export.{fmt}", download, methods=["GET"]),
]
