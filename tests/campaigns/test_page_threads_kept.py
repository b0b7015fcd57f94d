"""The campaign page keeps each discussion thread it draws (server/campaigns/fragments.py) for
the next page: what people see must be exactly what a fresh drawing shows, for everyone, after
any change, with each page's own CSRF token and submission ids."""

import re

import pytest
from bs4 import BeautifulSoup, Tag
from sqlmodel import select
from starlette.testclient import TestClient

from server import clock
from server.campaigns import discussion, fragments
from server.campaigns.models import Campaign, CampaignMember
from server.moderation import comments as moderation
from server.privacy import service as privacy
from tests.accounts.helpers import text, viewer_of
from tests.campaigns.pages import say, section_of, without_ids
from tests.campaigns.pages import thread_cache as kept
from tests.conftest import csrf_token, page


def discussion_of(browser: TestClient, campaign: Campaign) -> Tag:
    return section_of(browser, campaign, "#discussion")


def comment_words(section: Tag, comment_id: int) -> str:
    return text(section, f"#comment-{comment_id} .comment-text")


def reactions_said(section: Tag, comment_id: int) -> list[str]:
    box = section.select_one(f"#reactions-{comment_id}")
    assert box is not None
    return [b.select_one(".visually-hidden").get_text() for b in box.select("button")]


def test_a_kept_page_is_the_page_drawn_afresh(app, as_user, db, riverside, sam, campaign):
    first = say(db, sam, campaign, "Who is coming on Friday?")
    say(db, riverside["young"], campaign, "Me!", parent=first)
    say(db, riverside["young"], campaign, "I wrote to the council")
    browser = as_user("jade")
    kept(app).clear()
    fresh = browser.get(f"/campaigns/{campaign.id}").text
    drawn = kept(app).drawn
    again = browser.get(f"/campaigns/{campaign.id}").text
    assert kept(app).drawn == drawn  # nothing drawn again
    # The same page, bar the times of "last seen", with new ids for each form.
    assert without_ids(again) == without_ids(fresh)
    ids = [re.findall(r'name="client_op_id" value="([^"]*)"', html) for html in (fresh, again)]
    assert len(ids[0]) == len(ids[1]) == 3  # the new comment form and two reply forms
    assert len(set(ids[0] + ids[1])) == 6  # never the same id twice
    assert "<sv-" not in again


def test_two_people_never_see_each_others_token_or_own_marks(app, as_user, db, riverside,
                                                             sam, campaign):
    said = say(db, sam, campaign, "Bring snacks")
    jade, sams = as_user("jade"), as_user("sam")
    tokens = {"jade": csrf_token(jade), "sam": csrf_token(sams)}
    assert tokens["jade"] != tokens["sam"]
    for who, browser in (("sam", sams), ("jade", jade), ("sam", sams), ("jade", jade)):
        html = browser.get(f"/campaigns/{campaign.id}").text
        soup = BeautifulSoup(html, "html.parser")
        section = soup.select_one("#discussion")
        assert section is not None
        fields = {f["value"] for f in section.select('input[name="csrf_token"]')}
        assert fields == {tokens[who]}, who
        other = tokens["jade" if who == "sam" else "sam"]
        assert other not in html
        comment = section.select_one(f"#comment-{said['id']}")
        assert ("mine" in comment["class"]) == (who == "sam")
        has_edit = comment.select_one("form[action$='/edit']") is not None
        assert has_edit == (who == "sam")


def test_a_changed_comment_is_drawn_afresh(as_user, db, riverside, sam, campaign):
    said = say(db, sam, campaign, "Meet at 5")
    browser = as_user("jade")
    assert comment_words(discussion_of(browser, campaign), said["id"]) == "Meet at 5"
    with db.write() as session:
        discussion.edit_comment(session, actor=viewer_of(db, sam), comment_id=said["id"],
                                text="Meet at 6")
    section = discussion_of(browser, campaign)
    assert comment_words(section, said["id"]) == "Meet at 6"
    assert text(section, f"#comment-{said['id']} .edited") == "(edited)"


def test_a_hidden_comment_is_drawn_afresh_for_everyone(as_user, db, riverside, sam, campaign):
    said = say(db, sam, campaign, "Something unkind")
    jade, sams = as_user("jade"), as_user("sam")
    for browser in (jade, sams):
        assert comment_words(discussion_of(browser, campaign), said["id"]) == "Something unkind"
    with db.write() as session:
        moderation.hide_comment(session, actor=viewer_of(db, riverside["worker"]),
                                comment_id=said["id"], reason="Unkind")
    section = discussion_of(jade, campaign)
    assert comment_words(section, said["id"]) == "A youth worker hid this comment."
    assert "Something unkind" not in str(section)
    assert section.select_one(f"#comment-{said['id']} .author") is None
    # Its author still sees their words, marked.
    section = discussion_of(sams, campaign)
    assert comment_words(section, said["id"]) == "Something unkind"
    assert text(section, f"#comment-{said['id']} .held-note") == (
        "A youth worker hid this comment. Only you can see it.")


def test_a_deleted_comment_is_drawn_afresh(as_user, db, riverside, sam, campaign):
    said = say(db, sam, campaign, "Oops, wrong campaign")
    browser = as_user("jade")
    assert comment_words(discussion_of(browser, campaign), said["id"]) == "Oops, wrong campaign"
    with db.write() as session:
        discussion.delete_comment(session, actor=viewer_of(db, sam), comment_id=said["id"])
    section = discussion_of(browser, campaign)
    assert comment_words(section, said["id"]) == "Comment deleted"
    assert "Oops" not in str(section)


def test_an_erased_authors_comment_is_drawn_afresh(as_user, db, riverside, sam, campaign):
    said = say(db, sam, campaign, "See you there")
    browser = as_user("jade")
    assert text(discussion_of(browser, campaign), f"#comment-{said['id']} .author") == "Sam"
    with db.write() as session:
        privacy.erase(session, user_id=sam.id, org_id=riverside["org"].id,
                      actor_id=riverside["admin"].id, reason="Asked to be forgotten")
    section = discussion_of(browser, campaign)
    assert "Sam" not in [a.get_text() for a in section.select(".author")]
    assert "See you there" not in str(section)


def test_a_new_reaction_is_counted_at_once(as_user, db, riverside, sam, campaign):
    said = say(db, sam, campaign, "Shall we vote?")
    browser = as_user("jade")
    assert reactions_said(discussion_of(browser, campaign), said["id"])[0] == "Agree, 0"
    with db.write() as session:
        discussion.react(session, actor=viewer_of(db, riverside["young"]),
                         comment_id=said["id"], kind="agree")
    assert reactions_said(discussion_of(browser, campaign), said["id"])[0] == "Agree, 1"
    with db.write() as session:
        discussion.react(session, actor=viewer_of(db, riverside["young"]),
                         comment_id=said["id"], kind="agree")
    assert reactions_said(discussion_of(browser, campaign), said["id"])[0] == "Agree, 0"


def test_each_language_gets_its_own_drawing(as_user, db, riverside, sam, campaign):
    said = say(db, sam, campaign, "Helo pawb")
    browser = as_user("jade")
    assert reactions_said(discussion_of(browser, campaign), said["id"])[0] == "Agree, 0"
    browser.cookies.set("sv_lang", "cy")
    assert reactions_said(discussion_of(browser, campaign), said["id"])[0] == "Cytuno, 0"
    browser.cookies.set("sv_lang", "en")
    assert reactions_said(discussion_of(browser, campaign), said["id"])[0] == "Agree, 0"


def test_the_change_form_goes_once_the_window_has_passed(clock, as_user, db, riverside, sam,
                                                         campaign):
    said = say(db, sam, campaign, "Typo here")
    browser = as_user("sam")
    selector = f"#comment-{said['id']} form[action$='/edit']"
    assert discussion_of(browser, campaign).select_one(selector) is not None
    clock.advance((discussion.EDIT_WINDOW.total_seconds()) + 60)
    # Jade's page first: the comment is not hers, and Sam may no longer change it either.
    theirs = discussion_of(as_user("jade"), campaign).select_one(f"#comment-{said['id']}")
    assert "mine" not in theirs["class"]
    section = discussion_of(browser, campaign)
    assert section.select_one(selector) is None
    mine = section.select_one(f"#comment-{said['id']}")
    assert "mine" in mine["class"]
    assert mine.select_one("form[action$='/delete']") is not None


@pytest.mark.parametrize("who", ["worker", "peer", "jade"])
def test_moderators_and_young_people_each_get_their_own_page(as_user, db, riverside, sam,
                                                             campaign, who):
    said = say(db, sam, campaign, "Is anyone free?")
    if who == "peer":
        with db.write() as session:
            row = session.exec(select(CampaignMember).where(
                CampaignMember.campaign_id == campaign.id,
                CampaignMember.user_id == riverside["young"].id)).one()
            row.peer_moderator_at = clock.now()
            session.add(row)
    # Jade's page is drawn first, then the page of the one asked about.
    discussion_of(as_user("jade"), campaign)
    browser = as_user("worker" if who == "worker" else "jade")
    response = browser.get(f"/campaigns/{campaign.id}")
    soup = page(response)
    box = soup.select_one(".campaign-page")
    expected = {"worker": "staff", "peer": "peer", "jade": None}[who]
    assert box.get("data-moderates") == expected
    comment = soup.select_one(f"#comment-{said['id']}")
    assert comment_words(soup.select_one("#discussion"), said["id"]) == "Is anyone free?"
    assert comment.select_one(".mod-actions form[action$='/hold']") is not None
    assert "mine" not in comment["class"]
    if who == "worker":
        # A youth worker who has not joined reads but cannot take part.
        assert all(b.has_attr("disabled") for b in comment.select(".reactions button"))
        assert soup.select_one(f"#reply-form-{said['id']}") is None
    else:
        assert not any(b.has_attr("disabled") for b in comment.select(".reactions button"))
        assert soup.select_one(f"#reply-form-{said['id']}") is not None


def test_only_so_many_threads_are_kept(as_user, db, riverside, sam, campaign,
                                       monkeypatch):
    """The kept threads are bounded, by count and by size, and a page is right either way."""
    small = fragments.ThreadCache(size=2, chars=40_000)
    monkeypatch.setattr(fragments, "cache_of", lambda templates: small)
    said = [say(db, sam, campaign, f"Idea number {n}") for n in range(4)]
    browser = as_user("jade")
    for _ in range(2):
        section = discussion_of(browser, campaign)
        assert [comment_words(section, s["id"]) for s in said] == [
            f"Idea number {n}" for n in range(4)]
        assert len(small.kept) <= 2 and small.kept_chars <= 40_000
    small.chars = 10  # nothing fits: every thread is drawn each time
    drawn = small.drawn
    section = discussion_of(browser, campaign)
    assert [comment_words(section, s["id"]) for s in said] == [
        f"Idea number {n}" for n in range(4)]
    assert small.drawn == drawn + 4 and not small.kept
