"""Erasing a young person: nothing identifying is left anywhere (pages, live events, exports,
the moderation console, the audit log), they can never log in again, and every evidence total
and confirmed snapshot is exactly what it was."""

import json
from typing import Any

import pytest
from sqlmodel import col, select

from server import i18n
from server.accounts.models import ApiToken, Member, User, UserSession
from server.accounts.sessions import create_api_token
from server.audit import AuditEntry
from server.campaigns import discussion
from server.campaigns.models import Ballot, Comment, Reaction
from server.ladder import decisions, evidence
from server.ladder.models import Decision
from server.live.events import Event
from server.moderation import comments as moderation_comments
from server.moderation import concerns
from server.moderation.models import Concern, Mute, Report
from server.privacy import service
from server.privacy.models import PrivacySettings
from tests.accounts.helpers import try_login
from tests.campaigns.pages import say
from tests.campaigns.polls_helpers import option_ids, vote
from tests.ladder.test_decisions import Setup
from tests.ladder.test_exports import YOUNG, all_text, gather
from tests.ladder.test_exports import pack as pack  # the fixtures
from tests.ladder.test_exports import setup as setup

ZNAME, ZUSER = YOUNG["zquill"], "zquill"
ZWORDS = "Please move the stop, Zebedee here"


def evidence_now(s: Setup) -> dict[str, Any]:
    """The whole evidence, as the JSON export has it, less the time it was made."""
    data = evidence.evidence_data(gather(s))
    data.pop("generated_at")
    return data


def frozen(s: Setup) -> list[tuple[int | None, str | None, str | None]]:
    with s.db.read() as session:
        return [(d.id, d.snapshot, d.participants) for d in session.exec(
            select(Decision).order_by(col(Decision.id)))]


def erase_zebedee(s: Setup, by: str = "worker", reason: str = "Asked at the youth club") -> None:
    s.do(service.erase_person, by, user_id=s.users["zquill"].id, reason=reason)


def keep_words(s: Setup, keep: bool) -> None:
    s.do(service.change_settings, "admin", retention_days="730",
         keep_comment_text="keep" if keep else "remove")


@pytest.fixture
def busy(pack: Setup) -> Setup:
    """Zebedee also reacts, replies to Sam, reports Sam's comment, raises a worry, is muted and
    has an API token and an open session."""
    s = pack
    sam_said = say(s.db, s.users["sam"], s.campaign, "Sam Oduya thinks the park is better")
    say(s.db, s.users["zquill"], s.campaign, "I disagree with you", parent=sam_said)
    s.do(discussion.react, "zquill", comment_id=sam_said["id"], kind="agree")
    s.do(moderation_comments.report_comment, "zquill", comment_id=sam_said["id"],
         kind="unkind", words="Zebedee felt got at")
    s.do(concerns.raise_concern, "zquill", campaign_id=s.id, text="Zebedee is worried")
    from server.moderation import mutes
    s.do(mutes.mute, "worker", campaign_id=s.id, user_id=s.users["zquill"].id,
         duration="1h", reason="Too many posts")
    with s.db.write() as session:
        create_api_token(session, user_id=s.users["zquill"].id or 0, label="zebedee's phone")
    return s


def test_every_evidence_total_and_confirmed_snapshot_is_exactly_unchanged(busy):
    s = busy
    before, snapshots = evidence_now(s), frozen(s)
    assert before["totals"]["young_people"] >= 3  # Zebedee is counted
    erase_zebedee(s)
    assert evidence_now(s) == before
    assert frozen(s) == snapshots


def test_unchanged_too_when_a_decision_is_confirmed_after_the_erasure(busy):
    s = busy
    told = s.told  # type: ignore[attr-defined]  (Zebedee's thread, not confirmed yet)
    before = evidence_now(s)
    erase_zebedee(s)
    s.do(decisions.confirm_decision, "worker", decision_id=told.id)
    after = evidence_now(s)
    told_before = next(d for d in before["decisions"] if d["id"] == told.id)
    told_after = next(d for d in after["decisions"] if d["id"] == told.id)
    assert told_after["involvement"]["young_people"] == told_before["involvement"][
        "young_people"]
    assert after["totals"]["young_people"] == before["totals"]["young_people"]
    assert after["totals"]["age_bands"] == before["totals"]["age_bands"]


def test_no_export_holds_anything_identifying_them_afterwards(busy):
    s = busy
    erase_zebedee(s)
    for name, text in all_text(gather(s)).items():
        for needle in (ZNAME, "Zebedee", "Quill", ZUSER):
            assert needle.lower() not in text.lower(), (name, needle)


def test_what_is_deleted_and_what_stays_as_an_anonymous_stand_in(busy):
    s = busy
    z = s.users["zquill"]
    erase_zebedee(s)
    with s.db.read() as session:
        user = session.get(User, z.id)
        assert user is not None
        assert (user.display_name, user.username, user.password_hash) == (
            "A former member", "former-member", None)
        assert user.erased_at is not None and user.last_active_at is None
        assert user.age_band == "16_17"  # counted in the evidence by age band, never named
        for table, column in ((UserSession, UserSession.user_id),
                              (ApiToken, ApiToken.user_id), (Report, Report.reporter_id),
                              (Mute, Mute.user_id)):
            assert session.exec(select(table).where(column == z.id)).all() == [], table
        assert session.exec(select(Ballot).where(Ballot.user_id == z.id)).all()  # still counted
        assert session.exec(select(Reaction).where(Reaction.user_id == z.id)).all()
        member = session.exec(select(Member).where(Member.user_id == z.id)).one()
        assert member.invite_id is None and member.consent_recorded_at is None
        worry = session.exec(select(Concern).where(Concern.text == "Zebedee is worried")).one()
        assert worry.raised_by is None  # kept for safeguarding, without their name
        texts = [c.text for c in session.exec(select(Comment).where(Comment.author_id == z.id))]
        assert texts and set(texts) == {""}
        # The live log never brings the name or the words back to a page catching up.
        events = list(session.exec(select(Event)))
        logged = " ".join(e.data for e in events)
        theirs = [json.loads(e.data)["comment"] for e in events
                  if e.kind.startswith("comment.")
                  and json.loads(e.data)["comment"]["author_id"] == z.id]
    assert ZNAME not in logged and ZWORDS not in logged and "I disagree with you" not in logged
    # No name at all: each page says "a former member" in its own language.
    assert theirs and {c["author_name"] for c in theirs} == {""}


def test_they_can_never_log_in_again_and_their_token_stops_working(busy, client, as_user):
    s = busy
    browser = as_user("zquill")
    assert browser.get("/account").status_code == 200
    erase_zebedee(s)
    assert browser.get("/account").status_code == 303  # logged out at once
    assert try_login(client, "zquill").status_code == 401
    assert try_login(client, "former-member").status_code == 401
    assert try_login(client, f"#erased-{s.users['zquill'].id}").status_code in (401, 403)


def test_they_show_as_a_former_member_on_the_campaign_page_and_in_the_console(busy, as_user):
    s = busy
    erase_zebedee(s)
    for who in ("sam", "worker"):
        page = as_user(who).get(f"/campaigns/{s.id}").text
        assert ZNAME not in page and ZWORDS not in page
        assert "A former member" in page
    welsh = as_user("sam").get(f"/campaigns/{s.id}", headers={"Accept-Language": "cy"}).text
    assert i18n.translations("cy").gettext("A former member") in welsh
    assert ZNAME not in welsh and "A former member" not in welsh
    for path in ("/moderation", "/moderation/audit", "/people"):
        page = as_user("worker").get(path).text
        assert ZNAME not in page and f"@{ZUSER}" not in page, path


def test_the_organisation_can_keep_their_words_anonymised(busy, as_user):
    s = busy
    keep_words(s, True)
    erase_zebedee(s)
    page = as_user("sam").get(f"/campaigns/{s.id}").text
    assert "I disagree with you" in page
    assert ZNAME not in page
    with s.db.read() as session:
        texts = {c.text for c in session.exec(select(Comment).where(
            Comment.author_id == s.users["zquill"].id))}
    assert "I disagree with you" in texts


def test_by_default_their_words_are_removed(busy, as_user, riverside):
    s = busy
    with s.db.read() as session:
        assert session.get(PrivacySettings, riverside["org"].id) is None  # never changed
    erase_zebedee(s)
    page = as_user("sam").get(f"/campaigns/{s.id}").text
    assert "I disagree with you" not in page


def test_erasure_is_audited_without_what_was_erased(busy):
    s = busy
    erase_zebedee(s, reason="Their parent asked us to")
    with s.db.read() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "user.erased")).one()
    assert entry.actor_id == s.users["worker"].id
    assert entry.target_user_id == s.users["zquill"].id
    assert entry.reason == "Their parent asked us to"
    for needle in (ZNAME, ZUSER, "16_17", "Zebedee"):
        assert needle not in entry.reason


def test_a_ballot_reason_follows_the_comment_policy(setup, make_user, riverside):
    s = setup
    from tests.campaigns.polls_helpers import make_poll
    poll = make_poll(s.db, s.users["jade"], s.campaign)
    vote(s.db, s.users["sam"], poll, [option_ids(s.db, poll)["Library"]],
         reason="Sam's own reason")
    s.do(service.erase_person, "worker", user_id=s.users["sam"].id, reason="asked")
    with s.db.read() as session:
        ballot = session.exec(select(Ballot).where(Ballot.user_id == s.users["sam"].id)).one()
    assert ballot.reason == ""


def test_erasing_twice_changes_nothing_and_staff_are_not_erased_here(busy):
    s = busy
    erase_zebedee(s)
    with pytest.raises(Exception, match="could not find"):
        erase_zebedee(s)
    with pytest.raises(Exception, match="young person"):
        s.do(service.erase_person, "admin", user_id=s.users["worker"].id, reason="leaving")
