"""Moderating comments through the services: reports and the automatic hold, holding, hiding,
restoring and removing, mutes, room controls, the word filter inside posting, peer moderators;
who may do each, what everyone else then sees, and which live events each change announces."""

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from server.audit import AuditEntry
from server.campaigns import discussion
from server.campaigns.models import Comment, Poll
from server.errors import InvalidInput, NotAllowed, NotFound, Throttled
from server.moderation import comments, console, mutes, peers, word_filter
from server.moderation import room as room_controls
from server.moderation.models import Report
from tests.campaigns.polls_helpers import make_poll
from tests.campaigns.test_discussion_service import Room, events_of, new_events, refused

STAND_IN = {"author_id": None, "author_name": "", "text": ""}


def stored(room: Room, comment_id: int) -> Comment:
    with room.db.read() as session:
        found = session.get(Comment, comment_id)
        assert found is not None
        return found


def actions(room: Room) -> list[tuple[str, int | None, str]]:
    with room.db.read() as session:
        return [(a.action, a.actor_id, a.reason) for a in session.exec(
            select(AuditEntry).order_by(col(AuditEntry.id)))
            if a.action.startswith(MODERATION)]


MODERATION = ("comment.held", "comment.hidden", "comment.restored", "comment.removed",
              "comment.reported", "report.", "member.mute", "member.unmute", "room.",
              "poll.paused", "poll.resumed", "peer_moderator.")


def texts_seen_by(room: Room, actor: Any) -> list[str]:
    page = room.page(actor)
    return [t.comment["text"] for t in page.threads] + [
        r["text"] for t in page.threads for r in t.replies]


def report(room: Room, actor: Any, comment_id: int, kind: str = "unkind") -> Any:
    return room.do(comments.report_comment, actor, comment_id=comment_id, kind=kind)


# ---------------------------------------------------------------- reports


def test_reports_hold_a_comment_once_enough_different_members_report_it(room):
    made = room.post(room.sam, "You are all losers")
    first = report(room, room.kai, made["id"], "unkind")
    again = report(room, room.kai, made["id"], "spam")
    assert not first.held and again.again and not again.held
    assert stored(room, made["id"]).state == "shown"  # one person twice counts once
    report(room, room.jade, made["id"])

    changes = new_events(room, lambda: report(room, room.dev, made["id"], "unsafe"))

    assert stored(room, made["id"]).state == "held"
    assert stored(room, made["id"]).held_because == "reports"
    assert [kind for kind, _ in changes] == ["comment.withheld"]
    assert changes[0][1]["comment"] == {**changes[0][1]["comment"], **STAND_IN, "state": "held"}
    assert "You are all losers" not in texts_seen_by(room, room.kai)
    assert "You are all losers" in texts_seen_by(room, room.sam)  # the author still sees it
    assert ("comment.held", None, "Held on its own: reported by 3 different members") in actions(
        room)


def test_the_report_threshold_is_the_organisations_choice(room):
    room.do(word_filter.update_settings, room.admin, filter_mode="block", report_threshold="1")
    made = room.post(room.sam)
    assert report(room, room.kai, made["id"]).held


def test_reports_are_refused_for_your_own_comment_and_bad_input(room):
    made = room.post(room.sam)
    refused(room, NotAllowed, comments.report_comment, room.sam, comment_id=made["id"],
            kind="spam")
    problem = refused(room, InvalidInput, comments.report_comment, room.kai,
                      comment_id=made["id"], kind="boring", words="x" * 501)
    assert set(problem.errors) == {"kind", "words"}
    refused(room, NotFound, comments.report_comment, room.olu, comment_id=made["id"],
            kind="spam")


def test_reports_never_reach_young_people(room):
    made = room.post(room.sam, "Hmm")
    report(room, room.kai, made["id"])
    page = room.page(room.jade)
    assert all("report" not in key for key in page.threads[0].comment)
    with pytest.raises(NotAllowed):
        room.read(console.queue, room.jade)
    queue = room.read(console.queue, room.worker)
    assert [item.comment["id"] for item in queue.reported] == [made["id"]]
    assert [r.reporter_name for r in queue.reported[0].reports] == ["Kai"]


# ---------------------------------------------------------------- acting on a comment


def test_a_youth_worker_hides_a_comment_with_a_reason_and_everyone_sees_a_stand_in(room):
    made = room.post(room.sam, "Meet behind the bins")
    report(room, room.kai, made["id"])
    refused(room, InvalidInput, comments.hide_comment, room.worker, comment_id=made["id"],
            reason="  ")

    changes = new_events(room, lambda: room.do(comments.hide_comment, room.worker,
                                               comment_id=made["id"], reason="Not safe"))

    assert changes == [("comment.withheld", {"comment": {
        **made, **STAND_IN, "state": "hidden"}})]
    assert stored(room, made["id"]).text == "Meet behind the bins"  # kept for review
    assert texts_seen_by(room, room.kai) == [""]
    with room.db.read() as session:
        assert [r.resolution for r in session.exec(select(Report))] == ["hidden"]
    assert actions(room)[-1] == ("comment.hidden", room.worker.user_id, "Not safe")


def test_restoring_brings_a_comment_back_in_its_place(room):
    made = room.post(room.sam, "Fine really")
    room.do(comments.hide_comment, room.worker, comment_id=made["id"], reason="Checking")

    changes = new_events(room, lambda: room.do(comments.restore_comment, room.admin,
                                               comment_id=made["id"]))

    assert changes == [("comment.restored", {"comment": made})]
    assert texts_seen_by(room, room.kai) == ["Fine really"]


def test_young_people_cannot_hide_restore_remove_or_dismiss(room):
    made = room.post(room.sam)
    for fn, extra in ((comments.hide_comment, {"reason": "x"}), (comments.restore_comment, {}),
                      (comments.remove_comment, {"reason": "x"}),
                      (comments.dismiss_reports, {})):
        refused(room, NotAllowed, fn, room.kai, comment_id=made["id"], **extra)
    refused(room, NotAllowed, comments.hold_comment, room.kai, comment_id=made["id"])
    refused(room, NotFound, comments.hide_comment, room.olu, comment_id=made["id"], reason="x")


def test_only_an_admin_deletes_a_comment_for_good_with_a_reason(room):
    made = room.post(room.sam, "Call me on 07700 900123")
    refused(room, NotAllowed, comments.remove_comment, room.worker, comment_id=made["id"],
            reason="Phone number")
    refused(room, InvalidInput, comments.remove_comment, room.admin, comment_id=made["id"],
            reason="")

    changes = new_events(room, lambda: room.do(comments.remove_comment, room.admin,
                                               comment_id=made["id"], reason="Phone number"))

    assert stored(room, made["id"]).text == ""
    assert changes[0][1]["comment"]["state"] == "removed"
    with pytest.raises(NotAllowed):
        room.do(comments.restore_comment, room.admin, comment_id=made["id"])
    assert actions(room)[-1] == ("comment.removed", room.admin.user_id, "Phone number")


def test_dismissing_reports_brings_back_what_they_held(room):
    room.do(word_filter.update_settings, room.admin, filter_mode="block", report_threshold="1")
    made = room.post(room.sam, "Pineapple on pizza")
    report(room, room.kai, made["id"])
    assert stored(room, made["id"]).state == "held"

    changes = new_events(room, lambda: room.do(comments.dismiss_reports, room.worker,
                                               comment_id=made["id"]))

    assert [kind for kind, _ in changes] == ["comment.restored"]
    assert stored(room, made["id"]).state == "shown"
    assert room.read(console.queue, room.worker).reported == []


# ---------------------------------------------------------------- peer moderators


def test_a_peer_moderator_holds_in_their_campaign_only_and_youth_workers_see_it(room, db):
    from tests.campaigns.pages import make_campaign

    refused(room, NotAllowed, peers.set_peer_moderator, room.sam, campaign_id=room.id,
            user_id=room.kai.user_id, on="1")
    room.do(peers.set_peer_moderator, room.jade, campaign_id=room.id, user_id=room.kai.user_id,
            on="1")
    made = room.post(room.sam, "Rude words")
    other = make_campaign(db, room.users["dev"], title="Skate park")
    with db.write() as session:
        from server.campaigns import service
        service.join(session, actor=room.sam, code=other.join_code)
        service.join(session, actor=room.kai, code=other.join_code)
    elsewhere = room.do(discussion.post_comment, room.sam, campaign_id=other.id, text="Hi")

    room.do(comments.hold_comment, room.kai, comment_id=made["id"], reason="Rude")
    refused(room, NotAllowed, comments.hold_comment, room.kai, comment_id=elsewhere["id"])
    refused(room, NotAllowed, comments.hide_comment, room.kai, comment_id=made["id"],
            reason="x")

    assert stored(room, made["id"]).held_because == "peer"
    queue = room.read(console.queue, room.worker)
    assert [(a.actor_name, a.action) for a in queue.peer_actions] == [("Kai", "comment.held")]
    assert queue.held[0].held_by_peer
    # They can undo a peer hold, but not what a youth worker or the reports held.
    room.do(comments.restore_comment, room.kai, comment_id=made["id"])
    room.do(comments.hold_comment, room.worker, comment_id=made["id"])
    refused(room, NotAllowed, comments.restore_comment, room.kai, comment_id=made["id"])


# ---------------------------------------------------------------- mutes, slow mode, lock


def test_a_muted_member_is_refused_with_the_time_left(room, clock):
    room.do(mutes.mute, room.worker, campaign_id=room.id, user_id=str(room.sam.user_id),
            duration="10m")
    clock.advance(60)
    problem = refused(room, NotAllowed, discussion.post_comment, room.sam, campaign_id=room.id,
                      text="Hello?")
    assert str(problem) == "A youth worker has muted you in this campaign for another 9 minutes."
    assert room.page(room.sam).why_not == str(problem)
    clock.advance(9 * 60 + 1)
    room.post(room.sam, "Back again")


def test_a_mute_until_lifted_lasts_until_a_youth_worker_lifts_it(room, clock):
    room.do(mutes.mute, room.worker, campaign_id=room.id, user_id=room.sam.user_id,
            duration="lifted")
    clock.advance(7 * 24 * 3600)
    problem = refused(room, NotAllowed, discussion.react, room.sam,
                      comment_id=room.post(room.kai)["id"], kind="agree")
    assert str(problem).endswith("until a youth worker lifts it.")
    room.do(mutes.unmute, room.worker, campaign_id=room.id, user_id=room.sam.user_id)
    room.post(room.sam)
    assert [a for a, _, _ in actions(room)] == ["member.muted", "member.unmuted"]


def test_muting_is_for_youth_workers_and_for_young_people_in_the_campaign(room):
    refused(room, NotAllowed, mutes.mute, room.jade, campaign_id=room.id,
            user_id=room.sam.user_id, duration="10m")
    problem = refused(room, InvalidInput, mutes.mute, room.worker, campaign_id=room.id,
                      user_id=room.dev.user_id, duration="a while")
    assert set(problem.errors) == {"duration"}
    refused(room, InvalidInput, mutes.mute, room.worker, campaign_id=room.id,
            user_id=room.dev.user_id, duration="1h")
    refused(room, NotFound, mutes.mute, room.olu, campaign_id=room.id,
            user_id=room.sam.user_id, duration="1h")


def test_slow_mode_lets_each_member_post_once_per_interval(room, clock):
    room.do(room_controls.set_room, room.worker, campaign_id=room.id, slow_mode_seconds="30")
    room.post(room.sam, "One")
    room.post(room.kai, "Someone else is not slowed by Sam")
    clock.advance(20)
    problem = refused(room, Throttled, discussion.post_comment, room.sam, campaign_id=room.id,
                      text="Two")
    assert str(problem) == ("Slow mode is on: one comment every 30 seconds. You can post again "
                            "in 10 seconds.")
    room.post(room.worker, "Youth workers are not slowed")
    room.post(room.worker, "Not at all")
    clock.advance(10)
    room.post(room.sam, "Two")


def test_a_locked_discussion_takes_posts_from_youth_workers_only(room):
    changes = new_events(room, lambda: room.do(room_controls.set_room, room.worker,
                                               campaign_id=room.id, locked="1"))
    assert changes == [("room.changed", {"room": {"campaign_id": room.id, "premoderation": False,
                                                  "slow_mode_seconds": 0, "locked": True}})]
    problem = refused(room, NotAllowed, discussion.post_comment, room.sam, campaign_id=room.id,
                      text="Hello")
    assert str(problem) == discussion.LOCKED
    room.post(room.worker, "We'll pick this up next week")
    room.do(room_controls.set_room, room.worker, campaign_id=room.id, locked="0")
    room.post(room.sam)
    assert [a for a, _, _ in actions(room)] == ["room.locked", "room.unlocked"]


def test_room_controls_are_for_youth_workers_and_check_their_input(room):
    refused(room, NotAllowed, room_controls.set_room, room.jade, campaign_id=room.id,
            locked="1")
    refused(room, NotFound, room_controls.set_room, room.olu, campaign_id=room.id, locked="1")
    problem = refused(room, InvalidInput, room_controls.set_room, room.worker,
                      campaign_id=room.id, slow_mode_seconds="fast", premoderation="maybe")
    assert set(problem.errors) == {"slow_mode_seconds", "premoderation"}


# ---------------------------------------------------------------- pre-moderation


def test_premoderation_holds_new_comments_until_a_youth_worker_approves(room):
    room.do(room_controls.set_room, room.worker, campaign_id=room.id, premoderation="1")

    changes = new_events(room, lambda: room.post(room.sam, "Can we meet on Friday?"))

    assert changes == []  # nobody else is sent anything
    made = stored(room, room.page(room.sam).threads[0].comment["id"])
    assert (made.state, made.held_because, made.published_at) == ("held", "premoderation", None)
    assert texts_seen_by(room, room.kai) == []
    assert room.page(room.sam).threads[0].comment["state"] == "held"
    with pytest.raises(NotFound):  # nobody else can find it, not even to react
        room.do(discussion.react, room.kai, comment_id=made.id, kind="agree")

    approved = new_events(room, lambda: room.do(comments.restore_comment, room.worker,
                                                comment_id=made.id))

    assert [kind for kind, _ in approved] == ["comment.created"]
    assert approved[0][1]["comment"]["text"] == "Can we meet on Friday?"
    assert texts_seen_by(room, room.kai) == ["Can we meet on Friday?"]


# ---------------------------------------------------------------- the word filter


@pytest.mark.parametrize("typed", ["That is B@D", "that is bäd!", "th4t is B 4D", "so b4d"])
def test_the_word_filter_blocks_swapped_letters_and_accents_in_block_mode(room, typed):
    room.do(word_filter.add_words, room.worker, text="bad\nthat is bad")
    typed = typed.replace("B 4D", "B4D")
    problem = refused(room, InvalidInput, discussion.post_comment, room.sam,
                      campaign_id=room.id, text=typed)
    assert problem.errors == {"text": discussion.BLOCKED_WORDS}


def test_the_word_filter_holds_for_review_in_hold_mode(room):
    room.do(word_filter.add_words, room.worker, text="idiot")
    room.do(word_filter.update_settings, room.admin, filter_mode="hold", report_threshold="3")

    quiet = new_events(room, lambda: room.post(room.sam, "Only an 1D10T would say that"))
    room.post(room.kai, "Idiotic is a different word")

    assert quiet == []
    assert texts_seen_by(room, room.jade) == ["Idiotic is a different word"]
    held = room.read(console.queue, room.worker).held
    assert [(i.comment["text"], i.cause) for i in held] == [
        ("Only an 1D10T would say that", "Matched the word filter")]


def test_editing_a_shown_comment_into_a_filtered_word_holds_it(room):
    room.do(word_filter.add_words, room.worker, text="idiot")
    room.do(word_filter.update_settings, room.admin, filter_mode="hold", report_threshold="3")
    made = room.post(room.sam, "Nice idea")

    changes = new_events(room, lambda: room.do(discussion.edit_comment, room.sam,
                                               comment_id=made["id"], text="Idiot idea"))

    assert [kind for kind, _ in changes] == ["comment.withheld"]
    assert texts_seen_by(room, room.kai) == [""]


# ---------------------------------------------------------------- pausing a poll


def test_a_paused_poll_refuses_votes_and_everyone_is_told(room):
    from server.campaigns import ballots
    from tests.campaigns.polls_helpers import option_ids

    poll = make_poll(room.db, room.users["jade"], room.campaign, question="Where?",
                     options=["Here", "There"])
    refused(room, NotAllowed, room_controls.pause_poll, room.jade, poll_id=poll.id, paused="1")
    changes = new_events(room, lambda: room.do(room_controls.pause_poll, room.worker,
                                               poll_id=poll.id, paused="1"))
    assert [(kind, data["poll"]["paused"]) for kind, data in changes] == [("poll.paused", True)]
    here = option_ids(room.db, poll)["Here"]
    with pytest.raises(NotAllowed, match="paused"):
        room.do(ballots.cast_ballot, room.sam, poll_id=poll.id, choices=[here],
                client_op_id="op-1")
    room.do(room_controls.pause_poll, room.worker, poll_id=poll.id, paused="0")
    room.do(ballots.cast_ballot, room.sam, poll_id=poll.id, choices=[here], client_op_id="op-2")
    with room.db.read() as session:
        assert session.get(Poll, poll.id).paused_at is None
    assert [a for a, _, _ in actions(room)] == ["poll.paused", "poll.resumed"]
    assert events_of(room.db, room.id)[-1][0] in ("ballot.cast", "poll.resumed")


def test_a_mute_shows_in_the_console_with_the_time_left(room, clock):
    room.do(mutes.mute, room.worker, campaign_id=room.id, user_id=room.sam.user_id,
            duration="1h")
    clock.advance(timedelta(minutes=30).total_seconds())
    muted = room.read(console.queue, room.worker).muted
    assert [(m.name, m.left) for m in muted] == [("Sam", "for another 30 minutes")]


@pytest.mark.parametrize("take_away", ["edit", "delete", "hide", "remove"])
def test_no_event_in_the_log_keeps_words_that_were_taken_away(room, take_away):
    made = room.post(room.sam, "My number is 07700 900123")
    room.post(room.sam, "A reply to keep", parent=made)
    if take_away == "edit":
        room.do(discussion.edit_comment, room.sam, comment_id=made["id"], text="Ask me here")
    elif take_away == "delete":
        room.do(discussion.delete_comment, room.sam, comment_id=made["id"])
    elif take_away == "hide":
        room.do(comments.hide_comment, room.worker, comment_id=made["id"], reason="Number")
    else:
        room.do(comments.remove_comment, room.admin, comment_id=made["id"], reason="Number")

    logged = events_of(room.db, room.id)

    assert all("07700" not in str(data) for _, data in logged)
    assert any("A reply to keep" in str(data) for _, data in logged)  # other comments stay
    assert logged[0][0] == "comment.created"  # what happened is kept
