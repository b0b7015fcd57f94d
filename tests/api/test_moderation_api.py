"""Moderation over the JSON API: reports, holds, hides, restores, removals, mutes, the room's
controls, pausing a poll and the youth workers' queue; who may do each, the refusals, and
responses that match the OpenAPI document."""

from typing import Any

import pytest
from sqlmodel import col, select

from server.campaigns.models import Campaign, Comment
from server.moderation import comments as moderation
from server.moderation import concerns, peers
from server.moderation.models import Mute, Report
from tests.api.helpers import (
    assert_error,
    assert_unauthenticated,
    bearer,
    response_schema,
    schema_problems,
    viewer_of,
)
from tests.campaigns.pages import facilitate, join, make_campaign, say
from tests.campaigns.polls_helpers import fresh_poll, make_poll

API = "/api/v1"
DOC = {
    "report": ("/comments/{comment_id}/reports", "post", "201"),
    "hold": ("/comments/{comment_id}/hold", "post", "200"),
    "hide": ("/comments/{comment_id}/hide", "post", "200"),
    "restore": ("/comments/{comment_id}/restore", "post", "200"),
    "remove": ("/comments/{comment_id}/remove", "post", "200"),
    "dismiss": ("/comments/{comment_id}/dismiss", "post", "200"),
    "room": ("/campaigns/{campaign_id}/room", "get", "200"),
    "set_room": ("/campaigns/{campaign_id}/room", "patch", "200"),
    "mutes": ("/campaigns/{campaign_id}/mutes", "get", "200"),
    "mute": ("/campaigns/{campaign_id}/mutes", "post", "201"),
    "unmute": ("/campaigns/{campaign_id}/mutes/{user_id}", "delete", "200"),
    "peer": ("/campaigns/{campaign_id}/people/{user_id}/peer-moderator", "put", "200"),
    "pause": ("/polls/{poll_id}/pause", "post", "200"),
    "queue": ("/moderation/queue", "get", "200"),
}
STAFF_ONLY = "Only youth workers and admins can do that."
MODERATORS_ONLY = ("Only youth workers, admins and this campaign's peer moderators can do "
                   "that.")
COMMENT_MISSING = "We could not find that comment."
CAMPAIGN_MISSING = "We could not find that campaign."
WORDS = "Nobody wants you here"


@pytest.fixture
def people_(riverside, sam, make_user):
    return {**riverside, "sam": sam,
            "kai": make_user(riverside["org"], "kai", "young_person", "16_17"),
            "lee": make_user(riverside["org"], "lee", "young_person", "13_15")}


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


@pytest.fixture
def members(db, people_, campaign) -> Campaign:
    """Jade's live campaign with Sam, Kai and Lee in it."""
    join(db, people_["kai"], campaign)
    join(db, people_["lee"], campaign)
    return campaign


@pytest.fixture
def comment(db, people_, members) -> dict[str, Any]:
    """Sam's unkind comment in Jade's campaign, which everyone can see."""
    return say(db, people_["sam"], members, WORDS)


def check(document: dict[str, Any], op: str, body: Any, status: str | None = None) -> None:
    path, method, ok = DOC[op]
    schema = response_schema(document, API + path, method, status or ok)
    assert schema_problems(document, schema, body) == []


def invalid(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"]["code"] == "invalid_input" and body["error"]["message"]
    fields: dict[str, str] = body["error"]["fields"]
    return fields


def refused(response: Any, status: int, message: str) -> dict[str, Any]:
    code = {403: "forbidden", 404: "not_found"}[status]
    body = assert_error(response, status, code)
    assert body["error"]["message"] == message
    return body


def discussion_of(api, who: str, campaign: Campaign) -> list[dict[str, Any]]:
    """Every comment and reply `who` gets from the discussion, in order."""
    response = api(who, "get", f"/campaigns/{campaign.id}/comments")
    assert response.status_code == 200, response.text
    return [c for thread in response.json()["comments"]
            for c in ({k: v for k, v in thread.items() if k != "replies"}, *thread["replies"])]


def state_of(db, comment_id: int) -> str:
    with db.read() as session:
        found = session.get(Comment, comment_id)
    assert found is not None
    return found.state


def comment_campaign(db, comment: dict[str, Any]) -> Campaign:
    with db.read() as session:
        found = session.get(Campaign, comment["campaign_id"])
    assert found is not None
    return found


def reports_of(db, comment_id: int) -> list[Report]:
    with db.read() as session:
        return list(session.exec(select(Report).where(Report.comment_id == comment_id)
                                 .order_by(col(Report.id))))


def mutes_of(db) -> list[Mute]:
    with db.read() as session:
        return list(session.exec(select(Mute).order_by(col(Mute.id))))


def queue(api) -> dict[str, Any]:
    response = api("worker", "get", "/moderation/queue")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# Reports ------------------------------------------------------------------------------------


def test_report_a_comment(api, db, people_, comment, document):
    response = api("young", "post", f"/comments/{comment['id']}/reports",
                   json={"kind": "unkind", "words": "  It is mean to Lee  "})
    assert response.status_code == 201, response.text
    body = response.json()
    check(document, "report", body)
    assert body == {"report_id": body["report_id"], "again": False, "held": False}
    (item,) = queue(api)["reported"]
    assert item["comment"]["text"] == WORDS
    assert [(r["kind_label"], r["words"], r["reporter_name"]) for r in item["reports"]] == [
        ("Unkind", "It is mean to Lee", "Jade")]
    assert state_of(db, comment["id"]) == "shown"

    again = api("young", "post", f"/comments/{comment['id']}/reports", json={"kind": "spam"})
    assert again.status_code == 201
    assert again.json() == {"report_id": body["report_id"], "again": True, "held": False}
    assert [r.kind for r in reports_of(db, comment["id"])] == ["unkind"]


def test_three_reports_from_different_members_hold_a_comment(api, db, comment, document):
    answers = [api(who, "post", f"/comments/{comment['id']}/reports", json={"kind": kind})
               for who, kind in (("young", "unkind"), ("kai", "unsafe"), ("lee", "other"))]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert [a.json()["held"] for a in answers] == [False, False, True]
    assert state_of(db, comment["id"]) == "held"

    (shown,) = discussion_of(api, "kai", comment_campaign(db, comment))
    assert (shown["state"], shown["text"], shown["author_name"]) == ("held", "", "")
    (item,) = queue(api)["held"]
    assert (item["comment"]["text"], item["cause"]) == (WORDS, "Reported by several members")
    assert len(item["reports"]) == 3


def test_report_refusals(api, db, comment, document):
    url = f"/comments/{comment['id']}/reports"
    assert_unauthenticated(api(None, "post", url, json={"kind": "spam"}))
    body = refused(api("sam", "post", url, json={"kind": "spam"}), 403,
                   "You cannot report your own comment. You can change or delete it.")
    check(document, "report", body, "403")
    body = refused(api("outsider", "post", url, json={"kind": "spam"}), 404, COMMENT_MISSING)
    check(document, "report", body, "404")
    refused(api("young", "post", "/comments/999999/reports", json={"kind": "spam"}), 404,
            COMMENT_MISSING)
    assert reports_of(db, comment["id"]) == []


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {"kind": "Add kind: it is required."}),
    ({"kind": "rude"}, {"kind": "kind must be one of: unkind, unsafe, spam, other."}),
    ({"kind": "spam", "words": 3}, {"words": "words must be text."}),
    ({"kind": "spam", "words": "x" * 501},
     {"words": "Keep it to 500 characters or fewer (yours has 501)."}),
    ({"kind": "spam", "who": "me"}, {"who": "who is not a field we know. Use: kind, words."}),
])
def test_bad_reports_are_told_what_is_wrong(api, db, comment, document, body, fields):
    response = api("young", "post", f"/comments/{comment['id']}/reports", json=body)
    assert invalid(response) == fields
    check(document, "report", response.json(), "422")
    assert reports_of(db, comment["id"]) == []


# Acting on a comment ------------------------------------------------------------------------


def test_a_comment_hidden_through_the_api_is_gone_for_everyone_else(api, db, comment,
                                                                    members, document):
    response = api("worker", "post", f"/comments/{comment['id']}/hide",
                   json={"reason": "Unkind to another member"})
    assert response.status_code == 200, response.text
    body = response.json()
    check(document, "hide", body)
    # The youth worker still reads what was written.
    assert (body["state"], body["text"], body["author_name"]) == ("hidden", WORDS, "Sam")

    (seen,) = discussion_of(api, "kai", members)
    assert (seen["state"], seen["text"], seen["author_name"], seen["author_id"]) == (
        "hidden", "", "", None)
    (own,) = discussion_of(api, "sam", members)
    assert (own["state"], own["text"]) == ("hidden", WORDS)

    response = api("worker", "post", f"/comments/{comment['id']}/restore")
    assert response.status_code == 200, response.text
    check(document, "restore", response.json())
    assert response.json()["state"] == "shown"
    (seen,) = discussion_of(api, "kai", members)
    assert (seen["state"], seen["text"], seen["author_name"]) == ("shown", WORDS, "Sam")


def test_a_youth_worker_holds_a_comment(api, db, comment, members, document):
    response = api("worker", "post", f"/comments/{comment['id']}/hold", json={})
    assert response.status_code == 200, response.text
    check(document, "hold", response.json())
    assert (response.json()["state"], response.json()["text"]) == ("held", WORDS)
    (seen,) = discussion_of(api, "young", members)
    assert (seen["state"], seen["text"]) == ("held", "")
    (item,) = queue(api)["held"]
    assert (item["cause"], item["moderated_by_name"]) == ("Held by a youth worker", "Worker")


def test_dismissing_reports_brings_back_what_they_held(api, db, comment, members, document):
    for who in ("young", "kai", "lee"):
        api(who, "post", f"/comments/{comment['id']}/reports", json={"kind": "spam"})
    assert state_of(db, comment["id"]) == "held"
    response = api("worker", "post", f"/comments/{comment['id']}/dismiss",
                   json={"reason": "Friends joking"})
    assert response.status_code == 200, response.text
    check(document, "dismiss", response.json())
    assert response.json()["state"] == "shown"
    (seen,) = discussion_of(api, "kai", members)
    assert seen["text"] == WORDS
    found = queue(api)
    assert (found["held"], found["reported"]) == ([], [])
    assert {r.resolution for r in reports_of(db, comment["id"])} == {"dismissed"}


def test_an_admin_removes_a_comments_words_for_good(api, db, comment, members, document):
    refused(api("worker", "post", f"/comments/{comment['id']}/remove",
                json={"reason": "Threat"}), 403,
            "Only organisation admins can delete a comment for good.")
    response = api("admin", "post", f"/comments/{comment['id']}/remove",
                   json={"reason": "Threat"})
    assert response.status_code == 200, response.text
    check(document, "remove", response.json())
    assert (response.json()["state"], response.json()["text"]) == ("removed", "")
    (own,) = discussion_of(api, "sam", members)
    assert (own["state"], own["text"]) == ("removed", "")
    refused(api("worker", "post", f"/comments/{comment['id']}/restore"), 403,
            "That comment was deleted for good, so it cannot come back.")


ACTIONS = {
    "hold": ({"reason": "Check this"}, MODERATORS_ONLY),
    "hide": ({"reason": "Unkind"}, STAFF_ONLY),
    "restore": (None, MODERATORS_ONLY),
    "remove": ({"reason": "Unkind"}, "Only organisation admins can delete a comment for good."),
    "dismiss": ({}, STAFF_ONLY),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_comment_action_refusals(api, db, comment, document, action):
    body, message = ACTIONS[action]
    url = f"/comments/{comment['id']}/{action}"
    kwargs = {} if body is None else {"json": body}
    assert_unauthenticated(api(None, "post", url, **kwargs))
    # A young person who is not a peer moderator, even the campaign's lead.
    check(document, action, refused(api("young", "post", url, **kwargs), 403, message), "403")
    check(document, action, refused(api("other_worker", "post", url, **kwargs), 404,
                                    COMMENT_MISSING), "404")
    refused(api("admin", "post", f"/comments/999999/{action}", **kwargs), 404, COMMENT_MISSING)
    assert state_of(db, comment["id"]) == "shown"


@pytest.mark.parametrize(("action", "body", "fields"), [
    ("hide", {}, {"reason": "Add reason: it is required."}),
    ("hide", {"reason": "   "}, {"reason": "Say why, in a few words: it goes in the audit log."}),
    ("remove", {"reason": "x" * 501}, {"reason": "Keep it to 500 characters or fewer."}),
    ("hold", {"reason": 5}, {"reason": "reason must be text."}),
    ("dismiss", {"why": "ok"}, {"why": "why is not a field we know. Use: reason."}),
])
def test_bad_comment_actions_are_told_what_is_wrong(api, db, comment, document, action, body,
                                                    fields):
    response = api("admin", "post", f"/comments/{comment['id']}/{action}", json=body)
    assert invalid(response) == fields
    check(document, action, response.json(), "422")
    assert state_of(db, comment["id"]) == "shown"


def test_a_body_that_is_not_json_is_400(api, db, comment):
    response = api("worker", "post", f"/comments/{comment['id']}/hold", content=b"hold it",
                   headers={"content-type": "application/json"})
    assert_error(response, 400, "bad_request")
    assert state_of(db, comment["id"]) == "shown"


# Peer moderators ----------------------------------------------------------------------------


def test_a_peer_moderator_holds_in_their_campaign_only(api, db, people_, comment, members,
                                                       document):
    with db.write() as session:
        peers.set_peer_moderator(session, actor=viewer_of(db, people_["young"]),
                                 campaign_id=members.id, user_id=people_["kai"].id, on=True)
    response = api("kai", "post", f"/comments/{comment['id']}/hold",
                   json={"reason": "Looks unkind"})
    assert response.status_code == 200, response.text
    check(document, "hold", response.json())
    # A peer moderator sees what everyone else sees: a stand-in.
    assert (response.json()["state"], response.json()["text"]) == ("held", "")
    assert state_of(db, comment["id"]) == "held"
    (action,) = queue(api)["peer_actions"]
    assert (action["actor_name"], action["action"], action["comment_id"]) == (
        "Kai", "comment.held", comment["id"])

    elsewhere = make_campaign(db, people_["sam"], title="Longer library hours")
    other = say(db, people_["sam"], elsewhere, "Who is in?")
    refused(api("kai", "post", f"/comments/{other['id']}/hold", json={}), 403,
            MODERATORS_ONLY)
    assert state_of(db, other["id"]) == "shown"


def test_leads_choose_peer_moderators_over_the_api(api, db, people_, members, comment,
                                                   document):
    url = f"/campaigns/{members.id}/people/{people_['kai'].id}/peer-moderator"
    response = api("young", "put", url, json={"on": True})
    assert response.status_code == 200, response.text
    check(document, "peer", response.json())
    assert response.json() == {"campaign_id": members.id, "user_id": people_["kai"].id,
                               "role": "member", "peer_moderator": True}
    assert api("kai", "post", f"/comments/{comment['id']}/hold", json={}).status_code == 200

    assert_unauthenticated(api(None, "put", url, json={"on": False}))
    refused(api("sam", "put", url, json={"on": False}), 403,
            "Only the campaign's leads and youth workers can choose peer moderators.")
    refused(api("other_worker", "put", url, json={"on": False}), 404, CAMPAIGN_MISSING)
    assert invalid(api("young", "put", url, json={"on": "yes"})) == {
        "on": "on must be true or false."}
    stranger = f"/campaigns/{members.id}/people/{people_['child'].id}/peer-moderator"
    refused(api("young", "put", stranger, json={"on": True}), 404,
            "That person is not in this campaign.")
    facilitate(db, people_["worker"], members)
    staff = f"/campaigns/{members.id}/people/{people_['worker'].id}/peer-moderator"
    assert invalid(api("young", "put", staff, json={"on": True})) == {
        "user_id": "Peer moderators are young people in the campaign."}
    response = api("worker", "put", url, json={"on": False})
    assert response.json()["peer_moderator"] is False


# The room -----------------------------------------------------------------------------------


def test_youth_workers_change_the_room_and_everyone_sees_it(api, db, campaign, document):
    url = f"/campaigns/{campaign.id}/room"
    response = api("sam", "get", url)
    assert response.status_code == 200, response.text
    check(document, "room", response.json())
    assert response.json() == {"campaign_id": campaign.id, "premoderation": False,
                               "slow_mode_seconds": 0, "locked": False}

    response = api("worker", "patch", url, json={"locked": True, "slow_mode_seconds": 30})
    assert response.status_code == 200, response.text
    check(document, "set_room", response.json())
    expected = {"campaign_id": campaign.id, "premoderation": False, "slow_mode_seconds": 30,
                "locked": True}
    assert response.json() == expected
    assert api("sam", "get", url).json() == expected
    refused(api("sam", "post", f"/campaigns/{campaign.id}/comments", json={"text": "Hi"}),
            403, "A youth worker has paused the discussion for now.")

    # What is left out stays as it is.
    response = api("admin", "patch", url, json={"locked": False, "premoderation": True})
    assert response.json() == {**expected, "locked": False, "premoderation": True}


def test_room_refusals(api, db, campaign, document):
    url = f"/campaigns/{campaign.id}/room"
    assert_unauthenticated(api(None, "get", url))
    assert_unauthenticated(api(None, "patch", url, json={"locked": True}))
    check(document, "set_room",
          refused(api("young", "patch", url, json={"locked": True}), 403,
                  "Only youth workers and admins can change the room's controls."), "403")
    check(document, "room", refused(api("outsider", "get", url), 404, CAMPAIGN_MISSING), "404")
    refused(api("other_worker", "patch", url, json={"locked": True}), 404, CAMPAIGN_MISSING)
    assert api("sam", "get", url).json()["locked"] is False


@pytest.mark.parametrize(("body", "fields"), [
    ({"slow_mode_seconds": 99999},
     {"slow_mode_seconds": "Choose between 0 (off) and 3600 seconds."}),
    ({"slow_mode_seconds": "30"},
     {"slow_mode_seconds": "slow_mode_seconds must be a whole number."}),
    ({"locked": "yes", "premoderation": 1},
     {"locked": "locked must be true or false.",
      "premoderation": "premoderation must be true or false."}),
    ({"lock": True},
     {"lock": "lock is not a field we know. Use: premoderation, slow_mode_seconds, locked."}),
])
def test_bad_room_changes_are_told_what_is_wrong(api, db, campaign, document, body, fields):
    response = api("worker", "patch", f"/campaigns/{campaign.id}/room", json=body)
    assert invalid(response) == fields
    check(document, "set_room", response.json(), "422")
    assert api("sam", "get", f"/campaigns/{campaign.id}/room").json() == {
        "campaign_id": campaign.id, "premoderation": False, "slow_mode_seconds": 0,
        "locked": False}


# Mutes --------------------------------------------------------------------------------------


def test_mute_and_lift(api, db, people_, campaign, document):
    url = f"/campaigns/{campaign.id}/mutes"
    sam = people_["sam"]
    response = api("worker", "post", url, json={"user_id": sam.id, "duration": "10m",
                                                "reason": "Cool off"})
    assert response.status_code == 201, response.text
    made = response.json()
    check(document, "mute", made)
    assert made == {"user_id": sam.id, "display_name": "Sam", "until": made["until"],
                    "left": "for another 10 minutes"}
    response = api("worker", "get", url)
    assert response.status_code == 200
    check(document, "mutes", response.json())
    assert response.json() == {"mutes": [made]}
    refused(api("sam", "post", f"/campaigns/{campaign.id}/comments", json={"text": "Hi"}),
            403, "A youth worker has muted you in this campaign for another 10 minutes.")
    assert [(m.user_id, m.reason) for m in mutes_of(db)] == [(sam.id, "Cool off")]

    response = api("worker", "delete", f"{url}/{sam.id}")
    assert response.status_code == 200, response.text
    check(document, "unmute", response.json())
    assert response.json() == {"mutes": []}
    assert api("sam", "post", f"/campaigns/{campaign.id}/comments",
               json={"text": "Sorry"}).status_code == 201
    # Lifting again changes nothing.
    assert api("worker", "delete", f"{url}/{sam.id}").json() == {"mutes": []}


def test_a_mute_until_lifted_has_no_end(api, people_, campaign, document):
    response = api("admin", "post", f"/campaigns/{campaign.id}/mutes",
                   json={"user_id": people_["sam"].id, "duration": "lifted"})
    assert response.status_code == 201, response.text
    assert (response.json()["until"], response.json()["left"]) == (
        None, "until a youth worker lifts it")


def test_mute_refusals(api, db, people_, campaign, document):
    url = f"/campaigns/{campaign.id}/mutes"
    body = {"user_id": people_["sam"].id, "duration": "1h"}
    for method, where, kwargs in (("get", url, {}), ("post", url, {"json": body}),
                                  ("delete", f"{url}/{people_['sam'].id}", {})):
        op = {"get": "mutes", "post": "mute", "delete": "unmute"}[method]
        assert_unauthenticated(api(None, method, where, **kwargs))
        check(document, op, refused(api("young", method, where, **kwargs), 403,
                                    "Only youth workers and admins can mute people."), "403")
        check(document, op, refused(api("other_worker", method, where, **kwargs), 404,
                                    CAMPAIGN_MISSING), "404")
    assert mutes_of(db) == []


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {"user_id": "Add user_id: it is required.",
          "duration": "Add duration: it is required."}),
    ({"user_id": "Sam", "duration": "1h"}, {"user_id": "user_id must be a whole number."}),
    ({"user_id": 0, "duration": "forever"},
     {"duration": "duration must be one of: 10m, 1h, lifted."}),
    ({"user_id": "kai", "duration": "1h"}, {"user_id": "Choose someone in this campaign."}),
    ({"user_id": "young", "duration": "1h", "reason": ["rude"]},
     {"reason": "reason must be text."}),
])
def test_bad_mutes_are_told_what_is_wrong(api, db, people_, campaign, document, body, fields):
    if isinstance(body.get("user_id"), str) and body["user_id"] in people_:
        body = {**body, "user_id": people_[body["user_id"]].id}  # Kai is not in the campaign
    response = api("worker", "post", f"/campaigns/{campaign.id}/mutes", json=body)
    assert invalid(response) == fields
    check(document, "mute", response.json(), "422")
    assert mutes_of(db) == []


# Pausing a poll -----------------------------------------------------------------------------


def test_pause_and_resume_a_poll(api, db, people_, campaign, document):
    poll = make_poll(db, people_["young"], campaign)
    response = api("worker", "post", f"/polls/{poll.id}/pause", json={"paused": True})
    assert response.status_code == 200, response.text
    check(document, "pause", response.json())
    assert (response.json()["id"], response.json()["paused"]) == (poll.id, True)
    seen = api("sam", "get", f"/polls/{poll.id}").json()
    assert (seen["paused"], seen["may_vote"]) == (True, False)

    response = api("worker", "post", f"/polls/{poll.id}/pause", json={"paused": False})
    assert response.json()["paused"] is False
    assert api("sam", "get", f"/polls/{poll.id}").json()["may_vote"] is True


def test_pause_refusals(api, db, people_, campaign, document):
    poll = make_poll(db, people_["young"], campaign)
    url = f"/polls/{poll.id}/pause"
    assert_unauthenticated(api(None, "post", url, json={"paused": True}))
    # Not even the lead who made it: pausing is a youth worker's control.
    check(document, "pause", refused(api("young", "post", url, json={"paused": True}), 403,
                                     "Only youth workers and admins can pause a poll."), "403")
    check(document, "pause", refused(api("other_worker", "post", url, json={"paused": True}),
                                     404, "We could not find that poll."), "404")
    for body, fields in (({}, {"paused": "Add paused: it is required."}),
                         ({"paused": "yes"}, {"paused": "paused must be true or false."})):
        response = api("worker", "post", url, json=body)
        assert invalid(response) == fields
        check(document, "pause", response.json(), "422")
    assert fresh_poll(db, poll).paused_at is None


# The queue ----------------------------------------------------------------------------------


def test_the_queue_has_everything_that_needs_a_youth_worker(api, db, people_, members,
                                                           comment, document):
    held = say(db, people_["kai"], members, "Meet me after, just us")
    with db.write() as session:
        moderation.hold_comment(session, actor=viewer_of(db, people_["worker"]),
                                comment_id=held["id"], reason="Private meeting")
    with db.write() as session:
        concerns.raise_concern(session, actor=viewer_of(db, people_["lee"]),
                               campaign_id=members.id, text="Kai keeps messaging me",
                               comment_id=held["id"], about_user_id=people_["kai"].id)
    api("young", "post", f"/comments/{comment['id']}/reports", json={"kind": "unkind"})
    api("worker", "post", f"/campaigns/{members.id}/mutes",
        json={"user_id": people_["sam"].id, "duration": "1h"})

    response = api("worker", "get", "/moderation/queue")
    assert response.status_code == 200, response.text
    body = response.json()
    check(document, "queue", body)
    assert body["waiting"] == 3
    (concern,) = body["concerns"]
    assert (concern["text"], concern["raised_by_name"], concern["about_name"],
            concern["comment"]["text"], concern["seen_at"]) == (
        "Kai keeps messaging me", "Lee", "Kai", "Meet me after, just us", None)
    assert [(i["comment"]["text"], i["reason"]) for i in body["held"]] == [
        ("Meet me after, just us", "Private meeting")]
    assert [(i["comment"]["id"], [r["kind"] for r in i["reports"]])
            for i in body["reported"]] == [(comment["id"], ["unkind"])]
    assert [(m["display_name"], m["campaign_title"]) for m in body["muted"]] == [
        ("Sam", members.title)]
    assert body["peer_actions"] == []
    assert api("admin", "get", "/moderation/queue").json() == body

    # Another organisation's youth workers see none of it.
    other = api("other_worker", "get", "/moderation/queue").json()
    assert other == {"waiting": 0, "concerns": [], "held": [], "reported": [],
                     "peer_actions": [], "muted": []}


def test_the_queue_is_for_youth_workers_only(api, comment, document):
    assert_unauthenticated(api(None, "get", "/moderation/queue"))
    check(document, "queue", refused(api("young", "get", "/moderation/queue"), 403,
                                     "The moderation console is for youth workers and "
                                     "admins."), "403")


# The OpenAPI document -----------------------------------------------------------------------


def test_every_operation_is_documented_with_its_errors(document):
    with_body = {"400", "401", "403", "404", "413", "422"}
    expected = {
        "report": with_body, "hold": with_body, "hide": with_body, "remove": with_body,
        "dismiss": with_body, "set_room": with_body, "mute": with_body, "peer": with_body,
        "pause": with_body, "restore": {"401", "403", "404"}, "room": {"401", "404"},
        "mutes": {"401", "403", "404"}, "unmute": {"401", "403", "404"},
        "queue": {"401", "403"},
    }
    for op, errors in expected.items():
        path, method, ok = DOC[op]
        operation = document["paths"][API + path][method]
        assert set(operation["responses"]) == {ok, *errors}, op
        assert operation["description"], op
        body = operation.get("requestBody")
        if "422" in errors:
            schema = body["content"]["application/json"]["schema"]
            assert schema["additionalProperties"] is False, op
        else:
            assert body is None, op
