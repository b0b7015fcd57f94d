"""Decisions: the only code that changes them.

Who may do what:
- the campaign's leads and facilitators record a decision, change it until it is confirmed,
  check it against the Lundy model, and publish its "we did";
- youth workers and organisation admins confirm it, which freezes its evidence snapshot, and
  amend it afterwards. Confirmed evidence is what an organisation shows funders and
  inspectors, so only the staff who vouch for it change it, and every change is kept as an
  amendment with who, when, why, and the old and new values. The snapshot never changes;
- anyone who can see the campaign reads its decisions; staff see the overdue list.

Each change writes its audit entry in the caller's transaction; publishing "we did" also
writes a feed item and the live event `decision.published` with the decision's public data.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from server import audit, clock
from server.accounts.models import AgeBand, Member, Role, User
from server.accounts.sessions import Viewer
from server.campaigns import service, tallies, team
from server.campaigns.models import (
    Ballot,
    Campaign,
    CampaignMember,
    CampaignRole,
    Comment,
    CommentState,
    FeedItem,
    FeedKind,
    Poll,
    PollKind,
    Stakeholder,
)
from server.errors import InvalidInput, NotAllowed, NotFound
from server.i18n import N_, _
from server.ladder.models import (
    AMENDMENT_REASON_MAX,
    DETAILS_MAX,
    LUNDY_NOTE_MAX,
    REASON_MAX,
    STORY_MAX,
    TITLE_MAX,
    Amendment,
    Decision,
    DecisionPoll,
    DecisionThread,
)
from server.ladder.rungs import LUNDY_ELEMENTS, DecidedBy, Rung
from server.ladder.suggest import HowDecided, Suggestion, needs_reason, suggest
from server.live import events

PUBLISHED = "decision.published"
SNAPSHOT_VERSION = 1
NOT_GIVEN = "not_given"  # the age band of a young person who did not give one
MISSING = N_("We could not find that decision.")
RUNNERS_ONLY = N_("Only the campaign's leads and facilitators can record and change its "
                  "decisions.")
STAFF_ONLY = N_("Only youth workers and organisation admins can confirm a decision.")
STAFF_AMEND = N_("Only youth workers and organisation admins can amend a confirmed decision.")
CONFIRMED = N_("This decision has been confirmed, so it cannot be changed directly. "
               "Ask a youth worker to amend it, saying why.")
# The fields a change or an amendment may set, in the order an amendment lists them.
FIELDS = ("title", "details", "decided_on", "decided_by", "stakeholder_id", "poll_ids",
          "thread_ids", "poll_bound_outcome", "bound_poll_id", "suggestions_taken_up", "rung",
          "rung_reason", "you_said", "we_did", "follow_up_on", "lundy")


# ---------------------------------------------------------------- reading


@dataclass
class DecisionView:
    """A decision with what a page or the API shows beside it."""

    decision: Decision
    campaign: Campaign
    poll_ids: list[int]
    thread_ids: list[int]
    stakeholder: Stakeholder | None
    suggestion: Suggestion
    amendments: list[Amendment] = field(default_factory=list)
    may_change: bool = False  # a lead or facilitator, before confirmation
    may_confirm: bool = False
    may_amend: bool = False
    may_publish: bool = False

    @property
    def confirmed(self) -> bool:
        return self.decision.confirmed_at is not None

    @property
    def snapshot(self) -> dict[str, Any] | None:
        return json.loads(self.decision.snapshot) if self.decision.snapshot else None

    @property
    def lundy(self) -> dict[str, dict[str, Any]]:
        return _lundy_of(self.decision)


def _lundy_of(decision: Decision) -> dict[str, dict[str, Any]]:
    stored = json.loads(decision.lundy or "{}")
    return {str(e): {"met": stored.get(e, {}).get("met"), "note": stored.get(e, {}).get("note", "")}
            for e in LUNDY_ELEMENTS}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def decision_data(decision: Decision, *, poll_ids: Sequence[int], thread_ids: Sequence[int],
                  stakeholder: Stakeholder | None = None) -> dict[str, Any]:
    """The decision's public data, for the API, the live event and exports: no person's name
    and no user id, only the stakeholder (a role such as "course manager") who decided."""
    rung, suggested = Rung(decision.rung), Rung(decision.suggested_rung)
    return {
        "id": decision.id,
        "campaign_id": decision.campaign_id,
        "title": decision.title,
        "details": decision.details,
        "decided_on": _iso(decision.decided_on),
        "decided_by": decision.decided_by,
        "decided_by_label": DecidedBy(decision.decided_by).label,
        "stakeholder": ({"id": stakeholder.id, "name": stakeholder.name,
                         "organisation": stakeholder.organisation}
                        if stakeholder is not None else None),
        "poll_ids": list(poll_ids),
        "thread_ids": list(thread_ids),
        "poll_bound_outcome": decision.poll_bound_outcome,
        "bound_poll_id": decision.bound_poll_id,
        "suggestions_taken_up": decision.suggestions_taken_up,
        "rung": str(rung),
        "rung_label": rung.label,
        "rung_rank": rung.rank,
        "suggested_rung": str(suggested),
        "rung_reason": decision.rung_reason,
        "you_said": decision.you_said,
        "we_did": decision.we_did,
        "follow_up_on": _iso(decision.follow_up_on),
        "we_did_published_at": _iso(decision.we_did_published_at),
        "lundy": _lundy_of(decision),
        "confirmed": decision.confirmed_at is not None,
        "confirmed_at": _iso(decision.confirmed_at),
    }


def _links(session: Session, decision_ids: Sequence[int]
           ) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    polls: dict[int, list[int]] = {i: [] for i in decision_ids}
    threads: dict[int, list[int]] = {i: [] for i in decision_ids}
    if decision_ids:
        for link in session.exec(select(DecisionPoll).where(
                col(DecisionPoll.decision_id).in_(decision_ids)).order_by(col(DecisionPoll.id))):
            polls[link.decision_id].append(link.poll_id)
        for thread in session.exec(select(DecisionThread).where(
                col(DecisionThread.decision_id).in_(decision_ids))
                .order_by(col(DecisionThread.id))):
            threads[thread.decision_id].append(thread.comment_id)
    return polls, threads


def _runs(membership: CampaignMember | None) -> bool:
    return service._active_role(membership) in (CampaignRole.lead, CampaignRole.facilitator)


def _view(session: Session, actor: Viewer, campaign: Campaign,
          membership: CampaignMember | None, decision: Decision) -> DecisionView:
    assert decision.id is not None
    polls, threads = _links(session, [decision.id])
    stakeholder = (session.get(Stakeholder, decision.stakeholder_id)
                   if decision.stakeholder_id else None)
    how = _how(session, campaign, decision, polls[decision.id], threads[decision.id])
    confirmed = decision.confirmed_at is not None
    open_ = campaign.archived_at is None
    runs = _runs(membership)
    return DecisionView(
        decision=decision, campaign=campaign, poll_ids=polls[decision.id],
        thread_ids=threads[decision.id], stakeholder=stakeholder, suggestion=suggest(how),
        amendments=list(session.exec(select(Amendment).where(
            Amendment.decision_id == decision.id).order_by(col(Amendment.id)))),
        may_change=open_ and runs and not confirmed,
        may_confirm=open_ and actor.is_staff and not confirmed,
        may_amend=open_ and actor.is_staff and confirmed,
        may_publish=open_ and runs and decision.we_did_published_at is None,
    )


def _decision(session: Session, campaign: Campaign, decision_id: int) -> Decision:
    decision = session.get(Decision, decision_id)
    if decision is None or decision.campaign_id != campaign.id:
        raise NotFound(_(MISSING))
    return decision


def _campaign_of(session: Session, actor: Viewer, decision_id: int) -> int:
    """The decision's campaign, for loading it with the campaign's visibility checks. Another
    organisation's decision is missing in the same words as one that never was."""
    found = session.exec(select(Decision.campaign_id).where(
        Decision.id == decision_id, Decision.org_id == actor.org_id)).first()
    if found is None:
        raise NotFound(_(MISSING))
    return found


def get_decision(session: Session, *, actor: Viewer, decision_id: int) -> DecisionView:
    campaign, membership = service._load(session, actor,
                                         _campaign_of(session, actor, decision_id))
    return _view(session, actor, campaign, membership,
                 _decision(session, campaign, decision_id))


def list_decisions(session: Session, *, actor: Viewer, campaign_id: int) -> list[DecisionView]:
    """The campaign's decisions, the latest decided first."""
    campaign, membership = service._load(session, actor, campaign_id)
    found = session.exec(select(Decision).where(Decision.campaign_id == campaign_id)
                         .order_by(col(Decision.decided_on).desc(), col(Decision.id).desc()))
    return [_view(session, actor, campaign, membership, d) for d in found]


def overdue(session: Session, *, actor: Viewer) -> list[Decision]:
    """For staff: decisions whose follow-up date has passed with no "we did" published, in
    campaigns that are not archived, the longest overdue first."""
    if not actor.is_staff:
        raise NotAllowed(_("Only youth workers and organisation admins can see overdue "
                           "decisions."))
    return list(session.exec(
        select(Decision).join(Campaign, col(Campaign.id) == col(Decision.campaign_id))
        .where(Decision.org_id == actor.org_id, col(Decision.follow_up_on) < clock.now().date(),
               col(Decision.we_did_published_at).is_(None),
               col(Campaign.archived_at).is_(None))
        .order_by(col(Decision.follow_up_on), col(Decision.id))))


# ---------------------------------------------------------------- reading what was typed


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _ids(value: Any) -> list[int] | None:
    """A list of ids, from a form's repeated field or a JSON list; None when they are not."""
    if value is None or value == "":
        return []
    items = value if isinstance(value, list | tuple) else [value]
    found: list[int] = []
    for item in items:
        if isinstance(item, bool):
            return None
        try:
            number = int(item)
        except (TypeError, ValueError):
            return None
        if number not in found:
            found.append(number)
    return found


def _optional_id(value: Any) -> tuple[int | None, bool]:
    """An id or nothing; the flag says whether it could be read."""
    if value is None or value == "":
        return None, True
    ids = _ids(value)
    return (ids[0], True) if ids and len(ids) == 1 else (None, False)


def _date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return date.fromisoformat(str(value).strip())


def _text(data: Mapping[str, Any], name: str, label: str, limit: int, errors: dict[str, str],
          *, required: bool = False, multiline: bool = False) -> str:
    text = team.clean_text(data.get(name), multiline=multiline)
    problem = team.text_problem(text, label=label, limit=limit, required=required,
                                multiline=multiline)
    if problem:
        errors[name] = problem
    return text


def _met(value: Any) -> tuple[bool | None, bool]:
    if value is None or value == "":
        return None, True
    if isinstance(value, bool):
        return value, True
    typed = str(value).strip().lower()
    if typed in ("yes", "true", "1"):
        return True, True
    if typed in ("no", "false", "0"):
        return False, True
    return None, False


def parse_lundy(data: Mapping[str, Any], errors: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The Lundy check from `data["lundy"]` ({element: {"met", "note"}}) or a form's fields
    `lundy_<element>` ("yes", "no" or "") and `lundy_<element>_note`."""
    given = data.get("lundy")
    nested = given if isinstance(given, Mapping) else {}
    found: dict[str, dict[str, Any]] = {}
    for element in LUNDY_ELEMENTS:
        part = nested.get(str(element))
        part = part if isinstance(part, Mapping) else {}
        met, ok = _met(part.get("met", data.get(f"lundy_{element}")))
        if not ok:
            errors[f"lundy_{element}"] = (_("Say yes, no, or leave %(element)s unanswered.")
                                          % {"element": _(element.label)})
        note = team.clean_text(part.get("note", data.get(f"lundy_{element}_note")))
        problem = team.text_problem(note, label=f"the note on {element.label}",
                                    limit=LUNDY_NOTE_MAX, required=False)
        if problem:
            errors[f"lundy_{element}_note"] = problem
        found[str(element)] = {"met": met, "note": note}
    return found


@dataclass
class _Parsed:
    values: dict[str, Any]
    poll_ids: list[int]
    thread_ids: list[int]
    you_said_given: bool


def _parse(session: Session, campaign: Campaign, data: Mapping[str, Any]) -> _Parsed:
    """Everything typed, checked, with every problem keyed by its field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "title": _text(data, "title", "what was decided", TITLE_MAX, errors, required=True),
        "details": _text(data, "details", "the details", DETAILS_MAX, errors, multiline=True),
        "rung_reason": _text(data, "rung_reason", "the reason", REASON_MAX, errors,
                             multiline=True),
        "you_said": _text(data, "you_said", "what young people said", STORY_MAX, errors,
                          multiline=True),
        "we_did": _text(data, "we_did", "what was done", STORY_MAX, errors, multiline=True),
        "poll_bound_outcome": _flag(data.get("poll_bound_outcome")),
        "suggestions_taken_up": _flag(data.get("suggestions_taken_up")),
        "lundy": parse_lundy(data, errors),
    }
    today = clock.now().date()
    decided_on: date | None = None
    try:
        decided_on = _date(data.get("decided_on")) if data.get("decided_on") else None
    except ValueError:
        errors["decided_on"] = _("Give the date it was decided, like 2027-03-31.")
    else:
        if decided_on is None:
            errors["decided_on"] = _("Give the date it was decided.")
        elif decided_on > today:
            errors["decided_on"] = _("The date it was decided cannot be in the future.")
    values["decided_on"] = decided_on
    follow_up_on: date | None = None
    try:
        follow_up_on = _date(data.get("follow_up_on")) if data.get("follow_up_on") else None
    except ValueError:
        errors["follow_up_on"] = _("Give the follow-up date as a date, like 2027-03-31.")
    if follow_up_on is not None and decided_on is not None and follow_up_on < decided_on:
        errors["follow_up_on"] = _("The follow-up date cannot be before the decision.")
    values["follow_up_on"] = follow_up_on
    try:
        values["decided_by"] = DecidedBy(str(data.get("decided_by") or ""))
    except ValueError:
        errors["decided_by"] = _("Say who decided: young people, young people with adults, "
                                 "or adults.")
    rung_typed = str(data.get("rung") or "")
    try:
        values["rung"] = Rung(rung_typed) if rung_typed else None
    except ValueError:
        errors["rung"] = _("Choose a rung of the ladder.")
    stakeholder_id, ok = _optional_id(data.get("stakeholder_id"))
    if not ok or (stakeholder_id is not None and session.exec(select(Stakeholder.id).where(
            Stakeholder.id == stakeholder_id,
            Stakeholder.campaign_id == campaign.id)).first() is None):
        errors["stakeholder_id"] = _("The decision maker must be one of the campaign's "
                                     "stakeholders.")
    values["stakeholder_id"] = stakeholder_id
    poll_ids = _ids(data.get("poll_ids"))
    if poll_ids is None or len(set(session.exec(select(Poll.id).where(
            col(Poll.id).in_(poll_ids), Poll.campaign_id == campaign.id)))) != len(poll_ids):
        errors["poll_ids"] = _("Link only this campaign's polls.")
        poll_ids = []
    thread_ids = _ids(data.get("thread_ids"))
    if thread_ids is None or len(set(session.exec(select(Comment.id).where(
            col(Comment.id).in_(thread_ids), Comment.campaign_id == campaign.id,
            col(Comment.parent_id).is_(None))))) != len(thread_ids):
        errors["thread_ids"] = _("Link only this campaign's comment threads (their first "
                                 "comment).")
        thread_ids = []
    bound, ok = _optional_id(data.get("bound_poll_id"))
    if values["poll_bound_outcome"]:
        if bound is None and len(poll_ids) == 1:
            bound = poll_ids[0]
        if not poll_ids and "poll_ids" not in errors:
            errors["poll_bound_outcome"] = _("Link the poll whose result the decision followed.")
        elif not ok or bound is None or bound not in poll_ids:
            errors["bound_poll_id"] = _("Choose which linked poll the decision followed.")
    else:
        bound = None
    values["bound_poll_id"] = bound
    if errors:
        raise InvalidInput(errors)
    return _Parsed(values, poll_ids, thread_ids,
                   you_said_given=bool(values["you_said"]))


def _lead_ids(session: Session, campaign_id: int) -> set[int]:
    return set(session.exec(select(CampaignMember.user_id).where(
        CampaignMember.campaign_id == campaign_id, CampaignMember.role == CampaignRole.lead)))


def _how_from(session: Session, campaign: Campaign, *, decided_by: str, poll_ids: Sequence[int],
              thread_ids: Sequence[int], bound_poll_id: int | None, poll_bound_outcome: bool,
              suggestions_taken_up: bool, told: bool) -> HowDecided:
    assert campaign.id is not None
    # The poll the decision followed, or when none bound it, any linked poll.
    considered = [bound_poll_id] if bound_poll_id is not None else list(poll_ids)
    creators = set(session.exec(select(Poll.created_by).where(col(Poll.id).in_(considered))))
    return HowDecided(
        decided_by=DecidedBy(decided_by), polls=len(poll_ids), threads=len(thread_ids),
        poll_bound_outcome=poll_bound_outcome,
        poll_run_by_young_people=bool(creators & _lead_ids(session, campaign.id)),
        suggestions_taken_up=suggestions_taken_up, told_outcome=told)


def _how(session: Session, campaign: Campaign, decision: Decision, poll_ids: Sequence[int],
         thread_ids: Sequence[int]) -> HowDecided:
    return _how_from(session, campaign, decided_by=decision.decided_by, poll_ids=poll_ids,
                     thread_ids=thread_ids, bound_poll_id=decision.bound_poll_id,
                     poll_bound_outcome=decision.poll_bound_outcome,
                     suggestions_taken_up=decision.suggestions_taken_up,
                     told=decision.we_did_published_at is not None)


def preview_suggestion(session: Session, *, actor: Viewer, campaign_id: int,
                       data: Mapping[str, Any], decision_id: int | None = None,
                       ) -> Suggestion | None:
    """The rung a decision form suggests as typed so far, with its reasons, for the form to
    show while it is filled in. It reads what it can and leaves out the rest (no title yet,
    a poll that is not the campaign's): None until it says who decided. `decision_id`: the
    decision being changed, whose published "we did" means young people were told."""
    campaign, membership = service._load(session, actor, campaign_id)
    if not (actor.is_staff or _runs(membership)):
        raise NotAllowed(_(RUNNERS_ONLY))
    try:
        decided_by = DecidedBy(str(data.get("decided_by") or ""))
    except ValueError:
        return None
    typed_polls, typed_threads = _ids(data.get("poll_ids")) or [], _ids(data.get("thread_ids"))
    ours = set(session.exec(select(Poll.id).where(col(Poll.id).in_(typed_polls),
                                                  Poll.campaign_id == campaign_id)))
    poll_ids = [p for p in typed_polls if p in ours]
    thread_ids = [t for t in session.exec(select(Comment.id).where(
        col(Comment.id).in_(typed_threads or []), Comment.campaign_id == campaign_id,
        col(Comment.parent_id).is_(None))) if t is not None]
    bound_outcome = _flag(data.get("poll_bound_outcome"))
    bound, _ok = _optional_id(data.get("bound_poll_id"))
    if bound_outcome and bound is None and len(poll_ids) == 1:
        bound = poll_ids[0]
    told = (decision_id is not None and
            _decision(session, campaign, decision_id).we_did_published_at is not None)
    return suggest(_how_from(
        session, campaign, decided_by=decided_by, poll_ids=poll_ids, thread_ids=thread_ids,
        bound_poll_id=bound if bound in poll_ids else None, poll_bound_outcome=bound_outcome,
        suggestions_taken_up=_flag(data.get("suggestions_taken_up")), told=told))


def _choose_rung(suggested: Rung, chosen: Rung | None, reason: str) -> tuple[Rung, str]:
    """The rung kept and its reason: the suggestion when none was chosen; another rung only
    with a reason, and no reason kept when the suggestion was chosen."""
    rung = chosen or suggested
    if not needs_reason(suggested, rung):
        return rung, ""
    if not reason:
        raise InvalidInput({"rung_reason": (
            _("The suggested rung is %(suggested)s. Say why you chose %(chosen)s.")
            % {"suggested": _(suggested.label), "chosen": _(rung.label)})})
    return rung, reason


# ---------------------------------------------------------------- "you said"


def you_said_summary(session: Session, campaign_id: int, poll_ids: Sequence[int]) -> str:
    """A plain summary of the linked polls' results, a paragraph each, to start "you said"."""
    found = tallies.tallies(session, campaign_id=campaign_id, poll_ids=list(poll_ids))
    return "\n\n".join(_poll_summary(t.poll, tallies.results_json(t, full=True))
                       for t in found)


def _plural(n: int, one: str) -> str:
    return f"{n:,} {one}" if n == 1 else f"{n:,} {one}s"


def _poll_summary(poll: Poll, results: Mapping[str, Any]) -> str:
    head = f"{poll.question} ({_plural(results['ballots'], 'vote')})"
    if poll.kind == PollKind.proposal:
        parts = [f"{tallies.POSITION_LABELS[k]}: {v:,}"
                 for k, v in results.get("positions", {}).items()]
    elif poll.kind == PollKind.score:
        parts = [f"{s['label']}: {s['average']:.1f} out of 5" if s["count"] else
                 f"{s['label']}: not scored" for s in results.get("scores", [])]
    else:
        counts = sorted(results.get("counts", []), key=lambda c: -c["votes"])
        parts = [f"{c['label']}: {_plural(c['votes'], 'vote')}" for c in counts]
        if poll.kind == PollKind.ranked and results.get("winner"):
            winner = next((c["label"] for c in counts if c["option_id"] == results["winner"]),
                          "")
            parts.insert(0, f"Winner after counting every choice: {winner}")
    return f"{head}: " + "; ".join(parts) + "." if parts else f"{head}."


# ---------------------------------------------------------------- writing


def _writable(session: Session, actor: Viewer, decision_id: int
              ) -> tuple[Campaign, CampaignMember | None, Decision]:
    campaign, membership = service._writable(session, actor,
                                             _campaign_of(session, actor, decision_id))
    return campaign, membership, _decision(session, campaign, decision_id)


def _audit(session: Session, actor: Viewer, campaign: Campaign, action: str,
           decision: Decision, reason: str = "") -> None:
    words = f"Decision {decision.id}: {decision.title}"
    audit.record(session, org_id=campaign.org_id, actor_id=actor.user_id, action=action,
                 campaign_id=campaign.id, reason=f"{words}. {reason}" if reason else words)


def _set_links(session: Session, decision: Decision, poll_ids: Sequence[int],
               thread_ids: Sequence[int]) -> None:
    assert decision.id is not None
    old_polls, old_threads = (x[decision.id] for x in _links(session, [decision.id]))
    for link in session.exec(select(DecisionPoll).where(
            DecisionPoll.decision_id == decision.id, col(DecisionPoll.poll_id).not_in(poll_ids))):
        session.delete(link)
    for thread in session.exec(select(DecisionThread).where(
            DecisionThread.decision_id == decision.id,
            col(DecisionThread.comment_id).not_in(thread_ids))):
        session.delete(thread)
    session.add_all(DecisionPoll(decision_id=decision.id, poll_id=p)
                    for p in poll_ids if p not in old_polls)
    session.add_all(DecisionThread(decision_id=decision.id, comment_id=c)
                    for c in thread_ids if c not in old_threads)


def _apply(session: Session, campaign: Campaign, decision: Decision, parsed: _Parsed) -> None:
    """Sets the parsed values, works out the suggestion and checks the chosen rung."""
    values = parsed.values
    how = _how_from(session, campaign, decided_by=values["decided_by"],
                    poll_ids=parsed.poll_ids, thread_ids=parsed.thread_ids,
                    bound_poll_id=values["bound_poll_id"],
                    poll_bound_outcome=values["poll_bound_outcome"],
                    suggestions_taken_up=values["suggestions_taken_up"],
                    told=decision.we_did_published_at is not None)
    suggested = suggest(how).rung
    rung, reason = _choose_rung(suggested, values["rung"], values["rung_reason"])
    for name in ("title", "details", "decided_on", "decided_by", "stakeholder_id",
                 "poll_bound_outcome", "bound_poll_id", "suggestions_taken_up", "we_did",
                 "follow_up_on"):
        setattr(decision, name, values[name])
    decision.rung, decision.suggested_rung, decision.rung_reason = rung, suggested, reason
    decision.lundy = json.dumps(values["lundy"])
    decision.you_said = (values["you_said"] if parsed.you_said_given else
                         you_said_summary(session, campaign.id or 0, parsed.poll_ids))
    decision.updated_at = clock.now()
    session.add(decision)


def _require_runs(membership: CampaignMember | None) -> None:
    service._require_role(membership, {CampaignRole.lead, CampaignRole.facilitator},
                          _(RUNNERS_ONLY))


def record_decision(session: Session, *, actor: Viewer, campaign_id: int,
                    data: Mapping[str, Any]) -> Decision:
    """A new decision. `data`: title, details, decided_on (ISO date), decided_by,
    stakeholder_id, poll_ids, thread_ids (the first comment of each thread),
    poll_bound_outcome, bound_poll_id (needed when several polls are linked),
    suggestions_taken_up, rung (the suggestion when empty), rung_reason (needed when the rung
    is not the suggestion), you_said (a summary of the polls' results when empty), we_did
    (a draft until published), follow_up_on, and the Lundy check (`parse_lundy`)."""
    campaign, membership = service._writable(session, actor, campaign_id)
    _require_runs(membership)
    parsed = _parse(session, campaign, data)
    decision = Decision(org_id=campaign.org_id, campaign_id=campaign_id, title="",
                        decided_on=clock.now().date(), decided_by=DecidedBy.adults,
                        rung=Rung.no_control, suggested_rung=Rung.no_control,
                        created_by=actor.user_id)
    _apply(session, campaign, decision, parsed)
    session.flush()
    _set_links(session, decision, parsed.poll_ids, parsed.thread_ids)
    _audit(session, actor, campaign, "decision.recorded", decision)
    session.flush()
    return decision


def _current(session: Session, decision: Decision) -> dict[str, Any]:
    """The decision as `data`, so a change may send only the fields it changes."""
    assert decision.id is not None
    polls, threads = _links(session, [decision.id])
    return {"title": decision.title, "details": decision.details,
            "decided_on": decision.decided_on, "decided_by": decision.decided_by,
            "stakeholder_id": decision.stakeholder_id, "poll_ids": polls[decision.id],
            "thread_ids": threads[decision.id],
            "poll_bound_outcome": decision.poll_bound_outcome,
            "bound_poll_id": decision.bound_poll_id,
            "suggestions_taken_up": decision.suggestions_taken_up, "rung": decision.rung,
            "rung_reason": decision.rung_reason, "you_said": decision.you_said,
            "we_did": decision.we_did, "follow_up_on": decision.follow_up_on,
            "lundy": _lundy_of(decision)}


def _merged(session: Session, decision: Decision, data: Mapping[str, Any]) -> dict[str, Any]:
    merged = _current(session, decision)
    flat_lundy = any(key.startswith("lundy_") for key in data)
    if flat_lundy and "lundy" not in data:
        merged.pop("lundy")
    # A rung that was the suggestion follows the suggestion unless another is chosen.
    if "rung" not in data and decision.rung == decision.suggested_rung:
        merged.pop("rung")
    merged.update(data)
    return merged


def _comparable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: (_iso(v) if isinstance(v, date) else str(v) if isinstance(v, Rung | DecidedBy)
                   else v) for name, v in values.items()}


def update_decision(session: Session, *, actor: Viewer, decision_id: int,
                    data: Mapping[str, Any]) -> Decision:
    """Change a decision before it is confirmed; fields left out of `data` stay as they are."""
    campaign, membership, decision = _writable(session, actor, decision_id)
    _require_runs(membership)
    if decision.confirmed_at is not None:
        raise NotAllowed(_(CONFIRMED))
    before = _comparable(_current(session, decision))
    parsed = _parse(session, campaign, _merged(session, decision, data))
    _apply(session, campaign, decision, parsed)
    _set_links(session, decision, parsed.poll_ids, parsed.thread_ids)
    session.flush()
    after = _comparable(_current(session, decision))
    changed = [name for name in FIELDS if before[name] != after[name]]
    if changed:
        _audit(session, actor, campaign, "decision.changed", decision,
               reason="Changed: " + ", ".join(changed))
    return decision


def check_lundy(session: Session, *, actor: Viewer, decision_id: int,
                lundy: Mapping[str, Any]) -> Decision:
    """Check a decision against the Lundy model before it is confirmed (staff too, who
    facilitate or not); afterwards it is an amendment. `lundy` as `parse_lundy` reads it."""
    campaign, membership, decision = _writable(session, actor, decision_id)
    if not actor.is_staff:
        _require_runs(membership)
    if decision.confirmed_at is not None:
        raise NotAllowed(_(CONFIRMED))
    errors: dict[str, str] = {}
    found = parse_lundy(lundy, errors)
    if errors:
        raise InvalidInput(errors)
    decision.lundy = json.dumps(found)
    decision.updated_at = clock.now()
    session.add(decision)
    _audit(session, actor, campaign, "decision.changed", decision, reason="Changed: lundy")
    return decision


def amend_decision(session: Session, *, actor: Viewer, decision_id: int,
                   data: Mapping[str, Any], reason: Any) -> Amendment:
    """Change a confirmed decision, saying why: the change is kept with who made it, when, and
    each field's old and new values. The evidence snapshot stays as it was confirmed."""
    campaign, _membership, decision = _writable(session, actor, decision_id)
    if not actor.is_staff:
        raise NotAllowed(_(STAFF_AMEND))
    if decision.confirmed_at is None:
        raise NotAllowed(_("This decision has not been confirmed yet: change it directly."))
    why = team.clean_text(reason, multiline=True)
    problem = team.text_problem(why, label="why it is changing", limit=AMENDMENT_REASON_MAX,
                                required=True, multiline=True)
    before = _comparable(_current(session, decision))
    merged = _merged(session, decision, data)
    try:
        parsed = _parse(session, campaign, merged)
    except InvalidInput as error:
        if problem:
            error.errors["reason"] = problem
        raise
    if problem:
        raise InvalidInput({"reason": problem})
    snapshot = decision.snapshot
    _apply(session, campaign, decision, parsed)
    decision.snapshot = snapshot
    _set_links(session, decision, parsed.poll_ids, parsed.thread_ids)
    session.flush()
    after = _comparable(_current(session, decision))
    changes = {name: [before[name], after[name]] for name in FIELDS
               if before[name] != after[name]}
    if not changes:
        raise InvalidInput({"reason": _("Nothing was changed, so there is nothing to amend.")})
    assert decision.id is not None
    amendment = Amendment(decision_id=decision.id, by=actor.user_id, reason=why,
                          changes=json.dumps(changes))
    session.add(amendment)
    _audit(session, actor, campaign, "decision.amended", decision, reason=why)
    session.flush()
    return amendment


def participant_key(user_id: int, joined: datetime) -> str:
    """A young person's opaque key in the evidence: the same in every decision, so they are
    counted once across decisions, and one-way: it cannot be turned back into a person, and
    once their account is erased it cannot be worked out again."""
    seed = f"{user_id}:{joined.isoformat()}".encode()
    return hashlib.blake2b(seed, digest_size=10, person=b"sv-evidence").hexdigest()


def _young_people(session: Session, user_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """The young people among these users: their participant key and age band."""
    ids = set(user_ids)
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.created_at, User.age_band).join(
        Member, col(Member.user_id) == col(User.id)).where(
        col(User.id).in_(ids), Member.role == Role.young_person))
    return {user_id: (participant_key(user_id, joined), band or NOT_GIVEN)
            for user_id, joined, band in rows if user_id is not None}


def involvement(session: Session, campaign: Campaign, poll_ids: Sequence[int],
                thread_ids: Sequence[int]) -> tuple[dict[str, Any], dict[str, str]]:
    """The evidence of how young people took part, as it is now: counts only (young people's
    ballots in the linked polls, their comments in the linked threads, replies included, that
    everyone can read, the distinct young people behind them by age band, and each poll's
    results without who voted), and the participants as {participant key: age band}."""
    assert campaign.id is not None
    ballots = list(session.exec(select(Ballot.user_id).where(col(Ballot.poll_id).in_(poll_ids))))
    comments = [author for author in session.exec(select(Comment.author_id).where(
        Comment.campaign_id == campaign.id,
        col(Comment.id).in_(thread_ids) | col(Comment.parent_id).in_(thread_ids),
        Comment.state == CommentState.shown, col(Comment.deleted_at).is_(None)))
        if author is not None]
    young = _young_people(session, set(ballots) | set(comments))
    bands = {str(band): 0 for band in AgeBand}
    for _key, band in young.values():
        bands[band] = bands.get(band, 0) + 1
    polls = []
    for tally in tallies.tallies(session, campaign_id=campaign.id, poll_ids=list(poll_ids)):
        results = tallies.results_json(tally, full=True)
        polls.append({"question": tally.poll.question, **results})
    snapshot = {
        "version": SNAPSHOT_VERSION,
        "taken_at": clock.now().isoformat(),
        "young_people": len(young),
        "ballots": sum(1 for user_id in ballots if user_id in young),
        "comments": sum(1 for user_id in comments if user_id in young),
        "age_bands": bands,
        "polls": polls,
    }
    return snapshot, dict(sorted(young.values()))


def evidence_snapshot(session: Session, campaign: Campaign, poll_ids: Sequence[int],
                      thread_ids: Sequence[int]) -> dict[str, Any]:
    """The counts `involvement` finds, as frozen when a decision is confirmed."""
    return involvement(session, campaign, poll_ids, thread_ids)[0]


def confirm_decision(session: Session, *, actor: Viewer, decision_id: int) -> Decision:
    """A youth worker or admin vouches for the decision: its evidence is frozen from now on."""
    campaign, _membership, decision = _writable(session, actor, decision_id)
    if not actor.is_staff:
        raise NotAllowed(_(STAFF_ONLY))
    if decision.confirmed_at is not None:
        return decision
    assert decision.id is not None
    polls, threads = _links(session, [decision.id])
    snapshot, participants = involvement(session, campaign, polls[decision.id],
                                         threads[decision.id])
    decision.snapshot, decision.participants = json.dumps(snapshot), json.dumps(participants)
    decision.confirmed_at = clock.now()
    decision.confirmed_by = actor.user_id
    session.add(decision)
    _audit(session, actor, campaign, "decision.confirmed", decision)
    return decision


def publish_we_did(session: Session, *, actor: Viewer, decision_id: int, we_did: Any,
                   follow_up_on: Any = None) -> Decision:
    """Tell everyone in the campaign what was done: the campaign's feed and open pages show it
    at once. Young people being told can raise the suggestion (Information over No Control):
    before confirmation a rung that was the suggestion follows it."""
    campaign, membership, decision = _writable(session, actor, decision_id)
    _require_runs(membership)
    if decision.we_did_published_at is not None:
        raise NotAllowed(_("This decision's \"we did\" has already been published."))
    errors: dict[str, str] = {}
    text = _text({"we_did": we_did}, "we_did", "what was done", STORY_MAX, errors,
                 required=True, multiline=True)
    follow_up: date | None = decision.follow_up_on
    if follow_up_on not in (None, ""):
        try:
            follow_up = _date(follow_up_on)
        except ValueError:
            errors["follow_up_on"] = _("Give the follow-up date as a date, like 2027-03-31.")
    if errors:
        raise InvalidInput(errors)
    decision.we_did, decision.follow_up_on = text, follow_up
    decision.we_did_published_at = clock.now()
    decision.updated_at = clock.now()
    if decision.confirmed_at is None:
        assert decision.id is not None
        polls, threads = _links(session, [decision.id])
        suggested = suggest(_how(session, campaign, decision, polls[decision.id],
                                 threads[decision.id])).rung
        if decision.rung == decision.suggested_rung:
            decision.rung = suggested
        decision.suggested_rung = suggested
        if decision.rung == suggested:
            decision.rung_reason = ""
    session.add(decision)
    assert campaign.id is not None and decision.id is not None
    session.add(FeedItem(campaign_id=campaign.id, kind=FeedKind.decision,
                         author_id=actor.user_id, text=_feed_text(decision)))
    polls, threads = _links(session, [decision.id])
    stakeholder = (session.get(Stakeholder, decision.stakeholder_id)
                   if decision.stakeholder_id else None)
    events.emit(session, campaign.id, PUBLISHED, {"decision": decision_data(
        decision, poll_ids=polls[decision.id], thread_ids=threads[decision.id],
        stakeholder=stakeholder)})
    _audit(session, actor, campaign, "decision.published", decision)
    return decision


def _feed_text(decision: Decision) -> str:
    words = f"You said, we did: {decision.title}\n\nWe did: {decision.we_did}"
    return words if len(words) <= 2000 else words[:1999] + "\N{HORIZONTAL ELLIPSIS}"
