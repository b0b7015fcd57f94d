"""A password's slow argon2 work is done before its write, never by the writer that every
other vote and comment waits for; the answers are the same as before."""

import threading

import pytest
from argon2 import PasswordHasher

from server.accounts.codes import pretty
from tests.accounts.helpers import is_logged_in, make_invite, text, try_login
from tests.conftest import PASSWORD, page, post

NEW_PASSWORD = "orange-lantern-valley"


class WhereHashed:
    """Records which thread each argon2 hash and check ran on."""

    def __init__(self, inner: PasswordHasher) -> None:
        self.inner = inner
        self.threads: list[str] = []

    def hash(self, password: str) -> str:
        self.threads.append(threading.current_thread().name)
        return self.inner.hash(password)

    def verify(self, hash_: str, password: str) -> bool:
        self.threads.append(threading.current_thread().name)
        return self.inner.verify(hash_, password)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


@pytest.fixture
def where(passwords, riverside, monkeypatch) -> WhereHashed:
    """Set up after the organisation's accounts (whose passwords the test hashed)."""
    found = WhereHashed(passwords.hasher)
    monkeypatch.setattr(passwords, "hasher", found)
    return found


def off_the_writer(where: WhereHashed, calls: int) -> None:
    assert len(where.threads) == calls
    assert "writer" not in where.threads, "argon2 never holds up the other writes"
    where.threads.clear()


def test_logging_in_right_wrong_or_unknown(where, new_client, riverside):
    assert try_login(new_client(), "jade").status_code == 303
    off_the_writer(where, 1)
    assert try_login(new_client(), "jade", "not-her-password").status_code == 401
    off_the_writer(where, 1)
    assert try_login(new_client(), "nobody-here").status_code == 401
    off_the_writer(where, 1)


def test_a_locked_out_login_does_no_argon2_work_at_all(where, new_client, riverside):
    browser = new_client()
    attempts = 0
    while (response := try_login(browser, "jade", "not-her-password")).status_code == 401:
        attempts += 1
    assert response.status_code == 429
    off_the_writer(where, attempts)


def test_changing_my_password(where, as_user, new_client, riverside):
    jade = as_user("jade")
    where.threads.clear()
    response = post(jade, "/account/password", {
        "current": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 303
    off_the_writer(where, 2)  # the current one checked, the new one hashed
    assert try_login(new_client(), "jade", NEW_PASSWORD).status_code == 303
    wrong = post(jade, "/account/password", {
        "current": "not-it-at-all", "password": PASSWORD, "password_again": PASSWORD})
    assert wrong.status_code == 422
    assert "That is not your current password." in wrong.text


def test_joining_with_a_code(where, client, db, riverside):
    invite = make_invite(db, riverside["worker"], label="Tuesday group")
    response = post(client, "/join", {
        "code": pretty(invite.code), "step": "details", "username": "sky_rider",
        "display_name": "Sky", "age_band": "13_15", "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD})
    assert response.status_code == 303
    off_the_writer(where, 1)
    assert is_logged_in(client)


def test_setting_a_password_with_a_reset_code(where, as_user, new_client, riverside):
    issued = post(as_user("worker"), f"/people/{riverside['young'].id}/reset-code")
    code = text(page(issued), ".notice .code")
    where.threads.clear()
    redeemed = post(new_client(), "/reset", {"username": "jade", "code": code,
                                             "password": NEW_PASSWORD,
                                             "password_again": NEW_PASSWORD})
    assert redeemed.status_code == 303
    off_the_writer(where, 1)
    assert try_login(new_client(), "jade", NEW_PASSWORD).status_code == 303


def test_a_guessed_reset_code_costs_no_argon2_work(where, new_client, riverside):
    guessed = post(new_client(), "/reset", {"username": "jade", "code": "ABCD-EFGH-JK",
                                            "password": NEW_PASSWORD,
                                            "password_again": NEW_PASSWORD})
    assert guessed.status_code == 422
    assert "That code does not work for that username." in guessed.text
    off_the_writer(where, 0)
    assert try_login(new_client(), "jade").status_code == 303, "the password is unchanged"


def test_erasing_my_account(where, as_user, new_client, riverside):
    jade = as_user("jade")
    where.threads.clear()
    wrong = post(jade, "/account/erase", {"password": "not-it-at-all", "confirm": "yes"})
    assert wrong.status_code == 422
    off_the_writer(where, 1)
    erased = post(jade, "/account/erase", {"password": PASSWORD, "confirm": "yes"})
    assert erased.status_code == 303
    off_the_writer(where, 1)
    assert try_login(new_client(), "jade").status_code == 401


def test_a_hash_that_changed_before_the_write_is_checked_afresh(passwords):
    old, new = passwords.hash("first-password-1"), passwords.hash("second-password-2")
    ready = passwords.ahead(check=[(old, "first-password-1")], new=["third-password-3"])
    assert ready.verify(old, "first-password-1") is True
    assert ready.verify(new, "first-password-1") is False, "worked out against the new hash"
    assert ready.verify(new, "second-password-2") is True
    made = ready.hash("third-password-3")
    assert passwords.verify(made, "third-password-3")
    assert ready.hash("fourth-password-4") != made
    assert passwords.verify(ready.hash("fourth-password-4"), "fourth-password-4")
