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
from server.ladder.models import Amendment, Decision, DecisionPoll, DecisionThread
from server.live.events import Event
from server.moderation.models import (
    Concern,
    FilterWord,
    ModerationSettings,
    Mute,
    Report,
)
from server.privacy.models import PrivacySettings

__all__ = [
    "Amendment",
    "ApiToken",
    "AuditEntry",
    "Ballot",
    "BallotReceipt",
    "Campaign",
    "CampaignMember",
    "Comment",
    "Concern",
    "Decision",
    "DecisionPoll",
    "DecisionThread",
    "Event",
    "FeedItem",
    "FilterWord",
    "Invite",
    "LoginFailure",
    "MeasureReading",
    "Member",
    "ModerationSettings",
    "Mute",
    "Organisation",
    "PasswordResetCode",
    "PlanStep",
    "Poll",
    "PollOption",
    "PrivacySettings",
    "Reaction",
    "Report",
    "Stakeholder",
    "User",
    "UserSession",
]
