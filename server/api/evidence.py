"""API: to be written."""

from server.api.base import Operation

OPERATIONS: list[Operation] = []
