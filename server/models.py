"""Every table, imported in one place for migrations and tests."""

from server.accounts.models import (
    ApiToken,
    Invite,
    LoginFailure,
    Member,
    Organisation,
    PasswordResetCode,
    User,
    UserSession,
)
from server.audit import AuditEntry

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Invite",
    "LoginFailure",
    "Member",
    "Organisation",
    "PasswordResetCode",
    "User",
    "UserSession",
]
