"""SQLite's one writer: writes that arrive together are committed together; a failed one
costs only itself; each caller is answered only after the commit."""

import asyncio
import contextlib
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server import i18n, writer
from server.accounts.models import Organisation
from server.db import Database
from server.errors import InvalidInput
from server.writer import Writer
from tests.live.test_hub import run


@pytest.fixture
def db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    path = tmp_path / "writer.db"
    shutil.copyfile(sqlite_template, path)
    found = Database(f"sqlite:///{path}")
    yield found
    found.dispose()


def add(name: str) -> Any:
    def work(session: Session) -> int:
        org = Organisation(name=name, slug=name.lower())
        session.add(org)
        session.flush()
        assert org.id is not None
        return org.id

    return work


def refuse_after_adding(name: str) -> Any:
    def work(session: Session) -> int:
        add(name)(session)
        raise InvalidInput({"name": "That name is taken."})

    return work


def names(db: Database) -> set[str]:
    with db.read() as session:
        found = list(session.exec(select(Organisation.name)))
    assert len(found) == len(set(found)), "nothing was written twice"
    return set(found)


def commits(db: Database) -> list[int]:
    counted: list[int] = []
    event.listen(db.engine, "commit", lambda connection: counted.append(1))
    return counted


def test_writes_that_arrive_together_share_a_transaction_and_each_is_answered(db):
    counted = commits(db)
    writes = Writer(db)

    async def main() -> list[int]:
        return await asyncio.gather(*(writes.run(add(f"Club {n}")) for n in range(60)))

    ids = run(main())
    assert len(set(ids)) == 60
    assert names(db) == {f"Club {n}" for n in range(60)}
    assert 1 <= len(counted) < 60, "sixty writes at once took fewer commits than sixty"


def test_a_refused_write_is_rolled_back_alone_and_its_caller_gets_the_refusal(db):
    writes = Writer(db)

    async def main() -> list[Any]:
        return await asyncio.gather(writes.run(add("Before")),
                                    writes.run(refuse_after_adding("Refused")),
                                    writes.run(add("After")), return_exceptions=True)

    before, refused, after = run(main())
    assert isinstance(before, int) and isinstance(after, int)
    assert isinstance(refused, InvalidInput) and refused.errors == {"name": "That name is taken."}
    assert names(db) == {"Before", "After"}


def test_when_the_commit_fails_nothing_is_kept_and_every_caller_hears(db, monkeypatch):
    real = db.batch

    @contextlib.contextmanager
    def failing_commit() -> Iterator[Any]:
        with real() as connection:
            yield connection
            raise OSError("disk full")  # before the commit: the transaction is rolled back

    monkeypatch.setattr(db, "batch", failing_commit)
    writes = Writer(db)

    async def main() -> list[Any]:
        return await asyncio.gather(writes.run(add("One")), writes.run(add("Two")),
                                    writes.run(refuse_after_adding("Three")),
                                    return_exceptions=True)

    one, two, three = run(main())
    assert isinstance(one, OSError) and isinstance(two, OSError)
    assert isinstance(three, InvalidInput), "a refused write keeps its own reason"
    assert names(db) == set()


def test_a_write_runs_in_its_callers_language(db):
    writes = Writer(db)

    def work(session: Session) -> str:
        return i18n._("Choose one option.")

    async def main(locale: str) -> str:
        with i18n.using(locale):
            return await writes.run(work)

    assert run(main("en")) == "Choose one option."
    assert run(main("cy")) not in ("", "Choose one option.")


def test_what_follows_a_write_runs_after_the_commit_even_if_the_caller_went_away(db):
    writes = Writer(db)
    heard: list[tuple[int, set[str]]] = []
    gate = threading.Event()

    def slow(session: Session) -> int:
        gate.wait(5)
        return int(add("Slow")(session))

    async def main() -> None:
        caller = asyncio.create_task(
            writes.run(slow, then=lambda found: heard.append((found, names(db)))))
        await asyncio.sleep(0.05)
        caller.cancel()
        gate.set()
        with pytest.raises(asyncio.CancelledError):
            await caller
        for _ in range(100):
            if heard:
                break
            await asyncio.sleep(0.02)

    run(main())
    assert len(heard) == 1
    assert "Slow" in heard[0][1], "it was told after the write was committed"


def test_the_writer_stops_when_quiet_and_starts_again_for_the_next_write(db, monkeypatch):
    monkeypatch.setattr(writer, "IDLE_SECONDS", 0.05)
    writes = Writer(db)
    run(writes.run(add("First")))
    for _ in range(100):
        if writes._thread is None:
            break
        time.sleep(0.02)
    assert writes._thread is None, "no thread waits for writes that do not come"
    run(writes.run(add("Second")))
    assert names(db) == {"First", "Second"}


def test_a_write_may_use_savepoints_of_its_own(db):
    """A service that tries an insert and falls back (a unique constraint) still works
    inside the transaction it shares with other writes."""
    writes = Writer(db)
    run(writes.run(add("Taken")))

    def try_twice(session: Session) -> str:
        try:
            with session.begin_nested():
                session.add(Organisation(name="Again", slug="taken"))
        except IntegrityError:  # the unique slug refused it
            session.add(Organisation(name="Again", slug="again"))
        return "done"

    async def main() -> list[Any]:
        return await asyncio.gather(writes.run(add("Before")), writes.run(try_twice),
                                    writes.run(add("After")))

    assert run(main())[1] == "done"
    with db.read() as session:
        slugs = list(session.exec(select(Organisation.slug).order_by(col(Organisation.id))))
    assert slugs == ["taken", "before", "again", "after"]


def test_stopping_makes_the_waiting_writes_first_and_a_later_write_starts_again(db):
    """The app shutting down: a write whose caller went away is still made, and its
    connection is back in the pool before the pool is closed."""
    writes = Writer(db)
    gate = threading.Event()

    def slow(session: Session) -> int:
        gate.wait(5)
        return int(add("Slow")(session))

    async def main() -> None:
        caller = asyncio.create_task(writes.run(slow))
        queued = asyncio.create_task(writes.run(add("Queued")))
        await asyncio.sleep(0.05)
        caller.cancel()
        threading.Timer(0.1, gate.set).start()
        await asyncio.to_thread(writes.stop)
        assert await queued

    run(main())
    assert names(db) == {"Slow", "Queued"}
    assert writes._thread is None
    assert db.engine.pool.checkedout() == 0, "no connection is left in use"
    run(writes.run(add("After")))
    assert names(db) == {"Slow", "Queued", "After"}
    writes.stop()
    writes.stop()  # stopping a stopped writer does nothing
