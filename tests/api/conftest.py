"""Fixtures for the API tests: API tokens and the OpenAPI document."""

from typing import Any

import pytest

from server.accounts import sessions
from server.accounts.models import User


@pytest.fixture
def token_for(db):
    def make(user: User, label: str = "") -> str:
        with db.write() as session:
            return sessions.create_api_token(session, user_id=user.id, label=label)

    return make


@pytest.fixture
def document(client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    return response.json()
