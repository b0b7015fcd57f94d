"""What youth workers and admins do for the people in their organisation:
see them, record consent, give one-time password codes, suspend, add staff."""

from datetime import timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from server import audit, clock
from server.accounts import sessions
from server.accounts.codes import digest, new_code
from server.accounts.models import (
    AgeBand,
    Member,
    PasswordResetCode,
    Role,
    User,
)
from server.accounts.passwords import Passwords
from server.accounts.service import new_account, require_staff
from server.accounts.sessions import Viewer
from server.errors import InvalidInput, NotAllowed, NotFound
from server.i18n import _
from server.settings import Settings

REASON_MAX = 500


def list_people(session: Session, *, actor: Viewer, role: str = "") -> list[tuple[User, Member]]:
    require_staff(actor)
    query = (
        select(User, Member)
        .join(Member, col(Member.user_id) == col(User.id))
        .where(Member.org_id == actor.org_id, col(User.erased_at).is_(None))
        .order_by(func.lower(User.display_name), col(User.id))
    )
    if role in set(Role):
        query = query.where(Member.role == role)
    return [(user, member) for user, member in session.exec(query)]


def get_person(session: Session, *, actor: Viewer, user_id: int) -> tuple[User, Member]:
    require_staff(actor)
    row = session.exec(
        select(User, Member)
        .join(Member, col(Member.user_id) == col(User.id))
        .where(User.id == user_id, Member.org_id == actor.org_id,
               col(User.erased_at).is_(None))
    ).first()
    if row is None:
        raise NotFound(_("We could not find that person in your organisation."))
    return row


def _manageable(session: Session, *, actor: Viewer, user_id: int) -> tuple[User, Member]:
    user, member = get_person(session, actor=actor, user_id=user_id)
    if actor.role == Role.youth_worker and member.role != Role.young_person:
        raise NotAllowed(_("Only an organisation admin can do that for a member of staff."))
    return user, member


def record_consent(session: Session, *, actor: Viewer, user_id: int) -> Member:
    user, member = _manageable(session, actor=actor, user_id=user_id)
    if member.role != Role.young_person or user.age_band != AgeBand.under_13:
        raise InvalidInput(
            {"consent": _("Only young people under 13 need a parent's or carer's agreement.")})
    if member.consent_recorded_at is None:
        member.consent_recorded_at = clock.now()
        member.consent_recorded_by = actor.user_id
        session.add(member)
        audit.record(session, org_id=actor.org_id, actor_id=actor.user_id,
                     action="member.consent_recorded", target_user_id=user_id)
    return member


def issue_reset_code(
    session: Session, settings: Settings, *, actor: Viewer, user_id: int
) -> str:
    """A one-time code the person uses to choose a new password. Shown once, stored hashed."""
    user, _member = _manageable(session, actor=actor, user_id=user_id)
    code = _new_reset_code(session, settings, user_id=user_id, actor_id=actor.user_id)
    audit.record(session, org_id=actor.org_id, actor_id=actor.user_id,
                 action="user.reset_code_issued", target_user_id=user.id)
    return code


def _new_reset_code(session: Session, settings: Settings, *, user_id: int, actor_id: int) -> str:
    now = clock.now()
    # Only the newest code works.
    session.exec(update(PasswordResetCode)
                 .where(col(PasswordResetCode.user_id) == user_id,
                        col(PasswordResetCode.used_at).is_(None))
                 .values(used_at=now))
    code = new_code(10)
    session.add(PasswordResetCode(
        user_id=user_id, code_hash=digest(code), created_by=actor_id,
        expires_at=now + timedelta(seconds=settings.reset_code_seconds)))
    return code


def required_reason(reason: str) -> str:
    """The reason a youth worker gives for a change to a person, for the audit log."""
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise InvalidInput(
            {"reason": _("Say why, in up to %(max)d characters: it goes in the audit log.")
             % {"max": REASON_MAX}})
    return reason


def suspend(session: Session, *, actor: Viewer, user_id: int, reason: str) -> User:
    user, _member = _manageable(session, actor=actor, user_id=user_id)
    reason = reason.strip()
    if user_id == actor.user_id:
        raise NotAllowed(_("You cannot suspend your own account."))
    reason = required_reason(reason)
    if user.suspended_at is None:
        user.suspended_at = clock.now()
        user.suspended_reason = reason
        session.add(user)
        # Every session of theirs ends now, on every device.
        sessions.end_all(session, user_id=user_id)
        audit.record(session, org_id=actor.org_id, actor_id=actor.user_id,
                     action="user.suspended", target_user_id=user_id, reason=reason)
    return user


def unsuspend(session: Session, *, actor: Viewer, user_id: int) -> User:
    user, _member = _manageable(session, actor=actor, user_id=user_id)
    if user.suspended_at is not None:
        user.suspended_at = None
        user.suspended_reason = ""
        session.add(user)
        audit.record(session, org_id=actor.org_id, actor_id=actor.user_id,
                     action="user.unsuspended", target_user_id=user_id)
    return user


def add_staff(
    session: Session,
    settings: Settings,
    passwords: Passwords,
    *,
    actor: Viewer,
    username: str,
    display_name: str,
    role: str,
) -> tuple[User, str]:
    """An admin adds a youth worker or admin; they set their own password with a one-time code."""
    if not actor.is_admin:
        raise NotAllowed(_("Only organisation admins can add youth workers and admins."))
    if role not in (Role.youth_worker, Role.org_admin):
        raise InvalidInput({"role": _("Choose youth worker or organisation admin.")})
    user, _member = new_account(session, passwords, org_id=actor.org_id, username=username,
                                display_name=display_name, role=Role(role), age_band=None,
                                password=None)
    assert user.id is not None
    code = _new_reset_code(session, settings, user_id=user.id, actor_id=actor.user_id)
    audit.record(session, org_id=actor.org_id, actor_id=actor.user_id, action="staff.added",
                 target_user_id=user.id, reason=role)
    return user, code
