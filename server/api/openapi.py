"""The OpenAPI document, built from the same list of operations that makes the routes."""

from collections.abc import Iterable
from typing import Any

from server.api.base import PREFIX, Operation

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}
ERROR_TEXT = {
    400: "Bad request",
    401: "No valid API token",
    403: "Your role does not allow this",
    404: "Not found, or not in your organisation",
    409: "Conflicts with the current state",
    422: "Invalid input",
    429: "Too many attempts",
}


def _operation(op: Operation) -> dict[str, Any]:
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    responses: dict[str, Any] = {
        "200": {"description": "OK", "content": {"application/json": {"schema": op.response}}}
    }
    for status in op.errors:
        responses[str(status)] = {"description": ERROR_TEXT[status], "content": error_ref}
    entry: dict[str, Any] = {
        "summary": op.summary,
        "operationId": f"{op.method.lower()}_{op.path.strip('/').replace('/', '_')}",
        "responses": responses,
    }
    if not op.authenticated:
        entry["security"] = []
    if op.request_body is not None:
        entry["requestBody"] = {"required": True,
                                "content": {"application/json": {"schema": op.request_body}}}
    return entry


def document(operations: Iterable[Operation]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(PREFIX + op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Student Voice API", "version": "1"},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
        "paths": paths,
    }
