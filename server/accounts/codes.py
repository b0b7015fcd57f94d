"""Random codes people type: no look-alike characters, case and spacing forgiven."""

import hashlib
import secrets

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: codes are read aloud and typed on phones.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_code(typed: str) -> str:
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def pretty(code: str) -> str:
    """ABCD-EFGH: easier to read out than ABCDEFGH."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
