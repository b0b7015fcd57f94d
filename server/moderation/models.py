"""What moderation and safeguarding keep: reports, concerns, mutes, the organisation's word
filter and its settings.

A comment's own moderation state (held, hidden, removed) lives on the comment
(`server.campaigns.models.Comment`); the room controls live on the campaign and the poll.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, created_now, foreign_key
from server.i18n import N_


class ReportKind(StrEnum):
    unkind = "unkind"
    unsafe = "unsafe"
    spam = "spam"
    other = "other"

    @property
    def label(self) -> str:
        return REPORT_KIND_LABELS[self]


REPORT_KIND_LABELS = {
    ReportKind.unkind: N_("Unkind"),
    ReportKind.unsafe: N_("Unsafe"),
    ReportKind.spam: N_("Spam"),
    ReportKind.other: N_("Something else"),
}


class Report(SQLModel, table=True):
    """A member's report of a comment. Seen only by the organisation's youth workers and admins
    (never by other young people). One per member per comment."""

    __table_args__ = (UniqueConstraint("comment_id", "reporter_id"),)

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(sa_column=foreign_key("comment.id"))
    campaign_id: int = Field(sa_column=foreign_key("campaign.id"))
    reporter_id: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True,
                                                                       index=False))
    kind: str = Field(max_length=10)
    words: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    # Dealt with: dismissed, or the comment was hidden, restored or removed.
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    resolved_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True,
                                                                       index=False))
    resolution: str = Field(default="", max_length=12)


class Concern(SQLModel, table=True):
    """"I'm worried about something": a young person's private safeguarding concern. Only the
    organisation's youth workers and admins see it; it is never exported or shown to members."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(sa_column=foreign_key("organisation.id"))
    campaign_id: int | None = Field(default=None, sa_column=foreign_key("campaign.id",
                                                                       nullable=True))
    raised_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True))
    # What it is about, when the young person said: a comment, a person, or both.
    comment_id: int | None = Field(default=None, sa_column=foreign_key("comment.id",
                                                                      nullable=True, index=False))
    about_user_id: int | None = Field(default=None, sa_column=foreign_key("user.id",
                                                                         nullable=True,
                                                                         index=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    urgent: bool = True
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    # A youth worker has seen it and is dealing with it.
    seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    seen_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True,
                                                                   index=False))
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    closed_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True,
                                                                     index=False))
    # What was done, for the youth workers who look at it later.
    outcome: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Mute(SQLModel, table=True):
    """A member cannot comment, reply or react in one campaign until `until` (None: until a
    youth worker lifts it)."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column=foreign_key("campaign.id"))
    user_id: int = Field(sa_column=foreign_key("user.id"))
    created_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True,
                                                                      index=False))
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str = Field(default="", max_length=500)
    lifted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lifted_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True,
                                                                     index=False))


class FilterMode(StrEnum):
    block = "block"  # the comment is refused with a kind message; the words stay in the box
    hold = "hold"  # the comment is saved and held until a youth worker looks

    @property
    def label(self) -> str:
        return FILTER_MODE_LABELS[self]


FILTER_MODE_LABELS = {
    FilterMode.block: N_("Stop the comment and ask them to say it another way"),
    FilterMode.hold: N_("Hold the comment until a youth worker looks"),
}

DEFAULT_REPORT_THRESHOLD = 3


class ModerationSettings(SQLModel, table=True):
    """An organisation's moderation choices. No row: the defaults."""

    __tablename__ = "moderation_settings"

    org_id: int = Field(sa_column=Column(
        Integer, ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True))
    filter_mode: str = Field(default=FilterMode.block, max_length=8)
    # Reports from this many different members hold a comment until a youth worker looks.
    report_threshold: int = DEFAULT_REPORT_THRESHOLD


class FilterWord(SQLModel, table=True):
    """A word or phrase in an organisation's word filter."""

    __tablename__ = "filter_word"
    __table_args__ = (UniqueConstraint("org_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(sa_column=foreign_key("organisation.id", index=False))
    phrase: str = Field(max_length=100)  # as it was typed
    key: str = Field(max_length=100)  # as it is matched: see server.moderation.words
    created_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True,
                                                                      index=False))
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
