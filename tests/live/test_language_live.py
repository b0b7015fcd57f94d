"""Live fragments reach each open page in the language that page speaks."""

from server import i18n
from tests.live.conftest import Member, Room, Setup, log_in
from tests.live.test_room import new_poll


def test_a_pushed_comment_reaches_each_page_in_its_own_language(room: Setup) -> None:
    again = log_in(room.server, room.member.user)
    welsh = Member(room.server, again.user, again.cookie + f"; {i18n.COOKIE}=cy", again.csrf)
    english_page = room.member.socket(room.campaign, after=0)
    welsh_page = welsh.socket(room.campaign, after=0)
    response = room.lead.post(f"/campaigns/{room.campaign.id}/comments",
                              {"text": "Free buses on Saturdays"})
    assert response.status_code in (200, 201, 303)
    _, english = english_page.next_event()
    _, cymraeg = welsh_page.next_event()
    save = i18n.translations("cy").gettext("Save")
    assert save != "Save"
    assert "Free buses on Saturdays" in english and "Free buses on Saturdays" in cymraeg
    assert ">Save<" in english and f">{save}<" not in english
    assert f">{save}<" in cymraeg and ">Save<" not in cymraeg


def test_a_tally_reaches_each_page_in_its_own_language(room: Setup) -> None:
    poll = new_poll(room)
    again = log_in(room.server, room.member.user)
    welsh = Member(room.server, again.user, again.cookie + f"; {i18n.COOKIE}=cy", again.csrf)
    english_page = room.member.socket(room.campaign, after=0)
    welsh_page = welsh.socket(room.campaign, after=0)
    vote = room.lead.post(f"/polls/{poll['id']}/ballot",
                          {"choice": str(poll["options"][0]["id"]), "client_op_id": "cy-1"})
    assert vote.status_code == 200, vote.text
    english, cymraeg = (counted(page, poll["id"]) for page in (english_page, welsh_page))
    one_vote = i18n.translations("cy").ngettext("<strong>%(num)d</strong> vote",
                                                "<strong>%(num)d</strong> votes", 1) % {"num": 1}
    assert one_vote != "<strong>1</strong> vote"
    assert "<strong>1</strong> vote<" in english and one_vote not in english
    assert one_vote in cymraeg and "<strong>1</strong> vote<" not in cymraeg


def counted(page: Room, poll_id: int) -> str:
    """The first tally of the poll that counts one vote (events and earlier counts skipped)."""
    while True:
        message = page.next()
        if message.lstrip().startswith(f'<div id="poll-{poll_id}-results"') and (
                'data-ballots="1"' in message):
            return message
