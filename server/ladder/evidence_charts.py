"""The evidence dashboard's charts, drawn on the server as SVG geometry.

Pure functions from counts to coordinates: the template draws the shapes, CSS colours them
(each rung its own class, `rung-<value>`), and every bar carries its label and its count as
text, so colour is never the only way to tell one from another. The same numbers are always
given in a table beside the chart.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from server.ladder.rungs import AT_LEAST_PARTICIPATION, RUNGS, Rung

# Bars across: a row per item, its label on the left and its count after the bar.
BAR_WIDTH = 480
BAR_LABEL = 124  # room for the longest label ("Sharing Power", "Not given")
BAR_COUNT = 44  # room for the count after the longest bar
ROW = 32
BAR_THICKNESS = 20
BAR_PAD = 8

# Months: a stacked column per month, a legend under the axis.
MONTH_WIDTH = 560
MONTH_PLOT = 200  # the height of the tallest column
MONTH_LEFT = 36  # room for the scale's numbers
MONTH_RIGHT = 8
MONTH_TOP = 24  # room for the total over the tallest column
MONTH_AXIS = 28  # room for the month names under the axis
LEGEND_ROW = 24
LEGEND_COLUMNS = 3
LABEL_ROOM = 56  # a month's name ("Sep 2026") needs about this much room
COLUMN_GAP = 0.25  # of each month's band, between its column and the next


def rung_class(rung: Rung) -> str:
    """The CSS class that colours a rung; Participation and above are also hatched."""
    influence = " influence" if rung in AT_LEAST_PARTICIPATION else ""
    return f"rung-{rung.value}{influence}"


# ---------------------------------------------------------------- bars across


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    count: int
    css: str
    x: float
    y: float
    width: float  # proportional to the count: 0 for none
    height: float
    text_y: float  # the baseline of the label and the count, level with the bar
    count_x: float  # where the count is written, just after the bar


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    axis_x: float  # where every bar starts: a zero bar is a count of 0 at the axis
    bars: list[Bar]
    largest: int

    @property
    def summary(self) -> str:
        """Every bar in words, for the chart's description."""
        return "; ".join(f"{bar.label}: {bar.count}" for bar in self.bars) + "."


def bar_chart(items: Sequence[tuple[str, str, int, str]]) -> BarChart:
    """A bar across for each (key, label, count, css class), in the order given."""
    axis = float(BAR_LABEL)
    room = BAR_WIDTH - BAR_LABEL - BAR_COUNT
    largest = max((count for _k, _l, count, _c in items), default=0)
    bars = []
    for place, (key, label, count, css) in enumerate(items):
        top = BAR_PAD + place * ROW
        width = round(count / largest * room, 1) if largest else 0.0
        bars.append(Bar(key=key, label=label, count=count, css=css, x=axis, y=top,
                        width=width, height=BAR_THICKNESS,
                        text_y=top + BAR_THICKNESS / 2 + 5, count_x=round(axis + width + 6, 1)))
    return BarChart(width=BAR_WIDTH, height=2 * BAR_PAD + len(items) * ROW, axis_x=axis,
                    bars=bars, largest=largest)


def rung_chart(per_rung: Mapping[Rung, int]) -> BarChart:
    """Decisions on each of the six rungs, lowest first; a rung with none is a bar of 0."""
    return bar_chart([(rung.value, rung.label, per_rung.get(rung, 0), rung_class(rung))
                      for rung in RUNGS])


def age_band_chart(bands: Mapping[str, int], labels: Mapping[str, str]) -> BarChart:
    """Young people in each age band, in the order of `labels`."""
    return bar_chart([(band, label, bands.get(band, 0), f"age-band band-{band}")
                      for band, label in labels.items()])


# ---------------------------------------------------------------- rungs by month


@dataclass(frozen=True)
class Segment:
    rung: Rung
    count: int
    css: str
    y: float
    height: float  # proportional to the count


@dataclass(frozen=True)
class Column:
    month: str  # "2026-03"
    label: str  # "Mar 2026"
    total: int
    x: float
    width: float
    centre: float
    segments: list[Segment]  # lowest rung at the bottom; rungs with none are left out
    total_y: float  # the baseline of the total written over the column
    named: bool  # the month's name is written under it (with many months, only some are)

    @property
    def summary(self) -> str:
        """The column in words, for its tooltip."""
        parts = "; ".join(f"{s.rung.label} {s.count}" for s in self.segments)
        return f"{self.label}: {self.total} decision{'' if self.total == 1 else 's'}" + (
            f" ({parts})" if parts else "")


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class LegendItem:
    rung: Rung
    label: str
    css: str
    x: float
    y: float


@dataclass(frozen=True)
class MonthChart:
    width: int
    height: int
    left: float
    right: float
    base_y: float  # the axis: where every column stands
    columns: list[Column]
    ticks: list[Tick]
    legend: list[LegendItem]
    largest: int
    swatch: int = 14

    @property
    def summary(self) -> str:
        """The chart in words, for its description; the table gives every number."""
        if not self.columns:
            return "No months with decisions."
        first, last = self.columns[0], self.columns[-1]
        span = (f"{first.label}" if first is last
                else f"{len(self.columns)} months, {first.label} to {last.label}")
        return (f"{span}. Each month's column is split by rung, lowest at the bottom; the most "
                f"decisions in one month: {self.largest}.")


def month_label(month: str) -> str:
    """"2026-03" as "Mar 2026"."""
    year, number = (int(part) for part in month.split("-"))
    return f"{date(year, number, 1):%b %Y}"


def _ticks(largest: int) -> list[int]:
    """0, the largest total, and the halfway mark when it is a whole number."""
    if largest <= 0:
        return [0]
    if largest % 2 == 0 and largest > 2:
        return [0, largest // 2, largest]
    return [0, largest]


def month_chart(months: Sequence[tuple[str, Mapping[Rung, int]]]) -> MonthChart:
    """A column per month, oldest first, each stacked from the lowest rung up."""
    base = float(MONTH_TOP + MONTH_PLOT)
    left, right = float(MONTH_LEFT), float(MONTH_WIDTH - MONTH_RIGHT)
    totals = [sum(counts.values()) for _month, counts in months]
    largest = max(totals, default=0)
    scale = MONTH_PLOT / largest if largest else 0.0
    band = (right - left) / len(months) if months else 0.0
    every = max(1, math.ceil(LABEL_ROOM / band)) if band else 1
    columns = []
    for place, ((month, counts), total) in enumerate(zip(months, totals, strict=True)):
        x = left + place * band + band * COLUMN_GAP / 2
        width = band * (1 - COLUMN_GAP)
        segments, top = [], base
        for rung in RUNGS:
            count = counts.get(rung, 0)
            if not count:
                continue
            height = count * scale
            top -= height
            segments.append(Segment(rung=rung, count=count, css=rung_class(rung),
                                    y=round(top, 1), height=round(height, 1)))
        columns.append(Column(
            month=month, label=month_label(month), total=total, x=round(x, 1),
            width=round(width, 1), centre=round(x + width / 2, 1), segments=segments,
            total_y=round(top - 5, 1), named=place % every == 0))
    legend_top = base + MONTH_AXIS + 8
    legend_width = (right - left) / LEGEND_COLUMNS
    legend = [LegendItem(rung=rung, label=rung.label, css=rung_class(rung),
                         x=round(left + (place % LEGEND_COLUMNS) * legend_width, 1),
                         y=legend_top + (place // LEGEND_COLUMNS) * LEGEND_ROW)
              for place, rung in enumerate(RUNGS)]
    rows = math.ceil(len(RUNGS) / LEGEND_COLUMNS)
    return MonthChart(
        width=MONTH_WIDTH, height=int(legend_top + rows * LEGEND_ROW), left=left, right=right,
        base_y=base, columns=columns,
        ticks=[Tick(value, round(base - value * scale, 1)) for value in _ticks(largest)],
        legend=legend, largest=largest)
