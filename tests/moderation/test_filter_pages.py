"""The word filter page: youth workers and admins see the list, add many words at once,
remove one, and choose what happens on a match and how many reports hold a comment."""

import pytest
from sqlmodel import col, select

from server.moderation import word_filter
from server.moderation.models import FilterMode, FilterWord, ModerationSettings
from tests.accounts.helpers import (
    audit_entries,
    field_error,
    heading,
    location,
    text,
    viewer_of,
)
from tests.conftest import page, post

FORBIDDEN_TITLE = "You can't do that"
NOT_FOUND_TITLE = "We could not find that page"
STAFF_ONLY = "This page is for youth workers and organisation admins."


def add(db, person, words: str) -> None:
    with db.write() as session:
        word_filter.add_words(session, actor=viewer_of(db, person), text=words)


def rows(db) -> list[FilterWord]:
    with db.read() as session:
        return list(session.exec(select(FilterWord).order_by(col(FilterWord.id))))


def word_id(db, phrase: str) -> int:
    found = next(w.id for w in rows(db) if w.phrase == phrase)
    assert found is not None
    return found


def settings_of(db, org) -> ModerationSettings:
    with db.read() as session:
        return word_filter.settings_for(session, org.id)


def shown_words(response) -> list[str]:
    return [text(li, ".phrase") for li in page(response).select(".word-list li")]


def notice(response) -> str:
    return text(page(response), '[role="status"]')


def checked_mode(response) -> str:
    chosen = page(response).select('input[name="filter_mode"][checked]')
    assert len(chosen) == 1
    return str(chosen[0]["value"])


def threshold_shown(response) -> str:
    found = page(response).select_one('input[name="report_threshold"]')
    assert found is not None
    return str(found["value"])


def typed_words(response) -> str:
    found = page(response).select_one('textarea[name="words"]')
    assert found is not None
    return found.get_text()


# The page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["worker", "admin"])
def test_staff_see_their_organisations_list(db, as_user, riverside, actor):
    add(db, riverside["worker"], "shut up, Idiot, b@d")
    add(db, riverside["other_worker"], "hillside-only")

    response = as_user(actor).get("/moderation/words")

    assert response.status_code == 200
    assert heading(response) == "Word filter"
    assert shown_words(response) == ["b@d", "Idiot", "shut up"]
    assert text(page(response), "#list-heading") == "On the list (3)"
    buttons = page(response).select(".word-list button")
    assert [b["formaction"] for b in buttons] == [
        f"/moderation/words/{word_id(db, p)}/remove" for p in ("b@d", "Idiot", "shut up")]
    assert [b.get_text(" ", strip=True) for b in buttons] == [
        "Remove “b@d”", "Remove “Idiot”", "Remove “shut up”"]


def test_an_empty_list_says_so_and_the_defaults_are_chosen(as_user, riverside):
    response = as_user("worker").get("/moderation/words")

    assert response.status_code == 200
    assert text(page(response), "#list-heading") == "On the list (0)"
    assert page(response).select(".word-list li") == []
    assert text(page(response), ".empty").startswith(
        "The list is empty, so the filter does not stop or hold any comments yet.")
    assert checked_mode(response) == "block"
    assert threshold_shown(response) == "3"
    labels = [label.get_text(" ", strip=True) for label in page(response).select(
        "#f-filter_mode label")]
    assert labels == [FilterMode.block.label, FilterMode.hold.label]
    assert text(page(response), 'label[for="f-words"]') == "Add words or phrases, one per line"


def test_young_people_cannot_see_it(as_user, riverside):
    response = as_user("jade").get("/moderation/words")

    assert response.status_code == 403
    assert heading(response) == FORBIDDEN_TITLE
    assert text(page(response), "main p") == STAFF_ONLY


# Adding -----------------------------------------------------------------------------------


def test_add_many(db, as_user, riverside):
    add(db, riverside["worker"], "idiot, loser, bad")
    browser = as_user("worker")

    response = post(browser, "/moderation/words",
                    {"words": "shut up\nIdiot\nb@d, l0ser\n!!!\nidiotic"})

    assert response.status_code == 303
    after = browser.get(location(response))
    assert notice(after) == ("Added 2. 3 were already on the list. 1 was left out because it "
                             "has no letters or numbers.")
    assert shown_words(after) == ["bad", "idiot", "idiotic", "loser", "shut up"]
    assert typed_words(after) == ""
    assert [e.reason for e in audit_entries(db, "word_filter.words_added")] == [
        "3 words", "2 words"]


def test_adding_one_says_so(as_user, riverside):
    browser = as_user("admin")

    after = browser.get(location(post(browser, "/moderation/words", {"words": "idiot"})))

    assert notice(after) == "Added 1."
    assert shown_words(after) == ["idiot"]


def test_adding_nothing_new_says_so(db, as_user, riverside):
    add(db, riverside["worker"], "idiot")
    browser = as_user("worker")

    after = browser.get(location(post(browser, "/moderation/words", {"words": "IDIOT"})))

    assert notice(after) == "Nothing new to add. 1 was already on the list."


@pytest.mark.parametrize(("typed", "message"), [
    ("  \n , ", "Type at least one word or phrase: one per line, or separated by commas."),
    ("!!!", "The filter can only match words with letters or numbers in them. "
            "Type the words themselves."),
    ("fine\n" + "z" * 120, "Keep each word or phrase to 100 characters or fewer. This one is "
                           "longer: “zzzzzzzzzzzzzzzzzzzzzzzzzzzzz…”."),
])
def test_bad_words_show_the_problem_and_keep_what_was_typed(db, as_user, riverside, typed,
                                                            message):
    add(db, riverside["worker"], "idiot")

    response = post(as_user("worker"), "/moderation/words", {"words": typed})

    assert response.status_code == 422
    assert field_error(response, "words") == message
    assert text(page(response), ".error-summary a[href='#f-words']") == message
    assert typed_words(response) == typed
    assert shown_words(response) == ["idiot"]
    assert page(response).select('[role="status"]') == []
    assert [w.phrase for w in rows(db)] == ["idiot"]


def test_young_people_cannot_add(db, as_user, riverside):
    response = post(as_user("jade"), "/moderation/words", {"words": "idiot"})

    assert response.status_code == 403
    assert text(page(response), "main p") == STAFF_ONLY
    assert rows(db) == []


# Removing ---------------------------------------------------------------------------------


def test_remove_a_word(db, as_user, riverside):
    add(db, riverside["worker"], "idiot, loser")
    browser = as_user("admin")

    response = post(browser, f"/moderation/words/{word_id(db, 'idiot')}/remove")

    assert response.status_code == 303
    after = browser.get(location(response))
    assert notice(after) == "Removed from the list."
    assert shown_words(after) == ["loser"]
    [entry] = audit_entries(db, "word_filter.word_removed")
    assert (entry.actor_id, entry.reason) == (riverside["admin"].id, "idiot")


def test_another_organisations_word_is_not_found(db, as_user, riverside):
    add(db, riverside["other_worker"], "idiot")

    response = post(as_user("worker"), f"/moderation/words/{word_id(db, 'idiot')}/remove")

    assert response.status_code == 404
    assert heading(response) == NOT_FOUND_TITLE
    assert text(page(response), "main p") == (
        "We could not find that word on your organisation's list.")
    assert [w.phrase for w in rows(db)] == ["idiot"]


def test_young_people_cannot_remove(db, as_user, riverside):
    add(db, riverside["worker"], "idiot")

    response = post(as_user("jade"), f"/moderation/words/{word_id(db, 'idiot')}/remove")

    assert response.status_code == 403
    assert [w.phrase for w in rows(db)] == ["idiot"]


# Settings ---------------------------------------------------------------------------------


def test_change_settings(db, as_user, riverside):
    browser = as_user("worker")

    response = post(browser, "/moderation/settings",
                    {"filter_mode": "hold", "report_threshold": "5"})

    assert response.status_code == 303
    after = browser.get(location(response))
    assert notice(after) == "Settings saved."
    assert checked_mode(after) == "hold"
    assert threshold_shown(after) == "5"
    found = settings_of(db, riverside["org"])
    assert (found.filter_mode, found.report_threshold) == ("hold", 5)
    assert len(audit_entries(db, "moderation.settings_changed")) == 1


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"filter_mode": "hold", "report_threshold": "0"}, "report_threshold",
     "Choose a whole number of reports from 1 to 50."),
    ({"filter_mode": "hold", "report_threshold": "lots"}, "report_threshold",
     "Choose a whole number of reports from 1 to 50."),
    ({"filter_mode": "shout", "report_threshold": "4"}, "filter_mode",
     "Choose what happens when a comment has a word from the list."),
    ({"report_threshold": "4"}, "filter_mode",
     "Choose what happens when a comment has a word from the list."),
])
def test_bad_settings_show_the_problem_and_keep_what_was_typed(db, as_user, riverside, data,
                                                               field, message):
    response = post(as_user("worker"), "/moderation/settings", data)

    assert response.status_code == 422
    assert field_error(response, field) == message
    assert text(page(response), f".error-summary a[href='#f-{field}']") == message
    assert threshold_shown(response) == data["report_threshold"]
    if data.get("filter_mode") == "hold":
        assert checked_mode(response) == "hold"
    found = settings_of(db, riverside["org"])
    assert (found.filter_mode, found.report_threshold) == ("block", 3)


def test_young_people_cannot_change_settings(db, as_user, riverside):
    response = post(as_user("jade"), "/moderation/settings",
                    {"filter_mode": "hold", "report_threshold": "1"})

    assert response.status_code == 403
    assert settings_of(db, riverside["org"]).report_threshold == 3


# Logged out ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/moderation/words"),
    ("post", "/moderation/words"),
    ("post", "/moderation/words/1/remove"),
    ("post", "/moderation/settings"),
])
def test_logged_out_people_are_sent_to_log_in(db, client, riverside, method, url):
    add(db, riverside["worker"], "idiot")
    data = {"words": "loser", "filter_mode": "hold", "report_threshold": "1"}

    response = client.get(url) if method == "get" else post(client, url, data)

    assert response.status_code == 303
    assert location(response) == f"/login?next={url}"
    assert [w.phrase for w in rows(db)] == ["idiot"]
    assert settings_of(db, riverside["org"]).filter_mode == "block"
