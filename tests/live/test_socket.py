"""The campaign page's websocket: who may open it, what it refuses, and who it lets go."""

import base64
import os
import socket
from typing import Any

from server.accounts import people
from server.campaigns import service
from tests.accounts.helpers import viewer_of
from tests.campaigns.pages import make_campaign
from tests.live.conftest import Setup, log_in, refused


def test_a_member_opens_the_room_and_hears_nothing_until_something_happens(room: Setup) -> None:
    socket = room.member.socket(room.campaign, after=0)
    assert socket.quiet(0.3) == []
    socket.close()


def test_another_sites_page_is_refused_before_the_upgrade(room: Setup) -> None:
    status = refused(lambda: room.member.socket(room.campaign,
                                                origin="https://evil.example"))
    assert status == 403


def test_no_session_no_socket(room: Setup) -> None:
    from websockets.sync.client import connect

    url = f"{room.server.ws_url}/campaigns/{room.campaign.id}/ws"

    def open_with(headers: dict[str, str]) -> object:
        return room.server.clients.enter_context(connect(url, additional_headers=headers))

    assert refused(lambda: open_with({"Origin": room.server.url})) == 403
    stale = f"sv_session=not-a-real-session-{'x' * 30}"
    assert refused(lambda: open_with({"Origin": room.server.url, "Cookie": stale})) == 403


def test_a_young_person_who_is_not_a_member_is_refused(room: Setup, make_user: Any) -> None:
    stranger = make_user(room.people["org"], "noor")
    assert refused(lambda: log_in(room.server, stranger).socket(room.campaign)) == 403


def test_another_organisations_campaign_looks_like_it_does_not_exist(room: Setup) -> None:
    outsider = log_in(room.server, room.people["outsider"])
    assert refused(lambda: outsider.socket(room.campaign)) == 404
    assert refused(lambda: outsider.socket(999_999)) == 404


def test_youth_workers_follow_any_campaign_of_their_organisation(room: Setup) -> None:
    worker = log_in(room.server, room.people["worker"])
    socket = worker.socket(room.campaign, after=0)
    assert socket.quiet(0.2) == []
    socket.close()


def test_a_big_message_closes_the_socket(room: Setup) -> None:
    socket = room.member.socket(room.campaign, after=0)
    socket.ws.send("x" * 3000)
    assert socket.closed_with() == 1009


def test_a_member_who_is_removed_is_disconnected_at_once(room: Setup) -> None:
    socket = room.member.socket(room.campaign, after=0)
    socket.quiet(0.2)
    response = room.lead.post(f"/campaigns/{room.campaign.id}/people/{room.member.user.id}/remove",
                              {})
    assert response.status_code in (200, 303)
    assert socket.closed_with() == 4403
    assert refused(lambda: room.member.socket(room.campaign)) == 403


def test_a_suspended_member_is_disconnected_at_once(room: Setup) -> None:
    socket = room.member.socket(room.campaign, after=0)
    socket.quiet(0.2)
    worker = log_in(room.server, room.people["worker"])
    response = worker.post(f"/people/{room.member.user.id}/suspend",
                           {"reason": "Unkind messages"})
    assert response.status_code in (200, 303), response.text
    assert socket.closed_with() == 4403


def test_logging_out_closes_that_sessions_pages_only(room: Setup) -> None:
    phone = room.member.socket(room.campaign, after=0)
    laptop_login = log_in(room.server, room.member.user)
    laptop = laptop_login.socket(room.campaign, after=0)
    phone.quiet(0.2)
    assert room.member.post("/logout", {}).status_code in (200, 303)
    assert phone.closed_with() == 4403
    assert laptop.quiet(0.3) == []
    laptop.close()


def test_a_campaign_runner_is_told_apart_from_a_member(room: Setup) -> None:
    """Leads see every tally; members only what the poll allows (checked on the service)."""
    db = room.server.runtime.db
    with db.read() as session:
        assert service.live_access(session, actor=viewer_of(db, room.lead.user),
                                   campaign_id=room.campaign.id) is True
        assert service.live_access(session, actor=viewer_of(db, room.member.user),
                                   campaign_id=room.campaign.id) is False


def test_a_draft_campaign_is_open_to_its_members_only(room: Setup, make_user: Any) -> None:
    draft = make_campaign(room.server.runtime.db, room.lead.user, live=False, title="Draft")
    socket = room.lead.socket(draft, after=0)
    assert socket.quiet(0.2) == []
    socket.close()
    assert refused(lambda: room.member.socket(draft)) == 404


def test_a_suspended_account_cannot_open_a_socket(room: Setup) -> None:
    db = room.server.runtime.db
    worker = room.people["worker"]
    with db.write() as session:
        people.suspend(session, actor=viewer_of(db, worker), user_id=room.member.user.id,
                       reason="Testing")
    assert refused(lambda: room.member.socket(room.campaign)) == 403


def test_heartbeats_keep_a_quiet_page_connected(settings: Any, riverside: dict[str, Any],
                                                make_user: Any) -> None:
    """With a heartbeat every 0.2 seconds (and 0.2 to answer), a page that says nothing for
    several heartbeats is still there, answering, and still hears what happens."""
    from tests.live.conftest import Member
    from tests.serving import serve

    with serve(settings, ws_ping_interval=0.2, ws_ping_timeout=0.2) as server:
        db = server.runtime.db
        campaign = make_campaign(db, riverside["young"])
        lead: Member = log_in(server, riverside["young"])
        page = lead.socket(campaign, after=0)
        assert page.quiet(1.5) == []  # several heartbeats come and go
        response = lead.post(f"/campaigns/{campaign.id}/comments", {"text": "Still here?"})
        assert response.status_code == 200
        _, fragment = page.next_event()
        assert "Still here?" in fragment


def _frame(text: str) -> bytes:
    """A client's text frame (masked, as every client frame must be)."""
    data = text.encode()
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    assert len(data) < 126
    return bytes([0x81, 0x80 | len(data)]) + mask + masked


def _read_frame(raw: socket.socket) -> tuple[int, bytes]:
    """The next frame from the server: its opcode and payload (server frames are unmasked)."""
    def exactly(n: int) -> bytes:
        found = b""
        while len(found) < n:
            chunk = raw.recv(n - len(found))
            if not chunk:
                raise ConnectionError("the server closed the connection")
            found += chunk
        return found

    first, second = exactly(2)
    length = second & 0x7F
    if length == 126:
        length = int.from_bytes(exactly(2), "big")
    elif length == 127:
        length = int.from_bytes(exactly(8), "big")
    return first & 0x0F, exactly(length)


def test_the_server_pings_a_quiet_page_and_lets_go_of_one_that_never_answers(
        settings: Any, riverside: dict[str, Any]) -> None:
    from tests.serving import serve

    with serve(settings, ws_ping_interval=0.2, ws_ping_timeout=0.3) as server:
        campaign = make_campaign(server.runtime.db, riverside["young"])
        lead = log_in(server, riverside["young"])
        host, port = server.url.removeprefix("http://").split(":")
        raw = socket.create_connection((host, int(port)), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        raw.sendall((f"GET /campaigns/{campaign.id}/ws HTTP/1.1\r\nHost: {host}:{port}\r\n"
                     f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                     f"Sec-WebSocket-Version: 13\r\nOrigin: {server.url}\r\n"
                     f"Cookie: {lead.cookie}\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += raw.recv(1024)
        assert answer.startswith(b"HTTP/1.1 101")
        raw.sendall(_frame('{"after": 0}'))
        opcodes = []
        ended = "still open after 5 seconds"
        try:
            while True:
                opcode, _ = _read_frame(raw)  # and never answering a ping
                opcodes.append(opcode)
                if opcode == CLOSE:
                    ended = "closed"
                    break
        except ConnectionError:
            ended = "dropped"
        except TimeoutError:
            pass
        raw.close()
    assert opcodes[0] == PING
    assert ended in ("closed", "dropped")


PING, CLOSE = 0x9, 0x8


def test_messages_are_not_compressed_so_a_full_room_fits_in_memory(room: Setup) -> None:
    # The client offers per-message compression, as browsers do; the server declines it.
    page = room.member.socket(room.campaign, after=0)
    assert page.ws.request is not None and page.ws.response is not None
    assert "permessage-deflate" in page.ws.request.headers.get("Sec-WebSocket-Extensions", "")
    assert page.ws.response.headers.get("Sec-WebSocket-Extensions") is None
