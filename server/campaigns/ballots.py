"""Ballots: the only code that saves them.

A ballot is saved with its client operation id: a retry with the same id is answered with the
first result and changes nothing. Both "one ballot per person" and "one answer per operation
id" are unique constraints, so concurrent requests cannot make a second row. Ballots are never
audited (that would tell who voted what in an anonymous poll); their events carry no voter.
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, CursorResult, Executable, bindparam, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from server import clock
from server.accounts.models import User
from server.accounts.sessions import Viewer
from server.campaigns import counting, polls, service, tallies, team
from server.campaigns.models import (
    Ballot,
    BallotReceipt,
    Campaign,
    CampaignMember,
    CampaignRole,
    Poll,
    PollKind,
    PollOption,
    PollStatus,
)
from server.db import table
from server.errors import InvalidInput, NotAllowed, NotFound
from server.i18n import N_, _
from server.live import events

REASON_MAX = 500
OP_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
BAD_OP_ID = N_("Send a client_op_id: 1 to 64 letters, digits, - or _, new for each vote.")


@dataclass(frozen=True)
class Saved:
    """What a ballot submission saved (or, for a retry, what the first one saved)."""

    poll_id: int
    campaign_id: int
    choices: Any
    reason: str
    client_op_id: str
    saved_at: datetime
    replayed: bool


_POLL_COLUMNS = ("id", "campaign_id", "kind", "max_choices", "status", "closes_at", "paused_at")


class _Option(NamedTuple):
    id: int
    label: str


def _encode(value: Any) -> str:
    if isinstance(value, dict):
        value = {str(key): score for key, score in value.items()}
    return json.dumps(value, separators=(",", ":"))


def _option_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _option_ids(poll: "_Poll", choices: Any, known: list[int]) -> list[int]:
    kind = PollKind(poll.kind)
    raw = choices if isinstance(choices, list) else [] if choices in (None, "") else [choices]
    ids = [_option_id(item) for item in raw]
    if any(option is None or option not in known for option in ids):
        raise InvalidInput({"choices": _("Choose from the poll's options.")})
    picked = [option for option in ids if option is not None]
    if len(set(picked)) != len(picked):
        raise InvalidInput({"choices": _("Choose each option only once.")})
    if kind == PollKind.single and len(picked) != 1:
        raise InvalidInput({"choices": _("Choose one option.") if not picked
                            else _("Choose only one option.")})
    if kind == PollKind.multiple and not 1 <= len(picked) <= poll.max_choices:
        raise InvalidInput({"choices": _("Choose at least one option.") if not picked else
                            _("Choose up to %(max)d options (you chose %(count)d).") % {
                                "max": poll.max_choices, "count": len(picked)}})
    if kind == PollKind.ranked and not picked:
        raise InvalidInput({"choices": _("Put at least one option in order: 1 for your "
                                         "favourite.")})
    return picked


def _scores(choices: Any, options: Sequence[_Option]) -> dict[int, int]:
    if not isinstance(choices, dict):
        raise InvalidInput({"choices": _("Give every option a score from 0 to 5.")})
    labels = {option.id: option.label for option in options}
    scores: dict[int, int] = {}
    for key, value in choices.items():
        option = _option_id(key)
        if option is None or option not in labels:
            raise InvalidInput({"choices": _("Score the poll's options only.")})
        score = _option_id(value)
        if score is None or not counting.SCORE_MIN <= score <= counting.SCORE_MAX:
            raise InvalidInput({"choices": _("Give “%(option)s” a whole number score from 0 "
                                             "to 5.") % {"option": labels[option]}})
        scores[option] = score
    missing = [labels[o.id] for o in options if o.id not in scores]
    if missing:
        raise InvalidInput({"choices": _("Give every option a score from 0 to 5. Not scored "
                                         "yet: %(options)s.") % {"options": ", ".join(missing)}})
    return {option.id: scores[option.id] for option in options if option.id is not None}


def _parse_ballot(poll: "_Poll", options: Sequence[_Option], choices: Any,
                  reason: Any) -> tuple[Any, str]:
    kind = PollKind(poll.kind)
    if kind == PollKind.proposal:
        if choices not in counting.PROPOSAL_POSITIONS:
            raise InvalidInput({"choices": _("Choose agree, abstain, disagree or block.")})
        words = team.clean_text(reason, multiline=True)
        problem = team.text_problem(words, label=N_("your reason"), limit=REASON_MAX,
                                    required=False, multiline=True)
        if problem:
            raise InvalidInput({"reason": problem})
        return choices, words
    if kind == PollKind.score:
        return _scores(choices, options), ""
    return _option_ids(poll, choices, [o.id for o in options if o.id is not None]), ""


def _replay(receipt: BallotReceipt, poll: "_Poll") -> Saved:
    if receipt.poll_id != poll.id:
        raise InvalidInput({"client_op_id": _("That client_op_id was already used for a vote "
                                              "in another poll. Send a new one for each "
                                              "vote.")})
    return Saved(poll_id=receipt.poll_id, campaign_id=poll.campaign_id,
                 choices=tallies.decode(poll.kind, receipt.choices),
                 reason=receipt.reason, client_op_id=receipt.client_op_id,
                 saved_at=receipt.saved_at, replayed=True)


@dataclass(frozen=True)
class _Campaign:
    """The campaign's standing, as a ballot needs it."""

    org_id: int
    status: str
    archived_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Poll:
    """What a ballot needs to know of its poll."""

    id: int
    campaign_id: int
    kind: str
    max_choices: int
    status: str
    closes_at: datetime | None
    paused_at: datetime | None


@dataclass(frozen=True)
class _Context:
    poll: _Poll
    campaign: _Campaign
    role: CampaignRole | None
    options: list["_Option"]


POLL = table(Poll)
CAMPAIGN = table(Campaign)
MEMBER = table(CampaignMember)
USER = table(User)
RECEIPT = table(BallotReceipt)
BALLOT = table(Ballot)
OPTION = table(PollOption)
EVENT = table(events.Event)


def _statements(dialect: str) -> dict[str, Executable]:
    """A ballot's statements, built once: a room voting at once runs them thousands of times
    a second, so they are made with parameters rather than afresh for each ballot."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    user_id: BindParameter[int] = bindparam("user_id")
    suspended = (select(USER.c.suspended_at.is_not(None)).where(USER.c.id == user_id)
                 .scalar_subquery())
    context = (select(*(POLL.c[name] for name in _POLL_COLUMNS), CAMPAIGN.c.org_id,
                      CAMPAIGN.c.status.label("campaign_status"),
                      CAMPAIGN.c.archived_at.label("campaign_archived_at"),
                      MEMBER.c.role.label("member_role"), MEMBER.c.removed_at,
                      OPTION.c.id.label("option_id"), OPTION.c.label.label("option_label"),
                      suspended)
               .join(CAMPAIGN, CAMPAIGN.c.id == POLL.c.campaign_id)
               .outerjoin(MEMBER, (MEMBER.c.campaign_id == POLL.c.campaign_id)
                          & (MEMBER.c.user_id == user_id))
               .outerjoin(OPTION, OPTION.c.poll_id == POLL.c.id)
               .where(POLL.c.id == bindparam("poll_id"))
               .order_by(OPTION.c.position, OPTION.c.id))
    if dialect == "postgresql":
        # Only a shared lock: ballots from one room must not queue behind each other, but a
        # close under way is waited for, so no ballot is saved after its poll closed.
        context = context.with_for_update(read=True, of=POLL)
    ballot: dict[str, BindParameter[Any]] = {
        name: bindparam(name) for name in ("choices", "reason", "changed_at")}
    built: dict[str, Executable] = {}
    if dialect == "postgresql":
        built["save_all"] = _save_all()
    return built | {
        "context": context,
        "receipt": select(RECEIPT).where(RECEIPT.c.user_id == user_id,
                                         RECEIPT.c.client_op_id == bindparam("op_id")),
        "save_receipt": insert(RECEIPT).values(
            user_id=user_id, client_op_id=bindparam("op_id"), poll_id=bindparam("poll_id"),
            choices=bindparam("choices"), reason=bindparam("reason"),
            saved_at=bindparam("changed_at"))
        .on_conflict_do_nothing(index_elements=[RECEIPT.c.user_id, RECEIPT.c.client_op_id])
        .returning(RECEIPT.c.id),
        "save_ballot": insert(BALLOT).values(
            poll_id=bindparam("poll_id"), user_id=user_id, cast_at=bindparam("changed_at"),
            **ballot)
        .on_conflict_do_update(index_elements=[BALLOT.c.poll_id, BALLOT.c.user_id],
                               set_=ballot),
    }


def _save_all() -> Executable:
    """PostgreSQL: the receipt, the ballot and its event in one statement, so a ballot is two
    round trips to the server instead of four. The ballot and the event are written only when
    the receipt was (not for a retry), as in the three statements SQLite runs."""
    def typed(name: str, column: Any) -> BindParameter[Any]:
        return bindparam(name, type_=column.type)

    user_id = typed("user_id", BALLOT.c.user_id)
    poll_id = typed("poll_id", BALLOT.c.poll_id)
    changed_at = typed("changed_at", BALLOT.c.changed_at)
    choices, reason = typed("choices", BALLOT.c.choices), typed("reason", BALLOT.c.reason)
    receipt = (postgresql.insert(RECEIPT).values(
        user_id=user_id, client_op_id=bindparam("op_id"), poll_id=poll_id, choices=choices,
        reason=reason, saved_at=changed_at)
        .on_conflict_do_nothing(index_elements=[RECEIPT.c.user_id, RECEIPT.c.client_op_id])
        .returning(RECEIPT.c.id).cte("receipt"))
    upsert = postgresql.insert(BALLOT).from_select(
        ["poll_id", "user_id", "cast_at", "choices", "reason", "changed_at"],
        select(poll_id, user_id, changed_at, choices, reason, changed_at).select_from(receipt))
    ballot = (upsert.on_conflict_do_update(
        index_elements=[BALLOT.c.poll_id, BALLOT.c.user_id],
        set_={"choices": upsert.excluded.choices, "reason": upsert.excluded.reason,
              "changed_at": upsert.excluded.changed_at})
        .returning(BALLOT.c.id).cte("ballot"))
    event = (postgresql.insert(EVENT).from_select(
        ["campaign_id", "kind", "data", "created_at"],
        select(typed("campaign_id", EVENT.c.campaign_id), literal(events.BALLOT_CAST),
               typed("data", EVENT.c.data), changed_at).select_from(receipt))
        .returning(EVENT.c.id).cte("event"))
    return select(select(receipt.c.id).scalar_subquery().label("receipt_id"),
                  select(func.count()).select_from(ballot).scalar_subquery().label("ballots"),
                  select(event.c.id).scalar_subquery().label("event_id"))


_BUILT: dict[str, dict[str, Executable]] = {}


def _run(session: Session, name: str, **values: Any) -> CursorResult[Any]:
    connection = session.connection()
    dialect = connection.dialect.name
    built = _BUILT.get(dialect)
    if built is None:
        built = _BUILT[dialect] = _statements(dialect)
    return connection.execute(built[name], values)


def _context(session: Session, actor: Viewer, poll_id: int) -> _Context:
    """The poll, its options, its campaign and the voter's place in it, in one statement
    (a row per option); NotFound as `polls._load_poll` would answer. Suspension is checked
    first, as everywhere."""
    rows = _run(session, "context", user_id=actor.user_id, poll_id=poll_id).all()
    row = rows[0] if rows else None
    # (No such account, for the subquery, reads as NULL: suspended, as `polls._suspended`.)
    if polls._suspended(session, actor) if row is None else row[-1] is None or bool(row[-1]):
        raise NotAllowed(_(polls.SUSPENDED))
    if row is None:
        raise NotFound(_(polls.POLL_MISSING))
    values = row._mapping
    poll = _Poll(*(values[name] for name in _POLL_COLUMNS))
    campaign = _Campaign(values["org_id"], values["campaign_status"],
                         values["campaign_archived_at"])
    role = (CampaignRole(values["member_role"])
            if values["member_role"] is not None and values["removed_at"] is None else None)
    if (campaign.org_id != actor.org_id or not service._visible(actor, campaign, role)
            or (poll.status == PollStatus.draft and not polls._runs(actor, role))):
        raise NotFound(_(polls.POLL_MISSING))
    options = [_Option(row.option_id, row.option_label) for row in rows
               if row.option_id is not None]
    return _Context(poll, campaign, role, options)


def _save(session: Session, values: dict[str, Any], campaign_id: int) -> bool:
    """Write the receipt, then (a first vote, or from this device or another a change to it)
    the ballot and its event; False, with nothing written, when the receipt was there already
    (a retry)."""
    data = {"poll_id": values["poll_id"]}
    if session.connection().dialect.name == "postgresql":
        row = _run(session, "save_all", campaign_id=campaign_id, data=events.as_text(data),
                   **values).one()
        if row.receipt_id is None:
            return False
        events.written(session, row.event_id, campaign_id, events.BALLOT_CAST, data)
        return True
    if _run(session, "save_receipt", **values).first() is None:
        return False
    _run(session, "save_ballot", **values)
    events.emit(session, campaign_id, events.BALLOT_CAST, data)
    return True


def _receipt(session: Session, user_id: int, op_id: str) -> BallotReceipt | None:
    row = _run(session, "receipt", user_id=user_id, op_id=op_id).first()
    return None if row is None else BallotReceipt(**row._mapping)


def cast_ballot(session: Session, *, actor: Viewer, poll_id: int, choices: Any,
                client_op_id: Any, reason: Any = "") -> Saved:
    """Save the viewer's vote, or change it. A retry with the same client_op_id gets the
    first answer back and changes nothing, even after a newer vote or after the poll closed.

    `choices`: [option ids] for single (one), multiple (up to max_choices) and ranked (in
    order, best first); {option id: 0..5} for score, every option; a position for a
    proposal ("agree", "abstain", "disagree", "block"), with an optional `reason`.

    The busiest write there is (a whole room votes at once), so it is three plain statements:
    what the vote needs to know in one, then the receipt and the ballot each one INSERT … ON
    CONFLICT (the receipt's conflict is how a retry is recognised)."""
    found = _context(session, actor, poll_id)
    poll = found.poll
    op_id = client_op_id.strip() if isinstance(client_op_id, str) else ""
    if not OP_ID.fullmatch(op_id):
        raise InvalidInput({"client_op_id": _(BAD_OP_ID)})
    refusal = polls._vote_refusal(actor, found.campaign, found.role, poll, suspended=False)
    try:
        if refusal:
            raise NotAllowed(refusal)
        value, words = _parse_ballot(poll, found.options, choices, reason)
    except (NotAllowed, InvalidInput):
        # A retry of a vote that was saved (before the poll closed, say) gets its answer.
        earlier = _receipt(session, actor.user_id, op_id)
        if earlier is None:
            raise
        return _replay(earlier, poll)
    assert poll.id is not None
    now = clock.now()
    values = {"user_id": actor.user_id, "poll_id": poll.id, "op_id": op_id,
              "choices": _encode(value), "reason": words, "changed_at": now}
    if not _save(session, values, poll.campaign_id):
        # The same submission again (a retry, or sent twice at once): the first one's answer.
        first = _receipt(session, actor.user_id, op_id)
        assert first is not None
        return _replay(first, poll)
    return Saved(poll_id=poll.id, campaign_id=poll.campaign_id, choices=value, reason=words,
                 client_op_id=op_id, saved_at=now, replayed=False)
