"""Server-side sessions: the cookie, a new id at login, timeouts, and ending them."""

from http.cookies import SimpleCookie

from sqlmodel import select

from server.accounts.codes import digest
from server.accounts.models import UserSession
from server.app import create_app
from server.settings import Settings
from tests.conftest import PASSWORD, csrf_token, login, page, post


def _session_cookie(response) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        if header.startswith("sv_session="):
            cookie.load(header)
    return cookie


def test_session_cookie_is_random_httponly_and_samesite_lax(client, riverside):
    response = login(client, "jade")
    morsel = _session_cookie(response)["sv_session"]
    assert len(morsel.value) >= 43  # 256 random bits, URL-safe base64
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert not morsel["secure"]


def test_session_cookie_is_secure_behind_https(settings, riverside):
    from starlette.testclient import TestClient

    app = create_app(settings.with_(https=True))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as browser:
        response = login(browser, "jade")
    assert _session_cookie(response)["sv_session"]["secure"] is True
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_the_database_keeps_only_a_hash_of_the_session_id(client, riverside, db):
    response = login(client, "jade")
    token = _session_cookie(response)["sv_session"].value
    with db.read() as session:
        ids = session.exec(select(UserSession.id)).all()
    assert token not in ids and digest(token) in ids


def test_a_session_id_planted_before_login_is_replaced(client, riverside):
    client.cookies.set("sv_session", "planted-by-someone-else-0123456789abcdef0123")
    response = login(client, "jade")
    assert _session_cookie(response)["sv_session"].value != (
        "planted-by-someone-else-0123456789abcdef0123")


def test_each_login_gets_a_new_session_id(client, new_client, riverside):
    first = _session_cookie(login(client, "jade"))["sv_session"].value
    second = _session_cookie(login(new_client(), "jade"))["sv_session"].value
    assert first != second


def test_logout_ends_the_session_on_the_server(client, new_client, riverside):
    token = _session_cookie(login(client, "jade"))["sv_session"].value
    assert post(client, "/logout").status_code == 303
    replay = new_client()
    replay.cookies.set("sv_session", token)
    assert replay.get("/account").status_code == 303


def test_idle_timeout_ends_the_session(client, riverside, clock, app):
    login(client, "jade")
    idle = app.state.runtime.settings.session_idle_seconds
    clock.advance(idle - 120)
    assert client.get("/account").status_code == 200  # activity keeps it alive
    clock.advance(idle - 120)
    assert client.get("/account").status_code == 200
    clock.advance(idle + 1)
    response = client.get("/account")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_absolute_lifetime_ends_even_an_active_session(settings, riverside, clock):
    from starlette.testclient import TestClient

    app = create_app(settings.with_(session_idle_seconds=3600, session_max_seconds=4 * 3600))
    with TestClient(app, follow_redirects=False) as browser:
        login(browser, "jade")
        for _ in range(4):  # 14,000 s of steady use: still inside the 4-hour lifetime
            clock.advance(3500)
            assert browser.get("/account").status_code == 200
        clock.advance(3500)
        assert browser.get("/account").status_code == 303


def test_an_ended_session_row_is_removed(client, riverside, clock, app, db):
    login(client, "jade")
    clock.advance(app.state.runtime.settings.session_idle_seconds + 1)
    client.get("/account")
    with db.read() as session:
        assert session.exec(select(UserSession)).all() == []


def test_suspension_ends_every_session_at_once(as_user, riverside):
    jade_phone, jade_laptop = as_user("jade"), as_user("jade")
    worker = as_user("worker")
    response = post(worker, f"/people/{riverside['young'].id}/suspend",
                    {"reason": "Shared their password"})
    assert response.status_code == 303
    for browser in (jade_phone, jade_laptop):
        assert browser.get("/account").status_code == 303


def test_suspended_person_cannot_log_in(as_user, client, riverside):
    worker = as_user("worker")
    post(worker, f"/people/{riverside['young'].id}/suspend", {"reason": "Safeguarding"})
    response = post(client, "/login", {"username": "jade", "password": PASSWORD})
    assert response.status_code == 403
    assert "suspended" in page(response).select_one("[role=alert]").get_text()


def test_logged_in_pages_carry_the_sessions_csrf_token(client, riverside):
    anonymous = csrf_token(client)
    login(client, "jade")
    assert csrf_token(client) != anonymous
    body = page(client.get("/")).select_one("body")
    assert csrf_token(client) in body["hx-headers"]


def test_settings_from_environment_control_timeouts():
    settings = Settings.from_env({"SESSION_IDLE_SECONDS": "600", "SESSION_MAX_SECONDS": "7200"})
    assert (settings.session_idle_seconds, settings.session_max_seconds) == (600, 7200)


def test_an_ended_session_cookie_is_cleared_in_the_browser(client, riverside, clock, app):
    login(client, "jade")
    clock.advance(app.state.runtime.settings.session_idle_seconds + 1)
    response = client.get("/account")
    cleared = _session_cookie(response)["sv_session"]
    assert cleared.value == "" and cleared["max-age"] == "0"
    assert "sv_session" not in client.cookies


def test_logging_in_over_a_stale_cookie_keeps_the_new_one(client, riverside):
    token = csrf_token(client)
    client.cookies.set("sv_session", "stale-" + "x" * 40)
    response = client.post("/login", data={"username": "jade", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 303
    assert [h for h in response.headers.get_list("set-cookie") if h.startswith("sv_session=")
            ] == [h for h in response.headers.get_list("set-cookie")
                  if h.startswith("sv_session=") and "Max-Age=0" not in h]
    assert client.get("/account").status_code == 200


def test_timed_out_sessions_are_forgotten_at_the_next_login(as_user, riverside, clock, app, db):
    as_user("jade")
    as_user("jade")
    clock.advance(app.state.runtime.settings.session_idle_seconds + 1)
    as_user("jade")
    with db.read() as session:
        assert len(session.exec(select(UserSession)).all()) == 1
