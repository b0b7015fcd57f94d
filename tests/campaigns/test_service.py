"""The campaign service: who may do what, what bad input is told, and what is kept."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import SQLModel, col, select

from server import clock as clock_module
from server.accounts.codes import ALPHABET
from server.accounts.models import Member, User
from server.accounts.sessions import Viewer
from server.audit import AuditEntry
from server.campaigns import service
from server.campaigns.models import (
    Campaign,
    CampaignMember,
    CampaignRole,
    FeedItem,
    FeedKind,
    MeasureReading,
    PlanStep,
    Stakeholder,
    Status,
)
from server.db import Database
from server.errors import InvalidInput, NotAllowed, NotFound
from tests.accounts.helpers import viewer_of

LOOK_ALIKES = set("0O1IL5S2Z8B")


@dataclass
class Club:
    """Riverside's people as the service sees them, and a second organisation."""

    db: Database
    users: dict[str, User]
    jade: Viewer  # 16-17, starts campaigns
    kai: Viewer
    sam: Viewer
    milo: Viewer  # under 13, no consent yet
    worker: Viewer
    admin: Viewer
    olu: Viewer  # a young person in Hillside School
    hilda: Viewer  # a youth worker in Hillside School

    def do(self, fn: Callable[..., Any], actor: Viewer, **kwargs: Any) -> Any:
        with self.db.write() as session:
            return fn(session, actor=actor, **kwargs)

    def read(self, fn: Callable[..., Any], actor: Viewer, **kwargs: Any) -> Any:
        with self.db.read() as session:
            return fn(session, actor=actor, **kwargs)


@pytest.fixture
def club(db, riverside, make_user) -> Club:
    users = {
        "jade": riverside["young"], "milo": riverside["child"], "worker": riverside["worker"],
        "admin": riverside["admin"], "olu": riverside["outsider"],
        "hilda": riverside["other_worker"],
        "kai": make_user(riverside["org"], "kai", "young_person", "13_15"),
        "sam": make_user(riverside["org"], "sam", "young_person", "18_25"),
    }
    return Club(db=db, users=users, **{name: viewer_of(db, user) for name, user in users.items()})


def in_days(days: int) -> str:
    return (clock_module.now().date() + timedelta(days=days)).isoformat()


def full_goal(**overrides: Any) -> dict[str, Any]:
    goal = {
        "title": "Safe to college", "issue": "The walk to college is dark and the bus is late.",
        "deadline": in_days(60), "exact": "Route 7 runs a bus at 8:10 that gets us in on time.",
        "measure_what": "students who feel safe getting to college", "measure_unit": "students",
        "measure_target": "40", "measure_current": "3",
    }
    goal.update(overrides)
    return goal


def draft(club: Club, lead: Viewer | None = None, **overrides: Any) -> Campaign:
    return club.do(service.create_campaign, lead or club.jade, data=full_goal(**overrides),
                   steps=["Write to the course manager"])


def live(club: Club, lead: Viewer | None = None, **overrides: Any) -> Campaign:
    campaign = draft(club, lead, **overrides)
    return club.do(service.go_live, lead or club.jade, campaign_id=campaign.id)


def joined(club: Club, campaign: Campaign, *people: Viewer) -> None:
    for person in people:
        club.do(service.join, person, code=campaign.join_code)


def snapshot(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every campaign row and audit entry, to show that a refused change changed nothing."""
    tables: list[type[SQLModel]] = [Campaign, CampaignMember, PlanStep, Stakeholder,
                                    MeasureReading, FeedItem, AuditEntry]
    with db.read() as session:
        return {table.__name__: [row.model_dump() for row in session.exec(
            select(table).order_by(col(table.id)))]  # type: ignore[attr-defined]
            for table in tables}


def fresh(db: Database, campaign: Campaign) -> Campaign:
    with db.read() as session:
        found = session.get(Campaign, campaign.id)
    assert found is not None
    return found


def rows(db: Database, table: type[SQLModel], **where: Any) -> list[Any]:
    with db.read() as session:
        query = select(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return list(session.exec(query.order_by(col(table.id))))  # type: ignore[attr-defined]


def audits(db: Database, campaign: Campaign) -> list[tuple[int | None, str, int | None]]:
    return [(entry.actor_id, entry.action, entry.target_user_id)
            for entry in rows(db, AuditEntry, campaign_id=campaign.id)]


def membership(db: Database, campaign: Campaign, person: Viewer) -> CampaignMember | None:
    found = rows(db, CampaignMember, campaign_id=campaign.id, user_id=person.user_id)
    return found[0] if found else None


def steps_of(db: Database, campaign: Campaign) -> list[PlanStep]:
    return rows(db, PlanStep, campaign_id=campaign.id)


def refused(club: Club, error: type[Exception], fn: Callable[..., Any], actor: Viewer,
            **kwargs: Any) -> Any:
    """Calls fn expecting `error`, and checks that nothing at all changed."""
    before = snapshot(club.db)
    with pytest.raises(error) as caught:
        club.do(fn, actor, **kwargs)
    assert snapshot(club.db) == before
    return caught.value


def suspend(db: Database, person: Viewer) -> None:
    with db.write() as session:
        user = session.get(User, person.user_id)
        assert user is not None
        user.suspended_at = clock_module.now()
        user.suspended_reason = "testing"
        session.add(user)


def record_consent(db: Database, person: Viewer) -> Viewer:
    with db.write() as session:
        member = session.exec(select(Member).where(Member.user_id == person.user_id)).one()
        member.consent_recorded_at = clock_module.now()
        session.add(member)
    with db.read() as session:
        user = session.get(User, person.user_id)
    assert user is not None
    return viewer_of(db, user)


# ---------------------------------------------------------------- drafts and going live


def test_a_draft_with_parts_missing_saves(club):
    campaign = club.do(service.create_campaign, club.jade, data={"title": "  Bus passes "})
    saved = fresh(club.db, campaign)
    assert (saved.title, saved.status, saved.join_code) == ("Bus passes", Status.draft, None)
    assert (saved.deadline, saved.exact, saved.measure_target) == (None, "", None)
    view = club.read(service.get_campaign, club.jade, campaign_id=campaign.id)
    assert view.my_role == CampaignRole.lead
    assert [p.user_id for p in view.people] == [club.jade.user_id]
    assert [letter.met for letter in view.letters] == [False, False, False, False]
    assert not view.ready
    assert [entry.item.kind for entry in view.feed] == [FeedKind.created]
    assert audits(club.db, campaign) == [(club.jade.user_id, "campaign.created", None)]


def test_a_full_draft_keeps_its_goal_plan_and_first_reading(club):
    campaign = draft(club)
    view = club.read(service.get_campaign, club.jade, campaign_id=campaign.id)
    assert view.ready
    assert view.campaign.deadline == date.fromisoformat(in_days(60))
    assert (view.campaign.measure_target, view.campaign.measure_current) == (40.0, 3.0)
    assert [(s.step.text, s.step.owner_id, s.owner_name) for s in view.steps] == [
        ("Write to the course manager", club.jade.user_id, "Jade")]
    assert [r.value for r in view.readings] == [3.0]
    assert view.progress == 0.0
    assert view.days_left == 60


def test_going_live_with_letters_missing_says_which_in_plain_words(club):
    campaign = club.do(service.create_campaign, club.jade, data={"title": "Bus passes"})
    error = refused(club, InvalidInput, service.go_live, club.jade, campaign_id=campaign.id)
    assert set(error.errors) == {"deadline", "exact", "steps", "measure_what"}
    assert "Add a date: goals need a deadline" in error.errors["deadline"]
    assert error.errors["deadline"].startswith("T:")
    assert "Say exactly what will be different" in error.errors["exact"]
    assert "Add a step to your plan" in error.errors["steps"]
    assert "Add a measure" in error.errors["measure_what"]
    assert fresh(club.db, campaign).status == Status.draft


def test_going_live_names_only_the_missing_letter(club):
    campaign = draft(club, measure_target="")
    error = refused(club, InvalidInput, service.go_live, club.jade, campaign_id=campaign.id)
    assert error.errors == {"measure_target": "M: Add a target: the number you are aiming for."}
    club.do(service.update_goal, club.jade, campaign_id=campaign.id,
            data={"measure_target": "40"})
    club.do(service.go_live, club.jade, campaign_id=campaign.id)
    assert fresh(club.db, campaign).status == Status.live


def test_going_live_sets_a_join_code_without_look_alikes(club, clock):
    codes = set()
    for n in range(12):
        campaign = live(club, title=f"Campaign {n}")
        saved = fresh(club.db, campaign)
        assert saved.status == Status.live
        assert saved.live_at is not None
        assert saved.join_code is not None
        assert len(saved.join_code) == service.JOIN_CODE_LENGTH
        assert set(saved.join_code) <= set(ALPHABET)
        assert not set(saved.join_code) & LOOK_ALIKES
        codes.add(saved.join_code)
    assert len(codes) == 12
    assert ("campaign.live" in [action for _, action, _ in audits(club.db, campaign)])


def test_only_a_lead_takes_a_draft_live_and_only_once(club):
    campaign = live(club)
    joined(club, campaign, club.kai)
    refused(club, NotAllowed, service.go_live, club.jade, campaign_id=campaign.id)
    other = draft(club, title="Another")
    with club.db.write() as session:
        session.add(CampaignMember(campaign_id=other.id, user_id=club.kai.user_id,
                                   role=CampaignRole.member))
    refused(club, NotAllowed, service.go_live, club.kai, campaign_id=other.id)


# ---------------------------------------------------------------- joining


def test_join_by_code_forgives_case_and_spaces(club):
    campaign = live(club)
    code = campaign.join_code
    typed = f"  {code[:3].lower()} - {code[3:].lower()} "
    found = club.do(service.join, club.kai, code=typed)
    assert found.id == campaign.id
    member = membership(club.db, campaign, club.kai)
    assert member is not None and member.role == CampaignRole.member
    view = club.read(service.get_campaign, club.kai, campaign_id=campaign.id)
    assert view.my_role == CampaignRole.member
    assert view.feed[0].item.kind == FeedKind.joined
    assert view.feed[0].item.text == "Kai joined as member"
    assert audits(club.db, campaign)[-1] == (club.kai.user_id, "campaign.member_added",
                                             club.kai.user_id)


def test_a_code_from_another_organisation_is_refused_like_an_unknown_code(club):
    campaign = live(club)
    other_org = refused(club, InvalidInput, service.join, club.olu, code=campaign.join_code)
    unknown = refused(club, InvalidInput, service.join, club.kai, code="XXXXXX")
    assert other_org.errors == unknown.errors == {"code": service.NO_CODE}
    assert refused(club, InvalidInput, service.join, club.kai, code=" - ").errors == {
        "code": "Type the campaign's code."}
    with pytest.raises(InvalidInput):
        club.read(service.find_by_code, club.hilda, code=campaign.join_code)


def test_the_code_of_a_draft_ended_or_archived_campaign_does_not_work(club):
    first = draft(club)
    with club.db.write() as session:  # a draft has no code; even if it had one
        row = session.get(Campaign, first.id)
        assert row is not None
        row.join_code = "QWERTY"
        session.add(row)
    assert refused(club, InvalidInput, service.join, club.kai, code="qwerty").errors == {
        "code": service.NO_CODE}
    ended = live(club, title="Ended")
    club.do(service.end_campaign, club.jade, campaign_id=ended.id, outcome="closed",
            statement="We ran out of time.")
    refused(club, InvalidInput, service.join, club.kai, code=ended.join_code)
    archived = live(club, title="Archived")
    club.do(service.set_archived, club.worker, campaign_id=archived.id, archived=True)
    refused(club, InvalidInput, service.join, club.kai, code=archived.join_code)
    club.do(service.set_archived, club.worker, campaign_id=archived.id, archived=False)
    club.do(service.join, club.kai, code=archived.join_code)
    assert membership(club.db, archived, club.kai) is not None


def test_joining_twice_is_harmless(club):
    campaign = live(club)
    joined(club, campaign, club.kai)
    before = snapshot(club.db)
    joined(club, campaign, club.kai)
    assert snapshot(club.db) == before
    assert len(rows(club.db, CampaignMember, campaign_id=campaign.id)) == 2
    # the lead using their own code is harmless too
    club.do(service.join, club.jade, code=campaign.join_code)
    assert membership(club.db, campaign, club.jade).role == CampaignRole.lead


def test_two_joins_at_the_same_moment_make_one_membership(club, monkeypatch):
    """Both requests find no membership; the database's unique constraint decides, and the
    second request still succeeds without a second row, feed item or audit entry."""
    campaign = live(club)
    joined(club, campaign, club.kai)
    before = snapshot(club.db)
    monkeypatch.setattr(service, "_membership", lambda *args: None)  # as if it had not committed

    assert club.do(service.join, club.kai, code=campaign.join_code).id == campaign.id
    assert snapshot(club.db) == before


def test_a_removed_member_cannot_rejoin_by_code_but_one_who_left_can(club):
    campaign = live(club)
    joined(club, campaign, club.kai, club.sam)
    club.do(service.remove_member, club.jade, campaign_id=campaign.id, user_id=club.kai.user_id)
    error = refused(club, NotAllowed, service.join, club.kai, code=campaign.join_code)
    assert "removed" in error.message
    assert membership(club.db, campaign, club.kai).removed_at is not None
    assert campaign.id not in [s.campaign.id for s in
                               club.read(service.my_campaigns, club.kai)]
    club.do(service.remove_member, club.sam, campaign_id=campaign.id, user_id=club.sam.user_id)
    assert membership(club.db, campaign, club.sam) is None
    joined(club, campaign, club.sam)
    assert membership(club.db, campaign, club.sam).role == CampaignRole.member


def test_an_under_13_without_consent_cannot_start_or_join(club):
    campaign = live(club)
    error = refused(club, NotAllowed, service.create_campaign, club.milo,
                    data={"title": "Longer lunch"})
    assert "parent's or carer's agreement" in error.message
    error = refused(club, NotAllowed, service.join, club.milo, code=campaign.join_code)
    assert "parent's or carer's agreement" in error.message
    milo = record_consent(club.db, club.milo)
    club.do(service.join, milo, code=campaign.join_code)
    started = club.do(service.create_campaign, milo, data={"title": "Longer lunch"})
    assert membership(club.db, started, milo).role == CampaignRole.lead


def test_staff_cannot_start_a_campaign_but_join_as_facilitators(club):
    for staff in (club.worker, club.admin):
        error = refused(club, NotAllowed, service.create_campaign, staff,
                        data={"title": "Staff idea"})
        assert "started by young people" in error.message
    campaign = live(club)
    joined(club, campaign, club.worker)
    assert membership(club.db, campaign, club.worker).role == CampaignRole.facilitator
    a_draft = draft(club, title="Still a draft")
    club.do(service.join_as_facilitator, club.admin, campaign_id=a_draft.id)
    assert membership(club.db, a_draft, club.admin).role == CampaignRole.facilitator
    assert audits(club.db, a_draft)[-1] == (club.admin.user_id, "campaign.facilitator_added",
                                            club.admin.user_id)
    joined(club, campaign, club.kai)
    refused(club, NotAllowed, service.join_as_facilitator, club.sam, campaign_id=campaign.id)


def test_a_lead_adds_a_youth_worker_but_not_a_young_person(club):
    campaign = live(club)
    club.do(service.add_facilitator, club.jade, campaign_id=campaign.id,
            user_id=str(club.worker.user_id))
    assert membership(club.db, campaign, club.worker).role == CampaignRole.facilitator
    assert [u.id for u in club.read(service.staff_to_add, club.jade, campaign_id=campaign.id)
            ] == [club.admin.user_id]
    for who in (club.kai.user_id, club.hilda.user_id, "nobody"):
        refused(club, InvalidInput, service.add_facilitator, club.jade,
                campaign_id=campaign.id, user_id=who)
    joined(club, campaign, club.kai)
    refused(club, NotAllowed, service.add_facilitator, club.kai, campaign_id=campaign.id,
            user_id=club.admin.user_id)


# ---------------------------------------------------------------- suspended accounts


def _every_write(club: Club, campaign: Campaign, step: PlanStep, person: Stakeholder,
                 ) -> list[tuple[Callable[..., Any], dict[str, Any]]]:
    cid = campaign.id
    return [
        (service.create_campaign, {"data": {"title": "New"}}),
        (service.update_goal, {"campaign_id": cid, "data": {"title": "Changed"}}),
        (service.go_live, {"campaign_id": cid}),
        (service.end_campaign, {"campaign_id": cid, "outcome": "closed", "statement": "Done"}),
        (service.add_step, {"campaign_id": cid, "text": "Another", "owner_id": None}),
        (service.update_step, {"campaign_id": cid, "step_id": step.id, "text": "Changed"}),
        (service.remove_step, {"campaign_id": cid, "step_id": step.id}),
        (service.set_step_done, {"campaign_id": cid, "step_id": step.id, "done": True}),
        (service.record_progress, {"campaign_id": cid, "measure": "10", "update": "Hi"}),
        (service.add_stakeholder, {"campaign_id": cid, "data": {"name": "Head"}}),
        (service.update_stakeholder, {"campaign_id": cid, "stakeholder_id": person.id,
                                      "data": {"notes": "Met her"}}),
        (service.remove_stakeholder, {"campaign_id": cid, "stakeholder_id": person.id}),
        (service.add_facilitator, {"campaign_id": cid, "user_id": club.worker.user_id}),
        (service.set_lead, {"campaign_id": cid, "user_id": club.kai.user_id, "lead": True}),
        (service.remove_member, {"campaign_id": cid, "user_id": club.kai.user_id}),
        (service.regenerate_code, {"campaign_id": cid}),
    ]


def _set_up_for_every_write(club: Club) -> tuple[Campaign, PlanStep, Stakeholder]:
    campaign = live(club)
    joined(club, campaign, club.kai)
    person = club.do(service.add_stakeholder, club.jade, campaign_id=campaign.id,
                     data={"name": "Course manager", "organisation": "City College"})
    return campaign, steps_of(club.db, campaign)[0], person


def test_a_suspended_lead_cannot_change_anything(club):
    campaign, step, person = _set_up_for_every_write(club)
    suspend(club.db, club.jade)
    for fn, kwargs in _every_write(club, campaign, step, person):
        error = refused(club, NotAllowed, fn, club.jade, **kwargs)
        assert "suspended" in error.message, fn.__name__


def test_suspended_people_cannot_join_or_archive(club):
    campaign = live(club)
    suspend(club.db, club.kai)
    suspend(club.db, club.worker)
    assert "suspended" in refused(club, NotAllowed, service.join, club.kai,
                                  code=campaign.join_code).message
    for fn, kwargs in [(service.join_as_facilitator, {"campaign_id": campaign.id}),
                       (service.set_archived, {"campaign_id": campaign.id, "archived": True})]:
        assert "suspended" in refused(club, NotAllowed, fn, club.worker, **kwargs).message


# ---------------------------------------------------------------- organisations and visibility


def test_another_organisations_campaign_is_not_found_by_any_function(club):
    campaign, step, person = _set_up_for_every_write(club)
    club.do(service.join, club.worker, code=campaign.join_code)
    for outsider in (club.olu, club.hilda):
        for fn, kwargs in _every_write(club, campaign, step, person)[1:]:
            error = refused(club, NotFound, fn, outsider, **kwargs)
            assert error.message == service.MISSING, fn.__name__
        for fn, kwargs in [(service.staff_to_add, {}), (service.get_campaign, {})]:
            refused(club, NotFound, fn, outsider, campaign_id=campaign.id, **kwargs)
        for fn, kwargs in [(service.join_as_facilitator, {}),
                           (service.set_archived, {"archived": True})]:
            # Not found for everyone outside, staff or not: the same as a made-up id.
            real = refused(club, NotFound, fn, outsider, campaign_id=campaign.id, **kwargs)
            made_up = refused(club, NotFound, fn, outsider, campaign_id=9999, **kwargs)
            assert real.message == made_up.message == service.MISSING
        assert club.read(service.list_campaigns, outsider, include_archived=True) == []
        assert club.read(service.my_campaigns, outsider) == []


def test_drafts_are_invisible_to_people_not_in_them(club):
    hidden = draft(club, title="Hidden draft")
    shown = live(club, title="Shown")
    refused(club, NotFound, service.get_campaign, club.kai, campaign_id=hidden.id)
    refused(club, NotFound, service.update_goal, club.kai, campaign_id=hidden.id,
            data={"title": "Mine now"})
    assert [s.campaign.title for s in club.read(service.list_campaigns, club.kai)] == ["Shown"]
    for staff in (club.worker, club.admin):
        titles = {s.campaign.title for s in club.read(service.list_campaigns, staff)}
        assert titles == {"Hidden draft", "Shown"}
        assert club.read(service.get_campaign, staff, campaign_id=hidden.id).my_role is None
    view = club.read(service.get_campaign, club.kai, campaign_id=shown.id)
    assert view.my_role is None
    perms = service.permissions(club.kai, view)
    assert not perms.edit_goal and not perms.view_members and not perms.leave


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"deadline": "2001-01-01"}, "deadline", "The deadline must be a date in the future."),
    ({"measure_target": "forty"}, "measure_target", "The target must be a number, like 20."),
    ({"measure_current": "a few"}, "measure_current", "The value now must be a number, like 20."),
    ({"title": "   "}, "title", "Give your campaign a title."),
    ({"title": "x" * 10_000}, "title",
     "Keep the title to 120 characters or fewer (it has 10,000)."),
    ({"issue": "x" * 10_000}, "issue",
     "Keep the issue in your own words to 2,000 characters or fewer (it has 10,000)."),
    ({"exact": "x" * 10_000}, "exact",
     "Keep what exactly will be different to 400 characters or fewer (it has 10,000)."),
])
def test_bad_goal_input_is_refused_with_a_clear_message(club, data, field, message):
    error = refused(club, InvalidInput, service.create_campaign, club.jade,
                    data=full_goal(**data))
    assert error.errors == {field: message}
    campaign = draft(club)
    error = refused(club, InvalidInput, service.update_goal, club.jade,
                    campaign_id=campaign.id, data=data)
    assert error.errors == {field: message}


def test_a_ten_thousand_character_step_or_stakeholder_is_refused(club):
    error = refused(club, InvalidInput, service.create_campaign, club.jade,
                    data={"title": "Ok"}, steps=["x" * 10_000])
    assert error.errors == {"step_0": "Keep a step to 200 characters or fewer (it has 10,000)."}
    campaign = draft(club)
    step = steps_of(club.db, campaign)[0]
    for fn, kwargs in [(service.add_step, {"text": "x" * 10_000, "owner_id": None}),
                       (service.update_step, {"step_id": step.id, "text": "x" * 10_000}),
                       (service.update_step, {"step_id": step.id, "text": "  "}),
                       (service.add_step, {"text": "", "owner_id": None})]:
        refused(club, InvalidInput, fn, club.jade, campaign_id=campaign.id, **kwargs)
    error = refused(club, InvalidInput, service.add_stakeholder, club.jade,
                    campaign_id=campaign.id, data={"name": "Head", "notes": "n" * 10_000})
    assert error.errors == {"notes": "Keep the notes to 2,000 characters or fewer (it has 10,000)."}
    error = refused(club, InvalidInput, service.add_stakeholder, club.jade,
                    campaign_id=campaign.id, data={"name": " ", "organisation": "College"})
    assert error.errors["name"].startswith("Add who they are")


def test_a_live_campaign_cannot_lose_a_team_letter(club):
    campaign = live(club)
    for data, field in [({"deadline": ""}, "deadline"), ({"exact": ""}, "exact"),
                        ({"measure_target": ""}, "measure_target"),
                        ({"measure_what": " "}, "measure_what")]:
        error = refused(club, InvalidInput, service.update_goal, club.jade,
                        campaign_id=campaign.id, data=data)
        assert set(error.errors) == {field}
    refused(club, NotAllowed, service.remove_step, club.jade, campaign_id=campaign.id,
            step_id=steps_of(club.db, campaign)[0].id)
    # an edit that keeps every letter is fine, and says what changed
    club.do(service.update_goal, club.jade, campaign_id=campaign.id,
            data={"exact": "Route 7 runs at 8:10.", "title": "Safe to college"})
    assert fresh(club.db, campaign).exact == "Route 7 runs at 8:10."
    assert audits(club.db, campaign)[-1] == (club.jade.user_id, "campaign.goal_changed", None)
    assert rows(club.db, AuditEntry, campaign_id=campaign.id)[-1].reason == "exact"


def test_a_live_campaign_keeps_its_deadline_after_it_passes(club, clock):
    campaign = live(club, deadline=in_days(2))
    clock.advance(5 * 86400)
    saved = fresh(club.db, campaign).deadline
    club.do(service.update_goal, club.jade, campaign_id=campaign.id,
            data={"deadline": saved.isoformat(), "title": "Still going"})
    assert fresh(club.db, campaign).title == "Still going"
    view = club.read(service.get_campaign, club.jade, campaign_id=campaign.id)
    assert view.days_left == -3


# ---------------------------------------------------------------- who may change the goal


def test_only_leads_edit_the_goal(club):
    campaign = live(club)
    joined(club, campaign, club.kai, club.worker)
    for person in (club.kai, club.worker, club.admin, club.sam):
        error = refused(club, NotAllowed, service.update_goal, person, campaign_id=campaign.id,
                        data={"title": "Taken over", "exact": "Something else"})
        assert error.message == "Only the campaign's leads can change its goal."
        for fn, kwargs in [
                (service.add_step, {"text": "More", "owner_id": None}),
                (service.add_stakeholder, {"data": {"name": "Mayor"}}),
                (service.end_campaign, {"outcome": "closed", "statement": "Bye"})]:
            refused(club, NotAllowed, fn, person, campaign_id=campaign.id, **kwargs)
    assert fresh(club.db, campaign).title == "Safe to college"


def test_a_step_problem_names_the_row_it_was_typed_in(club):
    error = refused(club, InvalidInput, service.create_campaign, club.jade,
                    data=full_goal(), steps=["", "Ask the college", "x" * 201])
    assert error.errors == {"step_2": "Keep a step to 200 characters or fewer (it has 201)."}


def test_co_leads_and_the_last_lead(club):
    campaign = live(club)
    joined(club, campaign, club.kai, club.sam, club.worker)
    refused(club, NotAllowed, service.set_lead, club.kai, campaign_id=campaign.id,
            user_id=club.kai.user_id, lead=True)
    error = refused(club, InvalidInput, service.set_lead, club.jade, campaign_id=campaign.id,
                    user_id=club.jade.user_id, lead=False)
    assert "at least one lead" in error.errors["user_id"]
    error = refused(club, InvalidInput, service.remove_member, club.jade,
                    campaign_id=campaign.id, user_id=club.jade.user_id)
    assert "at least one lead" in error.errors["user_id"]
    refused(club, InvalidInput, service.set_lead, club.jade, campaign_id=campaign.id,
            user_id=club.worker.user_id, lead=True)
    refused(club, NotFound, service.set_lead, club.jade, campaign_id=campaign.id,
            user_id=club.admin.user_id, lead=True)

    def may_leave(person: Viewer) -> bool:
        view = club.read(service.get_campaign, person, campaign_id=campaign.id)
        return service.permissions(person, view).leave

    assert not may_leave(club.jade)  # the only lead: no button that can only fail
    assert may_leave(club.kai)

    club.do(service.set_lead, club.jade, campaign_id=campaign.id, user_id=club.kai.user_id,
            lead=True)
    assert audits(club.db, campaign)[-1] == (club.jade.user_id, "campaign.lead_added",
                                             club.kai.user_id)
    assert may_leave(club.jade) and may_leave(club.kai)
    club.do(service.update_goal, club.kai, campaign_id=campaign.id, data={"title": "Co-led"})
    # the first lead can now step back, and then the co-lead is the last lead
    club.do(service.set_lead, club.jade, campaign_id=campaign.id, user_id=club.jade.user_id,
            lead=False)
    assert membership(club.db, campaign, club.jade).role == CampaignRole.member
    refused(club, NotAllowed, service.update_goal, club.jade, campaign_id=campaign.id,
            data={"title": "Mine again"})
    refused(club, InvalidInput, service.remove_member, club.kai, campaign_id=campaign.id,
            user_id=club.kai.user_id)
    refused(club, InvalidInput, service.remove_member, club.worker, campaign_id=campaign.id,
            user_id=club.kai.user_id)


# ---------------------------------------------------------------- members and steps


def test_removing_a_member_unassigns_their_steps(club):
    campaign = live(club)
    joined(club, campaign, club.kai, club.sam)
    step = club.do(service.add_step, club.jade, campaign_id=campaign.id,
                   text="Survey our year group", owner_id=str(club.kai.user_id))
    assert step.owner_id == club.kai.user_id
    refused(club, NotAllowed, service.remove_member, club.sam, campaign_id=campaign.id,
            user_id=club.kai.user_id)
    club.do(service.remove_member, club.jade, campaign_id=campaign.id, user_id=club.kai.user_id)
    owners = {s.text: s.owner_id for s in steps_of(club.db, campaign)}
    assert owners == {"Write to the course manager": club.jade.user_id,
                      "Survey our year group": None}
    view = club.read(service.get_campaign, club.jade, campaign_id=campaign.id)
    assert club.kai.user_id not in [p.user_id for p in view.people]
    assert not {letter.key: letter for letter in view.letters}["A"].met
    assert audits(club.db, campaign)[-1] == (club.jade.user_id, "campaign.member_removed",
                                             club.kai.user_id)
    # a removed member sees the campaign as anyone in the organisation does, and cannot act
    assert club.read(service.get_campaign, club.kai, campaign_id=campaign.id).removed
    refused(club, NotAllowed, service.set_step_done, club.kai, campaign_id=campaign.id,
            step_id=step.id, done=True)
    refused(club, InvalidInput, service.add_step, club.jade, campaign_id=campaign.id,
            text="Ask again", owner_id=club.kai.user_id)


def test_only_a_youth_worker_removes_a_facilitator(club):
    campaign = live(club)
    joined(club, campaign, club.worker)
    club.do(service.add_facilitator, club.worker, campaign_id=campaign.id,
            user_id=club.admin.user_id)
    refused(club, NotAllowed, service.remove_member, club.jade, campaign_id=campaign.id,
            user_id=club.worker.user_id)
    club.do(service.remove_member, club.admin, campaign_id=campaign.id,
            user_id=club.worker.user_id)
    assert membership(club.db, campaign, club.worker).removed_at is not None


def test_regenerating_the_code_stops_the_old_one(club):
    campaign = live(club)
    joined(club, campaign, club.kai, club.worker)
    old = campaign.join_code
    refused(club, NotAllowed, service.regenerate_code, club.kai, campaign_id=campaign.id)
    new = club.do(service.regenerate_code, club.worker, campaign_id=campaign.id).join_code
    assert new != old
    assert not set(new) & LOOK_ALIKES
    assert refused(club, InvalidInput, service.join, club.sam, code=old).errors == {
        "code": service.NO_CODE}
    joined(club, fresh(club.db, campaign), club.sam)
    assert audits(club.db, campaign)[-2][:2] == (club.worker.user_id, "campaign.code_regenerated")
    refused(club, NotAllowed, service.regenerate_code, club.jade,
            campaign_id=draft(club, title="A draft").id)


def test_a_step_owner_ticks_their_own_step_and_no_other_member_can(club):
    campaign = live(club)
    joined(club, campaign, club.kai, club.sam)
    mine = club.do(service.add_step, club.jade, campaign_id=campaign.id, text="Make posters",
                   owner_id=club.kai.user_id)
    leads = steps_of(club.db, campaign)[0]
    for step in (mine, leads):
        error = refused(club, NotAllowed, service.set_step_done, club.sam,
                        campaign_id=campaign.id, step_id=step.id, done=True)
        assert error.message == "Only the campaign's leads and the step's owner can tick it."
    refused(club, NotAllowed, service.set_step_done, club.kai, campaign_id=campaign.id,
            step_id=leads.id, done=True)
    club.do(service.set_step_done, club.kai, campaign_id=campaign.id, step_id=mine.id, done=True)
    ticked = steps_of(club.db, campaign)[1]
    assert ticked.done_at is not None and ticked.done_by == club.kai.user_id
    before = snapshot(club.db)
    club.do(service.set_step_done, club.kai, campaign_id=campaign.id, step_id=mine.id, done=True)
    assert snapshot(club.db) == before  # ticking twice changes nothing
    club.do(service.set_step_done, club.jade, campaign_id=campaign.id, step_id=mine.id,
            done=False)
    assert steps_of(club.db, campaign)[1].done_at is None
    kinds = [(f.kind, f.text) for f in rows(club.db, FeedItem, campaign_id=campaign.id)][-2:]
    assert kinds == [(FeedKind.step_done, "Make posters"), (FeedKind.step_undone, "Make posters")]
    assert [a for _, a, _ in audits(club.db, campaign)][-2:] == [
        "campaign.step_done", "campaign.step_undone"]
    other = live(club, title="Other")
    refused(club, NotFound, service.set_step_done, club.jade, campaign_id=other.id,
            step_id=mine.id, done=True)


def test_a_step_needs_an_owner_from_the_campaign(club):
    campaign = draft(club)
    for owner in (club.sam.user_id, club.olu.user_id, "someone"):
        refused(club, InvalidInput, service.add_step, club.jade, campaign_id=campaign.id,
                text="Ask", owner_id=owner)
    step = club.do(service.add_step, club.jade, campaign_id=campaign.id, text="Ask",
                   owner_id="")
    assert step.owner_id == club.jade.user_id
    club.do(service.remove_step, club.jade, campaign_id=campaign.id, step_id=step.id)
    assert [s.text for s in steps_of(club.db, campaign)] == ["Write to the course manager"]


# ---------------------------------------------------------------- progress


def test_record_progress_keeps_the_measure_history_and_the_feed(club, clock):
    campaign = live(club)
    joined(club, campaign, club.kai, club.worker)
    for value in ("5", "12"):
        clock.advance(60)
        club.do(service.record_progress, club.jade, campaign_id=campaign.id, measure=value)
    view = club.read(service.get_campaign, club.jade, campaign_id=campaign.id)
    assert [r.value for r in view.readings] == [3.0, 5.0, 12.0]
    assert all(r.recorded_by == club.jade.user_id for r in view.readings)
    assert view.campaign.measure_current == 12.0
    assert view.progress == pytest.approx(9 / 37)
    measures = [f.item.text for f in view.feed if f.item.kind == FeedKind.measure]
    assert measures == ["students who feel safe getting to college: 12 students",
                        "students who feel safe getting to college: 5 students"]
    actions = [a for _, a, _ in audits(club.db, campaign)]
    assert actions.count("campaign.measure_updated") == 2
    # the same value again is not a new reading
    club.do(service.record_progress, club.jade, campaign_id=campaign.id, measure="12")
    assert len(rows(club.db, MeasureReading, campaign_id=campaign.id)) == 3


def test_progress_rules(club):
    campaign = live(club)
    joined(club, campaign, club.kai, club.worker)
    error = refused(club, NotAllowed, service.record_progress, club.kai,
                    campaign_id=campaign.id, measure="30")
    assert error.message == "Only the campaign's leads can update the measure."
    refused(club, NotAllowed, service.record_progress, club.kai, campaign_id=campaign.id,
            update="I did a thing")
    assert refused(club, InvalidInput, service.record_progress, club.jade,
                   campaign_id=campaign.id, measure="lots").errors == {
        "measure": "The new value must be a number, like 20."}
    assert refused(club, InvalidInput, service.record_progress, club.jade,
                   campaign_id=campaign.id).errors == {
        "measure": "Give a new value, tick a step, or write an update."}
    error = refused(club, InvalidInput, service.record_progress, club.jade,
                    campaign_id=campaign.id, update="u" * 10_000)
    assert error.errors == {
        "update": "Keep your update to 2,000 characters or fewer (it has 10,000)."}
    # a facilitator posts an update; a lead posts a value, a tick and words together
    club.do(service.record_progress, club.worker, campaign_id=campaign.id,
            update="  Great meeting today  ")
    step = steps_of(club.db, campaign)[0]
    club.do(service.record_progress, club.jade, campaign_id=campaign.id, measure="1,000",
            steps={step.id: True}, update="We met the manager!")
    feed = [(f.kind, f.author_id, f.text) for f in rows(club.db, FeedItem,
                                                         campaign_id=campaign.id)][-4:]
    assert feed == [
        (FeedKind.update, club.worker.user_id, "Great meeting today"),
        (FeedKind.step_done, club.jade.user_id, "Write to the course manager"),
        (FeedKind.measure, club.jade.user_id,
         "students who feel safe getting to college: 1,000 students"),
        (FeedKind.update, club.jade.user_id, "We met the manager!"),
    ]
    assert fresh(club.db, campaign).measure_current == 1000.0


# ---------------------------------------------------------------- ending and archiving


def test_ending_needs_a_statement_and_then_nothing_changes(club):
    campaign = live(club)
    joined(club, campaign, club.kai)
    step = steps_of(club.db, campaign)[0]
    error = refused(club, InvalidInput, service.end_campaign, club.jade, campaign_id=campaign.id,
                    outcome="achieved", statement="   ")
    assert error.errors == {
        "statement": "Say what happened: a few words for everyone who took part."}
    assert set(refused(club, InvalidInput, service.end_campaign, club.jade,
                       campaign_id=campaign.id, outcome="live", statement="x").errors) == {
        "outcome"}
    refused(club, NotAllowed, service.end_campaign, club.kai, campaign_id=campaign.id,
            outcome="achieved", statement="We did it")
    club.do(service.end_campaign, club.jade, campaign_id=campaign.id, outcome="achieved",
            statement="The 8:10 bus now runs.")
    saved = fresh(club.db, campaign)
    assert (saved.status, saved.closing_statement) == (Status.achieved, "The 8:10 bus now runs.")
    assert saved.ended_at is not None
    assert audits(club.db, campaign)[-1] == (club.jade.user_id, "campaign.achieved", None)
    for fn, kwargs in [
            (service.update_goal, {"data": {"title": "Again"}}),
            (service.record_progress, {"measure": "40"}),
            (service.add_step, {"text": "More", "owner_id": None}),
            (service.set_step_done, {"step_id": step.id, "done": True}),
            (service.add_stakeholder, {"data": {"name": "Mayor"}}),
            (service.end_campaign, {"outcome": "closed", "statement": "Closing"})]:
        error = refused(club, NotAllowed, fn, club.jade, campaign_id=campaign.id, **kwargs)
        assert error.message == "This campaign is achieved: it can no longer be changed."
    view = club.read(service.get_campaign, club.jade, campaign_id=campaign.id)
    assert not service.permissions(club.jade, view).edit_goal


def test_a_draft_can_close_but_not_be_achieved(club):
    campaign = draft(club)
    assert set(refused(club, InvalidInput, service.end_campaign, club.jade,
                       campaign_id=campaign.id, outcome="achieved",
                       statement="Yay").errors) == {"outcome"}
    club.do(service.end_campaign, club.jade, campaign_id=campaign.id, outcome="closed",
            statement="We joined another campaign instead.")
    assert fresh(club.db, campaign).status == Status.closed


def test_archiving_makes_a_campaign_read_only_and_deletes_nothing(club):
    campaign, step, person = _set_up_for_every_write(club)
    club.do(service.record_progress, club.jade, campaign_id=campaign.id, measure="9",
            update="Halfway")
    refused(club, NotAllowed, service.set_archived, club.jade, campaign_id=campaign.id,
            archived=True)
    counts = {name: len(table_rows) for name, table_rows in snapshot(club.db).items()}
    club.do(service.set_archived, club.worker, campaign_id=campaign.id, archived=True)
    after = {name: len(table_rows) for name, table_rows in snapshot(club.db).items()}
    assert after == {**counts, "FeedItem": counts["FeedItem"] + 1,
                     "AuditEntry": counts["AuditEntry"] + 1}
    saved = fresh(club.db, campaign)
    assert saved.archived_at is not None and saved.archived_by == club.worker.user_id
    assert audits(club.db, campaign)[-1] == (club.worker.user_id, "campaign.archived", None)
    for fn, kwargs in _every_write(club, campaign, step, person)[1:]:
        error = refused(club, NotAllowed, fn, club.jade, **kwargs)
        assert error.message == "This campaign is archived: it can be read but not changed.", (
            fn.__name__)
    view = club.read(service.get_campaign, club.jade, campaign_id=campaign.id)
    assert [r.value for r in view.readings] == [3.0, 9.0]
    assert service.permissions(club.jade, view) == service.Permissions(
        view_members=True, edit_goal=False, manage_members=False, post_update=False,
        update_measure=False, end=False, archive=False, join_as_facilitator=False, leave=False)
    # people outside it no longer see it; staff do when they ask for archived campaigns
    refused(club, NotFound, service.get_campaign, club.sam, campaign_id=campaign.id)
    assert club.read(service.list_campaigns, club.admin) == []
    assert [s.campaign.id for s in club.read(service.list_campaigns, club.admin,
                                             include_archived=True)] == [campaign.id]
    assert [s.campaign.id for s in club.read(service.my_campaigns, club.kai)] == [campaign.id]
    club.do(service.set_archived, club.admin, campaign_id=campaign.id, archived=False)
    club.do(service.update_goal, club.jade, campaign_id=campaign.id, data={"title": "Back"})
    assert fresh(club.db, campaign).title == "Back"


def test_stakeholders(club):
    campaign = draft(club)
    person = club.do(service.add_stakeholder, club.jade, campaign_id=campaign.id,
                     data={"name": " Course manager ", "organisation": "City College",
                           "notes": "Emailed\r\non Monday"})
    assert (person.name, person.organisation, person.notes) == (
        "Course manager", "City College", "Emailed\non Monday")
    club.do(service.update_stakeholder, club.jade, campaign_id=campaign.id,
            stakeholder_id=person.id, data={"notes": "Meeting booked"})
    saved = rows(club.db, Stakeholder, campaign_id=campaign.id)
    assert [(s.name, s.notes) for s in saved] == [("Course manager", "Meeting booked")]
    refused(club, InvalidInput, service.update_stakeholder, club.jade, campaign_id=campaign.id,
            stakeholder_id=person.id, data={"name": ""})
    other = draft(club, title="Other")
    refused(club, NotFound, service.remove_stakeholder, club.jade, campaign_id=other.id,
            stakeholder_id=person.id)
    club.do(service.remove_stakeholder, club.jade, campaign_id=campaign.id,
            stakeholder_id=person.id)
    assert rows(club.db, Stakeholder, campaign_id=campaign.id) == []
    assert [a for _, a, _ in audits(club.db, campaign)][-3:] == [
        "campaign.stakeholder_added", "campaign.stakeholder_changed",
        "campaign.stakeholder_removed"]


# ---------------------------------------------------------------- my campaigns


def test_my_campaigns_counts_only_what_others_did_since_my_last_visit(club, clock):
    campaign = live(club)
    clock.advance(60)
    joined(club, campaign, club.kai)
    mine = club.read(service.my_campaigns, club.jade)
    assert [(s.campaign.id, s.my_role, s.members, s.new_items) for s in mine] == [
        (campaign.id, CampaignRole.lead, 2, 1)]
    assert [f.kind for f in mine[0].latest] == [FeedKind.joined]
    club.do(service.mark_seen, club.jade, campaign_id=campaign.id)
    assert club.read(service.my_campaigns, club.jade)[0].new_items == 0

    clock.advance(60)
    club.do(service.record_progress, club.jade, campaign_id=campaign.id, measure="10",
            update="Posters are up")
    clock.advance(60)
    assert club.read(service.my_campaigns, club.jade)[0].new_items == 0  # my own
    kai = club.read(service.my_campaigns, club.kai)[0]
    assert kai.new_items == 2
    assert [f.kind for f in kai.latest] == [FeedKind.update, FeedKind.measure]
    assert kai.progress == pytest.approx(7 / 37)

    clock.advance(60)
    club.do(service.mark_seen, club.kai, campaign_id=campaign.id)
    clock.advance(60)
    club.do(service.set_archived, club.worker, campaign_id=campaign.id, archived=True)
    assert club.read(service.my_campaigns, club.kai)[0].new_items == 1
    assert club.read(service.my_campaigns, club.jade)[0].new_items == 1  # my own update not
    assert club.read(service.my_campaigns, club.sam) == []


def test_my_campaigns_lists_only_mine_with_archived_last(club, clock):
    first = live(club, title="First")
    clock.advance(60)
    second = live(club, title="Second")
    clock.advance(60)
    draft(club, club.kai, title="Kai's own")
    joined(club, first, club.kai)
    assert [s.campaign.title for s in club.read(service.my_campaigns, club.jade)] == [
        "Second", "First"]
    club.do(service.set_archived, club.worker, campaign_id=second.id, archived=True)
    assert [s.campaign.title for s in club.read(service.my_campaigns, club.jade)] == [
        "First", "Second"]
    assert {s.campaign.title for s in club.read(service.my_campaigns, club.kai)} == {
        "First", "Kai's own"}


# ---------------------------------------------------------------- the audit trail


def test_every_change_is_audited_with_actor_action_and_campaign(club, clock):
    before = len(rows(club.db, AuditEntry))
    campaign = draft(club)
    cid = campaign.id
    club.do(service.go_live, club.jade, campaign_id=cid)
    code = fresh(club.db, campaign).join_code
    steps: list[tuple[Viewer, Callable[..., Any], dict[str, Any], str]] = [
        (club.kai, service.join, {"code": code}, "campaign.member_added"),
        (club.worker, service.join_as_facilitator, {"campaign_id": cid},
         "campaign.facilitator_added"),
        (club.jade, service.update_goal, {"campaign_id": cid, "data": {"title": "New"}},
         "campaign.goal_changed"),
        (club.jade, service.add_step, {"campaign_id": cid, "text": "Two", "owner_id": None},
         "campaign.step_added"),
        (club.jade, service.set_lead, {"campaign_id": cid, "user_id": club.kai.user_id,
                                       "lead": True}, "campaign.lead_added"),
        (club.jade, service.record_progress, {"campaign_id": cid, "measure": 8},
         "campaign.measure_updated"),
        (club.worker, service.record_progress, {"campaign_id": cid, "update": "Well done"},
         "campaign.update_posted"),
        (club.jade, service.regenerate_code, {"campaign_id": cid}, "campaign.code_regenerated"),
        (club.jade, service.set_lead, {"campaign_id": cid, "user_id": club.kai.user_id,
                                       "lead": False}, "campaign.lead_removed"),
        (club.kai, service.remove_member, {"campaign_id": cid, "user_id": club.kai.user_id},
         "campaign.left"),
        (club.jade, service.end_campaign, {"campaign_id": cid, "outcome": "closed",
                                           "statement": "Over"}, "campaign.closed"),
        (club.admin, service.set_archived, {"campaign_id": cid, "archived": True},
         "campaign.archived"),
        (club.admin, service.set_archived, {"campaign_id": cid, "archived": False},
         "campaign.unarchived"),
    ]
    for actor, fn, kwargs, action in steps:
        clock.advance(3600)
        count = len(rows(club.db, AuditEntry))
        club.do(fn, actor, **kwargs)
        new = rows(club.db, AuditEntry)[count:]
        assert [(e.actor_id, e.action, e.campaign_id) for e in new] == [
            (actor.user_id, action, cid)], action
        assert new[0].org_id == club.jade.org_id
        assert abs(new[0].at - clock.now()) < timedelta(seconds=5)  # when: the moved clock
    assert len(rows(club.db, AuditEntry)) - before == len(steps) + 2


def test_a_member_ticks_their_own_step_through_record_progress(club):
    campaign = live(club)
    joined(club, campaign, club.kai)
    step = club.do(service.add_step, club.jade, campaign_id=campaign.id, text="Leaflets",
                   owner_id=club.kai.user_id)
    club.do(service.record_progress, club.kai, campaign_id=campaign.id, steps={step.id: True})
    assert steps_of(club.db, campaign)[1].done_by == club.kai.user_id
    lead_step = steps_of(club.db, campaign)[0]
    refused(club, NotAllowed, service.record_progress, club.kai, campaign_id=campaign.id,
            steps={lead_step.id: True})


def test_a_live_campaign_with_a_letter_already_unmet_can_still_be_edited(club):
    campaign = live(club)
    joined(club, campaign, club.kai)
    step = steps_of(club.db, campaign)[0]
    club.do(service.update_step, club.jade, campaign_id=campaign.id, step_id=step.id,
            owner_id=club.kai.user_id)
    club.do(service.remove_member, club.kai, campaign_id=campaign.id, user_id=club.kai.user_id)
    # the plan's only step has lost its owner: A is unmet, but the title can still change
    club.do(service.update_goal, club.jade, campaign_id=campaign.id, data={"title": "Renamed"})
    assert fresh(club.db, campaign).title == "Renamed"
    # while the letters still met cannot be lost
    refused(club, InvalidInput, service.update_goal, club.jade, campaign_id=campaign.id,
            data={"exact": ""})
