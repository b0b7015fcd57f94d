"""A process's writes, fed through one writer: writes that arrive together share one
transaction.

When a whole room votes at once, hundreds of requests would otherwise each open, write and
commit a transaction of their own, with a thread each: on SQLite they queue for its one write
lock, on PostgreSQL each commit waits for the disk and they contend for the same rows. Here
one thread takes whatever writes are waiting (up to `BATCH`), runs them one after another in
one transaction, and commits once. Every caller is answered only after the commit, so an
answer still means "saved". (On PostgreSQL each worker process has its own writer; the
database keeps their transactions apart as before.)

Most writes succeed. When one fails (a refusal, bad input, the database away), the whole
transaction is rolled back and each write of the batch is done again in a transaction of its
own, so the failure costs only its own write: the others are kept, and its caller gets its
error. Nothing a failed write did is ever kept, and no caller hears "saved" for a write that
was rolled back.

The thread starts with the first write and ends after a quiet second, and each write runs in
a copy of its caller's context (the language a message is written in, for example). When the
app shuts down, `stop` lets the writes already waiting finish (a caller that went away still
had its write made) before the database's connections are closed.
"""

import asyncio
import contextvars
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Connection
from sqlmodel import Session

from server.db import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
BATCH = 100  # writes to one transaction at most
IDLE_SECONDS = 1.0  # the thread ends after this long with nothing to write


@dataclass
class _Job(Generic[T]):
    work: Callable[[Session], T]
    context: contextvars.Context
    loop: asyncio.AbstractEventLoop
    done: "asyncio.Future[T]"
    then: Callable[[T], None] | None


class Writer:
    def __init__(self, db: Database) -> None:
        self._db = db
        # None asks the thread to end once the writes before it are done.
        self._jobs: queue.SimpleQueue[_Job[Any] | None] = queue.SimpleQueue()
        self._turn = threading.Lock()  # guards `_thread`
        self._thread: threading.Thread | None = None

    async def run(self, work: Callable[[Session], T], *,
                  then: Callable[[T], None] | None = None) -> T:
        """Run `work` in a write transaction and return what it returned, once committed.

        `then` is called with that on the event loop right after the commit, even if the
        caller has stopped waiting (a phone that went away still had its vote announced)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        self._jobs.put(_Job(work, contextvars.copy_context(), loop, done, then))
        with self._turn:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="writer",
                                                daemon=True)
                self._thread.start()
        return await asyncio.shield(done)

    def stop(self) -> None:
        """Finish every write already waiting, then end the thread (the app is shutting
        down); a write that comes later starts it again."""
        with self._turn:
            thread = self._thread
            if thread is None:
                return
            self._jobs.put(None)
        thread.join()

    def _serve(self) -> None:
        while True:
            try:
                first = self._jobs.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                first = None  # quiet: end, unless a write came in meanwhile
            if first is None:
                if self._end():
                    return
                continue
            jobs = [first]
            asked_to_end = False
            while len(jobs) < BATCH:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    asked_to_end = True
                    break
                jobs.append(job)
            self._write(jobs)
            if asked_to_end and self._end():
                return

    def _end(self) -> bool:
        """The thread ends when nothing is waiting; checked under the lock `run` starts a
        thread with, so no write is left with nobody to make it."""
        with self._turn:
            if self._jobs.empty():
                self._thread = None
                return True
        return False

    def _write(self, jobs: list[_Job[Any]]) -> None:
        outcomes: list[tuple[Any, BaseException | None]] | None = None
        if len(jobs) > 1:
            try:
                with self._db.batch() as connection:
                    outcomes = [(_run(connection, job), None) for job in jobs]
            except Exception:  # one of them failed: each is tried on its own
                outcomes = None
        if outcomes is None:
            outcomes = [self._alone(job) for job in jobs]
        for job, (value, error) in zip(jobs, outcomes, strict=True):
            try:
                job.loop.call_soon_threadsafe(_answer, job, value, error)
            except RuntimeError:  # its event loop has closed: nobody is left to tell
                log.warning("a write was committed after its caller's event loop closed")

    def _alone(self, job: _Job[T]) -> tuple[T | None, BaseException | None]:
        try:
            with self._db.batch() as connection:
                return _run(connection, job), None
        except Exception as error:  # the caller gets it
            return None, error


def _run(connection: Connection, job: _Job[T]) -> T:
    """One write on the batch's connection: its session flushes into the transaction, and
    an error rolls the whole transaction back."""
    with Session(bind=connection, join_transaction_mode="rollback_only",
                 expire_on_commit=False) as session:
        value = job.context.run(job.work, session)
        session.flush()
    return value


def _answer(job: _Job[T], value: T, error: BaseException | None) -> None:
    if error is None and job.then is not None:
        try:
            job.then(value)
        except Exception:
            log.exception("after a write")
    if job.done.cancelled():
        return
    if error is not None:
        job.done.set_exception(error)
    else:
        job.done.set_result(value)
