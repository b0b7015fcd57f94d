"""The evidence charts' geometry: bars as long as their counts, every rung present even with
none, months in order and stacked lowest rung first, and the words written on each chart."""

import pytest

from server.ladder.evidence import AGE_BAND_LABELS
from server.ladder.evidence_charts import (
    MONTH_PLOT,
    age_band_chart,
    month_chart,
    month_label,
    rung_chart,
)
from server.ladder.rungs import RUNGS, Rung


def counts(**given: int) -> dict[Rung, int]:
    return {rung: given.get(rung.value, 0) for rung in RUNGS}


def test_every_rung_has_a_bar_lowest_first_as_long_as_its_count():
    chart = rung_chart(counts(information=2, participation=4, full_control=1))
    assert [bar.label for bar in chart.bars] == [
        "No Control", "Information", "Consultation", "Participation", "Sharing Power",
        "Full Control"]
    assert [bar.count for bar in chart.bars] == [0, 2, 0, 4, 0, 1]
    by_key = {bar.key: bar for bar in chart.bars}
    longest = by_key["participation"].width
    assert longest > 0
    assert by_key["information"].width == pytest.approx(longest / 2, abs=0.1)
    assert by_key["full_control"].width == pytest.approx(longest / 4, abs=0.1)
    # A rung with none is still there: a bar of no length at the axis, with its 0 written.
    none = by_key["no_control"]
    assert none.width == 0 and none.x == chart.axis_x and none.count_x > chart.axis_x
    # Rows go down the chart in order and stay inside it.
    tops = [bar.y for bar in chart.bars]
    assert tops == sorted(tops) and len(set(tops)) == 6
    assert all(bar.y + bar.height <= chart.height for bar in chart.bars)
    assert all(bar.x + bar.width <= chart.width for bar in chart.bars)
    assert chart.summary == ("No Control: 0; Information: 2; Consultation: 0; Participation: 4; "
                             "Sharing Power: 0; Full Control: 1.")


def test_each_rung_has_its_own_class_and_participation_and_above_are_marked():
    chart = rung_chart(counts())
    classes = [bar.css for bar in chart.bars]
    assert classes == ["rung-no_control", "rung-information", "rung-consultation",
                       "rung-participation influence", "rung-sharing_power influence",
                       "rung-full_control influence"]


def test_no_decisions_draws_six_empty_bars_without_dividing_by_zero():
    chart = rung_chart(counts())
    assert [bar.width for bar in chart.bars] == [0.0] * 6
    assert [bar.count for bar in chart.bars] == [0] * 6


def test_age_bands_in_order_with_not_given_last():
    chart = age_band_chart({"13_15": 3, "18_25": 1, "not_given": 2}, AGE_BAND_LABELS)
    assert [(bar.label, bar.count) for bar in chart.bars] == [
        ("Under 13", 0), ("13 to 15", 3), ("16 or 17", 0), ("18 to 25", 1), ("Over 25", 0),
        ("Not given", 2)]
    widths = {bar.key: bar.width for bar in chart.bars}
    assert widths["13_15"] == pytest.approx(3 * widths["18_25"], abs=0.1)


def test_months_in_order_stacked_from_the_lowest_rung_and_as_tall_as_their_totals():
    chart = month_chart([
        ("2026-01", counts(consultation=1, full_control=1)),
        ("2026-02", counts()),
        ("2026-03", counts(no_control=1, participation=2, sharing_power=1)),
    ])
    assert [c.month for c in chart.columns] == ["2026-01", "2026-02", "2026-03"]
    assert [c.label for c in chart.columns] == ["Jan 2026", "Feb 2026", "Mar 2026"]
    assert [c.total for c in chart.columns] == [2, 0, 4]
    assert chart.largest == 4
    lefts = [c.x for c in chart.columns]
    assert lefts == sorted(lefts)
    march = chart.columns[2]
    # The tallest column fills the plot; each part is as tall as its count.
    assert sum(s.height for s in march.segments) == pytest.approx(MONTH_PLOT, abs=0.5)
    assert [s.rung for s in march.segments] == [Rung.no_control, Rung.participation,
                                                Rung.sharing_power]
    heights = {s.rung: s.height for s in march.segments}
    assert heights[Rung.participation] == pytest.approx(2 * heights[Rung.no_control], abs=0.2)
    # Lowest rung at the bottom: each part sits on top of the one before.
    assert march.segments[0].y + march.segments[0].height == pytest.approx(chart.base_y, abs=0.2)
    assert march.segments[1].y < march.segments[0].y
    january = chart.columns[0]
    assert sum(s.height for s in january.segments) == pytest.approx(MONTH_PLOT / 2, abs=0.5)
    # An empty month is still a column, with its 0 written over the axis.
    february = chart.columns[1]
    assert february.segments == [] and february.total_y < chart.base_y
    assert february.summary == "Feb 2026: 0 decisions"
    assert march.summary == ("Mar 2026: 4 decisions (No Control 1; Participation 2; "
                             "Sharing Power 1)")
    assert [t.value for t in chart.ticks] == [0, 2, 4]
    assert chart.ticks[0].y == chart.base_y and chart.ticks[-1].y == pytest.approx(
        chart.base_y - MONTH_PLOT)


def test_the_legend_names_every_rung_in_its_class():
    chart = month_chart([("2026-05", counts(participation=1))])
    assert [(item.label, item.css.split()[0]) for item in chart.legend] == [
        (rung.label, f"rung-{rung.value}") for rung in RUNGS]
    assert all(item.y > chart.base_y for item in chart.legend)
    assert all(item.y + chart.swatch <= chart.height for item in chart.legend)
    assert chart.summary.startswith("May 2026.")


def test_with_many_months_only_some_are_named_but_every_one_is_drawn():
    months = [(f"{2020 + i // 12}-{i % 12 + 1:02d}", counts(information=1)) for i in range(48)]
    chart = month_chart(months)
    assert len(chart.columns) == 48
    named = [c for c in chart.columns if c.named]
    assert chart.columns[0].named and 4 <= len(named) < 48
    # Named months are far enough apart for their names not to overlap.
    assert named[1].centre - named[0].centre >= 50
    assert all(c.x + c.width <= chart.right for c in chart.columns)
    assert chart.summary.startswith("48 months, Jan 2020 to Dec 2023.")


def test_no_months():
    chart = month_chart([])
    assert chart.columns == [] and chart.largest == 0
    assert [t.value for t in chart.ticks] == [0]


def test_month_label():
    assert month_label("2027-12") == "Dec 2027"
