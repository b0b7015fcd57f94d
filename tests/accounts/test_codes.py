from hypothesis import given
from hypothesis import strategies as st

from server.accounts.codes import ALPHABET, new_code, normalise_code, pretty
from server.accounts.service import slugify, username_key, username_problem


def test_codes_use_no_look_alike_characters():
    for confusable in "0O1IL5S2Z8B":
        assert confusable not in ALPHABET
    assert all(ch in ALPHABET for ch in new_code(1000))


@given(st.text(alphabet=ALPHABET, min_size=8, max_size=8),
       st.sampled_from(["", " ", "-", "  -  "]))
def test_a_code_typed_in_any_case_with_spaces_or_dashes_is_the_same_code(code, gap):
    typed = (code[:4] + gap + code[4:]).lower()
    assert normalise_code(typed) == code
    assert normalise_code(pretty(code)) == code


@given(st.from_regex(r"[A-Za-z0-9_.-]{3,30}", fullmatch=True))
def test_usernames_are_unique_whatever_their_letter_case(name):
    assert username_problem(name) is None
    assert username_key(name.upper()) == username_key(name.lower()) == username_key(name)


def test_usernames_with_spaces_or_symbols_are_refused():
    for bad in ("ab", "has space", "emoji😀", "x" * 31, "<script>"):
        assert username_problem(bad) is not None


def test_organisation_slugs_are_readable():
    assert slugify("Riverside Youth Club") == "riverside-youth-club"
    assert slugify("Ysgol Gymraeg Aberystwyth!") == "ysgol-gymraeg-aberystwyth"
    assert slugify("!!!") == "organisation"
