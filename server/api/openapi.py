"""The OpenAPI document, built from the same list of operations that makes the routes."""

import re
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
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "With invalid_input: what is wrong, keyed by the field "
                                   "it belongs to (`steps[1]` for an item in a list, `body` "
                                   "for the body as a whole).",
                    "additionalProperties": {"type": "string"},
                },
            },
        }
    },
}
ERROR_TEXT = {
    400: "Bad request",
    401: "No valid API token",
    403: "Your role does not allow this",
    404: "Not found, or not in your organisation",
    409: "Conflicts with the current state",
    413: "The body is too large",
    422: "Invalid input",
    429: "Too many attempts",
}


SUCCESS_TEXT = {101: "Switching Protocols: the websocket is open", 200: "OK", 201: "Created"}
PATH_PARAMETER = re.compile(r"\{(\w+)(?::(\w+))?\}")
CONVERTER_TYPES = {"int": "integer", "float": "number"}


def _operation(op: Operation) -> dict[str, Any]:
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    success: dict[str, Any] = {"description": SUCCESS_TEXT[op.status]}
    if op.socket is None:
        success["content"] = {"application/json": {"schema": op.response}}
        success["content"].update({media: {"schema": schema} for media, schema in op.media})
    else:
        # Each websocket message is one JSON object of this shape.
        success["x-websocket-message"] = op.response
    responses: dict[str, Any] = {str(op.status): success}
    for status in op.errors:
        responses[str(status)] = {"description": ERROR_TEXT[status], "content": error_ref}
    name = op.template.strip("/").replace("/", "_").replace("{", "").replace("}", "")
    entry: dict[str, Any] = {
        "summary": op.summary,
        "operationId": f"{op.method.lower()}_{name}",
        "responses": responses,
    }
    if op.description:
        entry["description"] = op.description
    parameters = [{"name": param, "in": "path", "required": True,
                   "schema": {"type": CONVERTER_TYPES.get(converter, "string")}}
                  for param, converter in PATH_PARAMETER.findall(op.path)]
    parameters += [{"in": "query", **param} for param in op.query]
    if parameters:
        entry["parameters"] = parameters
    if not op.authenticated:
        entry["security"] = []
    if op.request_body is not None:
        entry["requestBody"] = {"required": True,
                                "content": {"application/json": {"schema": op.request_body}}}
    return entry


def document(operations: Iterable[Operation]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(PREFIX + op.template, {})[op.method.lower()] = _operation(op)
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
