"""Audit entries: who did what to whom, when and why, written with the change itself."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, Session, SQLModel

from server import clock
from server.db import UTCDateTime


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("organisation.id", ondelete="CASCADE"), index=True))
    # None when the operator acted from the command line.
    actor_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("user.id", ondelete="SET NULL")))
    action: str = Field(max_length=60, index=True)
    target_user_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("user.id", ondelete="SET NULL")))
    # The campaign the action was about, when it was about one.
    campaign_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("campaign.id", ondelete="SET NULL"), index=True))
    # The comment it was about, when it was about one (kept after the comment is gone).
    comment_id: int | None = Field(default=None, index=True)
    reason: str = Field(default="", max_length=500)
    at: datetime = Field(default_factory=lambda: clock.now(), sa_type=UTCDateTime, index=True)


def record(
    session: Session,
    *,
    org_id: int | None,
    actor_id: int | None,
    action: str,
    target_user_id: int | None = None,
    campaign_id: int | None = None,
    comment_id: int | None = None,
    reason: str = "",
) -> AuditEntry:
    entry = AuditEntry(org_id=org_id, actor_id=actor_id, action=action,
                       target_user_id=target_user_id, campaign_id=campaign_id,
                       comment_id=comment_id, reason=reason[:500])
    session.add(entry)
    return entry
