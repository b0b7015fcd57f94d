"""The participation ladder, who decided, and the Lundy model's four questions.

The ladder comes from the seed: six rungs from No Control to Full Control, each with the seed's
meaning (written about young people rather than "service users") and a line a 12-year-old can
read. Rungs compare by their place on the ladder, never alphabetically, so `max(rungs)` is the
highest and `rung >= Rung.participation` means "Participation or above".
"""

from enum import StrEnum

from server.i18n import N_


class Rung(StrEnum):
    # Lowest to highest: the order here is the order of the ladder.
    no_control = "no_control"
    information = "information"
    consultation = "consultation"
    participation = "participation"
    sharing_power = "sharing_power"
    full_control = "full_control"

    @property
    def rank(self) -> int:
        """1 for No Control up to 6 for Full Control."""
        return RANKS[self]

    @property
    def label(self) -> str:
        return RUNG_LABELS[self]

    @property
    def meaning(self) -> str:
        return RUNG_MEANINGS[self]

    @property
    def for_young_people(self) -> str:
        return RUNG_FOR_YOUNG_PEOPLE[self]

    def is_at_least(self, other: "Rung") -> bool:
        return self >= other

    # A str's comparisons are alphabetical ("full_control" < "information"); a rung's are by
    # its place on the ladder. Comparing with a plain string is a mistake, not a question.
    def __lt__(self, other: str) -> bool:
        return self.rank < _rung(other).rank

    def __le__(self, other: str) -> bool:
        return self.rank <= _rung(other).rank

    def __gt__(self, other: str) -> bool:
        return self.rank > _rung(other).rank

    def __ge__(self, other: str) -> bool:
        return self.rank >= _rung(other).rank


def _rung(value: object) -> Rung:
    if not isinstance(value, Rung):
        raise TypeError(f"a rung compares only with another rung, not {value!r}")
    return value


RUNGS: tuple[Rung, ...] = tuple(Rung)
RANKS: dict[Rung, int] = {rung: place for place, rung in enumerate(RUNGS, start=1)}
LOWEST, HIGHEST = RUNGS[0], RUNGS[-1]

RUNG_LABELS = {
    Rung.no_control: N_("No Control"),
    Rung.information: N_("Information"),
    Rung.consultation: N_("Consultation"),
    Rung.participation: N_("Participation"),
    Rung.sharing_power: N_("Sharing Power"),
    Rung.full_control: N_("Full Control"),
}
# The seed's words, about young people.
RUNG_MEANINGS = {
    Rung.no_control: N_("Young people are passive consumers."),
    Rung.information: N_("Young people are told what is happening but have no influence."),
    Rung.consultation: N_("Young people are asked what they think but have limited influence."),
    Rung.participation: N_("Young people can make suggestions and influence outcomes."),
    Rung.sharing_power: N_("Young people share decisions and responsibility, influencing and "
                           "determining outcomes."),
    Rung.full_control: N_("Young people control decision making at the highest level."),
}
RUNG_FOR_YOUNG_PEOPLE = {
    Rung.no_control: N_("Adults decide. You are not asked and not told."),
    Rung.information: N_("Adults decide, then tell you what they decided."),
    Rung.consultation: N_("Adults ask what you think, then they decide."),
    Rung.participation: N_("Your ideas change what adults decide."),
    Rung.sharing_power: N_("You and adults decide together."),
    Rung.full_control: N_("You decide, and what you decide happens."),
}


def at_least(rung: Rung) -> frozenset[Rung]:
    """Every rung from this one up."""
    return frozenset(r for r in RUNGS if r >= rung)


# Where young people's views change outcomes: what evidence counts as real influence.
AT_LEAST_PARTICIPATION = at_least(Rung.participation)


class DecidedBy(StrEnum):
    young_people = "young_people"
    together = "together"  # young people with adults
    adults = "adults"

    @property
    def label(self) -> str:
        return DECIDED_BY_LABELS[self]


DECIDED_BY_LABELS = {
    DecidedBy.young_people: N_("Young people"),
    DecidedBy.together: N_("Young people with adults"),
    DecidedBy.adults: N_("Adults"),
}


class LundyElement(StrEnum):
    """Laura Lundy's model of children's participation: four things a decision needs."""

    space = "space"
    voice = "voice"
    audience = "audience"
    influence = "influence"

    @property
    def label(self) -> str:
        return LUNDY_LABELS[self]

    @property
    def question(self) -> str:
        return LUNDY_QUESTIONS[self]


LUNDY_ELEMENTS: tuple[LundyElement, ...] = tuple(LundyElement)
LUNDY_LABELS = {
    LundyElement.space: N_("Space"),
    LundyElement.voice: N_("Voice"),
    LundyElement.audience: N_("Audience"),
    LundyElement.influence: N_("Influence"),
}
LUNDY_QUESTIONS = {
    LundyElement.space: N_("Was there a safe space where young people could form and share "
                           "their views?"),
    LundyElement.voice: N_("Could young people express their views, with help if they "
                           "needed it?"),
    LundyElement.audience: N_("Did their views reach someone with the power to act on them?"),
    LundyElement.influence: N_("Did their views have influence, and were young people told "
                               "what happened as a result?"),
}
