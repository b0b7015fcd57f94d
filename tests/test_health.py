"""/healthz: for load balancers and monitoring, so it needs no login and tells the truth."""

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.db import Database
from server.settings import Settings


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broadcast": "local"}
    # Needs no login, and hands out no cookies (not even the anonymous CSRF one).
    assert "set-cookie" not in response.headers


def test_healthz_ignores_a_stale_session_cookie(client):
    client.cookies.set("sv_session", "not-a-real-session")
    assert client.get("/healthz").status_code == 200


def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    def broken(self: Database) -> None:
        raise OSError("connection refused by db.internal:5432")

    monkeypatch.setattr(Database, "ping", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] != "ok"
    # Says that it is down, without passing on the exception's details.
    assert "db.internal" not in response.text
    assert "OSError" not in response.text


def test_healthz_is_503_when_the_database_file_cannot_be_opened(tmp_path: Path):
    missing = tmp_path / "no-such-directory" / "studentvoice.db"
    app = create_app(Settings(database_url=f"sqlite:///{missing}", migrate_on_start=False))
    try:
        with TestClient(app) as client:
            response = client.get("/healthz")
            assert response.status_code == 503
            assert response.json()["status"] == "unavailable"
    finally:
        app.state.runtime.db.dispose()
    assert not missing.parent.exists()


@pytest.mark.parametrize("status", [200, 503])
def test_healthz_answers_head_like_get(client, monkeypatch, status):
    if status == 503:
        monkeypatch.setattr(Database, "ping", lambda self: 1 / 0)
    assert client.head("/healthz").status_code == status
