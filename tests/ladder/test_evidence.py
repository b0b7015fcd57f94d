"""The evidence query layer: the filter, the rows and the totals every export is made from."""

from datetime import date, timedelta

import pytest

from server import clock as clock_module
from server.campaigns.models import Poll
from server.errors import InvalidInput, NotAllowed, NotFound
from server.ladder import decisions, evidence
from server.ladder.rungs import Rung
from tests.campaigns.pages import join, say
from tests.ladder.test_decisions import Setup, choose, poll_by
from tests.ladder.test_decisions import setup as setup  # the fixture


def gather(setup: Setup, name: str = "worker", **params: str) -> evidence.Evidence:
    with setup.db.read() as session:
        actor = setup.as_(name)
        return evidence.gather(session, actor, evidence.read_filter(session, actor, params))


def days_ago(n: int) -> str:
    return (clock_module.now().date() - timedelta(days=n)).isoformat()


@pytest.fixture
def recorded(setup):
    """Three decisions: one young people bound by their own poll (confirmed), one adults took
    after a thread (not confirmed), one in Ben's campaign long ago."""
    poll = poll_by(setup, "jade")
    for name in ("sam", "kai", "jade"):
        choose(setup, name, poll, "Library")
    bound = setup.record(poll_ids=[poll.id], poll_bound_outcome=True, decided_on=days_ago(3))
    setup.do(decisions.confirm_decision, "worker", decision_id=bound.id)
    thread = say(setup.db, setup.users["sam"], setup.campaign, "Move the stop")
    told = setup.record("jade", thread_ids=[thread["id"]], decided_on=days_ago(1),
                        title="Adults moved the stop")
    with setup.db.write() as session:
        decisions.record_decision(session, actor=setup.as_("ben"), campaign_id=setup.other.id,
                                  data={"title": "Longer hours", "decided_on": days_ago(400),
                                        "decided_by": "adults"})
    return bound, told


def test_totals_count_rungs_and_distinct_young_people_once(setup, recorded):
    found = gather(setup)
    assert [row.title for row in found.decisions] == [
        "Longer hours", "The bus stop moves to the college gate", "Adults moved the stop"]
    totals = found.totals
    assert totals.decisions == 3
    assert totals.per_rung[Rung.full_control] == 1
    assert totals.per_rung[Rung.no_control] == 1
    assert totals.at_least_participation == 1
    # Sam voted and commented, Kai and Jade voted: three young people, counted once.
    assert totals.young_people == 3
    assert totals.age_bands["13_15"] == 1 and totals.age_bands["18_25"] == 1
    assert len(found.campaigns) == 2
    assert found.months[0][0] == found.decisions[0].month
    assert len(found.months) >= 13  # every month from the first to the last, empty ones too


def test_filters_by_dates_and_campaign(setup, recorded):
    recent = gather(setup, **{"from": days_ago(30)})
    assert len(recent.decisions) == 2
    theirs = gather(setup, campaign=str(setup.other.id))
    assert [row.title for row in theirs.decisions] == ["Longer hours"]
    assert theirs.filter.campaign_title == "Longer library hours"
    assert theirs.filter.query() == {"campaign": str(setup.other.id)}


def test_a_confirmed_decision_counts_its_snapshot_and_an_open_one_counts_now(setup, recorded):
    bound, told = recorded
    before = {row.id: row.young_people for row in gather(setup).decisions}
    poll_id = setup.view(bound).poll_ids[0]
    with setup.db.read() as session:
        poll = session.get(Poll, poll_id)
    join(setup.db, setup.users["ben"], setup.campaign)
    choose(setup, "ben", poll, "Park")  # after confirmation: not in its evidence
    say(setup.db, setup.users["kai"], setup.campaign, "Me too",
        parent={"id": setup.view(told).thread_ids[0]})
    after = {row.id: row.young_people for row in gather(setup).decisions}
    assert after[bound.id] == before[bound.id] == 3
    assert after[told.id] == before[told.id] + 1


def test_bad_filters_are_told_and_other_organisations_campaigns_are_not_found(setup, recorded):
    with pytest.raises(InvalidInput) as refused:
        gather(setup, **{"from": "last week", "to": "2026-13-01", "campaign": "x"})
    assert set(refused.value.errors) == {"from", "to", "campaign"}
    with pytest.raises(InvalidInput) as backwards:
        gather(setup, **{"from": "2026-05-01", "to": "2026-04-01"})
    assert backwards.value.errors == {"to": "The last day cannot be before the first day."}
    with pytest.raises(NotFound):
        gather(setup, "hilda", campaign=str(setup.id))
    with pytest.raises(NotAllowed):
        gather(setup, "jade")
    assert gather(setup, "hilda").decisions == []


def test_amendments_are_in_the_evidence_with_who_and_why(setup, recorded):
    bound, _told = recorded
    setup.do(decisions.amend_decision, "worker", decision_id=bound.id,
             data={"title": "The stop moves to the gate"}, reason="The council's wording.")
    row = next(r for r in gather(setup).decisions if r.id == bound.id)
    assert row.title == "The stop moves to the gate"
    [amendment] = row.amendments
    assert amendment.by == setup.users["worker"].display_name
    assert "The council's wording." in amendment.summary
    assert "what was decided: The bus stop moves to the college gate -> The stop moves" in (
        amendment.summary)
    assert date.fromisoformat(evidence.evidence_data(gather(setup))["decisions"][1][
        "amendments"][0]["at"][:10]) == clock_module.now().date()


def test_the_demo_has_evidence_to_look_at(db, passwords):
    from server import demo
    from server.accounts import service
    from server.accounts.sessions import viewer_for_user

    with db.write() as session:
        demo.seed(session, passwords)
    with db.read() as session:
        worker = service.user_by_username(session, "worker")
        assert worker is not None and worker.id is not None
        actor = viewer_for_user(session, worker.id)
        assert actor is not None
        found = evidence.gather(session, actor, evidence.EvidenceFilter())
    assert [(row.rung, row.frozen) for row in found.decisions] == [
        (Rung.full_control, True), (Rung.participation, False)]
    assert found.decisions[0].we_did.startswith("The meeting is booked")
    assert found.totals.young_people == 2  # Kai voted and started the thread; Jade replied
    assert found.totals.share_text == "100%"
