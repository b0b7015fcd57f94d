"""Password hashing (argon2id) and the rules a new password must meet."""

import secrets
from collections.abc import Iterable
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

    def ahead(self, *, check: Iterable[tuple[str | None, str]] = (), new: Iterable[str] = (),
              rehash: bool = False) -> "Ahead":
        """Do a write's slow argon2 work before the write (see `Ahead`): check each (stored
        hash, password) pair, hash each new password, and with `rehash`, hash again a
        password whose check passed against a hash made with older parameters."""
        verified = {(stored, password): self.verify(stored, password)
                    for stored, password in check}
        hashes = {password: self.hash(password) for password in new}
        if rehash:
            for (stored, password), matched in verified.items():
                if matched and stored and self.needs_rehash(stored):
                    hashes.setdefault(password, self.hash(password))
        return Ahead(self, verified, hashes)


class Ahead(Passwords):
    """Passwords whose slow work was done before the write that needs it.

    A process's writes go through one writer (`server.writer`), so argon2's tenth of a second
    inside a write would hold up every vote and comment behind it. The request does that work
    first, in a thread of its own, and the write finds the answers ready. Anything not
    prepared (a stored hash that changed in between) is worked out as before, so an answer is
    never stale."""

    def __init__(self, inner: Passwords, verified: dict[tuple[str | None, str], bool],
                 hashes: dict[str, str]) -> None:
        self.hasher = inner.hasher
        self._dummy_hash = inner._dummy_hash
        self._verified = verified
        self._hashes = hashes

    def hash(self, password: str) -> str:
        found = self._hashes.get(password)
        return found if found is not None else super().hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        found = self._verified.get((password_hash, password))
        return found if found is not None else super().verify(password_hash, password)


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
