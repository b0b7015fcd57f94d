"""Logging in, and setting passwords: by their owner, with a one-time code, or by the operator."""


from sqlmodel import Session, col, select

from server import audit, clock
from server.accounts import sessions, throttle
from server.accounts.codes import digest, normalise_code
from server.accounts.models import (
    Member,
    PasswordResetCode,
    User,
)
from server.accounts.passwords import MISMATCH, Passwords, password_problem
from server.accounts.service import find_user, username_key
from server.accounts.sessions import Viewer
from server.errors import InvalidInput, NotAllowed, NotFound, Throttled
from server.i18n import N_, _, ngettext
from server.settings import Settings


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
    user = find_user(session, username)
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        throttle.record_failure(session, settings, account_key=key, address=address)
        return None
    throttle.clear_account(session, account_key=key)
    if user.suspended_at is not None:
        raise NotAllowed(_(SUSPENDED))
    assert user.password_hash is not None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
        session.add(user)
    return user


def stored_hash(session: Session, *, user_id: int) -> str | None:
    """The password hash a signed-in person's password will be checked against, read before
    the write that checks it (`Passwords.ahead`)."""
    user = session.get(User, user_id)
    return user.password_hash if user is not None else None


def hash_to_check(session: Session, settings: Settings, *, username: str,
                  address: str) -> str | None:
    """Before a login's write: refused at once when the account or address is locked out (no
    argon2 work is done for it), else the hash the password will be checked against (None for
    an unknown username: the dummy hash is checked instead)."""
    lockout = throttle.check(session, settings, account_key=username_key(username)[:64],
                             address=address)
    if lockout is not None:
        raise _throttled(lockout)
    user = find_user(session, username)
    return user.password_hash if user is not None else None


SUSPENDED = N_("This account is suspended. Talk to a youth worker at your organisation.")


def _throttled(lockout: throttle.Lockout) -> Throttled:
    message = ngettext("Too many tries. Try again in %(num)d minute.",
                       "Too many tries. Try again in %(num)d minutes.", lockout.minutes)
    return Throttled(message % {"num": lockout.minutes}, lockout.retry_after_seconds)


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
        raise InvalidInput({"current": _("That is not your current password.")})
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
        raise InvalidInput({"password_again": _(MISMATCH)})
    user.password_hash = passwords.hash(password)
    user.password_changed_at = clock.now()
    session.add(user)


def set_password_by_operator(
    session: Session, passwords: Passwords, *, username: str, password: str
) -> User:
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"There is no user called {username!r}.")
    _set_password(session, passwords, user=user, password=password, password_again=password)
    assert user.id is not None
    sessions.end_all(session, user_id=user.id)
    sessions.revoke_api_tokens(session, user_id=user.id)
    member = session.exec(select(Member).where(Member.user_id == user.id)).one()
    audit.record(session, org_id=member.org_id, actor_id=None, action="user.password_set",
                 target_user_id=user.id)
    return user


def _usable_code(session: Session, user: User | None, code: str) -> PasswordResetCode | None:
    if user is None:
        return None
    return session.exec(select(PasswordResetCode).where(
        PasswordResetCode.user_id == user.id,
        PasswordResetCode.code_hash == digest(normalise_code(code)),
        col(PasswordResetCode.used_at).is_(None),
        col(PasswordResetCode.expires_at) > clock.now(),
    )).first()


def reset_code_works(session: Session, settings: Settings, *, username: str, code: str,
                     address: str) -> bool:
    """Before redeeming a code: refused at once when locked out; whether the code works now,
    so a new password is hashed (`Passwords.ahead`) only for a code that does, and a guessed
    code costs no argon2 work."""
    lockout = throttle.check(session, settings, account_key=username_key(username)[:64],
                             address=address)
    if lockout is not None:
        raise _throttled(lockout)
    return _usable_code(session, find_user(session, username), code) is not None


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
    user = find_user(session, username)
    found = _usable_code(session, user, code)
    if user is None or found is None:
        throttle.record_failure(session, settings, account_key=key, address=address)
        return None
    if user.suspended_at is not None:
        raise NotAllowed(_(SUSPENDED))
    _set_password(session, passwords, user=user, password=password, password_again=password_again)
    found.used_at = clock.now()
    session.add(found)
    assert user.id is not None
    # Someone else may have had the old password: every device and app token is logged out.
    sessions.end_all(session, user_id=user.id)
    sessions.revoke_api_tokens(session, user_id=user.id)
    throttle.clear_account(session, account_key=key)
    member = session.exec(select(Member).where(Member.user_id == user.id)).one()
    audit.record(session, org_id=member.org_id, actor_id=user.id, action="user.reset_code_used",
                 target_user_id=user.id)
    return user
