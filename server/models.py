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
from server.campaigns.models import (
    Campaign,
    CampaignMember,
    FeedItem,
    MeasureReading,
    PlanStep,
    Stakeholder,
)

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Campaign",
    "CampaignMember",
    "FeedItem",
    "Invite",
    "LoginFailure",
    "MeasureReading",
    "Member",
    "Organisation",
    "PasswordResetCode",
    "PlanStep",
    "Stakeholder",
    "User",
    "UserSession",
]
