"""The word filter service: the list each organisation keeps, the settings, and the check every
new or changed comment goes through."""

import pytest
from sqlmodel import col, select

from server.errors import InvalidInput, NotAllowed, NotFound
from server.moderation import word_filter
from server.moderation.models import FilterMode, FilterWord, ModerationSettings
from tests.accounts.helpers import audit_entries, viewer_of


def add(db, person, text: str) -> word_filter.Added:
    with db.write() as session:
        return word_filter.add_words(session, actor=viewer_of(db, person), text=text)


def listed(db, person) -> list[str]:
    with db.read() as session:
        found = word_filter.word_list(session, actor=viewer_of(db, person))
    return [w.phrase for w in found.words]


def check(db, org, text: str) -> FilterMode | None:
    with db.read() as session:
        return word_filter.check(session, org_id=org.id, text=text)


def change_settings(db, person, filter_mode: str = "block", report_threshold: str = "3"):
    with db.write() as session:
        return word_filter.update_settings(session, actor=viewer_of(db, person),
                                           filter_mode=filter_mode,
                                           report_threshold=report_threshold)


def rows(db) -> list[FilterWord]:
    with db.read() as session:
        return list(session.exec(select(FilterWord).order_by(col(FilterWord.id))))


def rejected(db, person, text: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        add(db, person, text)
    assert list(caught.value.errors) == ["words"]
    return caught.value.errors["words"]


# The check ---------------------------------------------------------------------------------


def test_an_empty_list_lets_everything_through(db, riverside):
    assert check(db, riverside["org"], "you absolute idiot") is None


def test_a_match_gives_the_organisations_mode(db, riverside):
    add(db, riverside["worker"], "idiot\nshut up")

    assert check(db, riverside["org"], "You 1D!0T") == FilterMode.block
    assert check(db, riverside["org"], "oh SHUT   up!!") == FilterMode.block
    assert check(db, riverside["org"], "the bus shuts up shop early") is None

    change_settings(db, riverside["admin"], filter_mode="hold")
    assert check(db, riverside["org"], "ïdíöt") == FilterMode.hold


def test_another_organisations_list_does_not_apply(db, riverside):
    add(db, riverside["other_worker"], "idiot")

    assert check(db, riverside["org"], "idiot") is None
    assert check(db, riverside["other_org"], "idiot") == FilterMode.block


def test_a_removed_word_no_longer_matches(db, riverside):
    add(db, riverside["worker"], "idiot")
    with db.write() as session:
        word_filter.remove_word(session, actor=viewer_of(db, riverside["worker"]),
                                word_id=rows(db)[0].id)

    assert check(db, riverside["org"], "idiot") is None


# Adding many at once -----------------------------------------------------------------------


def test_adds_many_from_lines_and_commas(db, riverside):
    added = add(db, riverside["worker"], "idiot\r\n  Shut up , loser,,\n\nb@d\n")

    assert added.added == ["idiot", "Shut up", "loser", "b@d"]
    assert added.already_there == []
    assert added.unusable == []
    assert listed(db, riverside["worker"]) == ["b@d", "idiot", "loser", "Shut up"]
    assert {(w.phrase, w.key) for w in rows(db)} == {
        ("idiot", "idiot"), ("Shut up", "shut up"), ("loser", "loser"), ("b@d", "bad")}
    assert all(w.created_by == riverside["worker"].id for w in rows(db))
    [entry] = audit_entries(db, "word_filter.words_added")
    assert (entry.actor_id, entry.org_id, entry.reason) == (
        riverside["worker"].id, riverside["org"].id, "4 words")


def test_says_which_were_already_there_or_unusable(db, riverside):
    add(db, riverside["worker"], "bad, idiot")

    added = add(db, riverside["admin"], "BAD\nbäd\nloser\n!!!\nidiot\n***")

    assert added.added == ["loser"]
    assert added.already_there == ["BAD", "idiot"]
    assert added.unusable == ["!!!", "***"]
    assert listed(db, riverside["admin"]) == ["bad", "idiot", "loser"]
    assert [e.reason for e in audit_entries(db, "word_filter.words_added")] == [
        "2 words", "1 word"]


def test_adding_only_what_is_there_changes_nothing(db, riverside):
    add(db, riverside["worker"], "bad")

    added = add(db, riverside["worker"], "b@d")

    assert (added.added, added.already_there) == ([], ["b@d"])
    assert len(rows(db)) == 1
    assert len(audit_entries(db, "word_filter.words_added")) == 1


def test_two_organisations_can_list_the_same_word(db, riverside):
    add(db, riverside["worker"], "idiot")

    assert add(db, riverside["other_worker"], "idiot").added == ["idiot"]
    assert listed(db, riverside["worker"]) == ["idiot"]
    assert listed(db, riverside["other_worker"]) == ["idiot"]


@pytest.mark.parametrize(("text", "message"), [
    ("", "Type at least one word or phrase: one per line, or separated by commas."),
    (" ,\n, ", "Type at least one word or phrase: one per line, or separated by commas."),
    ("!!!\n???", "The filter can only match words with letters or numbers in them. "
                 "Type the words themselves."),
    ("fine\n" + "x" * 101, "Keep each word or phrase to 100 characters or fewer. This one is "
                           "longer: “xxxxxxxxxxxxxxxxxxxxxxxxxxxxx…”."),
    ("\n".join(f"word{n}" for n in range(501)),
     "That is 501 words or phrases. Add up to 500 at a time."),
])
def test_bad_lists_are_refused_whole(db, riverside, text, message):
    assert rejected(db, riverside["worker"], text) == message
    assert rows(db) == []
    assert audit_entries(db, "word_filter.words_added") == []


def test_a_phrase_of_exactly_100_characters_is_fine(db, riverside):
    assert add(db, riverside["worker"], "y" * 100).added == ["y" * 100]


def test_the_list_holds_at_most_5000(db, riverside, monkeypatch):
    monkeypatch.setattr(word_filter, "LIST_MAX", 5)
    add(db, riverside["worker"], "a1, a2, a3")

    assert rejected(db, riverside["worker"], "b1, b2, b3") == (
        "The list can hold up to 5 words or phrases. It has 3, so there is room for 2 more.")
    assert add(db, riverside["worker"], "a1, b1, b2").added == ["b1", "b2"]
    assert len(rows(db)) == 5


def test_500_at_once_is_fine(db, riverside):
    added = add(db, riverside["worker"], ", ".join(f"w{n}x" for n in range(500)))

    assert len(added.added) == 500
    assert len(rows(db)) == 500


# Removing ----------------------------------------------------------------------------------


def test_remove_a_word(db, riverside):
    add(db, riverside["worker"], "idiot, loser")
    idiot = next(w for w in rows(db) if w.phrase == "idiot")

    with db.write() as session:
        phrase = word_filter.remove_word(session, actor=viewer_of(db, riverside["admin"]),
                                         word_id=idiot.id)

    assert phrase == "idiot"
    assert listed(db, riverside["worker"]) == ["loser"]
    [entry] = audit_entries(db, "word_filter.word_removed")
    assert (entry.actor_id, entry.reason) == (riverside["admin"].id, "idiot")


@pytest.mark.parametrize("whose", ["other_org", "missing"])
def test_cannot_remove_another_organisations_word(db, riverside, whose):
    add(db, riverside["other_worker"], "idiot")
    word_id = rows(db)[0].id if whose == "other_org" else 9999

    with pytest.raises(NotFound) as caught, db.write() as session:
        word_filter.remove_word(session, actor=viewer_of(db, riverside["worker"]),
                                word_id=word_id)

    assert caught.value.message == "We could not find that word on your organisation's list."
    assert len(rows(db)) == 1


# Settings ----------------------------------------------------------------------------------


def test_settings_default_without_a_row(db, riverside):
    with db.read() as session:
        found = word_filter.settings_for(session, riverside["org"].id)
        assert session.get(ModerationSettings, riverside["org"].id) is None
    assert (found.filter_mode, found.report_threshold) == (FilterMode.block, 3)


def test_change_settings(db, riverside):
    change_settings(db, riverside["worker"], filter_mode="hold", report_threshold=" 5 ")

    with db.read() as session:
        found = word_filter.settings_for(session, riverside["org"].id)
        other = word_filter.settings_for(session, riverside["other_org"].id)
    assert (found.filter_mode, found.report_threshold) == ("hold", 5)
    assert (other.filter_mode, other.report_threshold) == ("block", 3)
    [entry] = audit_entries(db, "moderation.settings_changed")
    assert entry.actor_id == riverside["worker"].id
    assert entry.reason == "When a comment matches: hold. Reports that hold a comment: 5."

    change_settings(db, riverside["admin"], filter_mode="block", report_threshold=1)
    with db.read() as session:
        found = word_filter.settings_for(session, riverside["org"].id)
    assert (found.filter_mode, found.report_threshold) == ("block", 1)
    assert len(audit_entries(db, "moderation.settings_changed")) == 2


def test_saving_the_same_settings_is_not_a_change(db, riverside):
    change_settings(db, riverside["worker"], filter_mode="block", report_threshold="3")

    with db.read() as session:
        assert session.get(ModerationSettings, riverside["org"].id) is None
    assert audit_entries(db, "moderation.settings_changed") == []


@pytest.mark.parametrize(("mode", "threshold", "errors"), [
    ("delete", "3", {"filter_mode": "Choose what happens when a comment has a word from the "
                                    "list."}),
    ("", "3", {"filter_mode": "Choose what happens when a comment has a word from the list."}),
    ("hold", "0", {"report_threshold": "Choose a whole number of reports from 1 to 50."}),
    ("hold", "51", {"report_threshold": "Choose a whole number of reports from 1 to 50."}),
    ("hold", "2.5", {"report_threshold": "Choose a whole number of reports from 1 to 50."}),
    ("hold", "-1", {"report_threshold": "Choose a whole number of reports from 1 to 50."}),
    ("hold", "three", {"report_threshold": "Choose a whole number of reports from 1 to 50."}),
    ("hold", "٣", {"report_threshold": "Choose a whole number of reports from 1 to 50."}),
    ("", "", {"filter_mode": "Choose what happens when a comment has a word from the list.",
              "report_threshold": "Choose a whole number of reports from 1 to 50."}),
])
def test_bad_settings_are_refused(db, riverside, mode, threshold, errors):
    with pytest.raises(InvalidInput) as caught:
        change_settings(db, riverside["worker"], filter_mode=mode, report_threshold=threshold)

    assert caught.value.errors == errors
    with db.read() as session:
        assert session.get(ModerationSettings, riverside["org"].id) is None


# Who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["list", "add", "remove", "settings"])
def test_young_people_cannot_manage_the_filter(db, riverside, action):
    add(db, riverside["worker"], "idiot")
    actor = viewer_of(db, riverside["young"])
    with pytest.raises(NotAllowed) as caught, db.write() as session:
        if action == "list":
            word_filter.word_list(session, actor=actor)
        elif action == "add":
            word_filter.add_words(session, actor=actor, text="loser")
        elif action == "remove":
            word_filter.remove_word(session, actor=actor, word_id=rows(db)[0].id)
        else:
            word_filter.update_settings(session, actor=actor, filter_mode="hold",
                                        report_threshold="3")

    assert caught.value.message == (
        "Only youth workers and organisation admins can manage the word filter.")
    assert [w.phrase for w in rows(db)] == ["idiot"]
