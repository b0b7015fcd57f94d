"""One Settings object, read from the environment (CLI flags override it)."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///./studentvoice.db"


class SettingsError(ValueError):
    pass


def _bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")


def _int(value: str, name: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return number


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # redis://…: several workers share every change through Redis; empty: one worker.
    broadcast_url: str = ""
    # True when the app is served over HTTPS (directly or behind a proxy): cookies get Secure.
    https: bool = False
    session_idle_seconds: int = 4 * 3600
    session_max_seconds: int = 14 * 24 * 3600
    login_max_failures_account: int = 5
    # Whole schools share one address, so this is kept generous.
    login_max_failures_address: int = 50
    login_window_seconds: int = 15 * 60
    # "cdn" loads htmx from its CDN with Subresource Integrity; "local" serves the installed copy.
    htmx_source: str = "cdn"
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 64 * 1024
    argon2_parallelism: int = 4
    reset_code_seconds: int = 48 * 3600
    migrate_on_start: bool = True
    max_form_bytes: int = 1024 * 1024

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for key, (name, kind, minimum) in ENVIRONMENT.items():
            if key not in env or (kind is str and not env[key]):
                continue
            if kind is bool:
                values[name] = _bool(env[key], key)
            elif kind is int:
                values[name] = _int(env[key], key, minimum)
            else:
                values[name] = env[key]
        return cls(**values).checked()

    def checked(self) -> "Settings":
        if self.htmx_source not in {"cdn", "local"}:
            raise SettingsError(f"HTMX_SOURCE must be cdn or local, not {self.htmx_source!r}")
        if self.broadcast_url and not self.broadcast_url.startswith(
                ("redis://", "rediss://", "unix://")):
            raise SettingsError("BROADCAST_URL must be a Redis URL, like "
                                "redis://127.0.0.1:6379/0, or empty for one worker")
        if self.session_max_seconds < self.session_idle_seconds:
            raise SettingsError("SESSION_MAX_SECONDS must not be shorter than SESSION_IDLE_SECONDS")
        return self

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **changes).checked()


# Environment variable -> (Settings field, type, smallest value for numbers).
ENVIRONMENT: dict[str, tuple[str, type, int]] = {
    "DATABASE_URL": ("database_url", str, 0),
    "BROADCAST_URL": ("broadcast_url", str, 0),
    "HTTPS": ("https", bool, 0),
    "HTMX_SOURCE": ("htmx_source", str, 0),
    "MIGRATE_ON_START": ("migrate_on_start", bool, 0),
    "SESSION_IDLE_SECONDS": ("session_idle_seconds", int, 60),
    "SESSION_MAX_SECONDS": ("session_max_seconds", int, 60),
    "LOGIN_MAX_FAILURES_ACCOUNT": ("login_max_failures_account", int, 1),
    "LOGIN_MAX_FAILURES_ADDRESS": ("login_max_failures_address", int, 1),
    "LOGIN_WINDOW_SECONDS": ("login_window_seconds", int, 1),
    "ARGON2_TIME_COST": ("argon2_time_cost", int, 1),
    "ARGON2_MEMORY_COST": ("argon2_memory_cost", int, 8),
    "ARGON2_PARALLELISM": ("argon2_parallelism", int, 1),
    "RESET_CODE_SECONDS": ("reset_code_seconds", int, 60),
    "MAX_FORM_BYTES": ("max_form_bytes", int, 1024),
}
