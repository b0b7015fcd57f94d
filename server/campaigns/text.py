"""Plain text people typed, made safe for a page, with its web links made clickable.

Everything is escaped first; the only markup added is `<a>` around `http://`, `https://` and
`www.` addresses (a `www.` one is linked as https). No other scheme is ever linked, so a
`javascript:` or `data:` "link" stays words. Punctuation that ends a sentence (`.,;:!?'`) and a
closing bracket with no opening one in the address stay outside the link, so
"(see https://example.org/a_(b))." links `https://example.org/a_(b)`.
"""

import re

from markupsafe import Markup, escape

# An address starts where a word does (not inside one, a path or an email address) and runs
# to the first space, quote, angle bracket or control character.
URL = re.compile(r"(?<![\w./@-])(?:(?P<scheme>https?)://|www\.)[^\s<>\"\x00-\x1f\x7f]+",
                 re.IGNORECASE)
TRAILING = ".,;:!?'"
CLOSERS = {")": "(", "]": "[", "}": "{"}
REL = "nofollow noopener noreferrer ugc"


def _trim(url: str) -> str:
    """The address without the punctuation that belongs to the sentence around it."""
    while url:
        last = url[-1]
        if last in TRAILING or (last in CLOSERS and url.count(last) > url.count(CLOSERS[last])):
            url = url[:-1]
        else:
            break
    return url


def _href(url: str, scheme: str | None) -> str | None:
    """Where the address goes, or None when what is left is not an address."""
    if scheme:
        rest = url[len(scheme) + 3:]
        if not rest or not (rest[0].isalnum() or rest[0] == "["):
            return None
        return f"{scheme.lower()}://{rest}"
    if not url[4:5].isalnum():
        return None
    return f"https://{url}"


def _escape(text: str) -> str:
    # A page's parser would read a bare carriage return as a newline; as a character
    # reference it stays what was typed.
    return str(escape(text)).replace("\r", "&#13;")


def linkify(text: str) -> Markup:
    """`text` escaped, with its http(s) and www. addresses as links."""
    parts: list[str] = []
    done = 0
    for found in URL.finditer(text):
        url = _trim(found.group())
        href = _href(url, found.group("scheme"))
        if href is None:
            continue
        start = found.start()
        parts.append(_escape(text[done:start]))
        parts.append(f'<a href="{escape(href)}" rel="{REL}">{_escape(url)}</a>')
        done = start + len(url)
    parts.append(_escape(text[done:]))
    return Markup("".join(parts))  # noqa: S704  (every part was escaped above)
