"""The moderation pages: the console and its queue, and every moderation action sent from a
campaign page or the console, with htmx and without JavaScript. Each route: success, logged
out, a young person refused, another organisation's comment or campaign not found, bad input."""

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from server.campaigns.models import Comment
from server.moderation.models import Mute
from tests.accounts.helpers import heading, location, text
from tests.campaigns.pages import say
from tests.campaigns.test_discussion_pages import hx_post
from tests.conftest import csrf_token, page, post

FORBIDDEN_TITLE = "You can't do that"
NOT_FOUND_TITLE = "We could not find that page"


def stored(db, comment_id: int) -> Comment:
    with db.read() as session:
        found = session.get(Comment, comment_id)
        assert found is not None
        return found


def console_post(client, url: str, data: dict[str, str] | None = None):
    """What htmx sends from the console: the answer is the queue drawn afresh."""
    return client.post(url, data=data or {}, headers={
        "HX-Request": "true", "HX-Target": "queue", "X-CSRF-Token": csrf_token(client)})


@pytest.fixture
def said(db, campaign, sam):
    return say(db, sam, campaign, "Meet behind the bins after dark")


# ---------------------------------------------------------------- the console


def test_the_console_shows_held_and_reported_comments_to_a_youth_worker(as_user, db, said,
                                                                       riverside):
    jade = as_user("jade")
    post(jade, f"/comments/{said['id']}/report", {"kind": "unsafe", "words": "Not safe"})

    console = as_user("worker").get("/moderation")

    assert console.status_code == 200
    soup = page(console)
    assert heading(console) == "Moderation"
    assert soup.select_one("#live")["ws-connect"] == "/moderation/ws"
    item = soup.select_one(f"#queue-comment-{said['id']}")
    assert "Meet behind the bins after dark" in item.get_text()
    assert "Unsafe from Jade: “Not safe”" in " ".join(item.get_text().split())
    assert soup.select_one("#reported-h").get_text() == "Reported comments (1)"


def test_the_queue_partial_is_the_same_queue(as_user, said):
    worker = as_user("worker")
    partial = worker.get("/moderation/queue", headers={"HX-Request": "true"})
    soup = BeautifulSoup(partial.text, "html.parser")
    assert soup.select_one("div#queue") is not None
    assert text(soup, ".queue-count") == "Nothing is waiting. All clear."


@pytest.mark.parametrize("url", ["/moderation", "/moderation/queue"])
def test_the_console_is_for_youth_workers_only(client, as_user, riverside, url):
    assert location(client.get(url)).startswith("/login")
    refused = as_user("jade").get(url)
    assert refused.status_code == 403
    assert heading(refused) == FORBIDDEN_TITLE


def test_another_organisations_queue_never_shows(as_user, db, said, riverside):
    post(as_user("jade"), f"/comments/{said['id']}/report", {"kind": "spam"})
    theirs = page(as_user("hilda").get("/moderation"))
    assert theirs.select(".queue-item") == []


# ---------------------------------------------------------------- reporting


def test_a_member_reports_a_comment_with_htmx_and_is_thanked(as_user, db, said):
    jade = as_user("jade")
    response = hx_post(jade, f"/comments/{said['id']}/report", {"kind": "unkind"})
    assert response.status_code == 200
    assert "Thanks for telling us" in response.text


def test_a_report_without_javascript_shows_a_thank_you_page(as_user, said):
    response = post(as_user("jade"), f"/comments/{said['id']}/report", {"kind": "spam"})
    assert response.status_code == 200
    assert heading(response) == "Report a comment"
    assert "Thanks for telling us" in page(response).get_text()


def test_a_report_that_needs_fixing_keeps_the_words(as_user, said):
    response = hx_post(as_user("jade"), f"/comments/{said['id']}/report",
                       {"kind": "", "words": "They keep saying this"})
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.select_one(".error").get_text().startswith("Choose what is wrong")
    assert soup.select_one("textarea[name=words]").get_text() == "They keep saying this"
    plain = post(as_user("jade"), f"/comments/{said['id']}/report", {"words": "Again"})
    assert plain.status_code == 422
    assert page(plain).select_one("textarea[name=words]").get_text() == "Again"


def test_reporting_needs_a_login_and_your_organisation(client, as_user, said):
    assert location(post(client, f"/comments/{said['id']}/report", {"kind": "spam"})
                    ).startswith("/login")
    assert post(as_user("olu"), f"/comments/{said['id']}/report",
                {"kind": "spam"}).status_code == 404
    own = post(as_user("sam"), f"/comments/{said['id']}/report", {"kind": "spam"})
    assert own.status_code == 403


# ---------------------------------------------------------------- acting on a comment


def test_a_youth_worker_hides_from_the_campaign_page_and_gets_the_stand_in(as_user, db, said):
    response = hx_post(as_user("worker"), f"/comments/{said['id']}/hide", {"reason": "Unsafe"})
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    assert text(soup, ".comment-text") == "A youth worker hid this comment."
    assert stored(db, said["id"]).state == "hidden"
    # Another member's page shows the stand-in only.
    jade_page = page(as_user("jade").get(f"/campaigns/{said['campaign_id']}"))
    assert "Meet behind the bins" not in jade_page.get_text()
    assert text(jade_page, f"#comment-{said['id']} .comment-text") == (
        "A youth worker hid this comment.")


def test_hiding_without_a_reason_keeps_the_form_open_with_the_message(as_user, db, said):
    response = hx_post(as_user("worker"), f"/comments/{said['id']}/hide", {"reason": " "})
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.select_one("details.hide-comment").has_attr("open")
    assert text(soup, ".hide-comment .error").startswith("Say why")
    assert stored(db, said["id"]).state == "shown"
    console = console_post(as_user("worker"), f"/comments/{said['id']}/hide", {"reason": ""})
    assert console.status_code == 422
    assert "Say why" in console.text


def test_the_console_hides_approves_and_dismisses(as_user, db, said):
    worker = as_user("worker")
    post(as_user("jade"), f"/comments/{said['id']}/report", {"kind": "unsafe"})
    assert "Reported comments (1)" in worker.get("/moderation").text
    answer = console_post(worker, f"/comments/{said['id']}/hide", {"reason": "Unsafe"})
    assert answer.status_code == 200
    assert "Reported comments (0)" in answer.text  # dealt with: the report is closed
    answer = console_post(worker, f"/comments/{said['id']}/restore")
    assert answer.status_code == 200 and stored(db, said["id"]).state == "shown"
    held = console_post(worker, f"/comments/{said['id']}/hold")
    assert "Held comments (1)" in held.text
    approved = console_post(worker, f"/comments/{said['id']}/restore")
    assert "Held comments (0)" in approved.text
    plain = post(worker, f"/comments/{said['id']}/hide",
                 {"reason": "Again", "next": "/moderation"})
    assert location(plain) == "/moderation"


@pytest.mark.parametrize("action, data", [
    ("hide", {"reason": "x"}), ("restore", {}), ("remove", {"reason": "x"}), ("dismiss", {}),
    ("hold", {}),
])
def test_young_people_cannot_moderate_and_other_organisations_cannot_find_it(
        client, as_user, said, action, data):
    url = f"/comments/{said['id']}/{action}"
    assert location(post(client, url, data)).startswith("/login")
    assert post(as_user("jade"), url, data).status_code == 403
    assert post(as_user("hilda"), url, data).status_code == 404


def test_only_admins_delete_for_good(as_user, db, said):
    assert post(as_user("worker"), f"/comments/{said['id']}/remove",
                {"reason": "Phone number"}).status_code == 403
    response = post(as_user("admin"), f"/comments/{said['id']}/remove",
                    {"reason": "Phone number", "next": "/moderation"})
    assert location(response) == "/moderation"
    assert stored(db, said["id"]).text == ""


# ---------------------------------------------------------------- mutes, removal, suspension


def test_a_youth_worker_mutes_and_lifts_from_the_console(as_user, db, campaign, sam, said):
    worker = as_user("worker")
    answer = console_post(worker, f"/campaigns/{campaign.id}/mutes",
                          {"user_id": str(sam.id), "duration": "10m"})
    assert answer.status_code == 200
    assert "Sam in" in answer.text and "for another 10 minutes" in answer.text
    refused = post(as_user("sam"), f"/campaigns/{campaign.id}/comments", {"text": "Hi"})
    assert refused.status_code == 403
    assert "muted you in this campaign for another 10 minutes" in page(refused).get_text()
    lifted = post(worker, f"/campaigns/{campaign.id}/mutes/{sam.id}/lift")
    assert location(lifted) == "/moderation"
    with db.read() as session:
        assert all(m.lifted_at is not None for m in session.exec(select(Mute)))


def test_muting_checks_who_and_what(client, as_user, campaign, sam):
    url = f"/campaigns/{campaign.id}/mutes"
    assert location(post(client, url, {"user_id": str(sam.id), "duration": "1h"})
                    ).startswith("/login")
    assert post(as_user("jade"), url, {"user_id": str(sam.id), "duration": "1h"}
                ).status_code == 403
    assert post(as_user("hilda"), url, {"user_id": str(sam.id), "duration": "1h"}
                ).status_code == 404
    bad = console_post(as_user("worker"), url, {"user_id": str(sam.id), "duration": "forever"})
    assert bad.status_code == 422
    assert "Choose how long" in bad.text


def test_a_youth_worker_removes_a_member_and_suspends_an_account(as_user, db, campaign, sam,
                                                                 said):
    worker = as_user("worker")
    removed = post(worker, f"/moderation/campaigns/{campaign.id}/people/{sam.id}/remove",
                   {"next": "/moderation"})
    assert location(removed) == "/moderation"
    no_reason = console_post(worker, f"/moderation/people/{sam.id}/suspend", {"reason": ""})
    assert no_reason.status_code == 422
    assert "Say why" in no_reason.text
    done = post(worker, f"/moderation/people/{sam.id}/suspend", {"reason": "Threats"})
    assert location(done) == "/moderation"
    assert post(as_user("jade"), f"/moderation/people/{sam.id}/suspend",
                {"reason": "x"}).status_code == 403
    assert post(as_user("hilda"), f"/moderation/people/{sam.id}/suspend",
                {"reason": "x"}).status_code == 404


# ---------------------------------------------------------------- room controls and polls


def test_room_controls_show_on_the_campaign_page_for_youth_workers_only(as_user, db, campaign):
    worker_page = page(as_user("worker").get(f"/campaigns/{campaign.id}"))
    assert worker_page.select_one("#room form")["action"] == f"/campaigns/{campaign.id}/room"
    assert page(as_user("jade").get(f"/campaigns/{campaign.id}")).select_one("#room") is None


def test_room_controls_change_and_every_page_says_so(client, as_user, db, campaign):
    url = f"/campaigns/{campaign.id}/room"
    changed = post(as_user("worker"), url, {"premoderation": "1", "slow_mode_seconds": "30",
                                           "locked": "0", "next": f"/campaigns/{campaign.id}#room"})
    assert location(changed) == f"/campaigns/{campaign.id}#room"
    status = page(as_user("jade").get(f"/campaigns/{campaign.id}")).select_one("#room-status")
    assert "one comment every 30 seconds" in status.get_text()
    assert "reads new comments before everyone can see them" in status.get_text()
    assert location(post(client, url, {"locked": "1"})).startswith("/login")
    assert post(as_user("jade"), url, {"locked": "1"}).status_code == 403
    assert post(as_user("hilda"), url, {"locked": "1"}).status_code == 404
    bad = post(as_user("worker"), url, {"slow_mode_seconds": "fast"})
    assert bad.status_code == 422
    assert "whole number of seconds" in page(bad).get_text()


def test_pausing_a_poll_from_the_room_controls(client, as_user, db, riverside, campaign):
    from tests.campaigns.polls_helpers import make_poll

    poll = make_poll(db, riverside["young"], campaign, question="Where?",
                     options=["Here", "There"])
    url = f"/polls/{poll.id}/pause"
    worker = as_user("worker")
    shown = page(worker.get(f"/campaigns/{campaign.id}"))
    assert shown.select_one(f"#room form[action='{url}'] button").get_text().startswith(
        "Pause voting")
    assert location(post(worker, url, {"paused": "1"})) == (
        f"/campaigns/{campaign.id}#poll-{poll.id}")
    status = page(as_user("sam").get(f"/campaigns/{campaign.id}")).select_one(
        f"#poll-{poll.id}-status")
    assert "Paused" in status.get_text()
    assert location(post(client, url, {"paused": "0"})).startswith("/login")
    assert post(as_user("jade"), url, {"paused": "0"}).status_code == 403
    assert post(as_user("hilda"), url, {"paused": "0"}).status_code == 404
    assert post(worker, url, {"paused": "perhaps"}).status_code == 422


# ---------------------------------------------------------------- peer moderators


def test_a_lead_makes_a_member_a_peer_moderator_who_then_sees_the_hold_button(
        client, as_user, db, riverside, campaign, sam):
    url = f"/campaigns/{campaign.id}/people/{sam.id}/peer"
    assert location(post(client, url, {"on": "1"})).startswith("/login")
    assert post(as_user("sam"), url, {"on": "1"}).status_code == 403
    assert post(as_user("hilda"), url, {"on": "1"}).status_code == 404
    assert post(as_user("jade"), f"/campaigns/{campaign.id}/people/{riverside['worker'].id}/peer",
                {"on": "1"}).status_code in (404, 422)
    assert location(post(as_user("jade"), url, {"on": "1"})) == (
        f"/campaigns/{campaign.id}/people")
    shown = page(as_user("sam").get(f"/campaigns/{campaign.id}"))
    assert shown.select_one(".campaign-page")["data-moderates"] == "peer"


def test_the_people_page_offers_peer_moderation_to_a_lead(as_user, campaign, sam):
    people = page(as_user("jade").get(f"/campaigns/{campaign.id}/people"))
    button = people.select_one(f"form[action='/campaigns/{campaign.id}/people/{sam.id}/peer'] "
                               "button")
    assert button.get_text().startswith("Make peer moderator")
    post(as_user("jade"), f"/campaigns/{campaign.id}/people/{sam.id}/peer", {"on": "1"})
    people = page(as_user("jade").get(f"/campaigns/{campaign.id}/people"))
    assert "Peer moderator" in [tag.get_text() for tag in people.select(".people .tag")]
    member_view = page(as_user("sam").get(f"/campaigns/{campaign.id}/people"))
    assert member_view.select("form[action$='/peer']") == []
