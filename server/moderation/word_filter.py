"""The organisation's word filter and moderation settings: what youth workers put on the list,
what happens when a comment matches, and how many reports hold a comment."""

import re
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from server import audit
from server.accounts.sessions import Viewer
from server.errors import InvalidInput, NotAllowed, NotFound
from server.i18n import _
from server.moderation import words
from server.moderation.models import FilterMode, FilterWord, ModerationSettings

PHRASE_MAX = 100
ADD_AT_ONCE_MAX = 500
LIST_MAX = 5000
THRESHOLD_MIN, THRESHOLD_MAX = 1, 50

_SEPARATORS = re.compile(r"[,\n\r]+")


@dataclass(frozen=True)
class WordList:
    words: list[FilterWord]
    settings: ModerationSettings


@dataclass(frozen=True)
class Added:
    added: list[str]
    already_there: list[str]
    # Nothing in them to match: only punctuation or symbols.
    unusable: list[str]


def _require_staff(actor: Viewer) -> None:
    if not actor.is_staff:
        raise NotAllowed(_("Only youth workers and organisation admins can manage the word "
                           "filter."))


def settings_for(session: Session, org_id: int) -> ModerationSettings:
    """The organisation's settings, or the defaults when it never changed them."""
    return session.get(ModerationSettings, org_id) or ModerationSettings(org_id=org_id)


def _keys(session: Session, org_id: int) -> list[str]:
    # In a steady order, so the compiled pattern for an unchanged list is reused.
    return list(session.exec(select(FilterWord.key).where(FilterWord.org_id == org_id)
                             .order_by(col(FilterWord.key))))


def check(session: Session, *, org_id: int, text: str) -> FilterMode | None:
    """What to do with a comment: the organisation's filter mode when it has a word on the
    list, None when it has none."""
    keys = _keys(session, org_id)
    if not keys or words.find(text, keys) is None:
        return None
    return FilterMode(settings_for(session, org_id).filter_mode)


def word_list(session: Session, *, actor: Viewer) -> WordList:
    _require_staff(actor)
    found = list(session.exec(
        select(FilterWord).where(FilterWord.org_id == actor.org_id)
        .order_by(func.lower(FilterWord.phrase), col(FilterWord.id))))
    return WordList(words=found, settings=settings_for(session, actor.org_id))


def _split(text: str) -> list[str]:
    return [piece.strip() for piece in _SEPARATORS.split(text) if piece.strip()]


def _shorten(phrase: str, length: int = 30) -> str:
    return phrase if len(phrase) <= length else phrase[:length - 1] + "…"


def add_words(session: Session, *, actor: Viewer, text: str) -> Added:
    """Many words or phrases at once: one per line, or separated by commas."""
    _require_staff(actor)
    phrases = _split(text)
    if not phrases:
        raise InvalidInput({"words": _("Type at least one word or phrase: one per line, or "
                                       "separated by commas.")})
    if len(phrases) > ADD_AT_ONCE_MAX:
        raise InvalidInput({"words": _("That is %(count)s words or phrases. Add up to %(most)s at "
                                       "a time.")
                            % {"count": f"{len(phrases):,}", "most": ADD_AT_ONCE_MAX}})
    new: dict[str, str] = {}
    unusable: list[str] = []
    for phrase in phrases:
        matched_as = words.key(phrase)
        # Some characters spell out into several letters, so the stored form can be longer.
        if len(phrase) > PHRASE_MAX or len(matched_as) > PHRASE_MAX:
            raise InvalidInput({"words": _("Keep each word or phrase to %(most)s characters or "
                                           "fewer. This one is longer: “%(phrase)s”.")
                                % {"most": PHRASE_MAX, "phrase": _shorten(phrase)}})
        if not matched_as:
            unusable.append(phrase)
        else:
            new.setdefault(matched_as, phrase)
    if not new:
        raise InvalidInput({"words": _("The filter can only match words with letters or numbers "
                                       "in them. Type the words themselves.")})
    existing = set(session.exec(select(FilterWord.key).where(
        FilterWord.org_id == actor.org_id, col(FilterWord.key).in_(list(new)))))
    already_there = [phrase for matched_as, phrase in new.items() if matched_as in existing]
    to_add = {matched_as: phrase for matched_as, phrase in new.items()
              if matched_as not in existing}
    count = session.exec(select(func.count()).select_from(FilterWord)
                         .where(FilterWord.org_id == actor.org_id)).one()
    if count + len(to_add) > LIST_MAX:
        room = max(LIST_MAX - count, 0)
        raise InvalidInput({"words": _("The list can hold up to %(most)s words or phrases. It has "
                                       "%(count)s, so there is room for %(room)s more.")
                            % {"most": f"{LIST_MAX:,}", "count": f"{count:,}",
                               "room": f"{room:,}"}})
    for matched_as, phrase in to_add.items():
        session.add(FilterWord(org_id=actor.org_id, phrase=phrase, key=matched_as,
                               created_by=actor.user_id))
    if to_add:
        audit.record(session, org_id=actor.org_id, actor_id=actor.user_id,
                     action="word_filter.words_added",
                     reason=f"{len(to_add)} word{'' if len(to_add) == 1 else 's'}")
    return Added(added=list(to_add.values()), already_there=already_there, unusable=unusable)


def remove_word(session: Session, *, actor: Viewer, word_id: int) -> str:
    """Takes a word off the list; returns the phrase as it was typed."""
    _require_staff(actor)
    word = session.get(FilterWord, word_id)
    if word is None or word.org_id != actor.org_id:
        raise NotFound(_("We could not find that word on your organisation's list."))
    phrase = word.phrase
    session.delete(word)
    audit.record(session, org_id=actor.org_id, actor_id=actor.user_id,
                 action="word_filter.word_removed", reason=phrase)
    return phrase


def _whole_number(value: str | int, low: int, high: int) -> int | None:
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if low <= number <= high else None


def update_settings(
    session: Session, *, actor: Viewer, filter_mode: str, report_threshold: str | int
) -> ModerationSettings:
    _require_staff(actor)
    errors: dict[str, str] = {}
    if filter_mode not in set(FilterMode):
        errors["filter_mode"] = _("Choose what happens when a comment has a word from the list.")
    threshold = _whole_number(report_threshold, THRESHOLD_MIN, THRESHOLD_MAX)
    if threshold is None:
        errors["report_threshold"] = (_("Choose a whole number of reports from %(low)s to "
                                        "%(high)s.")
                                      % {"low": THRESHOLD_MIN, "high": THRESHOLD_MAX})
    if errors or threshold is None:
        raise InvalidInput(errors)
    settings = settings_for(session, actor.org_id)
    if settings.filter_mode == filter_mode and settings.report_threshold == threshold:
        return settings
    settings.filter_mode = FilterMode(filter_mode)
    settings.report_threshold = threshold
    session.add(settings)
    audit.record(session, org_id=actor.org_id, actor_id=actor.user_id,
                 action="moderation.settings_changed",
                 reason=f"When a comment matches: {filter_mode}. "
                        f"Reports that hold a comment: {threshold}.")
    return settings
