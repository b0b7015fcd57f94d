"""What every benchmark shares.

- `App` / `Bare`: the app (`python -m server serve`) or the bare broadcast server (bench/bare.py)
  as a real server process on loopback, with its own SQLite file or PostgreSQL database; its
  memory (VmRSS of the process and its children) read from /proc.
- `make_room`: an organisation, a live campaign, its members (joined through the campaign
  service), polls, comments, API tokens and page sessions, written straight through the
  services in a few transactions.
- `Sockets`: websocket clients spread over several processes, each holding its share of the
  connections and recording when each message arrived (time.time(), the same clock in every
  process on one machine).
- `http_load`: HTTP requests from several processes over keep-alive connections, each at its
  scheduled moment (open loop) or back to back (closed loop).
- percentiles, lost and duplicate accounting, and a table that says whether a target was met.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import multiprocessing
import multiprocessing.connection
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHEAP = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "8", "ARGON2_PARALLELISM": "1"}
POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
SPAWN = multiprocessing.get_context("spawn")


# ------------------------------------------------------------------ figures


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan when there are no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return "—" if seconds != seconds else f"{seconds * 1000:.1f} ms"


@dataclass
class Row:
    what: str
    measured: str
    target: str = ""
    met: bool | None = None


@dataclass
class Report:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, what: str, measured: str, target: str = "", met: bool | None = None) -> None:
        self.rows.append(Row(what, measured, target, met))

    def print(self) -> None:
        width = max([len(r.what) for r in self.rows] + [10])
        mwidth = max([len(r.measured) for r in self.rows] + [8])
        print(f"\n## {self.title}\n")
        for row in self.rows:
            verdict = {True: "MET", False: "NOT MET", None: ""}[row.met]
            target = f"target {row.target}" if row.target else ""
            print(f"  {row.what:<{width}}  {row.measured:>{mwidth}}  {target:<24} {verdict}")
        for note in self.notes:
            print(f"  - {note}")
        print(flush=True)


def machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({cpu}), Python {sys.version.split()[0]}"


def suite_running() -> bool:
    found = subprocess.run(["pgrep", "-f", "pytest"], capture_output=True, text=True)
    return bool(found.stdout.strip())


def wait_for_quiet(big: bool) -> None:
    """Heavy runs wait until no test suite is running on this machine."""
    while big and suite_running():
        print("a test suite is running here: waiting 60 s before a heavy run", flush=True)
        time.sleep(60)


# ------------------------------------------------------------------ servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    """VmRSS of a process and all its descendants, in KiB."""
    total = 0
    for one in [pid, *descendants(pid)]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Server:
    """A server process on loopback, stopped whatever happens."""

    def __init__(self, argv: list[str], env: dict[str, str], workdir: Path, port: int,
                 ready_path: str) -> None:
        self.port = port
        self.log = workdir / f"server-{port}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, env=env, cwd=workdir)
        deadline = time.monotonic() + 90
        while not self._answers(ready_path):
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log.read_text()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server never answered:\n{self.log.read_text()}")
            time.sleep(0.1)

    def _answers(self, path: str) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                if not path:
                    return True
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Connection: close\r\n\r\n".encode())
                return s.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kib(self) -> int:
        return rss_kib(self.pid)

    def workers(self) -> dict[int, int]:
        """RSS in KiB of the process itself and of each of its descendants."""
        return {pid: rss_kib(pid) if pid == self.pid else _own_rss(pid)
                for pid in [self.pid, *descendants(self.pid)]}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _own_rss(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start_app(workdir: Path, database_url: str, *, workers: int = 1, broadcast_url: str = "",
              source: Path = ROOT, extra_env: dict[str, str] | None = None) -> Server:
    """`python -m server serve` from `source` (a checkout of the app)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "BROADCAST_URL", "MIGRATE_ON_START")}
    env.update(CHEAP, DATABASE_URL=database_url, PYTHONPATH=str(source), PYTHONUNBUFFERED="1")
    if broadcast_url:
        env["BROADCAST_URL"] = broadcast_url
    env.update(extra_env or {})
    argv = [sys.executable, "-m", "server", "serve", "--port", str(port)]
    if workers > 1:
        argv += ["--workers", str(workers)]
    return Server(argv, env, workdir, port, "/healthz")


def start_bare(workdir: Path) -> Server:
    port = free_port()
    argv = [sys.executable, str(ROOT / "bench" / "bare.py"), "--port", str(port)]
    return Server(argv, dict(os.environ), workdir, port, "")


def supports_workers(source: Path) -> bool:
    """Whether this checkout's `serve` has --workers (scale-out through Redis)."""
    found = subprocess.run([sys.executable, "-m", "server", "serve", "--help"],
                           capture_output=True, text=True, cwd=source,
                           env={**os.environ, "PYTHONPATH": str(source)})
    return "--workers" in found.stdout


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="sv-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path / 'bench.db'}"


def fresh_postgres(name: str = "bench") -> str:
    """An empty PostgreSQL database of the benchmarks' own (dropped and made again)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"


# ------------------------------------------------------------------ the room


@dataclass
class Room:
    database_url: str
    campaign_id: int
    poll_ids: list[int]
    options: dict[int, list[int]]  # poll id -> option ids
    tokens: list[str]  # API tokens of members, in order of creation
    cookies: list[str] = field(default_factory=list)  # page sessions of members


def make_room(database_url: str, *, members: int, tokens: int | None = None, polls: int = 1,
              comments: int = 0, cookies: int = 0, batch: int = 500) -> Room:
    """A live campaign with `members` young people (the first is its lead)."""
    from sqlmodel import col, select

    from server.accounts import service as accounts
    from server.accounts import sessions
    from server.accounts.passwords import Passwords
    from server.campaigns import discussion, service
    from server.campaigns import polls as poll_service
    from server.campaigns.models import Campaign, PollOption
    from server.db import Database
    from server.settings import Settings

    settings = Settings(argon2_time_cost=1, argon2_memory_cost=8, argon2_parallelism=1)
    passwords = Passwords(settings)
    db = Database(database_url)
    db.migrate()
    user_ids: list[int] = []
    try:
        with db.write() as session:
            org = accounts.create_organisation(session, name="Bench Youth Club")
            slug = org.slug
        for start in range(0, members, batch):
            with db.write() as session:
                for n in range(start, min(members, start + batch)):
                    user = accounts.create_user(
                        session, passwords, org_slug=slug, username=f"member{n}",
                        display_name=f"Member {n}", role="young_person", age_band="16_17",
                        password="a-long-bench-password")
                    assert user.id is not None
                    user_ids.append(user.id)

        def viewer(session: Any, user_id: int) -> Any:
            found = sessions.viewer_for_user(session, user_id)
            assert found is not None
            return found

        deadline = (date.today() + timedelta(days=60)).isoformat()
        goal = {"title": "Safe way to college", "deadline": deadline,
                "issue": "The 7 bus is late and crowded, so students miss the start of classes.",
                "exact": "The college timetable starts after the first bus arrives.",
                "measure_what": "students who get to college on time",
                "measure_unit": "students", "measure_target": "40", "measure_current": "5"}
        with db.write() as session:
            lead = viewer(session, user_ids[0])
            campaign = service.create_campaign(session, actor=lead, data=goal,
                                               steps=["Write to the course manager"])
            assert campaign.id is not None
            campaign_id = campaign.id
        with db.write() as session:
            service.go_live(session, actor=lead, campaign_id=campaign_id)
        with db.read() as session:
            found = session.get(Campaign, campaign_id)
            assert found is not None and found.join_code
            code = found.join_code
        for start in range(1, members, batch):
            with db.write() as session:
                for user_id in user_ids[start:start + batch]:
                    service.join(session, actor=viewer(session, user_id), code=code)
        poll_ids: list[int] = []
        with db.write() as session:
            for n in range(polls):
                poll = poll_service.create_poll(
                    session, actor=lead, campaign_id=campaign_id, open_now=True,
                    data={"kind": "single", "question": f"Where should we meet? ({n + 1})",
                          "description": "", "options": ["Library", "Youth club", "Park"],
                          "max_choices": "", "anonymous": True, "visibility": "live",
                          "closes_at": None})
                assert poll.id is not None
                poll_ids.append(poll.id)
        with db.write() as session:
            for n in range(comments):
                author = viewer(session, user_ids[n % len(user_ids)])
                discussion.post_comment(
                    session, actor=author, campaign_id=campaign_id,
                    text=f"Comment {n + 1}: the bus was late again this morning, and the "
                         "driver said the timetable cannot change before the spring.")
        options: dict[int, list[int]] = {}
        with db.read() as session:
            for poll_id in poll_ids:
                options[poll_id] = [o.id for o in session.exec(
                    select(PollOption).where(PollOption.poll_id == poll_id)
                    .order_by(col(PollOption.position))) if o.id is not None]
        made: list[str] = []
        wanted = members if tokens is None else min(tokens, members)
        for start in range(0, wanted, batch):
            with db.write() as session:
                made += [sessions.create_api_token(session, user_id=user_id, label="bench")
                         for user_id in user_ids[start:min(wanted, start + batch)]]
        pages: list[str] = []
        with db.write() as session:
            pages = [sessions.start(session, settings, user_id=user_id)
                     for user_id in user_ids[:cookies]]
    finally:
        db.dispose()
    return Room(database_url, campaign_id, poll_ids, options, made, pages)


def count_ballots(database_url: str, poll_id: int) -> tuple[int, int, int]:
    """(ballots, distinct voters, receipts) of a poll, from the database."""
    from sqlalchemy import func
    from sqlmodel import select

    from server.campaigns.models import Ballot, BallotReceipt
    from server.db import Database

    db = Database(database_url)
    try:
        with db.read() as session:
            ballots = session.exec(select(func.count()).select_from(Ballot)
                                   .where(Ballot.poll_id == poll_id)).one()
            voters = session.exec(select(func.count(func.distinct(Ballot.user_id)))
                                  .where(Ballot.poll_id == poll_id)).one()
            receipts = session.exec(select(func.count()).select_from(BallotReceipt)
                                    .where(BallotReceipt.poll_id == poll_id)).one()
    finally:
        db.dispose()
    return int(ballots), int(voters), int(receipts)


# ------------------------------------------------------------------ HTTP from the harness


def call(port: int, method: str, path: str, *, token: str = "", body: Any = None,
         timeout: float = 30) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=None if body is None else json.dumps(body),
                           headers=headers)
        response = connection.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw or b"{}")
        except ValueError:
            return response.status, raw
    finally:
        connection.close()


def ballot_body(option_id: int, op: str) -> dict[str, Any]:
    return {"choices": [option_id], "client_op_id": op}


# ------------------------------------------------------------------ websocket clients


@dataclass
class Received:
    """What one client process saw, per connection."""

    # per connection: (kind code, key, value, time): "t" tallies (poll_id, ballots),
    # "c" comments (comment id, 0)
    messages: list[list[tuple[str, int, int, float]]]
    closed: list[tuple[int, str, float] | None]  # close code, reason, when (None: still open)
    failed: list[str]  # connections that could not open, and why


class Sockets:
    """`count` websocket clients of `url`, spread over `processes` processes."""

    def __init__(self, url: str, count: int, *, tokens: Sequence[str] = (),
                 processes: int = 4, open_concurrency: int = 64,
                 open_timeout: float = 300, compression: str | None = "deflate") -> None:
        self.count = count
        self.pipes: list[multiprocessing.connection.Connection] = []
        self.procs: list[Any] = []
        processes = max(1, min(processes, count))
        shares = [count // processes + (1 if i < count % processes else 0)
                  for i in range(processes)]
        offset = 0
        for share in shares:
            mine = [tokens[(offset + i) % len(tokens)] for i in range(share)] if tokens else []
            offset += share
            parent, child = SPAWN.Pipe()
            proc = SPAWN.Process(target=_client_process,
                                 args=(child, url, share, mine, open_concurrency, compression),
                                 daemon=True)
            proc.start()
            child.close()
            self.pipes.append(parent)
            self.procs.append(proc)
        self.opened = 0
        self.failures: list[str] = []
        deadline = time.monotonic() + open_timeout
        for pipe in self.pipes:
            if not pipe.poll(max(0.1, deadline - time.monotonic())):
                raise RuntimeError("client processes did not open their connections in time")
            _, opened, failures = pipe.recv()
            self.opened += opened
            self.failures += failures

    def collect(self) -> list[Received]:
        for pipe in self.pipes:
            pipe.send(("report",))
        return [pipe.recv() for pipe in self.pipes]

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(("close",))
        for proc in self.procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()

    def __enter__(self) -> Sockets:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _client_process(pipe: multiprocessing.connection.Connection, url: str, count: int,
                    tokens: list[str], open_concurrency: int, compression: str | None) -> None:
    try:
        import uvloop

        uvloop.run(_clients(pipe, url, count, tokens, open_concurrency, compression))
    except ImportError:
        asyncio.run(_clients(pipe, url, count, tokens, open_concurrency, compression))


async def _clients(pipe: multiprocessing.connection.Connection, url: str, count: int,
                   tokens: list[str], open_concurrency: int, compression: str | None) -> None:
    """Browsers ask for permessage-deflate, so by default these clients do too."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    messages: list[list[tuple[str, int, int, float]]] = [[] for _ in range(count)]
    closed: list[tuple[int, str, float] | None] = [None] * count
    failed: list[str] = []
    sockets: list[Any] = []
    gate = asyncio.Semaphore(open_concurrency)
    readers: list[asyncio.Task[None]] = []
    stopping = False

    async def read(n: int, ws: Any) -> None:
        box = messages[n]
        try:
            async for text in ws:
                now = time.time()
                message = json.loads(text)
                kind = message.get("kind")
                data = message.get("data") or {}
                if kind == "poll.tally":
                    box.append(("t", int(data.get("poll_id") or 0), int(data["ballots"]), now))
                elif kind == "comment.created":
                    box.append(("c", int(data["comment"]["id"]), 0, now))
        except ConnectionClosed:
            pass
        if not stopping:
            closed[n] = (ws.close_code or 0, ws.close_reason or "", time.time())

    async def open_one(n: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[n]}"} if tokens else {}
        async with gate:
            for attempt in range(3):
                try:
                    ws = await connect(url, additional_headers=headers, open_timeout=60,
                                       ping_interval=None, max_size=2**20,
                                       compression=compression)
                    break
                except Exception as exc:
                    if attempt == 2:
                        failed.append(f"{type(exc).__name__}: {exc}"[:200])
                        return
                    await asyncio.sleep(0.5)
        sockets.append(ws)
        readers.append(asyncio.create_task(read(n, ws)))

    await asyncio.gather(*(open_one(n) for n in range(count)))
    pipe.send(("ready", len(sockets), failed))
    loop = asyncio.get_running_loop()
    while True:
        waiting = loop.create_future()
        loop.add_reader(pipe.fileno(), lambda f=waiting: f.done() or f.set_result(None))
        await waiting
        loop.remove_reader(pipe.fileno())
        os.set_blocking(pipe.fileno(), True)  # the event loop made it non-blocking
        command = pipe.recv()
        if command[0] == "report":
            pipe.send(Received(messages, list(closed), failed))
        elif command[0] == "close":
            stopping = True
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
            for task in readers:
                task.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
            return


def connections(received: Iterable[Received]) -> Iterator[list[tuple[str, int, int, float]]]:
    for part in received:
        yield from part.messages


def disconnects(received: Iterable[Received]) -> list[tuple[int, str, float]]:
    return [c for part in received for c in part.closed if c is not None]


def first_tally_at(box: list[tuple[str, int, int, float]], poll_id: int,
                   at_least: int) -> float | None:
    for kind, key, value, when in box:
        if kind == "t" and key == poll_id and value >= at_least:
            return when
    return None


def duplicate_tallies(box: list[tuple[str, int, int, float]]) -> int:
    """Tallies a client got twice (the same poll and count): coalescing never sends one twice."""
    seen: set[tuple[int, int]] = set()
    dup = 0
    for kind, key, value, _ in box:
        if kind == "t":
            if (key, value) in seen:
                dup += 1
            seen.add((key, value))
    return dup


def trigger_bare(port: int) -> Any:
    """A blocking connection to the bare server's trigger; `.send(n)` then `.recv()`."""
    from websockets.sync.client import connect

    return connect(f"ws://127.0.0.1:{port}/trigger")


# ------------------------------------------------------------------ HTTP load


@dataclass
class Job:
    at: float  # seconds after the start
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


# (scheduled, sent, answered, status): absolute time.time() values
Result = tuple[float, float, float, int]


def http_load(port: int, jobs: Sequence[Job], *, processes: int = 2, connections: int = 64,
              closed_loop_seconds: float = 0.0, start_in: float = 1.0) -> list[Result]:
    """Send `jobs` from `processes` processes over `connections` keep-alive connections each.

    Open loop (the default): each job is sent at its moment (`at`) or as soon as a connection
    is free; latency counts from the moment it was due, so a server that falls behind shows it.
    Closed loop (`closed_loop_seconds`): each connection sends the next job as soon as it has
    its answer, cycling through the jobs, for that many seconds."""
    start = time.time() + start_in + 0.2 * processes
    pipes = []
    procs = []
    for p in range(processes):
        parent, child = SPAWN.Pipe()
        share = list(jobs[p::processes])
        proc = SPAWN.Process(target=_http_process,
                             args=(child, port, share, connections, start,
                                   closed_loop_seconds), daemon=True)
        proc.start()
        child.close()
        pipes.append(parent)
        procs.append(proc)
    results: list[Result] = []
    for pipe in pipes:
        results += pipe.recv()
    for proc in procs:
        proc.join(timeout=30)
    return results


def _http_process(pipe: multiprocessing.connection.Connection, port: int, jobs: list[Job],
                  connections: int, start: float, closed_loop: float) -> None:
    try:
        import uvloop

        results = uvloop.run(_http_jobs(port, jobs, connections, start, closed_loop))
    except ImportError:
        results = asyncio.run(_http_jobs(port, jobs, connections, start, closed_loop))
    pipe.send(results)


async def _http_jobs(port: int, jobs: list[Job], connections: int, start: float,
                     closed_loop: float) -> list[Result]:
    results: list[Result] = []
    queue: asyncio.Queue[Job] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    stop_at = start + closed_loop

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            await asyncio.sleep(max(0.0, start - time.time()))
            n = 0
            while True:
                if closed_loop:
                    if time.time() >= stop_at or not jobs:
                        return
                    job = jobs[n % len(jobs)]
                    n += connections
                    due = time.time()
                else:
                    try:
                        job = queue.get_nowait()
                    except asyncio.QueueEmpty:
                        return
                    due = start + job.at
                    await asyncio.sleep(max(0.0, due - time.time()))
                sent = time.time()
                try:
                    status = await _request(reader, writer, port, job)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    status = 0
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                results.append((due, sent, time.time(), status))
        finally:
            writer.close()

    tasks = [asyncio.create_task(worker()) for _ in range(connections)]
    await asyncio.gather(*tasks, return_exceptions=True)
    return results


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int,
                   job: Job) -> int:
    head = [f"{job.method} {job.path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    head += [f"{k}: {v}" for k, v in job.headers.items()]
    head.append(f"Content-Length: {len(job.body)}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + job.body)
    raw = await reader.readuntil(b"\r\n\r\n")
    lines = raw.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


def json_job(at: float, method: str, path: str, token: str, body: Any) -> Job:
    return Job(at, method, path, {"Authorization": f"Bearer {token}",
                                  "Content-Type": "application/json"},
               json.dumps(body).encode())


def summarise(results: Sequence[Result]) -> dict[str, float]:
    """Throughput and latency (from when each request was due) of answered requests."""
    ok = [r for r in results if 200 <= r[3] < 300]
    if not results:
        return {"sent": 0, "ok": 0, "errors": 0, "rate": 0.0, "p50": float("nan"),
                "p99": float("nan"), "max": float("nan"), "span": 0.0}
    latencies = [r[2] - r[0] for r in ok]
    first = min(r[0] for r in results)
    last = max(r[2] for r in results)
    span = max(1e-9, last - first)
    return {"sent": len(results), "ok": len(ok), "errors": len(results) - len(ok),
            "rate": len(ok) / span, "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99), "max": max(latencies, default=float("nan")),
            "span": span, "first": first, "last_ack": max((r[2] for r in ok), default=0.0)}


def statuses(results: Sequence[Result]) -> dict[int, int]:
    found: dict[int, int] = {}
    for r in results:
        found[r[3]] = found.get(r[3], 0) + 1
    return found
