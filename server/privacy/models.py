"""An organisation's privacy choices: how long inactive young people's accounts are kept, and
what happens to the words of someone whose account is erased."""

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

DEFAULT_RETENTION_DAYS = 730  # two years
RETENTION_MIN_DAYS = 30
RETENTION_MAX_DAYS = 3650  # ten years


class PrivacySettings(SQLModel, table=True):
    """No row: the defaults (keep inactive accounts two years, remove an erased person's words)."""

    __tablename__ = "privacy_settings"

    org_id: int = Field(sa_column=Column(
        Integer, ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True))
    # A young person who has not used the app for this many days is erased.
    retention_days: int = DEFAULT_RETENTION_DAYS
    # When someone is erased, keep their comments' words (shown by "a former member") instead
    # of removing them.
    keep_comment_text: bool = False
