"""Retention: a young person who has not used the app for as long as their organisation keeps
inactive accounts (two years unless it chose otherwise) is erased, the same way as when they
ask. The operator runs it with `studentvoice retention` (`--dry-run` lists them first)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from server import clock
from server.accounts.models import Member, Organisation, Role, User
from server.privacy import service
from server.privacy.models import DEFAULT_RETENTION_DAYS, PrivacySettings


@dataclass(frozen=True)
class Due:
    """A young person's account past its organisation's retention: what an operator needs to
    see, and no name."""

    user_id: int
    org_id: int
    org_slug: str
    last_active: datetime


def due(session: Session) -> list[Due]:
    """Every young person, in every organisation, inactive for longer than it keeps accounts."""
    now = clock.now()
    days = {org_id: kept for org_id, kept in session.exec(
        select(PrivacySettings.org_id, PrivacySettings.retention_days))}
    last = func.coalesce(User.last_active_at, User.created_at)
    rows = session.exec(
        select(User.id, last, Organisation.id, Organisation.slug)
        .join(Member, col(Member.user_id) == col(User.id))
        .join(Organisation, col(Organisation.id) == col(Member.org_id))
        .where(Member.role == Role.young_person, col(User.erased_at).is_(None))
        .order_by(col(Organisation.id), col(User.id)))
    found = []
    for user_id, last_active, org_id, slug in rows:
        assert user_id is not None and org_id is not None
        active = _aware(last_active)
        if active < now - timedelta(days=days.get(org_id, DEFAULT_RETENTION_DAYS)):
            found.append(Due(user_id=user_id, org_id=org_id, org_slug=slug, last_active=active))
    return found


def _aware(value: datetime | str) -> datetime:
    """`coalesce` loses the column's type on SQLite: read its text back as UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def erase_due(session: Session, found: list[Due]) -> int:
    """Erase the accounts found, audited with the reason "retention"."""
    for item in found:
        service.erase(session, user_id=item.user_id, org_id=item.org_id, actor_id=None,
                      reason=service.RETENTION_REASON)
    return len(found)
