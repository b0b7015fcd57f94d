"""Polls over the JSON API: each operation's success, refusals and bad bodies, retries that
change nothing, results that agree with the ballots, and responses that match the OpenAPI
document."""

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from server import clock
from server.campaigns import polls, tallies
from server.campaigns.models import Campaign
from tests.api.helpers import (
    assert_error,
    assert_unauthenticated,
    bearer,
    response_schema,
    schema_problems,
)
from tests.campaigns.pages import facilitate, join, make_campaign
from tests.campaigns.polls_helpers import (
    ballots_of,
    events_of,
    fresh_poll,
    make_poll,
    option_ids,
    receipts_of,
    vote,
)

API = "/api/v1"
DOC = {"create": (f"{API}/campaigns/{{campaign_id}}/polls", "post", "201"),
       "get": (f"{API}/polls/{{poll_id}}", "get", "200"),
       "ballot": (f"{API}/polls/{{poll_id}}/ballot", "put", "200"),
       "results": (f"{API}/polls/{{poll_id}}/results", "get", "200"),
       "open": (f"{API}/polls/{{poll_id}}/open", "post", "200"),
       "close": (f"{API}/polls/{{poll_id}}/close", "post", "200"),
       "reveal": (f"{API}/polls/{{poll_id}}/reveal", "post", "200")}


@pytest.fixture
def people_(riverside, make_user):
    return {**riverside,
            "sam": make_user(riverside["org"], "sam", "young_person", "13_15"),
            "kai": make_user(riverside["org"], "kai", "young_person", "16_17")}


@pytest.fixture
def campaign(db, people_) -> Campaign:
    """Jade's live campaign: Sam is a member, the youth worker facilitates; Kai is not in it."""
    made = make_campaign(db, people_["young"])
    join(db, people_["sam"], made)
    facilitate(db, people_["worker"], made)
    return made


@pytest.fixture
def api(client, people_, token_for):
    names = ("admin", "worker", "young", "outsider", "other_worker", "sam", "kai")
    tokens = {name: bearer(token_for(people_[name])) for name in names}

    def call(who: str | None, method: str, url: str, **kwargs: Any) -> Any:
        return client.request(method.upper(), url, headers=tokens[who] if who else {}, **kwargs)

    return call


@pytest.fixture
def poll(db, people_, campaign):
    return make_poll(db, people_["young"], campaign, question="Where should we meet?",
                     options=["Library", "Youth club", "Park"])


def check(document: dict[str, Any], op: str, body: Any, status: str | None = None) -> None:
    path, method, ok = DOC[op]
    schema = response_schema(document, path, method, status or ok)
    assert schema_problems(document, schema, body) == []


def invalid(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"]["code"] == "invalid_input" and body["error"]["message"]
    fields: dict[str, str] = body["error"]["fields"]
    return fields


def poll_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "single", "question": "Where should we meet?",
                            "options": ["Library", "Youth club", "Park"]}
    body.update(overrides)
    return body


# POST /campaigns/{id}/polls -------------------------------------------------------------


def test_create_a_poll(api, db, campaign, document):
    closes = (clock.now() + timedelta(days=1)).replace(microsecond=0)
    response = api("worker", "post", f"{API}/campaigns/{campaign.id}/polls",
                   json=poll_body(kind="multiple", max_choices=2, anonymous=False,
                                  visibility="after_vote", closes_at=closes.isoformat(),
                                  description="Somewhere dry"))
    assert response.status_code == 201, response.text
    body = response.json()
    check(document, "create", body)
    assert response.headers["location"] == f"{API}/polls/{body['id']}"
    assert [o["label"] for o in body["options"]] == ["Library", "Youth club", "Park"]
    assert (body["kind"], body["max_choices"], body["anonymous"], body["visibility"],
            body["status"], body["closes_at"]) == (
        "multiple", 2, False, "after_vote", "open", closes.isoformat())
    assert body["may_vote"] is False and body["why_not"] == polls.VOTERS_ONLY
    assert body["results"]["results_visible"] is True  # facilitators always see
    assert [kind for kind, _ in events_of(db, campaign)] == ["poll.opened"]


def test_create_a_draft_proposal(api, db, campaign, document):
    body = api("young", "post", f"{API}/campaigns/{campaign.id}/polls",
               json={"kind": "proposal", "question": "Close on Fridays?", "open": False}).json()
    check(document, "create", body)
    assert (body["status"], body["options"]) == ("draft", [])
    assert events_of(db, campaign) == []


def test_create_needs_a_token(api, campaign):
    assert_unauthenticated(api(None, "post", f"{API}/campaigns/{campaign.id}/polls",
                               json=poll_body()))


@pytest.mark.parametrize(("who", "status"), [("sam", 403), ("admin", 403), ("outsider", 404),
                                             ("other_worker", 404)])
def test_create_is_for_runners_of_the_campaign(api, db, campaign, who, status):
    response = api(who, "post", f"{API}/campaigns/{campaign.id}/polls", json=poll_body())
    assert_error(response, status, "forbidden" if status == 403 else "not_found")
    assert events_of(db, campaign) == []


@pytest.mark.parametrize(("body", "fields"), [
    ({"question": "Where?"}, {"kind"}),
    ({"kind": "single"}, {"question"}),
    (poll_body(kind="vote"), {"kind"}),
    (poll_body(options="Library\nPark"), {"options"}),
    (poll_body(options=[1, 2]), {"options[0]", "options[1]"}),
    (poll_body(anonymous="yes"), {"anonymous"}),
    (poll_body(colour="red"), {"colour"}),
    (poll_body(question="", options=["Only one"]), {"question", "options"}),
    (poll_body(options=["Park", "PARK"]), {"options"}),
    (poll_body(kind="multiple", max_choices=4), {"max_choices"}),
    (poll_body(closes_at="2001-01-01T00:00:00Z"), {"closes_at"}),
    (poll_body(kind="proposal"), {"options"}),
])
def test_create_with_a_bad_body_says_what_is_wrong(api, campaign, body, fields):
    response = api("young", "post", f"{API}/campaigns/{campaign.id}/polls", json=body)
    found = invalid(response)
    assert set(found) == fields
    assert all(isinstance(m, str) and m for m in found.values())


def test_create_with_a_body_that_is_not_json_is_400(api, campaign):
    response = api("young", "post", f"{API}/campaigns/{campaign.id}/polls", content=b"{oops")
    assert_error(response, 400, "bad_request")


# GET /polls/{id} ------------------------------------------------------------------------


def test_get_a_poll_with_my_ballot(api, db, people_, poll, document):
    ids = option_ids(db, poll)
    vote(db, people_["sam"], poll, [ids["Park"]])
    body = api("sam", "get", f"{API}/polls/{poll.id}").json()
    check(document, "get", body)
    assert body["my_ballot"]["choices"] == [ids["Park"]] and body["may_vote"] is True
    assert body["results"]["counts"][2] == {"option_id": ids["Park"], "label": "Park",
                                            "votes": 1}
    other = api("young", "get", f"{API}/polls/{poll.id}").json()
    assert other["my_ballot"] is None


def test_get_a_poll_needs_a_token(api, poll):
    assert_unauthenticated(api(None, "get", f"{API}/polls/{poll.id}"))


@pytest.mark.parametrize("who", ["outsider", "other_worker"])
def test_another_organisations_poll_is_404(api, poll, who):
    assert_error(api(who, "get", f"{API}/polls/{poll.id}"), 404, "not_found")
    assert_error(api(who, "get", f"{API}/polls/{poll.id}/results"), 404, "not_found")


def test_members_cannot_find_drafts(api, db, people_, campaign):
    draft = make_poll(db, people_["young"], campaign, open_now=False)
    assert_error(api("sam", "get", f"{API}/polls/{draft.id}"), 404, "not_found")
    assert api("worker", "get", f"{API}/polls/{draft.id}").json()["status"] == "draft"


# PUT /polls/{id}/ballot -----------------------------------------------------------------


def test_vote_and_retry(api, db, poll, document):
    ids = option_ids(db, poll)
    url = f"{API}/polls/{poll.id}/ballot"
    first = api("sam", "put", url, json={"choices": [ids["Park"]], "client_op_id": "a-1"})
    assert first.status_code == 200, first.text
    body = first.json()
    check(document, "ballot", body)
    assert body["saved"] is True and body["replayed"] is False
    assert body["ballot"]["choices"] == [ids["Park"]]

    api("sam", "put", url, json={"choices": [ids["Library"]], "client_op_id": "a-2"})
    retry = api("sam", "put", url, json={"choices": [ids["Youth club"]], "client_op_id": "a-1"})
    assert retry.status_code == 200
    assert retry.json() == {**body, "replayed": True}
    (ballot,) = ballots_of(db, poll)
    assert tallies.decode("single", ballot.choices) == [ids["Library"]]
    assert len(receipts_of(db, poll)) == 2


def test_score_ballots_take_option_ids_as_text(api, db, people_, campaign, document):
    made = make_poll(db, people_["young"], campaign, kind="score", options=["A", "B"])
    ids = option_ids(db, made)
    response = api("sam", "put", f"{API}/polls/{made.id}/ballot",
                   json={"choices": {str(ids["A"]): 4, str(ids["B"]): 1}, "client_op_id": "s"})
    assert response.status_code == 200, response.text
    check(document, "ballot", response.json())
    assert response.json()["ballot"]["choices"] == {str(ids["A"]): 4, str(ids["B"]): 1}


def test_proposal_ballots_carry_a_reason(api, db, people_, campaign, document):
    made = make_poll(db, people_["young"], campaign, kind="proposal", options=[])
    body = api("sam", "put", f"{API}/polls/{made.id}/ballot",
               json={"choices": "block", "reason": "Not fair", "client_op_id": "p"}).json()
    assert body["ballot"]["choices"] == "block" and body["ballot"]["reason"] == "Not fair"
    results = api("young", "get", f"{API}/polls/{made.id}/results").json()
    check(document, "results", results)
    assert results["positions"] == {"agree": 0, "abstain": 0, "disagree": 0, "block": 1}
    assert results["block_reasons"] == ["Not fair"]


def test_vote_needs_a_token(api, db, poll):
    response = api(None, "put", f"{API}/polls/{poll.id}/ballot",
                   json={"choices": [1], "client_op_id": "x"})
    assert_unauthenticated(response)
    assert ballots_of(db, poll) == []


@pytest.mark.parametrize(("who", "status", "words"), [
    ("worker", 403, polls.VOTERS_ONLY),
    ("admin", 403, polls.VOTERS_ONLY),
    ("kai", 403, polls.NOT_IN),
    ("outsider", 404, polls.POLL_MISSING),
    ("other_worker", 404, polls.POLL_MISSING),
])
def test_only_the_campaigns_young_people_vote(api, db, poll, who, status, words):
    response = api(who, "put", f"{API}/polls/{poll.id}/ballot",
                   json={"choices": [option_ids(db, poll)["Park"]], "client_op_id": "x"})
    body = assert_error(response, status, "forbidden" if status == 403 else "not_found")
    assert body["error"]["message"] == words
    assert ballots_of(db, poll) == []


def test_closed_polls_refuse_votes_but_answer_retries(api, db, poll):
    ids = option_ids(db, poll)
    url = f"{API}/polls/{poll.id}/ballot"
    first = api("sam", "put", url, json={"choices": [ids["Park"]], "client_op_id": "c-1"})
    api("young", "post", f"{API}/polls/{poll.id}/close")
    late = api("young", "put", url, json={"choices": [ids["Park"]], "client_op_id": "c-2"})
    assert assert_error(late, 403, "forbidden")["error"]["message"] == polls.CLOSED
    retry = api("sam", "put", url, json={"choices": [ids["Park"]], "client_op_id": "c-1"})
    assert retry.status_code == 200 and retry.json()["replayed"] is True
    assert retry.json()["ballot"] == first.json()["ballot"]


@pytest.mark.parametrize(("body", "fields"), [
    ({"client_op_id": "x"}, {"choices"}),
    ({"choices": [1]}, {"client_op_id"}),
    ({"choices": ["1"], "client_op_id": "x"}, {"choices[0]"}),
    ({"choices": 3, "client_op_id": "x"}, {"choices"}),
    ({"choices": [], "client_op_id": "x", "extra": 1}, {"extra"}),
    ({"choices": [], "client_op_id": "has spaces"}, {"client_op_id"}),
    ({"choices": [], "client_op_id": "x"}, {"choices"}),
    ({"choices": [999_999], "client_op_id": "x"}, {"choices"}),
])
def test_vote_with_a_bad_body_says_what_is_wrong(api, db, poll, body, fields):
    found = invalid(api("sam", "put", f"{API}/polls/{poll.id}/ballot", json=body))
    assert set(found) == fields
    assert ballots_of(db, poll) == [] and receipts_of(db, poll) == []


# GET /polls/{id}/results ----------------------------------------------------------------


def test_results_agree_with_the_ballots(api, db, people_, campaign, document, make_user):
    made = make_poll(db, people_["young"], campaign, kind="multiple",
                     options=["A", "B", "C"], max_choices="2")
    ids = option_ids(db, made)
    voters = ["sam", "young"]
    for n in range(6):
        user = make_user(people_["org"], f"voter{n}", "young_person", "13_15")
        join(db, user, campaign)
        people_[f"voter{n}"] = user
        voters.append(f"voter{n}")
    picks = [[ids["A"]], [ids["A"], ids["B"]], [ids["C"]], [ids["B"], ids["C"]],
             [ids["A"], ids["C"]], [ids["B"]], [ids["A"]], [ids["C"], ids["A"]]]
    for who, choice in zip(voters, picks, strict=True):
        vote(db, people_[who], made, choice)

    body = api("sam", "get", f"{API}/polls/{made.id}/results").json()
    check(document, "results", body)
    counted: Counter[int] = Counter()
    for ballot in ballots_of(db, made):
        counted.update(tallies.decode("multiple", ballot.choices))
    assert body["ballots"] == len(ballots_of(db, made)) == 8
    assert {c["option_id"]: c["votes"] for c in body["counts"]} == {
        option: counted[option] for option in ids.values()}
    assert api("sam", "get", f"{API}/polls/{made.id}").json()["results"] == body


def test_results_before_they_may_be_seen_give_only_the_count(api, db, people_, campaign,
                                                              document):
    made = make_poll(db, people_["young"], campaign, visibility="after_vote")
    ids = option_ids(db, made)
    vote(db, people_["young"], made, [ids["Park"]])
    hidden = api("sam", "get", f"{API}/polls/{made.id}/results")
    assert hidden.status_code == 200
    check(document, "results", hidden.json())
    assert hidden.json() == {"poll_id": made.id, "ballots": 1, "status": "open",
                             "results_visible": False}
    api("sam", "put", f"{API}/polls/{made.id}/ballot",
        json={"choices": [ids["Library"]], "client_op_id": "see"})
    shown = api("sam", "get", f"{API}/polls/{made.id}/results").json()
    assert shown["results_visible"] is True and shown["ballots"] == 2


def test_ranked_results_show_every_round(api, db, people_, campaign, document):
    made = make_poll(db, people_["young"], campaign, kind="ranked", options=["A", "B", "C"])
    ids = option_ids(db, made)
    vote(db, people_["sam"], made, [ids["A"], ids["B"]])
    vote(db, people_["young"], made, [ids["C"], ids["B"]])
    body = api("young", "get", f"{API}/polls/{made.id}/results").json()
    check(document, "results", body)
    assert [r["eliminated"] for r in body["rounds"]] == [[ids["B"]], []]
    assert body["winner"] is None and body["tied"] == [ids["A"], ids["C"]]


def test_results_need_a_token(api, poll):
    assert_unauthenticated(api(None, "get", f"{API}/polls/{poll.id}/results"))


# POST /polls/{id}/open, /close, /reveal ---------------------------------------------------


def test_runners_open_close_and_reveal(api, db, people_, campaign, document):
    draft = make_poll(db, people_["young"], campaign, open_now=False, visibility="after_close")
    opened = api("worker", "post", f"{API}/polls/{draft.id}/open")
    assert opened.status_code == 200, opened.text
    check(document, "open", opened.json())
    assert opened.json()["status"] == "open"

    revealed = api("young", "post", f"{API}/polls/{draft.id}/reveal", json={"revealed": True})
    check(document, "reveal", revealed.json())
    assert revealed.json()["revealed"] is True

    closed = api("young", "post", f"{API}/polls/{draft.id}/close")
    check(document, "close", closed.json())
    assert closed.json()["status"] == "closed"
    assert fresh_poll(db, draft).status == "closed"
    assert [kind for kind, _ in events_of(db, campaign)] == [
        "poll.opened", "poll.revealed", "poll.closed"]


@pytest.mark.parametrize("action", ["open", "close", "reveal"])
@pytest.mark.parametrize(("who", "status"), [("sam", 403), ("admin", 403), ("outsider", 404),
                                             ("other_worker", 404), (None, 401)])
def test_only_runners_run_polls(api, db, poll, action, who, status):
    response = api(who, "post", f"{API}/polls/{poll.id}/{action}", json={"revealed": True})
    if status == 401:
        assert_unauthenticated(response)
    else:
        assert_error(response, status, "forbidden" if status == 403 else "not_found")
    assert fresh_poll(db, poll).status == "open" and not fresh_poll(db, poll).revealed


def test_reveal_with_a_bad_body_says_what_is_wrong(api, poll):
    assert set(invalid(api("young", "post", f"{API}/polls/{poll.id}/reveal",
                           json={"revealed": "yes"}))) == {"revealed"}
    assert set(invalid(api("young", "post", f"{API}/polls/{poll.id}/reveal",
                           json={}))) == {"revealed"}


def test_every_poll_operation_is_documented(document):
    for path, method, ok in DOC.values():
        operation = document["paths"][path][method]
        assert ok in operation["responses"] and "401" in operation["responses"]
