"""Several app processes on one PostgreSQL and one Redis, started for real: a change made
through one reaches the pages open on the others, every event exactly once and in order, even
when Redis goes away and comes back; when the database goes away, writes say "try again" and
nothing half-written remains."""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, text
from sqlmodel import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from server.accounts import service, sessions
from server.accounts.passwords import Passwords
from server.campaigns.models import Campaign, Comment
from server.db import Database
from server.settings import Settings
from tests.campaigns.pages import join, make_campaign
from tests.campaigns.polls_helpers import make_poll, option_ids
from tests.conftest import TEST_DATABASE_URL, truncate_postgres
from tests.proxy import Proxy, proxy
from tests.serving import stop_process, wait_until_healthy
from tests.test_cli import free_port

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not (TEST_DATABASE_URL and REDIS_URL), reason=(
        "several processes share one PostgreSQL and one Redis: set TEST_DATABASE_URL and "
        "TEST_REDIS_URL (the CI script sets both)")),
]
ROOT = Path(__file__).resolve().parents[2]
CHEAP = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "8", "ARGON2_PARALLELISM": "1"}
WAIT = 30.0  # seconds at the most for anything to arrive


@dataclass
class App:
    process: subprocess.Popen[bytes]
    log: Path
    port: int

    def call(self, method: str, path: str, token: str, body: Any = None,
             ) -> tuple[int, dict[str, Any]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=None if body is None else json.dumps(body),
                               headers={"Authorization": f"Bearer {token}",
                                        "Content-Type": "application/json"})
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            connection.close()

    def health(self) -> int:
        return self.healthz()[0]

    def healthz(self) -> tuple[int, dict[str, Any]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def broadcast_is(self, status: str) -> None:
        deadline = time.monotonic() + WAIT
        while self.healthz()[1].get("broadcast") != status:
            assert time.monotonic() < deadline, f"the broadcast never became {status}"
            time.sleep(0.1)


@contextmanager
def app_process(tmp_path: Path, database_url: str, broadcast_url: str,
                *args: str) -> Iterator[App]:
    """`studentvoice serve` as its own process, stopped whatever happens."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "BROADCAST_URL", "HTMX_SOURCE", "MIGRATE_ON_START")}
    env.update(CHEAP, DATABASE_URL=database_url, BROADCAST_URL=broadcast_url,
               PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--port", str(port), *args],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            cwd=tmp_path)
    app = App(process, log, port)
    try:
        wait_until_healthy(process, app.health, log.read_text,
                           deadline=time.monotonic() + 60)
        yield app
    finally:
        stop_process(process)


@dataclass
class Room:
    """A live campaign with a poll, and an API token for each of its members."""

    db: Database
    campaign_id: int
    poll_id: int
    options: dict[str, int]
    tokens: dict[str, str]


@pytest.fixture
def room(request: pytest.FixtureRequest) -> Iterator[Room]:
    url: str = request.getfixturevalue("postgres_migrated")
    truncate_postgres(url)
    db = Database(url)
    passwords = Passwords(Settings(argon2_time_cost=1, argon2_memory_cost=8,
                                   argon2_parallelism=1))
    with db.write() as session:
        org = service.create_organisation(session, name="Riverside Youth Club")
        users = {name: service.create_user(session, passwords, org_slug=org.slug,
                                           username=name, display_name=name.title(),
                                           role="young_person", age_band="16_17",
                                           password="a-long-test-password")
                 for name in ("jade", "sam", "kai")}
    campaign = make_campaign(db, users["jade"])
    join(db, users["sam"], campaign)
    join(db, users["kai"], campaign)
    poll = make_poll(db, users["jade"], campaign)
    with db.write() as session:
        tokens = {name: sessions.create_api_token(session, user_id=user.id or 0)
                  for name, user in users.items()}
    assert campaign.id is not None and poll.id is not None
    yield Room(db, campaign.id, poll.id, option_ids(db, poll), tokens)
    db.dispose()


@pytest.fixture
def redis_proxy() -> Iterator[Proxy]:
    where = urlsplit(REDIS_URL)
    with proxy(where.hostname or "127.0.0.1", where.port or 6379) as found:
        yield found


def redis_through(found: Proxy) -> str:
    where = urlsplit(REDIS_URL)
    return f"redis://127.0.0.1:{found.port}{where.path}"


@dataclass
class Listener:
    """An API event stream of one campaign on one process, read on its own thread."""

    socket: ClientConnection
    messages: list[dict[str, Any]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def read(self) -> None:
        try:
            for text_ in self.socket:
                with self.arrived:
                    self.messages.append(json.loads(text_))
                    self.arrived.notify_all()
        except ConnectionClosed:
            pass  # closed at the end of the test, or by the server: wait_for says

    def comments(self) -> list[int]:
        with self.arrived:
            return [m["data"]["comment"]["id"] for m in self.messages
                    if m["kind"] == "comment.created"]

    def numbers(self) -> list[int]:
        """The numbers of the events received, tallies aside."""
        with self.arrived:
            return [m["id"] for m in self.messages if m["id"] is not None]

    def wait_for(self, check: Any, what: str) -> None:
        deadline = time.monotonic() + WAIT
        with self.arrived:
            while not check():
                left = deadline - time.monotonic()
                assert left > 0, f"never arrived: {what}; got {self.messages[-5:]}"
                self.arrived.wait(left)


@contextmanager
def listening(app: App, room: Room, name: str) -> Iterator[Listener]:
    with connect(f"ws://127.0.0.1:{app.port}/api/v1/campaigns/{room.campaign_id}/events",
                 additional_headers={"Authorization": f"Bearer {room.tokens[name]}"}) as socket:
        found = Listener(socket)
        thread = threading.Thread(target=found.read, daemon=True)
        thread.start()
        try:
            yield found
        finally:
            socket.close()
            thread.join(timeout=5)


def comment_ids(db: Database, campaign_id: int) -> list[int]:
    with db.read() as session:
        return sorted(i for i in session.exec(select(Comment.id).where(
            Comment.campaign_id == campaign_id)) if i is not None)


def post(app: App, room: Room, name: str, words: str) -> int:
    status, body = app.call("POST", f"/api/v1/campaigns/{room.campaign_id}/comments",
                            room.tokens[name], {"text": words})
    assert status == 201, body
    return int(body["id"])


def test_a_vote_on_one_process_shows_on_a_page_open_on_the_other(room, redis_proxy, tmp_path):
    url = room.db.engine.url.render_as_string(hide_password=False)
    broadcast = redis_through(redis_proxy)
    with app_process(tmp_path, url, broadcast) as a, app_process(tmp_path, url, broadcast) as b, \
            listening(b, room, "kai") as kai_on_b:
        status, body = a.call("PUT", f"/api/v1/polls/{room.poll_id}/ballot", room.tokens["sam"],
                              {"choices": [room.options["Library"]], "client_op_id": "sam-1"})
        assert status == 200 and body["saved"], body

        def counted() -> bool:
            tallies = [m for m in kai_on_b.messages if m["kind"] == "poll.tally"]
            return any(t["data"]["ballots"] == 1 for t in tallies)

        kai_on_b.wait_for(counted, "the tally with Sam's vote on process B")


def test_every_event_reaches_every_page_once_and_in_order(room, redis_proxy, tmp_path):
    url = room.db.engine.url.render_as_string(hide_password=False)
    broadcast = redis_through(redis_proxy)
    with ExitStack() as stack:
        a = stack.enter_context(app_process(tmp_path, url, broadcast))
        b = stack.enter_context(app_process(tmp_path, url, broadcast))
        pages = [stack.enter_context(listening(app, room, name))
                 for app in (a, b) for name in ("jade", "kai")]
        # Three people post at once through both processes.
        per_writer = 20

        def write(app: App, name: str) -> None:
            for n in range(per_writer):
                post(app, room, name, f"{name} {n} {uuid.uuid4().hex[:6]}")

        writers = [threading.Thread(target=write, args=args)
                   for args in ((a, "jade"), (b, "sam"), (a, "kai"), (b, "jade"))]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        written = comment_ids(room.db, room.campaign_id)
        assert len(written) == 4 * per_writer
        for page in pages:
            page.wait_for(lambda page=page: len(page.comments()) >= len(written),
                          f"every comment: {sorted(set(written) - set(page.comments()))} missing "
                          f"from the page on {'A' if pages.index(page) < 2 else 'B'}")
        time.sleep(0.5)  # anything sent twice would have arrived by now
        for page in pages:
            # Each once, in the order of their numbers, which every page shares.
            assert sorted(page.comments()) == written
            assert page.numbers() == sorted(set(page.numbers()))
            assert page.comments() == pages[0].comments()


def test_when_redis_goes_away_and_comes_back_pages_catch_up(room, redis_proxy, tmp_path):
    url = room.db.engine.url.render_as_string(hide_password=False)
    broadcast = redis_through(redis_proxy)
    with app_process(tmp_path, url, broadcast) as a, app_process(tmp_path, url, broadcast) as b, \
            listening(a, room, "jade") as on_a, listening(b, room, "kai") as on_b:
        a.broadcast_is("connected")
        b.broadcast_is("connected")
        first = post(a, room, "sam", "Before Redis went away")
        on_b.wait_for(lambda: on_b.comments() == [first], "the first comment on B")

        redis_proxy.cut()
        during = [post(a, room, "sam", f"While Redis was away {n}") for n in range(5)]
        # The page on the same process hears at once.
        on_a.wait_for(lambda: on_a.comments() == [first, *during], "the comments on A")
        time.sleep(1.0)
        assert on_b.comments() == [first]  # nothing could reach B
        assert b.health() == 200  # B goes on serving meanwhile, and says what is wrong
        b.broadcast_is("reconnecting")

        redis_proxy.restore()
        on_b.wait_for(lambda: on_b.comments() == [first, *during],
                      "what B missed, from the event log, once Redis was back")
        after = post(b, room, "kai", "After Redis came back")
        on_a.wait_for(lambda: on_a.comments() == [first, *during, after], "B's comment on A")
        on_b.wait_for(lambda: on_b.comments() == [first, *during, after], "B's own comment")
        time.sleep(0.5)
        assert on_a.comments() == on_b.comments() == [first, *during, after]


def test_when_the_database_goes_away_writes_say_try_again_and_nothing_is_half_written(
        room, tmp_path):
    where = room.db.engine.url
    with proxy(where.host or "127.0.0.1", where.port or 5432) as database_proxy:
        through = where.set(host="127.0.0.1", port=database_proxy.port)
        url = through.render_as_string(hide_password=False)
        with app_process(tmp_path, url, "") as app, listening(app, room, "jade") as page:
            saved = post(app, room, "sam", "Saved before")
            page.wait_for(lambda: page.comments() == [saved], "the first comment")

            database_proxy.cut()
            status, body = app.call("POST", f"/api/v1/campaigns/{room.campaign_id}/comments",
                                    room.tokens["sam"], {"text": "Sent while it was away"})
            assert status == 503, body
            assert body["error"]["code"] == "try_again"
            assert "try again" in body["error"]["message"].lower()
            status, body = app.call("PUT", f"/api/v1/polls/{room.poll_id}/ballot",
                                    room.tokens["kai"],
                                    {"choices": [room.options["Park"]], "client_op_id": "k-1"})
            assert status == 503, body

            database_proxy.restore()
            again = post(app, room, "sam", "Sent while it was away")
            page.wait_for(lambda: page.comments() == [saved, again], "the comment sent again")
            with room.db.read() as session:
                texts = list(session.exec(select(Comment.text).where(
                    Comment.campaign_id == room.campaign_id).order_by(Comment.id)))
                ballots = session.execute(text(
                    "SELECT count(*) FROM ballot WHERE poll_id = :poll"),
                    {"poll": room.poll_id}).scalar_one()
                campaigns = session.exec(select(func.count()).select_from(Campaign)).one()
            assert texts == ["Saved before", "Sent while it was away"]
            assert ballots == 0 and campaigns == 1


def test_serve_runs_several_workers_that_share_changes(room, redis_proxy, tmp_path):
    url = room.db.engine.url.render_as_string(hide_password=False)
    with app_process(tmp_path, url, redis_through(redis_proxy), "--workers", "2") as app:
        # The first worker answers the health check; on a busy machine the second may still
        # be starting.
        deadline = time.monotonic() + WAIT
        while app.log.read_text().count("Application startup complete") < 2:
            assert time.monotonic() < deadline, app.log.read_text()
            time.sleep(0.05)
        with listening(app, room, "jade") as one, listening(app, room, "kai") as other:
            written = [post(app, room, "sam", f"Comment {n}") for n in range(10)]
            for page in (one, other):
                page.wait_for(lambda page=page: page.comments() == written, "every comment")
        output = app.log.read_text()
        assert "Workers: 2" in output
        assert output.count("Started server process") == 2, output
