"""The data rights in the JSON API: my data and erasing my own account."""

from server.accounts import sessions
from server.api.base import PREFIX
from tests.accounts.helpers import fresh_user
from tests.api.helpers import (
    assert_error,
    assert_unauthenticated,
    bearer,
    response_schema,
    schema_problems,
)
from tests.campaigns.pages import make_campaign, say


def token(db, user) -> dict[str, str]:
    with db.write() as session:
        return bearer(sessions.create_api_token(session, user_id=user.id))


def document(client) -> dict:
    found: dict = client.get(f"{PREFIX}/openapi.json").json()
    return found


def test_my_data_as_documented_with_my_own_words(db, client, riverside, sam):
    campaign = make_campaign(db, riverside["young"])
    say(db, riverside["young"], campaign, "Jade's own words")
    response = client.get(f"{PREFIX}/me/data", headers=token(db, riverside["young"]))
    assert response.status_code == 200
    body = response.json()
    assert [c["text"] for c in body["comments"]] == ["Jade's own words"]
    doc = document(client)
    assert schema_problems(doc, response_schema(doc, f"{PREFIX}/me/data", "get"), body) == []


def test_my_data_needs_a_token(client, riverside):
    assert_unauthenticated(client.get(f"{PREFIX}/me/data"))


def test_a_young_person_erases_their_account(db, client, riverside):
    headers = token(db, riverside["young"])
    response = client.post(f"{PREFIX}/me/erase", headers=headers,
                           json={"password": "blue-kite-harbour", "confirm": True})
    assert response.status_code == 200 and response.json() == {"erased": True}
    assert fresh_user(db, riverside["young"]).erased_at is not None
    assert_unauthenticated(client.get(f"{PREFIX}/me/data", headers=headers))


def test_erasing_needs_the_password_and_confirmation(db, client, riverside):
    headers = token(db, riverside["young"])
    body = client.post(f"{PREFIX}/me/erase", headers=headers,
                       json={"password": "wrong", "confirm": False}).json()
    assert set(body["error"]["fields"]) == {"password", "confirm"}
    assert client.post(f"{PREFIX}/me/erase", headers=headers,
                       json={"confirm": True}).status_code == 422
    assert fresh_user(db, riverside["young"]).erased_at is None


def test_staff_cannot_erase_themselves_through_the_api(db, client, riverside):
    response = client.post(f"{PREFIX}/me/erase", headers=token(db, riverside["worker"]),
                           json={"password": "blue-kite-harbour", "confirm": True})
    assert_error(response, 403, "forbidden")
    assert_unauthenticated(client.post(f"{PREFIX}/me/erase",
                                       json={"password": "x", "confirm": True}))
