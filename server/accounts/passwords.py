"""Password hashing (argon2id) and the rules a new password must meet."""

import secrets
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from server.i18n import N_, _
from server.settings import Settings

MIN_LENGTH = 8
MAX_LENGTH = 128
MISMATCH = N_("The two passwords are different. Type them again.")


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self.hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_cost,
            parallelism=settings.argon2_parallelism,
            type=Type.ID,
        )
        # Checked against when the username is unknown, so a wrong username
        # costs exactly the work of a wrong password.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash or self._dummy_hash, password) and bool(
                password_hash
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, username: str = "") -> str | None:
    """What is wrong with a new password, in plain words, or None."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(count)d characters.") % {"count": MIN_LENGTH}
    if len(password) > MAX_LENGTH:
        return _("Use at most %(count)d characters.") % {"count": MAX_LENGTH}
    folded = password.casefold()
    if folded in _common_passwords():
        return _("That password is one of the most common ones, so it is easy to guess. "
                 "Try another.")
    if username and username.casefold() in folded:
        return _("Your password must not contain your username.")
    if len(set(password)) < 3:
        return _("That password is too easy to guess. Try mixing different characters.")
    return None
