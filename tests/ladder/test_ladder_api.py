"""GET /api/v1/ladder: the six rungs in order and the Lundy questions, as documented."""

from typing import Any

import pytest

from server.accounts import sessions
from tests.api.helpers import assert_unauthenticated, bearer, response_schema, schema_problems

PATH = "/api/v1/ladder"


@pytest.fixture
def token_for(db):
    def make(user) -> str:
        with db.write() as session:
            return sessions.create_api_token(session, user_id=user.id, label="")

    return make


@pytest.fixture
def document(client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("person", ["young", "child", "worker", "admin", "outsider"])
def test_everyone_with_a_token_gets_the_ladder(client, riverside, token_for, document, person):
    response = client.get(PATH, headers=bearer(token_for(riverside[person])))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert schema_problems(document, response_schema(document, PATH, "get"), body) == []

    assert [(r["rank"], r["value"], r["name"]) for r in body["rungs"]] == [
        (1, "no_control", "No Control"),
        (2, "information", "Information"),
        (3, "consultation", "Consultation"),
        (4, "participation", "Participation"),
        (5, "sharing_power", "Sharing Power"),
        (6, "full_control", "Full Control"),
    ]
    sharing = body["rungs"][4]
    assert sharing["meaning"] == ("Young people share decisions and responsibility, "
                                  "influencing and determining outcomes.")
    assert sharing["for_young_people"] == "You and adults decide together."
    assert [(e["value"], e["name"]) for e in body["lundy"]] == [
        ("space", "Space"), ("voice", "Voice"), ("audience", "Audience"),
        ("influence", "Influence")]
    assert all(e["question"].endswith("?") for e in body["lundy"])


def test_the_document_lists_every_rung_value(document):
    schema = response_schema(document, PATH, "get")
    rung = schema["properties"]["rungs"]["items"]
    assert rung["properties"]["value"]["enum"] == [
        "no_control", "information", "consultation", "participation", "sharing_power",
        "full_control"]
    assert document["paths"][PATH]["get"]["responses"]["401"]


def test_the_schema_check_would_notice_a_wrong_ladder(client, riverside, token_for, document):
    schema = response_schema(document, PATH, "get")
    body = client.get(PATH, headers=bearer(token_for(riverside["young"]))).json()
    wrong_rank = {**body, "rungs": [{**body["rungs"][0], "rank": "1"}, *body["rungs"][1:]]}
    unknown_rung = {**body, "rungs": [{**body["rungs"][0], "value": "tokenism"}]}
    undocumented = {**body, "colour": "green"}
    for bad in (wrong_rank, unknown_rung, undocumented, {"rungs": body["rungs"]}):
        assert schema_problems(document, schema, bad), bad


def test_no_token_is_401(client, riverside):
    assert_unauthenticated(client.get(PATH))
    assert_unauthenticated(client.get(PATH, headers=bearer("sv_not-a-real-token")))
