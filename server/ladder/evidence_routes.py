"""Pages: to be written."""

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
