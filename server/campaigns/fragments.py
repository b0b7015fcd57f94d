"""The campaign page's discussion threads, each drawn once and kept (and its feed's times).

Most of a campaign page is its comments, and a comment looks the same to nearly everyone: its
markup (templates/discussion/_thread.html and what it includes) depends only on

- the comments' data (`discussion.comment_data`: words, state, name, reactions, times, …),
- the language the page is drawn in,
- whether the viewer may take part (`may_post`: inert reactions, no reply form), and
- for each comment, whether the viewer wrote it (`mine`) and may still change it.

So a thread is drawn once for each combination of those and kept, keyed by all of them: a
changed, held, hidden, deleted or erased comment, a new reaction, another language or another
kind of viewer has another key and is drawn afresh, never from the old text. Whether the viewer
moderates changes nothing here (the page's CSS shows the tools), so it is not in the key.

What differs from page to page is put in afterwards: the viewer's CSRF token, and a new
`client_op_id` for every reply form (a double tap sends the same one twice; two pages never do).
They are drawn as placeholders that start with "<": every word a person typed reaches the
markup escaped, so a placeholder can only come from the templates themselves.

The page's poll cards and the items of its feed are kept the same way, in the same cache:

- a poll card (templates/polls/_card.html) depends only on the poll's data
  (`polls.poll_data`), its count (`tallies.Results`, and how many voted), the viewer's own vote,
  whether and why not they may vote, whether they see the results, whether they run the
  campaign's polls, and the language; its ballot form's token and op id are put in afterwards;
- a feed item (templates/campaigns/_feed_item.html) depends only on the item, its author's name
  and the language: it is the same for everyone.
"""

import dataclasses
import functools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from jinja2 import Environment
from markupsafe import Markup, escape

from server import i18n
from server.accounts.sessions import Viewer
from server.campaigns.discussion import CommentData, Discussion, Thread
from server.campaigns.polls import PollsSection
from server.campaigns.service import FeedEntry

CACHE_SIZE = 1024  # threads; a thread of a few comments is a few kilobytes
CACHE_CHARS = 8_000_000  # and at most this much drawn text (a thread of long replies is more)
CSRF_SLOT = Markup("<sv-csrf-token>")
OP_ID_SLOT = Markup("<sv-op-id>")
THREAD_TEMPLATE = "discussion/_thread.html"
CARD_TEMPLATE = "polls/_card.html"
FEED_ITEM_TEMPLATE = "campaigns/_feed_item.html"
SEPARATOR = "\n    "  # what discussion/_section.html puts before each thread


def _frozen(data: CommentData) -> tuple[Hashable, ...]:
    """Everything in a comment's data, hashable: any change to it is another key. (Its
    reactions are its only value that is not hashable already; another would fail loudly.)"""
    return tuple({**data, "reactions": tuple(data["reactions"].items())}.items())


Pieces = tuple[str, ...]  # drawn text, cut where the page's own values go (the slots)


def _pieces(text: str) -> Pieces:
    """The text in pieces, each slot a piece of its own: putting in the page's own values
    then needs no search through the text."""
    found: list[str] = []
    for n, part in enumerate(text.split(CSRF_SLOT)):
        if n:
            found.append(CSRF_SLOT)
        for m, bit in enumerate(part.split(OP_ID_SLOT)):
            if m:
                found.append(OP_ID_SLOT)
            if bit:
                found.append(bit)
    return tuple(found)


class ThreadCache:
    """Threads as the page draws them, for the most recently drawn `size` keys."""

    def __init__(self, size: int = CACHE_SIZE, chars: int = CACHE_CHARS) -> None:
        self.size, self.chars = size, chars
        self.kept: OrderedDict[Hashable, tuple[Pieces, int]] = OrderedDict()  # and its length
        self.kept_chars = 0
        self.lock = threading.Lock()
        self.drawn = 0  # how many threads were drawn rather than found (for tests)
        self.cards_drawn = 0  # and poll cards
        self.items_drawn = 0  # and feed items

    def clear(self) -> None:
        with self.lock:
            self.kept.clear()
            self.kept_chars = 0

    def _get(self, key: Hashable) -> Pieces | None:
        with self.lock:
            found = self.kept.get(key)
            if found is None:
                return None
            self.kept.move_to_end(key)
            return found[0]

    def _put(self, key: Hashable, text: str) -> Pieces:
        pieces = _pieces(text)
        # The key holds the comments' words too: count the text twice.
        with self.lock:
            old = self.kept.pop(key, None)
            if old is not None:
                self.kept_chars -= 2 * old[1]
            self.kept[key] = (pieces, len(text))
            self.kept_chars += 2 * len(text)
            while len(self.kept) > self.size or (self.kept_chars > self.chars and self.kept):
                _key, (_gone, length) = self.kept.popitem(last=False)
                self.kept_chars -= 2 * length
        return pieces

    def threads(self, templates: Environment, discussion: Discussion, *, viewer: Viewer,
                csrf_token: str, op_id: Callable[[], str] | None = None) -> Markup:
        """The threads of `discussion` as discussion/_section.html draws them in #comments,
        for this viewer and this page. `op_id`: makes each reply form's id (by default as the
        templates' `new_op_id` does)."""
        make_op_id = op_id or cast(Callable[[], str], templates.globals["new_op_id"])
        me, editable, may_post = viewer.user_id, discussion.editable, discussion.may_post
        locale = i18n.current()
        template = None
        parts: list[Pieces] = []
        for thread in discussion.threads:
            key = (locale, may_post, tuple(
                (_frozen(c), c["author_id"] == me, c["id"] in editable)
                for c in _comments(thread)))
            pieces = self._get(key)
            if pieces is None:
                if template is None:
                    template = templates.get_template(THREAD_TEMPLATE)
                pieces = self._put(key, template.render(
                    t=thread, editable=editable, may_post=may_post, viewer=viewer,
                    csrf_token=CSRF_SLOT, op_id_slot=OP_ID_SLOT))
                self.drawn += 1
            parts.append(_SEPARATED)
            parts.append(pieces)
        # Drawn by the autoescaping templates; the token and ids put in are escaped or safe.
        return Markup(_fill(parts, csrf_token, make_op_id))  # noqa: S704


    def poll_cards(self, templates: Environment, section: PollsSection, *, csrf_token: str,
                   op_id: Callable[[], str] | None = None) -> Markup:
        """The cards of `section` as polls/_section.html draws them in #poll-list, for this
        viewer and this page (each ballot form with a new op id)."""
        make_op_id = op_id or cast(Callable[[], str], templates.globals["new_op_id"])
        locale, manages = i18n.current(), section.manages
        template = None
        parts: list[Pieces] = []
        for card in section.polls:
            data, mine, tally = card.data, card.mine, card.tally
            key = ("poll", locale, manages, _hashable(data), tally.ballots,
                   repr(tally.results), None if mine is None else (repr(mine.choices), mine.reason),
                   card.may_vote, card.why_not, card.sees_results)
            pieces = self._get(key)
            if pieces is None:
                if template is None:
                    template = templates.get_template(CARD_TEMPLATE)
                pieces = self._put(key, template.render(
                    p=data, card=dataclasses.replace(card, op_id=OP_ID_SLOT), manages=manages,
                    csrf_token=CSRF_SLOT))
                self.cards_drawn += 1
            parts.append(pieces)
        # Drawn by the autoescaping templates; the token and ids put in are escaped or safe.
        return Markup(_fill(parts, csrf_token, make_op_id))  # noqa: S704

    def feed_items(self, templates: Environment, feed: Sequence[FeedEntry], *,
                   campaign_id: int) -> Markup:
        """The items of a campaign's feed as campaigns/show.html draws them in #feed-list."""
        locale = i18n.current()
        template = None
        parts: list[Pieces] = []
        for entry in feed:
            key = ("feed", locale, campaign_id, entry.item, entry.author_name)
            pieces = self._get(key)
            if pieces is None:
                if template is None:
                    template = templates.get_template(FEED_ITEM_TEMPLATE)
                pieces = self._put(key, template.render(entry=entry, c={"id": campaign_id},
                                                        when_kept=when))
                self.items_drawn += 1
            parts.append(pieces)
        # Drawn by the autoescaping templates; no slots in them.
        return Markup("".join(piece for pieces in parts for piece in pieces))  # noqa: S704


def _hashable(value: Any) -> Hashable:
    """A poll's data (plain JSON), hashable: any change to it is another key."""
    if isinstance(value, dict):
        return tuple((key, _hashable(item)) for key, item in value.items())
    if isinstance(value, list):
        return tuple(_hashable(item) for item in value)
    return cast(Hashable, value)


def _comments(thread: Thread) -> Iterable[CommentData]:
    yield thread.comment
    yield from thread.replies


_SEPARATED: Pieces = (SEPARATOR,)


def _fill(parts: Iterable[Pieces], csrf_token: str, op_id: Callable[[], str]) -> str:
    """The page's own token in every form, and a new submission id in each form that has
    one."""
    token = str(escape(csrf_token))
    out: list[str] = []
    for pieces in parts:
        for piece in pieces:
            if piece is CSRF_SLOT:
                out.append(token)
            elif piece is OP_ID_SLOT:
                out.append(op_id())
            else:
                out.append(piece)
    return "".join(out)


_caches: "weakref.WeakKeyDictionary[Environment, ThreadCache]" = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache_of(templates: Environment) -> ThreadCache:
    """The thread cache for these templates: one per app (tests make many apps)."""
    with _caches_lock:
        found = _caches.get(templates)
        if found is None:
            found = _caches[templates] = ThreadCache()
        return found


@functools.lru_cache(maxsize=4096)
def _when_in(value: datetime, offset: timedelta | None, locale: str) -> str:
    assert locale == i18n.current()
    return i18n.when(value)


def when(value: datetime | None) -> str:
    """`i18n.when` (the `when` filter), kept: a feed's times are the same on every page."""
    if value is None:
        return ""
    return _when_in(value, value.utcoffset(), i18n.current())
