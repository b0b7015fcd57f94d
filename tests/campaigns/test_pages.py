"""The campaign pages a young person and a youth worker use: the list, starting a campaign with
a TEAM goal, changing it, going live, the campaign page, progress, the plan, the people with
power, ending and archiving, facilitating, and "My campaigns" on the home page."""

import pytest

from server.accounts import people
from server.campaigns.models import Campaign
from tests.accounts.helpers import (
    alert,
    field_error,
    field_errors,
    heading,
    location,
    text,
    viewer_of,
)
from tests.campaigns.pages import (
    EXACT,
    FIRST_STEP,
    ISSUE,
    MEASURE_WHAT,
    TITLE,
    actions_of,
    add_stakeholder,
    add_step,
    archive,
    audit_of,
    campaigns_titled,
    card_titles,
    facilitate,
    feed_of,
    forbidden,
    form_value,
    fresh_campaign,
    future,
    goal_form,
    join,
    last_seen,
    letter_hints,
    letters,
    make_campaign,
    message,
    no_look_alikes,
    not_found,
    past,
    post_update,
    readings_of,
    record_consent,
    role_of,
    shown_code,
    snapshot,
    stakeholders_of,
    steps_of,
)
from tests.conftest import page, post

ALL_MET = {"T": True, "E": True, "A": True, "M": True}
LEADS_ONLY = "Only the campaign's leads can do that."
GOAL_LEADS_ONLY = "Only the campaign's leads can change its goal."
NEEDS_AGREEMENT = ("A youth worker needs to record a parent's or carer's agreement before you "
                   "can start a campaign.")
STAFF_DONT_START = ("Campaigns are started by young people. Youth workers join them as "
                    "facilitators.")
LONG = "x" * 10_000


@pytest.fixture
def draft(db, riverside) -> Campaign:
    """Jade's draft with no measure yet."""
    return make_campaign(db, riverside["young"], live=False, title="Bus passes",
                         measure_what="", measure_target="")


# Logged out ---------------------------------------------------------------------------------

GETS = ["/campaigns", "/campaigns/new", "/campaigns/{id}", "/campaigns/{id}/edit"]
POSTS = ["/campaigns/new", "/campaigns/{id}/edit", "/campaigns/{id}/live",
         "/campaigns/{id}/end", "/campaigns/{id}/archive", "/campaigns/{id}/progress",
         "/campaigns/{id}/steps", "/campaigns/{id}/steps/{step}",
         "/campaigns/{id}/steps/{step}/remove", "/campaigns/{id}/stakeholders",
         "/campaigns/{id}/stakeholders/{sh}", "/campaigns/{id}/stakeholders/{sh}/remove",
         "/campaigns/{id}/facilitate"]


@pytest.mark.parametrize("method, pattern", [("GET", p) for p in GETS]
                         + [("POST", p) for p in POSTS])
def test_logged_out_people_are_sent_to_log_in(client, db, riverside, campaign, method,
                                              pattern):
    stakeholder = add_stakeholder(db, riverside["young"], campaign)
    url = pattern.format(id=campaign.id, step=steps_of(db, campaign)[0].id, sh=stakeholder.id)
    before = snapshot(db)

    response = client.get(url) if method == "GET" else post(client, url, {"title": "Hi"})

    assert response.status_code == 303
    assert location(response) == f"/login?next={url}"
    assert snapshot(db) == before


# /campaigns ---------------------------------------------------------------------------------


def test_young_person_sees_their_campaigns_and_the_others(as_user, db, riverside, sam,
                                                          make_user):
    mine = make_campaign(db, riverside["young"], title="Safe way to college")
    make_campaign(db, sam, title="Better youth club hours")
    make_campaign(db, sam, live=False, title="Sam's secret draft")
    make_campaign(db, riverside["outsider"], title="Hillside homework club")
    join(db, sam, mine)

    response = as_user("jade").get("/campaigns")

    assert response.status_code == 200
    assert heading(response) == "Campaigns"
    assert card_titles(response, "mine") == ["Safe way to college"]
    assert card_titles(response, "others") == ["Better youth club hours"]
    assert page(response).select_one("#archived") is None
    card = page(response).select_one(".campaign-card")
    assert "You are lead · 2 people" in card.get_text(" ", strip=True)
    assert card["href"] == f"/campaigns/{mine.id}"
    assert page(response).select_one('a[href="/campaigns/new"]') is not None


def test_staff_see_every_campaign_and_the_archived_ones(as_user, db, riverside, sam):
    make_campaign(db, riverside["young"], title="Safe way to college")
    make_campaign(db, sam, live=False, title="A draft")
    old = make_campaign(db, sam, title="Old campaign")
    archive(db, riverside["worker"], old)

    response = as_user("worker").get("/campaigns")

    assert response.status_code == 200
    assert card_titles(response, "mine") == []
    assert sorted(card_titles(response, "others")) == ["A draft", "Safe way to college"]
    assert card_titles(response, "archived") == ["Old campaign"]
    # Youth workers join campaigns; they do not start them.
    assert page(response).select_one('a[href="/campaigns/new"]') is None
    # Young people no longer see an archived campaign.
    assert "Old campaign" not in as_user("jade").get("/campaigns").text


def test_an_under_13_without_agreement_can_read_but_is_told_why_they_cannot_start(
        as_user, db, riverside):
    make_campaign(db, riverside["young"])

    response = as_user("milo").get("/campaigns")

    assert response.status_code == 200
    assert card_titles(response, "others") == [TITLE]
    assert page(response).select_one('a[href="/campaigns/new"]') is None
    assert "a parent or carer has said yes" in text(page(response), "p.notice")


# /campaigns/new -----------------------------------------------------------------------------


def test_the_start_form_explains_team_goals(as_user, riverside):
    response = as_user("jade").get("/campaigns/new")

    assert response.status_code == 200
    assert heading(response) == "Start a campaign"
    soup = page(response)
    assert soup.select_one("main form")["action"] == "/campaigns/new"
    assert [text(legend, ".letter") for legend in soup.select("legend")] == ["T", "E", "A", "M"]
    assert form_value(response, "title") == ""
    assert [field["name"] for field in soup.select('input[name^="step_"]')] == [
        "step_0", "step_1", "step_2"]
    buttons = {b["value"]: b.get_text(strip=True) for b in soup.select('button[name="action"]')}
    assert buttons == {"publish": "Save and go live", "draft": "Save as a draft"}


@pytest.mark.parametrize("username, words", [("milo", NEEDS_AGREEMENT),
                                             ("worker", STAFF_DONT_START),
                                             ("admin", STAFF_DONT_START)])
def test_who_cannot_start_a_campaign_is_told_why(as_user, db, riverside, username, words):
    browser = as_user(username)

    forbidden(browser.get("/campaigns/new"), words)
    forbidden(post(browser, "/campaigns/new", goal_form(action="publish")), words)
    assert campaigns_titled(db, TITLE) == []
    assert actions_of(db) == []


def test_an_under_13_can_start_one_once_a_parent_has_agreed(as_user, db, riverside):
    record_consent(db, riverside["worker"], riverside["child"])
    browser = as_user("milo")

    assert browser.get("/campaigns/new").status_code == 200
    response = post(browser, "/campaigns/new", goal_form(action="draft"))
    assert response.status_code == 303
    [made] = campaigns_titled(db, TITLE)
    assert role_of(db, made, riverside["child"]) == "lead"


# POST /campaigns/new ------------------------------------------------------------------------


def test_saving_a_draft_with_parts_missing(as_user, db, riverside):
    jade = riverside["young"]
    browser = as_user("jade")

    response = post(browser, "/campaigns/new", {
        "title": "  Bus passes ", "issue": "Buses cost too much", "step_0": "Ask the council",
        "step_1": "", "step_2": "", "action": "draft"})

    assert response.status_code == 303
    [made] = campaigns_titled(db, "Bus passes")
    assert location(response) == f"/campaigns/{made.id}?saved=1"
    assert (made.status, made.org_id, made.issue, made.deadline) == (
        "draft", riverside["org"].id, "Buses cost too much", None)
    assert role_of(db, made, jade) == "lead"
    assert [(s.text, s.owner_id) for s in steps_of(db, made)] == [("Ask the council", jade.id)]
    [entry] = audit_of(db, made)
    assert (entry.action, entry.actor_id, entry.org_id) == (
        "campaign.created", jade.id, riverside["org"].id)

    shown = browser.get(location(response))
    assert text(page(shown), '.notice[role="status"]') == "Saved."
    assert letters(shown) == {"T": False, "E": False, "A": True, "M": False}
    hints = letter_hints(shown)
    assert hints["T"] == "Add a date: goals need a deadline."
    assert hints["M"] == ("Add a measure: what will you count, and what number are you "
                          "aiming for?")
    assert text(page(shown), "#goal-h ~ p.hint") == "To go live, every letter needs a tick."


def test_publishing_a_complete_goal_goes_live_with_a_code(as_user, db, riverside):
    browser = as_user("jade")

    response = post(browser, "/campaigns/new", goal_form(action="publish"))

    assert response.status_code == 303
    [made] = campaigns_titled(db, TITLE)
    assert location(response) == f"/campaigns/{made.id}?live=1"
    assert made.status == "live" and made.live_at is not None
    assert made.join_code and len(made.join_code) == 6 and no_look_alikes(made.join_code)
    assert (made.deadline.isoformat(), made.exact, made.measure_what, made.measure_target,
            made.measure_current) == (future(), EXACT, MEASURE_WHAT, 40.0, 5.0)
    assert actions_of(db, made) == ["campaign.created", "campaign.live"]

    shown = browser.get(location(response))
    assert "Your campaign is live!" in text(page(shown), '.notice[role="status"]')
    assert letters(shown) == ALL_MET
    code = shown_code(shown)
    assert code.replace("-", "") == made.join_code and code[3] == "-"


def test_publishing_with_the_m_missing_keeps_everything_as_a_draft(as_user, db, riverside):
    browser = as_user("jade")

    sent = post(browser, "/campaigns/new", goal_form(
        measure_what="", measure_target="", measure_unit="", action="publish"))

    # Saved, then shown at the draft's own address: reloading cannot make a second campaign.
    [made] = campaigns_titled(db, TITLE)
    assert sent.status_code == 303
    assert location(sent) == f"/campaigns/{made.id}/edit?publish=1"
    response = browser.get(location(sent))
    assert response.status_code == 200
    assert made.status == "draft" and made.join_code is None
    assert (made.issue, made.exact, made.deadline.isoformat()) == (ISSUE, EXACT, future())
    assert actions_of(db, made) == ["campaign.created"]
    soup = page(response)
    assert heading(response) == "Change the campaign"
    assert "Saved as a draft" in text(soup, '.notice[role="status"]')
    m_problem = "M: Add a measure: what will you count, and what number are you aiming for?"
    assert field_errors(response) == {"measure_what": m_problem}
    assert field_error(response, "measure_what") == m_problem
    assert m_problem in alert(response)
    assert letters(response) == {"T": True, "E": True, "A": True, "M": False}
    # What was typed is on the form, which now changes the saved draft (no second campaign).
    assert soup.select_one("main form")["action"] == f"/campaigns/{made.id}/edit"
    assert (form_value(response, "title"), form_value(response, "deadline"),
            form_value(response, "exact"), form_value(response, "issue")) == (
        TITLE, future(), EXACT, ISSUE)
    assert [li.get_text(" ", strip=True) for li in soup.select("#f-steps ol.steps li")] == [
        f"{FIRST_STEP} (Jade)"]

    # Fixing the M and publishing again takes it live.
    fixed = post(browser, f"/campaigns/{made.id}/edit", goal_form(action="publish", step_0=""))
    assert fixed.status_code == 303
    assert location(fixed) == f"/campaigns/{made.id}?live=1"
    assert fresh_campaign(db, made.id).status == "live"
    assert len(steps_of(db, made)) == 1
    assert len(campaigns_titled(db, TITLE)) == 1


def _published(browser, url: str, data: dict[str, str]):
    """Sends a form with "Save and go live" and follows it to the page it leads to."""
    sent = post(browser, url, data)
    assert sent.status_code == 303
    return browser.get(location(sent))


def test_publishing_without_a_date_says_goals_need_a_deadline(as_user, db, riverside):
    browser = as_user("jade")
    response = _published(browser, "/campaigns/new", goal_form(deadline="", action="publish"))

    assert field_error(response, "deadline") == "T: Add a date: goals need a deadline."
    assert letters(response) == {"T": False, "E": True, "A": True, "M": True}


def test_publishing_without_a_plan_or_exact_names_both_letters(as_user, db, riverside):
    response = _published(as_user("jade"), "/campaigns/new",
                          goal_form(exact="", step_0="", action="publish"))

    assert field_errors(response) == {
        "exact": "E: Say exactly what will be different when you have done it, in one or two "
                 "sentences.",
        "steps": "A: Add a step to your plan: what will you do first, and who will do it?"}


@pytest.mark.parametrize("field, typed, error", [
    ("deadline", past(), "The deadline must be a date in the future."),
    ("deadline", "next summer", "Give the deadline as a date, like 2027-03-31."),
    ("measure_target", "lots", "The target must be a number, like 20."),
    ("measure_current", "1e999", "The value now must be a number, like 20."),
    ("title", "   ", "Give your campaign a title."),
    ("title", "x" * 121, "Keep the title to 120 characters or fewer (it has 121)."),
    ("issue", LONG, "Keep the issue in your own words to 2,000 characters or fewer "
                    "(it has 10,000)."),
    ("exact", LONG, "Keep what exactly will be different to 400 characters or fewer "
                    "(it has 10,000)."),
    ("step_1", "y" * 201, "Keep a step to 200 characters or fewer (it has 201)."),
])
def test_bad_input_on_the_start_form_is_shown_by_its_field_and_saves_nothing(
        as_user, db, riverside, field, typed, error):
    response = post(as_user("jade"), "/campaigns/new",
                    goal_form(**{field: typed}, action="publish"))

    assert response.status_code == 422
    assert heading(response) == "Start a campaign"
    assert field_errors(response) == {field: error}
    assert field_error(response, field) == error
    assert error in alert(response)
    # Everything typed is still there.
    assert form_value(response, field) == typed
    assert form_value(response, "exact") == (typed if field == "exact" else EXACT)
    assert form_value(response, "step_0") == FIRST_STEP
    assert page(response).select_one("main form")["action"] == "/campaigns/new"
    assert snapshot(db)["campaigns"] == []
    assert actions_of(db) == []


# /campaigns/{id}/edit -------------------------------------------------------------------------


def test_the_lead_sees_the_goal_form_filled_in(as_user, db, riverside, campaign):
    response = as_user("jade").get(f"/campaigns/{campaign.id}/edit")

    assert response.status_code == 200
    assert heading(response) == "Change the campaign"
    assert (form_value(response, "title"), form_value(response, "deadline"),
            form_value(response, "measure_target"), form_value(response, "measure_current"),
            form_value(response, "exact")) == (TITLE, future(), "40", "5", EXACT)
    assert letters(response) == ALL_MET
    # A live campaign is changed, not published again.
    buttons = [b["value"] for b in page(response).select('button[name="action"]')]
    assert buttons == ["save"]


def test_changing_the_goal_and_adding_steps(as_user, db, riverside, campaign):
    jade = riverside["young"]
    response = post(as_user("jade"), f"/campaigns/{campaign.id}/edit", goal_form(
        title="Safe and on time", measure_target="1,200", step_0="Meet the bus company",
        action="save"))

    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}?saved=1"
    saved = fresh_campaign(db, campaign.id)
    assert (saved.title, saved.measure_target, saved.status) == ("Safe and on time", 1200.0,
                                                                 "live")
    assert [(s.text, s.owner_id) for s in steps_of(db, campaign)] == [
        (FIRST_STEP, jade.id), ("Meet the bus company", jade.id)]
    entry = audit_of(db, campaign)[-1]
    assert (entry.action, entry.actor_id, entry.campaign_id) == (
        "campaign.goal_changed", jade.id, campaign.id)
    assert entry.reason == "measure_target, title, steps"


@pytest.mark.parametrize("username", ["sam", "worker"])
def test_only_leads_change_the_goal(as_user, db, riverside, campaign, username):
    if username == "worker":
        facilitate(db, riverside["worker"], campaign)
    browser = as_user(username)
    before = snapshot(db)

    forbidden(browser.get(f"/campaigns/{campaign.id}/edit"), GOAL_LEADS_ONLY)
    forbidden(post(browser, f"/campaigns/{campaign.id}/edit",
                    goal_form(title="Taken over", action="save")), GOAL_LEADS_ONLY)
    assert snapshot(db) == before


def test_another_organisation_cannot_see_or_change_the_goal(as_user, db, riverside,
                                                            campaign):
    before = snapshot(db)
    for username in ("olu", "hilda"):
        browser = as_user(username)
        not_found(browser.get(f"/campaigns/{campaign.id}/edit"))
        not_found(post(browser, f"/campaigns/{campaign.id}/edit",
                        goal_form(title="Taken over", action="save")))
    assert snapshot(db) == before


def test_a_campaign_that_does_not_exist_isnot_found(as_user, riverside):
    not_found(as_user("jade").get("/campaigns/999999"))
    not_found(as_user("jade").get("/campaigns/999999/edit"))


@pytest.mark.parametrize("field, typed, error", [
    ("measure_target", "lots", "The target must be a number, like 20."),
    ("deadline", past(3), "The deadline must be a date in the future."),
    ("title", "", "Give your campaign a title."),
])
def test_bad_input_when_changing_the_goal_keeps_what_was_typed(as_user, db, riverside,
                                                               campaign, field, typed, error):
    before = snapshot(db)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/edit", goal_form(
        **{field: typed}, issue="A new issue I typed", action="save"))

    assert response.status_code == 422
    assert field_error(response, field) == error
    assert form_value(response, field) == typed
    assert form_value(response, "issue") == "A new issue I typed"
    assert snapshot(db) == before


def test_a_live_campaign_cannot_lose_a_letter(as_user, db, riverside, campaign):
    before = snapshot(db)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/edit",
                    goal_form(exact="", measure_what="", action="save"))

    assert response.status_code == 422
    assert field_errors(response) == {
        "exact": "E: Say exactly what will be different when you have done it, in one or two "
                 "sentences.",
        "measure_what": "M: Say what you will count, like \"students who feel safe getting to "
                        "college\"."}
    assert form_value(response, "exact") == ""
    assert snapshot(db) == before


def test_a_young_person_cannot_open_someone_elses_draft(as_user, db, riverside, sam, draft):
    not_found(as_user("sam").get(f"/campaigns/{draft.id}"))
    not_found(as_user("sam").get(f"/campaigns/{draft.id}/edit"))
    # Staff can see it.
    assert as_user("worker").get(f"/campaigns/{draft.id}").status_code == 200


# POST /campaigns/{id}/live --------------------------------------------------------------------


def test_going_live_from_the_campaign_page(as_user, db, riverside):
    made = make_campaign(db, riverside["young"], live=False)
    browser = as_user("jade")
    assert page(browser.get(f"/campaigns/{made.id}")).select_one(
        f'form[action="/campaigns/{made.id}/live"]') is not None

    response = post(browser, f"/campaigns/{made.id}/live")

    assert response.status_code == 303
    assert location(response) == f"/campaigns/{made.id}?live=1"
    live = fresh_campaign(db, made.id)
    assert live.status == "live" and no_look_alikes(live.join_code or "")
    assert actions_of(db, made) == ["campaign.created", "campaign.live"]
    assert ("live", "") in feed_of(db, made)


def test_going_live_with_a_letter_missing_names_it(as_user, db, riverside, draft):
    before = snapshot(db)

    response = post(as_user("jade"), f"/campaigns/{draft.id}/live")

    assert response.status_code == 422
    # Nothing was typed here, so there is no "saved as a draft" news: just what is missing.
    assert page(response).select_one('.notice[role="status"]') is None
    assert field_error(response, "measure_what").startswith("M: ")
    assert letters(response)["M"] is False
    assert form_value(response, "title") == "Bus passes"
    assert snapshot(db) == before


def test_publishing_a_changed_draft_with_a_letter_missing_saves_what_was_typed(
        as_user, db, riverside, draft):
    response = _published(as_user("jade"), f"/campaigns/{draft.id}/edit", goal_form(
        title="Bus passes for all", measure_what="students with a bus pass", measure_target="",
        step_0="", action="publish"))

    assert "Saved as a draft" in text(page(response), '.notice[role="status"]')
    assert field_errors(response) == {
        "measure_target": "M: Add a target: the number you are aiming for."}
    assert form_value(response, "title") == "Bus passes for all"
    assert form_value(response, "measure_what") == "students with a bus pass"
    saved = fresh_campaign(db, draft.id)
    assert (saved.status, saved.title, saved.measure_what) == (
        "draft", "Bus passes for all", "students with a bus pass")
    assert actions_of(db, draft) == ["campaign.created", "campaign.goal_changed"]


def test_only_a_lead_takes_a_draft_live(as_user, db, riverside):
    made = make_campaign(db, riverside["young"], live=False)
    facilitate(db, riverside["worker"], made)
    before = snapshot(db)

    forbidden(post(as_user("worker"), f"/campaigns/{made.id}/live"), LEADS_ONLY)
    not_found(post(as_user("olu"), f"/campaigns/{made.id}/live"))
    assert snapshot(db) == before


def test_a_live_campaign_cannot_go_live_again(as_user, db, riverside, campaign):
    code = fresh_campaign(db, campaign.id).join_code

    forbidden(post(as_user("jade"), f"/campaigns/{campaign.id}/live"),
               "Only a draft can go live.")
    assert fresh_campaign(db, campaign.id).join_code == code


# /campaigns/{id} ------------------------------------------------------------------------------


def test_the_campaign_page_for_its_lead(as_user, db, riverside, campaign):
    add_stakeholder(db, riverside["young"], campaign, notes="Emailed on Monday")

    response = as_user("jade").get(f"/campaigns/{campaign.id}")

    assert response.status_code == 200
    soup = page(response)
    assert heading(response) == TITLE
    assert text(soup, ".campaign-head p") == "Live · 60 days left · You are lead"
    assert letters(response) == ALL_MET
    assert text(soup, "#issue-h + p") == ISSUE
    assert text(soup, "p.measure") == f"5 of 40 students — {MEASURE_WHAT}"
    assert soup.select_one("progress")["value"] == "0"
    assert text(soup, "#plan").startswith("Plan 0 of 1 steps done")
    assert "Course manager , City College Emailed on Monday" in text(soup, "#stakeholders")
    assert no_look_alikes(shown_code(response))
    assert soup.select_one(f'a[href="/campaigns/{campaign.id}/edit"]') is not None
    assert soup.select_one(f'form[action="/campaigns/{campaign.id}/end"]') is not None
    assert soup.select_one(f'form[action="/campaigns/{campaign.id}/archive"]') is None
    feed = [text(li, "p") for li in soup.select("ol.feed li")]
    assert feed == ["Sam joined", "Jade took the campaign live", "Jade started the campaign"]


def test_a_member_sees_the_campaign_without_lead_buttons(as_user, db, riverside, campaign):
    response = as_user("sam").get(f"/campaigns/{campaign.id}")

    assert response.status_code == 200
    soup = page(response)
    assert text(soup, ".campaign-head p").endswith("You are member")
    assert letters(response) == ALL_MET
    assert no_look_alikes(shown_code(response))
    for part in ("/edit", "/end", "/progress", "/steps", "/stakeholders", "/archive"):
        assert soup.select_one(f'form[action="/campaigns/{campaign.id}{part}"], '
                               f'a[href="/campaigns/{campaign.id}{part}"]') is None, part


def test_someone_not_in_it_is_told_how_to_join_but_not_the_code(as_user, db, riverside,
                                                                 campaign, make_user):
    make_user(riverside["org"], "kai", "young_person", "13_15")

    response = as_user("kai").get(f"/campaigns/{campaign.id}")

    assert response.status_code == 200
    soup = page(response)
    assert soup.select_one(".code") is None
    assert fresh_campaign(db, campaign.id).join_code not in response.text
    assert "Ask one of its leads for the code" in text(soup, "#people-h ~ p + p")
    assert soup.select_one(f'a[href="/campaigns/{campaign.id}/people"]') is None


def test_another_organisation_cannot_open_a_campaign(as_user, db, riverside, campaign):
    for username in ("olu", "hilda"):
        not_found(as_user(username).get(f"/campaigns/{campaign.id}"))


def test_opening_the_page_changes_only_the_last_seen_time(as_user, db, riverside, campaign,
                                                          clock):
    jade = riverside["young"]
    browser = as_user("jade")
    clock.advance(60)
    seen = last_seen(db, campaign, jade)
    before = snapshot(db)

    for url in (f"/campaigns/{campaign.id}", "/campaigns", "/", f"/campaigns/{campaign.id}/edit",
                "/campaigns/new", f"/campaigns/{campaign.id}?before=999"):
        assert browser.get(url).status_code == 200, url
    as_user("worker").get(f"/campaigns/{campaign.id}")  # staff looking in do not join

    assert snapshot(db) == before
    assert last_seen(db, campaign, jade) > seen
    assert role_of(db, campaign, riverside["worker"]) is None


def test_the_deadline_countdown(as_user, db, riverside, clock):
    made = make_campaign(db, riverside["young"], deadline=future(1))
    assert text(page(as_user("jade").get(f"/campaigns/{made.id}")),
                ".campaign-head p").startswith("Live · 1 day left")
    clock.advance(3 * 86400)
    response = as_user("jade").get(f"/campaigns/{made.id}")
    assert text(page(response), ".campaign-head p").startswith("Live · Deadline passed 2 days ago")
    assert letters(response)["T"] is False


# /campaigns/{id}/progress ---------------------------------------------------------------------


def test_the_lead_records_progress_and_an_update(as_user, db, riverside, campaign):
    jade = riverside["young"]
    browser = as_user("jade")

    response = post(browser, f"/campaigns/{campaign.id}/progress",
                    {"measure": "12", "update": "We met the course manager!"})

    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}#progress"
    assert fresh_campaign(db, campaign.id).measure_current == 12.0
    assert readings_of(db, campaign) == [5.0, 12.0]
    assert feed_of(db, campaign)[-2:] == [("measure", f"{MEASURE_WHAT}: 12 students"),
                                           ("update", "We met the course manager!")]
    entries = audit_of(db, campaign)[-2:]
    assert [(e.action, e.actor_id, e.reason) for e in entries] == [
        ("campaign.measure_updated", jade.id, "12"), ("campaign.update_posted", jade.id, "")]

    soup = page(browser.get(f"/campaigns/{campaign.id}"))
    assert text(soup, "p.measure") == f"12 of 40 students — {MEASURE_WHAT}"
    assert soup.select_one("progress")["value"] == "20"
    assert text(soup, "#progress p.muted") == "20% of the way from 5 to 40"
    assert soup.select_one("figure.chart svg polyline") is not None
    assert len(soup.select("figure.chart circle.dot")) == 2


@pytest.mark.parametrize("data, field, error", [
    ({"measure": "lots", "update": "Typed this"}, "measure",
     "The new value must be a number, like 20."),
    ({"measure": "", "update": ""}, "measure",
     "Give a new value, tick a step, or write an update."),
    ({"measure": "7", "update": LONG}, "update",
     "Keep your update to 2,000 characters or fewer (it has 10,000)."),
])
def test_bad_progress_is_shown_by_its_field_and_changes_nothing(as_user, db, riverside,
                                                                campaign, data, field, error):
    before = snapshot(db)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/progress", data)

    assert response.status_code == 422
    assert heading(response) == TITLE
    assert field_error(response, field) == error
    assert form_value(response, "measure") == data["measure"]
    assert form_value(response, "update") == data["update"]
    assert snapshot(db) == before


def test_a_member_cannot_change_the_measure_or_post_updates(as_user, db, riverside, campaign):
    browser = as_user("sam")
    before = snapshot(db)

    forbidden(post(browser, f"/campaigns/{campaign.id}/progress", {"measure": "39"}),
               "Only the campaign's leads can update the measure.")
    forbidden(post(browser, f"/campaigns/{campaign.id}/progress", {"update": "Hello"}),
               "Only the campaign's leads and facilitators can post updates.")
    assert snapshot(db) == before


def test_a_facilitator_posts_an_update(as_user, db, riverside, campaign):
    facilitate(db, riverside["worker"], campaign)

    response = post(as_user("worker"), f"/campaigns/{campaign.id}/progress",
                    {"update": "Great meeting today"})

    assert response.status_code == 303
    assert feed_of(db, campaign)[-1] == ("update", "Great meeting today")
    assert actions_of(db, campaign)[-1] == "campaign.update_posted"


def test_another_organisation_cannot_post_progress(as_user, db, riverside, campaign):
    before = snapshot(db)
    not_found(post(as_user("olu"), f"/campaigns/{campaign.id}/progress", {"update": "Hi"}))
    not_found(post(as_user("hilda"), f"/campaigns/{campaign.id}/progress", {"update": "Hi"}))
    assert snapshot(db) == before


# The plan: /campaigns/{id}/steps ------------------------------------------------------------------


def test_the_lead_adds_a_step_for_a_member(as_user, db, riverside, sam, campaign):
    browser = as_user("jade")

    response = post(browser, f"/campaigns/{campaign.id}/steps",
                    {"text": "Make a poster", "owner_id": str(sam.id)})

    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}#plan"
    assert [(s.text, s.owner_id) for s in steps_of(db, campaign)][-1] == ("Make a poster", sam.id)
    entry = audit_of(db, campaign)[-1]
    assert (entry.action, entry.target_user_id) == ("campaign.step_added", sam.id)
    owners = [text(li, ".owner") for li in page(browser.get(f"/campaigns/{campaign.id}"))
              .select("ol.steps > li")]
    assert owners == ["Jade", "Sam"]


@pytest.mark.parametrize("data, field, error", [
    ({"text": "   "}, "text", "Say what the step is."),
    ({"text": "z" * 201}, "text", "Keep a step to 200 characters or fewer (it has 201)."),
    ({"text": "Phone the council", "owner_id": "outsider"}, "owner_id",
     "A step's owner must be in the campaign."),
    ({"text": "Phone the council", "owner_id": "abc"}, "owner_id",
     "Choose who will do this step."),
])
def test_a_bad_step_is_shown_by_its_field(as_user, db, riverside, campaign, data, field, error):
    if data.get("owner_id") == "outsider":
        data = {**data, "owner_id": str(riverside["outsider"].id)}
    before = snapshot(db)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/steps", data)

    assert response.status_code == 422
    assert field_error(response, field) == error
    assert form_value(response, "text") == data["text"]
    assert snapshot(db) == before


def test_ticking_steps(as_user, db, riverside, sam, campaign):
    jade = riverside["young"]
    own = add_step(db, jade, campaign, "Make a poster", owner=sam)
    first = steps_of(db, campaign)[0]

    # A member ticks their own step; the lead ticks any.
    assert post(as_user("sam"), f"/campaigns/{campaign.id}/steps/{own.id}",
                {"done": "1"}).status_code == 303
    assert post(as_user("jade"), f"/campaigns/{campaign.id}/steps/{first.id}",
                {"done": "1"}).status_code == 303

    assert [s.done_by for s in steps_of(db, campaign)] == [jade.id, sam.id]
    assert actions_of(db, campaign)[-2:] == ["campaign.step_done", "campaign.step_done"]
    response = as_user("jade").get(f"/campaigns/{campaign.id}")
    assert text(page(response), "#plan p.muted") == "2 of 2 steps done"
    assert [text(li, ".step-text") for li in page(response).select("ol.steps > li.done")] == [
        f"✓ Done: {FIRST_STEP}", "✓ Done: Make a poster"]

    # And unticks.
    assert post(as_user("jade"), f"/campaigns/{campaign.id}/steps/{own.id}",
                {"done": "0"}).status_code == 303
    assert steps_of(db, campaign)[1].done_at is None
    assert feed_of(db, campaign)[-1] == ("step_undone", "Make a poster")


def test_a_member_cannot_tick_someone_elses_step_or_change_the_plan(as_user, db, riverside,
                                                                   campaign):
    step = steps_of(db, campaign)[0]
    browser = as_user("sam")
    before = snapshot(db)

    forbidden(post(browser, f"/campaigns/{campaign.id}/steps/{step.id}", {"done": "1"}),
               "Only the campaign's leads and the step's owner can tick it.")
    forbidden(post(browser, f"/campaigns/{campaign.id}/steps", {"text": "Mine now"}),
               LEADS_ONLY)
    forbidden(post(browser, f"/campaigns/{campaign.id}/steps/{step.id}", {"text": "Mine"}),
               LEADS_ONLY)
    forbidden(post(browser, f"/campaigns/{campaign.id}/steps/{step.id}/remove"), LEADS_ONLY)
    assert snapshot(db) == before


def test_changing_and_removing_a_step(as_user, db, riverside, sam, campaign):
    extra = add_step(db, riverside["young"], campaign, "Make a poster")
    browser = as_user("jade")

    changed = post(browser, f"/campaigns/{campaign.id}/steps/{extra.id}",
                   {"text": "Make two posters", "owner_id": str(sam.id)})
    assert changed.status_code == 303
    assert [(s.text, s.owner_id) for s in steps_of(db, campaign)][-1] == (
        "Make two posters", sam.id)

    removed = post(browser, f"/campaigns/{campaign.id}/steps/{extra.id}/remove")
    assert removed.status_code == 303
    assert location(removed) == f"/campaigns/{campaign.id}#plan"
    assert [s.text for s in steps_of(db, campaign)] == [FIRST_STEP]
    assert actions_of(db, campaign)[-2:] == ["campaign.step_changed", "campaign.step_removed"]


@pytest.mark.parametrize("typed, error", [
    (" ", "Say what the step is."),
    ("z" * 201, "Keep a step to 200 characters or fewer (it has 201)."),
])
def test_changing_a_step_needs_words(as_user, db, riverside, campaign, typed, error):
    step = steps_of(db, campaign)[0]
    before = snapshot(db)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/steps/{step.id}",
                    {"text": typed, "owner_id": str(riverside["young"].id)})

    assert response.status_code == 422
    assert error in alert(response)
    # Shown by the step's own form, opened, with what was typed.
    assert page(response).select_one('.error-summary a')["href"] == f"#step-{step.id}-text"
    soup = page(response)
    assert soup.select_one(f"#step-{step.id}-text-error").get_text(strip=True) == error
    assert soup.select_one(f"#step-{step.id}-text")["value"] == typed
    assert soup.select_one(f"#step-{step.id}-text").find_parent("details").has_attr("open")
    assert soup.select_one("#f-text")["value"] == ""
    assert snapshot(db) == before


def test_a_live_campaign_keeps_at_least_one_step(as_user, db, riverside, campaign):
    step = steps_of(db, campaign)[0]

    forbidden(post(as_user("jade"), f"/campaigns/{campaign.id}/steps/{step.id}/remove"),
               "A live campaign needs at least one step in its plan. "
               "Add another step before removing this one.")
    assert len(steps_of(db, campaign)) == 1


def test_steps_of_another_campaign_or_organisation_arenot_found(as_user, db, riverside, sam,
                                                                 campaign):
    others = make_campaign(db, sam, title="Sam's campaign")
    theirs = steps_of(db, others)[0]
    mine = steps_of(db, campaign)[0]
    before = snapshot(db)

    for url in (f"/campaigns/{campaign.id}/steps/{theirs.id}",
                f"/campaigns/{campaign.id}/steps/{theirs.id}/remove"):
        response = post(as_user("jade"), url, {"done": "1"})
        assert response.status_code == 404
        assert message(response) == "We could not find that step in this campaign."
    for url in (f"/campaigns/{campaign.id}/steps", f"/campaigns/{campaign.id}/steps/{mine.id}",
                f"/campaigns/{campaign.id}/steps/{mine.id}/remove"):
        not_found(post(as_user("olu"), url, {"text": "Hi", "done": "1"}))
    assert snapshot(db) == before


# People with power: /campaigns/{id}/stakeholders ------------------------------------------


def test_the_lead_lists_people_with_power(as_user, db, riverside, campaign):
    browser = as_user("jade")

    response = post(browser, f"/campaigns/{campaign.id}/stakeholders", {
        "name": " Course manager ", "organisation": "City College",
        "notes": "Emailed on Monday\nNo reply yet"})

    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}#stakeholders"
    [added] = stakeholders_of(db, campaign)
    assert (added.name, added.organisation, added.notes) == (
        "Course manager", "City College", "Emailed on Monday\nNo reply yet")
    assert actions_of(db, campaign)[-1] == "campaign.stakeholder_added"
    item = page(browser.get(f"/campaigns/{campaign.id}")).select_one("ul.stakeholders li")
    assert text(item, "strong") == "Course manager"
    assert "City College" in item.get_text()


@pytest.mark.parametrize("data, field, error", [
    ({"name": "", "organisation": "City College", "notes": "Met them"}, "name",
     "Add who they are: a name or a role, like \"Course manager\"."),
    ({"name": "Principal", "organisation": "o" * 121, "notes": ""}, "organisation",
     "Keep their organisation to 120 characters or fewer (it has 121)."),
    ({"name": "Principal", "organisation": "", "notes": LONG}, "notes",
     "Keep the notes to 2,000 characters or fewer (it has 10,000)."),
])
def test_a_bad_stakeholder_is_shown_by_its_field(as_user, db, riverside, campaign, data,
                                                 field, error):
    before = snapshot(db)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/stakeholders", data)

    assert response.status_code == 422
    assert field_error(response, field) == error
    for name in ("name", "organisation", "notes"):
        assert form_value(response, name) == data[name]
    # The form is open so the message can be seen.
    assert page(response).select_one("#f-name").find_parent("details").has_attr("open")
    assert snapshot(db) == before


def test_changing_and_removing_a_stakeholder(as_user, db, riverside, campaign):
    added = add_stakeholder(db, riverside["young"], campaign)
    browser = as_user("jade")

    changed = post(browser, f"/campaigns/{campaign.id}/stakeholders/{added.id}", {
        "name": "Course manager", "organisation": "City College",
        "notes": "Meeting on Friday"})
    assert changed.status_code == 303
    assert stakeholders_of(db, campaign)[0].notes == "Meeting on Friday"

    bad = post(browser, f"/campaigns/{campaign.id}/stakeholders/{added.id}",
               {"name": "", "organisation": "City College", "notes": "Meeting moved"})
    assert bad.status_code == 422
    # The message and what was typed are in that person's own form, not the "Add" form.
    soup = page(bad)
    assert soup.select_one(f"#sh-{added.id}-name-error").get_text(strip=True).startswith(
        "Add who they are")
    assert soup.select_one(f"#sh-{added.id}-notes").get_text() == "Meeting moved"
    assert soup.select_one(f"#sh-{added.id}-name").find_parent("details").has_attr("open")
    assert soup.select_one("#f-notes").get_text() == ""
    assert not soup.select_one("#f-name").find_parent("details").has_attr("open")
    assert stakeholders_of(db, campaign)[0].name == "Course manager"

    removed = post(browser, f"/campaigns/{campaign.id}/stakeholders/{added.id}/remove")
    assert removed.status_code == 303
    assert stakeholders_of(db, campaign) == []
    assert actions_of(db, campaign)[-3:] == [
        "campaign.stakeholder_added", "campaign.stakeholder_changed",
        "campaign.stakeholder_removed"]


def test_only_leads_change_people_with_power(as_user, db, riverside, campaign):
    added = add_stakeholder(db, riverside["young"], campaign)
    facilitate(db, riverside["worker"], campaign)
    before = snapshot(db)
    for username in ("sam", "worker"):
        browser = as_user(username)
        forbidden(post(browser, f"/campaigns/{campaign.id}/stakeholders", {"name": "Mayor"}),
                   LEADS_ONLY)
        forbidden(post(browser, f"/campaigns/{campaign.id}/stakeholders/{added.id}",
                        {"name": "Mayor"}), LEADS_ONLY)
        forbidden(post(browser, f"/campaigns/{campaign.id}/stakeholders/{added.id}/remove"),
                   LEADS_ONLY)
    assert snapshot(db) == before


def test_stakeholders_of_another_campaign_or_organisation_arenot_found(as_user, db, riverside,
                                                                        sam, campaign):
    others = make_campaign(db, sam, title="Sam's campaign")
    theirs = add_stakeholder(db, sam, others)
    mine = add_stakeholder(db, riverside["young"], campaign)
    before = snapshot(db)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/stakeholders/{theirs.id}/remove")
    assert response.status_code == 404
    assert message(response) == "We could not find that person in this campaign."
    for url in (f"/campaigns/{campaign.id}/stakeholders",
                f"/campaigns/{campaign.id}/stakeholders/{mine.id}",
                f"/campaigns/{campaign.id}/stakeholders/{mine.id}/remove"):
        not_found(post(as_user("olu"), url, {"name": "Mayor"}))
    assert snapshot(db) == before


# /campaigns/{id}/end ----------------------------------------------------------------------


def test_the_lead_ends_a_campaign_that_worked(as_user, db, riverside, campaign):
    browser = as_user("jade")

    response = post(browser, f"/campaigns/{campaign.id}/end", {
        "outcome": "achieved", "statement": "The college moved the start time to 9:30."})

    assert response.status_code == 303
    ended = fresh_campaign(db, campaign.id)
    assert (ended.status, ended.closing_statement) == (
        "achieved", "The college moved the start time to 9:30.")
    assert ended.ended_at is not None
    assert actions_of(db, campaign)[-1] == "campaign.achieved"
    soup = page(browser.get(f"/campaigns/{campaign.id}"))
    assert text(soup, "#closing-h") == "Achieved!"
    assert text(soup, "#closing-h + p") == "The college moved the start time to 9:30."
    assert text(soup, ".campaign-head p").startswith("Achieved · Ended ")
    # Nothing can be changed now.
    assert soup.select_one(f'a[href="/campaigns/{campaign.id}/edit"]') is None
    assert soup.select_one(f'form[action="/campaigns/{campaign.id}/progress"]') is None
    refused = post(browser, f"/campaigns/{campaign.id}/progress", {"update": "One more"})
    assert refused.status_code == 403
    assert message(refused) == "This campaign is achieved: it can no longer be changed."
    # The lead is told why the goal form is closed, not that they are not a lead.
    form_page = browser.get(f"/campaigns/{campaign.id}/edit")
    assert form_page.status_code == 403
    assert message(form_page) == "This campaign is achieved: it can no longer be changed."


@pytest.mark.parametrize("data, errors", [
    ({"outcome": "", "statement": "It fizzled out"},
     {"outcome": "Choose whether the campaign achieved its goal or is closing."}),
    ({"outcome": "live", "statement": "It fizzled out"},
     {"outcome": "Choose whether the campaign achieved its goal or is closing."}),
    ({"outcome": "closed", "statement": "  "},
     {"statement": "Say what happened: a few words for everyone who took part."}),
    ({"outcome": "closed", "statement": LONG},
     {"statement": "Keep what happened to 2,000 characters or fewer (it has 10,000)."}),
])
def test_ending_needs_an_outcome_and_what_happened(as_user, db, riverside, campaign, data,
                                                   errors):
    before = snapshot(db)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/end", data)

    assert response.status_code == 422
    assert field_errors(response) == errors
    assert form_value(response, "statement") == data["statement"]
    assert page(response).select_one("#f-outcome").find_parent("details").has_attr("open")
    assert snapshot(db) == before


def test_a_draft_can_be_closed_but_not_achieved(as_user, db, riverside, draft):
    browser = as_user("jade")

    refused = post(browser, f"/campaigns/{draft.id}/end",
                   {"outcome": "achieved", "statement": "Done"})
    assert refused.status_code == 422
    assert field_error(refused, "outcome") == "Only a live campaign can be marked as achieved."
    assert page(refused).select_one('input[value="achieved"]') is None

    assert post(browser, f"/campaigns/{draft.id}/end",
                {"outcome": "closed", "statement": "We changed our minds"}).status_code == 303
    assert fresh_campaign(db, draft.id).status == "closed"


def test_only_leads_end_a_campaign(as_user, db, riverside, campaign):
    facilitate(db, riverside["worker"], campaign)
    before = snapshot(db)
    data = {"outcome": "closed", "statement": "Over"}

    forbidden(post(as_user("sam"), f"/campaigns/{campaign.id}/end", data), LEADS_ONLY)
    forbidden(post(as_user("worker"), f"/campaigns/{campaign.id}/end", data), LEADS_ONLY)
    not_found(post(as_user("olu"), f"/campaigns/{campaign.id}/end", data))
    assert snapshot(db) == before


# /campaigns/{id}/archive ------------------------------------------------------------------


def test_a_youth_worker_archives_and_brings_back_a_campaign(as_user, db, riverside, campaign):
    worker = as_user("worker")
    assert page(worker.get(f"/campaigns/{campaign.id}")).select_one(
        f'form[action="/campaigns/{campaign.id}/archive"]') is not None

    response = post(worker, f"/campaigns/{campaign.id}/archive", {"archived": "1"})

    assert response.status_code == 303
    archived = fresh_campaign(db, campaign.id)
    assert archived.archived_by == riverside["worker"].id
    entry = audit_of(db, campaign)[-1]
    assert (entry.action, entry.actor_id) == ("campaign.archived", riverside["worker"].id)
    # Nothing is deleted; its members can still read it, but not change it.
    shown = as_user("jade").get(f"/campaigns/{campaign.id}")
    assert shown.status_code == 200
    assert "This campaign is archived" in shown.text
    assert page(shown).select_one(f'a[href="/campaigns/{campaign.id}/edit"]') is None
    refused = post(as_user("jade"), f"/campaigns/{campaign.id}/progress", {"update": "Hi"})
    assert refused.status_code == 403
    assert message(refused) == "This campaign is archived: it can be read but not changed."
    form_page = as_user("jade").get(f"/campaigns/{campaign.id}/edit")
    assert form_page.status_code == 403
    assert message(form_page) == "This campaign is archived: it can be read but not changed."
    assert len(steps_of(db, campaign)) == 1

    back = post(worker, f"/campaigns/{campaign.id}/archive", {"archived": "0"})
    assert back.status_code == 303
    assert fresh_campaign(db, campaign.id).archived_at is None
    assert actions_of(db, campaign)[-1] == "campaign.unarchived"


@pytest.mark.parametrize("choice", ["yes", "", "2"])
def test_archiving_needs_a_clear_choice(as_user, db, riverside, campaign, choice):
    before = snapshot(db)

    response = post(as_user("worker"), f"/campaigns/{campaign.id}/archive", {"archived": choice})

    assert response.status_code == 422
    assert "Choose whether to archive the campaign or bring it back." in alert(response)
    assert snapshot(db) == before


def test_young_people_cannot_archive(as_user, db, riverside, campaign):
    before = snapshot(db)

    forbidden(post(as_user("jade"), f"/campaigns/{campaign.id}/archive", {"archived": "1"}),
               "Only youth workers and organisation admins can archive a campaign.")
    assert snapshot(db) == before


def test_another_organisations_worker_cannot_archive(as_user, db, riverside, campaign):
    before = snapshot(db)
    not_found(post(as_user("hilda"), f"/campaigns/{campaign.id}/archive", {"archived": "1"}))
    assert snapshot(db) == before


# /campaigns/{id}/facilitate ---------------------------------------------------------------


@pytest.mark.parametrize("username", ["worker", "admin"])
def test_staff_join_as_facilitator(as_user, db, riverside, campaign, username):
    browser = as_user(username)
    form = f'form[action="/campaigns/{campaign.id}/facilitate"]'
    assert page(browser.get(f"/campaigns/{campaign.id}")).select_one(form) is not None

    response = post(browser, f"/campaigns/{campaign.id}/facilitate")

    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}"
    assert role_of(db, campaign, riverside[username]) == "facilitator"
    entry = audit_of(db, campaign)[-1]
    assert (entry.action, entry.target_user_id) == ("campaign.facilitator_added",
                                                    riverside[username].id)
    shown = page(browser.get(f"/campaigns/{campaign.id}"))
    assert text(shown, ".campaign-head p").endswith("You are facilitator")
    assert shown.select_one(form) is None
    # Twice is harmless.
    assert post(browser, f"/campaigns/{campaign.id}/facilitate").status_code == 303
    assert actions_of(db, campaign).count("campaign.facilitator_added") == 1


def test_young_people_cannot_be_facilitators(as_user, db, riverside, campaign, make_user):
    make_user(riverside["org"], "kai", "young_person", "13_15")
    before = snapshot(db)
    forbidden(post(as_user("kai"), f"/campaigns/{campaign.id}/facilitate"),
               "Only youth workers and organisation admins can be facilitators.")
    assert snapshot(db) == before


def test_another_organisations_worker_cannot_facilitate(as_user, db, riverside, campaign):
    before = snapshot(db)
    not_found(post(as_user("hilda"), f"/campaigns/{campaign.id}/facilitate"))
    assert snapshot(db) == before


# My campaigns on the home page ------------------------------------------------------------


def _my_cards(response) -> list[str]:
    box = page(response).select_one("#my-campaigns").find_parent("section")
    return [card.get_text(" ", strip=True) for card in box.select(".campaign-card")]


def test_my_campaigns_says_what_is_new_since_my_last_visit(as_user, db, riverside, sam, clock):
    jade = riverside["young"]
    made = make_campaign(db, jade)
    make_campaign(db, sam, title="Not mine")
    browser = as_user("jade")
    [card] = _my_cards(browser.get("/"))
    assert card.startswith(f"{TITLE} Live · You are lead · 1 person")
    assert "new since your last visit" not in card  # what I did myself is not news

    clock.advance(60)
    join(db, sam, made)
    facilitate(db, riverside["worker"], made)
    clock.advance(60)
    post_update(db, riverside["worker"], made, "Well done everyone")

    response = browser.get("/")
    [card] = _my_cards(response)
    assert "3 people" in card
    assert card.endswith("3 new since your last visit: an update, someone joined, "
                         "someone joined")
    assert text(page(response), ".campaign-card .new").startswith("3 new")

    # Opening the campaign catches up.
    clock.advance(60)
    browser.get(f"/campaigns/{made.id}")
    assert "new since your last visit" not in _my_cards(browser.get("/"))[0]


def test_my_campaigns_is_empty_for_someone_in_none(as_user, db, riverside, sam):
    make_campaign(db, sam)
    response = as_user("jade").get("/")
    assert _my_cards(response) == []
    assert "You are not in a campaign yet." in text(page(response), "#my-campaigns ~ p")


def test_a_suspended_lead_is_logged_out_and_changes_nothing(as_user, db, riverside, campaign):
    browser = as_user("jade")
    with db.write() as session:
        people.suspend(session, actor=viewer_of(db, riverside["worker"]),
                       user_id=riverside["young"].id, reason="Shared someone's photo")
    before = snapshot(db)

    # Suspension ended the session: every form sends the browser to log in, changing nothing.
    for url, data in [(f"/campaigns/{campaign.id}/progress", {"update": "Still here"}),
                      (f"/campaigns/{campaign.id}/edit", goal_form(title="Mine now")),
                      ("/campaigns/new", goal_form())]:
        response = post(browser, url, data)
        assert response.status_code == 303, url
        assert location(response) == f"/login?next={url}"
        assert snapshot(db) == before
    shown = browser.get(f"/campaigns/{campaign.id}")
    assert shown.status_code == 303
    assert location(shown).startswith("/login")
