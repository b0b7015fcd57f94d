"""Erasure on the live server: the person's open pages close at once, and pages that stay open
see their comment drawn again as by "a former member"."""

from tests.campaigns.pages import say
from tests.live.conftest import Setup, log_in
from tests.live.conftest import room as room  # the fixtures
from tests.live.conftest import server as server


def test_an_erased_young_person_is_disconnected_at_once(room: Setup) -> None:
    db = room.server.runtime.db
    say(db, room.member.user, room.campaign, "Ava Linklater was here")
    ava = room.member.socket(room.campaign, after=0)
    jade = room.lead.socket(room.campaign, after=0)
    ava.quiet(0.2)
    jade.quiet(0.2)
    worker = log_in(room.server, room.people["worker"])
    response = worker.post(f"/people/{room.member.user.id}/erase", {"reason": "Asked"})
    assert response.status_code in (200, 303), response.text
    assert ava.closed_with() == 4403
    heard = " ".join(jade.quiet(0.5))
    assert "A former member" in heard
    assert "Ava Linklater was here" not in heard
    jade.close()
