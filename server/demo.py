"""Demo data: an organisation, its staff and two young people, ready to log in,
and a live campaign to look around."""

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from server import clock
from server.accounts import service, sessions
from server.accounts.models import Organisation, User
from server.accounts.passwords import Passwords
from server.campaigns import ballots, discussion, polls, tallies
from server.campaigns import service as campaigns
from server.campaigns.models import Campaign
from server.ladder import decisions

DEMO_ORG = "Riverside Youth Club"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    display_name: str
    role: str
    age_band: str | None


DEMO_LOGINS = (
    DemoLogin("admin", "lantern-harbour-7", "Priya (admin)", "org_admin", "over_25"),
    DemoLogin("worker", "kettle-meadow-3", "Sam (youth worker)", "youth_worker", "over_25"),
    DemoLogin("jade", "purple-otter-16", "Jade", "young_person", "16_17"),
    DemoLogin("kai", "green-heron-14", "Kai", "young_person", "13_15"),
)


def seed(session: Session, passwords: Passwords) -> tuple[DemoLogin, ...]:
    """Create the demo organisation and people; running it again adds only what is missing."""
    org = session.exec(select(Organisation).where(Organisation.name == DEMO_ORG)).first()
    if org is None:
        org = service.create_organisation(session, name=DEMO_ORG)
    existing = set(session.exec(select(User.username_key)))
    for login in DEMO_LOGINS:
        if service.username_key(login.username) not in existing:
            service.create_user(session, passwords, org_slug=org.slug, username=login.username,
                                display_name=login.display_name, role=login.role,
                                age_band=login.age_band, password=login.password)
    assert org.id is not None
    if session.exec(select(Campaign.id).where(Campaign.org_id == org.id)).first() is None:
        _seed_campaign(session)
    return DEMO_LOGINS


def _viewer(session: Session, username: str) -> sessions.Viewer:
    user = service.user_by_username(session, username)
    assert user is not None and user.id is not None
    found = sessions.viewer_for_user(session, user.id)
    assert found is not None
    return found


def _seed_campaign(session: Session) -> None:
    """The "Get the shout out!" story: getting safely to college."""
    jade, kai, worker = (_viewer(session, name) for name in ("jade", "kai", "worker"))
    deadline = clock.now().date() + timedelta(days=75)
    campaign = campaigns.create_campaign(session, actor=jade, data={
        "title": "Safe way to college",
        "issue": "To get to college we either walk across an estate where we don't feel "
                 "safe, or catch a bus. None of us knew how to read the timetable or which "
                 "buses go straight to the college.",
        "deadline": deadline.isoformat(),
        "exact": "Every student from the estate knows which bus goes straight to college, "
                 "and the college tells new students at enrolment.",
        "measure_what": "students who know which bus to take",
        "measure_target": "20", "measure_current": "3", "measure_unit": "students",
    }, steps=["Ask the course managers to meet us", "Make a simple bus guide",
              "Share the guide at enrolment"])
    assert campaign.id is not None
    campaigns.go_live(session, actor=jade, campaign_id=campaign.id)
    assert campaign.join_code is not None
    campaigns.join(session, actor=kai, code=campaign.join_code)
    campaigns.join_as_facilitator(session, actor=worker, campaign_id=campaign.id)
    manager = campaigns.add_stakeholder(session, actor=jade, campaign_id=campaign.id, data={
        "name": "Course manager", "organisation": "City College",
        "notes": "Emailed to ask for a meeting. They said yes for next Thursday."})
    steps = campaigns.get_campaign(session, actor=jade, campaign_id=campaign.id).steps
    campaigns.update_step(session, actor=jade, campaign_id=campaign.id,
                          step_id=steps[1].step.id or 0, owner_id=kai.user_id)
    campaigns.record_progress(session, actor=jade, campaign_id=campaign.id, measure=7,
                              steps={steps[0].step.id or 0: True},
                              update="We met the course manager. She is going to help us "
                                     "print the bus guide.")
    # A live session: a poll the group is voting in, and the start of a conversation.
    poll = polls.create_poll(session, actor=jade, campaign_id=campaign.id, data={
        "kind": "single", "question": "When should we meet the course manager again?",
        "description": "She can do any of these. Pick the one you can make.",
        "options": ["Thursday after college", "Friday lunchtime", "Monday at 4pm"]})
    assert poll.id is not None
    [tally] = tallies.tallies(session, campaign_id=campaign.id, poll_ids=[poll.id])
    first = tally.options[0]
    ballots.cast_ballot(session, actor=kai, poll_id=poll.id, choices=[first.id],
                        client_op_id="demo-kai-1")
    question = discussion.post_comment(
        session, actor=kai, campaign_id=campaign.id,
        text="I've started the bus guide. The 42 goes straight to college: "
             "https://www.example.org/timetables/42")
    discussion.post_comment(session, actor=jade, campaign_id=campaign.id,
                            parent_id=question["id"],
                            text="Brilliant! Can you bring it on Thursday?")
    _seed_decisions(session, campaign, poll.id, question["id"], manager.id)


def _seed_decisions(session: Session, campaign: Campaign, poll_id: int, thread_id: int,
                    manager_id: int | None) -> None:
    """Two decisions for the evidence dashboard: one young people made with their own poll,
    confirmed and told; one the college made after hearing them, waiting for confirmation."""
    jade, worker = (_viewer(session, name) for name in ("jade", "worker"))
    assert campaign.id is not None
    today = clock.now().date()
    meeting = decisions.record_decision(session, actor=jade, campaign_id=campaign.id, data={
        "title": "We meet the course manager again on Thursday after college",
        "decided_on": (today - timedelta(days=1)).isoformat(), "decided_by": "young_people",
        "poll_ids": [poll_id], "poll_bound_outcome": True,
        "lundy_space": "yes", "lundy_space_note": "The weekly group at the youth club.",
        "lundy_voice": "yes", "lundy_voice_note": "Everyone voted from their phone.",
    })
    assert meeting.id is not None
    decisions.confirm_decision(session, actor=worker, decision_id=meeting.id)
    decisions.publish_we_did(session, actor=jade, decision_id=meeting.id,
                             we_did="The meeting is booked for Thursday at 4pm in room 12.")
    decisions.record_decision(session, actor=jade, campaign_id=campaign.id, data={
        "title": "The college tells new students about the 42 bus at enrolment",
        "details": "The course manager agreed after reading our bus guide.",
        "decided_on": today.isoformat(), "decided_by": "adults",
        "stakeholder_id": manager_id, "thread_ids": [thread_id],
        "suggestions_taken_up": True,
        "follow_up_on": (today + timedelta(days=30)).isoformat(),
    })
