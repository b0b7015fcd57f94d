"""Storage: SQLite tuning, immediate write transactions, migrations that match the models."""

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy import select as sql_select
from sqlmodel import SQLModel, select

from server.accounts.models import Organisation
from server.db import SQLITE_POOL, Database, make_engine, migrate, table


@pytest.fixture
def sqlite_db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'app.db'}")
    database.migrate()
    yield database
    database.dispose()


def test_sqlite_is_tuned_for_a_web_app(sqlite_db):
    with sqlite_db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_foreign_keys_are_enforced(sqlite_db):
    from sqlalchemy.exc import IntegrityError

    from server.accounts.models import Member

    with pytest.raises(IntegrityError), sqlite_db.write() as session:
        session.add(Member(org_id=999, user_id=999, role="young_person"))


def test_a_second_writer_waits_its_turn_instead_of_failing(sqlite_db):
    """Two read-then-write transactions at once: with BEGIN IMMEDIATE both succeed."""
    with sqlite_db.write() as session:
        session.add(Organisation(name="Counter", slug="counter-0"))
    first_in = threading.Event()
    errors: list[Exception] = []

    def bump(hold: bool) -> None:
        try:
            with sqlite_db.write() as session:
                count = len(session.exec(select(Organisation)).all())
                if hold:
                    first_in.set()
                    threading.Event().wait(0.3)
                session.add(Organisation(name="Counter", slug=f"counter-{count}-{hold}"))
        except Exception as exc:  # the failure we guard against: "database is locked"
            errors.append(exc)

    holder = threading.Thread(target=bump, args=(True,))
    holder.start()
    first_in.wait(5)
    bump(False)
    holder.join()
    assert errors == []
    with sqlite_db.read() as session:
        slugs = sorted(o.slug for o in session.exec(select(Organisation)))
    # The second writer saw the first one's row: it really waited for the commit.
    assert slugs == ["counter-0", "counter-1-True", "counter-2-False"]


def test_a_failed_write_leaves_nothing_half_written(sqlite_db):
    with pytest.raises(RuntimeError), sqlite_db.write() as session:
        session.add(Organisation(name="Half", slug="half"))
        session.flush()
        raise RuntimeError("boom")
    with sqlite_db.read() as session:
        assert session.exec(select(Organisation)).all() == []


def test_migrations_match_the_models(database_url):
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    engine.dispose()


def test_migrating_twice_is_harmless(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'twice.db'}")
    migrate(engine)
    migrate(engine)
    assert "user" in inspect(engine).get_table_names()
    engine.dispose()


def test_the_app_migrates_on_start(settings, tmp_path):
    from starlette.testclient import TestClient

    from server.app import create_app

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = create_app(settings.with_(database_url=url, migrate_on_start=True))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
    engine = make_engine(url)
    assert "organisation" in inspect(engine).get_table_names()
    engine.dispose()


def test_datetimes_come_back_aware_and_in_utc(db):
    paris = timezone(timedelta(hours=1))
    created = datetime(2026, 3, 1, 12, 0, tzinfo=paris)
    with db.write() as session:
        session.add(Organisation(name="Time", slug="time", created_at=created))
    with db.read() as session:
        stored = session.exec(select(Organisation.created_at)).one()
    assert stored == created and stored.tzinfo == UTC


def test_naive_datetimes_are_refused(db):
    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError, match="naive datetime"), db.write() as session:
        session.add(Organisation(name="Naive", slug="naive", created_at=datetime(2026, 1, 1)))


def test_ping_answers(db):
    db.ping()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1


def test_a_busy_moment_reuses_pooled_connections_and_memory_databases_still_work(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    held = [engine.connect() for _ in range(SQLITE_POOL)]
    for connection in held:
        connection.close()
    assert engine.pool.checkedin() == SQLITE_POOL, "all kept for the next busy moment"
    engine.dispose()
    memory = make_engine("sqlite://")
    with memory.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
    memory.dispose()


def test_sqlite_reads_one_row_on_the_spot_and_its_connections_still_write(db):
    """An app's token is looked up on the event loop on SQLite (a thread on PostgreSQL):
    one statement, no transaction held open, and the pooled connection it used writes in
    transactions as before."""
    assert db.reads_inline is db.url.startswith("sqlite")
    if not db.reads_inline:
        with pytest.raises(AssertionError), db.glance():
            pass
        return
    name = table(Organisation).c.name
    with db.write() as session:
        session.add(Organisation(name="Before", slug="before"))
    for n in range(3):
        with db.glance() as connection:
            found = connection.execute(sql_select(name).order_by(name)).scalars().all()
            assert "Before" in found
            assert not connection.connection.dbapi_connection.in_transaction
        with db.write() as session:
            session.add(Organisation(name=f"After {n}", slug=f"after-{n}"))
            assert session.connection().connection.dbapi_connection.in_transaction
    with db.glance() as connection:
        assert {"After 0", "After 1", "After 2"} <= set(
            connection.execute(sql_select(name)).scalars())


def test_a_connection_in_use_as_the_database_closes_is_closed_when_it_comes_back(db):
    """The app stopping while a write still finishes: that connection is closed when it is
    returned, not left open for the collector to find."""
    connection = db.engine.connect()
    assert connection.execute(text("SELECT 1")).scalar_one() == 1
    raw = connection.connection.dbapi_connection
    db.dispose()
    connection.close()
    if db.url.startswith("sqlite"):
        with pytest.raises(sqlite3.ProgrammingError):
            raw.execute("SELECT 1")
    else:
        assert raw.closed
    with db.engine.connect() as fresh:  # the database itself is still there for a new pool
        assert fresh.execute(text("SELECT 1")).scalar_one() == 1
