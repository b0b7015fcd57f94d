"""The /ladder page: the six rungs highest first, both lines each, the rules and the Lundy
questions, for anyone signed in."""

import pytest

from server.ladder.routes import routes
from tests.accounts.helpers import heading, location, text
from tests.conftest import page


@pytest.fixture
def app(app):
    # The app may not serve the page yet: add it, once, to the app under test.
    if not any(getattr(route, "path", None) == "/ladder" for route in app.routes):
        app.router.routes.extend(routes)
    return app


@pytest.mark.parametrize("person", ["young", "child", "worker", "admin"])
def test_the_ladder_page(as_user, riverside, person):
    response = as_user(riverside[person].username).get("/ladder")
    assert response.status_code == 200, response.text
    assert heading(response) == "The participation ladder"
    soup = page(response)

    rungs = soup.select("ol.rungs > li")
    assert [text(rung, "h3") for rung in rungs] == [
        "Full Control", "Sharing Power", "Participation", "Consultation", "Information",
        "No Control"]
    # The order is in the words, not only in the layout.
    assert text(rungs[0], "p.muted") == "Rung 6 of 6, the top"
    assert text(rungs[-1], "p.muted") == "Rung 1 of 6, the bottom"
    sharing = soup.select_one("#rung-sharing_power")
    assert text(sharing, ".for-young-people") == "You and adults decide together."
    assert text(sharing, ".meaning") == (
        "Young people share decisions and responsibility, influencing and determining outcomes.")
    assert text(soup, "#rung-no_control .meaning") == "Young people are passive consumers."

    rules = [li.get_text(" ", strip=True) for li in soup.select("ul.rules li")]
    assert rules[0].startswith("Full Control: Young people decided")
    assert rules[-1] == "No Control: Adults decided without asking or telling young people."

    lundy = soup.select_one("dl.lundy")
    assert [dt.get_text(strip=True) for dt in lundy.select("dt")] == [
        "Space", "Voice", "Audience", "Influence"]
    assert text(lundy, "dt#lundy-audience + dd") == (
        "Did their views reach someone with the power to act on them?")


def test_logged_out_goes_to_login(client):
    response = client.get("/ladder")
    assert response.status_code == 303
    assert location(response) == "/login?next=/ladder"
