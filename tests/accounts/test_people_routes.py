"""What youth workers and admins do with people: see them, record consent, make reset
codes, suspend and lift suspensions, and (admins) add staff."""

import pytest
from sqlmodel import select

from server.accounts.models import PasswordResetCode
from server.audit import AuditEntry
from tests.accounts.helpers import (
    NEW_PASSWORD,
    alert,
    audit_entries,
    field_error,
    field_errors,
    fresh_member,
    fresh_user,
    heading,
    input_value,
    is_logged_in,
    location,
    org_of,
    session_count,
    text,
    try_login,
    user_named,
    viewer_of,
)
from tests.conftest import page, post

REASON = "Posted someone else's photo without asking"
NOT_FOR_STAFF = "Only an organisation admin can do that for a member of staff."


def _names(response):
    return [text(li, "strong") for li in page(response).select(".people li")]


def _facts(response):
    soup = page(response)
    return dict(zip([dt.get_text(strip=True) for dt in soup.select(".facts dt")],
                    [dd.get_text(" ", strip=True) for dd in soup.select(".facts dd")],
                    strict=True))


# /people and /people/{id} ----------------------------------------------------------------


@pytest.mark.parametrize("actor", ["worker", "admin"])
def test_staff_see_only_their_organisations_people(as_user, riverside, actor):
    response = as_user(actor).get("/people")

    assert response.status_code == 200
    assert heading(response) == "People in Riverside Youth Club"
    assert _names(response) == ["Admin", "Jade", "Milo", "Worker"]
    links = {a["href"] for a in page(response).select(".people a")}
    assert links == {f"/people/{riverside[k].id}" for k in ("admin", "worker", "young", "child")}


def test_people_list_flags_who_needs_agreement(as_user, riverside):
    soup = page(as_user("worker").get("/people"))
    flagged = [text(li, "strong") for li in soup.select(".people li")
               if "Needs parent or carer agreement" in li.get_text()]
    assert flagged == ["Milo"]


@pytest.mark.parametrize("role, expected", [
    ("young_person", ["Jade", "Milo"]),
    ("youth_worker", ["Worker"]),
    ("org_admin", ["Admin"]),
    ("", ["Admin", "Jade", "Milo", "Worker"]),
    ("nonsense", ["Admin", "Jade", "Milo", "Worker"]),
])
def test_people_filtered_by_role(as_user, riverside, role, expected):
    response = as_user("worker").get("/people", params={"role": role})

    assert response.status_code == 200
    assert _names(response) == expected
    current = page(response).select('.filters a[aria-current="page"]')
    if role in ("", "nonsense"):
        assert [a["href"] for a in current] == ([] if role else ["/people"])
    else:
        assert [a["href"] for a in current] == [f"/people?role={role}"]


def test_only_admins_see_the_add_staff_link(as_user, riverside):
    assert page(as_user("admin").get("/people")).select('a[href="/people/new"]')
    assert not page(as_user("worker").get("/people")).select('a[href="/people/new"]')


def test_person_page(as_user, riverside):
    response = as_user("worker").get(f"/people/{riverside['young'].id}")

    assert response.status_code == 200
    assert heading(response) == "Jade"
    facts = _facts(response)
    assert (facts["Username"], facts["Role"], facts["Age group"]) == (
        "jade", "Young person", "16 or 17")
    soup = page(response)
    young_id = riverside["young"].id
    assert soup.select_one(f'form[action="/people/{young_id}/reset-code"]') is not None
    assert soup.select_one(f'form[action="/people/{young_id}/suspend"]') is not None
    # Consent is only for under-13s.
    assert soup.select_one(f'form[action="/people/{young_id}/consent"]') is None


def test_youth_worker_sees_a_colleague_but_no_buttons(as_user, riverside):
    response = as_user("worker").get(f"/people/{riverside['admin'].id}")
    assert response.status_code == 200
    assert _facts(response)["Role"] == "Organisation admin"
    assert not page(response).select("main form")


def test_nobody_gets_buttons_for_themselves(as_user, riverside):
    response = as_user("admin").get(f"/people/{riverside['admin'].id}")
    assert response.status_code == 200
    assert not page(response).select("main form")


# Consent ------------------------------------------------------------------------------------


def test_record_consent_for_an_under_13(as_user, riverside, db):
    child = riverside["child"]
    assert viewer_of(db, child).can_post is False
    milo = as_user("milo")
    assert "You can look around" in text(page(milo.get("/")), "main")
    worker = as_user("worker")
    before = page(worker.get(f"/people/{child.id}"))
    assert before.select_one(f'form[action="/people/{child.id}/consent"]') is not None

    response = post(worker, f"/people/{child.id}/consent")

    assert response.status_code == 303
    assert location(response) == f"/people/{child.id}"
    assert viewer_of(db, child).can_post is True
    member = fresh_member(db, child)
    assert member.consent_recorded_by == riverside["worker"].id
    after = page(worker.get(f"/people/{child.id}"))
    assert after.select_one(f'form[action="/people/{child.id}/consent"]') is None
    assert "Milo can post and vote." in text(after, "main")
    assert "You can look around" not in text(page(milo.get("/")), "main")
    [entry] = audit_entries(db, "member.consent_recorded")
    assert (entry.org_id, entry.actor_id, entry.target_user_id) == (
        riverside["org"].id, riverside["worker"].id, child.id)


def test_recording_consent_twice_changes_nothing(as_user, riverside, db):
    worker = as_user("worker")
    post(worker, f"/people/{riverside['child'].id}/consent")
    first = fresh_member(db, riverside["child"]).consent_recorded_at

    assert post(as_user("admin"), f"/people/{riverside['child'].id}/consent").status_code == 303

    member = fresh_member(db, riverside["child"])
    assert (member.consent_recorded_at, member.consent_recorded_by) == (
        first, riverside["worker"].id)
    assert len(audit_entries(db, "member.consent_recorded")) == 1


@pytest.mark.parametrize("actor, target", [
    ("worker", "young"),  # 16 or 17
    ("admin", "young"),
    ("admin", "worker"),  # staff never need it
])
def test_consent_is_refused_for_someone_who_does_not_need_it(as_user, riverside, db, actor,
                                                             target):
    person = riverside[target]

    response = post(as_user(actor), f"/people/{person.id}/consent")

    assert response.status_code == 422
    assert heading(response) == person.display_name  # still on their page
    assert "Only young people under 13 need a parent's or carer's agreement." in alert(response)
    # The message points nowhere: there is no consent field on this person's page.
    assert page(response).select('.error-summary a[href="#f-consent"]') == []
    assert fresh_member(db, person).consent_recorded_at is None
    assert audit_entries(db, "member.consent_recorded") == []


def test_youth_worker_cannot_record_consent_for_staff(as_user, riverside, db):
    response = post(as_user("worker"), f"/people/{riverside['admin'].id}/consent")
    assert response.status_code == 403
    assert text(page(response), "main p") == NOT_FOR_STAFF


# Reset codes ------------------------------------------------------------------------------


def test_reset_code_is_shown_once_and_audited(as_user, new_client, riverside, db):
    worker = as_user("worker")
    young = riverside["young"]

    response = post(worker, f"/people/{young.id}/reset-code")

    assert response.status_code == 200
    code = text(page(response), '.notice[role="status"] .code')
    assert len(code.replace("-", "")) == 10
    assert heading(response) == "Jade"
    with db.read() as session:
        [stored] = session.exec(select(PasswordResetCode)).all()
    assert code.replace("-", "") not in stored.code_hash  # stored hashed, not as typed
    assert stored.created_by == riverside["worker"].id
    assert not page(worker.get(f"/people/{young.id}")).select(".code")
    [entry] = audit_entries(db, "user.reset_code_issued")
    assert (entry.actor_id, entry.target_user_id) == (riverside["worker"].id, young.id)
    # Their password keeps working until the code is used.
    assert try_login(new_client(), "jade").status_code == 303


@pytest.mark.parametrize("target", ["admin", "worker_two"])
def test_youth_worker_cannot_make_reset_codes_for_staff(as_user, riverside, make_user, db,
                                                        target):
    people = {"admin": riverside["admin"],
              "worker_two": make_user(riverside["org"], "wren", "youth_worker", None)}

    response = post(as_user("worker"), f"/people/{people[target].id}/reset-code")

    assert response.status_code == 403
    with db.read() as session:
        assert session.exec(select(PasswordResetCode)).all() == []


def test_admin_makes_a_reset_code_for_a_youth_worker(as_user, new_client, riverside):
    response = post(as_user("admin"), f"/people/{riverside['worker'].id}/reset-code")
    code = text(page(response), ".notice .code")

    browser = new_client()
    redeemed = post(browser, "/reset", {"username": "Worker", "code": code,
                                        "password": NEW_PASSWORD,
                                        "password_again": NEW_PASSWORD})

    assert redeemed.status_code == 303
    assert browser.get("/people").status_code == 200


# Suspension -------------------------------------------------------------------------------


def test_suspend_logs_them_out_everywhere_and_stops_login(as_user, new_client, riverside, db):
    young = riverside["young"]
    phone, laptop = as_user("jade"), as_user("jade")
    worker = as_user("worker")

    response = post(worker, f"/people/{young.id}/suspend", {"reason": f"  {REASON} "})

    assert response.status_code == 303
    assert location(response) == f"/people/{young.id}"
    assert session_count(db, young) == 0  # ended at once, not when next seen
    for browser in (phone, laptop):
        bounced = browser.get("/")
        assert heading(bounced) == "Your voice, your campaigns"  # the logged-out home page
        bounced = browser.get("/account")
        assert bounced.status_code == 303
        assert location(bounced) == "/login?next=/account"
    refused = try_login(new_client(), "jade")
    assert refused.status_code == 403
    assert alert(refused) == ("This account is suspended. "
                              "Talk to a youth worker at your organisation.")
    user = fresh_user(db, young)
    assert user.suspended_reason == REASON
    shown = worker.get(f"/people/{young.id}")
    assert _facts(shown)["Suspended"].endswith(REASON)
    assert page(shown).select_one(f'form[action="/people/{young.id}/unsuspend"]') is not None
    listed = [li for li in page(worker.get("/people")).select(".people li")
              if "Suspended" in li.get_text()]
    assert [text(li, "strong") for li in listed] == ["Jade"]
    [entry] = audit_entries(db, "user.suspended")
    assert (entry.org_id, entry.actor_id, entry.target_user_id, entry.reason) == (
        riverside["org"].id, riverside["worker"].id, young.id, REASON)


@pytest.mark.parametrize("reason, typed", [
    ("", ""),
    ("   ", "   "),
    ("x" * 501, "x" * 501),
])
def test_suspension_needs_a_reason(as_user, riverside, db, reason, typed):
    young = riverside["young"]
    phone = as_user("jade")

    response = post(as_user("worker"), f"/people/{young.id}/suspend", {"reason": reason})

    assert response.status_code == 422
    assert heading(response) == "Jade"
    assert field_error(response, "reason") == (
        "Say why, in up to 500 characters: it goes in the audit log.")
    assert input_value(response, "reason") == typed
    assert fresh_user(db, young).suspended_at is None
    assert is_logged_in(phone)
    assert audit_entries(db, "user.suspended") == []


def test_suspension_with_no_reason_field_at_all(as_user, riverside, db):
    response = post(as_user("worker"), f"/people/{riverside['young'].id}/suspend")
    assert response.status_code == 422
    assert set(field_errors(response)) == {"reason"}


@pytest.mark.parametrize("target", ["admin", "worker_two"])
def test_youth_worker_cannot_suspend_staff(as_user, riverside, make_user, db, target):
    people = {"admin": riverside["admin"],
              "worker_two": make_user(riverside["org"], "wren", "youth_worker", None)}
    person = people[target]
    their_browser = as_user(person.username)

    response = post(as_user("worker"), f"/people/{person.id}/suspend", {"reason": REASON})

    assert response.status_code == 403
    assert text(page(response), "main p") == NOT_FOR_STAFF
    assert fresh_user(db, person).suspended_at is None
    assert is_logged_in(their_browser)


def test_admin_can_suspend_a_youth_worker(as_user, new_client, riverside, db):
    worker_browser = as_user("worker")

    response = post(as_user("admin"), f"/people/{riverside['worker'].id}/suspend",
                    {"reason": REASON})

    assert response.status_code == 303
    assert not is_logged_in(worker_browser)
    assert try_login(new_client(), "worker").status_code == 403
    [entry] = audit_entries(db, "user.suspended")
    assert (entry.actor_id, entry.target_user_id) == (riverside["admin"].id,
                                                      riverside["worker"].id)


@pytest.mark.parametrize("actor", ["worker", "admin"])
def test_nobody_can_suspend_themselves(as_user, riverside, db, actor):
    browser = as_user(actor)

    response = post(browser, f"/people/{riverside[actor].id}/suspend", {"reason": REASON})

    assert response.status_code == 403
    assert fresh_user(db, riverside[actor]).suspended_at is None
    assert is_logged_in(browser)


def test_admin_is_told_plainly_they_cannot_suspend_themselves(as_user, riverside):
    response = post(as_user("admin"), f"/people/{riverside['admin'].id}/suspend",
                    {"reason": REASON})
    assert text(page(response), "main p") == "You cannot suspend your own account."


def test_unsuspend_lets_them_log_in_again(as_user, new_client, riverside, db):
    young = riverside["young"]
    worker = as_user("worker")
    post(worker, f"/people/{young.id}/suspend", {"reason": REASON})

    response = post(worker, f"/people/{young.id}/unsuspend")

    assert response.status_code == 303
    assert location(response) == f"/people/{young.id}"
    user = fresh_user(db, young)
    assert (user.suspended_at, user.suspended_reason) == (None, "")
    assert "Suspended" not in _facts(worker.get(f"/people/{young.id}"))
    browser = new_client()
    assert try_login(browser, "jade").status_code == 303
    assert is_logged_in(browser)
    [entry] = audit_entries(db, "user.unsuspended")
    assert (entry.actor_id, entry.target_user_id) == (riverside["worker"].id, young.id)


def test_unsuspending_someone_not_suspended_changes_nothing(as_user, riverside, db):
    response = post(as_user("worker"), f"/people/{riverside['young'].id}/unsuspend")
    assert response.status_code == 303
    assert audit_entries(db, "user.unsuspended") == []


def test_youth_worker_cannot_lift_an_admins_suspension(as_user, riverside, make_user, db):
    second_admin = make_user(riverside["org"], "ada", "org_admin", None)
    post(as_user("admin"), f"/people/{second_admin.id}/suspend", {"reason": REASON})

    response = post(as_user("worker"), f"/people/{second_admin.id}/unsuspend")

    assert response.status_code == 403
    assert fresh_user(db, second_admin).suspended_at is not None


# Adding staff -----------------------------------------------------------------------------


def _add(browser, **changes):
    form = {"username": "sam.w", "display_name": "Sam", "role": "youth_worker", **changes}
    return post(browser, "/people/new", form)


def test_add_staff_page_is_for_admins(as_user, riverside):
    response = as_user("admin").get("/people/new")
    assert response.status_code == 200
    assert heading(response) == "Add a youth worker or admin"
    checked = page(response).select_one('input[name="role"][checked]')
    assert checked["value"] == "youth_worker"

    refused = as_user("worker").get("/people/new")
    assert refused.status_code == 403
    assert text(page(refused), "main p") == (
        "Only organisation admins can add youth workers and admins.")


def test_youth_worker_cannot_add_staff(as_user, riverside, db):
    response = _add(as_user("worker"), role="org_admin")
    assert response.status_code == 403
    assert user_named(db, "sam.w") is None


def test_admin_adds_a_youth_worker_who_sets_their_password(as_user, new_client, riverside, db):
    response = _add(as_user("admin"))

    assert response.status_code == 201
    assert heading(response) == "Sam has an account"
    soup = page(response)
    assert text(soup, ".notice strong") == "sam.w"
    code = text(soup, ".notice .code")
    sam = user_named(db, "sam.w")
    assert sam is not None and sam.password_hash is None
    assert org_of(db, sam).name == "Riverside Youth Club"
    assert fresh_member(db, sam).role == "youth_worker"
    [entry] = audit_entries(db, "staff.added")
    assert (entry.actor_id, entry.target_user_id, entry.reason) == (
        riverside["admin"].id, sam.id, "youth_worker")
    # No password yet: nothing logs in until the code is used.
    assert try_login(new_client(), "sam.w", "").status_code == 401

    browser = new_client()
    redeemed = post(browser, "/reset", {"username": "Sam.W", "code": code,
                                        "password": NEW_PASSWORD,
                                        "password_again": NEW_PASSWORD})

    assert redeemed.status_code == 303
    assert heading(browser.get("/people")) == "People in Riverside Youth Club"
    post(browser, "/logout")
    assert try_login(browser, "sam.w", NEW_PASSWORD).status_code == 303


def test_admin_adds_another_admin(as_user, riverside, db):
    assert _add(as_user("admin"), username="ada", role="org_admin").status_code == 201
    assert fresh_member(db, user_named(db, "ada")).role == "org_admin"


@pytest.mark.parametrize("changes, field, message", [
    ({"username": "JADE"}, "username", "That username is taken. Try another."),
    ({"username": "olu"}, "username", "That username is taken. Try another."),
    ({"username": "sam w"}, "username",
     "Usernames are 3 to 30 letters, numbers, dots, dashes or underscores, with no spaces."),
    ({"display_name": ""}, "display_name",
     "Add a display name: it is what others in your organisation see."),
    ({"role": "young_person"}, "role", "Choose youth worker or organisation admin."),
    ({"role": ""}, "role", "Choose youth worker or organisation admin."),
])
def test_add_staff_bad_input(as_user, riverside, db, changes, field, message):
    form = {"username": "sam.w", "display_name": "Sam", "role": "youth_worker", **changes}

    response = _add(as_user("admin"), **changes)

    assert response.status_code == 422
    assert field_errors(response) == {field: message}
    assert input_value(response, "username") == form["username"]
    assert input_value(response, "display_name") == form["display_name"]
    assert audit_entries(db, "staff.added") == []
    if field != "username":
        assert user_named(db, form["username"]) is None


def test_audit_entries_stay_in_their_organisation(as_user, riverside, db):
    worker = as_user("worker")
    post(worker, f"/people/{riverside['child'].id}/consent")
    post(worker, f"/people/{riverside['young'].id}/reset-code")
    post(worker, f"/people/{riverside['young'].id}/suspend", {"reason": REASON})
    post(worker, "/invites", {"label": "Tuesday group", "days": "7", "max_uses": "5"})

    with db.read() as session:
        rows = session.exec(select(AuditEntry).where(AuditEntry.actor_id == riverside[
            "worker"].id)).all()
    assert sorted(row.action for row in rows) == [
        "invite.created", "member.consent_recorded", "user.reset_code_issued",
        "user.suspended"]
    assert {row.org_id for row in rows} == {riverside["org"].id}
