"""Campaigns, their TEAM goal, the people in them, and what they did."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, Float, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, created_now, foreign_key


class Status(StrEnum):
    draft = "draft"
    live = "live"
    achieved = "achieved"
    closed = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.draft: "Draft",
    Status.live: "Live",
    Status.achieved: "Achieved",
    Status.closed: "Closed",
}
ENDED = frozenset({Status.achieved, Status.closed})


class CampaignRole(StrEnum):
    lead = "lead"
    member = "member"
    facilitator = "facilitator"

    @property
    def label(self) -> str:
        return CAMPAIGN_ROLE_LABELS[self]


CAMPAIGN_ROLE_LABELS = {
    CampaignRole.lead: "Lead",
    CampaignRole.member: "Member",
    CampaignRole.facilitator: "Facilitator",
}


class FeedKind(StrEnum):
    update = "update"  # words a lead or facilitator posted
    created = "created"
    live = "live"
    measure = "measure"
    step_done = "step_done"
    step_undone = "step_undone"
    joined = "joined"
    ended = "ended"
    archived = "archived"
    unarchived = "unarchived"


# How the feed says it, after the person's name.
FEED_LABELS = {
    FeedKind.update: "posted an update",
    FeedKind.created: "started the campaign",
    FeedKind.live: "took the campaign live",
    FeedKind.measure: "updated the measure",
    FeedKind.step_done: "finished a step",
    FeedKind.step_undone: "marked a step as not done yet",
    FeedKind.joined: "joined",
    FeedKind.ended: "ended the campaign",
    FeedKind.archived: "archived the campaign",
    FeedKind.unarchived: "brought the campaign back from the archive",
}
# A few words each, for "what changed since your last visit".
FEED_SUMMARIES = {
    FeedKind.update: "an update",
    FeedKind.created: "a new campaign",
    FeedKind.live: "it went live",
    FeedKind.measure: "new progress",
    FeedKind.step_done: "a step done",
    FeedKind.step_undone: "a step reopened",
    FeedKind.joined: "someone joined",
    FeedKind.ended: "it ended",
    FeedKind.archived: "it was archived",
    FeedKind.unarchived: "it is back",
}




class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(sa_column=foreign_key("organisation.id"))
    title: str = Field(max_length=120)
    issue: str = Field(default="", max_length=2000)
    status: str = Field(default=Status.draft, max_length=10, index=True)
    # T: a deadline. E: what exactly will be different.
    deadline: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    exact: str = Field(default="", max_length=400)
    # M: what is counted, the target, the value now, and its unit.
    measure_what: str = Field(default="", max_length=120)
    measure_unit: str = Field(default="", max_length=30)
    measure_target: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    measure_current: float = Field(default=0.0, sa_column=Column(Float, nullable=False))
    # Set when the campaign goes live; a new one replaces it when a lead regenerates it.
    join_code: str | None = Field(default=None, max_length=16, unique=True, index=True)
    closing_statement: str = Field(default="", max_length=2000)
    created_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True))
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    live_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Archived campaigns are read-only and out of the way; nothing in them is deleted.
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    archived_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True))


class CampaignMember(SQLModel, table=True):
    __tablename__ = "campaign_member"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column=foreign_key("campaign.id"))
    user_id: int = Field(sa_column=foreign_key("user.id"))
    role: str = Field(max_length=12)
    joined_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    # What changed since my last visit is everything in the feed after this.
    last_seen_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    # A removed member stays on record (and cannot rejoin with the code) until re-added.
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    removed_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True))


class PlanStep(SQLModel, table=True):
    __tablename__ = "plan_step"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column=foreign_key("campaign.id"))
    position: int = 0
    text: str = Field(max_length=200)
    owner_id: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True))
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True,
                                                                 index=False))


class Stakeholder(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column=foreign_key("campaign.id"))
    name: str = Field(max_length=120)  # a name or a role: "Course manager"
    organisation: str = Field(default="", max_length=120)
    notes: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)


class MeasureReading(SQLModel, table=True):
    """Every value the measure has had, so progress can be drawn over time."""

    __tablename__ = "measure_reading"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column=foreign_key("campaign.id"))
    value: float = Field(sa_column=Column(Float, nullable=False))
    recorded_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    recorded_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True,
                                                                     index=False))


class FeedItem(SQLModel, table=True):
    """The campaign's feed: updates people post and the things that happened."""

    __tablename__ = "feed_item"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column=foreign_key("campaign.id"))
    kind: str = Field(max_length=20)
    author_id: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True,
                                                                   index=False))
    text: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime, index=True)
