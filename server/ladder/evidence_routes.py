"""The evidence dashboard: how much influence young people had, for the organisation and for
each campaign, filtered by date range and campaign. Youth workers and organisation admins only.

Thin: read the filter, gather the evidence from the one query layer every export uses, and draw
the charts on the server; every chart is followed by a table of the same numbers.
"""

from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.accounts.sessions import Viewer
from server.errors import InvalidInput
from server.i18n import N_
from server.ladder import decisions, evidence, evidence_charts
from server.ladder.rungs import RUNGS
from server.web import read, render, signed_in, staff_only

PAGE_PATH = "/evidence"
EXPORTS = (("csv", N_("CSV"), N_("a spreadsheet's rows")),
           ("xlsx", N_("Excel (XLSX)"), N_("a workbook")),
           ("json", N_("JSON"), N_("for other systems")),
           ("pdf", N_("PDF"), N_("an evidence pack with charts")))
FILTER_FIELDS = ("from", "to", "campaign")


def _gather(session: Session, *, actor: Viewer, params: dict[str, str]) -> evidence.Evidence:
    return evidence.gather(session, actor, evidence.read_filter(session, actor, params))


def _page(request: Request, *, typed: dict[str, str], campaigns: list[tuple[int, str]],
          overdue: int, found: evidence.Evidence | None = None,
          errors: dict[str, str] | None = None, status: int = 200) -> Response:
    context: dict[str, Any] = {}
    if found is not None:
        wanted = found.filter
        if wanted.campaign_id and wanted.campaign_id not in dict(campaigns):
            # A campaign of ours with no decisions yet: still shown as the one chosen.
            campaigns = [*campaigns, (wanted.campaign_id, wanted.campaign_title)]
        query = urlencode(wanted.query())
        context = {
            "rung_chart": evidence_charts.rung_chart(found.totals.per_rung),
            "month_chart": evidence_charts.month_chart(found.months),
            "age_chart": evidence_charts.age_band_chart(found.totals.age_bands,
                                                        evidence.AGE_BAND_LABELS),
            "exports": [(f"{PAGE_PATH}/export.{ending}" + (f"?{query}" if query else ""),
                         name, what) for ending, name, what in EXPORTS],
        }
    return render(request, "ladder/evidence.html", status=status, typed=typed,
                  errors=errors or {}, campaigns=campaigns, evidence=found, rungs=RUNGS,
                  band_labels=evidence.AGE_BAND_LABELS, month_label=evidence_charts.month_label,
                  filtered=any(value.strip() for value in typed.values()), overdue=overdue,
                  page_path=PAGE_PATH, **context)


@staff_only
async def evidence_page(request: Request) -> Response:
    actor = signed_in(request)
    typed = {name: request.query_params.get(name, "") for name in FILTER_FIELDS}
    campaigns = await read(request, evidence.campaign_choices, actor=actor)
    overdue = len(await read(request, decisions.overdue, actor=actor))
    try:
        found = await read(request, _gather, actor=actor, params=typed)
    except InvalidInput as problem:
        return _page(request, typed=typed, campaigns=campaigns, overdue=overdue,
                     errors=problem.errors, status=422)
    return _page(request, typed=typed, campaigns=campaigns, overdue=overdue, found=found)


routes: list[BaseRoute] = [
    Route(PAGE_PATH, evidence_page, methods=["GET"]),
]
