"""Campaigns over the JSON API: each route's success, refusals and bad input, the one
transaction behind a PATCH, and responses that match the OpenAPI document."""

from typing import Any

import pytest
from sqlmodel import SQLModel, col, select

from server.accounts import people
from server.audit import AuditEntry
from server.campaigns.models import (
    Campaign,
    CampaignMember,
    FeedItem,
    MeasureReading,
    PlanStep,
    Stakeholder,
)
from tests.api.helpers import (
    assert_error,
    assert_unauthenticated,
    bearer,
    response_schema,
    schema_problems,
    viewer_of,
)
from tests.campaigns.pages import future, past
from tests.conftest import PASSWORD, login

URL = "/api/v1/campaigns"
LONG = "x" * 10_000
MISSING = "We could not find that campaign."


def goal(**overrides: Any) -> dict[str, Any]:
    """A complete TEAM goal, as a client would send it."""
    data: dict[str, Any] = {
        "title": "Safe way to college",
        "issue": "The 7 bus is late and crowded, so students miss the start of classes.",
        "deadline": future(),
        "exact": "The college timetable starts after the first bus from the estate arrives.",
        "measure_what": "students who get to college on time",
        "measure_unit": "students",
        "measure_target": 40,
        "measure_current": 5,
        "steps": ["Write to the course manager"],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not ...}


def invalid(response: Any) -> dict[str, str]:
    """The field messages of a 422."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "invalid_input" and body["error"]["message"]
    fields: dict[str, str] = body["error"]["fields"]
    assert fields and all(isinstance(m, str) and m for m in fields.values())
    return fields


TABLES: tuple[type[SQLModel], ...] = (Campaign, CampaignMember, PlanStep, Stakeholder,
                                      MeasureReading, FeedItem, AuditEntry)


def snapshot(db) -> dict[str, list[dict[str, Any]]]:
    """Every campaign row and audit entry, to show that a refused request changed nothing."""
    with db.read() as session:
        return {table.__name__: [row.model_dump() for row in session.exec(
            select(table).order_by(col(table.id)))] for table in TABLES}  # type: ignore[attr-defined]


def audit_actions(db, campaign_id: int) -> list[str]:
    with db.read() as session:
        return list(session.exec(select(AuditEntry.action)
                                 .where(AuditEntry.campaign_id == campaign_id)
                                 .order_by(col(AuditEntry.id))))


@pytest.fixture
def people_(riverside, make_user):
    """riverside's people, a second young person (sam), and their tokens."""
    sam = make_user(riverside["org"], "sam", "young_person", "13_15")
    return {**riverside, "sam": sam}


@pytest.fixture
def tokens(people_, token_for):
    names = ("admin", "worker", "young", "child", "outsider", "other_worker", "sam")
    return {name: bearer(token_for(people_[name])) for name in names}


@pytest.fixture
def api(client, tokens):
    """Call the API as one of the people: api("young", "post", URL, json=...)."""

    def call(who: str | None, method: str, url: str, **kwargs: Any) -> Any:
        headers = {**(tokens[who] if who else {}), **kwargs.pop("headers", {})}
        return client.request(method.upper(), url, headers=headers, **kwargs)

    return call


def create(api, who: str = "young", **overrides: Any) -> dict[str, Any]:
    response = api(who, "post", URL, json=goal(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def create_live(api, who: str = "young", **overrides: Any) -> dict[str, Any]:
    draft = create(api, who, **overrides)
    response = api(who, "patch", f"{URL}/{draft['id']}", json={"status": "live"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def join(api, who: str, code: str) -> dict[str, Any]:
    response = api(who, "post", f"{URL}/join", json={"code": code})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def check_schema(document, path: str, method: str, body: Any, status: str = "200") -> None:
    schema = response_schema(document, path, method, status)
    assert schema_problems(document, schema, body) == []


ONE = "/api/v1/campaigns/{campaign_id}"


# GET /api/v1/campaigns -------------------------------------------------------------------


def test_list_shows_what_each_person_can_see(api, document):
    mine = create_live(api, "young", title="Safe way to college")
    draft = create(api, "sam", title="Sam's draft")
    elsewhere = create_live(api, "outsider", title="Hillside's campaign")

    body = api("young", "get", URL).json()
    check_schema(document, URL, "get", body)
    by_id = {c["id"]: c for c in body["campaigns"]}
    assert set(by_id) == {mine["id"]}, "not another's draft, not another organisation's"
    assert by_id[mine["id"]] == {
        "id": mine["id"], "title": "Safe way to college", "status": "live", "my_role": "lead",
        "deadline": future(), "progress": 0.0, "members": 1, "new_items": 0,
        "archived": False,
    }
    sams = {c["id"]: c for c in api("sam", "get", URL).json()["campaigns"]}
    assert sams[draft["id"]]["my_role"] == "lead"
    assert sams[mine["id"]]["my_role"] is None
    staff = {c["id"] for c in api("worker", "get", URL).json()["campaigns"]}
    assert staff == {mine["id"], draft["id"]}
    assert {c["id"] for c in api("outsider", "get", URL).json()["campaigns"]} == {
        elsewhere["id"]}


def test_list_counts_new_items_and_shows_archived_to_staff(api, document):
    campaign = create_live(api)
    join(api, "sam", campaign["join_code"])
    assert api("young", "post", f"{URL}/{campaign['id']}/progress",
               json={"update": "We met the course manager."}).status_code == 200
    (summary,) = [c for c in api("sam", "get", URL).json()["campaigns"]]
    assert (summary["members"], summary["new_items"]) == (2, 1)
    api("sam", "get", f"{URL}/{campaign['id']}")  # opening it marks the feed as seen
    assert api("sam", "get", URL).json()["campaigns"][0]["new_items"] == 0

    assert api("worker", "patch", f"{URL}/{campaign['id']}",
               json={"archived": True}).status_code == 200
    assert api("sam", "get", URL).json()["campaigns"] == []
    (archived,) = api("admin", "get", URL).json()["campaigns"]
    assert archived["archived"] is True
    check_schema(document, URL, "get", api("admin", "get", URL).json())


def test_list_needs_a_token(api):
    assert_unauthenticated(api(None, "get", URL))


# POST /api/v1/campaigns --------------------------------------------------------------------


def test_create_a_draft(api, db, people_, document):
    response = api("young", "post", URL, json=goal())
    assert response.status_code == 201, response.text
    body = response.json()
    check_schema(document, URL, "post", body, "201")
    assert response.headers["location"] == f"{URL}/{body['id']}"
    assert body["status"] == "draft" and body["my_role"] == "lead"
    assert body["ready"] is True
    assert [letter["letter"] for letter in body["team"]] == ["T", "E", "A", "M"]
    assert all(letter["met"] and letter["problem"] == "" for letter in body["team"])
    (step,) = body["steps"]
    assert step["text"] == "Write to the course manager"
    assert (step["owner_id"], step["owner_name"], step["done"]) == (
        people_["young"].id, "Jade", False)
    assert (body["measure_target"], body["measure_current"]) == (40, 5)
    assert body["measure_history"][0]["value"] == 5
    assert body["join_code"] is None and body["join_url"] is None, "drafts have no code"
    assert body["permissions"]["edit_goal"] is True
    assert body["permissions"]["archive"] is False
    assert audit_actions(db, body["id"]) == ["campaign.created"]


def test_a_draft_can_miss_letters_and_says_which(api):
    body = create(api, deadline=..., measure_what=..., measure_target=..., steps=...)
    assert body["ready"] is False
    problems = {letter["letter"]: letter["problem"] for letter in body["team"]
                if not letter["met"]}
    assert problems == {
        "T": "Add a date: goals need a deadline.",
        "A": "Add a step to your plan: what will you do first, and who will do it?",
        "M": "Add a measure: what will you count, and what number are you aiming for?",
    }


def test_create_needs_a_token(api, db):
    before = snapshot(db)
    assert_unauthenticated(api(None, "post", URL, json=goal()))
    assert snapshot(db) == before


@pytest.mark.parametrize("who", ["worker", "admin"])
def test_staff_cannot_start_a_campaign(api, db, who):
    before = snapshot(db)
    body = assert_error(api(who, "post", URL, json=goal()), 403, "forbidden")
    assert "started by young people" in body["error"]["message"]
    assert snapshot(db) == before


def test_under_13_needs_consent_to_start_a_campaign(api, db, people_):
    before = snapshot(db)
    body = assert_error(api("child", "post", URL, json=goal()), 403, "forbidden")
    assert "parent's or carer's agreement" in body["error"]["message"]
    assert snapshot(db) == before

    with db.write() as session:
        people.record_consent(session, actor=viewer_of(db, people_["worker"]),
                              user_id=people_["child"].id)
    assert api("child", "post", URL, json=goal()).status_code == 201


@pytest.mark.parametrize(("body", "expected"), [
    (goal(deadline=past()), {"deadline": "The deadline must be a date in the future."}),
    (goal(deadline="next week"), {"deadline": "Give the deadline as a date, like 2027-03-31."}),
    (goal(measure_target="ten"), {"measure_target": "measure_target must be a number or null."}),
    (goal(measure_current=None), {"measure_current": "measure_current must be a number."}),
    (goal(measure_target=True), {"measure_target": "measure_target must be a number or null."}),
    (goal(measure_target=1e12), {"measure_target": "The target must be a number between "
                                                   "-1,000,000,000 and 1,000,000,000."}),
    (goal(title=""), {"title": "Give your campaign a title."}),
    (goal(title=...), {"title": "Add title: it is required."}),
    (goal(title=LONG), {"title": "Keep the title to 120 characters or fewer (it has 10,000)."}),
    (goal(issue=LONG), {"issue": "Keep the issue in your own words to 2,000 characters or "
                                 "fewer (it has 10,000)."}),
    (goal(title=7), {"title": "title must be text."}),
    (goal(steps="Write a letter"), {"steps": "steps must be a list."}),
    (goal(steps=["Write a letter", 3]), {"steps[1]": "steps[1] must be text."}),
    (goal(steps=["Write a letter", "y" * 300]),
     {"steps[1]": "Keep a step to 200 characters or fewer (it has 300)."}),
    (goal(steps=[f"Step {n}" for n in range(31)]), {"steps": "A plan can have up to 30 steps."}),
    (goal(deadine=future()), {"deadine": "deadine is not a field we know. Use: title, issue, "
                                         "deadline, exact, measure_what, measure_unit, "
                                         "measure_target, measure_current, steps."}),
    ([goal()], {"body": 'Send a JSON object, like {"title": "…"}.'}),
    ("Safe way to college", {"body": 'Send a JSON object, like {"title": "…"}.'}),
])
def test_create_refuses_bad_input_and_changes_nothing(api, db, body, expected):
    before = snapshot(db)
    assert invalid(api("young", "post", URL, json=body)) == expected
    assert snapshot(db) == before


def test_create_lists_every_problem_at_once(api, db):
    fields = invalid(api("young", "post", URL, json=goal(
        title=LONG, deadline=past(), measure_target="lots")))
    assert set(fields) == {"measure_target"}, "types are checked before anything else"
    fields = invalid(api("young", "post", URL, json=goal(
        title=LONG, deadline=past(), measure_target=None, exact="e" * 401)))
    assert set(fields) == {"title", "deadline", "exact"}


@pytest.mark.parametrize("raw", [b"", b"   ", b"{", b"{'title': 'x'}", b"\xff\xfe", b"[1,"])
def test_create_refuses_a_body_that_is_not_json(api, db, raw):
    before = snapshot(db)
    response = api("young", "post", URL, content=raw,
                   headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert_error(response, 400, "bad_request")
    assert snapshot(db) == before


def test_deeply_nested_json_is_refused_not_a_server_error(api, db):
    raw = b"[" * 100_000 + b"]" * 100_000
    response = api("young", "post", URL, content=raw)
    assert response.status_code in (400, 413), response.text


def test_a_body_over_the_size_limit_is_refused(api, db, app):
    limit = app.state.runtime.settings.max_form_bytes
    response = api("young", "post", URL, json=goal(issue="x" * (limit + 1)))
    assert_error(response, 413, "too_large")


def test_the_api_needs_no_csrf_token_even_with_a_browser_session(client, people_, tokens):
    login(client, "jade", PASSWORD)
    response = client.post(URL, json=goal(), headers={
        **tokens["young"], "Origin": "https://evil.example"})
    assert response.status_code == 201, response.text


# GET /api/v1/campaigns/{id} ----------------------------------------------------------------


def test_get_a_campaign_as_its_lead(api, people_, document):
    campaign = create_live(api)
    body = api("young", "get", f"{URL}/{campaign['id']}").json()
    check_schema(document, ONE, "get", body)
    assert body["status"] == "live" and body["days_left"] == 60
    assert len(body["join_code"]) == 6
    assert body["join_url"].endswith(f"/c/{body['join_code'][:3]}-{body['join_code'][3:]}")
    assert body["people"] == [{"user_id": people_["young"].id, "display_name": "Jade",
                               "role": "lead", "joined_at": body["people"][0]["joined_at"]}]
    assert [item["kind"] for item in body["feed"]] == ["live", "created"]
    assert body["feed"][0]["author_name"] == "Jade"


def test_join_code_and_people_are_hidden_from_non_members(api, document):
    campaign = create_live(api)
    body = api("sam", "get", f"{URL}/{campaign['id']}").json()
    check_schema(document, ONE, "get", body)
    assert body["my_role"] is None
    assert body["join_code"] is None and body["join_url"] is None
    assert body["people"] is None
    assert body["title"] == campaign["title"], "the campaign itself is open to the organisation"
    # Staff see who is in it, but the code is for members.
    staff = api("worker", "get", f"{URL}/{campaign['id']}").json()
    assert staff["people"] is not None and staff["join_code"] is None
    assert staff["permissions"]["join_as_facilitator"] is True


def test_another_organisations_campaign_is_not_found(api):
    campaign = create_live(api)
    for who in ("outsider", "other_worker"):
        body = assert_error(api(who, "get", f"{URL}/{campaign['id']}"), 404, "not_found")
        assert body["error"]["message"] == MISSING


def test_someone_elses_draft_is_not_found(api):
    draft = create(api, "sam")
    assert_error(api("young", "get", f"{URL}/{draft['id']}"), 404, "not_found")
    assert_error(api("young", "get", f"{URL}/999999"), 404, "not_found")


def test_get_needs_a_token(api):
    campaign = create_live(api)
    assert_unauthenticated(api(None, "get", f"{URL}/{campaign['id']}"))


# PATCH /api/v1/campaigns/{id} --------------------------------------------------------------


def test_lead_changes_the_goal(api, db, document):
    draft = create(api)
    response = api("young", "patch", f"{URL}/{draft['id']}", json={
        "title": "Safe and on time", "measure_target": 50, "deadline": future(90),
        "add_steps": ["Ask the bus company for a timetable"]})
    assert response.status_code == 200, response.text
    body = response.json()
    check_schema(document, ONE, "patch", body)
    assert (body["title"], body["measure_target"], body["deadline"]) == (
        "Safe and on time", 50, future(90))
    assert [s["text"] for s in body["steps"]] == [
        "Write to the course manager", "Ask the bus company for a timetable"]
    assert audit_actions(db, draft["id"])[-1] == "campaign.goal_changed"


def test_an_empty_patch_changes_nothing(api, db):
    draft = create(api)
    before = snapshot(db)
    assert api("young", "patch", f"{URL}/{draft['id']}", json={}).status_code == 200
    assert snapshot(db) == before


def test_going_live_names_the_missing_letters(api, db):
    draft = create(api, deadline=..., measure_target=...)
    before = snapshot(db)
    fields = invalid(api("young", "patch", f"{URL}/{draft['id']}", json={"status": "live"}))
    assert fields == {"deadline": "T: Add a date: goals need a deadline.",
                      "measure_target": "M: Add a target: the number you are aiming for."}
    assert snapshot(db) == before

    # Fixing the goal and going live in one request works.
    body = api("young", "patch", f"{URL}/{draft['id']}", json={
        "deadline": future(), "measure_target": 40, "status": "live"}).json()
    assert body["status"] == "live" and body["join_code"]


def test_a_failing_part_of_a_patch_changes_nothing(api, db):
    campaign = create_live(api)
    before = snapshot(db)
    # The title is fine, the stakeholder is fine, ending it without a statement is not.
    fields = invalid(api("young", "patch", f"{URL}/{campaign['id']}", json={
        "title": "A new title", "stakeholders": {"add": [{"name": "Course manager"}]},
        "status": "achieved"}))
    assert fields == {"closing_statement":
                      "Say what happened: a few words for everyone who took part."}
    assert snapshot(db) == before


def test_lead_ends_a_campaign_with_a_statement(api, db):
    campaign = create_live(api)
    body = api("young", "patch", f"{URL}/{campaign['id']}", json={
        "status": "achieved", "closing_statement": "The timetable moved by 20 minutes."}).json()
    assert body["status"] == "achieved" and body["ended_at"]
    assert body["closing_statement"] == "The timetable moved by 20 minutes."
    assert body["join_code"] is None
    assert audit_actions(db, campaign["id"])[-1] == "campaign.achieved"
    # It can no longer be changed.
    assert_error(api("young", "patch", f"{URL}/{campaign['id']}", json={"title": "Later"}),
                 403, "forbidden")


def test_stakeholders_are_added_changed_and_removed(api, db):
    campaign = create_live(api)
    url = f"{URL}/{campaign['id']}"
    body = api("young", "patch", url, json={"stakeholders": {"add": [
        {"name": "Course manager", "organisation": "City College"},
        {"name": "Bus company"}]}}).json()
    manager, bus = body["stakeholders"]
    assert manager == {"id": manager["id"], "name": "Course manager",
                       "organisation": "City College", "notes": ""}
    body = api("young", "patch", url, json={"stakeholders": {
        "change": [{"id": manager["id"], "notes": "Emailed on Monday"}],
        "remove": [bus["id"]]}}).json()
    assert body["stakeholders"] == [{**manager, "notes": "Emailed on Monday"}]
    before = snapshot(db)
    fields = invalid(api("young", "patch", url, json={"stakeholders": {
        "add": [{"name": "Head of college"}, {"name": ""}]}}))
    assert fields == {"stakeholders.add[1].name":
                      'Add who they are: a name or a role, like "Course manager".'}
    assert snapshot(db) == before


@pytest.mark.parametrize(("body", "expected"), [
    ({"measure_target": "ten"}, {"measure_target": "measure_target must be a number or null."}),
    ({"deadline": past()}, {"deadline": "The deadline must be a date in the future."}),
    ({"status": "paused"}, {"status": "status must be one of: live, achieved, closed."}),
    ({"status": "draft"}, {"status": "status must be one of: live, achieved, closed."}),
    ({"archived": "yes"}, {"archived": "archived must be true or false."}),
    ({"closing_statement": "Done"},
     {"closing_statement": "Send the closing statement with status achieved or closed."}),
    ({"status": "closed", "closing_statement": LONG},
     {"closing_statement": "Keep what happened to 2,000 characters or fewer (it has 10,000)."}),
    ({"exact": ""}, {"exact": "E: Say exactly what will be different when you have done it, in "
                              "one or two sentences."}),
    ({"stakeholders": {"add": [{"role": "Manager"}]}},
     {"stakeholders.add[0].name": "Add stakeholders.add[0].name: it is required.",
      "stakeholders.add[0].role": "stakeholders.add[0].role is not a field we know. "
                                  "Use: name, organisation, notes."}),
    ({"stakeholders": {"remove": ["1"]}},
     {"stakeholders.remove[0]": "stakeholders.remove[0] must be a whole number."}),
    (["title"], {"body": 'Send a JSON object, like {"title": "…"}.'}),
])
def test_patch_refuses_bad_input_and_changes_nothing(api, db, body, expected):
    campaign = create_live(api)
    before = snapshot(db)
    assert invalid(api("young", "patch", f"{URL}/{campaign['id']}", json=body)) == expected
    assert snapshot(db) == before


def test_a_member_cannot_change_the_goal(api, db):
    campaign = create_live(api)
    join(api, "sam", campaign["join_code"])
    before = snapshot(db)
    for body in ({"title": "Sam's now"}, {"status": "closed", "closing_statement": "Bye"},
                 {"stakeholders": {"add": [{"name": "Mayor"}]}}):
        response = api("sam", "patch", f"{URL}/{campaign['id']}", json=body)
        assert_error(response, 403, "forbidden")
    assert snapshot(db) == before


def test_only_staff_archive_a_campaign(api, db):
    campaign = create_live(api)
    url = f"{URL}/{campaign['id']}"
    before = snapshot(db)
    body = assert_error(api("young", "patch", url, json={"archived": True}), 403, "forbidden")
    assert body["error"]["message"] == ("Only youth workers and organisation admins can "
                                        "archive a campaign.")
    assert snapshot(db) == before

    body = api("worker", "patch", url, json={"archived": True}).json()
    assert body["archived"] is True
    assert_error(api("young", "patch", url, json={"title": "New"}), 403, "forbidden")
    # Brought back and changed in one request: out of the archive first.
    assert api("admin", "patch", url, json={"archived": False}).json()["archived"] is False
    assert api("young", "patch", url, json={"title": "New"}).json()["title"] == "New"
    assert audit_actions(db, campaign["id"])[-3:-1] == ["campaign.archived",
                                                        "campaign.unarchived"]


def test_patch_another_organisations_campaign_is_not_found(api, db):
    campaign = create_live(api)
    before = snapshot(db)
    for who, body in (("outsider", {"title": "Ours now"}),
                      ("other_worker", {"archived": True}),
                      ("other_worker", {"title": "Ours now", "status": "live"})):
        response = api(who, "patch", f"{URL}/{campaign['id']}", json=body)
        assert_error(response, 404, "not_found")
    assert snapshot(db) == before


def test_patch_needs_a_token(api, db):
    campaign = create_live(api)
    before = snapshot(db)
    assert_unauthenticated(api(None, "patch", f"{URL}/{campaign['id']}", json={"title": "X"}))
    assert snapshot(db) == before


# POST /api/v1/campaigns/join ---------------------------------------------------------------


def test_join_with_a_code(api, db, people_, document):
    campaign = create_live(api)
    code = campaign["join_code"]
    typed = f" {code[:3].lower()}-{code[3:]} "
    response = api("sam", "post", f"{URL}/join", json={"code": typed})
    assert response.status_code == 200, response.text
    body = response.json()
    check_schema(document, f"{URL}/join", "post", body)
    assert body["my_role"] == "member" and body["join_code"] == code
    assert [p["display_name"] for p in body["people"]] == ["Jade", "Sam"]
    assert audit_actions(db, campaign["id"])[-1] == "campaign.member_added"
    # Joining again is harmless.
    assert join(api, "sam", code)["my_role"] == "member"


def test_join_with_another_organisations_code_is_refused(api, db):
    campaign = create_live(api)
    before = snapshot(db)
    fields = invalid(api("outsider", "post", f"{URL}/join", json={"code": campaign["join_code"]}))
    assert fields == {"code": "We could not find a campaign with that code in your "
                              "organisation. Check the code with the campaign's lead."}
    assert snapshot(db) == before


def test_under_13_needs_consent_to_join(api, db):
    campaign = create_live(api)
    before = snapshot(db)
    assert_error(api("child", "post", f"{URL}/join", json={"code": campaign["join_code"]}),
                 403, "forbidden")
    assert snapshot(db) == before


@pytest.mark.parametrize(("body", "expected"), [
    ({"code": ""}, {"code": "Type the campaign's code."}),
    ({}, {"code": "Add code: it is required."}),
    ({"code": 123456}, {"code": "code must be text."}),
    ({"code": "ZZZZZZ"}, {"code": "We could not find a campaign with that code in your "
                                  "organisation. Check the code with the campaign's lead."}),
])
def test_join_refuses_bad_input(api, db, body, expected):
    create_live(api)
    before = snapshot(db)
    assert invalid(api("sam", "post", f"{URL}/join", json=body)) == expected
    assert snapshot(db) == before


def test_join_needs_a_token(api):
    campaign = create_live(api)
    assert_unauthenticated(api(None, "post", f"{URL}/join", json={"code": campaign["join_code"]}))


# POST /api/v1/campaigns/{id}/progress ------------------------------------------------------


def test_lead_records_progress_and_history_is_kept(api, db, document):
    campaign = create_live(api)
    url = f"{URL}/{campaign['id']}/progress"
    step_id = campaign["steps"][0]["id"]
    response = api("young", "post", url, json={
        "measure": 12, "steps": [{"id": step_id, "done": True}],
        "update": "We met the course manager."})
    assert response.status_code == 200, response.text
    body = response.json()
    check_schema(document, f"{ONE}/progress", "post", body)
    assert body["measure_current"] == 12 and body["steps"][0]["done"] is True
    assert body["progress"] == pytest.approx(7 / 35)
    assert [item["kind"] for item in body["feed"][:3]] == ["update", "measure", "step_done"]
    body = api("young", "post", url, json={"measure": 20.5}).json()
    assert [r["value"] for r in body["measure_history"]] == [5, 12, 20.5]
    assert body["measure_history"] == sorted(body["measure_history"],
                                             key=lambda r: r["recorded_at"])
    assert audit_actions(db, campaign["id"])[-4:] == [
        "campaign.step_done", "campaign.measure_updated", "campaign.update_posted",
        "campaign.measure_updated"]


def test_a_member_ticks_their_own_step_only(api, db, people_):
    campaign = create_live(api)
    join(api, "sam", campaign["join_code"])
    url = f"{URL}/{campaign['id']}/progress"
    leads_step = campaign["steps"][0]["id"]
    before = snapshot(db)
    for body in ({"steps": [{"id": leads_step, "done": True}]}, {"measure": 9},
                 {"update": "Hello"}):
        assert_error(api("sam", "post", url, json=body), 403, "forbidden")
    assert snapshot(db) == before


def test_progress_refuses_bad_input_and_changes_nothing(api, db):
    campaign = create_live(api)
    url = f"{URL}/{campaign['id']}/progress"
    step_id = campaign["steps"][0]["id"]
    other = create_live(api, "sam")["steps"][0]["id"]
    before = snapshot(db)
    cases = [
        ({"measure": "lots"}, {"measure": "measure must be a number or null."}),
        ({"measure": 1e10}, {"measure": "The new value must be a number between "
                                        "-1,000,000,000 and 1,000,000,000."}),
        ({}, {"measure": "Give a new value, tick a step, or write an update."}),
        ({"update": LONG}, {"update": "Keep your update to 2,000 characters or fewer "
                                      "(it has 10,000)."}),
        ({"steps": [{"id": step_id, "done": "yes"}]},
         {"steps[0].done": "steps[0].done must be true or false."}),
        ({"steps": [{"id": step_id}]}, {"steps[0].done": "Add steps[0].done: it is required."}),
        ({"measure": 9, "steps": [{"id": step_id, "done": True}, {"id": other, "done": True}]},
         {"steps[1].id": f"There is no step {other} in this campaign."}),
        ({"measure": 9, "progress": 10},
         {"progress": "progress is not a field we know. Use: measure, steps, update."}),
    ]
    for body, expected in cases:
        assert invalid(api("young", "post", url, json=body)) == expected, body
    assert snapshot(db) == before


def test_progress_on_another_organisations_campaign_is_not_found(api, db):
    campaign = create_live(api)
    before = snapshot(db)
    assert_error(api("outsider", "post", f"{URL}/{campaign['id']}/progress",
                     json={"update": "Hi"}), 404, "not_found")
    assert snapshot(db) == before


def test_progress_needs_a_token(api, db):
    campaign = create_live(api)
    before = snapshot(db)
    assert_unauthenticated(api(None, "post", f"{URL}/{campaign['id']}/progress",
                               json={"measure": 9}))
    assert snapshot(db) == before


# The OpenAPI document ------------------------------------------------------------------------


def test_every_campaign_operation_is_documented_with_its_errors(document):
    expected = {
        (URL, "get"): {"200", "401"},
        (URL, "post"): {"201", "400", "401", "403", "413", "422"},
        (f"{URL}/join", "post"): {"200", "400", "401", "403", "413", "422"},
        (ONE, "get"): {"200", "401", "404"},
        (ONE, "patch"): {"200", "400", "401", "403", "404", "413", "422"},
        (f"{ONE}/progress", "post"): {"200", "400", "401", "403", "404", "413", "422"},
    }
    for (path, method), statuses in expected.items():
        operation = document["paths"][path][method]
        assert set(operation["responses"]) == statuses, (method, path)
        if method in ("post", "patch"):
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            assert body["type"] == "object" and body["additionalProperties"] is False
    error = document["components"]["schemas"]["Error"]["properties"]["error"]
    assert "fields" in error["properties"]


def test_a_422_matches_the_documented_error_schema(api, document):
    response = api("young", "post", URL, json=goal(title=""))
    check_schema(document, URL, "post", response.json(), "422")


def test_a_suspended_member_changes_nothing(api, db, people_):
    campaign = create_live(api)
    before = snapshot(db)
    with db.write() as session:
        people.suspend(session, actor=viewer_of(db, people_["worker"]),
                       user_id=people_["young"].id, reason="Shared someone's photo")
    suspended = snapshot(db)
    assert suspended["AuditEntry"][:-1] == before["AuditEntry"]  # only the suspension itself

    for method, url, body in [
        ("patch", f"{URL}/{campaign['id']}", {"title": "Mine now"}),
        ("post", f"{URL}/{campaign['id']}/progress", {"update": "Still here"}),
        ("post", URL, goal()),
        ("post", f"{URL}/join", {"code": campaign["join_code"]}),
    ]:
        assert_unauthenticated(api("young", method, url, json=body))
    assert snapshot(db) == suspended
