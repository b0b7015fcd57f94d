"""Which rung of the ladder a decision suggests, from how it was made, and why.

A youth worker or lead recording a decision says who decided, links the campaign's polls and
comment threads that young people took part in, and says whether the decision followed a poll's
result and whether young people were told. The app suggests a rung from that and shows the
reasons; people may choose another rung, but then must say why (`needs_reason`).

The rules, first match wins:

1. Young people decided themselves: **Full Control**.
2. The decision followed the result of a poll that young people ran (its creator is a lead of
   the campaign), whoever signed it off: **Full Control**. Young people's vote controlled it.
3. Young people and adults decided together: **Sharing Power**.
4. Adults decided, and the decision followed the result of a poll young people voted in, or
   adults took up young people's suggestions: **Participation**.
5. Adults decided after asking young people in a poll or a comment thread, without having to
   follow what they said: **Consultation**.
6. Adults decided without asking young people, and told them what was decided: **Information**.
7. Otherwise, adults decided without asking or telling young people: **No Control**.

So young people getting more say never lowers the suggestion: moving who decided from adults
to together to young people, linking a poll or a thread, a poll that binds the outcome, a poll
young people ran, suggestions taken up, or telling them the outcome.
"""

from dataclasses import dataclass, field

from server.i18n import N_
from server.ladder.rungs import DecidedBy, Rung

# The rules in a line each, highest rung first, for people reading the ladder page.
RULES_IN_SHORT: tuple[tuple[Rung, str], ...] = (
    (Rung.full_control, N_("Young people decided, or the decision followed the result of a "
                           "poll young people ran.")),
    (Rung.sharing_power, N_("Young people and adults decided together.")),
    (Rung.participation, N_("Adults decided, but followed the result of a poll young people "
                            "voted in, or took up their suggestions.")),
    (Rung.consultation, N_("Adults decided after asking young people in a poll or a comment "
                           "thread.")),
    (Rung.information, N_("Adults decided without asking young people, then told them.")),
    (Rung.no_control, N_("Adults decided without asking or telling young people.")),
)


@dataclass(frozen=True, kw_only=True)
class HowDecided:
    decided_by: DecidedBy
    polls: int = 0  # the campaign's polls linked to the decision
    threads: int = 0  # the campaign's comment threads linked to the decision
    # The decision followed a linked poll's result: it bound the outcome.
    poll_bound_outcome: bool = False
    # The poll the decision followed (or, when none bound it, a linked poll) was started by
    # a lead of the campaign, a young person, rather than by an adult.
    poll_run_by_young_people: bool = False
    # Adults took up what young people suggested (in a linked poll or thread, or elsewhere).
    suggestions_taken_up: bool = False
    told_outcome: bool = False  # young people were told what was decided

    def __post_init__(self) -> None:
        if self.polls < 0 or self.threads < 0:
            raise ValueError("polls and threads are counts: they cannot be negative")

    @property
    def asked(self) -> bool:
        """Young people gave their views in something linked to the decision."""
        return self.polls + self.threads > 0

    @property
    def binding_poll(self) -> bool:
        # Without a linked poll there is no poll that could have bound it.
        return self.polls > 0 and self.poll_bound_outcome

    @property
    def young_peoples_binding_poll(self) -> bool:
        return self.binding_poll and self.poll_run_by_young_people


@dataclass(frozen=True)
class Suggestion:
    rung: Rung
    reasons: list[str] = field(default_factory=list)  # plain sentences: why this rung


def suggest(how: HowDecided) -> Suggestion:
    if how.decided_by == DecidedBy.young_people:
        reasons = [N_("Young people made the decision themselves.")]
        if how.young_peoples_binding_poll:
            reasons.append(N_("Young people ran a poll, and the decision followed its result."))
        return Suggestion(Rung.full_control, reasons)
    if how.young_peoples_binding_poll:
        signed_off = ("Young people and adults made the decision together"
                      if how.decided_by == DecidedBy.together else "Adults signed it off")
        return Suggestion(Rung.full_control, [
            N_("Young people ran a poll, and the decision followed its result."),
            f"{signed_off}, but young people's vote decided it.",
        ])
    if how.decided_by == DecidedBy.together:
        return Suggestion(Rung.sharing_power,
                          [N_("Young people and adults made the decision together.")])
    if how.binding_poll:
        return Suggestion(Rung.participation, [
            N_("Adults made the decision, and it followed the result of a poll young people "
               "voted in."),
            N_("An adult started the poll, so adults chose what young people were asked."),
        ])
    if how.suggestions_taken_up:
        reasons = [N_("Adults made the decision, and took up young people's suggestions.")]
        if how.asked:
            reasons.append(f"Young people made their suggestions in {_inputs(how)}.")
        return Suggestion(Rung.participation, reasons)
    if how.asked:
        return Suggestion(Rung.consultation, [
            f"Adults made the decision after asking young people what they think in "
            f"{_inputs(how)}.",
            N_("The decision did not have to follow what young people said, so their "
               "influence was limited."),
        ])
    if how.told_outcome:
        return Suggestion(Rung.information, [
            N_("Adults made the decision without asking young people first."),
            N_("Young people were told what was decided."),
        ])
    return Suggestion(Rung.no_control, [
        N_("Adults made the decision without asking young people."),
        N_("Young people have not been told what was decided."),
    ])


def needs_reason(suggested: Rung, chosen: Rung) -> bool:
    """Choosing a rung other than the suggested one needs a reason, in either direction."""
    return chosen != suggested


def _inputs(how: HowDecided) -> str:
    parts = [_count(how.polls, "a poll", "polls"),
             _count(how.threads, "a comment thread", "comment threads")]
    return " and ".join(part for part in parts if part)


def _count(n: int, one: str, many: str) -> str:
    if n == 0:
        return ""
    return one if n == 1 else f"{n:,} {many}"
