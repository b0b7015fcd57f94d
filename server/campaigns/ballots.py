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
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from server import clock
from server.accounts.sessions import Viewer
from server.campaigns import counting, polls, service, tallies, team
from server.campaigns.models import Ballot, BallotReceipt, Poll, PollKind, PollOption
from server.errors import InvalidInput, NotAllowed
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


def _option_ids(poll: Poll, choices: Any, known: list[int]) -> list[int]:
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


def _scores(choices: Any, options: Sequence[PollOption]) -> dict[int, int]:
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


def _parse_ballot(poll: Poll, options: Sequence[PollOption], choices: Any,
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


def _replay(receipt: BallotReceipt, poll: Poll) -> Saved:
    if receipt.poll_id != poll.id:
        raise InvalidInput({"client_op_id": _("That client_op_id was already used for a vote "
                                              "in another poll. Send a new one for each "
                                              "vote.")})
    return Saved(poll_id=receipt.poll_id, campaign_id=poll.campaign_id,
                 choices=tallies.decode(poll.kind, receipt.choices),
                 reason=receipt.reason, client_op_id=receipt.client_op_id,
                 saved_at=receipt.saved_at, replayed=True)


def _receipt(session: Session, user_id: int, op_id: str) -> BallotReceipt | None:
    return session.exec(select(BallotReceipt).where(BallotReceipt.user_id == user_id,
                                                    BallotReceipt.client_op_id == op_id)).first()


def _my_ballot(session: Session, poll_id: int, user_id: int) -> Ballot | None:
    return session.exec(select(Ballot).where(Ballot.poll_id == poll_id,
                                             Ballot.user_id == user_id)).first()


def cast_ballot(session: Session, *, actor: Viewer, poll_id: int, choices: Any,
                client_op_id: Any, reason: Any = "") -> Saved:
    """Save the viewer's vote, or change it. A retry with the same client_op_id gets the
    first answer back and changes nothing, even after a newer vote or after the poll closed.

    `choices`: [option ids] for single (one), multiple (up to max_choices) and ranked (in
    order, best first); {option id: 0..5} for score, every option; a position for a
    proposal ("agree", "abstain", "disagree", "block"), with an optional `reason`."""
    if polls._suspended(session, actor):
        raise NotAllowed(_("Your account is suspended, so you cannot make changes. "
                           "Talk to a youth worker."))
    # Only shared locks: ballots from one room must not queue behind each other.
    poll, campaign, membership = polls._load_poll(session, actor, poll_id, lock="share")
    op_id = client_op_id.strip() if isinstance(client_op_id, str) else ""
    if not OP_ID.fullmatch(op_id):
        raise InvalidInput({"client_op_id": _(BAD_OP_ID)})
    earlier = _receipt(session, actor.user_id, op_id)
    if earlier is not None:
        return _replay(earlier, poll)
    refusal = polls._vote_refusal(actor, campaign, service._active_role(membership), poll,
                                  suspended=False)
    if refusal:
        raise NotAllowed(refusal)
    assert poll.id is not None
    options = tallies._options(session, [poll.id])[poll.id]
    value, words = _parse_ballot(poll, options, choices, reason)
    now = clock.now()
    receipt = BallotReceipt(user_id=actor.user_id, client_op_id=op_id, poll_id=poll.id,
                            choices=_encode(value), reason=words, saved_at=now)
    try:
        with session.begin_nested():
            session.add(receipt)
    except IntegrityError:
        # The same submission, sent twice at once: the other one got there first.
        found = _receipt(session, actor.user_id, op_id)
        assert found is not None
        return _replay(found, poll)
    _save_ballot(session, poll.id, actor.user_id, receipt.choices, words, now)
    events.emit(session, poll.campaign_id, events.BALLOT_CAST, {"poll_id": poll.id})
    return Saved(poll_id=poll.id, campaign_id=poll.campaign_id, choices=value, reason=words,
                 client_op_id=op_id,
                 saved_at=now, replayed=False)


def _save_ballot(session: Session, poll_id: int, user_id: int, choices: str, reason: str,
                 now: datetime) -> None:
    ballot = _my_ballot(session, poll_id, user_id)
    if ballot is None:
        ballot = Ballot(poll_id=poll_id, user_id=user_id, choices=choices, reason=reason,
                        cast_at=now, changed_at=now)
        try:
            with session.begin_nested():
                session.add(ballot)
            return
        except IntegrityError:
            # Their first vote from another device, a moment ago: this one replaces it.
            found = _my_ballot(session, poll_id, user_id)
            assert found is not None
            ballot = found
    ballot.choices = choices
    ballot.reason = reason
    ballot.changed_at = now
    session.add(ballot)
