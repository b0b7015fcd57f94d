"""The languages the app speaks, and the one each request is answered in.

Every word a person reads goes through `_` (and `ngettext` for counts): in templates
`{{ _("Vote") }}` or `{% trans %}…{% endtrans %}`, in Python `_("…")` where the text is made
for a request, and `N_("…")` for labels defined once at import, which are translated where
they are shown (`{{ _(label) }}`). The catalogues are `server/locale/<code>/LC_MESSAGES/
messages.po`, read when first needed. English is the source text; Welsh (cy) covers the young
person's path. A person's choice of language is kept in a cookie; without one, the browser's
Accept-Language decides.
"""

import functools
import gettext as gettext_module
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

LOCALES: dict[str, str] = {"en": "English", "cy": "Cymraeg"}
DEFAULT = "en"
COOKIE = "sv_lang"
COOKIE_MAX_AGE = 60 * 60 * 24 * 365
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("locale", default=DEFAULT)


@functools.cache
def translations(locale: str) -> gettext_module.NullTranslations:
    """A language's catalogue, compiled in memory from its .po file (English needs none)."""
    po = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if locale == DEFAULT or not po.exists():
        return gettext_module.NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def load_all() -> None:
    for code in LOCALES:
        translations(code)


def current() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Marks a text for the catalogue where it is defined; it is translated where shown."""
    return message


@contextmanager
def using(locale: str) -> Iterator[None]:
    """Speak this language until the block ends (live fragments, messages drawn off a request)."""
    token = _current.set(locale if locale in LOCALES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


_ACCEPT = re.compile(r"\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*")


def from_accept_language(header: str) -> str | None:
    """The supported language the browser prefers most, if any (`cy-GB,en;q=0.8` -> cy)."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        match = _ACCEPT.fullmatch(part)
        if not match:
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        code = match.group(1).lower()
        if code in LOCALES and quality > 0:
            choices.append((-quality, position, code))
    return min(choices)[2] if choices else None


def choose(cookie: str | None, accept_language: str | None) -> str:
    if cookie is not None and cookie in LOCALES:
        return cookie
    return from_accept_language(accept_language or "") or DEFAULT


def when(value: datetime | None) -> str:
    """A moment as people read it, in their language: `5 Mar 2026, 14:05 UTC`."""
    if value is None:
        return ""
    return format_datetime(value, "d MMM y, HH:mm", locale=current()) + " UTC"


def when_iso(value: str) -> str:
    """The same, from an ISO time as event data carries it (`2026-03-05T14:05:00+00:00`)."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    return when(moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment)


class LanguageMiddleware:
    """Answers each request and websocket in the language its person chose."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        asking = HTTPConnection(scope)
        token = _current.set(choose(asking.cookies.get(COOKIE),
                                    asking.headers.get("accept-language")))
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)
