"""Campaigns: the only code that changes them. Each function checks who is asking and what
they sent, changes rows, and writes the audit entry and the feed item in the caller's one
transaction. Pages and the JSON API both call these functions.

Who may do what:
- any member of the organisation sees live, achieved and closed campaigns; drafts and
  archived campaigns only their own members and staff see;
- a young person who may post (not an under-13 waiting for a parent's or carer's agreement)
  starts a campaign and becomes its lead, and joins one with its code;
- leads change the goal, plan, stakeholders and measure, make co-leads, take the campaign
  live and end it; facilitators (youth workers in the campaign) and leads post updates,
  remove members, add facilitators and regenerate the join code; a step's owner ticks it;
- youth workers and admins see every campaign, join any as facilitator, and archive one.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import and_, bindparam, exists, func, or_, update
from sqlalchemy import select as sql_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from server import audit, clock
from server.accounts.codes import new_code, normalise_code
from server.accounts.models import Member, Role, User
from server.accounts.sessions import Viewer
from server.campaigns import team
from server.campaigns.models import (
    ENDED,
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
from server.db import UTCDateTime, table
from server.errors import InvalidInput, NotAllowed, NotFound
from server.i18n import N_, _
from server.live import events

JOIN_CODE_LENGTH = 6
MAX_STEPS = 30
MAX_STAKEHOLDERS = 30
FEED_PAGE = 30
MISSING = N_("We could not find that campaign.")
NO_CODE = N_("We could not find a campaign with that code in your organisation. "
             "Check the code with the campaign's lead.")


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Person:
    user_id: int
    display_name: str
    role: CampaignRole
    is_staff: bool
    joined_at: datetime
    peer_moderator: bool = False


class StepRow(NamedTuple):
    """A plan step as a page shows it: plain values, not an ORM object (nothing is changed)."""

    id: int
    campaign_id: int
    position: int
    text: str
    owner_id: int | None
    done_at: datetime | None
    done_by: int | None


class FeedRow(NamedTuple):
    id: int
    campaign_id: int
    kind: str
    author_id: int | None
    text: str
    created_at: datetime


class StakeholderRow(NamedTuple):
    id: int
    campaign_id: int
    name: str
    organisation: str
    notes: str
    created_at: datetime
    updated_at: datetime


class ReadingRow(NamedTuple):
    id: int
    campaign_id: int
    value: float
    recorded_at: datetime
    recorded_by: int | None


@dataclass(frozen=True)
class StepView:
    step: StepRow
    owner_name: str


@dataclass(frozen=True)
class FeedEntry:
    item: FeedRow
    author_name: str


@dataclass
class CampaignView:
    """Everything a campaign page or the API shows, for one viewer."""

    campaign: Campaign
    my_role: CampaignRole | None
    people: list[Person]
    steps: list[StepView]
    stakeholders: list[StakeholderRow]
    readings: list[ReadingRow]
    feed: list[FeedEntry]
    letters: list[team.Letter]
    removed: bool = False
    today: date = field(default_factory=lambda: clock.now().date())
    # The viewer's account is suspended (they read, and change nothing).
    suspended: bool = False
    # Someone else added to the feed since the viewer last opened the campaign (`mark_seen`).
    unseen: bool = False

    @property
    def ready(self) -> bool:
        return all(letter.met for letter in self.letters)

    @property
    def missing(self) -> list[team.Letter]:
        return [letter for letter in self.letters if not letter.met]

    @property
    def baseline(self) -> float:
        return self.readings[0].value if self.readings else self.campaign.measure_current

    @property
    def progress(self) -> float | None:
        c = self.campaign
        return team.progress(baseline=self.baseline, current=c.measure_current,
                             target=c.measure_target)

    @property
    def days_left(self) -> int | None:
        deadline = self.campaign.deadline
        return (deadline - self.today).days if deadline else None

    @property
    def steps_done(self) -> int:
        return sum(1 for view in self.steps if view.step.done_at is not None)


@dataclass(frozen=True)
class Permissions:
    view_members: bool
    edit_goal: bool
    manage_members: bool
    post_update: bool
    update_measure: bool
    end: bool
    archive: bool
    join_as_facilitator: bool
    leave: bool


def permissions(actor: Viewer, view: CampaignView) -> Permissions:
    c, role = view.campaign, view.my_role
    open_ = c.archived_at is None and c.status not in ENDED
    lead = role == CampaignRole.lead
    runs = role in (CampaignRole.lead, CampaignRole.facilitator)
    return Permissions(
        view_members=role is not None or actor.is_staff,
        edit_goal=open_ and lead,
        manage_members=c.archived_at is None and runs,
        post_update=open_ and runs,
        update_measure=open_ and lead,
        end=open_ and lead,
        archive=actor.is_staff,
        join_as_facilitator=actor.is_staff and role is None and c.archived_at is None,
        leave=role is not None and c.archived_at is None and not (
            lead and sum(1 for p in view.people if p.role == CampaignRole.lead) <= 1),
    )


def _today() -> date:
    return clock.now().date()


def _membership(session: Session, campaign_id: int, user_id: int) -> CampaignMember | None:
    return session.exec(select(CampaignMember).where(
        CampaignMember.campaign_id == campaign_id, CampaignMember.user_id == user_id)).first()


def _active_role(membership: CampaignMember | None) -> CampaignRole | None:
    if membership is None or membership.removed_at is not None:
        return None
    return CampaignRole(membership.role)


class Standing(Protocol):
    """What decides who may see a campaign and whether it still takes changes."""

    @property
    def org_id(self) -> int: ...

    @property
    def status(self) -> str: ...

    @property
    def archived_at(self) -> datetime | None: ...


def _visible(actor: Viewer, campaign: Standing, role: CampaignRole | None) -> bool:
    if campaign.org_id != actor.org_id:
        return False
    if actor.is_staff or role is not None:
        return True
    return campaign.status != Status.draft and campaign.archived_at is None


def _load(session: Session, actor: Viewer, campaign_id: int, *, lock: bool = False,
          ) -> tuple[Campaign, CampaignMember | None]:
    query = select(Campaign).where(Campaign.id == campaign_id)
    if lock:
        query = query.with_for_update()
    campaign = session.exec(query).first()
    if campaign is None or campaign.org_id != actor.org_id:
        raise NotFound(_(MISSING))
    membership = _membership(session, campaign_id, actor.user_id)
    if not _visible(actor, campaign, _active_role(membership)):
        raise NotFound(_(MISSING))
    return campaign, membership


def _member_ids(session: Session, campaign_id: int) -> set[int]:
    return set(session.exec(select(CampaignMember.user_id).where(
        CampaignMember.campaign_id == campaign_id, col(CampaignMember.removed_at).is_(None))))


def _steps(session: Session, campaign_id: int) -> list[PlanStep]:
    return list(session.exec(select(PlanStep).where(PlanStep.campaign_id == campaign_id)
                             .order_by(col(PlanStep.position), col(PlanStep.id))))


def letters_for(session: Session, campaign: Campaign) -> list[team.Letter]:
    assert campaign.id is not None
    steps = _steps(session, campaign.id)
    return team.check(
        deadline=campaign.deadline, exact=campaign.exact,
        steps=[team.StepIn(step.text, step.owner_id) for step in steps],
        member_ids=_member_ids(session, campaign.id),
        measure_what=campaign.measure_what, measure_target=campaign.measure_target,
        today=_today())


def _names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    # An erased account has no name: pages say "a former member" in their own language.
    rows = session.exec(select(User.id, User.display_name, User.erased_at)
                        .where(col(User.id).in_(user_ids)))
    return {user_id: "" if erased_at else name for user_id, name, erased_at in rows
            if user_id is not None}


def _people_roles(session: Session, user_ids: set[int]) -> dict[int, str]:
    """Each user's role in their organisation."""
    if not user_ids:
        return {}
    rows = session.exec(select(Member.user_id, Member.role)
                        .where(col(Member.user_id).in_(user_ids)))
    return dict(rows.all())


# The campaign page's statements, built once (building one costs more than running it), with
# the campaign and the viewer as parameters; all but the first read plain rows, not ORM
# objects: nothing read here is changed.
_CM, _USER, _MEMBER = table(CampaignMember), table(User), table(Member)
_STEP, _FEED = table(PlanStep), table(FeedItem)
_STAKEHOLDER, _READING = table(Stakeholder), table(MeasureReading)


def _news(member: Any) -> Any:
    """Something in the campaign's feed that someone else added after `member` last looked: what
    "new since your last visit" counts (`_summaries`)."""
    return exists().where(_FEED.c.campaign_id == member.c.campaign_id,
                          _FEED.c.created_at > member.c.last_seen_at,
                          or_(_FEED.c.author_id.is_(None),
                              _FEED.c.author_id != member.c.user_id))


_MINE = _CM.alias("mine")
# The campaign, the viewer's membership of it, whether their account is suspended and whether
# anything is new to them. The campaign is an ORM object: pages and the API are drawn from it.
_HEAD: Any = (Select(Campaign, _MINE.c.role, _MINE.c.removed_at, _news(_MINE).label("news"),
                     sql_select(_USER.c.suspended_at)
                     .where(_USER.c.id == bindparam("viewer_id"))
                     .scalar_subquery().label("suspended_at"))
              .outerjoin(_MINE, and_(_MINE.c.campaign_id == col(Campaign.id),
                                     _MINE.c.user_id == bindparam("viewer_id")))
              .where(col(Campaign.id) == bindparam("campaign_id")))
_PEOPLE = (sql_select(_CM.c.user_id, _CM.c.role, _CM.c.joined_at, _CM.c.peer_moderator_at,
                      _USER.c.display_name, _MEMBER.c.role.label("org_role"))
           .select_from(_CM.outerjoin(_USER, _USER.c.id == _CM.c.user_id)
                        .outerjoin(_MEMBER, _MEMBER.c.user_id == _USER.c.id))
           .where(_CM.c.campaign_id == bindparam("campaign_id"), _CM.c.removed_at.is_(None))
           .order_by(_CM.c.joined_at, _CM.c.id))
_STEPS = (sql_select(*_STEP.c, _USER.c.display_name, _USER.c.erased_at)
          .select_from(_STEP.outerjoin(_USER, _USER.c.id == _STEP.c.owner_id))
          .where(_STEP.c.campaign_id == bindparam("campaign_id"))
          .order_by(_STEP.c.position, _STEP.c.id))


def _feed_query(*, before: bool) -> Any:
    query = (sql_select(*_FEED.c, _USER.c.display_name, _USER.c.erased_at)
             .select_from(_FEED.outerjoin(_USER, _USER.c.id == _FEED.c.author_id))
             .where(_FEED.c.campaign_id == bindparam("campaign_id")))
    if before:
        query = query.where(_FEED.c.id < bindparam("before"))
    return query.order_by(_FEED.c.id.desc()).limit(FEED_PAGE)


_FEED_PAGE = {False: _feed_query(before=False), True: _feed_query(before=True)}
_STAKEHOLDERS = (sql_select(*_STAKEHOLDER.c)
                 .where(_STAKEHOLDER.c.campaign_id == bindparam("campaign_id"))
                 .order_by(_STAKEHOLDER.c.id))
_READINGS = (sql_select(*_READING.c).where(_READING.c.campaign_id == bindparam("campaign_id"))
             .order_by(_READING.c.recorded_at, _READING.c.id))


def _name(row: Any) -> str:
    # An erased account has no name: pages say "a former member" in their own language.
    return "" if row.erased_at is not None or row.display_name is None else str(row.display_name)


def get_campaign(session: Session, *, actor: Viewer, campaign_id: int,
                 feed_before: int | None = None) -> CampaignView:
    found = session.exec(_HEAD, params={"campaign_id": campaign_id,
                                        "viewer_id": actor.user_id}).first()
    # (Run through the ORM, that first statement has also flushed anything this transaction
    # changed: the plain statements below see it.)
    if found is None or found[0].org_id != actor.org_id:
        raise NotFound(_(MISSING))
    campaign, my_role, removed_at, news, suspended_at = found
    role = CampaignRole(my_role) if my_role is not None and removed_at is None else None
    if not _visible(actor, campaign, role):
        raise NotFound(_(MISSING))
    run = session.connection().execute
    by_campaign = {"campaign_id": campaign_id}
    people, member_ids = [], set()
    for row in run(_PEOPLE, by_campaign):
        member_ids.add(row.user_id)
        if row.display_name is not None and row.org_role is not None:
            people.append(Person(row.user_id, row.display_name, CampaignRole(row.role),
                                 row.org_role != Role.young_person, row.joined_at,
                                 row.peer_moderator_at is not None))
    steps = [StepView(StepRow._make(row[:7]), _name(row)) for row in run(_STEPS, by_campaign)]
    feed = [FeedEntry(FeedRow._make(row[:6]), _name(row)) for row in run(
        _FEED_PAGE[feed_before is not None], {**by_campaign, "before": feed_before})]
    return CampaignView(
        campaign=campaign,
        my_role=role,
        people=people,
        steps=steps,
        stakeholders=[StakeholderRow._make(row) for row in run(_STAKEHOLDERS, by_campaign)],
        readings=[ReadingRow._make(row) for row in run(_READINGS, by_campaign)],
        feed=feed,
        letters=team.check(
            deadline=campaign.deadline, exact=campaign.exact,
            steps=[team.StepIn(view.step.text, view.step.owner_id) for view in steps],
            member_ids=member_ids, measure_what=campaign.measure_what,
            measure_target=campaign.measure_target, today=_today()),
        removed=my_role is not None and removed_at is not None,
        suspended=suspended_at is not None,
        unseen=bool(news),
    )


@dataclass(frozen=True)
class Summary:
    campaign: Campaign
    my_role: CampaignRole | None
    members: int
    new_items: int
    latest: list[FeedItem]
    progress: float | None


def _summaries(session: Session, actor: Viewer, campaigns: Sequence[Campaign],
               memberships: Mapping[int, CampaignMember]) -> list[Summary]:
    ids = [c.id for c in campaigns if c.id is not None]
    if not ids:
        return []
    counts = dict(session.exec(
        select(CampaignMember.campaign_id, func.count())
        .where(col(CampaignMember.campaign_id).in_(ids), col(CampaignMember.removed_at).is_(None))
        .group_by(col(CampaignMember.campaign_id))).all())
    baselines: dict[int, float] = {}
    for reading in session.exec(select(MeasureReading)
                                .where(col(MeasureReading.campaign_id).in_(ids))
                                .order_by(col(MeasureReading.id).desc())):
        baselines[reading.campaign_id] = reading.value  # the earliest wins: read newest first
    result = []
    for c in campaigns:
        assert c.id is not None
        mine = memberships.get(c.id)
        new: list[FeedItem] = []
        if mine is not None and mine.removed_at is None:
            new = list(session.exec(
                select(FeedItem)
                .where(FeedItem.campaign_id == c.id, FeedItem.created_at > mine.last_seen_at,
                       (col(FeedItem.author_id).is_(None))
                       | (col(FeedItem.author_id) != actor.user_id))
                .order_by(col(FeedItem.id).desc())))
        result.append(Summary(
            campaign=c, my_role=_active_role(mine), members=counts.get(c.id, 0),
            new_items=len(new), latest=new[:3],
            progress=team.progress(baseline=baselines.get(c.id, c.measure_current),
                                   current=c.measure_current, target=c.measure_target)))
    return result


_ORDER = (col(Campaign.archived_at).is_not(None), col(Campaign.updated_at).desc(),
          col(Campaign.id).desc())


def my_campaigns(session: Session, *, actor: Viewer) -> list[Summary]:
    """The campaigns I am in, with what changed since my last visit."""
    rows = session.exec(
        select(Campaign, CampaignMember)
        .join(CampaignMember, col(CampaignMember.campaign_id) == col(Campaign.id))
        .where(CampaignMember.user_id == actor.user_id, Campaign.org_id == actor.org_id,
               col(CampaignMember.removed_at).is_(None))
        .order_by(*_ORDER)).all()
    return _summaries(session, actor, [c for c, _ in rows], {c.id or 0: m for c, m in rows})


def list_campaigns(session: Session, *, actor: Viewer, include_archived: bool = False,
                   ) -> list[Summary]:
    """Every campaign the viewer can see in their organisation."""
    query = select(Campaign).where(Campaign.org_id == actor.org_id)
    if not include_archived:
        query = query.where(col(Campaign.archived_at).is_(None))
    campaigns = list(session.exec(query.order_by(*_ORDER)))
    memberships = {m.campaign_id: m for m in session.exec(
        select(CampaignMember).where(CampaignMember.user_id == actor.user_id))}
    visible = [c for c in campaigns
               if _visible(actor, c, _active_role(memberships.get(c.id or 0)))]
    return _summaries(session, actor, visible, memberships)


def live_access(session: Session, *, actor: Viewer, campaign_id: int) -> bool:
    """May the viewer follow the campaign live? Its active members and the organisation's staff
    may; True when they run it (a lead or facilitator, or staff), who see every tally."""
    _require_active_account(session, actor)
    _campaign, membership = _load(session, actor, campaign_id)
    role = _active_role(membership)
    if role is None and not actor.is_staff:
        raise NotAllowed(_("Join the campaign to follow it live."))
    return actor.is_staff or role in (CampaignRole.lead, CampaignRole.facilitator)


# Only when something is new to them: otherwise the time they last looked stays as it was,
# which counts the same things as new (nothing until someone else adds to the feed, then what
# they add), and opening a page writes nothing.
_MARK_SEEN = (update(_CM)
              .where(_CM.c.campaign_id == bindparam("the_campaign"),
                     _CM.c.user_id == bindparam("viewer_id"), _CM.c.removed_at.is_(None),
                     _news(_CM))
              .values(last_seen_at=bindparam("now", type_=UTCDateTime())))


def mark_seen(session: Session, *, actor: Viewer, campaign_id: int) -> None:
    """The viewer has seen the campaign as it is now: nothing in its feed so far is new to them
    on their list of campaigns."""
    session.connection().execute(_MARK_SEEN, {"the_campaign": campaign_id,
                                              "viewer_id": actor.user_id, "now": clock.now()})


# ---------------------------------------------------------------- checks for writing


def _require_active_account(session: Session, actor: Viewer) -> None:
    user = session.get(User, actor.user_id)
    if user is None or user.suspended_at is not None:
        raise NotAllowed(_("Your account is suspended, so you cannot make changes. "
                           "Talk to a youth worker."))


def _require_can_post(actor: Viewer, doing: str) -> None:
    if not actor.can_post:
        raise NotAllowed(_("A youth worker needs to record a parent's or carer's agreement "
                           "before you can %(doing)s.") % {"doing": _(doing)})


def _writable(session: Session, actor: Viewer, campaign_id: int,
              ) -> tuple[Campaign, CampaignMember | None]:
    _require_active_account(session, actor)
    campaign, membership = _load(session, actor, campaign_id, lock=True)
    if campaign.archived_at is not None:
        raise NotAllowed(_("This campaign is archived: it can be read but not changed."))
    return campaign, membership


def _require_open(campaign: Campaign) -> None:
    if campaign.status in ENDED:
        raise NotAllowed(_("This campaign is %(status)s: it can no longer be changed.") % {
            "status": _(Status(campaign.status).label).lower()})


def _require_role(membership: CampaignMember | None, roles: set[CampaignRole],
                  message: str) -> CampaignMember:
    if membership is None or _active_role(membership) not in roles:
        raise NotAllowed(_(message))
    return membership


LEADS_ONLY = N_("Only the campaign's leads can do that.")
RUNNERS_ONLY = N_("Only the campaign's leads and facilitators can do that.")
ONE_LEAD = N_("A campaign needs at least one lead. Make someone else a co-lead first.")


def _audit(session: Session, actor: Viewer, campaign: Campaign, action: str, *,
           target_user_id: int | None = None, reason: str = "") -> None:
    audit.record(session, org_id=campaign.org_id, actor_id=actor.user_id, action=action,
                 target_user_id=target_user_id, campaign_id=campaign.id, reason=reason)


def _feed(session: Session, campaign: Campaign, kind: FeedKind, *, author_id: int | None,
          text: str = "") -> FeedItem:
    assert campaign.id is not None
    item = FeedItem(campaign_id=campaign.id, kind=kind, author_id=author_id, text=text)
    session.add(item)
    return item


def _touch(session: Session, campaign: Campaign) -> None:
    campaign.updated_at = clock.now()
    session.add(campaign)


def _new_join_code(session: Session) -> str:
    while True:
        code = new_code(JOIN_CODE_LENGTH)
        if session.exec(select(Campaign.id).where(Campaign.join_code == code)).first() is None:
            return code


def _add_reading(session: Session, actor: Viewer, campaign: Campaign, value: float) -> None:
    assert campaign.id is not None
    session.add(MeasureReading(campaign_id=campaign.id, value=value, recorded_by=actor.user_id))


# ---------------------------------------------------------------- the goal


def create_campaign(session: Session, *, actor: Viewer, data: Mapping[str, Any],
                    steps: Sequence[str] = ()) -> Campaign:
    """A new draft with the viewer as its lead. `steps` are first plan steps, owned by the lead."""
    _require_active_account(session, actor)
    if actor.is_staff:
        raise NotAllowed(_("Campaigns are started by young people. Youth workers join them "
                           "as facilitators."))
    _require_can_post(actor, N_("start a campaign"))
    changes = team.parse_goal(data, today=_today(), creating=True)
    texts = _step_texts(steps)
    campaign = Campaign(org_id=actor.org_id, created_by=actor.user_id, **changes)
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    session.add(CampaignMember(campaign_id=campaign.id, user_id=actor.user_id,
                               role=CampaignRole.lead))
    for position, text in enumerate(texts):
        session.add(PlanStep(campaign_id=campaign.id, position=position, text=text,
                             owner_id=actor.user_id))
    if campaign.measure_target is not None or campaign.measure_what:
        _add_reading(session, actor, campaign, campaign.measure_current)
    _feed(session, campaign, FeedKind.created, author_id=actor.user_id)
    _audit(session, actor, campaign, "campaign.created")
    session.flush()
    return campaign


def _step_texts(steps: Sequence[str]) -> list[str]:
    """The steps typed, without the empty rows; a problem is keyed by the row it was typed in."""
    rows = [team.clean_text(text) for text in steps]
    texts = [text for text in rows if text]
    errors = {}
    for index, text in enumerate(rows):
        problem = text and team.text_problem(text, label=N_("a step"), limit=team.STEP_MAX,
                                             required=True)
        if problem:
            errors[f"step_{index}"] = problem
    if len(texts) > MAX_STEPS:
        errors["steps"] = _("A plan can have up to %(max)d steps.") % {"max": MAX_STEPS}
    if errors:
        raise InvalidInput(errors)
    return texts


def update_goal(session: Session, *, actor: Viewer, campaign_id: int,
                data: Mapping[str, Any], steps: Sequence[str] = ()) -> Campaign:
    """Change the title, issue or goal; a live campaign must keep all four letters met."""
    campaign, membership = _writable(session, actor, campaign_id)
    _require_role(membership, {CampaignRole.lead}, N_("Only the campaign's leads can change "
                                                      "its goal."))
    _require_open(campaign)
    changes = team.parse_goal(data, today=_today(), creating=False,
                              keep_deadline=campaign.deadline)
    texts = _step_texts(steps)
    # A live campaign must not lose a letter; one already unmet (its deadline has passed, a
    # step's owner left) does not stop other edits.
    met_before = ({letter.key for letter in letters_for(session, campaign) if letter.met}
                  if campaign.status == Status.live else set())
    changed = sorted(name for name, value in changes.items()
                     if getattr(campaign, name) != value)
    for name in changed:
        setattr(campaign, name, changes[name])
    if texts:
        _append_steps(session, campaign, texts, owner_id=actor.user_id)
    if "measure_current" in changed or (
            "measure_target" in changed and not _has_readings(session, campaign)):
        _add_reading(session, actor, campaign, campaign.measure_current)
    if not changed and not texts:
        return campaign
    session.flush()
    if campaign.status == Status.live:
        missing = [letter for letter in letters_for(session, campaign)
                   if not letter.met and letter.key in met_before]
        if missing:
            raise InvalidInput({letter.field: f"{letter.key}: {letter.problem}"
                                for letter in missing})
    _touch(session, campaign)
    _audit(session, actor, campaign, "campaign.goal_changed",
           reason=", ".join(changed + (["steps"] if texts else [])))
    return campaign


def _has_readings(session: Session, campaign: Campaign) -> bool:
    return session.exec(select(MeasureReading.id).where(
        MeasureReading.campaign_id == campaign.id)).first() is not None


def _append_steps(session: Session, campaign: Campaign, texts: Sequence[str], *,
                  owner_id: int | None) -> list[PlanStep]:
    assert campaign.id is not None
    existing = _steps(session, campaign.id)
    if len(existing) + len(texts) > MAX_STEPS:
        raise InvalidInput({"steps": _("A plan can have up to %(max)d steps.") % {
            "max": MAX_STEPS}})
    start = max((step.position for step in existing), default=-1) + 1
    added = [PlanStep(campaign_id=campaign.id, position=start + i, text=text, owner_id=owner_id)
             for i, text in enumerate(texts)]
    session.add_all(added)
    return added


def go_live(session: Session, *, actor: Viewer, campaign_id: int) -> Campaign:
    campaign, membership = _writable(session, actor, campaign_id)
    _require_role(membership, {CampaignRole.lead}, LEADS_ONLY)
    if campaign.status != Status.draft:
        raise NotAllowed(_("Only a draft can go live."))
    missing = [letter for letter in letters_for(session, campaign) if not letter.met]
    if missing:
        raise InvalidInput({letter.field: f"{letter.key}: {letter.problem}"
                            for letter in missing})
    campaign.status = Status.live
    campaign.live_at = clock.now()
    campaign.join_code = _new_join_code(session)
    _touch(session, campaign)
    _feed(session, campaign, FeedKind.live, author_id=actor.user_id)
    _audit(session, actor, campaign, "campaign.live")
    return campaign


def end_campaign(session: Session, *, actor: Viewer, campaign_id: int, outcome: str,
                 statement: str) -> Campaign:
    """Live (or draft) → achieved or closed, with a statement of what happened."""
    campaign, membership = _writable(session, actor, campaign_id)
    _require_role(membership, {CampaignRole.lead}, LEADS_ONLY)
    _require_open(campaign)
    errors = {}
    try:
        status = Status(outcome)
    except ValueError:
        status = Status.draft
    if status not in ENDED:
        errors["outcome"] = _("Choose whether the campaign achieved its goal or is closing.")
    elif status == Status.achieved and campaign.status != Status.live:
        errors["outcome"] = _("Only a live campaign can be marked as achieved.")
    text = team.clean_text(statement, multiline=True)
    problem = team.text_problem(text, label=N_("what happened"), limit=team.LONG_TEXT_MAX,
                                required=True, multiline=True)
    if problem:
        errors["statement"] = (_("Say what happened: a few words for everyone who took part.")
                               if not text else problem)
    if errors:
        raise InvalidInput(errors)
    campaign.status = status
    campaign.closing_statement = text
    campaign.ended_at = clock.now()
    _touch(session, campaign)
    _feed(session, campaign, FeedKind.ended, author_id=actor.user_id, text=text)
    _audit(session, actor, campaign, f"campaign.{status}")
    return campaign


def set_archived(session: Session, *, actor: Viewer, campaign_id: int, archived: bool,
                 ) -> Campaign:
    """Staff put a campaign away (read-only, nothing deleted) or bring it back."""
    _require_active_account(session, actor)
    campaign, _membership = _load(session, actor, campaign_id, lock=True)
    if not actor.is_staff:
        raise NotAllowed(_("Only youth workers and organisation admins can archive a "
                           "campaign."))
    if (campaign.archived_at is not None) == archived:
        return campaign
    campaign.archived_at = clock.now() if archived else None
    campaign.archived_by = actor.user_id if archived else None
    _feed(session, campaign, FeedKind.archived if archived else FeedKind.unarchived,
          author_id=actor.user_id)
    _audit(session, actor, campaign, "campaign.archived" if archived else "campaign.unarchived")
    return campaign


# ---------------------------------------------------------------- the plan


def _step(session: Session, campaign: Campaign, step_id: int) -> PlanStep:
    step = session.get(PlanStep, step_id)
    if step is None or step.campaign_id != campaign.id:
        raise NotFound(_("We could not find that step in this campaign."))
    return step


def _owner(session: Session, campaign: Campaign, owner_id: Any) -> int:
    try:
        owner = int(owner_id)
    except (TypeError, ValueError):
        raise InvalidInput({"owner_id": _("Choose who will do this step.")}) from None
    if owner not in _member_ids(session, campaign.id or 0):
        raise InvalidInput({"owner_id": _("A step's owner must be in the campaign.")})
    return owner


def add_step(session: Session, *, actor: Viewer, campaign_id: int, text: str,
             owner_id: Any) -> PlanStep:
    campaign, membership = _writable(session, actor, campaign_id)
    _require_role(membership, {CampaignRole.lead}, LEADS_ONLY)
    _require_open(campaign)
    texts = _step_texts([text]) or _missing_step()
    owner = _owner(session, campaign, owner_id if owner_id not in (None, "") else actor.user_id)
    (step,) = _append_steps(session, campaign, texts, owner_id=owner)
    _touch(session, campaign)
    _audit(session, actor, campaign, "campaign.step_added", target_user_id=owner)
    session.flush()
    return step


def _missing_step() -> list[str]:
    raise InvalidInput({"text": _("Say what the step is.")})


def update_step(session: Session, *, actor: Viewer, campaign_id: int, step_id: int,
                text: str | None = None, owner_id: Any = None) -> PlanStep:
    campaign, membership = _writable(session, actor, campaign_id)
    _require_role(membership, {CampaignRole.lead}, LEADS_ONLY)
    _require_open(campaign)
    step = _step(session, campaign, step_id)
    if text is not None:
        step.text = (_step_texts([text]) or _missing_step())[0]
    if owner_id not in (None, ""):
        step.owner_id = _owner(session, campaign, owner_id)
    session.add(step)
    _touch(session, campaign)
    _audit(session, actor, campaign, "campaign.step_changed", target_user_id=step.owner_id)
    return step


def remove_step(session: Session, *, actor: Viewer, campaign_id: int, step_id: int) -> None:
    campaign, membership = _writable(session, actor, campaign_id)
    _require_role(membership, {CampaignRole.lead}, LEADS_ONLY)
    _require_open(campaign)
    step = _step(session, campaign, step_id)
    if campaign.status == Status.live and len(_steps(session, campaign.id or 0)) == 1:
        raise NotAllowed(_("A live campaign needs at least one step in its plan. "
                           "Add another step before removing this one."))
    session.delete(step)
    _touch(session, campaign)
    _audit(session, actor, campaign, "campaign.step_removed", reason=step.text[:200])


def set_step_done(session: Session, *, actor: Viewer, campaign_id: int, step_id: int,
                  done: bool) -> PlanStep:
    """Leads tick any step; a member ticks the steps they own."""
    campaign, membership = _writable(session, actor, campaign_id)
    _require_open(campaign)
    step = _step(session, campaign, step_id)
    role = _active_role(membership)
    if role != CampaignRole.lead and not (role is not None and step.owner_id == actor.user_id):
        raise NotAllowed(_("Only the campaign's leads and the step's owner can tick it."))
    if (step.done_at is not None) == done:
        return step
    step.done_at = clock.now() if done else None
    step.done_by = actor.user_id if done else None
    session.add(step)
    _touch(session, campaign)
    _feed(session, campaign, FeedKind.step_done if done else FeedKind.step_undone,
          author_id=actor.user_id, text=step.text)
    _audit(session, actor, campaign, "campaign.step_done" if done else "campaign.step_undone")
    return step


# ---------------------------------------------------------------- progress


def record_progress(session: Session, *, actor: Viewer, campaign_id: int,
                    measure: Any = None, steps: Mapping[int, bool] | None = None,
                    update: str = "") -> Campaign:
    """A new value for the measure, steps ticked or unticked, and words for the feed, together."""
    campaign, membership = _writable(session, actor, campaign_id)
    _require_open(campaign)
    role = _active_role(membership)
    errors: dict[str, str] = {}
    value, problem = (None, None)
    if measure not in (None, ""):
        value, problem = team.parse_number(measure, label=N_("The new value"))
        if problem:
            errors["measure"] = problem
        elif role != CampaignRole.lead:
            raise NotAllowed(_("Only the campaign's leads can update the measure."))
    text = team.clean_text(update, multiline=True)
    if text:
        problem = team.text_problem(text, label=N_("your update"), limit=team.LONG_TEXT_MAX,
                                    required=True, multiline=True)
        if problem:
            errors["update"] = problem
        elif role not in (CampaignRole.lead, CampaignRole.facilitator):
            raise NotAllowed(_("Only the campaign's leads and facilitators can post updates."))
    if value is None and not steps and not text and not errors:
        errors["measure"] = _("Give a new value, tick a step, or write an update.")
    if errors:
        raise InvalidInput(errors)
    for step_id, done in (steps or {}).items():
        set_step_done(session, actor=actor, campaign_id=campaign_id, step_id=step_id, done=done)
    if value is not None and value != campaign.measure_current:
        campaign.measure_current = value
        _add_reading(session, actor, campaign, value)
        unit = f" {campaign.measure_unit}" if campaign.measure_unit else ""
        _feed(session, campaign, FeedKind.measure, author_id=actor.user_id,
              text=f"{campaign.measure_what}: {team.format_number(value)}{unit}")
        _audit(session, actor, campaign, "campaign.measure_updated",
               reason=team.format_number(value))
    if text:
        _feed(session, campaign, FeedKind.update, author_id=actor.user_id, text=text)
        _audit(session, actor, campaign, "campaign.update_posted")
    _touch(session, campaign)
    return campaign


# ---------------------------------------------------------------- stakeholders


def _stakeholder_fields(data: Mapping[str, Any], *, creating: bool) -> dict[str, str]:
    specs = (("name", N_("the name or role"), team.NAME_MAX, True, False),
             ("organisation", N_("their organisation"), team.NAME_MAX, False, False),
             ("notes", N_("the notes"), team.LONG_TEXT_MAX, False, True))
    changes, errors = {}, {}
    for name, label, limit, required, multiline in specs:
        if name not in data and not (creating and required):
            continue
        value = team.clean_text(data.get(name), multiline=multiline)
        problem = team.text_problem(value, label=label, limit=limit, required=required,
                                    multiline=multiline)
        if problem:
            errors[name] = (_("Add who they are: a name or a role, like \"Course manager\".")
                            if required and not value else problem)
        else:
            changes[name] = value
    if errors:
        raise InvalidInput(errors)
    return changes


def add_stakeholder(session: Session, *, actor: Viewer, campaign_id: int,
                    data: Mapping[str, Any]) -> Stakeholder:
    campaign, membership = _writable(session, actor, campaign_id)
    _require_role(membership, {CampaignRole.lead}, LEADS_ONLY)
    _require_open(campaign)
    changes = _stakeholder_fields(data, creating=True)
    count = session.exec(select(func.count()).select_from(Stakeholder)
                         .where(Stakeholder.campaign_id == campaign_id)).one()
    if count >= MAX_STAKEHOLDERS:
        raise InvalidInput({"name": _("A campaign can list up to %(max)d people.") % {
            "max": MAX_STAKEHOLDERS}})
    stakeholder = Stakeholder(campaign_id=campaign_id, name=changes["name"],
                              organisation=changes.get("organisation", ""),
                              notes=changes.get("notes", ""))
    session.add(stakeholder)
    _touch(session, campaign)
    _audit(session, actor, campaign, "campaign.stakeholder_added")
    session.flush()
    return stakeholder


def _stakeholder(session: Session, campaign: Campaign, stakeholder_id: int) -> Stakeholder:
    found = session.get(Stakeholder, stakeholder_id)
    if found is None or found.campaign_id != campaign.id:
        raise NotFound(_("We could not find that person in this campaign."))
    return found


def update_stakeholder(session: Session, *, actor: Viewer, campaign_id: int,
                       stakeholder_id: int, data: Mapping[str, Any]) -> Stakeholder:
    campaign, membership = _writable(session, actor, campaign_id)
    _require_role(membership, {CampaignRole.lead}, LEADS_ONLY)
    _require_open(campaign)
    stakeholder = _stakeholder(session, campaign, stakeholder_id)
    for name, value in _stakeholder_fields(data, creating=False).items():
        setattr(stakeholder, name, value)
    stakeholder.updated_at = clock.now()
    session.add(stakeholder)
    _touch(session, campaign)
    _audit(session, actor, campaign, "campaign.stakeholder_changed")
    return stakeholder


def remove_stakeholder(session: Session, *, actor: Viewer, campaign_id: int,
                       stakeholder_id: int) -> None:
    campaign, membership = _writable(session, actor, campaign_id)
    _require_role(membership, {CampaignRole.lead}, LEADS_ONLY)
    _require_open(campaign)
    stakeholder = _stakeholder(session, campaign, stakeholder_id)
    session.delete(stakeholder)
    _touch(session, campaign)
    _audit(session, actor, campaign, "campaign.stakeholder_removed", reason=stakeholder.name)


# ---------------------------------------------------------------- people


def find_by_code(session: Session, *, actor: Viewer, code: str) -> Campaign:
    typed = normalise_code(code if isinstance(code, str) else "")
    if not typed:
        raise InvalidInput({"code": _("Type the campaign's code.")})
    campaign = session.exec(select(Campaign).where(Campaign.join_code == typed)).first()
    if (campaign is None or campaign.org_id != actor.org_id or campaign.archived_at is not None
            or campaign.status != Status.live):
        raise InvalidInput({"code": _(NO_CODE)})
    return campaign


def join(session: Session, *, actor: Viewer, code: str) -> Campaign:
    """Join a live campaign with its code. Joining again is harmless."""
    _require_active_account(session, actor)
    campaign = find_by_code(session, actor=actor, code=code)
    assert campaign.id is not None
    membership = _membership(session, campaign.id, actor.user_id)
    if membership is not None and membership.removed_at is None:
        return campaign
    if membership is not None:
        raise NotAllowed(_("You were removed from this campaign, so its code does not work "
                           "for you. Talk to one of its leads or a youth worker."))
    _require_can_post(actor, N_("join a campaign"))
    role = CampaignRole.facilitator if actor.is_staff else CampaignRole.member
    _add_member(session, actor, campaign, actor.user_id, role)
    return campaign


def _add_member(session: Session, actor: Viewer, campaign: Campaign, user_id: int,
                role: CampaignRole) -> None:
    assert campaign.id is not None
    try:
        with session.begin_nested():
            session.add(CampaignMember(campaign_id=campaign.id, user_id=user_id, role=role))
    except IntegrityError:
        return  # joined a moment ago in another request: already in
    name = _names(session, {user_id}).get(user_id, "")
    _feed(session, campaign, FeedKind.joined, author_id=user_id,
          text=f"{name} joined as {role.label.lower()}")
    _audit(session, actor, campaign, f"campaign.{role}_added", target_user_id=user_id)


def join_as_facilitator(session: Session, *, actor: Viewer, campaign_id: int) -> Campaign:
    campaign, membership = _writable(session, actor, campaign_id)
    if not actor.is_staff:
        raise NotAllowed(_("Only youth workers and organisation admins can be facilitators."))
    if _active_role(membership) is None:
        _make_facilitator(session, actor, campaign, actor.user_id)
    return campaign


def _make_facilitator(session: Session, actor: Viewer, campaign: Campaign,
                      user_id: int) -> None:
    """Adds a member of staff as facilitator, or brings back one who was removed."""
    existing = _membership(session, campaign.id or 0, user_id)
    if existing is None:
        _add_member(session, actor, campaign, user_id, CampaignRole.facilitator)
        return
    if existing.removed_at is None and existing.role == CampaignRole.facilitator:
        return
    existing.removed_at = None
    existing.removed_by = None
    existing.role = CampaignRole.facilitator
    session.add(existing)
    _audit(session, actor, campaign, "campaign.facilitator_added", target_user_id=user_id)


def add_facilitator(session: Session, *, actor: Viewer, campaign_id: int,
                    user_id: Any) -> None:
    """A lead or facilitator adds one of the organisation's youth workers."""
    campaign, membership = _writable(session, actor, campaign_id)
    _require_role(membership, {CampaignRole.lead, CampaignRole.facilitator}, RUNNERS_ONLY)
    try:
        target = int(user_id)
    except (TypeError, ValueError):
        raise InvalidInput({"user_id": _("Choose a youth worker.")}) from None
    staff = session.exec(select(Member).where(Member.user_id == target,
                                              Member.org_id == actor.org_id)).first()
    if staff is None or Role(staff.role) == Role.young_person:
        raise InvalidInput({"user_id": _("Choose a youth worker or admin from your "
                                         "organisation.")})
    _make_facilitator(session, actor, campaign, target)


def staff_to_add(session: Session, *, actor: Viewer, campaign_id: int) -> list[User]:
    """Youth workers and admins of the organisation who are not yet in the campaign."""
    _load(session, actor, campaign_id)
    inside = _member_ids(session, campaign_id)
    rows = session.exec(
        select(User).join(Member, col(Member.user_id) == col(User.id))
        .where(Member.org_id == actor.org_id, Member.role != Role.young_person,
               col(User.suspended_at).is_(None))
        .order_by(func.lower(User.display_name)))
    return [user for user in rows if user.id not in inside]


def _target(session: Session, campaign: Campaign, user_id: int) -> CampaignMember:
    found = _membership(session, campaign.id or 0, user_id)
    if found is None or found.removed_at is not None:
        raise NotFound(_("That person is not in this campaign."))
    return found


def _leads(session: Session, campaign_id: int) -> int:
    count: int = session.exec(select(func.count()).select_from(CampaignMember).where(
        CampaignMember.campaign_id == campaign_id, CampaignMember.role == CampaignRole.lead,
        col(CampaignMember.removed_at).is_(None))).one()
    return count


def set_lead(session: Session, *, actor: Viewer, campaign_id: int, user_id: int,
             lead: bool) -> CampaignMember:
    """Make a young person in the campaign a co-lead, or step a co-lead back to member."""
    campaign, membership = _writable(session, actor, campaign_id)
    _require_role(membership, {CampaignRole.lead}, LEADS_ONLY)
    target = _target(session, campaign, user_id)
    if target.role == CampaignRole.facilitator:
        raise InvalidInput({"user_id": _("Facilitators support the campaign; leads are young "
                                         "people.")})
    wanted = CampaignRole.lead if lead else CampaignRole.member
    if target.role == wanted:
        return target
    if not lead and _leads(session, campaign_id) <= 1:
        raise InvalidInput({"user_id": _(ONE_LEAD)})
    target.role = wanted
    session.add(target)
    _audit(session, actor, campaign, "campaign.lead_added" if lead else "campaign.lead_removed",
           target_user_id=user_id)
    return target


def remove_member(session: Session, *, actor: Viewer, campaign_id: int, user_id: int,
                  ) -> CampaignMember:
    """A lead or facilitator removes someone; anyone may leave. Their steps lose their owner."""
    campaign, membership = _writable(session, actor, campaign_id)
    leaving = user_id == actor.user_id
    if not leaving and not actor.is_staff:
        # Youth workers can remove anyone, from the moderation console too, without joining.
        _require_role(membership, {CampaignRole.lead, CampaignRole.facilitator}, RUNNERS_ONLY)
    target = _target(session, campaign, user_id)
    if target.role == CampaignRole.lead and _leads(session, campaign_id) <= 1:
        raise InvalidInput({"user_id": _(ONE_LEAD)})
    if not leaving and target.role == CampaignRole.facilitator and not actor.is_staff:
        raise NotAllowed(_("Only a youth worker can remove a facilitator."))
    now = clock.now()
    if leaving:
        session.delete(target)  # leaving is not a removal: they can come back with the code
    else:
        target.removed_at = now
        target.removed_by = actor.user_id
        session.add(target)
    for step in _steps(session, campaign_id):
        if step.owner_id == user_id:
            step.owner_id = None
            session.add(step)
    _audit(session, actor, campaign, "campaign.left" if leaving else "campaign.member_removed",
           target_user_id=user_id)
    # Their open pages of the campaign close at once.
    events.kick(session, user_id, campaign_id=campaign_id,
                reason=N_("You have left this campaign.") if leaving
                else N_("You were removed from this campaign."))
    return target


def regenerate_code(session: Session, *, actor: Viewer, campaign_id: int) -> Campaign:
    campaign, membership = _writable(session, actor, campaign_id)
    _require_role(membership, {CampaignRole.lead, CampaignRole.facilitator}, RUNNERS_ONLY)
    if campaign.status != Status.live:
        raise NotAllowed(_("Only a live campaign has a join code."))
    campaign.join_code = _new_join_code(session)
    session.add(campaign)
    _audit(session, actor, campaign, "campaign.code_regenerated")
    return campaign
