"""Finds words in a template that a person would read but that bypass the catalogue.

Jinja's own lexer splits a template into its plain text and its tags; text inside
`{% trans %}` blocks and everything in `{{ … }}` (where `_("…")` lives) is translated or data,
so only the remaining plain text is read as HTML: its text nodes, and the attributes people
read or hear (placeholders, titles, labels for screen readers, button values, confirmations).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

from jinja2 import Environment

# Attributes whose words reach a person (seen, or read out by a screen reader).
READ_ATTRIBUTES = frozenset({
    "placeholder", "title", "alt", "aria-label", "aria-description", "aria-roledescription",
    "aria-valuetext", "aria-placeholder", "label", "hx-confirm", "hx-prompt", "data-confirm",
})
BUTTON_TYPES = frozenset({"submit", "button", "reset"})
# Names that are the same in every language.
PROPER_NAMES = ("Student Voice", "UTC")
# A macro may give out a tag's attributes as plain text (`method="post" hx-post="…"`).
ATTRIBUTE_TEXT = re.compile(r'[\w:.-]+="[^"]*"')
HOLE = "\x00"  # where a Jinja expression stood


@dataclass(frozen=True)
class Finding:
    template: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.text!r}"


def _has_words(text: str) -> bool:
    for name in PROPER_NAMES:
        text = text.replace(name, "")
    return any(ch.isalpha() for ch in text)


def plain_text(env: Environment, source: str) -> Iterator[tuple[int, str]]:
    """The template's text outside tags and trans blocks, with holes for expressions."""
    in_trans = 0
    after_block_begin = False
    for line, kind, value in env.lex(source):
        if kind == "whitespace":
            continue
        if kind == "block_begin":
            after_block_begin = True
            continue
        if after_block_begin and kind == "name":
            if value == "trans":
                in_trans += 1
            elif value == "endtrans":
                in_trans -= 1
            after_block_begin = False
            continue
        after_block_begin = False
        if kind == "variable_begin" and not in_trans:
            yield line, HOLE
        elif kind == "data" and not in_trans:
            yield line, value


class _Reader(HTMLParser):
    def __init__(self, template: str, lines: list[int]) -> None:
        super().__init__(convert_charrefs=True)
        self.template = template
        self.lines = lines  # the template line of each line of the joined text
        self.findings: list[Finding] = []
        self.skipping: list[str] = []

    def _line(self) -> int:
        row, _col = self.getpos()
        return self.lines[min(row, len(self.lines)) - 1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping.append(tag)
        named = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            read = name in READ_ATTRIBUTES or (
                name == "value" and tag == "input"
                and (named.get("type") or "").lower() in BUTTON_TYPES)
            if read and _has_words(value.replace(HOLE, "")):
                self.findings.append(Finding(self.template, self._line(), f"{name}={value}"))

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        text = ATTRIBUTE_TEXT.sub(" ", data.replace(HOLE, " ")).strip()
        if text and _has_words(text):
            self.findings.append(Finding(self.template, self._line(), " ".join(text.split())))


def untranslated(env: Environment, name: str, source: str) -> list[Finding]:
    joined: list[str] = []
    lines = [1]  # the template's line for each line of the joined text
    for line, text in plain_text(env, source):
        if not joined:
            lines = [line]
        joined.append(text)
        lines.extend(line + i + 1 for i in range(text.count("\n")))
    reader = _Reader(name, lines)
    reader.feed("".join(joined))
    reader.close()
    return reader.findings
