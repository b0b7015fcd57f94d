"""Who is in a campaign and how people get in: the people page, co-leads, removing and
leaving, adding a facilitator, the join code and its QR code, and joining with a code or link."""

import io

import pytest
import segno

from server.campaigns.service import NO_CODE
from tests.accounts.helpers import (
    alert,
    field_error,
    heading,
    location,
    text,
)
from tests.campaigns.pages import (
    TITLE,
    actions_of,
    add_step,
    archive,
    audit_of,
    facilitate,
    feed_of,
    forbidden,
    form_value,
    fresh_campaign,
    join,
    letter_hints,
    letters,
    make_campaign,
    make_lead,
    membership,
    message,
    no_look_alikes,
    not_found,
    role_of,
    shown_code,
    snapshot,
    steps_of,
)
from tests.conftest import page, post

LEADS_ONLY = "Only the campaign's leads can do that."
RUNNERS_ONLY = "Only the campaign's leads and facilitators can do that."
ONE_LEAD = "A campaign needs at least one lead. Make someone else a co-lead first."
NOT_STAFF = "Choose a youth worker or admin from your organisation."


@pytest.fixture
def kai(riverside, make_user):
    """A young person in Riverside who is in no campaign."""
    return make_user(riverside["org"], "kai", "young_person", "13_15")


def _code(db, campaign) -> str:
    code = fresh_campaign(db, campaign.id).join_code
    assert code
    return code


def _dashed(code: str) -> str:
    return f"{code[:3]}-{code[3:]}"


def _people(response) -> list[str]:
    return [f"{text(li, 'strong')} {text(li, '.tag')}" for li in page(response).select(
        "ul.people > li")]


def _buttons(response, user) -> list[str]:
    """The buttons beside one person on the people page."""
    for li in page(response).select("ul.people > li"):
        if text(li, "strong") == user.display_name:
            return [b.get_text(" ", strip=True) for b in li.select("button")]
    raise AssertionError(f"{user.display_name} is not listed")


# Logged out ---------------------------------------------------------------------------------

GETS = ["/campaigns/{id}/people", "/campaigns/{id}/qr.svg", "/campaigns/join", "/c/{code}"]
POSTS = ["/campaigns/{id}/people/{sam}/lead", "/campaigns/{id}/people/{sam}/remove",
         "/campaigns/{id}/facilitators", "/campaigns/{id}/code", "/campaigns/join"]


@pytest.mark.parametrize("method, pattern", [("GET", p) for p in GETS]
                         + [("POST", p) for p in POSTS])
def test_logged_out_people_are_sent_to_log_in(client, db, riverside, sam, campaign, method,
                                              pattern):
    url = pattern.format(id=campaign.id, sam=sam.id, code=_dashed(_code(db, campaign)))
    before = snapshot(db)

    response = (client.get(url) if method == "GET"
                else post(client, url, {"code": _code(db, campaign)}))

    assert response.status_code == 303
    assert location(response) == f"/login?next={url}"
    assert snapshot(db) == before


def test_a_join_link_opened_logged_out_comes_back_after_logging_in(client, db, riverside, kai,
                                                                   campaign):
    link = f"/c/{_dashed(_code(db, campaign))}"
    assert location(client.get(link)) == f"/login?next={link}"

    response = post(client, "/login", {"username": "kai", "password": "blue-kite-harbour",
                                       "next": link})

    assert response.status_code == 303
    assert location(response) == link


# /campaigns/{id}/people ---------------------------------------------------------------------


def test_the_lead_sees_people_and_how_to_invite_others(as_user, db, riverside, sam, campaign):
    code = _code(db, campaign)

    response = as_user("jade").get(f"/campaigns/{campaign.id}/people")

    assert response.status_code == 200
    assert heading(response) == "People in this campaign"
    assert _people(response) == ["Jade Lead", "Sam Member"]
    shown = shown_code(response)
    assert shown == _dashed(code) and no_look_alikes(shown)
    soup = page(response)
    assert soup.select_one("img.qr")["src"] == f"/campaigns/{campaign.id}/qr.svg"
    assert text(soup, ".invite a") == f"http://testserver/c/{_dashed(code)}"
    assert soup.select_one(f'form[action="/campaigns/{campaign.id}/code"]') is not None
    assert _buttons(response, sam) == ["Make co-lead : Sam", "Make peer moderator : Sam",
                                      "Remove Sam"]
    # The only lead cannot leave; the page says what to do instead.
    assert _buttons(response, riverside["young"]) == []
    assert "make someone else a co-lead" in response.text
    staff = [o.get_text(strip=True) for o in soup.select('select[name="user_id"] option')]
    assert staff == ["Admin", "Worker"]


def test_a_member_sees_people_and_the_code_but_no_buttons_for_others(as_user, db, riverside,
                                                                    sam, campaign):
    response = as_user("sam").get(f"/campaigns/{campaign.id}/people")

    assert response.status_code == 200
    assert _people(response) == ["Jade Lead", "Sam Member"]
    assert no_look_alikes(shown_code(response))
    assert _buttons(response, riverside["young"]) == []
    assert _buttons(response, sam) == ["Leave the campaign"]
    soup = page(response)
    assert soup.select_one(f'form[action="/campaigns/{campaign.id}/code"]') is None
    assert soup.select_one(f'form[action="/campaigns/{campaign.id}/facilitators"]') is None


def test_staff_see_who_is_in_any_campaign(as_user, db, riverside, campaign):
    response = as_user("worker").get(f"/campaigns/{campaign.id}/people")

    assert response.status_code == 200
    assert _people(response) == ["Jade Lead", "Sam Member"]
    assert page(response).select("ul.people button") == []


def test_young_people_outside_the_campaign_cannot_see_who_is_in_it(as_user, db, riverside, kai,
                                                                   campaign):
    forbidden(as_user("kai").get(f"/campaigns/{campaign.id}/people"),
               "Only the campaign's members can see who is in it.")


def test_another_organisation_cannot_see_the_people(as_user, db, riverside, campaign):
    for username in ("olu", "hilda"):
        not_found(as_user(username).get(f"/campaigns/{campaign.id}/people"))


def test_looking_at_people_and_codes_changes_nothing(as_user, db, riverside, kai, campaign):
    before = snapshot(db)
    code = _code(db, campaign)
    jade, visitor = as_user("jade"), as_user("kai")

    assert jade.get(f"/campaigns/{campaign.id}/people").status_code == 200
    assert jade.get(f"/campaigns/{campaign.id}/qr.svg").status_code == 200
    assert visitor.get("/campaigns/join").status_code == 200
    assert visitor.get(f"/c/{_dashed(code)}").status_code == 200

    assert snapshot(db) == before
    assert role_of(db, campaign, kai) is None


# Co-leads: /campaigns/{id}/people/{user_id}/lead --------------------------------------------


def test_the_lead_makes_a_member_a_co_lead_and_back(as_user, db, riverside, sam, campaign):
    jade = riverside["young"]
    browser = as_user("jade")

    response = post(browser, f"/campaigns/{campaign.id}/people/{sam.id}/lead", {"lead": "1"})

    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}/people"
    assert role_of(db, campaign, sam) == "lead"
    entry = audit_of(db, campaign)[-1]
    assert (entry.action, entry.actor_id, entry.target_user_id) == (
        "campaign.lead_added", jade.id, sam.id)
    shown = browser.get(location(response))
    assert _people(shown) == ["Jade Lead", "Sam Lead"]
    assert _buttons(shown, sam)[0] == "Make a member again : Sam"
    # Sam, now a lead, can change the goal.
    assert as_user("sam").get(f"/campaigns/{campaign.id}/edit").status_code == 200

    back = post(browser, f"/campaigns/{campaign.id}/people/{sam.id}/lead", {"lead": "0"})
    assert back.status_code == 303
    assert role_of(db, campaign, sam) == "member"
    assert actions_of(db, campaign)[-1] == "campaign.lead_removed"


def test_a_lead_stepping_back_stays_on_the_people_page(as_user, db, riverside, sam, campaign):
    jade = riverside["young"]
    make_lead(db, jade, sam, campaign)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/people/{jade.id}/lead",
                    {"lead": "0"})

    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}/people"
    assert role_of(db, campaign, jade) == "member"


def test_the_last_lead_cannot_step_back(as_user, db, riverside, campaign):
    jade = riverside["young"]
    before = snapshot(db)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/people/{jade.id}/lead",
                    {"lead": "0"})

    assert response.status_code == 422
    assert heading(response) == "People in this campaign"
    assert ONE_LEAD in alert(response)
    assert snapshot(db) == before


def test_a_facilitator_cannot_be_made_a_lead(as_user, db, riverside, campaign):
    worker = riverside["worker"]
    facilitate(db, worker, campaign)
    before = snapshot(db)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/people/{worker.id}/lead",
                    {"lead": "1"})

    assert response.status_code == 422
    assert "Facilitators support the campaign; leads are young people." in alert(response)
    assert snapshot(db) == before


def test_someone_not_in_the_campaign_cannot_be_made_a_lead(as_user, db, riverside, kai,
                                                           campaign):
    before = snapshot(db)
    for target in (kai, riverside["outsider"]):
        response = post(as_user("jade"), f"/campaigns/{campaign.id}/people/{target.id}/lead",
                        {"lead": "1"})
        assert response.status_code == 404
        assert message(response) == "That person is not in this campaign."
    assert snapshot(db) == before


@pytest.mark.parametrize("username", ["sam", "worker"])
def test_only_leads_make_co_leads(as_user, db, riverside, sam, campaign, username):
    facilitate(db, riverside["worker"], campaign)
    before = snapshot(db)

    forbidden(post(as_user(username), f"/campaigns/{campaign.id}/people/{sam.id}/lead",
                    {"lead": "1"}), LEADS_ONLY)
    assert snapshot(db) == before


def test_another_organisation_cannot_make_co_leads(as_user, db, riverside, sam, campaign):
    before = snapshot(db)
    not_found(post(as_user("olu"), f"/campaigns/{campaign.id}/people/{sam.id}/lead",
                    {"lead": "1"}))
    assert snapshot(db) == before


# Removing and leaving: /campaigns/{id}/people/{user_id}/remove ------------------------------


def test_the_lead_removes_a_member(as_user, db, riverside, sam, campaign):
    jade = riverside["young"]
    step = add_step(db, jade, campaign, "Make a poster", owner=sam)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/people/{sam.id}/remove")

    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}/people"
    gone = membership(db, campaign, sam)
    assert gone is not None and gone.removed_at is not None and gone.removed_by == jade.id
    assert [s.owner_id for s in steps_of(db, campaign) if s.id == step.id] == [None]
    entry = audit_of(db, campaign)[-1]
    assert (entry.action, entry.actor_id, entry.target_user_id) == (
        "campaign.member_removed", jade.id, sam.id)

    # Sam is told, sees no code, and the code no longer lets them back in.
    browser = as_user("sam")
    shown = browser.get(f"/campaigns/{campaign.id}")
    assert "You were removed from this campaign." in shown.text
    assert page(shown).select_one(".code") is None
    # The step Sam owned has no owner now, so the goal card shows the A is missing.
    assert letters(shown) == {"T": True, "E": True, "A": False, "M": True}
    assert letter_hints(shown)["A"] == "Give every step in your plan an owner from the campaign."
    refused = post(browser, "/campaigns/join", {"code": _code(db, campaign)})
    assert refused.status_code == 403
    assert message(refused) == ("You were removed from this campaign, so its code does not "
                                "work for you. Talk to one of its leads or a youth worker.")
    assert role_of(db, campaign, sam) is None


def test_a_facilitator_removes_a_member(as_user, db, riverside, sam, campaign):
    facilitate(db, riverside["worker"], campaign)

    response = post(as_user("worker"), f"/campaigns/{campaign.id}/people/{sam.id}/remove")

    assert response.status_code == 303
    assert role_of(db, campaign, sam) is None


def test_a_member_leaves_and_can_come_back_with_the_code(as_user, db, riverside, sam, campaign):
    browser = as_user("sam")

    response = post(browser, f"/campaigns/{campaign.id}/people/{sam.id}/remove")

    assert response.status_code == 303
    assert location(response) == "/campaigns?left=1"
    assert membership(db, campaign, sam) is None
    entry = audit_of(db, campaign)[-1]
    assert (entry.action, entry.actor_id, entry.target_user_id) == ("campaign.left", sam.id,
                                                                    sam.id)
    assert text(page(browser.get(location(response))), '.notice[role="status"]') == (
        "You have left the campaign.")

    back = post(browser, "/campaigns/join", {"code": _code(db, campaign)})
    assert back.status_code == 303
    assert role_of(db, campaign, sam) == "member"


def test_the_last_lead_cannot_leave(as_user, db, riverside, campaign):
    jade = riverside["young"]
    before = snapshot(db)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/people/{jade.id}/remove")

    assert response.status_code == 422
    assert ONE_LEAD in alert(response)
    assert snapshot(db) == before


def test_a_lead_cannot_remove_a_facilitator_but_a_youth_worker_can(as_user, db, riverside,
                                                                   campaign):
    worker, admin = riverside["worker"], riverside["admin"]
    facilitate(db, worker, campaign)
    facilitate(db, admin, campaign)
    before = snapshot(db)

    jade = as_user("jade")
    forbidden(post(jade, f"/campaigns/{campaign.id}/people/{worker.id}/remove"),
               "Only a youth worker can remove a facilitator.")
    assert "Remove" not in " ".join(_buttons(jade.get(f"/campaigns/{campaign.id}/people"),
                                             worker))
    assert snapshot(db) == before

    assert post(as_user("admin"), f"/campaigns/{campaign.id}/people/{worker.id}/remove",
                ).status_code == 303
    assert role_of(db, campaign, worker) is None


def test_a_member_cannot_remove_others(as_user, db, riverside, sam, kai, campaign):
    join(db, kai, campaign)
    before = snapshot(db)

    forbidden(post(as_user("sam"), f"/campaigns/{campaign.id}/people/{kai.id}/remove"),
               RUNNERS_ONLY)
    assert snapshot(db) == before


def test_removing_someone_not_in_it_or_from_another_organisation(as_user, db, riverside, sam,
                                                                 kai, campaign):
    before = snapshot(db)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/people/{kai.id}/remove")
    assert response.status_code == 404
    assert message(response) == "That person is not in this campaign."
    not_found(post(as_user("olu"), f"/campaigns/{campaign.id}/people/{sam.id}/remove"))
    not_found(post(as_user("hilda"), f"/campaigns/{campaign.id}/people/{sam.id}/remove"))
    assert snapshot(db) == before


# Facilitators: /campaigns/{id}/facilitators -------------------------------------------------


def test_the_lead_adds_a_youth_worker_as_facilitator(as_user, db, riverside, campaign):
    worker = riverside["worker"]
    browser = as_user("jade")

    response = post(browser, f"/campaigns/{campaign.id}/facilitators",
                    {"user_id": str(worker.id)})

    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}/people"
    assert role_of(db, campaign, worker) == "facilitator"
    entry = audit_of(db, campaign)[-1]
    assert (entry.action, entry.actor_id, entry.target_user_id) == (
        "campaign.facilitator_added", riverside["young"].id, worker.id)
    shown = browser.get(location(response))
    assert _people(shown) == ["Jade Lead", "Sam Member", "Worker Facilitator"]
    staff = [o.get_text(strip=True) for o in page(shown).select('select[name="user_id"] option')]
    assert staff == ["Admin"]


@pytest.mark.parametrize("who, error", [
    ("jade", NOT_STAFF),
    ("hilda", NOT_STAFF),
    ("nobody", "Choose a youth worker."),
])
def test_only_a_youth_worker_from_the_organisation_can_be_added(as_user, db, riverside,
                                                                campaign, who, error):
    user_id = "" if who == "nobody" else str(riverside[
        {"jade": "young", "hilda": "other_worker"}[who]].id)
    before = snapshot(db)

    response = post(as_user("jade"), f"/campaigns/{campaign.id}/facilitators",
                    {"user_id": user_id})

    assert response.status_code == 422
    assert error in alert(response)
    assert field_error(response, "user_id") == error
    assert snapshot(db) == before


def test_a_member_cannot_add_facilitators(as_user, db, riverside, campaign):
    before = snapshot(db)
    forbidden(post(as_user("sam"), f"/campaigns/{campaign.id}/facilitators",
                    {"user_id": str(riverside["worker"].id)}), RUNNERS_ONLY)
    not_found(post(as_user("olu"), f"/campaigns/{campaign.id}/facilitators",
                    {"user_id": str(riverside["worker"].id)}))
    assert snapshot(db) == before


# The join code: /campaigns/{id}/code and /campaigns/{id}/qr.svg ------------------------------


@pytest.mark.parametrize("username", ["jade", "worker"])
def test_a_new_code_replaces_the_old_one(as_user, db, riverside, kai, campaign, username):
    facilitate(db, riverside["worker"], campaign)
    old = _code(db, campaign)
    browser = as_user(username)

    response = post(browser, f"/campaigns/{campaign.id}/code")

    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}/people"
    new = _code(db, campaign)
    assert new != old and len(new) == 6 and no_look_alikes(new)
    assert actions_of(db, campaign)[-1] == "campaign.code_regenerated"
    assert shown_code(browser.get(location(response))) == _dashed(new)
    # The old code stops working straight away; the new one works.
    visitor = as_user("kai")
    refused = post(visitor, "/campaigns/join", {"code": old})
    assert refused.status_code == 422
    assert field_error(refused, "code") == NO_CODE
    assert post(visitor, "/campaigns/join", {"code": new}).status_code == 303


def test_only_leads_and_facilitators_make_a_new_code(as_user, db, riverside, campaign):
    old = _code(db, campaign)
    forbidden(post(as_user("sam"), f"/campaigns/{campaign.id}/code"), RUNNERS_ONLY)
    not_found(post(as_user("olu"), f"/campaigns/{campaign.id}/code"))
    assert _code(db, campaign) == old
    assert "campaign.code_regenerated" not in actions_of(db, campaign)


def test_a_draft_has_no_code(as_user, db, riverside):
    draft = make_campaign(db, riverside["young"], live=False)
    browser = as_user("jade")

    forbidden(post(browser, f"/campaigns/{draft.id}/code"),
               "Only a live campaign has a join code.")
    assert fresh_campaign(db, draft.id).join_code is None
    drafted = browser.get(f"/campaigns/{draft.id}/qr.svg")
    assert drafted.status_code == 404
    assert "only a live campaign has one" in drafted.text
    assert page(browser.get(f"/campaigns/{draft.id}/people")).select_one(".invite") is None


def test_the_qr_code_is_an_svg_of_the_join_link(as_user, db, riverside, campaign):
    code = _code(db, campaign)

    response = as_user("sam").get(f"/campaigns/{campaign.id}/qr.svg")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.text.startswith("<svg")
    assert f"<title>QR code to join {TITLE}</title>" in response.text
    expected = io.BytesIO()
    segno.make(f"http://testserver/c/{_dashed(code)}", error="m").save(
        expected, kind="svg", scale=6, border=2, dark="#1b1b1b", light="#ffffff",
        xmldecl=False, title=f"QR code to join {TITLE}")
    assert response.content == expected.getvalue()


@pytest.mark.parametrize("username", ["kai", "worker"])
def test_the_qr_code_is_for_members_only(as_user, db, riverside, kai, campaign, username):
    forbidden(as_user(username).get(f"/campaigns/{campaign.id}/qr.svg"),
               "Only the campaign's members can see its join code.")


def test_another_organisation_cannot_get_the_qr_code(as_user, db, riverside, campaign):
    for username in ("olu", "hilda"):
        not_found(as_user(username).get(f"/campaigns/{campaign.id}/qr.svg"))


def test_an_archived_campaign_shows_no_code(as_user, db, riverside, campaign):
    archive(db, riverside["worker"], campaign)
    browser = as_user("jade")

    assert page(browser.get(f"/campaigns/{campaign.id}/people")).select_one(".invite") is None
    assert page(browser.get(f"/campaigns/{campaign.id}")).select_one(".code") is None
    forbidden(post(browser, f"/campaigns/{campaign.id}/code"),
               "This campaign is archived: it can be read but not changed.")


# Joining: /campaigns/join and /c/{code} -------------------------------------------------------


def test_the_join_page(as_user, riverside):
    response = as_user("jade").get("/campaigns/join")

    assert response.status_code == 200
    assert heading(response) == "Join a campaign"
    assert form_value(response, "code") == ""
    assert page(response).select_one("main form")["action"] == "/campaigns/join"


@pytest.mark.parametrize("typed", ["{code}", " {lower} ", "{a}-{b}", "{a} {b}"])
def test_joining_with_a_typed_code(as_user, db, riverside, kai, campaign, typed):
    code = _code(db, campaign)
    browser = as_user("kai")

    response = post(browser, "/campaigns/join", {"code": typed.format(
        code=code, lower=code.lower(), a=code[:3], b=code[3:])})

    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}?joined=1"
    assert role_of(db, campaign, kai) == "member"
    entry = audit_of(db, campaign)[-1]
    assert (entry.action, entry.actor_id, entry.target_user_id) == (
        "campaign.member_added", kai.id, kai.id)
    assert feed_of(db, campaign)[-1] == ("joined", "Kai joined as member")
    shown = browser.get(location(response))
    assert text(page(shown), '.notice[role="status"]') == "You have joined the campaign."
    assert text(page(shown), ".campaign-head p").endswith("You are member")

    # Joining again is harmless.
    before = snapshot(db)
    assert post(browser, "/campaigns/join", {"code": code}).status_code == 303
    assert snapshot(db) == before


def test_a_youth_worker_joining_with_the_code_is_a_facilitator(as_user, db, riverside,
                                                              campaign):
    response = post(as_user("worker"), "/campaigns/join", {"code": _code(db, campaign)})
    assert response.status_code == 303
    assert role_of(db, campaign, riverside["worker"]) == "facilitator"


def test_a_code_from_another_organisation_is_refused(as_user, db, riverside, campaign):
    code = _code(db, campaign)
    before = snapshot(db)

    response = post(as_user("olu"), "/campaigns/join", {"code": code})

    assert response.status_code == 422
    assert field_error(response, "code") == NO_CODE
    assert "in your organisation" in NO_CODE
    assert form_value(response, "code") == code
    assert snapshot(db) == before


@pytest.mark.parametrize("typed, error", [
    ("", "Type the campaign's code."),
    ("  - ", "Type the campaign's code."),
    ("ZZZZZZ", NO_CODE),
    ("K" * 10_000, NO_CODE),
])
def test_a_bad_code_is_shown_by_the_field(as_user, db, riverside, kai, campaign, typed, error):
    before = snapshot(db)

    response = post(as_user("kai"), "/campaigns/join", {"code": typed})

    assert response.status_code == 422
    assert heading(response) == "Join a campaign"
    assert field_error(response, "code") == error
    assert form_value(response, "code") == typed
    assert snapshot(db) == before


def test_codes_of_ended_or_archived_campaigns_are_refused(as_user, db, riverside, kai, sam):
    ended = make_campaign(db, riverside["young"], title="Ended")
    archived = make_campaign(db, sam, title="Archived")
    codes = [_code(db, ended), _code(db, archived)]
    post(as_user("jade"), f"/campaigns/{ended.id}/end",
         {"outcome": "closed", "statement": "Over"})
    archive(db, riverside["worker"], archived)
    before = snapshot(db)

    for code in codes:
        response = post(as_user("kai"), "/campaigns/join", {"code": code})
        assert response.status_code == 422
        assert field_error(response, "code") == NO_CODE
    assert snapshot(db) == before


def test_an_under_13_without_agreement_cannot_join(as_user, db, riverside, campaign):
    before = snapshot(db)

    forbidden(post(as_user("milo"), "/campaigns/join", {"code": _code(db, campaign)}),
               "A youth worker needs to record a parent's or carer's agreement before you can "
               "join a campaign.")
    assert snapshot(db) == before


def test_opening_a_join_link_shows_the_campaign_and_a_button(as_user, db, riverside, kai,
                                                             campaign):
    code = _code(db, campaign)
    browser = as_user("kai")

    response = browser.get(f"/c/{code[:3].lower()}-{code[3:].lower()}")

    assert response.status_code == 200
    assert heading(response) == f"Join “{TITLE}”"
    soup = page(response)
    hidden = soup.select_one('main form input[name="code"]')
    assert hidden["type"] == "hidden" and hidden["value"] == _dashed(code)
    assert soup.select_one("main form")["action"] == "/campaigns/join"
    assert role_of(db, campaign, kai) is None  # nothing changes until the button is pressed

    joined = post(browser, "/campaigns/join", {"code": str(hidden["value"])})
    assert joined.status_code == 303
    assert role_of(db, campaign, kai) == "member"


@pytest.mark.parametrize("username", ["olu", "kai"])
def test_a_join_link_that_does_not_work_here_says_so(as_user, db, riverside, kai, campaign,
                                                     username):
    link = "/c/ZZZ-ZZZ" if username == "kai" else f"/c/{_dashed(_code(db, campaign))}"
    before = snapshot(db)

    response = as_user(username).get(link)

    assert response.status_code == 404
    assert heading(response) == "Join a campaign"
    assert field_error(response, "code") == NO_CODE
    assert form_value(response, "code") == link.removeprefix("/c/")
    assert TITLE not in response.text
    assert snapshot(db) == before


def test_someone_already_in_it_can_open_the_link(as_user, db, sam, campaign):
    response = as_user("sam").get(f"/c/{_dashed(_code(db, campaign))}")
    assert response.status_code == 200
    assert post(as_user("sam"), "/campaigns/join",
                {"code": _code(db, campaign)}).status_code == 303

