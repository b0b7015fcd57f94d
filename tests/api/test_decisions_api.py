"""Decisions over the JSON API: recording one with its rung, changing it before confirmation,
confirming it (the frozen snapshot), amending it with a reason, publishing "we did", and the
overdue list; who may do each, the refusals, and responses that match the OpenAPI document."""

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from server import clock as clock_module
from server.campaigns.models import Campaign, Poll
from server.ladder.models import Decision
from tests.api.helpers import (
    assert_error,
    assert_unauthenticated,
    bearer,
    response_schema,
    schema_problems,
)
from tests.campaigns.pages import (
    actions_of,
    add_stakeholder,
    archive,
    facilitate,
    feed_of,
    join,
    make_campaign,
    say,
)
from tests.campaigns.polls_helpers import events_of, make_poll, option_ids, vote

API = "/api/v1"
DOC = {
    "list": ("/campaigns/{campaign_id}/decisions", "get", "200"),
    "record": ("/campaigns/{campaign_id}/decisions", "post", "201"),
    "get": ("/decisions/{decision_id}", "get", "200"),
    "change": ("/decisions/{decision_id}", "patch", "200"),
    "confirm": ("/decisions/{decision_id}/confirm", "post", "200"),
    "amend": ("/decisions/{decision_id}/amendments", "post", "201"),
    "we_did": ("/decisions/{decision_id}/we-did", "post", "200"),
    "overdue": ("/decisions/overdue", "get", "200"),
}
MISSING = "We could not find that decision."
CAMPAIGN_MISSING = "We could not find that campaign."
RUNNERS_ONLY = "Only the campaign's leads and facilitators can record and change its decisions."
STAFF_ONLY = "Only youth workers and organisation admins can confirm a decision."
STAFF_AMEND = "Only youth workers and organisation admins can amend a confirmed decision."
TITLE = "The bus stop moves to the college gate"


@pytest.fixture
def people_(riverside, make_user) -> dict[str, Any]:
    """Jade leads; Sam and Kai are members; the youth worker facilitates; the admin is staff
    outside the campaign; Olu and Hilda are in another organisation; Ben leads another
    campaign."""
    return {"jade": riverside["young"], "worker": riverside["worker"],
            "admin": riverside["admin"], "olu": riverside["outsider"],
            "hilda": riverside["other_worker"],
            "sam": make_user(riverside["org"], "sam", "young_person", "13_15"),
            "kai": make_user(riverside["org"], "kai", "young_person", "18_25"),
            "ben": make_user(riverside["org"], "ben", "young_person", "16_17")}


@pytest.fixture
def ours(db, people_) -> Campaign:
    campaign = make_campaign(db, people_["jade"])
    join(db, people_["sam"], campaign)
    join(db, people_["kai"], campaign)
    facilitate(db, people_["worker"], campaign)
    return campaign


@pytest.fixture
def theirs(db, people_) -> Campaign:
    """Ben's campaign in the same organisation."""
    return make_campaign(db, people_["ben"], title="Longer library hours")


@pytest.fixture
def api(client, people_, token_for):
    """Call the API as someone: api("worker", "post", url, json=...)."""
    tokens: dict[str, dict[str, str]] = {}

    def call(who: str | None, method: str, url: str, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            if who not in tokens:
                tokens[who] = bearer(token_for(people_[who]))
            headers.update(tokens[who])
        return client.request(method.upper(), API + url, headers=headers, **kwargs)

    return call


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"title": TITLE, "decided_on": clock_module.now().date().isoformat(),
                            "decided_by": "adults"}
    data.update(overrides)
    return data


def check(document: dict[str, Any], op: str, found: Any) -> None:
    path, method, ok = DOC[op]
    schema = response_schema(document, API + path, method, ok)
    assert schema_problems(document, schema, found) == []


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    found: dict[str, Any] = response.json()
    return found


def invalid(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["message"]
    fields: dict[str, str] = error["fields"]
    return fields


def refused(response: Any, status: int, message: str | None = None) -> None:
    found = assert_error(response, status, {403: "forbidden", 404: "not_found"}[status])
    if message is not None:
        assert found["error"]["message"] == message


def record(api, campaign: Campaign, who: str = "jade", **data: Any) -> dict[str, Any]:
    return ok(api(who, "post", f"/campaigns/{campaign.id}/decisions", json=body(**data)), 201)


def decisions_in(db, campaign: Campaign) -> list[Decision]:
    with db.read() as session:
        return list(session.exec(select(Decision).where(Decision.campaign_id == campaign.id)
                                 .order_by(col(Decision.id))))


def choose(db, people_, name: str, poll: Poll, label: str) -> None:
    vote(db, people_[name], poll, [option_ids(db, poll)[label]])


@pytest.fixture
def involved(db, people_, ours) -> dict[str, Any]:
    """A poll Jade ran (Sam and Jade voted) and a thread Sam started (Jade replied)."""
    poll = make_poll(db, people_["jade"], ours)
    choose(db, people_, "sam", poll, "Library")
    choose(db, people_, "jade", poll, "Park")
    thread = say(db, people_["sam"], ours, "Near the gate please")
    say(db, people_["jade"], ours, "Agreed", parent=thread)
    return {"poll": poll, "thread": thread}


def confirmed(api, ours: Campaign, involved: dict[str, Any]) -> dict[str, Any]:
    made = record(api, ours, poll_ids=[involved["poll"].id], thread_ids=[involved["thread"]["id"]])
    return ok(api("worker", "post", f"/decisions/{made['id']}/confirm"))


# Recording and reading ----------------------------------------------------------------------


def test_a_lead_records_a_decision_with_its_suggested_rung_and_everyone_in_it_reads_it(
        api, db, people_, ours, involved, document):
    stakeholder = add_stakeholder(db, people_["jade"], ours)
    response = api("jade", "post", f"/campaigns/{ours.id}/decisions", json=body(
        details="From September.", stakeholder_id=stakeholder.id,
        poll_ids=[involved["poll"].id], thread_ids=[involved["thread"]["id"]],
        poll_bound_outcome=True, follow_up_on="2099-09-30",
        lundy={"space": {"met": True, "note": "A quiet room at the club"}}))
    made = ok(response, 201)
    check(document, "record", made)
    # A poll young people ran bound the outcome: Full Control, and the reasons say why.
    assert (made["rung"], made["suggested_rung"], made["rung_reason"]) == (
        "full_control", "full_control", "")
    assert made["suggestion"]["rung"] == "full_control"
    assert made["suggestion"]["rung_label"] == "Full Control"
    assert "Young people ran a poll" in made["suggestion"]["reasons"][0]
    assert made["bound_poll_id"] == involved["poll"].id
    assert made["stakeholder"] == {"id": stakeholder.id, "name": "Course manager",
                                   "organisation": "City College"}
    assert made["you_said"].startswith("Where should we meet? (2 votes)")
    assert made["lundy"]["space"] == {"met": True, "note": "A quiet room at the club"}
    assert made["lundy"]["voice"] == {"met": None, "note": ""}
    assert (made["snapshot"], made["amendments"], made["confirmed"]) == (None, [], False)
    assert made["may"] == {"change": True, "confirm": False, "amend": False, "publish": True}
    assert actions_of(db, ours)[-1] == "decision.recorded"

    # Sam, a member, reads it and its campaign's list, but may do nothing with it.
    seen = ok(api("sam", "get", f"/decisions/{made['id']}"))
    check(document, "get", seen)
    assert seen["may"] == {"change": False, "confirm": False, "amend": False,
                           "publish": False}
    assert {k: v for k, v in seen.items() if k != "may"} == {
        k: v for k, v in made.items() if k != "may"}
    listed = ok(api("sam", "get", f"/campaigns/{ours.id}/decisions"))
    check(document, "list", listed)
    assert [d["id"] for d in listed["decisions"]] == [made["id"]]
    # The youth worker may confirm it.
    assert ok(api("worker", "get", f"/decisions/{made['id']}"))["may"]["confirm"] is True

    # No young person's name or user id anywhere in it.
    text = json.dumps(seen).lower()
    for name in ("jade", "sam"):
        assert people_[name].username not in text
    assert "user_id" not in text and "created_by" not in text


def test_the_latest_decided_comes_first_and_a_facilitator_records_too(api, ours, document):
    yesterday = (clock_module.now().date() - timedelta(days=1)).isoformat()
    older = record(api, ours, decided_on=yesterday, title="Earlier")
    newer = record(api, ours, "worker")
    listed = ok(api("jade", "get", f"/campaigns/{ours.id}/decisions"))
    assert [d["id"] for d in listed["decisions"]] == [newer["id"], older["id"]]


def test_routes_need_a_token(api, ours):
    made = record(api, ours)
    for method, url in [("get", f"/campaigns/{ours.id}/decisions"),
                        ("post", f"/campaigns/{ours.id}/decisions"),
                        ("get", f"/decisions/{made['id']}"),
                        ("patch", f"/decisions/{made['id']}"),
                        ("post", f"/decisions/{made['id']}/confirm"),
                        ("post", f"/decisions/{made['id']}/amendments"),
                        ("post", f"/decisions/{made['id']}/we-did"),
                        ("get", "/decisions/overdue")]:
        assert_unauthenticated(api(None, method, url, json={"title": "x"}))


def test_only_leads_and_facilitators_record_and_another_organisation_finds_nothing(
        api, db, ours, theirs):
    url = f"/campaigns/{ours.id}/decisions"
    refused(api("sam", "post", url, json=body()), 403, RUNNERS_ONLY)  # a member
    refused(api("admin", "post", url, json=body()), 403, RUNNERS_ONLY)  # staff, not in it
    refused(api("ben", "post", url, json=body()), 403, RUNNERS_ONLY)  # leads another
    for outsider in ("olu", "hilda"):
        refused(api(outsider, "post", url, json=body()), 404, CAMPAIGN_MISSING)
        refused(api(outsider, "get", url), 404, CAMPAIGN_MISSING)
    assert decisions_in(db, ours) == []
    made = record(api, ours)
    for outsider in ("olu", "hilda"):
        refused(api(outsider, "get", f"/decisions/{made['id']}"), 404, MISSING)
    refused(api("jade", "get", "/decisions/999999"), 404, MISSING)


def test_an_archived_campaigns_decisions_are_read_but_not_recorded(api, db, people_, ours):
    made = record(api, ours)
    archive(db, people_["admin"], ours)
    refused(api("jade", "post", f"/campaigns/{ours.id}/decisions", json=body()), 403)
    assert ok(api("jade", "get", f"/decisions/{made['id']}"))["may"]["change"] is False


def test_bad_input_is_told_field_by_field_and_saves_nothing(api, db, ours, theirs, people_):
    url = f"/campaigns/{ours.id}/decisions"
    no_title = body()
    del no_title["title"]
    assert invalid(api("jade", "post", url, json=no_title)) == {
        "title": "Add title: it is required."}
    assert invalid(api("jade", "post", url, json=body(title="  "))).keys() == {"title"}

    # Another rung than the suggestion needs a reason.
    assert invalid(api("jade", "post", url, json=body(rung="sharing_power"))) == {
        "rung_reason": "The suggested rung is No Control. Say why you chose Sharing Power."}
    # Links must be this campaign's.
    their_poll = make_poll(db, people_["ben"], theirs)
    assert invalid(api("jade", "post", url, json=body(poll_ids=[their_poll.id]))) == {
        "poll_ids": "Link only this campaign's polls."}
    # The meaning of values, each by its field.
    fields = invalid(api("jade", "post", url, json=body(
        decided_on="next Tuesday", stakeholder_id=999999, rung=None,
        lundy={"voice": {"note": "x" * 301}})))
    assert fields.keys() == {"decided_on", "stakeholder_id", "lundy.voice.note"}
    tomorrow = (clock_module.now().date() + timedelta(days=1)).isoformat()
    assert invalid(api("jade", "post", url, json=body(decided_on=tomorrow))) == {
        "decided_on": "The date it was decided cannot be in the future."}

    # The wrong JSON types, before anything else.
    fields = invalid(api("jade", "post", url, json=body(
        poll_ids="3", poll_bound_outcome="yes", stakeholder_id="one", decided_by="council",
        lundy={"space": {"met": "yes"}}, colour="blue")))
    assert fields == {
        "poll_ids": "poll_ids must be a list.",
        "poll_bound_outcome": "poll_bound_outcome must be true or false.",
        "stakeholder_id": "stakeholder_id must be a whole number or null.",
        "decided_by": "decided_by must be one of: young_people, together, adults.",
        "lundy.space.met": "lundy.space.met must be true or false or null.",
        "colour": fields["colour"],
    }
    assert fields["colour"].startswith("colour is not a field we know.")
    assert invalid(api("jade", "post", url, json=body(poll_ids=[1, "2"]))) == {
        "poll_ids[1]": "poll_ids[1] must be a whole number."}
    assert invalid(api("jade", "post", url, json=["not", "an", "object"])).keys() == {"body"}
    assert_error(api("jade", "post", url, content=b"{oops"), 400, "bad_request")
    assert decisions_in(db, ours) == []


# Changing before confirmation ---------------------------------------------------------------


def test_a_change_keeps_what_is_left_out_and_follows_the_suggestion(api, db, ours, document):
    made = record(api, ours, details="From September.",
                  lundy={"space": {"met": True, "note": "The club"}})
    url = f"/decisions/{made['id']}"
    changed = ok(api("jade", "patch", url, json={
        "decided_by": "together", "lundy": {"voice": {"met": False}}}))
    check(document, "change", changed)
    assert (changed["rung"], changed["suggested_rung"]) == ("sharing_power", "sharing_power")
    assert (changed["title"], changed["details"]) == (TITLE, "From September.")
    assert changed["lundy"]["space"] == {"met": True, "note": "The club"}
    assert changed["lundy"]["voice"] == {"met": False, "note": ""}
    assert actions_of(db, ours)[-1] == "decision.changed"
    assert ok(api("sam", "get", url))["decided_by"] == "together"

    # Another rung still needs a reason; what was typed is refused whole.
    assert invalid(api("jade", "patch", url, json={"rung": "full_control"})).keys() == {
        "rung_reason"}
    assert invalid(api("jade", "patch", url, json={"title": ""})).keys() == {"title"}
    assert invalid(api("jade", "patch", url, json={"poll_ids": [None]})).keys() == {
        "poll_ids[0]"}
    assert ok(api("jade", "get", url))["rung"] == "sharing_power"


def test_who_may_change_a_decision(api, db, ours):
    made = record(api, ours)
    url = f"/decisions/{made['id']}"
    refused(api("sam", "patch", url, json={"title": "Mine now"}), 403, RUNNERS_ONLY)
    refused(api("hilda", "patch", url, json={"title": "Ours now"}), 404, MISSING)
    refused(api("olu", "patch", url, json={"title": "Ours now"}), 404, MISSING)
    assert ok(api("worker", "patch", url, json={"title": "Moved"}))["title"] == "Moved"
    ok(api("worker", "post", url + "/confirm"))
    response = api("jade", "patch", url, json={"title": "Quietly different"})
    refused(response, 403)
    assert "amend" in response.json()["error"]["message"]
    assert decisions_in(db, ours)[0].title == "Moved"


# Confirming ---------------------------------------------------------------------------------


def test_confirming_freezes_a_snapshot_that_a_later_vote_does_not_change(
        api, db, people_, ours, involved, document):
    made = record(api, ours, poll_ids=[involved["poll"].id],
                  thread_ids=[involved["thread"]["id"]])
    url = f"/decisions/{made['id']}"
    refused(api("jade", "post", url + "/confirm"), 403, STAFF_ONLY)
    refused(api("sam", "post", url + "/confirm"), 403, STAFF_ONLY)
    refused(api("hilda", "post", url + "/confirm"), 404, MISSING)
    assert ok(api("jade", "get", url))["snapshot"] is None

    done = ok(api("admin", "post", url + "/confirm"))
    check(document, "confirm", done)
    assert done["confirmed"] is True and done["confirmed_at"]
    frozen = done["snapshot"]
    assert (frozen["young_people"], frozen["ballots"], frozen["comments"]) == (2, 2, 2)
    assert frozen["age_bands"]["13_15"] == 1 and frozen["age_bands"]["16_17"] == 1
    (results,) = frozen["polls"]
    assert results["question"] == "Where should we meet?"
    assert {c["label"]: c["votes"] for c in results["counts"]} == {
        "Library": 1, "Youth club": 0, "Park": 1}
    assert done["may"] == {"change": False, "confirm": False, "amend": True, "publish": False}
    assert actions_of(db, ours)[-1] == "decision.confirmed"

    choose(db, people_, "kai", involved["poll"], "Youth club")
    say(db, people_["kai"], ours, "Me too", parent=involved["thread"])
    assert ok(api("sam", "get", url))["snapshot"] == frozen
    # Confirming again changes nothing.
    assert ok(api("worker", "post", url + "/confirm"))["snapshot"] == frozen
    text = json.dumps(frozen).lower()
    for name in ("jade", "sam", "kai"):
        assert people_[name].username not in text


# Amending -----------------------------------------------------------------------------------


def test_a_confirmed_decision_is_amended_with_a_reason_that_shows_with_it(
        api, db, people_, ours, involved, document):
    done = confirmed(api, ours, involved)
    url = f"/decisions/{done['id']}/amendments"
    change = {"reason": "The council chose the main gate, not the side gate.",
              "changes": {"title": "The bus stop moves to the main gate"}}
    made = ok(api("worker", "post", url, json=change), 201)
    check(document, "amend", made)
    amendment = made["amendment"]
    assert amendment["by"] == "Worker"
    assert amendment["reason"] == "The council chose the main gate, not the side gate."
    assert amendment["changes"] == {"title": [TITLE, "The bus stop moves to the main gate"]}
    assert made["decision"]["title"] == "The bus stop moves to the main gate"
    assert made["decision"]["snapshot"] == done["snapshot"]
    assert actions_of(db, ours)[-1] == "decision.amended"

    seen = ok(api("sam", "get", f"/decisions/{done['id']}"))
    check(document, "get", seen)
    assert seen["amendments"] == [amendment]
    assert seen["title"] == "The bus stop moves to the main gate"
    assert seen["snapshot"] == done["snapshot"]

    # A Lundy element amended keeps the others.
    again = ok(api("admin", "post", url, json={
        "reason": "We asked the group.", "changes": {"lundy": {"voice": {"met": True}}}}), 201)
    assert again["amendment"]["by"] == "Admin"
    assert again["decision"]["lundy"]["voice"]["met"] is True
    assert [a["reason"] for a in again["decision"]["amendments"]] == [
        "The council chose the main gate, not the side gate.", "We asked the group."]


def test_who_may_amend_and_when(api, db, ours, involved):
    made = record(api, ours)
    url = f"/decisions/{made['id']}/amendments"
    change = {"reason": "Because", "changes": {"title": "New"}}
    response = api("worker", "post", url, json=change)  # not confirmed yet
    refused(response, 403)
    assert "change it directly" in response.json()["error"]["message"]
    ok(api("worker", "post", f"/decisions/{made['id']}/confirm"))
    refused(api("jade", "post", url, json=change), 403, STAFF_AMEND)  # a lead
    refused(api("sam", "post", url, json=change), 403, STAFF_AMEND)  # a young person
    refused(api("hilda", "post", url, json=change), 404, MISSING)
    assert decisions_in(db, ours)[0].title == TITLE


def test_an_amendment_without_a_reason_or_with_bad_changes_is_refused(api, db, ours, involved,
                                                                      theirs, people_):
    done = confirmed(api, ours, involved)
    url = f"/decisions/{done['id']}/amendments"
    assert invalid(api("worker", "post", url, json={"changes": {"title": "New"}})) == {
        "reason": "Add reason: it is required."}
    assert invalid(api("worker", "post", url, json={
        "reason": "  ", "changes": {"title": "New"}})).keys() == {"reason"}
    their_poll = make_poll(db, people_["ben"], theirs)
    assert invalid(api("worker", "post", url, json={
        "reason": "", "changes": {"title": "", "poll_ids": [their_poll.id]}})).keys() == {
        "reason", "changes.title", "changes.poll_ids"}
    assert invalid(api("worker", "post", url, json={
        "reason": "Typo", "changes": {"rung": 3, "nickname": "x"}})).keys() == {
        "changes.rung", "changes.nickname"}
    assert invalid(api("worker", "post", url, json={
        "reason": "Nothing really", "changes": {"title": TITLE}})).keys() == {"reason"}
    shown = ok(api("worker", "get", f"/decisions/{done['id']}"))
    assert (shown["amendments"], shown["title"]) == ([], TITLE)


# "We did" -----------------------------------------------------------------------------------


def test_publishing_we_did_tells_the_campaign_live(api, db, people_, ours, document):
    made = record(api, ours)  # adults decided, nobody asked or told: No Control
    url = f"/decisions/{made['id']}/we-did"
    refused(api("sam", "post", url, json={"we_did": "Hi"}), 403, RUNNERS_ONLY)
    refused(api("hilda", "post", url, json={"we_did": "Hi"}), 404, MISSING)
    assert invalid(api("jade", "post", url, json={"we_did": " "})).keys() == {"we_did"}
    assert invalid(api("jade", "post", url, json={"follow_up_on": "2099-09-30"})) == {
        "we_did": "Add we_did: it is required."}
    assert invalid(api("jade", "post", url, json={"we_did": "Done", "follow_up_on": 5})) == {
        "follow_up_on": "follow_up_on must be text or null."}
    assert invalid(api("jade", "post", url, json={"we_did": "Done",
                                                  "follow_up_on": "soon"})).keys() == {
        "follow_up_on"}

    before = len(events_of(db, ours))
    published = ok(api("jade", "post", url, json={"we_did": "The stop moves in September.",
                                                  "follow_up_on": "2099-09-30"}))
    check(document, "we_did", published)
    assert published["we_did"] == "The stop moves in September."
    assert published["we_did_published_at"] and published["follow_up_on"] == "2099-09-30"
    # Young people were told: the suggestion, and the rung that was it, rise to Information.
    assert (published["suggested_rung"], published["rung"]) == ("information", "information")
    assert published["may"]["publish"] is False

    ((kind, data),) = events_of(db, ours)[before:]
    assert kind == "decision.published"
    assert data["decision"]["id"] == made["id"]
    assert data["decision"]["we_did"] == "The stop moves in September."
    assert "jade" not in json.dumps(data).lower()
    assert feed_of(db, ours)[-1][1].endswith("We did: The stop moves in September.")
    refused(api("jade", "post", url, json={"we_did": "Again"}), 403)


# Overdue ------------------------------------------------------------------------------------


def test_staff_see_decisions_past_their_follow_up_date_with_no_we_did(
        api, db, ours, clock, document):
    today = clock.now().date()
    due = record(api, ours, follow_up_on=(today + timedelta(days=3)).isoformat())
    record(api, ours, title="No follow-up date")
    record(api, ours, title="Later", follow_up_on=(today + timedelta(days=30)).isoformat())
    assert ok(api("worker", "get", "/decisions/overdue")) == {"overdue": []}

    clock.advance(5 * 86400)
    found = ok(api("admin", "get", "/decisions/overdue"))
    check(document, "overdue", found)
    (item,) = found["overdue"]
    assert (item["campaign_id"], item["campaign_title"], item["days_overdue"]) == (
        ours.id, ours.title, 2)
    assert item["decision"]["id"] == due["id"]
    # Another organisation's staff see none of it; young people may not look.
    assert ok(api("hilda", "get", "/decisions/overdue")) == {"overdue": []}
    refused(api("jade", "get", "/decisions/overdue"), 403,
            "Only youth workers and organisation admins can see overdue decisions.")

    ok(api("worker", "post", f"/decisions/{due['id']}/we-did", json={"we_did": "Done."}))
    assert ok(api("worker", "get", "/decisions/overdue")) == {"overdue": []}


def test_the_document_describes_every_decisions_operation(document):
    for path, method, status in DOC.values():
        operation = document["paths"][API + path][method]
        assert operation["description"]
        assert "401" in operation["responses"] and status in operation["responses"]
    record_body = document["paths"][API + "/campaigns/{campaign_id}/decisions"]["post"]
    schema = record_body["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["title", "decided_on", "decided_by"]
    assert set(schema["properties"]["lundy"]["properties"]) == {
        "space", "voice", "audience", "influence"}
