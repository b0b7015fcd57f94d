"""The discussion on a campaign page: posting, replying, changing and deleting your own,
reacting and reading older comments, with htmx and without JavaScript; and the fragments the
websocket pushes, which must show a comment exactly as the page does."""

import json
import re
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from sqlmodel import SQLModel, col, select

from server.accounts import people
from server.audit import AuditEntry
from server.campaigns import discussion
from server.campaigns.models import Campaign, CampaignMember, CampaignRole, Comment
from server.campaigns.models import Reaction as ReactionRow
from server.live.events import Event, LiveEvent
from server.live.render import PageRenderer
from tests.accounts.helpers import heading, location, text, viewer_of
from tests.campaigns.pages import archive, say
from tests.conftest import csrf_token, page, post

FORBIDDEN_TITLE = "You can't do that"
NOT_FOUND_TITLE = "We could not find that page"
MISSING = "We could not find that campaign."
COMMENT_MISSING = "We could not find that comment."
JOIN_FIRST = "Join the campaign to take part in its discussion."
NEEDS_AGREEMENT = ("A youth worker needs to record a parent's or carer's agreement before you "
                   "can take part in the discussion.")
HOSTILE = ('<script>alert("x")</script> "quoted" \'single\' & javascript:alert(1) '
           'https://example.org/a?b=1&c="2"\n<img src=x onerror=alert(1)> www.example.org.')


def hx_post(client, url: str, data: dict[str, str] | None = None):
    """What htmx sends: the CSRF token in a header, and HX-Request."""
    return client.post(url, data=data or {}, headers={
        "HX-Request": "true", "X-CSRF-Token": csrf_token(client)})


def hx_get(client, url: str):
    return client.get(url, headers={"HX-Request": "true"})


def fragment(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def comments_of(db, campaign: Campaign) -> list[Comment]:
    with db.read() as session:
        return list(session.exec(select(Comment).where(Comment.campaign_id == campaign.id)
                                 .order_by(col(Comment.id))))


def events_of(db, campaign: Campaign) -> list[tuple[str, dict[str, Any]]]:
    with db.read() as session:
        return [(e.kind, json.loads(e.data)) for e in session.exec(
            select(Event).where(Event.campaign_id == campaign.id).order_by(col(Event.id)))]


def snapshot(db) -> dict[str, list[dict[str, Any]]]:
    tables: list[type[SQLModel]] = [Comment, ReactionRow, Event, AuditEntry]
    with db.read() as session:
        return {table.__name__: [row.model_dump() for row in session.exec(
            select(table).order_by(col(table.id)))]  # type: ignore[attr-defined]
            for table in tables}


def forbidden(response, words: str) -> None:
    assert response.status_code == 403
    assert heading(response) == FORBIDDEN_TITLE
    assert text(page(response), "main p") == words


def not_found(response, words: str = MISSING) -> None:
    assert response.status_code == 404
    assert heading(response) == NOT_FOUND_TITLE
    assert text(page(response), "main p") == words


def thread_texts(soup: BeautifulSoup | Tag) -> list[tuple[str, list[str]]]:
    """Each thread's comment words, and its replies' words, as shown."""
    found = []
    for thread in soup.select("li.thread"):
        top = thread.select_one(":scope > article.comment .comment-text")
        assert top is not None
        found.append((top.get_text(), [r.get_text() for r in thread.select(
            ":scope > ol.replies > li > article.comment .comment-text")]))
    return found


def reactions_said(soup: BeautifulSoup | Tag, comment_id: int) -> list[str]:
    """What a screen reader says for each reaction button."""
    box = soup.select_one(f"#reactions-{comment_id}")
    assert box is not None
    return [b.select_one(".visually-hidden").get_text() for b in box.select("button")]


def csrf_fields(soup: BeautifulSoup | Tag) -> list[Tag]:
    return soup.select('input[name="csrf_token"]')


def textarea_of(soup: BeautifulSoup | Tag, selector: str) -> str:
    found = soup.select_one(selector)
    assert found is not None and found.name == "textarea", selector
    return found.get_text()


# ---------------------------------------------------------------- logged out


ROUTES = [("GET", "/campaigns/{id}/comments"), ("POST", "/campaigns/{id}/comments"),
          ("POST", "/comments/{comment}/edit"), ("POST", "/comments/{comment}/delete"),
          ("POST", "/comments/{comment}/react")]


@pytest.mark.parametrize(("method", "pattern"), ROUTES)
def test_logged_out_people_are_sent_to_log_in(client, db, sam, campaign, method, pattern):
    said = say(db, sam, campaign, "Hello")
    url = pattern.format(id=campaign.id, comment=said["id"])
    before = snapshot(db)
    response = client.get(url) if method == "GET" else post(
        client, url, {"text": "Hi", "kind": "agree"})
    assert response.status_code == 303
    assert location(response) == f"/login?next={url}"
    assert snapshot(db) == before


# ---------------------------------------------------------------- on the campaign page


def test_the_campaign_page_shows_the_discussion_in_chat_order(as_user, db, riverside, sam,
                                                              campaign):
    first = say(db, sam, campaign, "Who is coming on Friday?")
    say(db, riverside["young"], campaign, "Me!", parent=first)
    second = say(db, riverside["young"], campaign, "I wrote to the council")
    with db.write() as session:
        discussion.react(session, actor=viewer_of(db, riverside["young"]),
                         comment_id=first["id"], kind="agree")

    response = as_user("sam").get(f"/campaigns/{campaign.id}")

    assert response.status_code == 200
    soup = page(response)
    section = soup.select_one("section#discussion")
    assert section is not None and section["aria-labelledby"] == "discussion-h"
    assert text(section, "h2#discussion-h") == "Discussion"
    listing = section.select_one("ol#comments")
    assert listing["aria-live"] == "polite" and listing["aria-relevant"] == "additions"
    assert thread_texts(listing) == [("Who is coming on Friday?", ["Me!"]),
                                     ("I wrote to the council", [])]
    assert reactions_said(soup, first["id"]) == [
        "Agree, 1", "Love it, 0", "Funny, 0", "Wow, 0", "Good idea, 0"]
    # Sam's own comment is marked as theirs, with its change and delete forms; Jade's is not.
    mine = soup.select_one(f"#comment-{first['id']}")
    theirs = soup.select_one(f"#comment-{second['id']}")
    assert "mine" in mine["class"] and "mine" not in theirs["class"]
    assert mine["data-author"] == str(sam.id)
    assert mine.select_one(".own-actions form[action$='/edit']") is not None
    assert mine.select_one(".own-actions form[action$='/delete']") is not None
    assert text(mine, ".author") == "Sam"
    assert mine.select_one("time")["datetime"] == first["created_at"]
    # Sam may post: the form is there, and nothing older to show.
    form = section.select_one("form#comment-form")
    assert form["action"] == form["hx-post"] == f"/campaigns/{campaign.id}/comments"
    assert form["method"] == "post" and form["hx-swap"] == "outerHTML"
    assert len(csrf_fields(form)) == 1
    assert section.select_one("#older-comments a") is None
    assert section.has_attr("data-may-post")


def test_someone_who_cannot_post_reads_and_is_told_why(as_user, db, riverside, sam, campaign,
                                                       make_user):
    say(db, sam, campaign, "Hello")
    make_user(riverside["org"], "dev", "young_person", "13_15")
    with db.write() as session:
        session.add(CampaignMember(campaign_id=campaign.id, user_id=riverside["child"].id,
                                   role=CampaignRole.member))
    for who, words in (("dev", JOIN_FIRST), ("milo", NEEDS_AGREEMENT),
                       ("admin", "Join the campaign as a facilitator to take part in its "
                                 "discussion.")):
        soup = page(as_user(who).get(f"/campaigns/{campaign.id}"))
        section = soup.select_one("#discussion")
        assert thread_texts(section) == [("Hello", [])], who
        assert section.select_one("form#comment-form") is None
        assert section.select_one(".reply-form") is None
        assert text(section, ".discussion-closed") == words
        assert all(b.has_attr("disabled") for b in section.select(".reactions button"))
        assert not section.has_attr("data-may-post")


def test_an_ended_campaign_keeps_its_discussion_closed(as_user, db, riverside, sam, campaign):
    say(db, sam, campaign, "Thanks all")
    browser = as_user("jade")
    response = post(browser, f"/campaigns/{campaign.id}/end",
                    {"outcome": "achieved", "statement": "The bus is on time now."})
    assert response.status_code == 303
    section = page(as_user("sam").get(f"/campaigns/{campaign.id}")).select_one("#discussion")
    assert thread_texts(section) == [("Thanks all", [])]
    assert text(section, ".discussion-closed") == ("This campaign has ended, so its discussion "
                                                   "is closed.")
    forbidden(post(as_user("sam"), f"/campaigns/{campaign.id}/comments", {"text": "Hi"}),
              "This campaign has ended, so its discussion is closed.")


def test_an_empty_discussion_invites_the_first_comment(as_user, campaign):
    section = page(as_user("sam").get(f"/campaigns/{campaign.id}")).select_one("#discussion")
    assert section.select("li.thread") == []
    assert text(section, ".comments-empty") == "No comments yet. Start the conversation!"


# ---------------------------------------------------------------- posting


def test_posting_without_javascript_goes_back_to_the_new_comment(as_user, db, campaign):
    browser = as_user("sam")
    response = post(browser, f"/campaigns/{campaign.id}/comments",
                    {"text": "  Let's meet at the library  "})
    (saved,) = comments_of(db, campaign)
    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}#comment-{saved.id}"
    assert saved.text == "Let's meet at the library"
    assert [kind for kind, _ in events_of(db, campaign)] == ["comment.created"]
    shown = page(browser.get(f"/campaigns/{campaign.id}"))
    assert thread_texts(shown) == [("Let's meet at the library", [])]


def op_id_of(soup: BeautifulSoup, form: str) -> str:
    found = soup.select_one(f'{form} input[name="client_op_id"]')
    assert found is not None, form
    return str(found["value"])


def test_a_double_tap_posts_one_comment(as_user, db, campaign):
    browser = as_user("sam")
    shown = page(browser.get(f"/campaigns/{campaign.id}"))
    op_id = op_id_of(shown, "form#comment-form")
    # Every form a page draws has its own id.
    assert op_id_of(page(browser.get(f"/campaigns/{campaign.id}")), "form#comment-form") != op_id
    sent = {"text": "Free buses on Saturdays", "client_op_id": op_id}
    first = post(browser, f"/campaigns/{campaign.id}/comments", sent)
    second = post(browser, f"/campaigns/{campaign.id}/comments", sent)
    (saved,) = comments_of(db, campaign)
    assert location(first) == location(second) == f"/campaigns/{campaign.id}#comment-{saved.id}"
    assert [kind for kind, _ in events_of(db, campaign)] == ["comment.created"]
    # A new form, a new comment, even with the same words.
    again = op_id_of(page(browser.get(f"/campaigns/{campaign.id}")), "form#comment-form")
    post(browser, f"/campaigns/{campaign.id}/comments", {**sent, "client_op_id": again})
    assert [c.text for c in comments_of(db, campaign)] == ["Free buses on Saturdays"] * 2


def test_a_double_tap_on_a_reply_posts_one_reply(as_user, db, riverside, campaign):
    said = say(db, riverside["young"], campaign, "Where shall we meet?")
    browser = as_user("sam")
    shown = page(browser.get(f"/campaigns/{campaign.id}"))
    sent = {"text": "The library", "parent_id": str(said["id"]),
            "client_op_id": op_id_of(shown, f"#reply-form-{said['id']} form")}
    for _ in range(2):
        assert hx_post(browser, f"/campaigns/{campaign.id}/comments", sent).status_code == 200
    assert [c.text for c in comments_of(db, campaign)] == ["Where shall we meet?", "The library"]
    # The fresh form htmx puts back has a new id.
    fresh = fragment(hx_post(browser, f"/campaigns/{campaign.id}/comments", sent))
    assert op_id_of(fresh, "form") != sent["client_op_id"]


def test_a_pushed_reply_form_has_no_submission_id(app, db, riverside, campaign):
    # Drawn once for everyone in the room: a shared id would merge different people's replies.
    said = say(db, riverside["young"], campaign, "Where shall we meet?")
    pushed = draw(app, db, campaign, "comment.created")
    assert pushed.select_one(f"#reply-form-{said['id']} form") is not None
    assert pushed.select('input[name="client_op_id"]') == []


def test_posting_with_htmx_answers_with_a_fresh_form(as_user, db, campaign):
    browser = as_user("sam")
    response = hx_post(browser, f"/campaigns/{campaign.id}/comments",
                       {"text": "Let's meet at the library"})
    assert response.status_code == 200
    soup = fragment(response)
    form = soup.select_one("form#comment-form")
    assert form is not None and form["hx-post"] == f"/campaigns/{campaign.id}/comments"
    assert textarea_of(soup, "#comment-text") == ""
    assert text(soup, '[role="status"]') == "Posted."
    assert soup.select_one("html, body, h1") is None  # a part of a page, not a page
    assert [c.text for c in comments_of(db, campaign)] == ["Let's meet at the library"]
    # The comment itself reaches every page (the author's too) over the websocket.
    assert [kind for kind, _ in events_of(db, campaign)] == ["comment.created"]


@pytest.mark.parametrize(("typed", "message"), [
    ("   ", "Write something first."),
    ("x" * 2001, "Keep a comment to 2,000 characters or fewer (yours has 2,001)."),
])
def test_bad_text_with_htmx_comes_back_in_the_form(as_user, db, campaign, typed, message):
    before = snapshot(db)
    response = hx_post(as_user("sam"), f"/campaigns/{campaign.id}/comments", {"text": typed})
    assert response.status_code == 422
    soup = fragment(response)
    assert text(soup, "#comment-text-error") == message
    field = soup.select_one("#comment-text")
    assert field["aria-invalid"] == "true"
    assert "comment-text-error" in field["aria-describedby"]
    assert textarea_of(soup, "#comment-text") == typed
    assert snapshot(db) == before


def test_bad_text_without_javascript_shows_the_form_again(as_user, db, campaign):
    before = snapshot(db)
    typed = "y" * 2001
    response = post(as_user("sam"), f"/campaigns/{campaign.id}/comments", {"text": typed})
    assert response.status_code == 422
    assert heading(response) == "Your comment"
    soup = page(response)
    message = "Keep a comment to 2,000 characters or fewer (yours has 2,001)."
    assert text(soup, "#f-text-error") == message
    assert text(soup, ".error-summary a[href='#f-text']") == message
    assert textarea_of(soup, "#f-text") == typed
    form = soup.select_one("main form")
    assert form["action"] == f"/campaigns/{campaign.id}/comments"
    assert soup.select_one("main form input[name='parent_id']") is None
    assert snapshot(db) == before


@pytest.mark.parametrize("hx", [False, True])
def test_who_may_not_post_is_refused_with_the_reason(as_user, db, riverside, campaign,
                                                     make_user, hx):
    make_user(riverside["org"], "dev", "young_person", "13_15")
    before = snapshot(db)
    browser = as_user("dev")
    url = f"/campaigns/{campaign.id}/comments"
    response = hx_post(browser, url, {"text": "Hi"}) if hx else post(browser, url,
                                                                      {"text": "Hi"})
    forbidden(response, JOIN_FIRST)
    forbidden(post(as_user("milo"), url, {"text": "Hi"}), NEEDS_AGREEMENT)
    assert snapshot(db) == before


def test_another_organisations_campaign_is_not_found(as_user, db, campaign):
    before = snapshot(db)
    browser = as_user("olu")
    not_found(post(browser, f"/campaigns/{campaign.id}/comments", {"text": "Hi"}))
    not_found(browser.get(f"/campaigns/{campaign.id}/comments"))
    not_found(hx_get(browser, f"/campaigns/{campaign.id}/comments"))
    assert snapshot(db) == before


def test_a_suspended_member_is_logged_out_and_changes_nothing(as_user, db, riverside, sam,
                                                              campaign):
    said = say(db, sam, campaign, "Mine")
    browser = as_user("sam")
    with db.write() as session:
        people.suspend(session, actor=viewer_of(db, riverside["worker"]), user_id=sam.id,
                       reason="Shared someone's photo")
    before = snapshot(db)
    for url, data in [(f"/campaigns/{campaign.id}/comments", {"text": "Still here"}),
                      (f"/comments/{said['id']}/edit", {"text": "Changed"}),
                      (f"/comments/{said['id']}/delete", {}),
                      (f"/comments/{said['id']}/react", {"kind": "agree"})]:
        response = post(browser, url, data)
        assert response.status_code == 303, url
        assert location(response) == f"/login?next={url}"
    assert snapshot(db) == before


# ---------------------------------------------------------------- replies


def test_replying_without_javascript(as_user, db, riverside, sam, campaign):
    top = say(db, sam, campaign, "Who is coming?")
    response = post(as_user("jade"), f"/campaigns/{campaign.id}/comments",
                    {"text": "Me", "parent_id": str(top["id"])})
    reply = comments_of(db, campaign)[-1]
    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}#comment-{reply.id}"
    assert (reply.parent_id, reply.text) == (top["id"], "Me")


def test_replying_with_htmx_folds_the_reply_form_away(as_user, db, sam, campaign):
    top = say(db, sam, campaign, "Who is coming?")
    browser = as_user("jade")
    shown = page(browser.get(f"/campaigns/{campaign.id}"))
    reply_form = shown.select_one(f"#reply-form-{top['id']} form")
    assert reply_form["hx-target"] == f"#reply-form-{top['id']}"
    assert reply_form.select_one("input[name='parent_id']")["value"] == str(top["id"])

    response = hx_post(browser, f"/campaigns/{campaign.id}/comments",
                       {"text": "Me", "parent_id": str(top["id"])})

    assert response.status_code == 200
    soup = fragment(response)
    details = soup.select_one(f"details#reply-form-{top['id']}")
    assert details is not None and not details.has_attr("open")
    assert textarea_of(soup, f"#reply-form-{top['id']}-text") == ""
    assert comments_of(db, campaign)[-1].parent_id == top["id"]

    response = hx_post(browser, f"/campaigns/{campaign.id}/comments",
                       {"text": " ", "parent_id": str(top["id"])})
    assert response.status_code == 422
    soup = fragment(response)
    assert soup.select_one(f"details#reply-form-{top['id']}").has_attr("open")
    assert text(soup, f"#reply-form-{top['id']}-error") == "Write something first."


def test_a_reply_that_needs_fixing_without_javascript_shows_what_it_replies_to(
        as_user, db, sam, campaign):
    top = say(db, sam, campaign, "Who is coming?")
    typed = "z" * 2001
    response = post(as_user("jade"), f"/campaigns/{campaign.id}/comments",
                    {"text": typed, "parent_id": str(top["id"])})
    assert response.status_code == 422
    assert heading(response) == "Your reply"
    soup = page(response)
    assert text(soup, ".replying-to blockquote") == "Who is coming?"
    assert soup.select_one("main form input[name='parent_id']")["value"] == str(top["id"])
    assert textarea_of(soup, "#f-text") == typed


def test_replying_to_a_deleted_comment_says_so(as_user, db, sam, campaign):
    top = say(db, sam, campaign, "Oops")
    with db.write() as session:
        discussion.delete_comment(session, actor=viewer_of(db, sam), comment_id=top["id"])
    browser = as_user("jade")
    # The deleted comment's thread offers no reply form any more.
    assert page(browser.get(f"/campaigns/{campaign.id}")).select_one(
        f"#reply-form-{top['id']}") is None
    response = post(browser, f"/campaigns/{campaign.id}/comments",
                    {"text": "Hmm", "parent_id": str(top["id"])})
    assert response.status_code == 422
    assert text(page(response), ".error-summary") .endswith(
        "That comment has been deleted, so it takes no more replies.")
    assert textarea_of(page(response), "#f-text") == "Hmm"
    not_found(post(browser, f"/campaigns/{campaign.id}/comments",
                   {"text": "Hmm", "parent_id": "999999"}),
              "We could not find the comment you are replying to.")


# ---------------------------------------------------------------- older comments


def test_older_comments_load_in_pages(as_user, db, sam, campaign):
    made = [say(db, sam, campaign, f"Comment {n}") for n in range(1, 26)]
    browser = as_user("sam")
    section = page(browser.get(f"/campaigns/{campaign.id}")).select_one("#discussion")
    assert [t for t, _ in thread_texts(section)] == [f"Comment {n}" for n in range(6, 26)]
    older = section.select_one("#older-comments a")
    url = f"/campaigns/{campaign.id}/comments?before={made[5]['id']}"
    assert older["href"] == older["hx-get"] == url
    assert older["hx-target"] == "#comments" and older["hx-swap"] == "afterbegin"
    assert older.get_text(strip=True) == "Show older comments"

    # htmx: the older threads, for the top of the list, and no control left to show.
    response = hx_get(browser, url)
    assert response.status_code == 200
    soup = fragment(response)
    assert [t for t, _ in thread_texts(soup)] == [f"Comment {n}" for n in range(1, 6)]
    control = soup.select_one("#older-comments")
    assert control["hx-swap-oob"] == "true" and control.select_one("a") is None
    assert soup.select_one("h1, h2, #comment-form") is None
    assert "mine" in soup.select_one(f"#comment-{made[0]['id']}")["class"]

    # Without JavaScript: a page of them.
    response = browser.get(url)
    assert response.status_code == 200
    assert heading(response) == "Older comments"
    assert [t for t, _ in thread_texts(page(response))] == [f"Comment {n}" for n in range(1, 6)]
    assert page(response).select_one("#comment-form") is None


def test_a_page_of_older_comments_links_to_the_next_older(as_user, db, sam, campaign):
    made = [say(db, sam, campaign, f"Comment {n}") for n in range(1, 46)]
    browser = as_user("sam")
    soup = fragment(hx_get(browser, f"/campaigns/{campaign.id}/comments?before="
                                    f"{made[25]['id']}"))
    assert [t for t, _ in thread_texts(soup)] == [f"Comment {n}" for n in range(6, 26)]
    assert soup.select_one("#older-comments a")["hx-get"] == (
        f"/campaigns/{campaign.id}/comments?before={made[5]['id']}")


# ---------------------------------------------------------------- changing your own


def test_changing_a_comment_without_javascript(as_user, db, sam, campaign):
    said = say(db, sam, campaign, "Meet at 5")
    response = post(as_user("sam"), f"/comments/{said['id']}/edit", {"text": "Meet at 6"})
    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}#comment-{said['id']}"
    assert comments_of(db, campaign)[0].text == "Meet at 6"


def test_changing_a_comment_with_htmx_answers_with_the_comment(as_user, db, sam, campaign):
    said = say(db, sam, campaign, "Meet at 5")
    response = hx_post(as_user("sam"), f"/comments/{said['id']}/edit", {"text": "Meet at 6"})
    assert response.status_code == 200
    soup = fragment(response)
    article = soup.select_one(f"article#comment-{said['id']}")
    assert text(article, ".comment-text") == "Meet at 6"
    assert text(article, ".edited") == "(edited)"
    assert "mine" in article["class"]
    assert not article.has_attr("hx-swap-oob")
    assert [kind for kind, _ in events_of(db, campaign)][-1] == "comment.edited"


def test_a_change_that_needs_fixing_comes_back(as_user, db, sam, campaign):
    said = say(db, sam, campaign, "Meet at 5")
    before = snapshot(db)
    browser = as_user("sam")
    response = hx_post(browser, f"/comments/{said['id']}/edit", {"text": "  "})
    assert response.status_code == 422
    soup = fragment(response)
    assert soup.select_one(".edit-comment").has_attr("open")
    assert text(soup, f"#edit-{said['id']}-error") == "Write something first."
    assert textarea_of(soup, f"#edit-{said['id']}-text") == "  "
    assert text(soup, ".comment-text") == "Meet at 5"

    response = post(browser, f"/comments/{said['id']}/edit", {"text": "w" * 2001})
    assert response.status_code == 422
    assert heading(response) == "Change your comment"
    assert page(response).select_one("main form")["action"] == f"/comments/{said['id']}/edit"
    assert textarea_of(page(response), "#f-text") == "w" * 2001
    assert snapshot(db) == before


def test_after_ten_minutes_the_change_is_refused(as_user, db, sam, campaign, clock):
    said = say(db, sam, campaign, "Meet at 5")
    browser = as_user("sam")
    clock.advance(10 * 60 + 5)
    before = snapshot(db)
    forbidden(post(browser, f"/comments/{said['id']}/edit", {"text": "Meet at 6"}),
              "You can change a comment for 10 minutes after posting it.")
    assert snapshot(db) == before
    # The page no longer offers to change it; deleting is still there.
    mine = page(browser.get(f"/campaigns/{campaign.id}")).select_one(f"#comment-{said['id']}")
    assert mine.select_one(".edit-comment") is None
    assert mine.select_one(".delete-comment") is not None


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_nobody_changes_someone_elses_comment(as_user, db, sam, campaign, action):
    said = say(db, sam, campaign, "Mine")
    before = snapshot(db)
    doing = "change" if action == "edit" else "delete"
    for who in ("jade", "worker"):
        forbidden(post(as_user(who), f"/comments/{said['id']}/{action}", {"text": "Ha"}),
                  f"You can only {doing} your own comments.")
    not_found(post(as_user("olu"), f"/comments/{said['id']}/{action}", {"text": "Ha"}),
              COMMENT_MISSING)
    not_found(post(as_user("sam"), f"/comments/999999/{action}", {"text": "Ha"}),
              COMMENT_MISSING)
    assert snapshot(db) == before


def test_deleting_without_javascript_keeps_the_thread(as_user, db, riverside, sam, campaign):
    said = say(db, sam, campaign, "Regret this")
    say(db, riverside["young"], campaign, "What?", parent=said)
    browser = as_user("sam")
    response = post(browser, f"/comments/{said['id']}/delete")
    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}#comment-{said['id']}"
    soup = page(browser.get(f"/campaigns/{campaign.id}"))
    assert thread_texts(soup) == [("Comment deleted", ["What?"])]
    gone = soup.select_one(f"#comment-{said['id']}")
    assert "deleted" in gone["class"]
    assert gone.select_one(".own-actions, .reactions, .author") is None
    assert "Regret this" not in soup.get_text()


def test_deleting_with_htmx_answers_with_the_deleted_comment(as_user, db, sam, campaign):
    said = say(db, sam, campaign, "Regret this")
    response = hx_post(as_user("sam"), f"/comments/{said['id']}/delete")
    assert response.status_code == 200
    article = fragment(response).select_one(f"article#comment-{said['id']}")
    assert text(article, ".comment-text") == "Comment deleted"
    assert [kind for kind, _ in events_of(db, campaign)][-1] == "comment.deleted"


# ---------------------------------------------------------------- reactions


def test_reacting_without_javascript(as_user, db, sam, campaign):
    said = say(db, sam, campaign, "Petition?")
    browser = as_user("jade")
    response = post(browser, f"/comments/{said['id']}/react", {"kind": "idea"})
    assert response.status_code == 303
    assert location(response) == f"/campaigns/{campaign.id}#comment-{said['id']}"
    assert reactions_said(page(browser.get(f"/campaigns/{campaign.id}")), said["id"])[4] == (
        "Good idea, 1")


def test_reacting_with_htmx_toggles_and_answers_with_the_counts(as_user, db, sam, campaign):
    said = say(db, sam, campaign, "Petition?")
    browser = as_user("jade")
    response = hx_post(browser, f"/comments/{said['id']}/react", {"kind": "agree"})
    assert response.status_code == 200
    soup = fragment(response)
    assert reactions_said(soup, said["id"]) == [
        "Agree, 1", "Love it, 0", "Funny, 0", "Wow, 0", "Good idea, 0"]
    assert soup.select_one(f"#reactions-{said['id']}").has_attr("hx-swap-oob") is False
    response = hx_post(browser, f"/comments/{said['id']}/react", {"kind": "agree"})
    assert reactions_said(fragment(response), said["id"])[0] == "Agree, 0"
    assert [kind for kind, _ in events_of(db, campaign)] == [
        "comment.created", "reaction.changed", "reaction.changed"]


def test_reacting_is_checked(as_user, db, riverside, sam, campaign, make_user):
    said = say(db, sam, campaign, "Petition?")
    make_user(riverside["org"], "dev", "young_person", "13_15")
    before = snapshot(db)
    response = post(as_user("jade"), f"/comments/{said['id']}/react", {"kind": "angry"})
    assert response.status_code == 422
    assert text(page(response), "main p") == ("Choose one of the reactions: Agree, Love it, "
                                              "Funny, Wow, Good idea.")
    forbidden(post(as_user("dev"), f"/comments/{said['id']}/react", {"kind": "agree"}),
              JOIN_FIRST)
    not_found(post(as_user("olu"), f"/comments/{said['id']}/react", {"kind": "agree"}),
              COMMENT_MISSING)
    assert snapshot(db) == before


def test_an_archived_campaign_takes_no_more_reactions(as_user, db, riverside, sam, campaign):
    said = say(db, sam, campaign, "Petition?")
    archive(db, riverside["worker"], campaign)
    forbidden(post(as_user("sam"), f"/comments/{said['id']}/react", {"kind": "agree"}),
              "This campaign is archived, so its discussion is closed.")


# ---------------------------------------------------------------- hostile words


def test_hostile_words_are_shown_as_typed_with_only_safe_links(as_user, db, sam, campaign):
    browser = as_user("sam")
    assert post(browser, f"/campaigns/{campaign.id}/comments",
                {"text": HOSTILE}).status_code == 303
    soup = page(browser.get(f"/campaigns/{campaign.id}"))
    shown = soup.select_one("#comments .comment-text")
    assert shown.get_text() == HOSTILE
    assert [child.name for child in shown.find_all(True)] == ["a", "a"]
    assert [(a["href"], a.get_text()) for a in shown.find_all("a")] == [
        ('https://example.org/a?b=1&c=', 'https://example.org/a?b=1&c='),
        ("https://www.example.org", "www.example.org")]
    assert all(a["rel"] == ["nofollow", "noopener", "noreferrer", "ugc"]
               for a in shown.find_all("a"))
    assert soup.select("#discussion script, #discussion img") == []
    # The same words sit safely in the change form.
    assert textarea_of(soup, ".edit-comment textarea") == HOSTILE


# ---------------------------------------------------------------- what the websocket pushes


def draw(app, db, campaign: Campaign, kind: str) -> BeautifulSoup:
    """The newest event of this kind, drawn as every open page receives it."""
    with db.read() as session:
        row = session.exec(select(Event).where(Event.campaign_id == campaign.id,
                                               Event.kind == kind)
                           .order_by(col(Event.id).desc())).first()
    assert row is not None
    drawn = PageRenderer(app.state.runtime.templates)(LiveEvent.from_row(row))
    assert drawn is not None
    soup = BeautifulSoup(drawn, "html.parser")
    cursor = soup.select_one("#live-cursor")
    assert cursor["data-event"] == str(row.id)
    # The same for everyone: no CSRF token, nobody's own comment.
    assert csrf_fields(soup) == []
    assert soup.select(".mine") == []
    return soup


def test_a_new_comment_is_pushed_as_a_thread_and_a_reply_into_its_thread(app, db, riverside,
                                                                          sam, campaign):
    top = say(db, sam, campaign, "New thread https://example.org")
    soup = draw(app, db, campaign, "comment.created")
    delete, add = soup.select("[hx-swap-oob]")[1:]
    assert delete["hx-swap-oob"] == f"delete:#thread-{top['id']}"
    assert add["hx-swap-oob"] == "beforeend:#comments"
    (thread,) = add.find_all("li", recursive=False)
    assert thread["id"] == f"thread-{top['id']}"
    assert thread_texts(add) == [("New thread https://example.org", [])]
    assert thread.select_one(f"ol#replies-{top['id']}") is not None
    reply_form = thread.select_one(f"#reply-form-{top['id']} form")
    assert reply_form["hx-post"] == reply_form["action"] == (
        f"/campaigns/{campaign.id}/comments")
    assert reply_form["method"] == "post"

    reply = say(db, riverside["young"], campaign, "A reply", parent=top)
    soup = draw(app, db, campaign, "comment.created")
    delete, add = soup.select("[hx-swap-oob]")[1:]
    assert delete["hx-swap-oob"] == f"delete:#reply-{reply['id']}"
    assert add["hx-swap-oob"] == f"beforeend:#replies-{top['id']}"
    (item,) = add.find_all("li", recursive=False)
    assert item["id"] == f"reply-{reply['id']}"
    assert text(item, ".comment-text") == "A reply"
    assert item.select_one(".reply-form, ol") is None


def test_a_pushed_comment_looks_exactly_like_the_one_on_the_page(app, as_user, db, sam,
                                                                  campaign):
    said = say(db, sam, campaign, HOSTILE)
    browser = as_user("sam")
    hx_post(browser, f"/comments/{said['id']}/edit", {"text": HOSTILE + " (fixed)"})
    pushed = draw(app, db, campaign, "comment.edited").select_one(f"#comment-{said['id']}")
    assert pushed["hx-swap-oob"] == "true"
    assert pushed.find_parent("li") is None  # only the comment, never its thread

    shown = page(browser.get(f"/campaigns/{campaign.id}")).select_one(f"#comment-{said['id']}")
    # The page adds only what is the viewer's own: `mine`, and the CSRF field in each form.
    for field in csrf_fields(shown):
        field.decompose()
    shown["class"] = [c for c in shown["class"] if c != "mine"]
    del pushed["hx-swap-oob"]
    assert normalised(shown) == normalised(pushed)


def normalised(tag: Tag) -> str:
    return re.sub(r">\s+<", "><", str(tag)).strip()


def test_a_deleted_comment_is_pushed_in_its_place(app, db, sam, campaign):
    said = say(db, sam, campaign, "Oops")
    with db.write() as session:
        discussion.delete_comment(session, actor=viewer_of(db, sam), comment_id=said["id"])
    soup = draw(app, db, campaign, "comment.deleted")
    (article,) = soup.select("[hx-swap-oob]")[1:]
    assert article.name == "article" and article["id"] == f"comment-{said['id']}"
    assert text(article, ".comment-text") == "Comment deleted"
    assert "Oops" not in str(soup)


def test_reactions_are_pushed_with_their_counts(app, db, riverside, sam, campaign):
    said = say(db, sam, campaign, "Petition?")
    with db.write() as session:
        discussion.react(session, actor=viewer_of(db, riverside["young"]),
                         comment_id=said["id"], kind="love")
    soup = draw(app, db, campaign, "reaction.changed")
    (box,) = soup.select("[hx-swap-oob]")[1:]
    assert box["id"] == f"reactions-{said['id']}" and box["hx-swap-oob"] == "true"
    assert reactions_said(soup, said["id"]) == [
        "Agree, 0", "Love it, 1", "Funny, 0", "Wow, 0", "Good idea, 0"]
    form = box.select_one("form")
    assert form["hx-post"] == form["action"] == f"/comments/{said['id']}/react"
    assert not any(b.has_attr("disabled") for b in box.select("button"))
