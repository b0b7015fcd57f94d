"""argon2id, rehashing, the same work for unknown usernames, and which passwords are refused."""

import pytest
from argon2 import PasswordHasher
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from server.accounts import service
from server.accounts.models import User
from server.accounts.passwords import Passwords, password_problem
from tests.conftest import PASSWORD, login, post


def test_hashes_are_argon2id(passwords):
    assert passwords.hash("a-long-passphrase").startswith("$argon2id$")


def test_production_defaults_are_strong():
    from server.settings import Settings

    hasher = Passwords(Settings()).hasher
    assert (hasher.time_cost, hasher.memory_cost) >= (3, 64 * 1024)


def test_login_rehashes_when_parameters_change(settings, make_org, make_user, db, new_client):
    from starlette.testclient import TestClient

    from server.app import create_app

    org = make_org()
    make_user(org, "jade")
    with db.read() as session:
        old_hash = session.exec(select(User.password_hash)).one()
    assert "t=1" in old_hash
    stronger = create_app(settings.with_(argon2_time_cost=2))
    with TestClient(stronger, follow_redirects=False) as browser:
        login(browser, "jade")
    with db.read() as session:
        new_hash = session.exec(select(User.password_hash)).one()
    assert "t=2" in new_hash and new_hash != old_hash
    with TestClient(stronger, follow_redirects=False) as browser:
        login(browser, "jade")  # still the same password


class CountingHasher:
    def __init__(self, inner: PasswordHasher) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def verify(self, hash_: str, password: str) -> bool:
        self.calls.append(hash_)
        return self.inner.verify(hash_, password)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_unknown_username_costs_the_same_argon2_work(passwords, client, riverside, monkeypatch):
    counting = CountingHasher(passwords.hasher)
    monkeypatch.setattr(passwords, "hasher", counting)
    calls = counting.calls
    post(client, "/login", {"username": "jade", "password": "wrong-password-1"})
    post(client, "/login", {"username": "nobody-here", "password": "wrong-password-1"})
    assert len(calls) == 2
    # The same parameters, so the same work, for the real and the dummy hash.
    params = [h.split("$")[3] for h in calls]
    assert params[0] == params[1]


def test_an_account_without_a_password_cannot_log_in(passwords):
    assert passwords.verify(None, "") is False
    assert passwords.verify(None, "anything-at-all") is False


@pytest.mark.parametrize("password, problem", [
    ("short", "at least 8"),
    ("x" * 129, "at most 128"),
    ("password123", "most common"),
    ("qwertyuiop", "most common"),
    ("PASSWORD1", "most common"),
    ("jade-rocks-2026", "username"),
    ("aaaaaaaaaa", "too easy"),
])
def test_weak_passwords_are_refused_with_a_reason(password, problem):
    assert problem in password_problem(password, username="jade")


def test_long_passphrases_are_accepted():
    assert password_problem("correct horse battery staple " * 2) is None
    assert password_problem("a" * 64 + "bcd") is None


@given(st.text(min_size=5, max_size=125))
def test_any_unusual_password_of_allowed_length_is_fine(password):
    # Three unusual characters make it long enough, varied enough and not a common password.
    assert password_problem(password + "\u00e9\u00df\u4e2d") is None


def test_join_refuses_a_common_password(db, passwords, make_org, riverside):
    from server.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught, db.write() as session:
        service.create_user(session, passwords, org_slug=riverside["org"].slug, username="newbie",
                            display_name="New", role="young_person", age_band="13_15",
                            password="iloveyou")
    assert "common" in caught.value.errors["password"]


def test_correct_password_logs_in(client, riverside):
    assert login(client, "JADE", PASSWORD).headers["location"] == "/"
