"""A small line chart of the measure over time, drawn on the server as SVG coordinates.

No JavaScript and no inline styles: the template draws the shapes, CSS colours them, and the
same numbers are always given as text beside the chart.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

WIDTH = 320
HEIGHT = 120
PAD = 8


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: str  # "x,y x,y …" for an SVG polyline
    dots: list[tuple[float, float]]
    target_y: float | None


def line_chart(readings: Sequence[tuple[datetime, float]], *, target: float | None,
               ) -> Chart | None:
    """None until there are two readings: one value is not a line."""
    if len(readings) < 2:
        return None
    times = [when.timestamp() for when, _ in readings]
    values = [value for _, value in readings]
    low = min([*values, target] if target is not None else values)
    high = max([*values, target] if target is not None else values)
    span_t = (times[-1] - times[0]) or 1.0
    span_v = (high - low) or 1.0

    def x(t: float) -> float:
        return round(PAD + (t - times[0]) / span_t * (WIDTH - 2 * PAD), 1)

    def y(v: float) -> float:
        return round(HEIGHT - PAD - (v - low) / span_v * (HEIGHT - 2 * PAD), 1)

    dots = [(x(t), y(v)) for t, v in zip(times, values, strict=True)]
    return Chart(
        width=WIDTH, height=HEIGHT,
        points=" ".join(f"{px},{py}" for px, py in dots),
        dots=dots,
        target_y=y(target) if target is not None else None,
    )
