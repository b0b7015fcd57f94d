"""When the database does not answer, a write says "try again" (503 with Retry-After), in
words for people and in JSON for the API, and nothing is saved by halves."""

import pytest
from sqlalchemy.exc import OperationalError

from server.accounts import sessions
from server.db import Database
from tests.accounts.helpers import text
from tests.campaigns.pages import make_campaign
from tests.conftest import csrf_token, page


def answering_anyway(client):
    """A real server sends the 503 even when the problem is met before routing (the session
    is read and touched first); the test client would raise it instead."""
    client._transport.raise_server_exceptions = False
    return client


def away(*args: object, **kwargs: object) -> None:
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))


@pytest.fixture
def campaign(db, riverside):
    return make_campaign(db, riverside["young"])


def test_a_page_write_says_try_again(as_user, riverside, campaign, monkeypatch):
    jade = answering_anyway(as_user(riverside["young"].username))
    token = csrf_token(jade)
    monkeypatch.setattr(Database, "write", away)
    monkeypatch.setattr(Database, "batch", away)
    response = jade.post(f"/campaigns/{campaign.id}/comments",
                         data={"text": "Can we meet on Thursday?",
                               "csrf_token": token})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert text(page(response), "h1") == "Please try again"
    assert "nothing was saved" in response.text
    assert "server closed the connection" not in response.text


def test_an_api_write_says_try_again(client, db, riverside, campaign, monkeypatch):
    with db.write() as session:
        token = sessions.create_api_token(session, user_id=riverside["young"].id)
    monkeypatch.setattr(Database, "write", away)
    monkeypatch.setattr(Database, "batch", away)
    response = client.post(f"/api/v1/campaigns/{campaign.id}/comments",
                           json={"text": "Can we meet on Thursday?"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["error"]["code"] == "try_again"


def test_a_page_that_cannot_even_check_who_is_logged_in_says_try_again(
        as_user, riverside, monkeypatch):
    jade = answering_anyway(as_user(riverside["young"].username))
    monkeypatch.setattr(Database, "read", away)
    monkeypatch.setattr(Database, "glance", away)
    monkeypatch.setattr(Database, "write", away)
    monkeypatch.setattr(Database, "batch", away)
    response = jade.get("/campaigns")
    assert response.status_code == 503
    assert "Please try again" in response.text


def test_an_app_whose_token_cannot_be_checked_hears_try_again(client, db, riverside, campaign,
                                                             monkeypatch):
    with db.write() as session:
        token = sessions.create_api_token(session, user_id=riverside["young"].id)
    monkeypatch.setattr(Database, "read", away)
    monkeypatch.setattr(Database, "glance", away)
    response = answering_anyway(client).get(f"/api/v1/campaigns/{campaign.id}",
                                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "try_again"
