"""A real server and real websocket clients: members logged in with a session cookie, their
CSRF token for writes, and a campaign room to listen to."""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from server.accounts import sessions
from server.accounts.models import User
from server.campaigns.models import Campaign
from server.settings import Settings
from tests.campaigns.pages import join, make_campaign
from tests.serving import LiveServer, serve

WAIT = 5.0  # seconds to wait for a message that should come


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    with serve(settings) as running:
        yield running


@dataclass
class Member:
    """Someone logged in on the live server: their cookie, CSRF token and a browser-ish client."""

    server: LiveServer
    user: User
    cookie: str
    csrf: str

    @property
    def origin(self) -> str:
        return self.server.url

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.url, headers={
            "Cookie": self.cookie, "X-CSRF-Token": self.csrf, "Origin": self.origin,
            "HX-Request": "true"}, timeout=30)

    def post(self, path: str, data: dict[str, Any]) -> httpx.Response:
        with self.http() as client:
            return client.post(path, data=data)

    def socket(self, campaign: Campaign | int, *, after: int | None = None,
               origin: str | None = None, query: str = "") -> "Room":
        campaign_id = campaign if isinstance(campaign, int) else campaign.id
        url = f"{self.server.ws_url}/campaigns/{campaign_id}/ws{query}"
        ws = self.server.clients.enter_context(connect(
            url, additional_headers={"Cookie": self.cookie, "Origin": origin or self.origin},
            open_timeout=WAIT, close_timeout=1))
        room = Room(ws)
        if after is not None:
            room.hello(after)
        return room


def log_in(server: LiveServer, user: User) -> Member:
    runtime = server.runtime
    assert user.id is not None
    with runtime.db.write() as session:
        token = sessions.start(session, runtime.settings, user_id=user.id)
    with runtime.db.read() as session:
        lookup = sessions.load(session, runtime.settings, token=token)
    assert lookup.viewer is not None
    return Member(server, user, f"sv_session={token}", lookup.viewer.csrf_token)


CURSOR = re.compile(r'^<div id="live-cursor" data-event="(\d+)"')


@dataclass
class Room:
    """One open websocket to a campaign page's room."""

    ws: ClientConnection

    def hello(self, after: int) -> None:
        self.ws.send(json.dumps({"after": after}))

    def next(self, timeout: float = WAIT) -> str:
        message = self.ws.recv(timeout=timeout)
        assert isinstance(message, str)
        return message

    def next_event(self, timeout: float = WAIT) -> tuple[int, str]:
        """The next message that is an event (tallies skipped): its number and fragment."""
        while True:
            message = self.next(timeout)
            found = CURSOR.match(message)
            if found:
                return int(found.group(1)), message

    def next_tally(self, poll_id: int, timeout: float = WAIT) -> str:
        while True:
            message = self.next(timeout)
            if f'id="poll-{poll_id}-results"' in message:
                return message

    def quiet(self, seconds: float = 0.5) -> list[str]:
        """Whatever arrives in the next moment (nothing, usually)."""
        found = []
        try:
            while True:
                found.append(self.next(seconds))
        except TimeoutError:
            return found

    def closed_with(self, timeout: float = WAIT) -> int:
        """Wait for the server to close the socket; its close code."""
        try:
            while True:
                self.ws.recv(timeout=timeout)
        except ConnectionClosed as closed:
            assert closed.rcvd is not None
            return closed.rcvd.code

    def close(self) -> None:
        self.ws.close()


def refused(open_it: Any) -> int:
    """The HTTP status a refused websocket upgrade got."""
    with pytest.raises(InvalidStatus) as refusal:
        open_it()
    return refusal.value.response.status_code


@dataclass
class Setup:
    server: LiveServer
    campaign: Campaign
    lead: Member
    member: Member
    people: dict[str, Any]


@pytest.fixture
def room(server: LiveServer, riverside: dict[str, Any], make_user: Any) -> Setup:
    """A live campaign led by Jade, with Ava as a member, both logged in on the live server."""
    db = server.runtime.db
    lead = riverside["young"]
    campaign = make_campaign(db, lead)
    ava = make_user(riverside["org"], "ava")
    join(db, ava, campaign)
    return Setup(server, campaign, log_in(server, lead), log_in(server, ava), riverside)
