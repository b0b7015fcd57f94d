"""Joining an organisation with an invite code, and the invite codes page."""

from datetime import timedelta

import pytest
from sqlmodel import select

from server.accounts.codes import pretty
from server.accounts.models import AgeBand, Invite, Member
from server.audit import AuditEntry
from tests.accounts.helpers import (
    alert,
    audit_entries,
    field_error,
    field_errors,
    fresh,
    heading,
    input_value,
    is_logged_in,
    location,
    make_invite,
    org_of,
    session_cookie,
    session_count,
    text,
    try_login,
    user_named,
)
from tests.conftest import page, post

JOIN_PASSWORD = "seven-green-bicycles"
UNKNOWN = "We do not know that code. Check it with your youth worker."
EXPIRED = "That code has expired. Ask your youth worker for a new one."
STOPPED = "That code has been stopped by a youth worker. Ask them for a new one."
USED_UP = "That code has been used up. Ask your youth worker for a new one."


@pytest.fixture
def invite(riverside, db):
    return make_invite(db, riverside["worker"], label="Tuesday group", days=7, max_uses=30)


def _details(code, **changes):
    form = {"code": code, "step": "details", "username": "sky_rider", "display_name": "Sky",
            "age_band": "13_15", "password": JOIN_PASSWORD, "password_again": JOIN_PASSWORD}
    form.update(changes)
    return form


def _uses(db, invite):
    return fresh(db, Invite, invite.id).uses


# /join, step 1: the code -------------------------------------------------------------


def test_join_page_asks_for_a_code(client):
    response = client.get("/join")
    assert response.status_code == 200
    assert heading(response) == "Join with a code"
    assert input_value(response, "code") == ""
    assert not page(response).select('[role="alert"]')


def test_good_code_shows_the_organisation_and_the_details_form(client, invite):
    response = post(client, "/join", {"code": pretty(invite.code)})

    assert response.status_code == 200
    assert heading(response) == "Join Riverside Youth Club"
    soup = page(response)
    form = soup.select_one('form[action="/join"]')
    assert {i["name"] for i in form.select("input")} >= {
        "code", "step", "username", "display_name", "age_band", "password", "password_again"}
    assert input_value(response, "step") == "details"
    assert [i["value"] for i in form.select('input[name="age_band"]')] == [
        "under_13", "13_15", "16_17", "18_25", "over_25"]
    assert not soup.select('[role="alert"]')


@pytest.mark.parametrize("typing", [
    lambda code: code.lower(),
    lambda code: f"  {code[:4].lower()} {code[4:].lower()} ",
    lambda code: f"{code[:2]}-{code[2:4]}-{code[4:].lower()}",
])
def test_code_typed_in_lower_case_with_spaces_and_dashes_works(client, db, invite, typing):
    typed = typing(invite.code)

    response = post(client, "/join", {"code": typed})

    assert heading(response) == "Join Riverside Youth Club"
    finish = post(client, "/join", _details(input_value(response, "code")))
    assert finish.status_code == 303
    assert user_named(db, "sky_rider") is not None


def _expire(db, clock, invite):
    clock.advance(timedelta(days=7, seconds=1).total_seconds())


def _revoke(db, clock, invite):
    with db.write() as session:
        row = session.get(Invite, invite.id)
        row.revoked_at = row.created_at
        session.add(row)


def _use_up(db, clock, invite):
    with db.write() as session:
        row = session.get(Invite, invite.id)
        row.uses = row.max_uses
        session.add(row)


@pytest.mark.parametrize("spoil, message", [
    (None, UNKNOWN),
    (_expire, EXPIRED),
    (_revoke, STOPPED),
    (_use_up, USED_UP),
], ids=["unknown", "expired", "revoked", "used-up"])
def test_codes_that_cannot_be_used_say_why(client, db, clock, invite, spoil, message):
    if spoil is None:
        typed = "qqqq-rrrr"
    else:
        spoil(db, clock, invite)
        typed = invite.code.lower()

    response = post(client, "/join", {"code": typed})

    assert response.status_code == 422
    assert heading(response) == "Join with a code"
    assert field_error(response, "code") == message
    assert input_value(response, "code") == typed
    # The same at step 2: nobody gets in with a spoiled code.
    finish = post(client, "/join", _details(typed))
    assert finish.status_code == 422
    assert field_error(finish, "code") == message
    assert user_named(db, "sky_rider") is None
    assert not is_logged_in(client)


def test_empty_code_asks_for_one(client):
    response = post(client, "/join", {"code": "  "})
    assert response.status_code == 422
    assert field_error(response, "code") == "Type the invite code a youth worker gave you."


def test_join_link_with_a_code_goes_straight_to_the_details(client, invite):
    response = client.get(f"/join?code={pretty(invite.code)}")

    assert heading(response) == "Join Riverside Youth Club"
    assert input_value(response, "code") == pretty(invite.code)
    assert input_value(response, "username") == ""


def test_join_link_with_a_bad_code_prefills_it_and_says_why(client, db, clock, invite):
    _expire(db, clock, invite)

    response = client.get(f"/join?code={invite.code}")

    assert heading(response) == "Join with a code"
    assert input_value(response, "code") == invite.code
    assert field_error(response, "code") == EXPIRED


# /join, step 2: the details ------------------------------------------------------------


def test_joining_makes_an_account_and_logs_in(client, db, invite, riverside):
    response = post(client, "/join", _details(pretty(invite.code)))

    assert response.status_code == 303
    assert location(response) == "/?welcome=1"
    assert session_cookie(client)
    user = user_named(db, "sky_rider")
    assert user is not None
    assert (user.display_name, user.age_band) == ("Sky", "13_15")
    assert session_count(db, user) == 1
    with db.read() as session:
        member = session.exec(select(Member).where(Member.user_id == user.id)).one()
    assert (member.role, member.invite_id) == ("young_person", invite.id)
    assert org_of(db, user).name == "Riverside Youth Club"
    assert _uses(db, invite) == 1
    home = client.get("/?welcome=1")
    assert heading(home) == "Hi Sky"
    assert text(page(home), '[role="status"]') == "Welcome! Your account is ready."
    [entry] = audit_entries(db, "user.joined")
    assert entry.actor_id == entry.target_user_id == user.id
    # ...and the new account logs in like any other.
    post(client, "/logout")
    assert try_login(client, "SKY_RIDER", JOIN_PASSWORD).status_code == 303


def test_under_13_who_joins_is_told_they_need_agreement(client, invite):
    post(client, "/join", _details(invite.code, age_band="under_13"))
    home = page(client.get("/?welcome=1"))
    assert "a youth worker needs to record that a parent or carer has said yes" in text(
        home, "main")


def test_last_use_of_a_code_then_it_is_used_up(client, new_client, db, riverside):
    once = make_invite(db, riverside["worker"], max_uses=1)
    assert post(client, "/join", _details(once.code)).status_code == 303

    second = new_client()
    response = post(second, "/join", _details(once.code, username="second_one"))

    assert response.status_code == 422
    assert field_error(response, "code") == USED_UP
    assert user_named(db, "second_one") is None
    assert _uses(db, once) == 1


@pytest.mark.parametrize("changes, field, message", [
    ({"username": "JADE"}, "username", "That username is taken. Try another."),
    ({"username": "sky rider"}, "username",
     "Usernames are 3 to 30 letters, numbers, dots, dashes or underscores, with no spaces."),
    ({"username": "ab"}, "username",
     "Usernames are 3 to 30 letters, numbers, dots, dashes or underscores, with no spaces."),
    ({"display_name": "   "}, "display_name",
     "Add a display name: it is what others in your organisation see."),
    ({"display_name": "x" * 51}, "display_name",
     "Keep your display name to 50 characters or fewer."),
    ({"age_band": ""}, "age_band", "Choose your age group."),
    ({"age_band": "12"}, "age_band", "Choose one of the age groups in the list."),
    ({"password": "short", "password_again": "short"}, "password",
     "Use at least 8 characters."),
    ({"password": "password123", "password_again": "password123"}, "password",
     "That password is one of the most common ones, so it is easy to guess. Try another."),
    ({"password_again": "seven-green-bicycle"}, "password_again",
     "The two passwords are different. Type them again."),
], ids=["taken-other-case", "space", "too-short", "no-display-name", "long-display-name",
        "no-age", "unknown-age", "short-password", "common-password", "mismatch"])
def test_bad_details_are_shown_next_to_the_field(client, db, invite, riverside, changes,
                                                 field, message):
    form = _details(invite.code, **changes)

    response = post(client, "/join", form)

    assert response.status_code == 422
    assert heading(response) == "Join Riverside Youth Club"
    assert field_errors(response) == {field: message}
    assert message in alert(response)
    assert input_value(response, "code") == invite.code
    assert input_value(response, "username") == form["username"]
    assert input_value(response, "display_name") == form["display_name"]
    assert input_value(response, "password") is None
    assert input_value(response, "password_again") is None
    assert JOIN_PASSWORD not in response.text
    checked = [i["value"] for i in page(response).select('input[name="age_band"][checked]')]
    assert checked == ([form["age_band"]] if form["age_band"] in set(AgeBand) else [])
    assert _uses(db, invite) == 0
    assert not is_logged_in(client)


def test_every_problem_is_shown_at_once(client, invite):
    response = post(client, "/join", _details(
        invite.code, username="no spaces", display_name="", age_band="",
        password_again="different-words-here"))

    assert response.status_code == 422
    assert set(field_errors(response)) == {"username", "display_name", "age_band",
                                           "password_again"}


def test_logged_in_person_posting_join_is_sent_home(as_user, riverside, db, invite):
    browser = as_user("jade")

    response = post(browser, "/join", _details(invite.code))

    assert response.status_code == 303
    assert location(response) == "/"
    assert user_named(db, "sky_rider") is None
    assert _uses(db, invite) == 0


# /invites --------------------------------------------------------------------------------


def test_invites_page_has_a_form_with_sensible_defaults(as_user, riverside):
    response = as_user("worker").get("/invites")

    assert response.status_code == 200
    assert heading(response) == "Invite codes"
    assert (input_value(response, "days"), input_value(response, "max_uses")) == ("14", "30")
    assert text(page(response), "main").count("No codes yet.") == 1


def test_make_an_invite_code(as_user, new_client, riverside, db, clock):
    browser = as_user("worker")

    response = post(browser, "/invites", {"label": "Tuesday group", "days": "7",
                                          "max_uses": "12"})

    assert response.status_code == 303
    with db.read() as session:
        [invite] = session.exec(select(Invite)).all()
    assert location(response) == f"/invites#invite-{invite.id}"
    assert (invite.org_id, invite.created_by) == (riverside["org"].id, riverside["worker"].id)
    assert (invite.label, invite.max_uses, invite.uses) == ("Tuesday group", 12, 0)
    assert abs(invite.expires_at - (clock.now() + timedelta(days=7))) < timedelta(minutes=1)
    item = page(browser.get("/invites")).select_one(f"li#invite-{invite.id}")
    assert item.select_one(".code").get_text(strip=True) == pretty(invite.code)
    assert "Tuesday group" in item.get_text(" ", strip=True)
    assert "Used 0 of 12." in item.get_text(" ", strip=True)
    assert item.select_one(f'form[action="/invites/{invite.id}/revoke"]') is not None
    [entry] = audit_entries(db, "invite.created")
    assert (entry.org_id, entry.actor_id, entry.reason) == (
        riverside["org"].id, riverside["worker"].id, "Tuesday group")
    # The new code works at /join, typed or through the link to share.
    assert heading(post(new_client(), "/join", {"code": invite.code})) == (
        "Join Riverside Youth Club")
    link = item.select_one('a[href^="/join?code="]')
    assert link.get_text(strip=True).endswith(f"/join?code={invite.code}")
    assert heading(new_client().get(link["href"])) == "Join Riverside Youth Club"


def test_admins_make_invite_codes_too(as_user, riverside, db):
    response = post(as_user("admin"), "/invites", {"label": "", "days": "1", "max_uses": "1"})
    assert response.status_code == 303
    [entry] = audit_entries(db, "invite.created")
    assert entry.actor_id == riverside["admin"].id


def test_invites_list_only_this_organisations_codes(as_user, riverside, db):
    ours = make_invite(db, riverside["worker"], label="Ours")
    theirs = make_invite(db, riverside["other_worker"], label="Theirs")

    soup = page(as_user("admin").get("/invites"))

    assert [li["id"] for li in soup.select(".invites li")] == [f"invite-{ours.id}"]
    assert pretty(theirs.code) not in soup.get_text()


@pytest.mark.parametrize("changes, field, message", [
    ({"days": "0"}, "days", "Choose how many days the code works: 1 to 90."),
    ({"days": "1000"}, "days", "Choose how many days the code works: 1 to 90."),
    ({"days": "abc"}, "days", "Choose how many days the code works: 1 to 90."),
    ({"days": ""}, "days", "Choose how many days the code works: 1 to 90."),
    ({"max_uses": "0"}, "max_uses", "Choose how many people can use it: 1 to 500."),
    ({"max_uses": "1000"}, "max_uses", "Choose how many people can use it: 1 to 500."),
    ({"max_uses": "abc"}, "max_uses", "Choose how many people can use it: 1 to 500."),
    ({"label": "x" * 81}, "label", "Keep the label to 80 characters or fewer."),
])
def test_bad_invite_settings_are_refused(as_user, riverside, db, changes, field, message):
    form = {"label": "Tuesday group", "days": "7", "max_uses": "12", **changes}

    response = post(as_user("worker"), "/invites", form)

    assert response.status_code == 422
    assert field_errors(response) == {field: message}
    assert message in alert(response)
    for name in ("label", "days", "max_uses"):
        assert input_value(response, name) == form[name]
    with db.read() as session:
        assert session.exec(select(Invite)).all() == []
        assert session.exec(select(AuditEntry).where(
            AuditEntry.action == "invite.created")).all() == []


def test_two_bad_settings_are_both_shown(as_user, riverside):
    response = post(as_user("worker"), "/invites", {"label": "", "days": "abc",
                                                    "max_uses": "-3"})
    assert set(field_errors(response)) == {"days", "max_uses"}


def test_revoke_stops_the_code_working(as_user, new_client, riverside, db, invite):
    browser = as_user("worker")

    response = post(browser, f"/invites/{invite.id}/revoke")

    assert response.status_code == 303
    assert location(response) == "/invites"
    item = page(browser.get("/invites")).select_one(f"li#invite-{invite.id}")
    assert "Stopped." in item.get_text(" ", strip=True)
    assert item.select_one("form") is None
    assert item.select_one('a[href^="/join"]') is None
    assert fresh(db, Invite, invite.id).revoked_at is not None
    [entry] = audit_entries(db, "invite.revoked")
    assert (entry.actor_id, entry.reason) == (riverside["worker"].id, "Tuesday group")
    visitor = new_client()
    refused = post(visitor, "/join", {"code": invite.code})
    assert field_error(refused, "code") == STOPPED
    assert post(visitor, "/join", _details(invite.code)).status_code == 422
    assert user_named(db, "sky_rider") is None


def test_revoking_twice_is_harmless(as_user, riverside, db, invite):
    browser = as_user("admin")
    assert post(browser, f"/invites/{invite.id}/revoke").status_code == 303
    assert post(browser, f"/invites/{invite.id}/revoke").status_code == 303
    assert len(audit_entries(db, "invite.revoked")) == 1


def test_someone_who_joined_keeps_their_account_after_a_revoke(
        client, as_user, riverside, db, invite):
    assert post(client, "/join", _details(invite.code)).status_code == 303
    post(as_user("worker"), f"/invites/{invite.id}/revoke")
    assert is_logged_in(client)
    assert session_count(db, user_named(db, "sky_rider")) == 1


def test_a_logged_in_person_opening_an_invite_link_is_told_they_have_an_account(
        as_user, riverside, invite):
    response = as_user("jade").get(f"/join?code={invite.code}")
    assert response.status_code == 200
    assert "already logged in as Jade" in text(page(response), '[role="status"]')
    assert page(response).select('form[action="/join"]') == []
