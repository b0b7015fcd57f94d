"""Fresh database per test (a copy of one migrated SQLite file, or a truncated
PostgreSQL database when TEST_DATABASE_URL is set), an app, and helpers to act
as the people who use it."""

import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import text
from sqlmodel import SQLModel
from starlette.applications import Starlette
from starlette.testclient import TestClient

import server.models  # noqa: F401
from server import clock as clock_module
from server.accounts import service
from server.accounts.models import Organisation, User
from server.accounts.passwords import Passwords
from server.app import create_app
from server.db import Database, make_engine, migrate
from server.settings import Settings

PASSWORD = "blue-kite-harbour"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


# Every test that touches the database runs on SQLite; with TEST_DATABASE_URL set
# it runs on PostgreSQL as well.
BACKENDS = ["sqlite", "postgresql"] if TEST_DATABASE_URL else ["sqlite"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    engine = make_engine(TEST_DATABASE_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    engine.dispose()
    return TEST_DATABASE_URL


def truncate_postgres(url: str) -> None:
    """Empty every table, numbering from 1 again."""
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_migrated")
        truncate_postgres(url)
        return url
    path = tmp_path / "test.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Cheap argon2 parameters keep the suite fast; production defaults are tested on their own.
    return Settings(
        database_url=database_url,
        argon2_time_cost=1,
        argon2_memory_cost=8,
        argon2_parallelism=1,
        migrate_on_start=False,
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Starlette]:
    application = create_app(settings)
    yield application
    application.state.runtime.writer.stop()
    application.state.runtime.db.dispose()


@pytest.fixture
def db(app: Starlette) -> Database:
    found: Database = app.state.runtime.db
    return found


@pytest.fixture
def passwords(app: Starlette) -> Passwords:
    found: Passwords = app.state.runtime.passwords
    return found


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def new_client(app: Starlette) -> Iterator[object]:
    """Another browser: its own cookies."""
    clients: list[TestClient] = []

    def make() -> TestClient:
        test_client = TestClient(app, follow_redirects=False)
        test_client.__enter__()
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta()

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)

    def now(self) -> datetime:
        return datetime.now(clock_module.UTC) + self.offset


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(clock_module, "now", fake.now)
    return fake


@pytest.fixture
def make_org(db: Database) -> object:
    def make(name: str = "Riverside Youth Club") -> Organisation:
        with db.write() as session:
            return service.create_organisation(session, name=name)

    return make


@pytest.fixture
def make_user(db: Database, passwords: Passwords) -> object:
    def make(org: Organisation, username: str, role: str = "young_person",
             age_band: str | None = "13_15", password: str = PASSWORD,
             display_name: str = "") -> User:
        with db.write() as session:
            return service.create_user(
                session, passwords, org_slug=org.slug, username=username,
                display_name=display_name or username.title(), role=role,
                age_band=age_band,
                password=password)

    return make


def page(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")  # type: ignore[attr-defined]


def csrf_token(client: TestClient) -> str:
    """The token the site puts in its forms for this browser, logged in or not."""
    response = client.get("/account")
    if response.status_code != 200:
        response = client.get("/login")
    field = page(response).select_one('input[name="csrf_token"]')
    assert field is not None
    return str(field["value"])


def post(client: TestClient, url: str, data: dict[str, str] | None = None) -> object:
    """Submit a form as a browser would, with the page's CSRF token."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)})


def login(client: TestClient, username: str, password: str = PASSWORD) -> object:
    response = post(client, "/login", {"username": username, "password": password})
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    return response


@pytest.fixture
def riverside(make_org: object, make_user: object) -> dict[str, object]:
    """An organisation with one of each kind of person, and a second organisation."""
    org = make_org("Riverside Youth Club")  # type: ignore[operator]
    other = make_org("Hillside School")  # type: ignore[operator]
    people = {
        "org": org,
        "other_org": other,
        "admin": make_user(org, "admin", "org_admin", None),  # type: ignore[operator]
        "worker": make_user(org, "worker", "youth_worker", None),  # type: ignore[operator]
        "young": make_user(org, "jade", "young_person", "16_17"),  # type: ignore[operator]
        "child": make_user(org, "milo", "young_person", "under_13"),  # type: ignore[operator]
        "outsider": make_user(other, "olu", "young_person", "13_15"),  # type: ignore[operator]
        "other_worker": make_user(other, "hilda", "youth_worker", None),  # type: ignore[operator]
    }
    return people


@pytest.fixture
def sam(riverside: dict[str, object], make_user: object) -> User:
    """A second young person in Riverside."""
    return make_user(riverside["org"], "sam", "young_person", "13_15")  # type: ignore[operator]


@pytest.fixture
def campaign(db: Database, riverside: dict[str, object], sam: User) -> object:
    """Jade's live campaign, with Sam as a member."""
    from tests.campaigns.pages import join, make_campaign  # (it imports this module)

    made = make_campaign(db, riverside["young"])  # type: ignore[arg-type]
    join(db, sam, made)
    return made


@pytest.fixture
def as_user(new_client: object) -> object:
    """A browser logged in as the given username."""

    def make(username: str, password: str = PASSWORD) -> TestClient:
        browser: TestClient = new_client()  # type: ignore[operator]
        login(browser, username, password)
        return browser

    return make
