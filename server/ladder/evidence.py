"""The evidence an organisation shows funders and inspectors: one query layer under the
dashboard and every export, so a chart, a CSV row and a PDF page can never disagree.

`read_filter` checks what was asked for (a date range and a campaign), `gather` collects the
decisions decided in that range with their rung, story, Lundy check, amendments and the young
people involved, and totals them for the organisation and for each campaign. `evidence_data`
is the same evidence as the versioned JSON documented in docs/evidence-schema.md.

A confirmed decision counts what its frozen snapshot says; one not yet confirmed counts what
its linked polls and threads show now, and says so. Young people are counted, never named:
distinct young people are counted once across decisions by their participant keys, which
never leave this module.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from server import clock
from server.accounts.models import AgeBand, Organisation, User
from server.accounts.sessions import Viewer
from server.campaigns.models import Campaign, Stakeholder
from server.errors import InvalidInput, NotAllowed, NotFound
from server.i18n import N_, _
from server.ladder import decisions
from server.ladder.models import Amendment, Decision
from server.ladder.rungs import AT_LEAST_PARTICIPATION, LUNDY_ELEMENTS, RUNGS, DecidedBy, Rung

SCHEMA_VERSION = "1.0"
STAFF_ONLY = N_("Only youth workers and organisation admins can see the organisation's "
                "evidence.")
NO_CAMPAIGN = N_("We could not find that campaign.")
# Every age band a count is given for, in order, with "not given" last.
AGE_BANDS: tuple[str, ...] = (*(str(band) for band in AgeBand), decisions.NOT_GIVEN)
AGE_BAND_LABELS: dict[str, str] = {**{str(band): band.label for band in AgeBand},
                                   decisions.NOT_GIVEN: "Not given"}


# ---------------------------------------------------------------- what was asked for


@dataclass(frozen=True)
class EvidenceFilter:
    """Decisions decided from `date_from` to `date_to` (both included), in one campaign or
    all of the organisation's."""

    date_from: date | None = None
    date_to: date | None = None
    campaign_id: int | None = None
    campaign_title: str = ""

    @property
    def period(self) -> str:
        """The period in words, for headings and the PDF's cover."""
        if self.date_from and self.date_to:
            return f"{_day(self.date_from)} to {_day(self.date_to)}"
        if self.date_from:
            return f"From {_day(self.date_from)}"
        if self.date_to:
            return f"Up to {_day(self.date_to)}"
        return "All dates"

    def query(self) -> dict[str, str]:
        """The filter as query parameters, for links to the exports of the same evidence."""
        found = {"from": _iso(self.date_from), "to": _iso(self.date_to),
                 "campaign": str(self.campaign_id) if self.campaign_id else ""}
        return {name: value for name, value in found.items() if value}


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _iso(value: date | datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def _require_staff(actor: Viewer) -> None:
    if not actor.is_staff:
        raise NotAllowed(_(STAFF_ONLY))


def read_filter(session: Session, actor: Viewer, params: Mapping[str, Any]) -> EvidenceFilter:
    """`from` and `to` (ISO dates, either may be empty) and `campaign` (an id or empty), as a
    form or the API sends them. A campaign of another organisation is not found."""
    _require_staff(actor)
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name, problem in (("from", N_("Give the first day as a date, like 2027-03-31.")),
                          ("to", N_("Give the last day as a date, like 2027-03-31."))):
        typed = str(params.get(name) or "").strip()
        try:
            dates[name] = date.fromisoformat(typed) if typed else None
        except ValueError:
            errors[name] = _(problem)
            dates[name] = None
    if dates["from"] and dates["to"] and dates["to"] < dates["from"]:
        errors["to"] = _("The last day cannot be before the first day.")
    typed = str(params.get("campaign") or "").strip()
    campaign: Campaign | None = None
    if typed:
        if not typed.isdigit():
            errors["campaign"] = _("Choose a campaign from the list.")
        else:
            campaign = session.get(Campaign, int(typed))
            if campaign is None or campaign.org_id != actor.org_id:
                raise NotFound(_(NO_CAMPAIGN))
    if errors:
        raise InvalidInput(errors)
    return EvidenceFilter(date_from=dates["from"], date_to=dates["to"],
                          campaign_id=campaign.id if campaign else None,
                          campaign_title=campaign.title if campaign else "")


def campaign_choices(session: Session, actor: Viewer) -> list[tuple[int, str]]:
    """The organisation's campaigns that have decisions, for a filter's list."""
    _require_staff(actor)
    rows = session.exec(select(Campaign.id, Campaign.title).where(
        Campaign.org_id == actor.org_id, col(Campaign.id).in_(
            select(Decision.campaign_id).where(Decision.org_id == actor.org_id)))
        .order_by(col(Campaign.title), col(Campaign.id)))
    return [(campaign_id, title) for campaign_id, title in rows if campaign_id is not None]


# ---------------------------------------------------------------- the evidence


@dataclass(frozen=True)
class AmendmentRow:
    at: datetime
    by: str  # the youth worker or admin who amended it: only staff amend
    reason: str
    changes: dict[str, list[Any]]  # {field: [old, new]}

    @property
    def summary(self) -> str:
        """The change in one line of words, for a table cell."""
        parts = [f"{FIELD_LABELS.get(name, name)}: "
                 f"{describe_value(name, old)} -> {describe_value(name, new)}"
                 for name, (old, new) in self.changes.items()]
        return f"{self.at:%Y-%m-%d} by {self.by}: {self.reason} ({'; '.join(parts)})"


FIELD_LABELS = {
    "title": "what was decided", "details": "details", "decided_on": "decided on",
    "decided_by": "who decided", "stakeholder_id": "decision maker",
    "poll_ids": "linked polls", "thread_ids": "linked threads",
    "poll_bound_outcome": "the poll bound the outcome", "bound_poll_id": "the poll followed",
    "suggestions_taken_up": "suggestions taken up", "rung": "rung",
    "rung_reason": "why this rung", "you_said": "you said", "we_did": "we did",
    "follow_up_on": "follow-up date", "lundy": "Lundy check",
}


def describe_value(name: str, value: Any) -> str:
    """A field's value in words, as an amendment shows it."""
    if value is None or value == "" or value == []:
        return "(none)"
    if name == "rung":
        return Rung(value).label
    if name == "decided_by":
        return DecidedBy(value).label
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v.get('met') if isinstance(v, dict) else v}"
                         for k, v in value.items())
    return str(value)


@dataclass
class DecisionRow:
    """One decision as evidence: what it was, its rung, its story and the young people
    involved, counted. `frozen` says the counts are the confirmed snapshot."""

    id: int
    campaign_id: int
    campaign: str
    title: str
    details: str
    decided_on: date
    decided_by: DecidedBy
    decision_maker: str
    rung: Rung
    suggested_rung: Rung
    rung_reason: str
    you_said: str
    we_did: str
    we_did_published_on: date | None
    follow_up_on: date | None
    lundy: dict[str, dict[str, Any]]
    confirmed_on: date | None
    confirmed_by: str
    young_people: int
    ballots: int
    comments: int
    age_bands: dict[str, int]
    polls: list[dict[str, Any]]
    amendments: list[AmendmentRow]
    participants: dict[str, str] = field(repr=False)

    @property
    def frozen(self) -> bool:
        return self.confirmed_on is not None

    @property
    def at_least_participation(self) -> bool:
        return self.rung in AT_LEAST_PARTICIPATION

    @property
    def month(self) -> str:
        return f"{self.decided_on:%Y-%m}"


@dataclass(frozen=True)
class Totals:
    """Decisions per rung, the share at Participation or above, and the distinct young people
    involved by age band."""

    decisions: int
    per_rung: dict[Rung, int]
    at_least_participation: int
    young_people: int
    age_bands: dict[str, int]

    @property
    def share(self) -> float | None:
        """The share of decisions at Participation or above, from 0 to 1; None with none."""
        return self.at_least_participation / self.decisions if self.decisions else None

    @property
    def share_text(self) -> str:
        return f"{self.share:.0%}" if self.share is not None else "No decisions"


@dataclass(frozen=True)
class CampaignTotals:
    campaign_id: int
    title: str
    totals: Totals


@dataclass(frozen=True)
class Evidence:
    organisation: str
    filter: EvidenceFilter
    generated_at: datetime
    decisions: list[DecisionRow]
    totals: Totals
    months: list[tuple[str, dict[Rung, int]]]  # every month from the first decision's to the last's
    campaigns: list[CampaignTotals]


def _totals(rows: Sequence[DecisionRow]) -> Totals:
    per_rung = {rung: 0 for rung in RUNGS}
    people: dict[str, str] = {}
    # Oldest first, so a young person's latest band is the one kept.
    for row in sorted(rows, key=lambda r: (r.decided_on, r.id)):
        per_rung[row.rung] += 1
        people.update(row.participants)
    bands = dict.fromkeys(AGE_BANDS, 0)
    for band in people.values():
        bands[band] = bands.get(band, 0) + 1
    return Totals(decisions=len(rows), per_rung=per_rung,
                  at_least_participation=sum(1 for row in rows if row.at_least_participation),
                  young_people=len(people), age_bands=bands)


def _months(rows: Sequence[DecisionRow]) -> list[tuple[str, dict[Rung, int]]]:
    if not rows:
        return []
    first = min(row.decided_on for row in rows).replace(day=1)
    last = max(row.decided_on for row in rows).replace(day=1)
    months: dict[str, dict[Rung, int]] = {}
    current = first
    while current <= last:
        months[f"{current:%Y-%m}"] = {rung: 0 for rung in RUNGS}
        current = (current.replace(year=current.year + 1, month=1) if current.month == 12
                   else current.replace(month=current.month + 1))
    for row in rows:
        months[row.month][row.rung] += 1
    return list(months.items())


def _names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return {user_id: name for user_id, name in session.exec(
        select(User.id, User.display_name).where(col(User.id).in_(user_ids)))
        if user_id is not None}


def gather(session: Session, actor: Viewer, wanted: EvidenceFilter) -> Evidence:
    """The organisation's decisions in the filter, oldest first, with their totals."""
    _require_staff(actor)
    query = select(Decision).where(Decision.org_id == actor.org_id)
    if wanted.campaign_id is not None:
        query = query.where(Decision.campaign_id == wanted.campaign_id)
    if wanted.date_from is not None:
        query = query.where(col(Decision.decided_on) >= wanted.date_from)
    if wanted.date_to is not None:
        query = query.where(col(Decision.decided_on) <= wanted.date_to)
    found = list(session.exec(query.order_by(col(Decision.decided_on), col(Decision.id))))
    ids = [d.id for d in found if d.id is not None]
    polls, threads = decisions._links(session, ids)
    campaigns = {c.id: c for c in session.exec(select(Campaign).where(
        col(Campaign.id).in_({d.campaign_id for d in found})))}
    stakeholders = {s.id: s for s in session.exec(select(Stakeholder).where(
        col(Stakeholder.id).in_({d.stakeholder_id for d in found if d.stakeholder_id})))}
    amendments: dict[int, list[Amendment]] = {i: [] for i in ids}
    for amendment in session.exec(select(Amendment).where(
            col(Amendment.decision_id).in_(ids)).order_by(col(Amendment.id))):
        amendments[amendment.decision_id].append(amendment)
    # Only staff confirm and amend: theirs are the only names in the evidence.
    staff = _names(session, {d.confirmed_by for d in found if d.confirmed_by} | {
        a.by for group in amendments.values() for a in group if a.by})
    rows = []
    for decision in found:
        assert decision.id is not None
        campaign = campaigns[decision.campaign_id]
        if decision.snapshot is not None:
            snapshot = json.loads(decision.snapshot)
            participants: dict[str, str] = json.loads(decision.participants or "{}")
        else:
            snapshot, participants = decisions.involvement(
                session, campaign, polls[decision.id], threads[decision.id])
        maker = stakeholders.get(decision.stakeholder_id)
        rows.append(DecisionRow(
            id=decision.id, campaign_id=decision.campaign_id, campaign=campaign.title,
            title=decision.title, details=decision.details, decided_on=decision.decided_on,
            decided_by=DecidedBy(decision.decided_by),
            decision_maker=(f"{maker.name}, {maker.organisation}" if maker and maker.organisation
                            else maker.name if maker else ""),
            rung=Rung(decision.rung), suggested_rung=Rung(decision.suggested_rung),
            rung_reason=decision.rung_reason, you_said=decision.you_said,
            we_did=decision.we_did if decision.we_did_published_at else "",
            we_did_published_on=(decision.we_did_published_at.date()
                                 if decision.we_did_published_at else None),
            follow_up_on=decision.follow_up_on, lundy=decisions._lundy_of(decision),
            confirmed_on=decision.confirmed_at.date() if decision.confirmed_at else None,
            confirmed_by=staff.get(decision.confirmed_by or 0, ""),
            young_people=snapshot["young_people"], ballots=snapshot["ballots"],
            comments=snapshot["comments"],
            age_bands={band: snapshot["age_bands"].get(band, 0) for band in AGE_BANDS},
            polls=snapshot["polls"],
            amendments=[AmendmentRow(at=a.at, by=staff.get(a.by or 0, "A former staff member"),
                                     reason=a.reason, changes=json.loads(a.changes))
                        for a in amendments[decision.id]],
            participants=participants))
    by_campaign: dict[int, list[DecisionRow]] = {}
    for row in rows:
        by_campaign.setdefault(row.campaign_id, []).append(row)
    organisation = session.get(Organisation, actor.org_id)
    return Evidence(
        organisation=organisation.name if organisation else "", filter=wanted,
        generated_at=clock.now(), decisions=rows, totals=_totals(rows), months=_months(rows),
        campaigns=sorted((CampaignTotals(campaign_id, group[0].campaign, _totals(group))
                          for campaign_id, group in by_campaign.items()),
                         key=lambda c: (c.title.lower(), c.campaign_id)))


# ---------------------------------------------------------------- as JSON


def _totals_data(totals: Totals) -> dict[str, Any]:
    return {
        "decisions": totals.decisions,
        "per_rung": {str(rung): totals.per_rung[rung] for rung in RUNGS},
        "at_least_participation": totals.at_least_participation,
        "share_at_least_participation": (round(totals.share, 4)
                                         if totals.share is not None else None),
        "young_people": totals.young_people,
        "age_bands": dict(totals.age_bands),
    }


def decision_row_data(row: DecisionRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "campaign": {"id": row.campaign_id, "title": row.campaign},
        "title": row.title,
        "details": row.details,
        "decided_on": row.decided_on.isoformat(),
        "decided_by": str(row.decided_by),
        "decided_by_label": row.decided_by.label,
        "decision_maker": row.decision_maker,
        "rung": str(row.rung),
        "rung_label": row.rung.label,
        "rung_rank": row.rung.rank,
        "suggested_rung": str(row.suggested_rung),
        "rung_reason": row.rung_reason,
        "at_least_participation": row.at_least_participation,
        "you_said": row.you_said,
        "we_did": row.we_did,
        "we_did_published_on": _iso(row.we_did_published_on) or None,
        "follow_up_on": _iso(row.follow_up_on) or None,
        "lundy": {str(e): row.lundy[str(e)] for e in LUNDY_ELEMENTS},
        "confirmed": row.frozen,
        "confirmed_on": _iso(row.confirmed_on) or None,
        "confirmed_by": row.confirmed_by or None,
        "involvement": {"young_people": row.young_people, "ballots": row.ballots,
                        "comments": row.comments, "age_bands": dict(row.age_bands),
                        "frozen": row.frozen},
        "polls": row.polls,
        "amendments": [{"at": a.at.isoformat(), "by": a.by, "reason": a.reason,
                        "changes": a.changes} for a in row.amendments],
    }


def evidence_data(evidence: Evidence) -> dict[str, Any]:
    """The evidence as the JSON export, version `SCHEMA_VERSION` (docs/evidence-schema.md)."""
    wanted = evidence.filter
    return {
        "schema_version": SCHEMA_VERSION,
        "organisation": evidence.organisation,
        "generated_at": evidence.generated_at.isoformat(),
        "filter": {"from": _iso(wanted.date_from) or None, "to": _iso(wanted.date_to) or None,
                   "campaign": ({"id": wanted.campaign_id, "title": wanted.campaign_title}
                                if wanted.campaign_id else None),
                   "period": wanted.period},
        "rungs": [{"value": str(rung), "name": rung.label, "rank": rung.rank}
                  for rung in RUNGS],
        "age_bands": [{"value": band, "name": AGE_BAND_LABELS[band]} for band in AGE_BANDS],
        "totals": _totals_data(evidence.totals),
        "months": [{"month": month, "per_rung": {str(r): n for r, n in counts.items()}}
                   for month, counts in evidence.months],
        "campaigns": [{"id": c.campaign_id, "title": c.title, "totals": _totals_data(c.totals)}
                      for c in evidence.campaigns],
        "decisions": [decision_row_data(row) for row in evidence.decisions],
    }
