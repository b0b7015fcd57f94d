"""Every change to accounts goes through here: check input and permission,
change rows, write the audit entry, all in the caller's one transaction."""

import re
import unicodedata
from datetime import timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server import audit, clock
from server.accounts import sessions, throttle
from server.accounts.codes import digest, new_code, normalise_code
from server.accounts.models import (
    AgeBand,
    Invite,
    Member,
    Organisation,
    PasswordResetCode,
    Role,
    User,
)
from server.accounts.passwords import Passwords, password_problem
from server.accounts.sessions import Viewer
from server.errors import InvalidInput, NotAllowed, NotFound, Throttled
from server.settings import Settings

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{3,30}")
INVITE_MAX_DAYS = 90
INVITE_MAX_USES = 500
REASON_MAX = 500
USED_UP = "That code has been used up. Ask your youth worker for a new one."
DIFFERENT = "The two passwords are different. Type them again."


def username_key(username: str) -> str:
    return username.strip().casefold()


def username_problem(username: str) -> str | None:
    if not USERNAME_PATTERN.fullmatch(username):
        return ("Usernames are 3 to 30 letters, numbers, dots, dashes or underscores, "
                "with no spaces.")
    return None


def display_name_problem(name: str) -> str | None:
    if not name:
        return "Add a display name: it is what others in your organisation see."
    if len(name) > 50:
        return "Keep your display name to 50 characters or fewer."
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return "Your display name has characters we cannot show."
    return None


def _age_band(value: str | None, *, required: bool) -> tuple[AgeBand | None, str | None]:
    if not value:
        return None, ("Choose your age group." if required else None)
    try:
        return AgeBand(value), None
    except ValueError:
        return None, "Choose one of the age groups in the list."


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50] or "organisation"


def create_organisation(session: Session, *, name: str) -> Organisation:
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput({"name": "Give the organisation a name of up to 120 characters."})
    base = slugify(name)
    slug, n = base, 1
    while session.exec(select(Organisation.id).where(Organisation.slug == slug)).first():
        n += 1
        slug = f"{base}-{n}"
    org = Organisation(name=name, slug=slug)
    session.add(org)
    session.flush()
    audit.record(session, org_id=org.id, actor_id=None, action="organisation.created")
    return org


def organisation_by_slug(session: Session, slug: str) -> Organisation:
    org = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if org is None:
        raise NotFound(f"There is no organisation called {slug!r}.")
    return org


def _new_account(
    session: Session,
    passwords: Passwords,
    *,
    org_id: int,
    username: str,
    display_name: str,
    role: Role,
    age_band: str | None,
    password: str | None,
    password_again: str | None = None,
    invite_id: int | None = None,
) -> tuple[User, Member]:
    username, display_name = username.strip(), display_name.strip()
    errors: dict[str, str] = {}
    if problem := username_problem(username):
        errors["username"] = problem
    elif _user_by_username(session, username) is not None:
        errors["username"] = "That username is taken. Try another."
    if problem := display_name_problem(display_name):
        errors["display_name"] = problem
    band, problem = _age_band(age_band, required=role == Role.young_person)
    if problem:
        errors["age_band"] = problem
    if password is not None and (problem := password_problem(password, username=username)):
        errors["password"] = problem
    elif password_again is not None and password != password_again:
        errors["password_again"] = DIFFERENT
    if errors:
        raise InvalidInput(errors)
    user = User(
        username=username,
        username_key=username_key(username),
        display_name=display_name,
        age_band=band,
        password_hash=passwords.hash(password) if password is not None else None,
        password_changed_at=clock.now() if password is not None else None,
    )
    session.add(user)
    try:
        # Two people picking the same name at once: the unique index decides.
        session.flush()
    except IntegrityError:
        raise InvalidInput({"username": "That username is taken. Try another."}) from None
    assert user.id is not None
    member = Member(org_id=org_id, user_id=user.id, role=role, invite_id=invite_id)
    session.add(member)
    session.flush()
    return user, member


def _user_by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username_key == username_key(username))).first()


def create_user(
    session: Session,
    passwords: Passwords,
    *,
    org_slug: str,
    username: str,
    display_name: str,
    role: str,
    age_band: str | None,
    password: str,
) -> User:
    """An account made by the operator from the command line."""
    org = organisation_by_slug(session, org_slug)
    try:
        member_role = Role(role)
    except ValueError:
        raise InvalidInput({"role": f"Role must be one of {', '.join(Role)}."}) from None
    assert org.id is not None
    user, _ = _new_account(session, passwords, org_id=org.id, username=username,
                           display_name=display_name or username, role=member_role,
                           age_band=age_band, password=password)
    audit.record(session, org_id=org.id, actor_id=None, action="user.created",
                 target_user_id=user.id)
    return user


# Invites ------------------------------------------------------------------


def look_up_invite(session: Session, *, code: str) -> tuple[Invite, Organisation]:
    """The invite and organisation for a typed code, or a plain reason it cannot be used."""
    typed = normalise_code(code)
    if not typed:
        raise InvalidInput({"code": "Type the invite code a youth worker gave you."})
    row = session.exec(
        select(Invite, Organisation)
        .join(Organisation, col(Organisation.id) == col(Invite.org_id))
        .where(Invite.code == typed)
    ).first()
    if row is None:
        raise InvalidInput({"code": "We do not know that code. Check it with your youth worker."})
    invite, org = row
    if invite.revoked_at is not None:
        raise InvalidInput({"code": "That code has been stopped by a youth worker. "
                                    "Ask them for a new one."})
    if invite.expires_at <= clock.now():
        raise InvalidInput({"code": "That code has expired. Ask your youth worker for a new one."})
    if invite.uses >= invite.max_uses:
        raise InvalidInput({"code": USED_UP})
    return invite, org


def join(
    session: Session,
    passwords: Passwords,
    *,
    code: str,
    username: str,
    display_name: str,
    password: str,
    password_again: str,
    age_band: str,
) -> User:
    invite, org = look_up_invite(session, code=code)
    assert invite.id is not None and org.id is not None
    # Every problem with the form is reported at once, each next to its own field.
    user, _ = _new_account(session, passwords, org_id=org.id, username=username,
                           display_name=display_name, role=Role.young_person,
                           age_band=age_band, password=password,
                           password_again=password_again, invite_id=invite.id)
    # Counted in the database so two people joining at once cannot exceed the limit.
    claimed = session.exec(
        update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.uses) < col(Invite.max_uses))
        .values(uses=Invite.uses + 1)
    )
    if claimed.rowcount != 1:
        raise InvalidInput({"code": USED_UP})
    audit.record(session, org_id=org.id, actor_id=user.id, action="user.joined",
                 target_user_id=user.id)
    return user


def _require_staff(actor: Viewer) -> None:
    if not actor.is_staff:
        raise NotAllowed("Only youth workers and organisation admins can do that.")


def create_invite(
    session: Session, *, actor: Viewer, label: str, days: str, max_uses: str
) -> Invite:
    _require_staff(actor)
    errors: dict[str, str] = {}
    label = label.strip()
    if len(label) > 80:
        errors["label"] = "Keep the label to 80 characters or fewer."
    valid_days = _whole_number(days, 1, INVITE_MAX_DAYS)
    if valid_days is None:
        errors["days"] = f"Choose how many days the code works: 1 to {INVITE_MAX_DAYS}."
    uses = _whole_number(max_uses, 1, INVITE_MAX_USES)
    if uses is None:
        errors["max_uses"] = f"Choose how many people can use it: 1 to {INVITE_MAX_USES}."
    if errors or valid_days is None or uses is None:
        raise InvalidInput(errors)
    code = new_code()
    while session.exec(select(Invite.id).where(Invite.code == code)).first():
        code = new_code()
    invite = Invite(org_id=actor.org_id, code=code, label=label, created_by=actor.user_id,
                    expires_at=clock.now() + timedelta(days=valid_days), max_uses=uses)
    session.add(invite)
    session.flush()
    audit.record(session, org_id=actor.org_id, actor_id=actor.user_id, action="invite.created",
                 reason=label)
    return invite


def _whole_number(value: str, low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if low <= number <= high else None


def list_invites(session: Session, *, actor: Viewer) -> list[Invite]:
    _require_staff(actor)
    return list(session.exec(
        select(Invite).where(Invite.org_id == actor.org_id).order_by(col(Invite.id).desc())
    ))


def revoke_invite(session: Session, *, actor: Viewer, invite_id: int) -> Invite:
    _require_staff(actor)
    invite = session.get(Invite, invite_id)
    if invite is None or invite.org_id != actor.org_id:
        raise NotFound("We could not find that invite code.")
    if invite.revoked_at is None:
        invite.revoked_at = clock.now()
        session.add(invite)
        audit.record(session, org_id=actor.org_id, actor_id=actor.user_id,
                     action="invite.revoked", reason=invite.label)
    return invite


# Logging in and passwords -----------------------------------------------------


def authenticate(
    session: Session,
    settings: Settings,
    passwords: Passwords,
    *,
    username: str,
    password: str,
    address: str,
) -> User | None:
    """The user if the password matches; None (and a failure recorded) if not.

    Unknown usernames run the same argon2 check against a dummy hash, so the
    answer takes as long as for a real account.
    """
    key = username_key(username)[:64]
    lockout = throttle.check(session, settings, account_key=key, address=address)
    if lockout is not None:
        raise _throttled(lockout)
    user = _user_by_username(session, username)
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        throttle.record_failure(session, settings, account_key=key, address=address)
        return None
    throttle.clear_account(session, account_key=key)
    if user.suspended_at is not None:
        raise NotAllowed("This account is suspended. Talk to a youth worker at your organisation.")
    assert user.password_hash is not None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
        session.add(user)
    return user


def _throttled(lockout: throttle.Lockout) -> Throttled:
    minutes = f"{lockout.minutes} minute{'s' if lockout.minutes != 1 else ''}"
    return Throttled(f"Too many tries. Try again in {minutes}.", lockout.retry_after_seconds)


def change_password(
    session: Session,
    passwords: Passwords,
    *,
    actor: Viewer,
    current: str,
    new: str,
    new_again: str,
) -> None:
    user = session.get(User, actor.user_id)
    assert user is not None
    if not passwords.verify(user.password_hash, current):
        raise InvalidInput({"current": "That is not your current password."})
    _set_password(session, passwords, user=user, password=new, password_again=new_again)
    # Every other device is logged out; this one carries on.
    sessions.end_all(session, user_id=actor.user_id, keep_session_id=actor.session_id)
    audit.record(session, org_id=actor.org_id, actor_id=actor.user_id,
                 action="user.password_changed", target_user_id=actor.user_id)


def _set_password(
    session: Session, passwords: Passwords, *, user: User, password: str, password_again: str
) -> None:
    if problem := password_problem(password, username=user.username):
        raise InvalidInput({"password": problem})
    if password != password_again:
        raise InvalidInput({"password_again": DIFFERENT})
    user.password_hash = passwords.hash(password)
    user.password_changed_at = clock.now()
    session.add(user)


def set_password_by_operator(
    session: Session, passwords: Passwords, *, username: str, password: str
) -> User:
    user = _user_by_username(session, username)
    if user is None:
        raise NotFound(f"There is no user called {username!r}.")
    _set_password(session, passwords, user=user, password=password, password_again=password)
    assert user.id is not None
    sessions.end_all(session, user_id=user.id)
    member = session.exec(select(Member).where(Member.user_id == user.id)).one()
    audit.record(session, org_id=member.org_id, actor_id=None, action="user.password_set",
                 target_user_id=user.id)
    return user


def user_by_username(session: Session, username: str) -> User:
    user = _user_by_username(session, username)
    if user is None:
        raise NotFound(f"There is no user called {username!r}.")
    return user


# People: what youth workers and admins can see and do ---------------------------


def list_people(session: Session, *, actor: Viewer, role: str = "") -> list[tuple[User, Member]]:
    _require_staff(actor)
    query = (
        select(User, Member)
        .join(Member, col(Member.user_id) == col(User.id))
        .where(Member.org_id == actor.org_id)
        .order_by(func.lower(User.display_name), col(User.id))
    )
    if role in set(Role):
        query = query.where(Member.role == role)
    return [(user, member) for user, member in session.exec(query)]


def get_person(session: Session, *, actor: Viewer, user_id: int) -> tuple[User, Member]:
    _require_staff(actor)
    row = session.exec(
        select(User, Member)
        .join(Member, col(Member.user_id) == col(User.id))
        .where(User.id == user_id, Member.org_id == actor.org_id)
    ).first()
    if row is None:
        raise NotFound("We could not find that person in your organisation.")
    return row


def _manageable(session: Session, *, actor: Viewer, user_id: int) -> tuple[User, Member]:
    user, member = get_person(session, actor=actor, user_id=user_id)
    if actor.role == Role.youth_worker and member.role != Role.young_person:
        raise NotAllowed("Only an organisation admin can do that for a member of staff.")
    return user, member


def record_consent(session: Session, *, actor: Viewer, user_id: int) -> Member:
    user, member = _manageable(session, actor=actor, user_id=user_id)
    if member.role != Role.young_person or user.age_band != AgeBand.under_13:
        raise InvalidInput(
            {"consent": "Only young people under 13 need a parent's or carer's agreement."})
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
    user, _ = _manageable(session, actor=actor, user_id=user_id)
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


def redeem_reset_code(
    session: Session,
    settings: Settings,
    passwords: Passwords,
    *,
    username: str,
    code: str,
    password: str,
    password_again: str,
    address: str,
) -> User | None:
    """Set a new password with a one-time code.

    None (and a failure counted) if the code is wrong.
    """
    key = username_key(username)[:64]
    lockout = throttle.check(session, settings, account_key=key, address=address)
    if lockout is not None:
        raise _throttled(lockout)
    user = _user_by_username(session, username)
    found = None
    if user is not None:
        found = session.exec(select(PasswordResetCode).where(
            PasswordResetCode.user_id == user.id,
            PasswordResetCode.code_hash == digest(normalise_code(code)),
            col(PasswordResetCode.used_at).is_(None),
            col(PasswordResetCode.expires_at) > clock.now(),
        )).first()
    if user is None or found is None:
        throttle.record_failure(session, settings, account_key=key, address=address)
        return None
    if user.suspended_at is not None:
        raise NotAllowed("This account is suspended. Talk to a youth worker at your organisation.")
    _set_password(session, passwords, user=user, password=password, password_again=password_again)
    found.used_at = clock.now()
    session.add(found)
    assert user.id is not None
    sessions.end_all(session, user_id=user.id)
    throttle.clear_account(session, account_key=key)
    member = session.exec(select(Member).where(Member.user_id == user.id)).one()
    audit.record(session, org_id=member.org_id, actor_id=user.id, action="user.reset_code_used",
                 target_user_id=user.id)
    return user


def suspend(session: Session, *, actor: Viewer, user_id: int, reason: str) -> User:
    user, _ = _manageable(session, actor=actor, user_id=user_id)
    reason = reason.strip()
    if user_id == actor.user_id:
        raise NotAllowed("You cannot suspend your own account.")
    if not reason or len(reason) > REASON_MAX:
        raise InvalidInput(
            {"reason": f"Say why, in up to {REASON_MAX} characters: it goes in the audit log."})
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
    user, _ = _manageable(session, actor=actor, user_id=user_id)
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
        raise NotAllowed("Only organisation admins can add youth workers and admins.")
    if role not in (Role.youth_worker, Role.org_admin):
        raise InvalidInput({"role": "Choose youth worker or organisation admin."})
    user, _ = _new_account(session, passwords, org_id=actor.org_id, username=username,
                           display_name=display_name, role=Role(role), age_band=None,
                           password=None)
    assert user.id is not None
    code = _new_reset_code(session, settings, user_id=user.id, actor_id=actor.user_id)
    audit.record(session, org_id=actor.org_id, actor_id=actor.user_id, action="staff.added",
                 target_user_id=user.id, reason=role)
    return user, code
