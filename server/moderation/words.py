"""Matching comments against an organisation's word filter.

Text and filter words are both brought to one plain form before they are compared: no
capitals, no accents, compatibility characters (ligatures, fullwidth and styled letters)
spelled out, invisible characters dropped, and the usual letter swaps undone ("b@d" is
"bad"). That form is only ever used for matching, never shown, so it may mangle a little:
what matters is that a phrase and a comment that look alike to a reader end up alike.

A match is always of whole words: "ass" matches "ASS!" but not "class" or "assessment".
"""

import functools
import re
import unicodedata
from collections.abc import Iterable

# Swapped for the letter they stand in for, inside a word that has letters in it.
_SWAPS = str.maketrans("013457@$!|", "oieastasil")
_SYMBOLS = frozenset("@$!|")
# "!" stands for "i" only between other characters of a word: next to a space it is just "!".
_SHOUT = "!"
# Latin letters that keep no accent to drop, so NFKD leaves them alone.
_LETTERS = {"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
            "\N{LATIN SMALL LETTER DOTLESS I}": "i", "ħ": "h", "ŧ": "t", "ĸ": "k"}
# Cyrillic and Greek letters that look like Latin ones. Swapped only in a word that also has
# Latin letters, which is how they are used to slip past a filter ("bad" with a Cyrillic "a");
# a word written wholly in Cyrillic or Greek is left as it is.
_LOOKALIKES = str.maketrans({
    "\N{CYRILLIC SMALL LETTER A}": "a", "\N{CYRILLIC SMALL LETTER ES}": "c",
    "\N{CYRILLIC SMALL LETTER IE}": "e", "\N{CYRILLIC SMALL LETTER O}": "o",
    "\N{CYRILLIC SMALL LETTER ER}": "p", "\N{CYRILLIC SMALL LETTER HA}": "x",
    "\N{CYRILLIC SMALL LETTER U}": "y", "\N{CYRILLIC SMALL LETTER KA}": "k",
    "\N{CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I}": "i",
    "\N{CYRILLIC SMALL LETTER JE}": "j", "\N{CYRILLIC SMALL LETTER DZE}": "s",
    "\N{CYRILLIC SMALL LETTER KOMI DE}": "d", "\N{CYRILLIC SMALL LETTER PALOCHKA}": "l",
    "\N{GREEK SMALL LETTER ALPHA}": "a", "\N{GREEK SMALL LETTER EPSILON}": "e",
    "\N{GREEK SMALL LETTER IOTA}": "i", "\N{GREEK SMALL LETTER KAPPA}": "k",
    "\N{GREEK SMALL LETTER NU}": "v", "\N{GREEK SMALL LETTER OMICRON}": "o",
    "\N{GREEK SMALL LETTER RHO}": "p", "\N{GREEK SMALL LETTER TAU}": "t",
    "\N{GREEK SMALL LETTER UPSILON}": "u", "\N{GREEK SMALL LETTER CHI}": "x",
})
# Combining marks (accents once NFKD has split them off) and format characters (zero-width
# spaces and joiners, soft hyphens, direction marks) that can be hidden inside a word.
_INVISIBLE = frozenset({"Mn", "Me", "Cf"})
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_ASCII_TOKEN = re.compile(r"[a-z0-9@$!|]+")


def _fold(text: str) -> str:
    # casefold can produce characters that decompose further ("ǰ"), so decompose again after it.
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(_LETTERS.get(c, c) for c in folded
                   if unicodedata.category(c) not in _INVISIBLE)


def _is_word_character(c: str) -> bool:
    # Spacing marks ("Mc") are part of words in many scripts, such as Devanagari vowel signs.
    return c.isalnum() or c in _SYMBOLS or unicodedata.category(c) == "Mc"


def _tokens(text: str) -> list[str]:
    found: list[str] = []
    current: list[str] = []
    for c in text:
        if _is_word_character(c):
            current.append(c)
        elif current:
            found.append("".join(current))
            current = []
    if current:
        found.append("".join(current))
    return found


def _spells_a_word(token: str) -> bool:
    # A number such as "455", "1488" or "$5" is a number, and "@" or "|" alone is a symbol;
    # "4$$" and "@55" are words.
    if any(c.isalpha() for c in token):
        return True
    return (any(c.isdigit() for c in token)
            and ("@" in token or "|" in token or "$" in token[1:]))


def _word(token: str) -> str:
    if not _spells_a_word(token):
        return "".join(" " if c in _SYMBOLS else c for c in token)
    token = token.strip(_SHOUT).translate(_SWAPS)
    return token if _ASCII_LETTERS.isdisjoint(token) else token.translate(_LOOKALIKES)


def normalise(text: str) -> str:
    """The form text is matched in: lower-case letters and digits, words separated by one space."""
    # Most text is plain ASCII, which has nothing to decompose, drop or look alike.
    tokens = _ASCII_TOKEN.findall(text.lower()) if text.isascii() else _tokens(_fold(text))
    return " ".join(" ".join(_word(token) for token in tokens).split())


def key(phrase: str) -> str:
    """How a filter word is stored for matching; "" when it has no letters or digits at all."""
    return normalise(phrase)


Trie = dict[str, "Trie"]


def _trie_pattern(node: Trie) -> str:
    # A trie as a regular expression: at each character there is one set of branches to try,
    # however many thousand phrases there are, instead of every phrase in turn.
    ends = "" in node
    branches = [re.escape(c) + _trie_pattern(child) for c, child in sorted(node.items()) if c]
    if not branches:
        return ""
    if len(branches) == 1 and not ends:
        return branches[0]
    group = "(?:" + "|".join(branches) + ")"
    # Greedy, so the longest phrase at a place is tried first ("shut up" before "shut").
    return group + "?" if ends else group


@functools.lru_cache(maxsize=32)
def _compiled(keys: tuple[str, ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    originals: dict[str, str] = {}
    for given in keys:
        matched_as = key(given)
        if matched_as:
            originals.setdefault(matched_as, given)
    if not originals:
        return None, originals
    trie: Trie = {}
    for matched_as in originals:
        node = trie
        for c in matched_as:
            node = node.setdefault(c, {})
        node[""] = {}
    # Normalised text is words separated by single spaces, so a whole word is one with no
    # character but a space (or the end of the text) on either side.
    pattern = re.compile(r"(?<![^ ])(?:" + _trie_pattern(trie) + r")(?![^ ])")
    return pattern, originals


def find(text: str, keys: Iterable[str]) -> str | None:
    """The first of `keys` (as given) found in `text` as whole words, or None."""
    pattern, originals = _compiled(tuple(keys))
    if pattern is None:
        return None
    found = pattern.search(normalise(text))
    return originals[found.group(0)] if found else None
