from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, created_now, foreign_key
from server.i18n import N_


class Role(StrEnum):
    young_person = "young_person"
    youth_worker = "youth_worker"
    org_admin = "org_admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.young_person: N_("Young person"),
    Role.youth_worker: N_("Youth worker"),
    Role.org_admin: N_("Organisation admin"),
}
STAFF_ROLES = frozenset({Role.youth_worker, Role.org_admin})


class AgeBand(StrEnum):
    under_13 = "under_13"
    from_13_to_15 = "13_15"
    from_16_to_17 = "16_17"
    from_18_to_25 = "18_25"
    over_25 = "over_25"

    @property
    def label(self) -> str:
        return AGE_BAND_LABELS[self]


AGE_BAND_LABELS = {
    AgeBand.under_13: N_("Under 13"),
    AgeBand.from_13_to_15: N_("13 to 15"),
    AgeBand.from_16_to_17: N_("16 or 17"),
    AgeBand.from_18_to_25: N_("18 to 25"),
    AgeBand.over_25: N_("Over 25"),
}




class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    slug: str = Field(max_length=60, unique=True, index=True)
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # As the person typed it; uniqueness is on the case-folded key.
    username: str = Field(max_length=30)
    username_key: str = Field(max_length=30, unique=True, index=True)
    display_name: str = Field(max_length=50)
    # None until a password is set (staff added by an admin set theirs with a one-time code).
    password_hash: str | None = Field(default=None, max_length=255)
    age_band: str | None = Field(default=None, max_length=10)
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    password_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    suspended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    suspended_reason: str = Field(default="", max_length=500)
    # When they last used the app, updated at most once an hour: retention counts from it.
    last_active_at: datetime | None = Field(default_factory=created_now, sa_type=UTCDateTime)
    # Erased: the row stays as an anonymous stand-in with the same id, so the evidence's
    # anonymous counts stay the same; nothing in it says who they were.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Member(SQLModel, table=True):
    """A user's role in their organisation."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(sa_column=foreign_key("organisation.id"))
    user_id: int = Field(sa_column=Column(
        Integer, ForeignKey("user.id", ondelete="CASCADE"), unique=True, nullable=False))
    role: str = Field(max_length=20)
    joined_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    # Under-13s can look but not post until a youth worker records a parent's or carer's agreement.
    consent_recorded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consent_recorded_by: int | None = Field(
        default=None, sa_column=foreign_key("user.id", nullable=True))
    invite_id: int | None = Field(default=None, sa_column=foreign_key("invite.id", nullable=True))


class Invite(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(sa_column=foreign_key("organisation.id"))
    code: str = Field(max_length=16, unique=True, index=True)
    label: str = Field(default="", max_length=80)
    created_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True))
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    max_uses: int
    uses: int = 0
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserSession(SQLModel, table=True):
    __tablename__ = "user_session"

    # The SHA-256 of the cookie value: a copy of the database holds no usable session.
    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(sa_column=foreign_key("user.id"))
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=foreign_key("user.id"))
    token_hash: str = Field(max_length=64, unique=True, index=True)
    label: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PasswordResetCode(SQLModel, table=True):
    __tablename__ = "password_reset_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=foreign_key("user.id"))
    code_hash: str = Field(max_length=64, unique=True)
    created_by: int | None = Field(default=None, sa_column=foreign_key("user.id", nullable=True))
    created_at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    account_key: str = Field(max_length=64, index=True)
    address: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=created_now, sa_type=UTCDateTime, index=True)
