"""The page explaining the participation ladder and the Lundy model, for anyone signed in."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.ladder.rungs import LUNDY_ELEMENTS, RUNGS
from server.ladder.suggest import RULES_IN_SHORT
from server.web import login_required, render


@login_required
async def ladder(request: Request) -> Response:
    # Highest first, as a ladder is climbed: Full Control is what to aim for.
    return render(request, "ladder/ladder.html", rungs=RUNGS[::-1], lundy=LUNDY_ELEMENTS,
                  total=len(RUNGS), rules=RULES_IN_SHORT)


routes = [
    Route("/ladder", ladder, methods=["GET"]),
]
