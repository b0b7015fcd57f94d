"""Server-side login sessions and API tokens.

The cookie holds 256 random bits; the database holds only their SHA-256, so a
copy of the database cannot be used to log in. Each session carries its own
CSRF token. A session ends at its idle timeout, at its absolute lifetime, at
logout, or when its user is suspended or changes password.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, update
from sqlalchemy import select as sql_select
from sqlmodel import Session, col

from server import clock
from server.accounts.codes import digest
from server.accounts.models import (
    AgeBand,
    ApiToken,
    Member,
    Organisation,
    Role,
    User,
    UserSession,
)
from server.db import table
from server.i18n import N_
from server.live import events
from server.settings import Settings

# Writing last_seen_at on every request would make every page view a write.
TOUCH_EVERY = timedelta(seconds=60)
# A person's last activity (for retention) needs no finer grain than this.
ACTIVE_EVERY = timedelta(hours=1)
API_TOKEN_PREFIX = "sv_"  # noqa: S105  (a prefix, not a secret)


@dataclass(frozen=True)
class Viewer:
    """The person behind a request, with their organisation and role."""

    user_id: int
    username: str
    display_name: str
    role: Role
    age_band: AgeBand | None
    org_id: int
    org_slug: str
    org_name: str
    consent_recorded: bool
    session_id: str = ""
    csrf_token: str = ""

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.youth_worker, Role.org_admin)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.org_admin

    @property
    def needs_consent(self) -> bool:
        return (self.role == Role.young_person and self.age_band == AgeBand.under_13
                and not self.consent_recorded)

    @property
    def can_post(self) -> bool:
        """Post, comment and vote: not for an under-13 until a parent or carer has agreed."""
        return not self.needs_consent


# Every request finds its viewer by a cookie or a token: these look-ups are plain statements,
# built once, that read just what a Viewer is made of.
_USER, _MEMBER, _ORG = table(User), table(Member), table(Organisation)
_LOGIN, _TOKEN = table(UserSession), table(ApiToken)
_VIEWER = (_USER.c.id.label("user_id"), _USER.c.username, _USER.c.display_name,
           _USER.c.age_band, _USER.c.suspended_at, _MEMBER.c.role,
           _MEMBER.c.consent_recorded_at, _ORG.c.id.label("org_id"),
           _ORG.c.slug.label("org_slug"), _ORG.c.name.label("org_name"))
_PEOPLE = (_USER.join(_MEMBER, _MEMBER.c.user_id == _USER.c.id)
           .join(_ORG, _ORG.c.id == _MEMBER.c.org_id))
_BY_SESSION = (sql_select(_LOGIN.c.last_seen_at, _LOGIN.c.created_at, _LOGIN.c.csrf_token,
                          *_VIEWER)
               .select_from(_LOGIN.join(_PEOPLE, _USER.c.id == _LOGIN.c.user_id))
               .where(_LOGIN.c.id == bindparam("key")))
_BY_USER = sql_select(*_VIEWER).select_from(_PEOPLE).where(_USER.c.id == bindparam("key"))
_BY_TOKEN = (sql_select(_TOKEN.c.revoked_at, *_VIEWER)
             .select_from(_TOKEN.join(_PEOPLE, _USER.c.id == _TOKEN.c.user_id))
             .where(_TOKEN.c.token_hash == bindparam("key")))


def _viewer_of(row: Row[*tuple[Any, ...]], **extra: str) -> Viewer:
    return Viewer(
        user_id=row.user_id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        age_band=AgeBand(row.age_band) if row.age_band else None,
        org_id=row.org_id,
        org_slug=row.org_slug,
        org_name=row.org_name,
        consent_recorded=row.consent_recorded_at is not None,
        **extra,
    )


def viewer_for_user(session: Session, user_id: int) -> Viewer | None:
    row = session.connection().execute(_BY_USER, {"key": user_id}).first()
    if row is None or row.suspended_at is not None:
        return None
    return _viewer_of(row)


def start(session: Session, settings: Settings, *, user_id: int) -> str:
    """Open a new session and return the cookie value (the only copy of it)."""
    # Sessions that ended by timing out are forgotten here, so they never pile up.
    now = clock.now()
    session.exec(delete(UserSession).where(
        col(UserSession.user_id) == user_id,
        (col(UserSession.last_seen_at) < now - timedelta(seconds=settings.session_idle_seconds))
        | (col(UserSession.created_at) < now - timedelta(seconds=settings.session_max_seconds)),
    ))
    _mark_active(session, user_id)
    token = secrets.token_urlsafe(32)
    session.add(UserSession(id=digest(token), user_id=user_id,
                            csrf_token=secrets.token_urlsafe(32)))
    return token


@dataclass(frozen=True)
class Lookup:
    """A read-only look-up; `follow_up` says what must be written afterwards, if anything."""

    viewer: Viewer | None
    session_id: str = ""
    follow_up: str = ""  # "", "end" or "touch"


def load(session: Session, settings: Settings, *, token: str) -> Lookup:
    """Find the viewer for a session cookie without writing anything."""
    return look_up(session.connection(), settings, token=token)


def look_up(connection: Connection, settings: Settings, *, token: str) -> Lookup:
    """`load` on a bare connection: one statement, nothing else."""
    session_id = digest(token)
    row = connection.execute(_BY_SESSION, {"key": session_id}).first()
    if row is None:
        return Lookup(None)
    now = clock.now()
    expired = (
        now - row.last_seen_at > timedelta(seconds=settings.session_idle_seconds)
        or now - row.created_at > timedelta(seconds=settings.session_max_seconds)
        or row.suspended_at is not None
    )
    if expired:
        return Lookup(None, session_id, "end")
    viewer = _viewer_of(row, session_id=session_id, csrf_token=row.csrf_token)
    return Lookup(viewer, session_id, "touch" if now - row.last_seen_at > TOUCH_EVERY else "")


def follow_up(session: Session, lookup: Lookup) -> None:
    if lookup.follow_up == "end":
        session.exec(delete(UserSession).where(col(UserSession.id) == lookup.session_id))
    elif lookup.follow_up == "touch":
        session.exec(update(UserSession).where(col(UserSession.id) == lookup.session_id)
                     .values(last_seen_at=clock.now()))
        if lookup.viewer is not None:
            _mark_active(session, lookup.viewer.user_id)


def _mark_active(session: Session, user_id: int) -> None:
    """Record that the person uses the app, at most once an hour (an update that usually
    changes nothing)."""
    now = clock.now()
    session.exec(update(User).where(
        col(User.id) == user_id,
        col(User.last_active_at).is_(None) | (col(User.last_active_at) < now - ACTIVE_EVERY))
        .values(last_active_at=now))


def end(session: Session, *, token: str) -> None:
    session.exec(delete(UserSession).where(col(UserSession.id) == digest(token)))
    # Its open pages close too.
    events.kick(session, None, session_id=digest(token), reason=N_("You have logged out."))


def end_all(session: Session, *, user_id: int, keep_session_id: str = "") -> None:
    session.exec(delete(UserSession).where(
        col(UserSession.user_id) == user_id, col(UserSession.id) != keep_session_id))
    events.kick(session, user_id, keep_session_id=keep_session_id,
                reason=N_("You have been logged out."))


def revoke_api_tokens(session: Session, *, user_id: int) -> None:
    """Every app token of the person stops working (their open API streams are kicked by
    `end_all`)."""
    session.exec(update(ApiToken).where(col(ApiToken.user_id) == user_id,
                                        col(ApiToken.revoked_at).is_(None))
                 .values(revoked_at=clock.now()))


def create_api_token(session: Session, *, user_id: int, label: str = "") -> str:
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user_id, token_hash=digest(token), label=label))
    return token


def load_api_token(session: Session, *, token: str) -> Viewer | None:
    """The viewer for a bearer token (read-only: API tokens record no activity)."""
    return api_token_viewer(session.connection(), token=token)


def api_token_viewer(connection: Connection, *, token: str) -> Viewer | None:
    """`load_api_token` on a bare connection: one statement, nothing else."""
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    row = connection.execute(_BY_TOKEN, {"key": digest(token)}).first()
    if row is None or row.revoked_at is not None or row.suspended_at is not None:
        return None
    return _viewer_of(row)
