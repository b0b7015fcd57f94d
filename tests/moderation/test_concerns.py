""""I'm worried about something": a young person's private safeguarding concern, raised from a
campaign, seen and closed by youth workers, and never shown to anyone else: not on the campaign
page, not in the discussion, not in the live events, not in the (exportable) audit log."""

import json
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from sqlmodel import SQLModel, col, select

from server.accounts import people, sessions
from server.audit import AuditEntry
from server.campaigns.models import Campaign, Comment, FeedItem
from server.errors import InvalidInput, NotAllowed, NotFound
from server.live import events
from server.live.events import Event
from server.moderation import concerns
from server.moderation.models import Concern
from tests.accounts.helpers import heading, location, text, viewer_of
from tests.campaigns.pages import make_campaign, say
from tests.conftest import csrf_token, page, post

WORDS = "Someone keeps messaging me after the meetings and it scares me"
FORBIDDEN_TITLE = "You can't do that"
NOT_FOUND_TITLE = "We could not find that page"
STAFF_ONLY = "Only youth workers and organisation admins can see concerns."
YOUTH_WORKERS_ONLY = "This page is for youth workers and organisation admins."
TELL_US = "Tell us what is worrying you, in your own words."
CHOOSE_PERSON = "Choose someone from the list, or leave it as \"No one in particular\"."
NOTE_NEEDED = "Write a short note of what was done: other youth workers will read it."


def hx_post(client, url: str, data: dict[str, str] | None = None):
    """What htmx sends: the CSRF token in a header, and HX-Request."""
    return client.post(url, data=data or {}, headers={
        "HX-Request": "true", "X-CSRF-Token": csrf_token(client)})


def fragment(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def raise_(db, user, campaign: Campaign, words: str = WORDS, **extra: Any) -> Concern:
    with db.write() as session:
        return concerns.raise_concern(session, actor=viewer_of(db, user),
                                      campaign_id=campaign.id, text=words, **extra)


def see(db, user, concern: Concern) -> concerns.ConcernView:
    with db.write() as session:
        return concerns.mark_seen(session, actor=viewer_of(db, user), concern_id=concern.id)


def close(db, user, concern: Concern, note: str = "Talked to them and to their mum."):
    with db.write() as session:
        return concerns.close_concern(session, actor=viewer_of(db, user),
                                      concern_id=concern.id, outcome=note)


def open_list(db, user) -> list[concerns.ConcernView]:
    with db.read() as session:
        return concerns.open_concerns(session, actor=viewer_of(db, user))


def statuses(db, user) -> list[str]:
    with db.read() as session:
        return [m.status for m in concerns.my_concerns(session, actor=viewer_of(db, user))]


def stored(db) -> list[Concern]:
    with db.read() as session:
        return list(session.exec(select(Concern).order_by(col(Concern.id))))


def fresh_concern(db, concern: Concern) -> Concern:
    with db.read() as session:
        found = session.get(Concern, concern.id)
    assert found is not None
    return found


def audit_rows(db, action: str = "") -> list[AuditEntry]:
    query = select(AuditEntry).order_by(col(AuditEntry.id))
    if action:
        query = query.where(AuditEntry.action == action)
    with db.read() as session:
        return list(session.exec(query))


def snapshot(db) -> dict[str, list[dict[str, Any]]]:
    tables: list[type[SQLModel]] = [Concern, AuditEntry, Event]
    with db.read() as session:
        return {table.__name__: [row.model_dump() for row in session.exec(
            select(table).order_by(col(table.id)))]  # type: ignore[attr-defined]
            for table in tables}


def set_comment_state(db, comment_id: int, state: str) -> None:
    with db.write() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        comment.state = state
        session.add(comment)


def suspend(db, by, user) -> None:
    with db.write() as session:
        people.suspend(session, actor=viewer_of(db, by), user_id=user.id, reason="Testing")


def error_page(response, status: int, title: str, words: str) -> None:
    assert response.status_code == status
    assert heading(response) == title
    assert text(page(response), "main p") == words


@pytest.fixture
def hillside_campaign(db, riverside) -> Campaign:
    """A live campaign in the other organisation."""
    return make_campaign(db, riverside["outsider"], title="Hillside bus")


@pytest.fixture
def hillside_concern(db, riverside, hillside_campaign) -> Concern:
    return raise_(db, riverside["outsider"], hillside_campaign, "A Hillside worry")


# ---------------------------------------------------------------- raising a concern


def test_a_young_person_raises_a_concern_about_a_person_and_a_comment(db, riverside, sam,
                                                                     campaign):
    said = say(db, riverside["young"], campaign, "You lot are useless")
    with db.write() as session:
        concern = concerns.raise_concern(
            session, actor=viewer_of(db, sam), campaign_id=campaign.id,
            text=f"  {WORDS}\r\nPlease help.  ", comment_id=str(said["id"]),
            about_user_id=str(riverside["young"].id))
        announced = events.take_outbox(session)

    (row,) = stored(db)
    assert row.id == concern.id
    assert row.text == f"{WORDS}\nPlease help."
    assert (row.org_id, row.campaign_id, row.raised_by) == (
        riverside["org"].id, campaign.id, sam.id)
    assert (row.comment_id, row.about_user_id) == (said["id"], riverside["young"].id)
    assert row.urgent is True
    assert row.seen_at is None and row.closed_at is None
    # Only the organisation's consoles hear of it: nothing goes to the campaign room.
    assert announced.nudges == {riverside["org"].id}
    assert announced.events == [] and announced.kicks == []
    (entry,) = audit_rows(db, "concern.raised")
    assert (entry.org_id, entry.actor_id, entry.campaign_id) == (
        riverside["org"].id, sam.id, campaign.id)
    assert entry.reason == f"Concern {row.id}"
    assert entry.target_user_id is None and entry.comment_id is None


def test_a_concern_is_always_urgent_and_needs_no_person_or_comment(db, sam, campaign):
    concern = raise_(db, sam, campaign, "I feel unsafe walking home")
    assert concern.urgent is True
    assert (concern.comment_id, concern.about_user_id) == (None, None)


def test_an_under_13_waiting_for_agreement_can_still_raise_a_concern(db, riverside, campaign):
    child = riverside["child"]
    assert viewer_of(db, child).can_post is False
    concern = raise_(db, child, campaign, "Someone said something bad to me")
    assert fresh_concern(db, concern).raised_by == child.id


def test_staff_can_raise_one_too(db, riverside, campaign):
    concern = raise_(db, riverside["worker"], campaign, "I noticed something at the session")
    assert fresh_concern(db, concern).raised_by == riverside["worker"].id


def test_a_suspended_account_cannot_raise_a_concern(db, riverside, sam, campaign):
    actor = viewer_of(db, sam)  # as an API call already under way when it happened
    suspend(db, riverside["worker"], sam)
    with db.write() as session, pytest.raises(NotAllowed):
        concerns.raise_concern(session, actor=actor, campaign_id=campaign.id, text=WORDS)
    assert stored(db) == []


def test_another_organisations_campaign_looks_like_it_does_not_exist(db, riverside,
                                                                    hillside_campaign):
    with pytest.raises(NotFound):
        raise_(db, riverside["young"], hillside_campaign)
    with db.read() as session, pytest.raises(NotFound):
        concerns.worried_form(session, actor=viewer_of(db, riverside["young"]),
                              campaign_id=hillside_campaign.id)


@pytest.mark.parametrize(("typed", "message"), [
    ("", TELL_US),
    ("   \n\t ", TELL_US),
    ("x" * 2001, "Please keep it to 2,000 characters or fewer (it has 2,001)."),
])
def test_the_words_must_be_there_and_not_too_long(db, sam, campaign, typed, message):
    with pytest.raises(InvalidInput) as problem:
        raise_(db, sam, campaign, typed)
    assert problem.value.errors == {"text": message}
    assert stored(db) == [] and audit_rows(db, "concern.raised") == []


def test_two_thousand_characters_are_fine_and_invisible_characters_are_dropped(db, sam,
                                                                              campaign):
    concern = raise_(db, sam, campaign, "y" * 2000)
    assert len(concern.text) == 2000
    other = raise_(db, sam, campaign, "help\x00 me 👨\u200d👩\u200d👧")
    assert other.text == "help me 👨\u200d👩\u200d👧"


def test_the_person_must_be_active_in_the_campaign(db, riverside, sam, campaign):
    outsider_here = riverside["worker"]  # in the organisation, not in the campaign
    for who in (outsider_here.id, riverside["outsider"].id, sam.id, "nobody", 99999):
        with pytest.raises(InvalidInput) as problem:
            raise_(db, sam, campaign, about_user_id=who)
        assert problem.value.errors == {"about_user_id": CHOOSE_PERSON}
    assert stored(db) == []


def test_every_problem_is_reported_at_once(db, sam, campaign):
    with pytest.raises(InvalidInput) as problem:
        raise_(db, sam, campaign, "", about_user_id="someone")
    assert problem.value.errors == {"text": TELL_US, "about_user_id": CHOOSE_PERSON}


def test_a_comment_from_another_campaign_is_not_found(db, riverside, sam, campaign,
                                                      hillside_campaign):
    elsewhere = make_campaign(db, sam, title="Skate park")
    said = say(db, sam, elsewhere, "Over here")
    for comment_id in (said["id"], 99999, "abc"):
        with pytest.raises(NotFound):
            raise_(db, sam, campaign, comment_id=comment_id)
        with db.read() as session, pytest.raises(NotFound):
            concerns.worried_form(session, actor=viewer_of(db, sam), campaign_id=campaign.id,
                                  comment_id=comment_id)
    assert stored(db) == []


# ---------------------------------------------------------------- the form


def test_the_form_offers_the_campaigns_people_and_the_comment(db, riverside, sam, campaign):
    said = say(db, riverside["young"], campaign, "You lot are useless")
    with db.read() as session:
        form = concerns.worried_form(session, actor=viewer_of(db, sam), campaign_id=campaign.id,
                                     comment_id=said["id"])
    assert (form.campaign_id, form.title) == (campaign.id, campaign.title)
    assert [p.display_name for p in form.people] == ["Jade"]  # everyone else active in it
    assert form.comment is not None
    assert (form.comment.text, form.comment.author_name) == ("You lot are useless", "Jade")


def test_a_young_person_is_not_shown_the_words_of_a_comment_held_from_the_room(db, riverside,
                                                                              sam, campaign):
    said = say(db, riverside["young"], campaign, "Something held back")
    set_comment_state(db, said["id"], "held")
    with db.read() as session:
        hers = concerns.worried_form(session, actor=viewer_of(db, sam),
                                     campaign_id=campaign.id, comment_id=said["id"])
        worker = concerns.worried_form(session, actor=viewer_of(db, riverside["worker"]),
                                       campaign_id=campaign.id, comment_id=said["id"])
    assert hers.comment is not None and hers.comment.text == "" and not hers.comment.shown
    assert worker.comment is not None and worker.comment.text == "Something held back"


# ---------------------------------------------------------------- the young person's own list


def test_the_young_person_sees_how_far_their_concern_has_got(db, riverside, sam, campaign):
    concern = raise_(db, sam, campaign)
    assert statuses(db, sam) == ["Received"]
    see(db, riverside["worker"], concern)
    assert statuses(db, sam) == ["A youth worker has seen it"]
    close(db, riverside["worker"], concern)
    assert statuses(db, sam) == ["A youth worker has dealt with it"]
    assert statuses(db, riverside["young"]) == []  # only their own


# ---------------------------------------------------------------- youth workers


def test_open_concerns_put_unseen_ones_first_then_the_newest(db, clock, riverside, sam,
                                                              campaign, hillside_concern):
    first = raise_(db, sam, campaign, "First worry")
    clock.advance(60)
    second = raise_(db, riverside["young"], campaign, "Second worry",
                    about_user_id=sam.id)
    clock.advance(60)
    third = raise_(db, sam, campaign, "Third worry")
    clock.advance(60)
    done = raise_(db, sam, campaign, "Dealt with")
    see(db, riverside["worker"], third)
    close(db, riverside["admin"], done)

    found = open_list(db, riverside["worker"])

    assert [v.id for v in found] == [second.id, first.id, third.id]
    view = found[0]
    assert (view.text, view.raised_by_name, view.campaign_title, view.about_name) == (
        "Second worry", "Jade", campaign.title, "Sam")
    assert view.urgent and not view.seen
    assert found[2].seen_by_name == "Worker"
    assert [v.id for v in open_list(db, riverside["other_worker"])] == [hillside_concern.id]


def test_marking_seen_records_the_first_youth_worker_only(db, riverside, sam, campaign):
    concern = raise_(db, sam, campaign)
    with db.write() as session:
        view = concerns.mark_seen(session, actor=viewer_of(db, riverside["worker"]),
                                  concern_id=concern.id)
        announced = events.take_outbox(session)
    assert view.seen and view.seen_by_name == "Worker"
    assert announced.nudges == {riverside["org"].id} and announced.events == []
    again = see(db, riverside["admin"], concern)
    assert again.seen_by_name == "Worker"
    (entry,) = audit_rows(db, "concern.seen")
    assert (entry.actor_id, entry.campaign_id, entry.reason) == (
        riverside["worker"].id, campaign.id, f"Concern {concern.id}")


def test_closing_keeps_the_note_on_the_concern_not_in_the_audit_log(db, riverside, sam,
                                                                   campaign):
    concern = raise_(db, sam, campaign)
    note = "Spoke to Sam and called home. Referred to the safeguarding lead."
    with db.write() as session:
        view = concerns.close_concern(session, actor=viewer_of(db, riverside["worker"]),
                                      concern_id=concern.id, outcome=f"  {note}  ")
        announced = events.take_outbox(session)
    assert view.closed and view.outcome == note
    row = fresh_concern(db, concern)
    assert row.outcome == note and row.closed_by == riverside["worker"].id
    assert row.seen_by == riverside["worker"].id  # closing it means someone saw it
    assert announced.nudges == {riverside["org"].id}
    (entry,) = audit_rows(db, "concern.closed")
    assert entry.reason == f"Concern {concern.id}"
    assert open_list(db, riverside["worker"]) == []
    # Closing it again changes nothing.
    close(db, riverside["admin"], concern, "Something else")
    assert fresh_concern(db, concern).outcome == note
    assert len(audit_rows(db, "concern.closed")) == 1


@pytest.mark.parametrize(("typed", "message"), [
    ("", NOTE_NEEDED),
    ("z" * 2001, "Please keep the note to 2,000 characters or fewer (it has 2,001)."),
])
def test_closing_needs_a_note(db, riverside, sam, campaign, typed, message):
    concern = raise_(db, sam, campaign)
    with pytest.raises(InvalidInput) as problem:
        close(db, riverside["worker"], concern, typed)
    assert problem.value.errors == {"outcome": message}
    assert fresh_concern(db, concern).closed_at is None


def test_young_people_cannot_see_or_answer_concerns(db, riverside, sam, campaign):
    concern = raise_(db, sam, campaign)
    for action in (lambda: open_list(db, sam), lambda: see(db, sam, concern),
                   lambda: close(db, sam, concern)):
        with pytest.raises(NotAllowed) as problem:
            action()
        assert problem.value.message == STAFF_ONLY
    assert fresh_concern(db, concern).seen_at is None


def test_another_organisations_concern_is_not_found(db, riverside, hillside_concern):
    for action in (lambda: see(db, riverside["worker"], hillside_concern),
                   lambda: close(db, riverside["worker"], hillside_concern)):
        with pytest.raises(NotFound):
            action()
    with db.read() as session, pytest.raises(NotFound):
        concerns.get_concern(session, actor=viewer_of(db, riverside["admin"]),
                             concern_id=hillside_concern.id)
    row = fresh_concern(db, hillside_concern)
    assert row.seen_at is None and row.closed_at is None


# ---------------------------------------------------------------- pages: logged out


ROUTES = [("GET", "/campaigns/{campaign}/worried"), ("POST", "/campaigns/{campaign}/worried"),
          ("GET", "/worried/sent"), ("POST", "/concerns/{concern}/seen"),
          ("POST", "/concerns/{concern}/close")]


@pytest.mark.parametrize(("method", "pattern"), ROUTES)
def test_logged_out_people_are_sent_to_log_in(client, db, sam, campaign, method, pattern):
    concern = raise_(db, sam, campaign)
    url = pattern.format(campaign=campaign.id, concern=concern.id)
    before = snapshot(db)
    response = client.get(url) if method == "GET" else post(
        client, url, {"text": WORDS, "outcome": "Done"})
    assert response.status_code == 303
    assert location(response) == f"/login?next={url}"
    assert snapshot(db) == before


# ---------------------------------------------------------------- pages: raising one


def test_the_worried_page_has_the_form_with_the_people_and_the_comment(as_user, db, riverside,
                                                                       sam, campaign):
    said = say(db, riverside["young"], campaign, "You lot are useless")
    response = as_user("sam").get(f"/campaigns/{campaign.id}/worried?comment={said['id']}")

    assert response.status_code == 200
    soup = page(response)
    assert heading(response) == "I'm worried about something"
    assert "Only youth workers at Riverside Youth Club will see this." in soup.get_text()
    form = soup.select_one(f'main form[action="/campaigns/{campaign.id}/worried"]')
    assert form is not None and form["method"] == "post"
    assert text(form, 'label[for="f-text"]') == "What is worrying you?"
    assert [o.get_text() for o in form.select("#f-about_user_id option")] == [
        "No one in particular", "Jade"]
    assert form.select_one('input[name="comment_id"]')["value"] == str(said["id"])
    assert text(form, "blockquote") == "You lot are useless"
    assert "by Jade" in text(form, "figcaption")


def test_the_worried_page_without_a_comment(as_user, campaign):
    response = as_user("sam").get(f"/campaigns/{campaign.id}/worried?comment=nope")
    assert response.status_code == 200
    assert page(response).select_one('input[name="comment_id"]') is None


def test_the_worried_page_of_another_organisation_is_not_found(as_user, db, riverside,
                                                              hillside_campaign, campaign):
    browser = as_user("sam")
    response = browser.get(f"/campaigns/{hillside_campaign.id}/worried")
    error_page(response, 404, NOT_FOUND_TITLE, "We could not find that campaign.")
    elsewhere = say(db, riverside["outsider"], hillside_campaign, "Hillside chat")
    response = browser.get(f"/campaigns/{campaign.id}/worried?comment={elsewhere['id']}")
    error_page(response, 404, NOT_FOUND_TITLE, "We could not find that comment in this campaign.")


def test_raising_a_concern_without_javascript_leads_to_the_received_page(as_user, db, riverside,
                                                                          sam, campaign):
    browser = as_user("sam")
    response = post(browser, f"/campaigns/{campaign.id}/worried",
                    {"text": WORDS, "about_user_id": str(riverside["young"].id)})

    assert response.status_code == 303
    assert location(response) == "/worried/sent"
    (row,) = stored(db)
    assert (row.text, row.about_user_id, row.raised_by) == (WORDS, riverside["young"].id, sam.id)

    sent = browser.get("/worried/sent")
    assert sent.status_code == 200
    soup = page(sent)
    assert heading(sent) == "Thank you for telling us"
    assert "A youth worker at Riverside Youth Club will look at it soon." in text(
        soup, '[role="status"]')
    danger = text(soup, 'section[aria-labelledby="danger-h"]')
    assert "999" in danger and "0800 1111" in danger and "childline.org.uk" in danger
    assert [t.get_text() for t in soup.select(".my-concerns .status")] == ["Received"]


def test_raising_a_concern_with_htmx_answers_with_the_received_message(as_user, db, sam,
                                                                       campaign):
    response = hx_post(as_user("sam"), f"/campaigns/{campaign.id}/worried", {"text": WORDS})

    assert response.status_code == 200
    part = fragment(response)
    box = part.select_one("details#worried")
    assert box is not None and box.has_attr("open")
    assert "We have received it" in text(box, '[role="status"]')
    assert box.select_one("form") is None
    assert "999" in box.get_text()
    assert len(stored(db)) == 1


def test_bad_input_without_javascript_shows_the_form_again_with_the_words_kept(
        as_user, db, riverside, sam, campaign):
    said = say(db, riverside["young"], campaign, "You lot are useless")
    long = "I am worried. " * 150
    response = post(as_user("sam"), f"/campaigns/{campaign.id}/worried",
                    {"text": long, "about_user_id": str(riverside["young"].id),
                     "comment_id": str(said["id"])})

    assert response.status_code == 422
    soup = page(response)
    assert text(soup, "#f-text-error").startswith("Please keep it to 2,000 characters")
    assert soup.select_one("#f-text").get_text() == long
    assert soup.select_one("#f-about_user_id option[selected]")["value"] == str(
        riverside["young"].id)
    assert soup.select_one('input[name="comment_id"]')["value"] == str(said["id"])
    assert soup.select_one('.error-summary a[href="#f-text"]') is not None
    assert stored(db) == []


def test_a_person_not_in_the_campaign_is_refused_by_the_field(as_user, db, riverside, campaign):
    response = post(as_user("sam"), f"/campaigns/{campaign.id}/worried",
                    {"text": WORDS, "about_user_id": str(riverside["outsider"].id)})
    assert response.status_code == 422
    soup = page(response)
    assert text(soup, "#f-about_user_id-error") == CHOOSE_PERSON
    assert soup.select_one("#f-text").get_text() == WORDS
    assert stored(db) == []


def test_bad_input_with_htmx_answers_with_the_part_again(as_user, db, campaign):
    response = hx_post(as_user("sam"), f"/campaigns/{campaign.id}/worried", {"text": "  "})
    assert response.status_code == 422
    part = fragment(response)
    assert text(part, "#worried-text-error") == TELL_US
    assert part.select_one("#worried-text")["aria-invalid"] == "true"
    assert part.select_one("details#worried").has_attr("open")
    assert part.select_one("#worried-about") is None  # it had no person list: still none
    assert stored(db) == []

    typed = "w" * 2001
    response = hx_post(as_user("sam"), f"/campaigns/{campaign.id}/worried",
                       {"text": typed, "about_user_id": ""})
    part = fragment(response)
    assert part.select_one("#worried-text").get_text() == typed
    assert [o.get_text() for o in part.select("#worried-about option")] == [
        "No one in particular", "Jade"]


def test_posting_to_another_organisations_campaign_is_not_found(as_user, db, riverside, sam,
                                                               hillside_campaign,
                                                               hillside_concern):
    before = snapshot(db)
    response = post(as_user("sam"), f"/campaigns/{hillside_campaign.id}/worried",
                    {"text": WORDS})
    error_page(response, 404, NOT_FOUND_TITLE, "We could not find that campaign.")
    assert snapshot(db) == before


def test_an_under_13_without_agreement_can_raise_one_from_the_page(as_user, db, riverside,
                                                                   campaign):
    browser = as_user("milo")
    assert browser.get(f"/campaigns/{campaign.id}/worried").status_code == 200
    response = post(browser, f"/campaigns/{campaign.id}/worried", {"text": WORDS})
    assert response.status_code == 303
    (row,) = stored(db)
    assert row.raised_by == riverside["child"].id


def test_the_received_page_before_telling_us_anything(as_user, sam):
    response = as_user("sam").get("/worried/sent")
    assert response.status_code == 200
    assert heading(response) == "Worried about something?"
    assert page(response).select(".my-concerns li") == []


def test_the_received_page_lists_only_your_own_concerns(as_user, db, riverside, sam, campaign):
    raise_(db, riverside["young"], campaign, "Jade's private worry")
    mine = raise_(db, sam, campaign, "Sam's worry")
    see(db, riverside["worker"], mine)
    response = as_user("sam").get("/worried/sent")
    soup = page(response)
    assert [t.get_text() for t in soup.select(".my-concerns .status")] == [
        "A youth worker has seen it"]
    assert "Jade's private worry" not in response.text


# ---------------------------------------------------------------- pages: youth workers


def item(part: BeautifulSoup | Tag, concern: Concern) -> Tag:
    found = part.select_one(f"li#concern-{concern.id}")
    assert found is not None
    return found


def test_a_youth_worker_says_they_are_dealing_with_it(as_user, db, riverside, sam, campaign):
    concern = raise_(db, sam, campaign)
    browser = as_user("worker")

    response = post(browser, f"/concerns/{concern.id}/seen")
    assert response.status_code == 303
    assert location(response) == "/moderation"
    assert fresh_concern(db, concern).seen_by == riverside["worker"].id


def test_dealing_with_it_over_htmx_redraws_the_concern(as_user, db, sam, campaign):
    concern = raise_(db, sam, campaign)
    response = hx_post(as_user("worker"), f"/concerns/{concern.id}/seen")
    assert response.status_code == 200
    box = item(fragment(response), concern)
    assert "Being dealt with" in text(box, ".tags")
    assert "Worker" in box.get_text()
    assert box.select_one(".seen-form") is None  # said once
    assert box.select_one(".close-form textarea[name=outcome]") is not None


def test_a_youth_worker_closes_it_with_a_note(as_user, db, sam, campaign):
    concern = raise_(db, sam, campaign)
    response = post(as_user("admin"), f"/concerns/{concern.id}/close",
                    {"outcome": "Called home; all OK."})
    assert response.status_code == 303
    assert location(response) == "/moderation"
    assert fresh_concern(db, concern).outcome == "Called home; all OK."


def test_closing_over_htmx_redraws_the_concern_as_closed(as_user, db, sam, campaign):
    concern = raise_(db, sam, campaign)
    response = hx_post(as_user("worker"), f"/concerns/{concern.id}/close",
                       {"outcome": "Called home; all OK."})
    assert response.status_code == 200
    box = item(fragment(response), concern)
    assert "Closed" in text(box, ".tags")
    assert text(box, ".outcome") == "Called home; all OK."
    assert box.select("form") == []


def test_closing_without_a_note_keeps_the_words_and_says_why(as_user, db, sam, campaign):
    concern = raise_(db, sam, campaign)
    browser = as_user("worker")
    field = f"concern-{concern.id}-outcome"

    response = post(browser, f"/concerns/{concern.id}/close", {"outcome": "   "})
    assert response.status_code == 422
    soup = page(response)
    assert heading(response) == "Close a concern"
    assert text(soup, f"#{field}-error") == NOTE_NEEDED
    assert soup.select_one(f'.error-summary a[href="#{field}"]') is not None

    typed = "n" * 2001
    response = hx_post(browser, f"/concerns/{concern.id}/close", {"outcome": typed})
    assert response.status_code == 422
    box = item(fragment(response), concern)
    assert text(box, f"#{field}-error").startswith("Please keep the note to 2,000")
    assert box.select_one(f"#{field}").get_text() == typed
    assert box.select_one(f"#{field}")["aria-invalid"] == "true"
    assert fresh_concern(db, concern).closed_at is None


@pytest.mark.parametrize("action", ["seen", "close"])
def test_a_young_person_cannot_answer_a_concern(as_user, db, sam, campaign, action):
    concern = raise_(db, sam, campaign)
    before = snapshot(db)
    response = post(as_user("sam"), f"/concerns/{concern.id}/{action}", {"outcome": "Done"})
    error_page(response, 403, FORBIDDEN_TITLE, YOUTH_WORKERS_ONLY)
    assert snapshot(db) == before


@pytest.mark.parametrize("action", ["seen", "close"])
def test_another_organisations_concern_is_not_found_on_the_pages(as_user, db, hillside_concern,
                                                                 action):
    before = snapshot(db)
    response = post(as_user("worker"), f"/concerns/{hillside_concern.id}/{action}",
                    {"outcome": "Done"})
    error_page(response, 404, NOT_FOUND_TITLE, "We could not find that concern.")
    assert snapshot(db) == before


# ---------------------------------------------------------------- the parts others include


def render(app, template: str, **context: Any) -> BeautifulSoup:
    env = app.state.runtime.templates
    html = env.get_template(template).render(csrf_token="token", **context)
    return BeautifulSoup(html, "html.parser")


def test_the_console_section_lists_open_concerns_marked_urgent(app, db, riverside, sam,
                                                               campaign):
    said = say(db, riverside["young"], campaign, "You lot are useless")
    concern = raise_(db, sam, campaign, comment_id=said["id"],
                     about_user_id=riverside["young"].id)
    soup = render(app, "moderation/_concerns.html", concerns=open_list(db, riverside["worker"]))

    section = soup.select_one("section#concerns")
    assert section is not None
    box = item(section, concern)
    assert "Urgent" in [t.get_text() for t in box.select(".tag")]
    assert text(box, ".concern-text") == WORDS
    assert "Sam" in text(box, "h3")
    facts = text(box, "dl")
    assert campaign.title in facts and "Jade" in facts and "You lot are useless" in facts
    assert text(box, ".seen-form button") == "I'm dealing with it"
    assert text(box, ".close-form button") == "Close with a note"
    assert box.select_one(".close-form textarea[name=outcome]").has_attr("required")
    assert box.select_one('.seen-form input[name="csrf_token"]')["value"] == "token"


def test_the_console_section_when_nothing_is_open(app):
    soup = render(app, "moderation/_concerns.html", concerns=[])
    assert text(soup, "section#concerns p:not(.hint)") == "No open concerns."


def test_the_campaign_page_part_without_a_person_list_links_to_the_full_page(app, db, sam,
                                                                             campaign):
    soup = render(app, "moderation/_worried.html", c=campaign, viewer=viewer_of(db, sam))
    box = soup.select_one("details#worried")
    assert box is not None and not box.has_attr("open")
    assert text(box, "summary") == "I'm worried about something"
    assert "Only youth workers at Riverside Youth Club will see this." in box.get_text()
    form = box.select_one("form")
    assert form["action"] == form["hx-post"] == f"/campaigns/{campaign.id}/worried"
    assert form["method"] == "post" and form["hx-target"] == "#worried"
    assert box.select_one("select") is None
    assert box.select_one(f'a[href="/campaigns/{campaign.id}/worried"]') is not None


def test_the_campaign_page_part_with_a_person_list_leaves_out_the_viewer(app, db, riverside,
                                                                         sam, campaign):
    everyone = [concerns.NamedPerson(riverside["young"].id, "Jade"),
                concerns.NamedPerson(sam.id, "Sam")]
    soup = render(app, "moderation/_worried.html", c=campaign, viewer=viewer_of(db, sam),
                  worried_people=everyone)
    assert [o.get_text() for o in soup.select("#worried-about option")] == [
        "No one in particular", "Jade"]
    assert soup.select_one(f'a[href="/campaigns/{campaign.id}/worried"]') is None


# ---------------------------------------------------------------- it stays private


def test_the_words_never_reach_other_members_the_room_or_the_audit_log(
        as_user, client, db, riverside, sam, campaign):
    say(db, riverside["young"], campaign, "Hello all")
    events_before = snapshot(db)["Event"]
    feed_before = feed(db, campaign)
    concern = raise_(db, sam, campaign, about_user_id=riverside["young"].id)

    # Nothing in the campaign room: no events, nothing in its feed.
    assert snapshot(db)["Event"] == events_before
    assert feed(db, campaign) == feed_before
    # The audit log (which can be exported) never holds the words or who it is about.
    for entry in audit_rows(db):
        dumped = json.dumps(entry.model_dump(), default=str)
        assert WORDS not in dumped
    (raised,) = audit_rows(db, "concern.raised")
    assert raised.target_user_id is None
    # Another member's campaign page and the discussion API show none of it.
    jade = as_user("jade")
    shown = jade.get(f"/campaigns/{campaign.id}")
    assert shown.status_code == 200 and WORDS not in shown.text
    assert WORDS not in jade.get("/worried/sent").text
    with db.write() as session:
        token = sessions.create_api_token(session, user_id=riverside["young"].id)
    api = client.get(f"/api/v1/campaigns/{campaign.id}/comments",
                     headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and "Hello all" in api.text
    assert WORDS not in api.text
    # Youth workers do see it.
    assert [v.id for v in open_list(db, riverside["worker"])] == [concern.id]


def feed(db, campaign: Campaign) -> list[tuple[str, str]]:
    with db.read() as session:
        return [(f.kind, f.text) for f in session.exec(
            select(FeedItem).where(FeedItem.campaign_id == campaign.id))]
