"""A campaign's discussion over the JSON API: reading it a page at a time and posting, each
refusal, and responses that match the OpenAPI document."""

import json
from typing import Any

import pytest
from sqlmodel import SQLModel, col, select

from server.accounts.models import User
from server.audit import AuditEntry
from server.campaigns.models import Campaign, CampaignMember, CampaignRole, Comment, Reaction
from server.live.events import Event
from tests.api.helpers import (
    assert_error,
    assert_unauthenticated,
    bearer,
    response_schema,
    schema_problems,
)
from tests.campaigns.pages import facilitate, say

PATH = "/api/v1/campaigns/{campaign_id}/comments"
ZEROS = {"agree": 0, "love": 0, "laugh": 0, "wow": 0, "idea": 0}


@pytest.fixture
def api(client, token_for, riverside, sam):
    """Call the API as someone: api("sam", "post", url, json=...)."""
    people = {**riverside, "sam": sam}

    def call(who: str | User | None, method: str, url: str, **kwargs: Any) -> Any:
        person = people[who] if isinstance(who, str) else who
        headers = {**(bearer(token_for(person)) if person else {}),
                   **kwargs.pop("headers", {})}
        return client.request(method.upper(), url, headers=headers, **kwargs)

    return call


def url(campaign: Campaign | int, query: str = "") -> str:
    campaign_id = campaign if isinstance(campaign, int) else campaign.id
    return PATH.format(campaign_id=campaign_id) + query


def invalid(response: Any) -> dict[str, str]:
    """The field messages of a 422."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "invalid_input" and body["error"]["message"]
    fields: dict[str, str] = body["error"]["fields"]
    return fields


def snapshot(db) -> dict[str, list[dict[str, Any]]]:
    tables: list[type[SQLModel]] = [Comment, Reaction, Event, AuditEntry]
    with db.read() as session:
        return {table.__name__: [row.model_dump() for row in session.exec(
            select(table).order_by(col(table.id)))]  # type: ignore[attr-defined]
            for table in tables}


def check_schema(document, method: str, body: Any, status: str) -> None:
    schema = response_schema(document, "/api/v1/campaigns/{campaign_id}/comments", method,
                             status)
    assert schema_problems(document, schema, body) == []


# GET ---------------------------------------------------------------------------------------


def test_reading_the_discussion(api, db, riverside, sam, campaign, document, make_user):
    top = say(db, sam, campaign, "Who is coming?")
    reply = say(db, riverside["young"], campaign, "Me", parent=top)
    other = say(db, riverside["young"], campaign, "I wrote to the council")
    dev = make_user(riverside["org"], "dev", "young_person", "13_15")

    for who in ("sam", "worker", "young", dev):
        response = api(who, "get", url(campaign))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body == {"comments": [{**top, "replies": [reply]}, {**other, "replies": []}],
                        "older": False}
        check_schema(document, "get", body, "200")


def test_reading_older_pages(api, db, sam, campaign, document):
    made = [say(db, sam, campaign, f"Comment {n}") for n in range(1, 26)]
    body = api("sam", "get", url(campaign)).json()
    assert [c["text"] for c in body["comments"]] == [f"Comment {n}" for n in range(6, 26)]
    assert body["older"] is True
    body = api("sam", "get", url(campaign, f"?before={body['comments'][0]['id']}")).json()
    assert [c["id"] for c in body["comments"]] == [c["id"] for c in made[:5]]
    assert body["older"] is False
    check_schema(document, "get", body, "200")


def test_reading_refusals(api, db, campaign, document):
    assert_unauthenticated(api(None, "get", url(campaign)))
    body = assert_error(api("outsider", "get", url(campaign)), 404, "not_found")
    assert body["error"]["message"] == "We could not find that campaign."
    assert_error(api("sam", "get", url(999_999)), 404, "not_found")
    response = api("sam", "get", url(campaign, "?before=soon"))
    assert invalid(response) == {"before": "before must be a whole number: a comment's id."}
    check_schema(document, "get", response.json(), "422")


# POST --------------------------------------------------------------------------------------


def test_posting_a_comment_and_a_reply(api, db, riverside, campaign, document):
    response = api("sam", "post", url(campaign), json={"text": "  Meet at the library  "})
    assert response.status_code == 201, response.text
    made = response.json()
    check_schema(document, "post", made, "201")
    assert made == {**made, "campaign_id": campaign.id, "parent_id": None,
                    "author_name": "Sam", "text": "Meet at the library", "edited": False,
                    "deleted": False, "reactions": ZEROS}

    response = api("young", "post", url(campaign), json={"text": "OK", "parent_id": made["id"]})
    assert response.status_code == 201, response.text
    reply = response.json()
    assert (reply["parent_id"], reply["author_name"]) == (made["id"], "Jade")
    facilitate(db, riverside["worker"], campaign)
    response = api("worker", "post", url(campaign), json={"text": "Me too", "parent_id": None})
    assert response.status_code == 201

    with db.read() as session:
        found = [(e.kind, json.loads(e.data)) for e in session.exec(
            select(Event).where(Event.campaign_id == campaign.id).order_by(col(Event.id)))]
    assert found[:2] == [("comment.created", {"comment": made}),
                         ("comment.created", {"comment": reply})]


def test_a_retry_with_the_same_client_op_id_posts_nothing_twice(api, db, campaign, document):
    body = {"text": "Meet at the library", "client_op_id": "sams-phone-17"}
    first = api("sam", "post", url(campaign), json=body)
    again = api("sam", "post", url(campaign), json=body)
    assert first.status_code == again.status_code == 201
    check_schema(document, "post", again.json(), "201")
    assert again.json() == first.json()
    # Another person's id is theirs alone.
    other = api("young", "post", url(campaign), json=body)
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    with db.read() as session:
        kinds = [e.kind for e in session.exec(select(Event).where(
            Event.campaign_id == campaign.id))]
    assert kinds == ["comment.created", "comment.created"]


@pytest.mark.parametrize(("body", "fields"), [
    ({"text": "   "}, {"text": "Write something first."}),
    ({"text": "x" * 2001},
     {"text": "Keep a comment to 2,000 characters or fewer (yours has 2,001)."}),
    ({}, {"text": "Add text: it is required."}),
    ({"text": 5}, {"text": "text must be text."}),
    ({"text": "Hi", "parent_id": "1"}, {"parent_id": "parent_id must be a whole number or null."}),
    ({"text": "Hi", "colour": "red"},
     {"colour": "colour is not a field we know. Use: text, parent_id, client_op_id."}),
    ({"text": "Hi", "client_op_id": "not one id!"},
     {"client_op_id": "Send a client_op_id: 1 to 64 letters, digits, - or _, new for each "
                      "comment."}),
])
def test_bad_bodies_are_told_what_is_wrong_by_field(api, db, campaign, document, body, fields):
    before = snapshot(db)
    response = api("sam", "post", url(campaign), json=body)
    assert invalid(response) == fields
    check_schema(document, "post", response.json(), "422")
    assert snapshot(db) == before


def test_posting_refusals(api, db, riverside, campaign, make_user, document):
    dev = make_user(riverside["org"], "dev", "young_person", "13_15")
    with db.write() as session:
        session.add(CampaignMember(campaign_id=campaign.id, user_id=riverside["child"].id,
                                   role=CampaignRole.member))
    before = snapshot(db)
    assert_unauthenticated(api(None, "post", url(campaign), json={"text": "Hi"}))
    for who, words in ((dev, "Join the campaign to take part in its discussion."),
                       ("child", "A youth worker needs to record a parent's or carer's "
                                 "agreement before you can take part in the discussion.")):
        response = api(who, "post", url(campaign), json={"text": "Hi"})
        body = assert_error(response, 403, "forbidden")
        assert body["error"]["message"] == words
        check_schema(document, "post", body, "403")
    body = assert_error(api("outsider", "post", url(campaign), json={"text": "Hi"}), 404,
                        "not_found")
    assert body["error"]["message"] == "We could not find that campaign."
    body = assert_error(api("sam", "post", url(campaign), json={"text": "Hi",
                                                                "parent_id": 999_999}),
                        404, "not_found")
    assert body["error"]["message"] == "We could not find the comment you are replying to."
    assert_error(api("sam", "post", url(campaign), content=b"not json",
                     headers={"content-type": "application/json"}), 400, "bad_request")
    assert snapshot(db) == before


# The OpenAPI document ----------------------------------------------------------------------


def test_both_operations_are_documented_with_their_errors(document):
    path = document["paths"]["/api/v1/campaigns/{campaign_id}/comments"]
    assert set(path["get"]["responses"]) == {"200", "401", "404", "422"}
    assert set(path["post"]["responses"]) == {"201", "400", "401", "403", "404", "413", "422"}
    assert [p["name"] for p in path["get"]["parameters"]] == ["campaign_id", "before"]
    body = path["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["text"] and body["additionalProperties"] is False
    comment = response_schema(document, "/api/v1/campaigns/{campaign_id}/comments", "post",
                              "201")
    assert set(comment["required"]) == set(comment["properties"])
