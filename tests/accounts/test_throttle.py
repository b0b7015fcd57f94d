"""Login throttling per account and per address, with a clear "try again in N minutes"."""

from server.app import create_app
from tests.conftest import PASSWORD, page, post


def _fail(browser, username="jade"):
    return post(browser, "/login", {"username": username, "password": "not-my-password"})


def test_too_many_failures_for_one_account_answer_429(client, riverside, app):
    limit = app.state.runtime.settings.login_max_failures_account
    for _ in range(limit):
        assert _fail(client).status_code == 401
    response = post(client, "/login", {"username": "jade", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    message = page(response).select_one("[role=alert]").get_text()
    assert "Try again in 15 minutes" in message


def test_the_lock_is_per_account_and_lifts_after_the_window(client, riverside, app, clock):
    settings = app.state.runtime.settings
    for _ in range(settings.login_max_failures_account):
        _fail(client)
    other = post(client, "/login", {"username": "worker", "password": PASSWORD})
    assert other.status_code == 303  # someone else on the same wifi is not locked out
    clock.advance(settings.login_window_seconds + 1)
    response = post(client, "/login", {"username": "jade", "password": PASSWORD})
    assert response.status_code == 303


def test_unknown_usernames_are_throttled_the_same_way(client, riverside, app):
    for _ in range(app.state.runtime.settings.login_max_failures_account):
        assert _fail(client, "no-such-person").status_code == 401
    assert _fail(client, "no-such-person").status_code == 429


def test_too_many_failures_from_one_address_answer_429(settings, riverside):
    from starlette.testclient import TestClient

    app = create_app(settings.with_(login_max_failures_address=4))
    with TestClient(app, follow_redirects=False) as browser:
        for name in ("a1", "a2", "a3", "a4"):
            assert _fail(browser, name).status_code == 401
        response = post(browser, "/login", {"username": "jade", "password": PASSWORD})
        assert response.status_code == 429
        assert "Try again in" in response.text


def test_a_success_clears_the_account_failures(client, riverside, app):
    limit = app.state.runtime.settings.login_max_failures_account
    for _ in range(limit - 1):
        _fail(client)
    post(client, "/login", {"username": "jade", "password": PASSWORD})
    post(client, "/logout")
    for _ in range(limit - 1):
        assert _fail(client).status_code == 401
