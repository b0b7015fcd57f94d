"""Engine, sessions and migrations.

SQLite is tuned for a web app: WAL so readers never wait for the writer,
foreign keys enforced, a busy timeout, and write transactions opened with
BEGIN IMMEDIATE. A deferred transaction that reads and then writes fails at
once with "database is locked" when another writer got there first; an
immediate one takes the write lock up front and waits its turn instead.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    Table,
    TypeDecorator,
    create_engine,
    event,
    make_url,
    text,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, SQLModel

from server import MIGRATIONS_DIR, clock

BUSY_TIMEOUT_MS = 5000


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use server.clock.now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def created_now() -> datetime:
    """The default for a row's timestamps: the app's clock, in UTC."""
    return clock.now()


def foreign_key(target: str, *, nullable: bool = False, index: bool = True) -> Column[int]:
    """A required reference is deleted with its target; an optional one is set to NULL."""
    return Column(
        Integer,
        ForeignKey(target, ondelete="SET NULL" if nullable else "CASCADE"),
        nullable=nullable,
        index=index,
    )


def table(model: type[SQLModel]) -> Table:
    """A model's table, for plain SQL statements on paths where the ORM costs too much."""
    found = getattr(model, "__table__")  # noqa: B009 (models declare no __table__ attribute)
    assert isinstance(found, Table)
    return found


# Reads run on the server's thread pool (40 threads): with fewer pooled connections than that,
# a busy moment opens extra connections and closes them again straight after, and opening one
# (and, for SQLite, setting it up) costs more than most queries. So SQLite's pool keeps as
# many. A PostgreSQL connection is a server process: each worker keeps 20 and opens up to 10
# more for a burst, so two workers stay well inside PostgreSQL's default of 100.
SQLITE_POOL = 40
POSTGRES_POOL, POSTGRES_OVERFLOW = 20, 10


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = make_url(url).database or ""
        # An in-memory database lives in one connection, which SQLAlchemy keeps on its own.
        pool = ({} if database in ("", ":memory:") or "mode=memory" in url
                else {"pool_size": SQLITE_POOL, "max_overflow": SQLITE_POOL})
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=POSTGRES_POOL,
                         max_overflow=POSTGRES_OVERFLOW)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get("sqlite_one_statement", False):
            return  # SQLite runs the one statement in a transaction of its own
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("sqlite_immediate", False)
                                   else "BEGIN")


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._writer = self.engine.execution_options(sqlite_immediate=True)
        # SQLite has one writer at a time. Inside one process, writers queue on this lock and
        # each is woken as soon as the one before commits; SQLite's own busy timeout (which
        # polls, and lets a newcomer overtake someone who has waited long) is then only
        # needed between processes.
        self._write_turn = threading.Lock() if url.startswith("sqlite") else None
        # SQLite reads a row from a file the OS has cached, in microseconds and without waiting
        # for writers (WAL): the hottest look-ups (an app's token, on every request) are
        # quicker done on the event loop than handed to a thread and back. A PostgreSQL read
        # waits for the network, so it always goes to a thread.
        self.reads_inline = url.startswith("sqlite")
        self._one_statement = self.engine.execution_options(sqlite_one_statement=True)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that will write: committed on success, rolled back on error."""
        with (self._write_turn or nullcontext()), \
                Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def batch(self) -> Iterator[Connection]:
        """One write transaction on a bare connection, for `server.writer`: committed on
        success, rolled back on error."""
        with (self._write_turn or nullcontext()), self._writer.connect() as connection, \
                connection.begin():
            yield connection

    @contextmanager
    def glance(self) -> Iterator[Connection]:
        """For one read statement on the event loop itself (SQLite only, see `reads_inline`):
        no transaction of its own around it, no session."""
        assert self.reads_inline
        with self._one_statement.connect() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def migrate(self) -> None:
        migrate(self.engine)

    def dispose(self) -> None:
        # A connection still in use now (a write finishing as the app stops) comes back to
        # this pool later, when nothing uses the pool any more: it is closed then, not left
        # open until the collector finds it.
        retired = self.engine.pool
        event.listen(retired, "checkin", _close_when_returned)
        self.engine.dispose()


def _close_when_returned(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    if dbapi_connection is not None:
        record.invalidate()


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)
