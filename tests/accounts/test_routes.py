"""Account pages: who may use which page, logging in and out, passwords and reset codes.

People pages are in test_people_routes.py; joining and invite codes in test_join_routes.py.
"""

from urllib.parse import urljoin, urlsplit

import pytest
from sqlmodel import select

from server.accounts import sessions
from server.accounts.models import Invite, PasswordResetCode, User
from server.audit import AuditEntry
from tests.accounts.helpers import (
    NEW_PASSWORD,
    alert,
    audit_entries,
    field_error,
    fresh_user,
    heading,
    input_value,
    is_logged_in,
    location,
    make_invite,
    session_cookie,
    session_count,
    text,
    try_login,
)
from tests.conftest import PASSWORD, login, page, post

RESET_CODE_SECONDS = 48 * 3600


def _ids(riverside, db):
    invite = make_invite(db, riverside["worker"], label="Tuesday group")
    other_invite = make_invite(db, riverside["other_worker"], label="Hillside")
    return {
        "jade": riverside["young"].id,
        "milo": riverside["child"].id,
        "outsider": riverside["outsider"].id,
        "invite": invite.id,
        "other_invite": other_invite.id,
    }


def _send(client, method, path, data=None):
    if method == "GET":
        return client.get(path)
    return post(client, path, data or {})


# Staff-only pages and actions, with form data that would be accepted from staff,
# so a refusal is down to who is asking and nothing else.
STAFF_ROUTES = [
    ("GET", "/people", None),
    ("GET", "/people/new", None),
    ("POST", "/people/new", {"username": "sneaky", "display_name": "Sneaky",
                             "role": "org_admin"}),
    ("GET", "/people/{jade}", None),
    ("POST", "/people/{milo}/consent", None),
    ("POST", "/people/{jade}/reset-code", None),
    ("POST", "/people/{milo}/suspend", {"reason": "Because I can"}),
    ("POST", "/people/{milo}/unsuspend", None),
    ("GET", "/invites", None),
    ("POST", "/invites", {"label": "Mine", "days": "14", "max_uses": "30"}),
    ("POST", "/invites/{invite}/revoke", None),
]
LOGIN_ROUTES = [
    *STAFF_ROUTES,
    ("GET", "/account", None),
    ("POST", "/account/password", {"current": PASSWORD, "password": NEW_PASSWORD,
                                   "password_again": NEW_PASSWORD}),
]
PERSON_ROUTES = [
    ("GET", "/people/{id}", None),
    ("POST", "/people/{id}/consent", None),
    ("POST", "/people/{id}/reset-code", None),
    ("POST", "/people/{id}/suspend", {"reason": "Rude in chat"}),
    ("POST", "/people/{id}/unsuspend", None),
]


def _route_id(route):
    return f"{route[0]} {route[1]}"


def _nothing_changed(db, riverside, audit_before, invites_before):
    with db.read() as session:
        assert len(session.exec(select(AuditEntry)).all()) == audit_before
        invites = session.exec(select(Invite)).all()
        assert len(invites) == invites_before
        assert all(invite.revoked_at is None for invite in invites)
        assert session.exec(select(User).where(User.username_key == "sneaky")).first() is None
    for key in ("young", "child", "outsider"):
        assert fresh_user(db, riverside[key]).suspended_at is None


def _counts(db):
    with db.read() as session:
        return (len(session.exec(select(AuditEntry)).all()),
                len(session.exec(select(Invite)).all()))


@pytest.mark.parametrize("route", LOGIN_ROUTES, ids=_route_id)
def test_logged_out_browser_is_sent_to_log_in(client, riverside, db, route):
    method, template, data = route
    path = template.format(**_ids(riverside, db))
    before = _counts(db)

    response = _send(client, method, path, data)

    assert response.status_code == 303
    assert location(response) == f"/login?next={path}"
    _nothing_changed(db, riverside, *before)


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=_route_id)
def test_young_person_is_refused_staff_pages(as_user, riverside, db, route):
    method, template, data = route
    path = template.format(**_ids(riverside, db))
    before = _counts(db)
    browser = as_user("jade")

    response = _send(browser, method, path, data)

    assert response.status_code == 403
    assert heading(response) == "You can't do that"
    # Turned away at the door, before any staff page or action runs.
    assert text(page(response), "main p") == (
        "This page is for youth workers and organisation admins.")
    _nothing_changed(db, riverside, *before)


@pytest.mark.parametrize("actor", ["worker", "admin"])
@pytest.mark.parametrize("route", PERSON_ROUTES, ids=_route_id)
def test_person_in_another_organisation_is_not_found(as_user, riverside, db, route, actor):
    method, template, data = route
    before = _counts(db)
    browser = as_user(actor)

    for target in (riverside["outsider"].id, riverside["other_worker"].id, 999_999):
        response = _send(browser, method, template.format(id=target), data)

        assert response.status_code == 404
        assert heading(response) == "We could not find that page"
        assert "Olu" not in response.text
    _nothing_changed(db, riverside, *before)


@pytest.mark.parametrize("actor", ["worker", "admin"])
def test_invite_of_another_organisation_cannot_be_revoked(as_user, riverside, db, actor):
    ids = _ids(riverside, db)
    browser = as_user(actor)

    for invite_id in (ids["other_invite"], 999_999):
        response = post(browser, f"/invites/{invite_id}/revoke")
        assert response.status_code == 404
    with db.read() as session:
        assert session.get(Invite, ids["other_invite"]).revoked_at is None


def test_path_that_is_not_a_number_is_not_found(as_user, riverside):
    browser = as_user("worker")
    assert browser.get("/people/jade").status_code == 404
    assert post(browser, "/invites/abc/revoke").status_code == 404


def test_forms_without_the_csrf_token_are_refused(as_user, riverside, db):
    browser = as_user("worker")
    response = browser.post(f"/people/{riverside['young'].id}/suspend",
                            data={"reason": "No token"})
    assert response.status_code == 403
    assert fresh_user(db, riverside["young"]).suspended_at is None


# Home ---------------------------------------------------------------------------


def test_home_invites_a_visitor_to_join_or_log_in(client):
    soup = page(client.get("/"))
    assert {a["href"] for a in soup.select(".hero a")} == {"/join", "/login"}


def test_home_greets_a_logged_in_person(as_user, riverside):
    response = as_user("jade").get("/")
    assert heading(response) == "Hi Jade"
    assert "Riverside Youth Club" in text(page(response), "main")
    assert not page(response).select(".cards")


def test_home_shows_staff_their_tools(as_user, riverside):
    worker_links = {a["href"] for a in page(as_user("worker").get("/")).select(".cards a")}
    admin_links = {a["href"] for a in page(as_user("admin").get("/")).select(".cards a")}
    assert worker_links == {"/people", "/invites"}
    assert admin_links == {"/people", "/invites", "/people/new"}


# Logging in and out -------------------------------------------------------------


def test_login_page_has_the_form(client):
    soup = page(client.get("/login"))
    assert soup.select_one('form[action="/login"] input[name="username"]') is not None
    assert soup.select_one('form[action="/login"] input[name="password"][type="password"]')


def test_login_page_sends_a_logged_in_person_home(as_user, riverside):
    response = as_user("jade").get("/login")
    assert response.status_code == 303
    assert location(response) == "/"


def test_login_starts_a_session(client, riverside, db):
    response = try_login(client, "jade")

    assert response.status_code == 303
    assert location(response) == "/"
    assert session_cookie(client)
    assert session_count(db, riverside["young"]) == 1
    assert heading(client.get("/")) == "Hi Jade"


def test_login_forgives_the_letter_case_of_the_username(client, riverside):
    assert try_login(client, "  JaDe ").status_code == 303
    assert heading(client.get("/")) == "Hi Jade"


@pytest.mark.parametrize("username, password", [
    ("jade", "not-the-password"),
    ("nobody-here", PASSWORD),
    ("jade", ""),
    ("", ""),
])
def test_wrong_password_is_refused_with_a_message(client, riverside, db, username, password):
    response = try_login(client, username, password)

    assert response.status_code == 401
    assert alert(response) == ("That username and password do not match. "
                               "Check them and try again.")
    assert input_value(response, "username") == username
    assert input_value(response, "password") is None
    assert session_cookie(client) is None
    assert not is_logged_in(client)


def test_repeated_wrong_passwords_are_slowed_down(client, riverside):
    for _ in range(5):
        assert try_login(client, "jade", "guess-again-1").status_code == 401

    response = try_login(client, "jade")  # even the right password, for now

    assert response.status_code == 429
    assert alert(response).startswith("Too many tries. Try again in")
    assert int(response.headers["retry-after"]) > 0


@pytest.mark.parametrize("target, expected", [
    ("/people", "/people"),
    ("/account?changed=1", "/account?changed=1"),
    ("https://evil.example", "/"),
    ("//evil.example", "/"),
    ("/\\evil.example", "/"),
    ("evil.example", "/"),
    ("", "/"),
])
def test_login_only_follows_next_to_this_site(client, riverside, target, expected):
    login_page = client.get("/login", params={"next": target})
    assert input_value(login_page, "next") == expected

    response = post(client, "/login", {"username": "worker", "password": PASSWORD,
                                       "next": target})

    assert response.status_code == 303
    assert location(response) == expected


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example",
                                    "/\r\n/evil.example", " //evil.example"])
def test_login_next_with_hidden_characters_stays_on_this_site(client, riverside, target):
    response = post(client, "/login", {"username": "worker", "password": PASSWORD,
                                       "next": target})

    # Browsers drop tabs and newlines from a URL before following it; Python's urlsplit does
    # the same, so this is where a browser would go.
    followed = urlsplit(urljoin("http://testserver/people", location(response)))
    assert followed.netloc == "testserver"


def test_login_comes_back_to_the_page_asked_for(client, riverside):
    asked = client.get("/invites")
    login_page = client.get(location(asked))

    response = post(client, "/login", {"username": "worker", "password": PASSWORD,
                                       "next": input_value(login_page, "next")})

    assert location(response) == "/invites"
    assert heading(client.get("/invites")) == "Invite codes"


def test_logout_ends_the_session_on_the_server(client, new_client, riverside, db):
    login(client, "jade")
    token = session_cookie(client)
    assert token
    thief = new_client()
    thief.cookies.set("sv_session", token)
    assert is_logged_in(thief)  # a copied cookie works until logout...

    response = post(client, "/logout")

    assert response.status_code == 303
    assert location(response) == "/login?logged_out=1"
    assert text(page(client.get("/login?logged_out=1")), '[role="status"]') == (
        "You have logged out.")
    assert session_cookie(client) is None
    assert not is_logged_in(client)
    assert session_count(db, riverside["young"]) == 0
    # ...and afterwards, replayed, opens nothing.
    assert not is_logged_in(thief)


def test_logout_keeps_other_devices_logged_in(as_user, riverside):
    phone, laptop = as_user("jade"), as_user("jade")
    post(phone, "/logout")
    assert not is_logged_in(phone)
    assert is_logged_in(laptop)


def test_log_out_everywhere_ends_every_session_of_that_person(as_user, riverside, db):
    phone, laptop = as_user("jade"), as_user("jade")
    someone_else = as_user("worker")
    response = post(phone, "/logout", {"everywhere": "1"})
    assert location(response) == "/login?logged_out=everywhere"
    assert "every phone and computer" in text(page(phone.get(location(response))),
                                              '[role="status"]')
    assert not is_logged_in(phone)
    assert not is_logged_in(laptop)
    assert session_count(db, riverside["young"]) == 0
    assert is_logged_in(someone_else)


def test_the_account_page_offers_to_log_out_everywhere(as_user, riverside):
    form = page(as_user("jade").get("/account")).select_one(
        'form[action="/logout"] input[name="everywhere"][value="1"]')
    assert form is not None


def test_logout_when_not_logged_in_just_goes_to_login(client):
    response = post(client, "/logout")
    assert response.status_code == 303
    assert location(response) == "/login?logged_out=1"


def test_logout_is_not_a_get(as_user, riverside):
    browser = as_user("jade")
    assert browser.get("/logout").status_code == 405
    assert is_logged_in(browser)


def test_suspended_person_cannot_log_in(client, riverside, db):
    with db.write() as session:
        user = session.get(User, riverside["young"].id)
        user.suspended_at = user.created_at
        session.add(user)

    response = try_login(client, "jade")

    assert response.status_code == 403
    assert alert(response) == ("This account is suspended. "
                               "Talk to a youth worker at your organisation.")
    assert not is_logged_in(client)


# My account and changing a password ----------------------------------------------


def test_account_page_shows_who_you_are(as_user, riverside):
    soup = page(as_user("jade").get("/account"))
    facts = dict(zip([dt.get_text(strip=True) for dt in soup.select(".facts dt")],
                     [dd.get_text(strip=True) for dd in soup.select(".facts dd")], strict=True))
    assert facts == {"Username": "jade", "Display name": "Jade",
                     "Organisation": "Riverside Youth Club", "Role": "Young person",
                     "Age group": "16 or 17"}
    assert soup.select_one('form[action="/account/password"]') is not None


def _change(browser, current=PASSWORD, new=NEW_PASSWORD, again=None):
    return post(browser, "/account/password", {
        "current": current, "password": new,
        "password_again": new if again is None else again})


def test_change_password(as_user, new_client, riverside, db):
    browser, other_device = as_user("jade"), as_user("jade")

    response = _change(browser)

    assert response.status_code == 303
    assert location(response) == "/account?changed=1"
    shown = browser.get("/account?changed=1")
    assert text(page(shown), '[role="status"]').startswith("Your password is changed.")
    # This browser carries on; the other device is logged out.
    assert is_logged_in(browser)
    assert not is_logged_in(other_device)
    assert session_count(db, riverside["young"]) == 1
    assert try_login(new_client(), "jade", PASSWORD).status_code == 401
    assert try_login(new_client(), "jade", NEW_PASSWORD).status_code == 303
    [entry] = audit_entries(db, "user.password_changed")
    assert entry.actor_id == entry.target_user_id == riverside["young"].id


@pytest.mark.parametrize("current, new, again, field, message", [
    ("wrong-password", NEW_PASSWORD, NEW_PASSWORD, "current",
     "That is not your current password."),
    (PASSWORD, NEW_PASSWORD, "quiet-otter-lanterns", "password_again",
     "The two passwords are different. Type them again."),
    (PASSWORD, "short", "short", "password", "Use at least 8 characters."),
    (PASSWORD, "password123", "password123", "password",
     "That password is one of the most common ones, so it is easy to guess. Try another."),
    (PASSWORD, "jade-rocks-it", "jade-rocks-it", "password",
     "Your password must not contain your username."),
])
def test_change_password_bad_input(as_user, new_client, riverside, current, new, again,
                                   field, message):
    browser, other_device = as_user("jade"), as_user("jade")

    response = _change(browser, current, new, again)

    assert response.status_code == 422
    assert field_error(response, field) == message
    assert message in alert(response)
    for name in ("current", "password", "password_again"):
        assert input_value(response, name) is None  # passwords are never sent back
    assert is_logged_in(other_device)
    assert try_login(new_client(), "jade", PASSWORD).status_code == 303


# Reset codes ------------------------------------------------------------------------


def _reset_code(worker_browser, user):
    response = post(worker_browser, f"/people/{user.id}/reset-code")
    assert response.status_code == 200
    return text(page(response), ".notice .code")


def _redeem(client, username, code, password=NEW_PASSWORD, again=None):
    return post(client, "/reset", {"username": username, "code": code, "password": password,
                                   "password_again": password if again is None else again})


def test_reset_page_has_the_form_and_prefills_the_username(client):
    response = client.get("/reset?username=jade")
    assert heading(response) == "Set a new password"
    assert input_value(response, "username") == "jade"
    assert input_value(response, "code") == ""


def test_reset_code_sets_a_new_password(as_user, new_client, riverside, db, client):
    worker = as_user("worker")
    jades_old_phone = as_user("jade")
    with db.write() as session:
        jades_app_token = sessions.create_api_token(session, user_id=riverside["young"].id)
    me = {"Authorization": f"Bearer {jades_app_token}"}
    assert client.get("/api/v1/me", headers=me).status_code == 200
    code = _reset_code(worker, riverside["young"])
    # Shown once: the person page does not show it again.
    assert not page(worker.get(f"/people/{riverside['young'].id}")).select(".notice .code")

    browser = new_client()
    response = _redeem(browser, "JADE", code.lower().replace("-", " "))

    assert response.status_code == 303
    assert location(response) == "/?password_set=1"
    home = browser.get("/?password_set=1")
    assert heading(home) == "Hi Jade"
    assert text(page(home), '[role="status"]') == "Your new password is set."
    assert not is_logged_in(jades_old_phone)
    # Whoever had her password may have made an app token with it: that stops working too.
    assert client.get("/api/v1/me", headers=me).status_code == 401
    assert try_login(new_client(), "jade", PASSWORD).status_code == 401
    assert try_login(new_client(), "jade", NEW_PASSWORD).status_code == 303
    with db.read() as session:
        [used] = session.exec(select(PasswordResetCode)).all()
    assert used.used_at is not None


def test_reset_code_works_only_once(as_user, new_client, riverside):
    code = _reset_code(as_user("worker"), riverside["young"])
    assert _redeem(new_client(), "jade", code).status_code == 303

    response = _redeem(new_client(), "jade", code, password="another-fine-phrase")

    assert response.status_code == 422
    assert field_error(response, "code").startswith("That code does not work for that username.")
    assert try_login(new_client(), "jade", NEW_PASSWORD).status_code == 303


def test_only_the_newest_reset_code_works(as_user, new_client, riverside):
    worker = as_user("worker")
    first = _reset_code(worker, riverside["young"])
    second = _reset_code(worker, riverside["young"])

    assert _redeem(new_client(), "jade", first).status_code == 422
    assert _redeem(new_client(), "jade", second).status_code == 303


def test_expired_reset_code_fails(as_user, new_client, riverside, clock):
    code = _reset_code(as_user("worker"), riverside["young"])
    clock.advance(RESET_CODE_SECONDS + 1)

    browser = new_client()
    response = _redeem(browser, "jade", code)

    assert response.status_code == 422
    assert field_error(response, "code").startswith("That code does not work for that username.")
    assert not is_logged_in(browser)
    assert try_login(new_client(), "jade", PASSWORD).status_code == 303


@pytest.mark.parametrize("username, code", [
    ("jade", "WRONG-CODE"),
    ("milo", None),  # the right code for someone else
    ("nobody", None),
    ("jade", ""),
])
def test_wrong_reset_code_gives_a_clear_message(as_user, new_client, riverside, username,
                                                code):
    real = _reset_code(as_user("worker"), riverside["young"])
    typed = real if code is None else code
    browser = new_client()

    response = _redeem(browser, username, typed)

    assert response.status_code == 422
    assert field_error(response, "code") == (
        "That code does not work for that username. It may have expired or been used "
        "already: ask your youth worker for a new one.")
    assert input_value(response, "username") == username
    assert input_value(response, "code") == typed
    assert not is_logged_in(browser)
    # The real code still works for the right person.
    assert _redeem(new_client(), "jade", real).status_code == 303


@pytest.mark.parametrize("password, again, field, message", [
    ("short", "short", "password", "Use at least 8 characters."),
    ("password123", "password123", "password",
     "That password is one of the most common ones, so it is easy to guess. Try another."),
    (NEW_PASSWORD, "something-else-entirely", "password_again",
     "The two passwords are different. Type them again."),
])
def test_reset_with_a_bad_new_password_keeps_the_code(as_user, new_client, riverside,
                                                      password, again, field, message):
    code = _reset_code(as_user("worker"), riverside["young"])

    response = _redeem(new_client(), "jade", code, password, again)

    assert response.status_code == 422
    assert field_error(response, field) == message
    assert input_value(response, "password") is None
    # Nothing was used up: the same code works with a good password.
    assert _redeem(new_client(), "jade", code).status_code == 303


def test_suspended_person_cannot_use_a_reset_code(as_user, new_client, riverside):
    worker = as_user("worker")
    code = _reset_code(worker, riverside["young"])
    post(worker, f"/people/{riverside['young'].id}/suspend", {"reason": "Bullying"})

    response = _redeem(new_client(), "jade", code)

    assert response.status_code == 403
    assert field_error(response, "code") == (
        "This account is suspended. Talk to a youth worker at your organisation.")
