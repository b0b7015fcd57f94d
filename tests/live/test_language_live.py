"""Live fragments reach each open page in the language that page speaks."""

from server import i18n
from tests.live.conftest import Member, Setup, log_in


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
