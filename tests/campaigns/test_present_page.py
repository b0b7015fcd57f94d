"""The presenter view: a big screen in the room with the join code, the QR code and the poll
that is open now, for the campaign's leads and facilitators."""

from typing import Any

import pytest

from server.campaigns.models import Campaign
from tests.accounts.helpers import heading, location
from tests.campaigns.pages import archive, facilitate, join, make_campaign, message
from tests.campaigns.polls_helpers import make_poll, option_ids, vote
from tests.conftest import page

FORBIDDEN = "You can't do that"


@pytest.fixture
def campaign(db: Any, riverside: dict[str, Any], make_user: Any) -> Campaign:
    made = make_campaign(db, riverside["young"])
    join(db, make_user(riverside["org"], "sam"), made)
    facilitate(db, riverside["worker"], made)
    return made


def present(browser: Any, campaign: Campaign | int) -> Any:
    campaign_id = campaign if isinstance(campaign, int) else campaign.id
    return browser.get(f"/campaigns/{campaign_id}/present")


def test_a_lead_puts_the_join_code_and_the_open_poll_on_the_big_screen(
        db: Any, riverside: dict[str, Any], campaign: Campaign, as_user: Any) -> None:
    poll = make_poll(db, riverside["young"], campaign, question="Where should we meet?",
                     options=["Library", "Youth club"])
    make_poll(db, riverside["young"], campaign, question="Next week's snack?",
              options=["Fruit", "Toast"], open_now=False)
    vote(db, riverside["young"], poll, [option_ids(db, poll)["Library"]])
    response = present(as_user("jade"), campaign)
    assert response.status_code == 200
    screen = page(response)
    code = campaign.join_code
    assert code is not None
    assert screen.select_one(".code.huge").get_text(strip=True) == f"{code[:3]}-{code[3:]}"
    assert screen.select_one("img.qr")["src"] == f"/campaigns/{campaign.id}/qr.svg"
    assert screen.select_one(".present-question").get_text(strip=True) == "Where should we meet?"
    # A live-results poll shows its count; the socket follows the room as a big screen.
    assert screen.select_one(f"#poll-{poll.id}-results")["data-shown"] == "full"
    assert screen.select_one("#live")["ws-connect"] == f"/campaigns/{campaign.id}/ws?view=present"
    controls = [button.get_text(" ", strip=True) for button in screen.select(
        ".present-controls button")]
    assert "Close voting : Where should we meet?" in controls
    assert "Open voting : Next week's snack?" in controls
    assert all(form["action"].startswith("/polls/") and
               form.select_one('input[name="next"]')["value"] == f"/campaigns/{campaign.id}/present"
               for form in screen.select(".present-controls form"))


def test_results_kept_for_later_stay_off_the_big_screen(
        db: Any, riverside: dict[str, Any], campaign: Campaign, as_user: Any) -> None:
    poll = make_poll(db, riverside["young"], campaign, question="Who should speak first?",
                     options=["Jade", "Sam"], visibility="after_close")
    vote(db, riverside["young"], poll, [option_ids(db, poll)["Sam"]])
    screen = page(present(as_user("worker"), campaign))
    results = screen.select_one(f"#poll-{poll.id}-results")
    assert results["data-shown"] == "count" and "Sam" not in results.get_text()
    assert "Reveal results : Who should speak first?" in [
        button.get_text(" ", strip=True) for button in screen.select(".present-controls button")]


def test_with_no_poll_open_the_screen_says_so(campaign: Campaign, as_user: Any) -> None:
    screen = page(present(as_user("jade"), campaign))
    assert screen.select_one("#current-h").get_text(strip=True) == "No poll is open"


def test_logged_out_goes_to_the_login_page(client: Any, campaign: Campaign) -> None:
    response = present(client, campaign)
    assert response.status_code == 303
    assert location(response) == f"/login?next=/campaigns/{campaign.id}/present"


def test_a_member_cannot_present(campaign: Campaign, as_user: Any) -> None:
    response = present(as_user("sam"), campaign)
    assert response.status_code == 403 and heading(response) == FORBIDDEN
    assert message(response) == "The presenter view is for the campaign's leads and facilitators."


def test_staff_join_as_facilitator_before_presenting(campaign: Campaign, as_user: Any) -> None:
    response = present(as_user("admin"), campaign)
    assert response.status_code == 403
    assert message(response) == ("The presenter view is for the campaign's leads and "
                                 "facilitators. Join it as a facilitator first.")


def test_another_organisations_campaign_or_none_at_all_is_not_found(
        campaign: Campaign, as_user: Any) -> None:
    for browser, campaign_id in ((as_user("hilda"), campaign.id), (as_user("jade"), 999_999)):
        response = present(browser, campaign_id)
        assert response.status_code == 404
        assert message(response) == "We could not find that campaign."


def test_an_archived_campaign_has_no_join_code_on_screen(
        db: Any, riverside: dict[str, Any], campaign: Campaign, as_user: Any) -> None:
    archive(db, riverside["worker"], campaign)
    screen = page(present(as_user("jade"), campaign))
    assert screen.select_one(".code.huge") is None
    assert "Only a live campaign has a join code." in screen.get_text()
