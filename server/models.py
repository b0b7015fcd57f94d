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
    Ballot,
    BallotReceipt,
    Campaign,
    CampaignMember,
    Comment,
    FeedItem,
    MeasureReading,
    PlanStep,
    Poll,
    PollOption,
    Reaction,
    Stakeholder,
)
from server.live.events import Event

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Ballot",
    "BallotReceipt",
    "Campaign",
    "CampaignMember",
    "Comment",
    "Event",
    "FeedItem",
    "Invite",
    "LoginFailure",
    "MeasureReading",
    "Member",
    "Organisation",
    "PasswordResetCode",
    "PlanStep",
    "Poll",
    "PollOption",
    "Reaction",
    "Stakeholder",
    "User",
    "UserSession",
]
