"""Retention: young people's accounts unused for longer than their organisation keeps them
are listed by `studentvoice retention --dry-run` and erased without it; using the app keeps an
account, and last activity is written at most once an hour."""

import pytest
from sqlmodel import select

from server import cli
from server.accounts.models import User
from server.audit import AuditEntry
from server.privacy import service
from tests.accounts.helpers import audit_entries, fresh_user, viewer_of

DAY = 24 * 60 * 60


@pytest.fixture
def operator(settings, monkeypatch):
    """The CLI, on the test's database."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)

    def run(*args: str) -> int:
        return cli.main(["retention", *args])

    return run


def erased_ids(db) -> set[int]:
    with db.read() as session:
        return {u.id for u in session.exec(select(User).where(User.erased_at.is_not(None)))}


def test_dry_run_lists_without_erasing_and_the_real_run_erases(
        db, riverside, clock, operator, capsys, as_user):
    clock.advance(731 * DAY)
    as_user("jade")  # Jade logs in: she is active again
    assert operator("--dry-run") == 0
    out = capsys.readouterr().out
    due = {riverside["child"].id, riverside["outsider"].id}
    for user_id in due:
        assert f"user {user_id} " in out
    assert f"user {riverside['young'].id} " not in out  # active
    assert f"user {riverside['worker'].id} " not in out  # staff are not erased by retention
    assert "riverside-youth-club" in out and "hillside-school" in out
    assert "milo" not in out.lower() and "olu" not in out.lower()  # no names
    assert "2 account(s) would be erased" in out
    assert erased_ids(db) == set()

    assert operator() == 0
    out = capsys.readouterr().out
    assert "Erased 2 account(s)." in out
    assert erased_ids(db) == due
    entries = audit_entries(db, "user.erased")
    assert {(e.target_user_id, e.actor_id, e.reason) for e in entries} == {
        (user_id, None, "retention") for user_id in due}
    # Nothing more to do the next time.
    assert operator() == 0
    assert "Erased 0 account(s)." in capsys.readouterr().out


def test_each_organisation_keeps_accounts_as_long_as_it_chose(
        db, riverside, clock, operator, capsys):
    with db.write() as session:
        service.change_settings(session, actor=viewer_of(db, riverside["admin"]),
                                retention_days="365", keep_comment_text="remove")
    clock.advance(400 * DAY)
    assert operator("--dry-run") == 0
    out = capsys.readouterr().out
    assert f"user {riverside['young'].id} " in out and f"user {riverside['child'].id} " in out
    assert f"user {riverside['outsider'].id} " not in out  # Hillside keeps two years
    assert erased_ids(db) == set()


def test_nothing_is_due_while_young_people_use_the_app(db, riverside, clock, operator, capsys):
    clock.advance(100 * DAY)
    assert operator("--dry-run") == 0
    assert "0 account(s) would be erased" in capsys.readouterr().out


def test_last_activity_is_written_at_most_once_an_hour(db, riverside, clock, as_user):
    jade = as_user("jade")
    logged_in_at = fresh_user(db, riverside["young"]).last_active_at
    assert logged_in_at is not None
    clock.advance(20 * 60)  # 20 minutes later: a page view touches the session, not the user
    assert jade.get("/account").status_code == 200
    assert fresh_user(db, riverside["young"]).last_active_at == logged_in_at
    clock.advance(50 * 60)  # over an hour since: written again
    assert jade.get("/account").status_code == 200
    later = fresh_user(db, riverside["young"]).last_active_at
    assert later is not None and later > logged_in_at


def test_the_audit_log_names_nobody_for_a_retention_erasure(db, riverside, clock, operator):
    clock.advance(800 * DAY)
    assert operator() == 0
    with db.read() as session:
        reasons = {e.reason for e in session.exec(
            select(AuditEntry).where(AuditEntry.action == "user.erased"))}
    assert reasons == {"retention"}
