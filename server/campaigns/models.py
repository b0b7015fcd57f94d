"""Campaigns, their TEAM goal, the people in them, and what they did."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, Float, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, created_now, foreign_key
from server.i18n import N_


class Status(StrEnum):
    draft = "draft"
    live = "live"
    achieved = "achieved"
    closed = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.draft: N_("Draft"),
    Status.live: N_("Live"),
    Status.achieved: N_("Achieved"),
    Status.closed: N_("Closed"),
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
    CampaignRole.lead: N_("Lead"),
    CampaignRole.member: N_("Member"),
    CampaignRole.facilitator: N_("Facilitator"),
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
    decision = "decision"  # "you said, we did": what was done about a decision


# How the feed says it, after the person's name.
FEED_LABELS = {
    FeedKind.update: N_("posted an update"),
    FeedKind.created: N_("started the campaign"),
    FeedKind.live: N_("took the campaign live"),
    FeedKind.measure: N_("updated the measure"),
    FeedKind.step_done: N_("finished a step"),
    FeedKind.step_undone: N_("marked a step as not done yet"),
    FeedKind.joined: N_("joined"),
    FeedKind.ended: N_("ended the campaign"),
    FeedKind.archived: N_("archived the campaign"),
    FeedKind.unarchived: N_("brought the campaign back from the archive"),
    FeedKind.decision: N_("shared what was done about a decision"),
}
# A few words each, for "what changed since your last visit".
FEED_SUMMARIES = {
    FeedKind.update: N_("an update"),
    FeedKind.created: N_("a new campaign"),
    FeedKind.live: N_("it went live"),
    FeedKind.measure: N_("new progress"),
    FeedKind.step_done: N_("a step done"),
    FeedKind.step_undone: N_("a step reopened"),
    FeedKind.joined: N_("someone joined"),
    FeedKind.ended: N_("it ended"),
    FeedKind.archived: N_("it was archived"),
    FeedKind.unarchived: N_("it is back"),
    FeedKind.decision: N_("a decision"),
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
    # Room controls a youth worker sets during a live session (server.moderation.room).
    premoderation: bool = False  # new comments wait for a youth worker before anyone sees them
    slow_mode_seconds: int = 0  # 0: off; otherwise one comment per member per this many seconds
    discussion_locked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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
    # A young person a lead trusted to hold and restore comments in this campaign.
    peer_moderator_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    peer_moderator_by: int | None = Field(default=None, sa_column=foreign_key(
        "user.id", nullable=True, index=False))


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


# ---------------------------------------------------------------- polls


class PollKind(StrEnum):
    single = "single"  # one option
    multiple = "multiple"  # up to max_choices options
    ranked = "ranked"  # options in order; counted by instant-runoff
    score = "score"  # 0 to 5 for every option
    proposal = "proposal"  # agree / abstain / disagree / block


POLL_KIND_LABELS = {
    PollKind.single: N_("Pick one"),
    PollKind.multiple: N_("Pick several"),
    PollKind.ranked: N_("Put in order"),
    PollKind.score: N_("Score each from 0 to 5"),
    PollKind.proposal: N_("Agree or not (a proposal)"),
}


class PollStatus(StrEnum):
    draft = "draft"  # being set up: nobody can vote yet
    open = "open"
    closed = "closed"


class Visibility(StrEnum):
    live = "live"  # everyone sees results as votes come in
    after_vote = "after_vote"  # you see results once you have voted
    after_close = "after_close"  # results show when the poll closes


VISIBILITY_LABELS = {
    Visibility.live: N_("Everyone sees results as votes come in"),
    Visibility.after_vote: N_("People see results after they vote"),
    Visibility.after_close: N_("Results show when the poll closes"),
}


class Poll(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column=foreign_key("campaign.id"))
    question: str = Field(max_length=200)
    description: str = Field(default="", max_length=1000)
    kind: str = Field(max_length=10)
    max_choices: int = 1  # for multiple: how many options a ballot may pick
    anonymous: bool = True
    visibility: str = Field(default=Visibility.live, max_length=12)
    # Shown to everyone whatever the visibility, by a facilitator or lead (presenter view).
    revealed: bool = False
    status: str = Field(default=PollStatus.open, max_length=8, index=True)
    closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True,
                                                                    index=False))
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Paused by a youth worker: open, but taking no votes until it is resumed.
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PollOption(SQLModel, table=True):
    __tablename__ = "poll_option"

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(sa_column=foreign_key("poll.id"))
    position: int = 0
    label: str = Field(max_length=120)


class Ballot(SQLModel, table=True):
    """One per member per poll: the database refuses a second (the unique constraint)."""

    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(sa_column=foreign_key("poll.id", index=False))
    user_id: int = Field(sa_column=foreign_key("user.id"))
    # JSON: [option ids] for single, multiple and ranked; {option id: score} for score;
    # "agree" / "abstain" / "disagree" / "block" for a proposal.
    choices: str = Field(sa_column=Column(Text, nullable=False))
    reason: str = Field(default="", max_length=500)
    cast_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    changed_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)


class BallotReceipt(SQLModel, table=True):
    """What each submission saved, by its client operation id: a retry gets the same answer."""

    __tablename__ = "ballot_receipt"
    __table_args__ = (UniqueConstraint("user_id", "client_op_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=foreign_key("user.id", index=False))
    client_op_id: str = Field(max_length=64)
    poll_id: int = Field(sa_column=foreign_key("poll.id"))
    choices: str = Field(sa_column=Column(Text, nullable=False))
    reason: str = Field(default="", max_length=500)
    saved_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)


# ---------------------------------------------------------------- discussion


class Comment(SQLModel, table=True):
    __table_args__ = (Index("ix_comment_campaign_parent_id", "campaign_id", "parent_id", "id"),
                      Index("uq_comment_author_op", "author_id", "client_op_id", unique=True))

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column=foreign_key("campaign.id", index=False))
    # Replies go one level deep: a reply's parent is always a top-level comment.
    parent_id: int | None = Field(default=None, sa_column=foreign_key("comment.id", nullable=True,
                                                                   index=False))
    author_id: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True))
    text: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Deleted by its author: the words are gone, the place in the thread stays for its replies.
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Moderation (server.moderation.comments): shown, held (waiting for a youth worker), hidden
    # (by a youth worker, with a reason) or removed (its words deleted for good by an admin).
    state: str = Field(default="shown", max_length=8)
    # When everyone could first see it; None while it has only ever been held.
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    held_because: str = Field(default="", max_length=16)  # a HoldCause, while held
    moderated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    moderated_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True,
                                                                        index=False))
    moderation_reason: str = Field(default="", max_length=500)
    # The form's or app's id for this submission: sent again (a double tap, a retry after a
    # lost answer), it gets this comment back instead of a second one.
    client_op_id: str | None = Field(default=None, max_length=64)


class CommentState(StrEnum):
    shown = "shown"
    held = "held"
    hidden = "hidden"
    removed = "removed"


class HoldCause(StrEnum):
    reports = "reports"  # reported by enough different members
    premoderation = "premoderation"  # the room holds every new comment
    word_filter = "word_filter"  # it matched the organisation's word filter
    peer = "peer"  # a peer moderator held it
    youth_worker = "youth_worker"  # a youth worker held it


HOLD_CAUSE_LABELS = {
    HoldCause.reports: N_("Reported by several members"),
    HoldCause.premoderation: N_("Waiting for approval (pre-moderation is on)"),
    HoldCause.word_filter: N_("Matched the word filter"),
    HoldCause.peer: N_("Held by a peer moderator"),
    HoldCause.youth_worker: N_("Held by a youth worker"),
}


class ReactionKind(StrEnum):
    agree = "agree"
    love = "love"
    laugh = "laugh"
    wow = "wow"
    idea = "idea"


# The emoji, and the words a screen reader says.
REACTIONS = {
    ReactionKind.agree: ("\N{THUMBS UP SIGN}", N_("Agree")),
    ReactionKind.love: ("\N{HEAVY BLACK HEART}\N{VARIATION SELECTOR-16}", N_("Love it")),
    ReactionKind.laugh: ("\N{FACE WITH TEARS OF JOY}", N_("Funny")),
    ReactionKind.wow: ("\N{FACE WITH OPEN MOUTH}", N_("Wow")),
    ReactionKind.idea: ("\N{ELECTRIC LIGHT BULB}", N_("Good idea")),
}


class Reaction(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("comment_id", "user_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(sa_column=foreign_key("comment.id", index=False))
    user_id: int = Field(sa_column=foreign_key("user.id"))
    kind: str = Field(max_length=10)
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
