"""Helpers shared by the API tests (plain functions): tokens, errors, and a small JSON Schema
check for responses against the OpenAPI document."""

from typing import Any

from starlette.routing import Mount, Route, WebSocketRoute

from server.accounts import sessions
from server.accounts.models import User
from server.api.base import CONVERTER, PREFIX


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def viewer_of(db, user: User) -> sessions.Viewer:
    with db.read() as session:
        found = sessions.viewer_for_user(session, user.id)
    assert found is not None
    return found


def assert_error(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body


def assert_unauthenticated(response) -> None:
    assert_error(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"
    assert "set-cookie" not in response.headers


def api_routes(app) -> list[tuple[str, str]]:
    """Every (path, method) the running app serves under /api/v1."""
    (mount,) = [r for r in app.routes if isinstance(r, Mount) and r.path == PREFIX]
    found = []
    for route in mount.routes:
        if isinstance(route, WebSocketRoute):
            # A websocket opens with a GET upgrade.
            found.append((PREFIX + CONVERTER.sub(r"{\1}", route.path), "get"))
            continue
        assert isinstance(route, Route), f"unexpected route type under {PREFIX}: {route!r}"
        for method in route.methods or ():
            # Starlette adds HEAD to every GET route on its own.
            if method == "HEAD" and "GET" in route.methods:
                continue
            # The document writes `{campaign_id}` where the route has `{campaign_id:int}`.
            found.append((PREFIX + CONVERTER.sub(r"{\1}", route.path), method.lower()))
    assert found
    return found


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/"), ref
        target: Any = document
        for part in ref[2:].split("/"):
            target = target[part]
        schema = target
    return schema


JSON_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def schema_problems(document: dict[str, Any], schema: dict[str, Any], value: Any,
                    where: str = "$") -> list[str]:
    """A small JSON Schema check: type, enum, required, properties, items.

    Stricter than JSON Schema on one point: a key the schema does not declare is a
    problem, so a field added to a response without documenting it fails.
    """
    schema = resolve(document, schema)
    problems = []
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(JSON_TYPES[t](value) for t in types):
            return [f"{where}: {value!r} is not {' or '.join(types)}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict) and "properties" in schema:
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{where}: missing {key!r}")
        for key, item in value.items():
            if key not in schema["properties"]:
                problems.append(f"{where}: {key!r} is not in the documented schema")
            else:
                problems += schema_problems(document, schema["properties"][key], item,
                                            f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += schema_problems(document, schema["items"], item, f"{where}[{i}]")
    return problems


def response_schema(document: dict[str, Any], path: str, method: str,
                    status: str = "200") -> dict[str, Any]:
    response = document["paths"][path][method]["responses"][status]
    return response["content"]["application/json"]["schema"]
