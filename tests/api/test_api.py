"""The JSON API under /api/v1: bearer tokens only, JSON errors, and an honest OpenAPI document."""

import re

import pytest
from sqlmodel import select

from server.accounts import people
from server.accounts.codes import digest
from server.accounts.models import ApiToken
from server.api.base import PREFIX
from server.clock import now
from tests.api.helpers import (
    api_routes,
    assert_error,
    assert_unauthenticated,
    bearer,
    resolve,
    response_schema,
    schema_problems,
    viewer_of,
)
from tests.conftest import login

try:  # Not a dependency of this project; used when it happens to be installed.
    from openapi_spec_validator import validate as validate_openapi
except ImportError:  # pragma: no cover - depends on the environment
    validate_openapi = None

ROLES = ("young_person", "youth_worker", "org_admin")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


# GET /api/v1/me --------------------------------------------------------------------


@pytest.mark.parametrize(("person", "role", "age_band"), [
    ("admin", "org_admin", None),
    ("worker", "youth_worker", None),
    ("young", "young_person", "16_17"),
])
def test_me_for_each_role(client, riverside, token_for, person, role, age_band):
    user = riverside[person]
    response = client.get("/api/v1/me", headers=bearer(token_for(user)))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": role,
        "age_band": age_band,
        "can_post": True,
        "organisation": {"slug": "riverside-youth-club", "name": "Riverside Youth Club"},
    }
    # The API sets no cookies at all.
    assert "set-cookie" not in response.headers


def test_me_belongs_to_the_tokens_own_organisation(client, riverside, token_for):
    body = client.get("/api/v1/me", headers=bearer(token_for(riverside["outsider"]))).json()
    assert body["username"] == "olu"
    assert body["organisation"] == {"slug": "hillside-school", "name": "Hillside School"}


def test_under_13_cannot_post_until_consent_is_recorded(client, riverside, token_for, db):
    child = riverside["child"]
    token = token_for(child)
    body = client.get("/api/v1/me", headers=bearer(token)).json()
    assert (body["role"], body["age_band"], body["can_post"]) == (
        "young_person", "under_13", False)

    with db.write() as session:
        people.record_consent(session, actor=viewer_of(db, riverside["worker"]),
                               user_id=child.id)
    assert client.get("/api/v1/me", headers=bearer(token)).json()["can_post"] is True


def test_scheme_is_case_insensitive(client, riverside, token_for):
    token = token_for(riverside["young"])
    for scheme in ("bearer", "BEARER"):
        response = client.get("/api/v1/me", headers={"Authorization": f"{scheme} {token}"})
        assert response.status_code == 200


# Refusals --------------------------------------------------------------------------


def test_no_token_is_401_json(client, riverside):
    response = client.get("/api/v1/me")
    assert_unauthenticated(response)


@pytest.mark.parametrize("header", [
    "",
    "Bearer",
    "Bearer ",
    "Bearer    ",
    "Token {token}",
    "Basic {token}",
    "{token}",
    "Bearer sv_not-a-real-token",
    "Bearer not-even-our-prefix",
    "Bearer {token}x",
    "Bearer {token_upper}",
])
def test_bad_authorization_headers_are_401(client, riverside, token_for, header):
    token = token_for(riverside["young"])
    value = header.format(token=token, token_upper=token.upper())
    response = client.get("/api/v1/me", headers={"Authorization": value})
    assert_unauthenticated(response)


def test_revoked_token_is_401(client, riverside, token_for, db):
    token = token_for(riverside["young"])
    other = token_for(riverside["young"])
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with db.write() as session:
        stored = session.exec(select(ApiToken).where(ApiToken.token_hash == digest(token))).one()
        stored.revoked_at = now()
        session.add(stored)
    assert_unauthenticated(client.get("/api/v1/me", headers=bearer(token)))
    # Revoking one token leaves the person's other tokens working.
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200


def test_suspended_users_token_is_401(client, riverside, token_for, db):
    young = riverside["young"]
    token = token_for(young)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with db.write() as session:
        people.suspend(session, actor=viewer_of(db, riverside["worker"]), user_id=young.id,
                        reason="Testing")
    assert_unauthenticated(client.get("/api/v1/me", headers=bearer(token)))
    with db.write() as session:
        people.unsuspend(session, actor=viewer_of(db, riverside["worker"]), user_id=young.id)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_browser_session_cookie_does_not_authenticate_the_api(client, riverside):
    login(client, "jade")
    assert client.get("/account").status_code == 200, "the browser is logged in"
    assert "sv_session" in client.cookies
    assert_unauthenticated(client.get("/api/v1/me"))


def test_api_needs_no_csrf_token(client, riverside, token_for):
    """Cookies are ignored by the API, so an unsafe method is not checked for CSRF: it
    reaches the router (405 here, as /me takes no POST), not a 403."""
    login(client, "jade")
    token = token_for(riverside["young"])
    for headers in ({}, bearer(token), {**bearer(token), "Origin": "https://evil.example"}):
        response = client.post("/api/v1/me", headers=headers, json={})
        assert_error(response, 405, "method_not_allowed")


def test_unknown_path_is_404_json(client, riverside, token_for):
    token = token_for(riverside["young"])
    for path in ("/api/v1/nope", "/api/v1/me/extra", "/api/v1/", "/api/v2/me"):
        for headers in ({}, bearer(token)):
            assert_error(client.get(path, headers=headers), 404, "not_found")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_wrong_method_is_405_json(client, riverside, token_for, method):
    token = token_for(riverside["young"])
    for path in ("/api/v1/me", "/api/v1/openapi.json"):
        response = client.request(method, path, headers=bearer(token))
        assert_error(response, 405, "method_not_allowed")
        assert "GET" in response.headers["allow"]


# The OpenAPI document --------------------------------------------------------------


def test_openapi_document_needs_no_token(client, document):
    assert document["paths"][f"{PREFIX}/openapi.json"]["get"]["security"] == []


def test_openapi_document_is_valid_openapi_3_1(document):
    if validate_openapi is not None:
        validate_openapi(document)

    # The same essentials checked by hand, so this test means something without the validator.
    assert re.fullmatch(r"3\.1\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer"}
    for requirement in document["security"]:
        assert set(requirement) <= set(schemes)
    operation_ids = []
    for path, item in document["paths"].items():
        assert path.startswith("/")
        assert item and set(item) <= HTTP_METHODS, path
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            assert operation["summary"]
            for requirement in operation.get("security", []):
                assert set(requirement) <= set(schemes)
            assert operation["responses"], f"{method} {path}"
            # Every {name} in the path is declared as a path parameter, and nothing else is.
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"\{(\w+)\}", path)), f"{method} {path}"
            for parameter in operation.get("parameters", []):
                assert parameter["in"] in ("path", "query") and "schema" in parameter
                if parameter["in"] == "path":
                    assert parameter["required"] is True
            for status, response in operation["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", status), f"{method} {path} {status}"
                assert response["description"]
                for media in response.get("content", {}).values():
                    resolve(document, media["schema"])  # every $ref resolves
    assert len(operation_ids) == len(set(operation_ids)), "operationIds must be unique"


def test_openapi_document_lists_every_api_route(app, document):
    served = api_routes(app)
    documented = [(path, method) for path, item in document["paths"].items()
                  for method in item]
    for path, method in served:
        assert method in document["paths"].get(path, {}), (
            f"{method.upper()} {path} is served but missing from the OpenAPI document")
    for path, method in documented:
        assert (path, method) in served, f"{method.upper()} {path} is documented but not served"


def test_openapi_documents_401_for_every_authenticated_operation(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if operation.get("security") == []:
                continue
            error = response_schema(document, path, method, "401")
            assert resolve(document, error)["required"] == ["error"], f"{method} {path}"


def test_401_matches_the_documented_error_schema(client, riverside, document):
    body = client.get("/api/v1/me").json()
    schema = response_schema(document, f"{PREFIX}/me", "get", "401")
    assert schema_problems(document, schema, body) == []


@pytest.mark.parametrize("person", ["admin", "worker", "young", "child"])
def test_me_matches_the_documented_schema(client, riverside, token_for, document, person):
    body = client.get("/api/v1/me", headers=bearer(token_for(riverside[person]))).json()
    schema = response_schema(document, f"{PREFIX}/me", "get")
    assert schema_problems(document, schema, body) == []


def test_schema_check_catches_mismatches(document):
    """The hand-written checker would notice a wrong response."""
    schema = response_schema(document, f"{PREFIX}/me", "get")
    good = {"id": 1, "username": "jade", "display_name": "Jade", "role": "young_person",
            "age_band": "16_17", "can_post": True,
            "organisation": {"slug": "riverside", "name": "Riverside"}}
    assert schema_problems(document, schema, good) == []
    assert schema_problems(document, schema, {**good, "age_band": None}) == []
    bad = [
        {k: v for k, v in good.items() if k != "can_post"},
        {**good, "id": "1"},
        {**good, "id": True},
        {**good, "can_post": 1},
        {**good, "role": "superuser"},
        {**good, "age_band": "twelve"},
        {**good, "organisation": {"slug": "riverside"}},
        {**good, "secret": "undocumented"},
    ]
    for body in bad:
        assert schema_problems(document, schema, body), body
