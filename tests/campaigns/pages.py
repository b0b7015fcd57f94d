"""Shared setup for the campaign page tests (plain functions, not fixtures): campaigns made
through the service, and ways to read back what the database holds."""

import re
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from server import clock
from server.accounts import people
from server.accounts.codes import ALPHABET
from server.accounts.models import User
from server.audit import AuditEntry
from server.campaigns import discussion, fragments, service
from server.campaigns.models import (
    Campaign,
    CampaignMember,
    FeedItem,
    MeasureReading,
    PlanStep,
    Stakeholder,
)
from server.db import Database
from tests.accounts.helpers import heading, text, viewer_of
from tests.conftest import page

TITLE = "Safe way to college"
ISSUE = "The 7 bus is late and crowded, so students miss the start of classes."
EXACT = "The college timetable starts after the first bus from the estate arrives."
MEASURE_WHAT = "students who get to college on time"
FIRST_STEP = "Write to the course manager"
FORBIDDEN_TITLE = "You can't do that"
NOT_FOUND_TITLE = "We could not find that page"
MISSING = "We could not find that campaign."


def future(days: int = 60) -> str:
    return (clock.now().date() + timedelta(days=days)).isoformat()


def past(days: int = 1) -> str:
    return (clock.now().date() - timedelta(days=days)).isoformat()


def forbidden(response, words: str) -> None:
    """The "You can't do that" page, with the reason in plain words."""
    assert response.status_code == 403
    assert heading(response) == FORBIDDEN_TITLE
    assert message(response) == words


def not_found(response) -> None:
    """Another organisation's campaign looks like one that does not exist."""
    assert response.status_code == 404
    assert heading(response) == NOT_FOUND_TITLE
    assert message(response) == MISSING


def goal_form(**overrides: str) -> dict[str, str]:
    """What a young person types into the form for a complete TEAM goal."""
    data = {
        "title": TITLE, "issue": ISSUE, "deadline": future(), "exact": EXACT,
        "measure_what": MEASURE_WHAT, "measure_unit": "students", "measure_target": "40",
        "measure_current": "5", "step_0": FIRST_STEP, "step_1": "", "step_2": "",
    }
    data.update(overrides)
    return data


def make_campaign(db: Database, lead: User, *, live: bool = True, **overrides: str) -> Campaign:
    """A campaign started by `lead` through the service; live unless told otherwise."""
    actor = viewer_of(db, lead)
    data = goal_form(**overrides)
    steps = [data.pop(f"step_{i}") for i in range(3)]
    with db.write() as session:
        campaign = service.create_campaign(session, actor=actor, data=data, steps=steps)
    assert campaign.id is not None
    if live:
        with db.write() as session:
            campaign = service.go_live(session, actor=actor, campaign_id=campaign.id)
    return campaign


def join(db: Database, user: User, campaign: Campaign) -> None:
    found = fresh_campaign(db, campaign.id)
    assert found.join_code
    with db.write() as session:
        service.join(session, actor=viewer_of(db, user), code=found.join_code)


def facilitate(db: Database, user: User, campaign: Campaign) -> None:
    assert campaign.id is not None
    with db.write() as session:
        service.join_as_facilitator(session, actor=viewer_of(db, user), campaign_id=campaign.id)


def make_lead(db: Database, by: User, user: User, campaign: Campaign) -> None:
    assert campaign.id is not None and user.id is not None
    with db.write() as session:
        service.set_lead(session, actor=viewer_of(db, by), campaign_id=campaign.id,
                         user_id=user.id, lead=True)


def archive(db: Database, by: User, campaign: Campaign) -> None:
    assert campaign.id is not None
    with db.write() as session:
        service.set_archived(session, actor=viewer_of(db, by), campaign_id=campaign.id,
                             archived=True)


def record_consent(db: Database, by: User, child: User) -> None:
    assert child.id is not None
    with db.write() as session:
        people.record_consent(session, actor=viewer_of(db, by), user_id=child.id)


def add_stakeholder(db: Database, lead: User, campaign: Campaign, **data: str) -> Stakeholder:
    assert campaign.id is not None
    with db.write() as session:
        return service.add_stakeholder(session, actor=viewer_of(db, lead),
                                       campaign_id=campaign.id,
                                       data={"name": "Course manager",
                                             "organisation": "City College", **data})


def add_step(db: Database, lead: User, campaign: Campaign, text_: str,
             owner: User | None = None) -> PlanStep:
    assert campaign.id is not None
    with db.write() as session:
        return service.add_step(session, actor=viewer_of(db, lead), campaign_id=campaign.id,
                                text=text_, owner_id=(owner or lead).id)


def post_update(db: Database, author: User, campaign: Campaign, words: str) -> None:
    assert campaign.id is not None
    with db.write() as session:
        service.record_progress(session, actor=viewer_of(db, author), campaign_id=campaign.id,
                                update=words)


# ---------------------------------------------------------------- reading back


def fresh_campaign(db: Database, campaign_id: int | None) -> Campaign:
    with db.read() as session:
        found = session.get(Campaign, campaign_id)
    assert found is not None
    return found


def campaigns_titled(db: Database, title: str) -> list[Campaign]:
    with db.read() as session:
        return list(session.exec(select(Campaign).where(Campaign.title == title)))


def role_of(db: Database, campaign: Campaign, user: User) -> str | None:
    """The person's active role in the campaign, or None."""
    with db.read() as session:
        found = session.exec(select(CampaignMember).where(
            CampaignMember.campaign_id == campaign.id,
            CampaignMember.user_id == user.id)).first()
    if found is None or found.removed_at is not None:
        return None
    return found.role


def membership(db: Database, campaign: Campaign, user: User) -> CampaignMember | None:
    with db.read() as session:
        return session.exec(select(CampaignMember).where(
            CampaignMember.campaign_id == campaign.id,
            CampaignMember.user_id == user.id)).first()


def steps_of(db: Database, campaign: Campaign) -> list[PlanStep]:
    with db.read() as session:
        return list(session.exec(select(PlanStep).where(PlanStep.campaign_id == campaign.id)
                                 .order_by(col(PlanStep.position), col(PlanStep.id))))


def stakeholders_of(db: Database, campaign: Campaign) -> list[Stakeholder]:
    with db.read() as session:
        return list(session.exec(select(Stakeholder)
                                 .where(Stakeholder.campaign_id == campaign.id)
                                 .order_by(col(Stakeholder.id))))


def readings_of(db: Database, campaign: Campaign) -> list[float]:
    with db.read() as session:
        return [r.value for r in session.exec(
            select(MeasureReading).where(MeasureReading.campaign_id == campaign.id)
            .order_by(col(MeasureReading.id)))]


def feed_of(db: Database, campaign: Campaign) -> list[tuple[str, str]]:
    with db.read() as session:
        return [(f.kind, f.text) for f in session.exec(
            select(FeedItem).where(FeedItem.campaign_id == campaign.id)
            .order_by(col(FeedItem.id)))]


def audit_of(db: Database, campaign: Campaign | None = None) -> list[AuditEntry]:
    """Audit entries about the campaign (or about any campaign), oldest first."""
    query = select(AuditEntry).where(col(AuditEntry.campaign_id).is_not(None))
    if campaign is not None:
        query = query.where(AuditEntry.campaign_id == campaign.id)
    with db.read() as session:
        return list(session.exec(query.order_by(col(AuditEntry.id))))


def actions_of(db: Database, campaign: Campaign | None = None) -> list[str]:
    return [entry.action for entry in audit_of(db, campaign)]


def snapshot(db: Database) -> dict[str, Any]:
    """Every campaign row there is, without the "last seen" times: equal snapshots mean
    nothing a person could notice has changed."""

    def rows(model: type, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        with db.read() as session:
            found = session.exec(select(model).order_by(col(model.id)))  # type: ignore[attr-defined]
            return [{k: v for k, v in row.model_dump().items() if k not in skip}
                    for row in found]

    return {
        "campaigns": rows(Campaign),
        "members": rows(CampaignMember, skip=("last_seen_at",)),
        "steps": rows(PlanStep),
        "stakeholders": rows(Stakeholder),
        "readings": rows(MeasureReading),
        "feed": rows(FeedItem),
        "audit": rows(AuditEntry),
    }


def last_seen(db: Database, campaign: Campaign, user: User) -> Any:
    found = membership(db, campaign, user)
    assert found is not None
    return found.last_seen_at


# ---------------------------------------------------------------- reading pages


def message(response: object) -> str:
    """The message on an error page (403, 404)."""
    return text(page(response), "main p")


def letters(response: object) -> dict[str, bool]:
    """The goal card: each TEAM letter, ticked or not."""
    soup = page(response)
    card = soup.select_one('ul.team[aria-label="TEAM goal"]')
    assert card is not None, "no goal card"
    found = {}
    for item in card.select("li"):
        key = text(item, ".letter")
        ticked = "met" in (item.get("class") or [])
        assert (item.select_one(".tick") is not None) == ticked
        assert ("not done yet" not in item.get_text()) == ticked
        found[key] = ticked
    return found


def letter_hints(response: object) -> dict[str, str]:
    soup = page(response)
    return {text(item, ".letter"): text(item, ".hint")
            for item in soup.select("ul.team li.missing")}


def shown_code(response: object) -> str:
    return text(page(response), ".code.big")


def no_look_alikes(code: str) -> bool:
    return all(ch in ALPHABET for ch in code.replace("-", ""))


def form_value(response: object, name: str) -> str:
    """What a form field on the page holds: an input's value or a textarea's text."""
    soup = page(response)
    found = soup.select_one(f'[name="{name}"]#f-{name}')
    assert found is not None, f"no field called {name!r}"
    if found.name == "textarea":
        return str(found.get_text())
    return str(found.get("value", ""))


def card_titles(response: object, section: str) -> list[str]:
    """The campaign cards in a section of a list page, by the id of its heading."""
    soup = page(response)
    heading = soup.select_one(f"#{section}")
    assert heading is not None, f"no section {section!r}"
    box = heading.find_parent("section")
    assert box is not None
    return [text(card, "strong") for card in box.select(".campaign-card")]


def say(db: Database, user: User, campaign: Campaign, words: str,
        parent: dict[str, Any] | None = None) -> dict[str, Any]:
    """A comment (or a reply to `parent`) posted through the discussion service."""
    with db.write() as session:
        data: dict[str, Any] = discussion.post_comment(
            session, actor=viewer_of(db, user), campaign_id=campaign.id, text=words,
            parent_id=parent["id"] if parent else None)
    return data


def section_of(browser: Any, campaign: Campaign, selector: str) -> Any:
    """One part of the campaign page as the browser gets it (#polls, #discussion, …)."""
    response = browser.get(f"/campaigns/{campaign.id}")
    assert response.status_code == 200
    found = page(response).select_one(selector)
    assert found is not None, selector
    return found


def without_ids(html: str) -> str:
    """A page with its CSRF tokens and submission ids taken out."""
    html = re.sub(r'name="(csrf_token|client_op_id)" value="[^"]*"', r'name="\1"', html)
    return re.sub(r'"X-CSRF-Token": "[^"]*"', "", html)


def thread_cache(app: Any) -> Any:
    """The app's kept drawings of threads, cards and feed items."""
    return fragments.cache_of(app.state.runtime.templates)
