"""Login throttling per account and per address, over a sliding window."""

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from server import clock
from server.accounts.models import LoginFailure
from server.settings import Settings


@dataclass(frozen=True)
class Lockout:
    retry_after_seconds: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after_seconds / 60))


def _lockout(session: Session, column: object, key: str, limit: int,
             window: timedelta) -> Lockout | None:
    since = clock.now() - window
    count, oldest = session.exec(
        select(func.count(), func.min(LoginFailure.at))
        .where(column == key, col(LoginFailure.at) > since)
    ).one()
    if count < limit or oldest is None:
        return None
    # The oldest failure leaves the window first; then one more try is allowed.
    remaining = (oldest + window - clock.now()).total_seconds()
    return Lockout(max(1, math.ceil(remaining)))


def check(session: Session, settings: Settings, *, account_key: str,
          address: str) -> Lockout | None:
    window = timedelta(seconds=settings.login_window_seconds)
    return _lockout(
        session, LoginFailure.account_key, account_key,
        settings.login_max_failures_account, window,
    ) or _lockout(
        session, LoginFailure.address, address, settings.login_max_failures_address, window,
    )


def record_failure(session: Session, settings: Settings, *, account_key: str,
                   address: str) -> None:
    window = timedelta(seconds=settings.login_window_seconds)
    session.exec(delete(LoginFailure).where(col(LoginFailure.at) < clock.now() - window))
    session.add(LoginFailure(account_key=account_key, address=address))


def clear_account(session: Session, *, account_key: str) -> None:
    session.exec(delete(LoginFailure).where(col(LoginFailure.account_key) == account_key))
