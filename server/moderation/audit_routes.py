"""The audit log pages: the log itself, filtered, a page at a time, and the same entries as a
CSV file. Youth workers and admins only."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server import clock
from server.errors import InvalidInput
from server.moderation import audit_log
from server.moderation.audit_log import AuditFilters
from server.web import read, render, signed_in, staff_only

PAGE_PATH = "/moderation/audit"
CSV_PATH = "/moderation/audit.csv"


def _page_number(request: Request) -> int:
    typed = request.query_params.get("page", "1")
    return int(typed) if typed.isascii() and typed.isdigit() and len(typed) < 7 else 1


def _page(request: Request, filters: AuditFilters, *, status: int = 200,
          found: audit_log.AuditPage | None = None,
          errors: dict[str, str] | None = None,
          campaigns: list[tuple[int, str]]) -> Response:
    return render(request, "moderation/audit.html", status=status, filters=filters,
                  found=found, errors=errors or {}, campaigns=campaigns,
                  groups=[(g, audit_log.actions_in(g)) for g in audit_log.GROUPS],
                  columns=audit_log.CSV_COLUMNS, page_path=PAGE_PATH, csv_path=CSV_PATH)


@staff_only
async def audit_page(request: Request) -> Response:
    actor = signed_in(request)
    filters = AuditFilters.from_query(request.query_params)
    campaigns = await read(request, audit_log.campaign_choices, actor=actor)
    try:
        found = await read(request, audit_log.entries, actor=actor, filters=filters,
                           page=_page_number(request))
    except InvalidInput as exc:
        return _page(request, filters, status=422, errors=exc.errors, campaigns=campaigns)
    return _page(request, filters, found=found, campaigns=campaigns)


@staff_only
async def audit_csv(request: Request) -> Response:
    actor = signed_in(request)
    filters = AuditFilters.from_query(request.query_params)
    rows = await read(request, audit_log.all_entries, actor=actor, filters=filters)
    name = f"audit-{actor.org_slug}-{clock.now().date().isoformat()}.csv"
    return Response(audit_log.csv_file(rows), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        # The log names young people: no copies in shared caches or the browser's history.
        "Cache-Control": "no-store",
    })


routes: list[BaseRoute] = [
    Route(PAGE_PATH, audit_page, methods=["GET"]),
    Route(CSV_PATH, audit_csv, methods=["GET"]),
]
