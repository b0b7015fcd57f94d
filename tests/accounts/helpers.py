"""Small helpers shared by the account page tests (plain functions, not fixtures)."""

from bs4 import BeautifulSoup
from sqlmodel import col, select
from starlette.testclient import TestClient

from server.accounts import service, sessions
from server.accounts.middleware import SESSION_COOKIE
from server.accounts.models import Invite, Member, Organisation, User, UserSession
from server.accounts.sessions import Viewer
from server.audit import AuditEntry
from server.db import Database
from tests.conftest import PASSWORD, page, post

NEW_PASSWORD = "quiet-otter-lantern"


def text(soup: BeautifulSoup, selector: str) -> str:
    """The visible text of the one element the selector finds (it must find one)."""
    found = soup.select_one(selector)
    assert found is not None, f"nothing matches {selector!r}"
    return found.get_text(" ", strip=True)


def field_error(response: object, name: str) -> str:
    """The error shown next to a form field, tied to the field for screen readers."""
    soup = page(response)
    error = text(soup, f"#f-{name}-error")
    field = soup.select_one(f"#f-{name}")
    assert field is not None
    if field.name == "input" and field.get("type") != "radio":
        assert field.get("aria-invalid") == "true"
        assert f"f-{name}-error" in str(field.get("aria-describedby", ""))
    return error


def field_errors(response: object) -> dict[str, str]:
    """Every field error on the page, keyed by field name."""
    return {
        str(p["id"]).removeprefix("f-").removesuffix("-error"): p.get_text(" ", strip=True)
        for p in page(response).select("p.error[id]")
    }


def input_value(response: object, name: str) -> str | None:
    found = page(response).select_one(f'form input[name="{name}"]')
    assert found is not None, f"no input called {name!r}"
    value = found.get("value")
    return None if value is None else str(value)


def alert(response: object) -> str:
    return text(page(response), '[role="alert"]')


def heading(response: object) -> str:
    return text(page(response), "h1")


def location(response: object) -> str:
    return str(response.headers["location"])  # type: ignore[attr-defined]


def viewer_of(db: Database, user: User) -> Viewer:
    assert user.id is not None
    with db.read() as session:
        found = sessions.viewer_for_user(session, user.id)
    assert found is not None
    return found


def make_invite(db: Database, by: User, *, label: str = "", days: int = 14,
                max_uses: int = 30) -> Invite:
    actor = viewer_of(db, by)
    with db.write() as session:
        return service.create_invite(session, actor=actor, label=label, days=str(days),
                                     max_uses=str(max_uses))


def fresh(db: Database, model: type, row_id: int | None) -> object:
    with db.read() as session:
        return session.get(model, row_id)


def fresh_user(db: Database, user: User) -> User:
    found = fresh(db, User, user.id)
    assert isinstance(found, User)
    return found


def fresh_member(db: Database, user: User) -> Member:
    with db.read() as session:
        return session.exec(select(Member).where(Member.user_id == user.id)).one()


def session_count(db: Database, user: User) -> int:
    with db.read() as session:
        return len(session.exec(select(UserSession).where(UserSession.user_id == user.id)).all())


def audit_entries(db: Database, action: str) -> list[AuditEntry]:
    with db.read() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)
                                 .order_by(col(AuditEntry.id))))


def user_named(db: Database, username: str) -> User | None:
    with db.read() as session:
        return session.exec(select(User).where(
            User.username_key == service.username_key(username))).first()


def org_of(db: Database, user: User) -> Organisation:
    member = fresh_member(db, user)
    found = fresh(db, Organisation, member.org_id)
    assert isinstance(found, Organisation)
    return found


def session_cookie(client: TestClient) -> str | None:
    return client.cookies.get(SESSION_COOKIE)


def try_login(client: TestClient, username: str, password: str = PASSWORD) -> object:
    return post(client, "/login", {"username": username, "password": password})


def is_logged_in(client: TestClient) -> bool:
    """Whether the site treats this browser as logged in (by asking for a private page)."""
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 303
    assert location(response).startswith("/login")
    return False
