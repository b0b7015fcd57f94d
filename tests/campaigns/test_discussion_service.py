"""The discussion service: who may comment, reply and react, what bad input is told, what is
kept, and exactly which live events each change announces."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlmodel import SQLModel, col, select

from server import clock as clock_module
from server.accounts.models import User
from server.accounts.sessions import Viewer
from server.audit import AuditEntry
from server.campaigns import discussion, service
from server.campaigns.models import Campaign, CampaignMember, CampaignRole, Comment, Reaction
from server.db import Database
from server.errors import InvalidInput, NotAllowed, NotFound
from server.live.events import Event
from tests.accounts.helpers import viewer_of
from tests.campaigns.pages import archive, make_campaign, record_consent

ZEROS = {"agree": 0, "love": 0, "laugh": 0, "wow": 0, "idea": 0}
JOIN_FIRST = "Join the campaign to take part in its discussion."
NEEDS_AGREEMENT = ("A youth worker needs to record a parent's or carer's agreement before you "
                   "can take part in the discussion.")
SUSPENDED = ("Your account is suspended, so you cannot make changes. Talk to a youth worker.")
ENDED = "This campaign has ended, so its discussion is closed."
ARCHIVED = "This campaign is archived, so its discussion is closed."
MISSING = "We could not find that campaign."


@dataclass
class Room:
    """Jade's live campaign: Sam and Kai are members, the youth worker facilitates, Milo (under
    13, no agreement yet) was added, Dev is in the organisation but not the campaign, the admin
    is staff outside it, and Olu is in another organisation."""

    db: Database
    campaign: Campaign
    users: dict[str, User]
    people: dict[str, Viewer]

    @property
    def id(self) -> int:
        assert self.campaign.id is not None
        return self.campaign.id

    def __getattr__(self, name: str) -> Viewer:
        try:
            return self.__dict__["people"][name]
        except KeyError:
            raise AttributeError(name) from None

    def do(self, fn: Callable[..., Any], actor: Viewer, **kwargs: Any) -> Any:
        with self.db.write() as session:
            return fn(session, actor=actor, **kwargs)

    def read(self, fn: Callable[..., Any], actor: Viewer, **kwargs: Any) -> Any:
        with self.db.read() as session:
            return fn(session, actor=actor, **kwargs)

    def post(self, actor: Viewer, text: str = "Let's write to the bus company",
             parent: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.do(discussion.post_comment, actor, campaign_id=self.id,
                                         text=text, parent_id=parent["id"] if parent else None)
        return result

    def page(self, actor: Viewer, before: int | None = None) -> discussion.Discussion:
        found: discussion.Discussion = self.read(discussion.for_page, actor,
                                                 campaign_id=self.id, before=before)
        return found


@pytest.fixture
def room(db, riverside, make_user) -> Room:
    users = {
        "jade": riverside["young"], "milo": riverside["child"], "worker": riverside["worker"],
        "admin": riverside["admin"], "olu": riverside["outsider"],
        "sam": make_user(riverside["org"], "sam", "young_person", "13_15"),
        "kai": make_user(riverside["org"], "kai", "young_person", "16_17"),
        "dev": make_user(riverside["org"], "dev", "young_person", "13_15"),
    }
    campaign = make_campaign(db, users["jade"])
    with db.write() as session:
        service.join(session, actor=viewer_of(db, users["sam"]), code=campaign.join_code)
        service.join(session, actor=viewer_of(db, users["kai"]), code=campaign.join_code)
        service.join_as_facilitator(session, actor=viewer_of(db, users["worker"]),
                                    campaign_id=campaign.id)
        session.add(CampaignMember(campaign_id=campaign.id, user_id=users["milo"].id,
                                   role=CampaignRole.member))
    return Room(db, campaign, users, {name: viewer_of(db, user) for name, user in users.items()})


def events_of(db: Database, campaign_id: int) -> list[tuple[str, dict[str, Any]]]:
    with db.read() as session:
        return [(e.kind, json.loads(e.data)) for e in session.exec(
            select(Event).where(Event.campaign_id == campaign_id).order_by(col(Event.id)))]


def new_events(room: Room, run: Callable[[], Any]) -> list[tuple[str, dict[str, Any]]]:
    """The events announced while `run` ran."""
    before = len(events_of(room.db, room.id))
    run()
    return events_of(room.db, room.id)[before:]


def snapshot(db: Database) -> dict[str, list[dict[str, Any]]]:
    tables: list[type[SQLModel]] = [Comment, Reaction, Event, AuditEntry]
    with db.read() as session:
        return {table.__name__: [row.model_dump() for row in session.exec(
            select(table).order_by(col(table.id)))]  # type: ignore[attr-defined]
            for table in tables}


def refused(room: Room, error: type[Exception], fn: Callable[..., Any], actor: Viewer,
            **kwargs: Any) -> Any:
    """Calls fn expecting `error`, and checks that nothing at all changed."""
    before = snapshot(room.db)
    with pytest.raises(error) as caught:
        room.do(fn, actor, **kwargs)
    assert snapshot(room.db) == before
    return caught.value


def audits(db: Database, campaign_id: int
           ) -> list[tuple[int | None, str, int | None, int | None]]:
    with db.read() as session:
        return [(a.actor_id, a.action, a.target_user_id, a.comment_id) for a in session.exec(
            select(AuditEntry).where(AuditEntry.campaign_id == campaign_id,
                                     col(AuditEntry.action).startswith("comment."))
            .order_by(col(AuditEntry.id)))]


def stored(db: Database, comment_id: int) -> Comment:
    with db.read() as session:
        found = session.get(Comment, comment_id)
    assert found is not None
    return found


def texts(found: discussion.Discussion) -> list[tuple[str, list[str]]]:
    return [(t.comment["text"], [r["text"] for r in t.replies]) for t in found.threads]


def suspend(db: Database, user: User) -> None:
    with db.write() as session:
        found = session.get(User, user.id)
        assert found is not None
        found.suspended_at = clock_module.now()
        found.suspended_reason = "testing"
        session.add(found)


# ---------------------------------------------------------------- posting


def test_a_member_posts_a_comment_and_everyone_is_told(room, clock):
    posted_at = clock_module.now()
    data = room.post(room.sam, "  Let's write to the bus company\r\nThey answer emails  ")

    assert data == {
        "id": data["id"], "campaign_id": room.id, "parent_id": None,
        "author_id": room.sam.user_id, "author_name": "Sam",
        "text": "Let's write to the bus company\nThey answer emails",
        "created_at": data["created_at"], "editable_until": data["editable_until"],
        "edited": False, "deleted": False, "state": "shown", "reactions": ZEROS,
    }
    created = datetime.fromisoformat(data["created_at"])
    assert abs((created - posted_at).total_seconds()) < 5
    assert datetime.fromisoformat(data["editable_until"]) - created == discussion.EDIT_WINDOW
    # Exactly one event, carrying the same data; posting writes no audit entry.
    assert events_of(room.db, room.id)[-1] == ("comment.created", {"comment": data})
    assert [kind for kind, _ in events_of(room.db, room.id)] == ["comment.created"]
    assert audits(room.db, room.id) == []
    assert stored(room.db, data["id"]).text == "Let's write to the bus company\nThey answer emails"


@pytest.mark.parametrize("who", ["jade", "worker", "kai"])
def test_leads_facilitators_and_members_all_take_part(room, who):
    data = room.post(room.people[who], f"From {who}")
    assert data["author_id"] == room.people[who].user_id
    assert texts(room.page(room.sam)) == [(f"From {who}", [])]


def test_everyone_who_may_see_the_campaign_reads_the_discussion(room):
    room.post(room.sam, "First!")
    for who in ("jade", "sam", "worker", "admin", "dev", "milo"):
        assert texts(room.page(room.people[who])) == [("First!", [])], who
    error = refused(room, NotFound, discussion.for_page, room.olu, campaign_id=room.id)
    assert error.message == MISSING


def test_a_page_says_who_may_post_and_which_comments_they_may_still_change(room, clock):
    mine = room.post(room.sam, "Mine")
    theirs = room.post(room.kai, "Theirs")
    page = room.page(room.sam)
    assert (page.may_post, page.why_not, page.title) == (True, "", room.campaign.title)
    assert page.editable == {mine["id"]}
    clock.advance(11 * 60)
    assert room.page(room.sam).editable == frozenset()
    assert room.page(room.kai).editable == frozenset()
    assert theirs["id"] not in page.editable


# ---------------------------------------------------------------- replies


def test_replies_go_one_level_deep(room):
    top = room.post(room.jade, "Who can come on Friday?")
    reply = room.post(room.sam, "Me", parent=top)
    assert reply["parent_id"] == top["id"]
    # Replying to a reply puts the new reply in the same thread, under the top-level comment.
    deeper = room.post(room.kai, "Me too", parent=reply)
    assert deeper["parent_id"] == top["id"]
    other = room.post(room.kai, "Separate thing")

    page = room.page(room.worker)
    assert texts(page) == [("Who can come on Friday?", ["Me", "Me too"]),
                           ("Separate thing", [])]
    assert [r["author_name"] for r in page.threads[0].replies] == ["Sam", "Kai"]
    assert page.threads[1].comment["id"] == other["id"]
    assert [kind for kind, _ in events_of(room.db, room.id)] == ["comment.created"] * 4
    assert events_of(room.db, room.id)[2] == ("comment.created", {"comment": deeper})


def test_a_reply_needs_a_comment_in_this_campaign_that_is_still_there(room, db):
    other_campaign = make_campaign(db, room.users["sam"], title="Another campaign")
    elsewhere = room.do(discussion.post_comment, room.sam, campaign_id=other_campaign.id,
                        text="Over here")
    top = room.post(room.jade, "Hello")
    room.do(discussion.delete_comment, room.jade, comment_id=top["id"])

    for parent_id in (999_999, elsewhere["id"]):
        error = refused(room, NotFound, discussion.post_comment, room.sam, campaign_id=room.id,
                        text="Hi", parent_id=parent_id)
        assert error.message == "We could not find the comment you are replying to."
    error = refused(room, InvalidInput, discussion.post_comment, room.sam, campaign_id=room.id,
                    text="Hi", parent_id=top["id"])
    assert error.errors == {"parent_id": "That comment has been deleted, so it takes no more "
                                         "replies."}
    for parent_id in ("abc", True, [1]):
        error = refused(room, InvalidInput, discussion.post_comment, room.sam,
                        campaign_id=room.id, text="", parent_id=parent_id)
        assert error.errors == {"text": "Write something first.",
                                "parent_id": "Choose a comment to reply to."}


# ---------------------------------------------------------------- what can be written


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Write something first."),
    ("   \n\t  ", "Write something first."),
    (None, "Write something first."),
    ("x" * 2001, "Keep a comment to 2,000 characters or fewer (yours has 2,001)."),
    (" " + "y" * 3000 + " ", "Keep a comment to 2,000 characters or fewer (yours has 3,000)."),
    ("Hi\x00there", "Your comment has characters we cannot show."),
    ("Hi \u202eereht", "Your comment has characters we cannot show."),
])
def test_bad_text_is_refused_in_plain_words(room, typed, message):
    error = refused(room, InvalidInput, discussion.post_comment, room.sam, campaign_id=room.id,
                    text=typed)
    assert error.errors == {"text": message}


@pytest.mark.parametrize("typed", [
    "x" * 2000,
    "Family day! \N{MAN}\u200d\N{WOMAN}\u200d\N{GIRL} and \N{WAVING BLACK FLAG}"
    "\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f",
    "Line one\n\n\tIndented line two",
    "<b>not bold</b> & javascript:alert(1)",
])
def test_plain_text_up_to_the_limit_is_kept_exactly(room, typed):
    data = room.post(room.sam, typed)
    assert data["text"] == typed == stored(room.db, data["id"]).text


# ---------------------------------------------------------------- changing your own


def test_an_author_changes_their_comment_within_ten_minutes(room, clock):
    data = room.post(room.sam, "Meet at 5")
    clock.advance(9 * 60 + 30)  # the clock still runs: leave room for a slow machine
    changes = new_events(room, lambda: room.do(
        discussion.edit_comment, room.sam, comment_id=data["id"], text=" Meet at 6 "))

    edited = {**data, "text": "Meet at 6", "edited": True}
    assert changes == [("comment.edited", {"comment": edited})]
    assert stored(room.db, data["id"]).edited_at is not None
    assert audits(room.db, room.id) == [
        (room.sam.user_id, "comment.edited", room.sam.user_id, data["id"])]
    assert texts(room.page(room.kai)) == [("Meet at 6", [])]
    assert room.page(room.kai).threads[0].comment["edited"] is True


def test_after_ten_minutes_a_comment_stays_as_it_is(room, clock):
    data = room.post(room.sam, "Meet at 5")
    clock.advance(10 * 60 + 1)
    error = refused(room, NotAllowed, discussion.edit_comment, room.sam, comment_id=data["id"],
                    text="Meet at 6")
    assert error.message == "You can change a comment for 10 minutes after posting it."


def test_saving_the_same_words_changes_nothing(room):
    data = room.post(room.sam, "Meet at 5")
    before = snapshot(room.db)
    assert room.do(discussion.edit_comment, room.sam, comment_id=data["id"],
                   text="Meet at 5 ") == data
    assert snapshot(room.db) == before


def test_a_change_is_checked_like_a_new_comment(room):
    data = room.post(room.sam, "Meet at 5")
    error = refused(room, InvalidInput, discussion.edit_comment, room.sam,
                    comment_id=data["id"], text=" ")
    assert error.errors == {"text": "Write something first."}
    error = refused(room, InvalidInput, discussion.edit_comment, room.sam,
                    comment_id=data["id"], text="z" * 2001)
    assert error.errors == {"text": "Keep a comment to 2,000 characters or fewer (yours has "
                                    "2,001)."}


@pytest.mark.parametrize("who", ["jade", "worker", "admin", "kai"])
def test_nobody_changes_or_deletes_someone_elses_comment(room, who):
    data = room.post(room.sam, "Mine")
    error = refused(room, NotAllowed, discussion.edit_comment, room.people[who],
                    comment_id=data["id"], text="Not any more")
    assert error.message == "You can only change your own comments."
    error = refused(room, NotAllowed, discussion.delete_comment, room.people[who],
                    comment_id=data["id"])
    assert error.message == "You can only delete your own comments."


def test_another_organisation_cannot_find_a_comment(room):
    data = room.post(room.sam, "Mine")
    for fn, extra in ((discussion.edit_comment, {"text": "x"}),
                      (discussion.delete_comment, {}),
                      (discussion.react, {"kind": "agree"})):
        error = refused(room, NotFound, fn, room.olu, comment_id=data["id"], **extra)
        assert error.message == "We could not find that comment."
    error = refused(room, NotFound, discussion.delete_comment, room.sam, comment_id=999_999)
    assert error.message == "We could not find that comment."


def test_deleting_keeps_the_place_for_its_replies(room):
    top = room.post(room.sam, "Something I regret")
    reply = room.post(room.kai, "Hmm", parent=top)
    room.do(discussion.react, room.jade, comment_id=top["id"], kind="wow")

    changes = new_events(room, lambda: room.do(discussion.delete_comment, room.sam,
                                               comment_id=top["id"]))

    gone = {**top, "author_name": "", "text": "", "deleted": True, "reactions": ZEROS}
    assert changes == [("comment.deleted", {"comment": gone})]
    assert stored(room.db, top["id"]).text == ""
    assert stored(room.db, top["id"]).deleted_at is not None
    with room.db.read() as session:
        assert session.exec(select(Reaction)).all() == []
    assert audits(room.db, room.id) == [
        (room.sam.user_id, "comment.deleted", room.sam.user_id, top["id"])]
    page = room.page(room.kai)
    assert page.threads[0].comment == gone
    assert page.threads[0].replies == [reply]

    # A deleted comment cannot be changed or reacted to; deleting it again changes nothing.
    error = refused(room, NotAllowed, discussion.edit_comment, room.sam, comment_id=top["id"],
                    text="Back")
    assert error.message == "This comment has been deleted, so it cannot be changed."
    error = refused(room, NotAllowed, discussion.react, room.kai, comment_id=top["id"],
                    kind="agree")
    assert error.message == "This comment has been deleted, so it takes no reactions."
    before = snapshot(room.db)
    assert room.do(discussion.delete_comment, room.sam, comment_id=top["id"]) == gone
    assert snapshot(room.db) == before


def test_a_reply_can_be_deleted_on_its_own(room):
    top = room.post(room.sam, "Top")
    reply = room.post(room.kai, "Reply", parent=top)
    room.do(discussion.delete_comment, room.kai, comment_id=reply["id"])
    page = room.page(room.sam)
    assert page.threads[0].comment == top
    assert [(r["id"], r["deleted"], r["text"]) for r in page.threads[0].replies] == [
        (reply["id"], True, "")]


# ---------------------------------------------------------------- reactions


def test_reactions_toggle_with_exact_counts(room):
    data = room.post(room.sam, "Let's do a petition")

    def tap(who: str, kind: str) -> list[tuple[str, dict[str, Any]]]:
        return new_events(room, lambda: room.do(discussion.react, room.people[who],
                                                comment_id=data["id"], kind=kind))

    assert tap("kai", "agree") == [("reaction.changed", {
        "comment_id": data["id"], "reactions": {**ZEROS, "agree": 1}})]
    tap("jade", "agree")
    tap("jade", "idea")
    assert tap("sam", "love") == [("reaction.changed", {
        "comment_id": data["id"], "reactions": {**ZEROS, "agree": 2, "love": 1, "idea": 1}})]
    # The same reaction again takes it back.
    assert tap("kai", "agree") == [("reaction.changed", {
        "comment_id": data["id"], "reactions": {**ZEROS, "agree": 1, "love": 1, "idea": 1}})]
    shown = room.page(room.dev).threads[0].comment["reactions"]
    assert shown == {**ZEROS, "agree": 1, "love": 1, "idea": 1}
    assert list(shown) == ["agree", "love", "laugh", "wow", "idea"]


def test_a_reaction_must_be_one_of_the_set(room):
    data = room.post(room.sam, "Hi")
    for kind in ("", "angry", "AGREE", None, 3):
        error = refused(room, InvalidInput, discussion.react, room.kai, comment_id=data["id"],
                        kind=kind)
        assert error.errors == {"kind": "Choose one of the reactions: Agree, Love it, Funny, "
                                        "Wow, Good idea."}


def test_the_same_reaction_twice_at_once_is_kept_once(room, db):
    data = room.post(room.sam, "Hi")
    with db.write() as session:
        session.add(Reaction(comment_id=data["id"], user_id=room.kai.user_id, kind="agree"))
        # A second tap arriving in the same moment as the first still sees no row of its own:
        # the unique constraint keeps one.
        original = session.exec
        calls = []

        def blind(statement: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(statement, *args, **kwargs)
            if not calls and "FROM reaction" in str(statement) and "count" not in str(statement):
                calls.append(statement)
                return _Nothing()
            return result

        session.exec = blind  # type: ignore[method-assign]
        discussion.react(session, actor=room.kai, comment_id=data["id"], kind="agree")
    with db.read() as session:
        assert len(session.exec(select(Reaction)).all()) == 1
    assert events_of(db, room.id)[-1] == (
        "reaction.changed", {"comment_id": data["id"], "reactions": {**ZEROS, "agree": 1}})


class _Nothing:
    def first(self) -> None:
        return None


# ---------------------------------------------------------------- pages of history


def test_history_comes_in_pages_of_twenty_threads(room):
    made = [room.post(room.sam if n % 2 else room.kai, f"Comment {n}") for n in range(1, 26)]
    room.post(room.jade, "A reply on an old thread", parent=made[2])
    room.post(room.jade, "A reply on a new thread", parent=made[20])

    newest = room.page(room.dev)
    assert [t.comment["text"] for t in newest.threads] == [f"Comment {n}" for n in range(6, 26)]
    assert newest.threads[15].replies[0]["text"] == "A reply on a new thread"
    assert newest.older is True
    assert newest.before == made[5]["id"]

    older = room.page(room.dev, before=newest.before)
    assert [t.comment["text"] for t in older.threads] == [f"Comment {n}" for n in range(1, 6)]
    assert older.threads[2].replies[0]["text"] == "A reply on an old thread"
    assert older.older is False
    assert older.before == made[0]["id"]
    assert room.page(room.dev, before=made[0]["id"]).threads == []


def test_exactly_one_page_has_nothing_older(room):
    for n in range(discussion.PAGE):
        room.post(room.sam, f"Comment {n}")
    assert room.page(room.sam).older is False
    room.post(room.sam, "One more")
    assert room.page(room.sam).older is True


# ---------------------------------------------------------------- who may not take part


def _dev(room: Room) -> Viewer:
    return room.dev


def _staff_outside(room: Room) -> Viewer:
    return room.admin


def _milo(room: Room) -> Viewer:
    return room.milo


def _suspended(room: Room) -> Viewer:
    suspend(room.db, room.users["kai"])
    return room.kai


def _ended(room: Room) -> Viewer:
    room.do(service.end_campaign, room.jade, campaign_id=room.id, outcome="achieved",
            statement="The bus now comes at 8:10.")
    return room.kai


def _archived(room: Room) -> Viewer:
    archive(room.db, room.users["worker"], room.campaign)
    return room.kai


def _removed(room: Room) -> Viewer:
    room.do(service.remove_member, room.jade, campaign_id=room.id, user_id=room.kai.user_id)
    return room.kai


REFUSALS = [
    (_dev, JOIN_FIRST),
    (_staff_outside, "Join the campaign as a facilitator to take part in its discussion."),
    (_milo, NEEDS_AGREEMENT),
    (_suspended, SUSPENDED),
    (_ended, ENDED),
    (_archived, ARCHIVED),
    (_removed, "You were removed from this campaign, so you cannot take part in its "
               "discussion."),
]


@pytest.mark.parametrize(("setup", "words"), REFUSALS)
def test_who_cannot_take_part_is_told_why_and_nothing_changes(room, setup, words):
    top = room.post(room.sam, "Anyone?")
    who = setup(room)
    actions: list[tuple[Callable[..., Any], dict[str, Any]]] = [
        (discussion.post_comment, {"campaign_id": room.id, "text": "Me!"}),
        (discussion.post_comment, {"campaign_id": room.id, "text": "Me!",
                                   "parent_id": top["id"]}),
        (discussion.post_comment, {"campaign_id": room.id, "text": ""}),
        (discussion.react, {"comment_id": top["id"], "kind": "agree"}),
        (discussion.react, {"comment_id": top["id"], "kind": "nope"}),
    ]
    for fn, kwargs in actions:
        error = refused(room, NotAllowed, fn, who, **kwargs)
        assert error.message == words
    # Their page says so instead of showing the form.
    page = room.page(who)
    assert (page.may_post, page.why_not, page.editable) == (False, words, frozenset())
    assert texts(page) == [("Anyone?", [])]


def test_an_under_13_takes_part_once_a_parent_has_agreed(room):
    record_consent(room.db, room.users["worker"], room.users["milo"])
    milo = viewer_of(room.db, room.users["milo"])
    data = room.post(milo, "Can I come too?")
    assert data["author_name"] == "Milo"
    assert room.page(milo).may_post is True


def test_another_organisation_cannot_post_or_read(room):
    for fn, kwargs in ((discussion.post_comment, {"text": "Hi"}), (discussion.for_page, {})):
        error = refused(room, NotFound, fn, room.olu, campaign_id=room.id, **kwargs)
        assert error.message == MISSING
    error = refused(room, NotFound, discussion.post_comment, room.sam, campaign_id=999_999,
                    text="Hi")
    assert error.message == MISSING


def test_once_a_campaign_ends_its_comments_stay_but_can_only_be_deleted(room):
    data = room.post(room.sam, "Thanks everyone")
    _ended(room)
    assert texts(room.page(room.dev)) == [("Thanks everyone", [])]
    error = refused(room, NotAllowed, discussion.edit_comment, room.sam, comment_id=data["id"],
                    text="Thanks all")
    assert error.message == ENDED
    # The words are theirs: they can still take them back.
    assert room.do(discussion.delete_comment, room.sam, comment_id=data["id"])["deleted"]


def test_a_suspended_author_cannot_delete_or_change_either(room):
    data = room.post(room.kai, "Mine")
    suspend(room.db, room.users["kai"])
    for fn, extra in ((discussion.edit_comment, {"text": "x"}),
                      (discussion.delete_comment, {})):
        error = refused(room, NotAllowed, fn, room.kai, comment_id=data["id"], **extra)
        assert error.message == SUSPENDED
