"""Decisions on the participation ladder, the polls and threads young people took part in, and
amendments made after a youth worker confirmed one."""

from datetime import date, datetime

from sqlalchemy import Column, Date, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, created_now, foreign_key

TITLE_MAX = 200
DETAILS_MAX = 2000
REASON_MAX = 1000
STORY_MAX = 4000  # "you said" and "we did"
LUNDY_NOTE_MAX = 300
AMENDMENT_REASON_MAX = 500


class Decision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(sa_column=foreign_key("organisation.id"))
    campaign_id: int = Field(sa_column=foreign_key("campaign.id"))
    title: str = Field(max_length=TITLE_MAX)
    details: str = Field(default="", max_length=DETAILS_MAX)
    decided_on: date = Field(sa_column=Column(Date, nullable=False, index=True))
    decided_by: str = Field(max_length=12)  # a DecidedBy
    # The person with power who made it: one of the campaign's stakeholders.
    stakeholder_id: int | None = Field(default=None, sa_column=foreign_key(
        "stakeholder.id", nullable=True, index=False))
    # The answers the suggestion is worked out from, with the linked polls and threads.
    poll_bound_outcome: bool = False
    bound_poll_id: int | None = Field(default=None, sa_column=foreign_key(
        "poll.id", nullable=True, index=False))
    suggestions_taken_up: bool = False
    rung: str = Field(max_length=16)  # a Rung
    suggested_rung: str = Field(max_length=16)
    # Why the rung differs from the suggestion; empty when they are the same.
    rung_reason: str = Field(default="", max_length=REASON_MAX)
    you_said: str = Field(default="", sa_column=Column(Text, nullable=False))
    we_did: str = Field(default="", sa_column=Column(Text, nullable=False))
    # When young people should hear what was done: overdue after this with no "we did".
    follow_up_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    we_did_published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # JSON: {"space" | "voice" | "audience" | "influence": {"met": true|false|null, "note": …}}
    lundy: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created_by: int | None = Field(default=None, sa_column=foreign_key(
        "user.id", nullable=True, index=False))
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    confirmed_by: int | None = Field(default=None, sa_column=foreign_key(
        "user.id", nullable=True, index=False))
    # JSON, frozen when confirmed: counts, age bands and poll results, never a name.
    snapshot: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # JSON, frozen with the snapshot: {participant key: age band} for the young people
    # involved. A key is opaque and one-way, so young people can be counted once across
    # decisions without a name or user id in the evidence; no export contains the keys.
    participants: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class DecisionPoll(SQLModel, table=True):
    """A poll of the decision's campaign that young people voted in."""

    __tablename__ = "decision_poll"
    __table_args__ = (UniqueConstraint("decision_id", "poll_id"),)

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(sa_column=foreign_key("decision.id", index=False))
    poll_id: int = Field(sa_column=foreign_key("poll.id"))


class DecisionThread(SQLModel, table=True):
    """A top-level comment of the decision's campaign: it and its replies."""

    __tablename__ = "decision_thread"
    __table_args__ = (UniqueConstraint("decision_id", "comment_id"),)

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(sa_column=foreign_key("decision.id", index=False))
    comment_id: int = Field(sa_column=foreign_key("comment.id"))


class Amendment(SQLModel, table=True):
    """A change to a confirmed decision: who, when, why, and each field's old and new value."""

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(sa_column=foreign_key("decision.id"))
    by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True,
                                                                 index=False))
    at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    reason: str = Field(max_length=AMENDMENT_REASON_MAX)
    changes: str = Field(sa_column=Column(Text, nullable=False))  # JSON {field: [old, new]}
