"""The decision pages: a campaign's decisions, recording one with a live rung suggestion,
changing it, confirming it (the evidence frozen), amending it with a reason, publishing
"we did", the Lundy check, and the overdue list for youth workers."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from server import clock as clock_module
from server.accounts.models import User
from server.campaigns.models import Campaign, Poll
from server.db import Database
from server.ladder import decisions
from server.ladder.models import Decision
from tests.accounts.helpers import field_error, field_errors, heading, text, viewer_of
from tests.campaigns.pages import (
    FORBIDDEN_TITLE,
    NOT_FOUND_TITLE,
    actions_of,
    add_stakeholder,
    facilitate,
    feed_of,
    join,
    make_campaign,
    say,
)
from tests.campaigns.polls_helpers import make_poll, option_ids, vote
from tests.conftest import csrf_token, page

TITLE = "The bus stop moves to the college gate"


@dataclass
class Setup:
    """Jade leads the campaign, Sam and Kai are members, the youth worker facilitates; Hilda
    is a youth worker in another organisation."""

    db: Database
    campaign: Campaign
    users: dict[str, User]
    as_user: Any

    @property
    def id(self) -> int:
        assert self.campaign.id is not None
        return self.campaign.id

    def record(self, name: str = "jade", **data: Any) -> Decision:
        with self.db.write() as session:
            return decisions.record_decision(session, actor=viewer_of(self.db, self.users[name]),
                                             campaign_id=self.id, data=form(**data))

    def do(self, fn: Any, name: str, **kwargs: Any) -> Any:
        with self.db.write() as session:
            return fn(session, actor=viewer_of(self.db, self.users[name]), **kwargs)

    def fresh(self, decision: Decision) -> Decision:
        with self.db.read() as session:
            found = session.get(Decision, decision.id)
        assert found is not None
        return found

    def poll(self, name: str = "jade") -> Poll:
        return make_poll(self.db, self.users[name], self.campaign)


def form(**overrides: Any) -> dict[str, Any]:
    """What a lead types into the decision form."""
    data: dict[str, Any] = {"title": TITLE, "details": "Agreed with the bus company.",
                            "decided_on": clock_module.now().date().isoformat(),
                            "decided_by": "adults", "rung": "", "rung_reason": "",
                            "you_said": "", "we_did": "", "follow_up_on": ""}
    data.update(overrides)
    return data


def send(browser: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    """A form submitted as a browser would, with its CSRF token (lists: repeated fields)."""
    return browser.post(url, data={**(data or {}), "csrf_token": csrf_token(browser)})


@pytest.fixture
def s(db, riverside, make_user, as_user) -> Setup:
    users = {"jade": riverside["young"], "worker": riverside["worker"],
             "admin": riverside["admin"], "hilda": riverside["other_worker"],
             "sam": make_user(riverside["org"], "sam", "young_person", "13_15"),
             "kai": make_user(riverside["org"], "kai", "young_person", "18_25")}
    campaign = make_campaign(db, users["jade"])
    join(db, users["sam"], campaign)
    join(db, users["kai"], campaign)
    facilitate(db, users["worker"], campaign)
    return Setup(db, campaign, users, as_user)


def forbidden(response: Any, words: str = "") -> None:
    assert response.status_code == 403, response.text
    assert heading(response) == FORBIDDEN_TITLE
    if words:
        assert text(page(response), "main p") == words


def not_found(response: Any) -> None:
    assert response.status_code == 404, response.text
    assert heading(response) == NOT_FOUND_TITLE


def to_login(response: Any, path: str) -> None:
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


def checked(response: Any, name: str) -> list[str]:
    return [str(box["value"]) for box in
            page(response).select(f'input[name="{name}"][checked]')]


def selected(response: Any, name: str) -> str:
    found = page(response).select_one(f'select[name="{name}"] option[selected]')
    return str(found["value"]) if found is not None else ""


def value(response: Any, name: str) -> str:
    found = page(response).select_one(f"#f-{name}")
    assert found is not None, f"no field {name!r}"
    return found.get_text() if found.name == "textarea" else str(found.get("value", ""))


def decisions_of(db: Database, campaign: Campaign) -> list[Decision]:
    with db.read() as session:
        return list(session.exec(select(Decision).where(Decision.campaign_id == campaign.id)
                                 .order_by(col(Decision.id))))


# ---------------------------------------------------------------- the campaign's decisions


def test_the_campaigns_decisions_with_the_story_once_published(s):
    plain = s.record(title="Posters go up in the canteen")
    told = s.record(you_said="You asked for a stop by the gate.")
    s.do(decisions.publish_we_did, "jade", decision_id=told.id,
         we_did="The stop moves in September.")
    s.do(decisions.confirm_decision, "worker", decision_id=plain.id)

    response = s.as_user("sam").get(f"/campaigns/{s.id}/decisions")
    assert response.status_code == 200
    cards = {text(card, "h2"): card for card in page(response).select(".decision-card")}
    assert set(cards) == {"Posters go up in the canteen", TITLE}
    canteen, bus = cards["Posters go up in the canteen"], cards[TITLE]
    assert text(canteen, ".rung-tag") == "No Control"
    assert text(canteen, ".confirmation") == "Confirmed"
    assert canteen.select_one(".we-did") is None
    assert text(bus, ".rung-tag") == "Information"  # young people were told
    assert text(bus, ".confirmation") == "Not confirmed yet"
    assert text(bus, ".you-said") == "You said: You asked for a stop by the gate."
    assert text(bus, ".we-did") == "We did: The stop moves in September."
    assert bus.select_one(f'a[href="/decisions/{told.id}"]') is not None
    # A member cannot record one; the lead can.
    assert "Record a decision" not in response.text
    lead = s.as_user("jade").get(f"/campaigns/{s.id}/decisions")
    assert page(lead).select_one(f'a[href="/campaigns/{s.id}/decisions/new"]') is not None


def test_the_campaign_page_links_to_its_decisions(s):
    response = s.as_user("sam").get(f"/campaigns/{s.id}")
    assert page(response).select_one(f'a[href="/campaigns/{s.id}/decisions"]') is not None


def test_the_decisions_list_needs_a_login_and_the_organisation(s, client):
    to_login(client.get(f"/campaigns/{s.id}/decisions"), f"/campaigns/{s.id}/decisions")
    not_found(s.as_user("hilda").get(f"/campaigns/{s.id}/decisions"))


# ---------------------------------------------------------------- recording


def test_a_lead_records_a_decision_linking_a_poll_and_a_thread(s):
    poll = s.poll()
    vote(s.db, s.users["sam"], poll, [option_ids(s.db, poll)["Library"]])
    thread = say(s.db, s.users["sam"], s.campaign, "Move it nearer the gate please, it is dark")
    manager = add_stakeholder(s.db, s.users["jade"], s.campaign)
    jade = s.as_user("jade")

    blank = jade.get(f"/campaigns/{s.id}/decisions/new")
    assert blank.status_code == 200
    soup = page(blank)
    assert value(blank, "decided_on") == clock_module.now().date().isoformat()
    assert [str(o.get_text(strip=True)) for o in soup.select("#f-stakeholder_id option")] == [
        "Not recorded", "Course manager, City College"]
    assert text(soup, "#f-poll_ids").endswith("Where should we meet?")
    assert "Move it nearer the gate please, it is dark" in text(soup, "#f-thread_ids")
    assert [o.get_text(strip=True) for o in soup.select("#f-rung option")] == [
        "The suggestion", "No Control", "Information", "Consultation", "Participation",
        "Sharing Power", "Full Control"]
    assert text(soup, "#suggestion") == "Say who decided, and a rung is suggested here."

    response = send(jade, f"/campaigns/{s.id}/decisions/new", form(
        poll_ids=[str(poll.id)], thread_ids=[str(thread["id"])],
        stakeholder_id=str(manager.id), lundy_space="yes", lundy_space_note="The club room",
        follow_up_on=(clock_module.now().date() + timedelta(days=14)).isoformat()))
    (decision,) = decisions_of(s.db, s.campaign)
    assert response.status_code == 303
    assert response.headers["location"] == f"/decisions/{decision.id}?done=recorded"
    assert decision.rung == "consultation"
    assert decision.you_said == ("Where should we meet? (1 vote): Library: 1 vote; "
                                 "Youth club: 0 votes; Park: 0 votes.")
    assert actions_of(s.db, s.campaign)[-1] == "decision.recorded"

    shown = jade.get(response.headers["location"])
    soup = page(shown)
    assert text(soup, "[role=status]") == "The decision is recorded."
    assert text(soup, "h1") == TITLE
    assert text(soup, ".decided-by") == "Adults"
    assert text(soup, ".decision-maker") == "Course manager, City College"
    assert text(soup, ".suggested-rung") == "Consultation"
    assert "asking young people what they think in a poll and a comment thread" in text(
        soup, "#rung .reasons")
    assert soup.select_one(f'.linked-polls a[href="/polls/{poll.id}"]') is not None
    assert soup.select_one(
        f'.linked-threads a[href="/campaigns/{s.id}#thread-{thread["id"]}"]') is not None
    assert text(soup, "#lundy-space") == "Yes · The club room"
    assert text(soup, "#lundy-voice") == "Not answered"
    assert text(soup, ".you-said").startswith("Where should we meet? (1 vote)")


def test_the_facilitator_records_one_too(s):
    response = send(s.as_user("worker"), f"/campaigns/{s.id}/decisions/new", form())
    assert response.status_code == 303
    assert decisions_of(s.db, s.campaign)[0].created_by == s.users["worker"].id


def test_bad_input_shows_the_form_again_with_what_was_typed_and_a_message_by_each_field(s):
    poll = s.poll()
    response = send(s.as_user("jade"), f"/campaigns/{s.id}/decisions/new", form(
        title="", decided_by="", details="We spoke to the council twice",
        poll_ids=[str(poll.id)], decided_on="next Tuesday", lundy_voice="maybe",
        you_said="You wanted it lit"))
    assert response.status_code == 422
    assert field_errors(response) == {
        "title": field_error(response, "title"),
        "decided_on": "Give the date it was decided, like 2027-03-31.",
        "decided_by": ("Say who decided: young people, young people with adults, "
                       "or adults."),
        "lundy_voice": "Say yes, no, or leave Voice unanswered.",
    }
    assert "what was decided" in field_error(response, "title").lower()
    assert value(response, "details") == "We spoke to the council twice"
    assert value(response, "decided_on") == "next Tuesday"
    assert value(response, "you_said") == "You wanted it lit"
    assert checked(response, "poll_ids") == [str(poll.id)]
    assert decisions_of(s.db, s.campaign) == []


def test_another_rung_needs_a_reason_and_the_suggestion_shows_after_the_error(s):
    response = send(s.as_user("jade"), f"/campaigns/{s.id}/decisions/new", form(
        decided_by="together", rung="full_control"))
    assert response.status_code == 422
    assert field_error(response, "rung_reason") == (
        "The suggested rung is Sharing Power. Say why you chose Full Control.")
    assert selected(response, "rung") == "full_control"
    assert checked(response, "decided_by") == ["together"]
    assert text(page(response), "#suggestion .suggested-rung") == "Sharing Power"

    kept = send(s.as_user("jade"), f"/campaigns/{s.id}/decisions/new", form(
        decided_by="together", rung="full_control",
        rung_reason="The youth council had the final vote."))
    assert kept.status_code == 303
    shown = page(s.as_user("sam").get(kept.headers["location"]))
    assert text(shown, ".chosen-rung") == "Full Control"
    assert text(shown, ".rung-reason") == "The youth council had the final vote."


def test_who_may_record(s, client):
    path = f"/campaigns/{s.id}/decisions/new"
    forbidden(s.as_user("sam").get(path), decisions.RUNNERS_ONLY)
    forbidden(send(s.as_user("sam"), path, form()), decisions.RUNNERS_ONLY)
    forbidden(s.as_user("admin").get(path))  # staff, not facilitating
    not_found(s.as_user("hilda").get(path))
    not_found(send(s.as_user("hilda"), path, form()))
    to_login(client.get(path), path)
    to_login(send(client, path, form()), path)
    assert decisions_of(s.db, s.campaign) == []


# ---------------------------------------------------------------- the live suggestion


def test_the_suggestion_follows_a_partial_form(s):
    poll = s.poll()  # Jade, a lead, ran it
    path = f"/campaigns/{s.id}/decisions/suggestion"
    jade = s.as_user("jade")
    nothing = send(jade, path, {"title": ""})
    assert nothing.status_code == 200
    assert text(page(nothing), "p") == "Say who decided, and a rung is suggested here."

    asked = send(jade, path, {"decided_by": "adults", "poll_ids": [str(poll.id)]})
    assert text(page(asked), ".suggested-rung") == "Consultation"
    assert "after asking young people what they think in a poll" in asked.text

    bound = send(jade, path, {"decided_by": "adults", "poll_ids": [str(poll.id)],
                              "poll_bound_outcome": "on"})
    assert text(page(bound), ".suggested-rung") == "Full Control"
    assert [li.get_text(strip=True) for li in page(bound).select(".reasons li")] == [
        "Young people ran a poll, and the decision followed its result.",
        "Adults signed it off, but young people's vote decided it."]


def test_the_suggestion_is_for_those_who_record(s, client):
    path = f"/campaigns/{s.id}/decisions/suggestion"
    forbidden(send(s.as_user("sam"), path, {"decided_by": "adults"}))
    not_found(send(s.as_user("hilda"), path, {"decided_by": "adults"}))
    to_login(send(client, path, {"decided_by": "adults"}), path)


def test_preview_suggestion_tolerates_what_record_refuses(s):
    """The service behind the live suggestion: no title, a poll of another campaign, a bad
    date are left out, never refused."""
    other = make_campaign(s.db, s.users["sam"], title="Longer library hours")
    theirs = make_poll(s.db, s.users["sam"], other)
    with s.db.read() as session:
        found = decisions.preview_suggestion(
            session, actor=viewer_of(s.db, s.users["jade"]), campaign_id=s.id,
            data={"decided_by": "adults", "poll_ids": [str(theirs.id)], "decided_on": "x",
                  "suggestions_taken_up": "on"})
        missing = decisions.preview_suggestion(
            session, actor=viewer_of(s.db, s.users["jade"]), campaign_id=s.id, data={})
    assert found is not None and found.rung == "participation"
    assert found.reasons == ["Adults made the decision, and took up young people's "
                             "suggestions."]
    assert missing is None


# ---------------------------------------------------------------- the decision page


def test_the_decision_page_is_for_those_who_can_see_the_campaign(s, client):
    decision = s.record()
    path = f"/decisions/{decision.id}"
    member = s.as_user("sam").get(path)
    assert member.status_code == 200
    soup = page(member)
    assert text(soup, "h1") == TITLE
    # Nothing to do for a member.
    assert soup.select_one(".decision-actions") is None
    assert soup.select_one(".publish-form") is None and soup.select_one(".lundy-form") is None
    lead = page(s.as_user("jade").get(path))
    assert lead.select_one(f'a[href="/decisions/{decision.id}/edit"]') is not None
    assert lead.select_one(".confirm-form") is None
    worker = page(s.as_user("worker").get(path))
    assert worker.select_one(".confirm-form") is not None
    assert "freezes the evidence" in text(worker, "#confirm-hint")
    not_found(s.as_user("hilda").get(path))
    to_login(client.get(path), path)
    not_found(s.as_user("sam").get("/decisions/999999"))


# ---------------------------------------------------------------- changing


def test_a_lead_changes_a_decision_before_it_is_confirmed(s):
    decision = s.record(rung="information", rung_reason="They were told at assembly.")
    jade = s.as_user("jade")
    path = f"/decisions/{decision.id}/edit"
    shown = jade.get(path)
    assert shown.status_code == 200
    assert value(shown, "title") == TITLE
    assert selected(shown, "rung") == "information"
    assert value(shown, "rung_reason") == "They were told at assembly."
    assert text(page(shown), "#suggestion .suggested-rung") == "No Control"

    bad = send(jade, path, form(title="", details="Now with the council",
                                rung="information", rung_reason="Assembly."))
    assert bad.status_code == 422
    assert set(field_errors(bad)) == {"title"}
    assert value(bad, "details") == "Now with the council"

    done = send(jade, path, form(title="The stop moves to the main gate",
                                 decided_by="together", rung=""))
    assert done.status_code == 303
    assert done.headers["location"] == f"/decisions/{decision.id}?done=changed"
    changed = s.fresh(decision)
    assert (changed.title, changed.rung, changed.rung_reason) == (
        "The stop moves to the main gate", "sharing_power", "")


def test_who_may_change_a_decision(s, client):
    decision = s.record()
    path = f"/decisions/{decision.id}/edit"
    forbidden(s.as_user("sam").get(path), decisions.RUNNERS_ONLY)
    forbidden(send(s.as_user("sam"), path, form(title="Mine")), decisions.RUNNERS_ONLY)
    not_found(s.as_user("hilda").get(path))
    not_found(send(s.as_user("hilda"), path, form(title="Theirs")))
    to_login(client.get(path), path)
    s.do(decisions.confirm_decision, "worker", decision_id=decision.id)
    forbidden(s.as_user("jade").get(path), decisions.CONFIRMED)
    forbidden(send(s.as_user("jade"), path, form(title="Quietly")), decisions.CONFIRMED)
    assert s.fresh(decision).title == TITLE


# ---------------------------------------------------------------- confirming and amending


def involved(s: Setup) -> tuple[Decision, Poll]:
    poll = s.poll()
    vote(s.db, s.users["sam"], poll, [option_ids(s.db, poll)["Library"]])
    vote(s.db, s.users["jade"], poll, [option_ids(s.db, poll)["Park"]])
    thread = say(s.db, s.users["sam"], s.campaign, "Near the gate please")
    say(s.db, s.users["jade"], s.campaign, "Agreed", parent=thread)
    return s.record(poll_ids=[poll.id], thread_ids=[thread["id"]]), poll


def test_confirming_freezes_the_evidence_and_an_amendment_keeps_who_when_and_why(s):
    decision, poll = involved(s)
    worker = s.as_user("worker")
    forbidden(send(s.as_user("jade"), f"/decisions/{decision.id}/confirm"), decisions.STAFF_ONLY)

    confirmed = send(worker, f"/decisions/{decision.id}/confirm")
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == f"/decisions/{decision.id}?done=confirmed"
    vote(s.db, s.users["kai"], poll, [option_ids(s.db, poll)["Park"]])  # after: not counted

    amend = f"/decisions/{decision.id}/amend"
    shown = worker.get(amend)
    assert shown.status_code == 200
    assert value(shown, "title") == TITLE
    no_reason = send(worker, amend, form(title="The stop moves to the main gate",
                                         poll_ids=[str(poll.id)], reason=" "))
    assert no_reason.status_code == 422
    assert set(field_errors(no_reason)) == {"reason"}
    assert value(no_reason, "title") == "The stop moves to the main gate"

    # As the amend form sends it: everything the decision has, with two changes.
    kept = {"poll_ids": checked(shown, "poll_ids"), "thread_ids": checked(shown, "thread_ids"),
            "you_said": value(shown, "you_said")}
    assert kept["poll_ids"] == [str(poll.id)] and len(kept["thread_ids"]) == 1
    done = send(worker, amend, form(
        title="The stop moves to the main gate", decided_by="together",
        reason="The council chose the main gate.", **kept))
    assert done.status_code == 303
    assert actions_of(s.db, s.campaign)[-1] == "decision.amended"

    soup = page(worker.get(done.headers["location"]))
    assert text(soup, "[role=status]") == "The amendment is saved, with the reason."
    assert text(soup, ".confirmation").startswith("Confirmed by Worker on ")
    assert text(soup, "#snapshot .young-people") == "2"
    assert text(soup, "#snapshot .ballots") == "2"
    assert text(soup, "#snapshot .comments") == "2"
    assert "16 or 17: 1" in text(soup, ".age-bands")
    assert "13 to 15: 1" in text(soup, ".age-bands")
    assert [li.get_text(strip=True) for li in soup.select(".snapshot-poll li")] == [
        "Library: 1 vote", "Youth club: 0 votes", "Park: 1 vote"]
    (amendment,) = soup.select(".amendment")
    assert text(amendment, "strong") == "Worker"
    assert text(amendment, ".amendment-reason") == "Why: The council chose the main gate."
    assert [li.get_text(" ", strip=True) for li in amendment.select(".changes li")] == [
        f"What was decided : {TITLE} → The stop moves to the main gate",
        "Who decided : Adults → Young people with adults",
        "Rung : Consultation → Sharing Power",
    ]


def test_who_may_confirm_and_amend(s, client):
    decision = s.record()
    confirm, amend = f"/decisions/{decision.id}/confirm", f"/decisions/{decision.id}/amend"
    forbidden(send(s.as_user("sam"), confirm), decisions.STAFF_ONLY)
    not_found(send(s.as_user("hilda"), confirm))
    to_login(send(client, confirm), confirm)
    # Not confirmed yet: change it directly.
    forbidden(s.as_user("worker").get(amend))
    assert s.fresh(decision).confirmed_at is None

    s.do(decisions.confirm_decision, "admin", decision_id=decision.id)
    forbidden(s.as_user("jade").get(amend), decisions.STAFF_AMEND)
    forbidden(send(s.as_user("jade"), amend, form(title="New", reason="Because")),
              decisions.STAFF_AMEND)
    not_found(s.as_user("hilda").get(amend))
    not_found(send(s.as_user("hilda"), amend, form(title="New", reason="Because")))
    to_login(client.get(amend), amend)
    assert s.fresh(decision).title == TITLE


# ---------------------------------------------------------------- "we did" and Lundy


def test_publishing_we_did(s, client):
    decision = s.record(follow_up_on=(clock_module.now().date()
                                      + timedelta(days=7)).isoformat())
    path = f"/decisions/{decision.id}/publish"
    forbidden(send(s.as_user("sam"), path, {"we_did": "Hi"}))
    not_found(send(s.as_user("hilda"), path, {"we_did": "Hi"}))
    to_login(send(client, path, {"we_did": "Hi"}), path)

    jade = s.as_user("jade")
    empty = send(jade, path, {"we_did": "  ", "follow_up_on": "soon"})
    assert empty.status_code == 422
    assert set(field_errors(empty)) == {"we_did", "follow_up_on"}
    assert value(empty, "follow_up_on") == "soon"

    done = send(jade, path, {"we_did": "The stop moves in September.", "follow_up_on": ""})
    assert done.status_code == 303
    soup = page(s.as_user("sam").get(done.headers["location"]))
    assert text(soup, ".we-did") == "The stop moves in September."
    assert feed_of(s.db, s.campaign)[-1][0] == "decision"
    feed = page(s.as_user("sam").get(f"/campaigns/{s.id}"))
    first = feed.select_one("#feed-list li")
    assert first is not None and "shared what was done about a decision" in first.get_text()
    assert "The stop moves in September." in first.get_text()
    # Published once only.
    forbidden(send(jade, path, {"we_did": "Again"}))


def test_a_lundy_check_from_the_decision_page(s, client):
    decision = s.record()
    path = f"/decisions/{decision.id}/lundy"
    forbidden(send(s.as_user("sam"), path, {"lundy_space": "yes"}))
    not_found(send(s.as_user("hilda"), path, {"lundy_space": "yes"}))
    to_login(send(client, path, {"lundy_space": "yes"}), path)

    worker = s.as_user("worker")
    bad = send(worker, path, {"lundy_audience": "perhaps", "lundy_space_note": "Quiet room"})
    assert bad.status_code == 422
    assert field_error(bad, "lundy_audience") == "Say yes, no, or leave Audience unanswered."
    assert value(bad, "lundy_space_note") == "Quiet room"

    done = send(worker, path, {"lundy_space": "yes", "lundy_space_note": "Quiet room",
                               "lundy_influence": "no"})
    assert done.status_code == 303
    soup = page(worker.get(done.headers["location"]))
    assert text(soup, "#lundy-space") == "Yes · Quiet room"
    assert text(soup, "#lundy-influence") == "No"
    s.do(decisions.confirm_decision, "worker", decision_id=decision.id)
    forbidden(send(worker, path, {"lundy_space": "no"}), decisions.CONFIRMED)


# ---------------------------------------------------------------- overdue


def test_overdue_decisions_are_listed_for_youth_workers(s, client, clock):
    today = clock.now().date()
    due = s.record(follow_up_on=(today + timedelta(days=2)).isoformat())
    s.record(title="Told already", follow_up_on=(today + timedelta(days=2)).isoformat())
    told = decisions_of(s.db, s.campaign)[-1]
    s.do(decisions.publish_we_did, "jade", decision_id=told.id, we_did="Done.")
    clock.advance(5 * 86400)

    response = s.as_user("admin").get("/decisions/overdue")
    assert response.status_code == 200
    rows = page(response).select("table.overdue tbody tr")
    assert len(rows) == 1
    cells = [td.get_text(" ", strip=True) for td in rows[0].select("td")]
    assert cells[0] == s.campaign.title and cells[1] == TITLE
    assert cells[3] == "3 days"
    assert rows[0].select_one(f'a[href="/decisions/{due.id}"]') is not None

    forbidden(s.as_user("jade").get("/decisions/overdue"))
    to_login(client.get("/decisions/overdue"), "/decisions/overdue")
    other = s.as_user("hilda").get("/decisions/overdue")
    assert other.status_code == 200 and TITLE not in other.text
    # The evidence page says how many are overdue, and links to them.
    notice = page(s.as_user("worker").get("/evidence")).select_one("#overdue-notice")
    assert notice is not None and notice.get_text(" ", strip=True).startswith(
        "1 decision is past its follow-up date")
    assert notice.select_one('a[href="/decisions/overdue"]') is not None
    clock.advance(-5 * 86400)
    assert page(s.as_user("worker").get("/evidence")).select_one("#overdue-notice") is None
