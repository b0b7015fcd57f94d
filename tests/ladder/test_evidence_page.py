"""The /evidence dashboard: the numbers for the organisation and each campaign, the charts and
their tables, the filter, the downloads, and who may see it."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from server import clock as clock_module
from tests.accounts.helpers import field_errors, heading, input_value, location, text
from tests.campaigns.pages import make_campaign, message
from tests.conftest import page
from tests.ladder.test_evidence import days_ago
from tests.ladder.test_evidence import recorded as recorded  # the fixtures
from tests.ladder.test_evidence import setup as setup

PAGE = "/evidence"
RUNG_LABELS = ["No Control", "Information", "Consultation", "Participation", "Sharing Power",
               "Full Control"]
BAND_LABELS = ["Under 13", "13 to 15", "16 or 17", "18 to 25", "Over 25", "Not given"]
BUS = "The bus stop moves to the college gate"
MOVED = "Adults moved the stop"
LONGER = "Longer hours"


def rows(soup, selector: str) -> list[list[str]]:
    """A table's body, a list of cells' text for each row (header cells included)."""
    table = soup.select_one(selector)
    assert table is not None, f"no table {selector!r}"
    return [[cell.get_text(" ", strip=True) for cell in tr.select("th, td")]
            for tr in table.select("tbody tr")]


def headline(soup) -> dict[str, str]:
    return {key: text(soup, f"#headline-{key} dd")
            for key in ("decisions", "share", "young-people")}


def decision_titles(soup) -> list[str]:
    return [row[2] for row in rows(soup, "#decision-table")]


def svg_bars(soup, chart_id: str) -> list[list[str]]:
    """What a bar chart says in its own text: each bar's label and count."""
    return [[text(g, ".bar-label"), text(g, ".bar-count")]
            for g in soup.select(f"#{chart_id} g.bar")]


@pytest.mark.parametrize("who", ["worker", "admin"])
def test_staff_see_the_organisations_evidence(as_user, setup, recorded, who):
    bound, told = recorded
    response = as_user(who).get(PAGE)
    assert response.status_code == 200, response.text
    assert heading(response) == "Evidence"
    soup = page(response)
    assert text(soup, "#summary-heading") == "All campaigns: All dates"
    assert headline(soup) == {"decisions": "3", "share": "33% 1 of 3",
                              "young-people": "3 each counted once"}

    assert rows(soup, "#per-rung-table") == [
        ["No Control", "1"], ["Information", "0"], ["Consultation", "1"],
        ["Participation", "0"], ["Sharing Power", "0"], ["Full Control", "1"]]
    # Sam, Kai and Jade voted; Sam also commented: counted once each, in their own band.
    assert rows(soup, "#age-band-table") == [
        ["Under 13", "0"], ["13 to 15", "1"], ["16 or 17", "1"], ["18 to 25", "1"],
        ["Over 25", "0"], ["Not given", "0"]]
    assert rows(soup, "#campaign-table") == [
        ["Longer library hours", "1", "0 (0%)", "0"],
        ["Safe way to college", "2", "1 (50%)", "3"]]
    links = [a["href"] for a in soup.select("#campaign-table a")]
    assert links == [f"/campaigns/{setup.other.id}", f"/campaigns/{setup.id}"]

    today = clock_module.now().date()
    decided = [today - timedelta(days=400), today - timedelta(days=3), today - timedelta(days=1)]
    assert rows(soup, "#decision-table") == [
        [f"{decided[0]:%-d %b %Y}", "Longer library hours", LONGER, "No Control",
         "Not confirmed yet", "0"],
        [f"{decided[1]:%-d %b %Y}", "Safe way to college", BUS, "Full Control",
         f"{today:%-d %b %Y}", "3"],
        [f"{decided[2]:%-d %b %Y}", "Safe way to college", MOVED, "Consultation",
         "Not confirmed yet", "1"]]
    decision_links = {a.get_text(strip=True): a["href"]
                      for a in soup.select("#decision-table a")}
    assert decision_links[BUS] == f"/decisions/{bound.id}"
    assert decision_links[MOVED] == f"/decisions/{told.id}"

    # Every month from the first decision's to the last's, empty ones too, oldest first.
    months = [tr["data-month"] for tr in soup.select("#by-month-table tbody tr")]
    assert months == sorted(months) and len(months) >= 13
    assert months[0] == f"{decided[0]:%Y-%m}" and months[-1] == f"{decided[2]:%Y-%m}"
    assert not soup.select_one("#no-decisions")


def test_each_chart_is_an_image_with_a_name_and_a_table_of_the_same_numbers(
        as_user, setup, recorded):
    soup = page(as_user("worker").get(PAGE))
    charts = soup.select("svg[role=img]")
    assert [svg["id"] for svg in charts] == ["per-rung-chart", "by-month-chart",
                                             "age-bands-chart"]
    for svg in charts:
        title_id, desc_id = svg["aria-labelledby"].split()
        assert svg.select_one(f"title#{title_id}").get_text(strip=True)
        assert svg.select_one(f"desc#{desc_id}").get_text(strip=True)
    assert text(soup, "#per-rung-title") == (
        "Decisions on each rung of the ladder, lowest to highest")
    assert text(soup, "#per-rung-desc") == (
        "No Control: 1; Information: 0; Consultation: 1; Participation: 0; "
        "Sharing Power: 0; Full Control: 1.")

    # The per-rung chart: all six rungs, lowest first, each with its count written.
    assert svg_bars(soup, "per-rung-chart") == rows(soup, "#per-rung-table")
    assert [row[0] for row in svg_bars(soup, "per-rung-chart")] == RUNG_LABELS
    assert soup.select_one("#per-rung-table caption").get_text(strip=True)
    # Colour is not the only cue: each bar is in its rung's class, and labelled.
    assert [g["class"][1] for g in soup.select("#per-rung-chart g.bar")] == [
        "rung-no_control", "rung-information", "rung-consultation", "rung-participation",
        "rung-sharing_power", "rung-full_control"]

    # Rungs by month: a column per month with its total written, as in the table.
    table = {tr["data-month"]: [td.get_text(strip=True) for td in tr.select("td")]
             for tr in soup.select("#by-month-table tbody tr")}
    columns = soup.select("#by-month-chart g.column")
    assert [g["data-month"] for g in columns] == list(table)
    assert [text(g, "text.total") for g in columns] == [cells[-1] for cells in table.values()]
    for g in columns:
        # Each part of a column is one rung's decisions that month, as the table has them.
        in_chart = {rect["data-rung"]: float(rect["height"]) for rect in g.select("rect.segment")}
        cells = table[g["data-month"]]
        assert set(in_chart) == {rung for rung, cell in zip(
            ["no_control", "information", "consultation", "participation", "sharing_power",
             "full_control"], cells, strict=False) if cell != "0"}
    legend = [text(g, "text") for g in soup.select("#by-month-chart g.legend-item")]
    assert legend == RUNG_LABELS
    headers = [th.get_text(strip=True) for th in soup.select("#by-month-table thead th")]
    assert headers == ["Month", *RUNG_LABELS, "All rungs"]

    # Young people by age band.
    assert svg_bars(soup, "age-bands-chart") == rows(soup, "#age-band-table")
    assert [row[0] for row in svg_bars(soup, "age-bands-chart")] == BAND_LABELS


def test_the_dates_and_the_campaign_narrow_everything_shown(as_user, setup, recorded):
    browser = as_user("worker")
    recent = page(browser.get(PAGE, params={"from": days_ago(30)}))
    assert decision_titles(recent) == [BUS, MOVED]
    assert headline(recent)["decisions"] == "2"
    assert headline(recent)["share"] == "50% 1 of 2"
    assert [row[0] for row in rows(recent, "#campaign-table")] == ["Safe way to college"]
    assert rows(recent, "#per-rung-table")[0] == ["No Control", "0"]

    old = page(browser.get(PAGE, params={"to": days_ago(30)}))
    assert decision_titles(old) == [LONGER]
    assert headline(old) == {"decisions": "1", "share": "0% 0 of 1",
                             "young-people": "0 each counted once"}

    theirs = browser.get(PAGE, params={"campaign": str(setup.other.id)})
    soup = page(theirs)
    assert decision_titles(soup) == [LONGER]
    assert text(soup, "#summary-heading") == "Longer library hours: All dates"
    options = soup.select("#f-campaign option")
    assert [(o["value"], o.get_text()) for o in options] == [
        ("", "All campaigns"), (str(setup.other.id), "Longer library hours"),
        (str(setup.id), "Safe way to college")]
    assert [o["value"] for o in options if o.has_attr("selected")] == [str(setup.other.id)]

    narrowed = browser.get(PAGE, params={"from": days_ago(2), "campaign": str(setup.id)})
    both = page(narrowed)
    assert decision_titles(both) == [MOVED]
    assert input_value(narrowed, "from") == days_ago(2)
    assert rows(both, "#age-band-table")[1] == ["13 to 15", "1"]  # only Sam commented
    assert headline(both)["young-people"] == "1 each counted once"
    assert text(both, ".evidence-filters .actions a") == "Clear"
    assert both.select_one(".evidence-filters .actions a")["href"] == PAGE


def test_nothing_in_the_period_says_so_and_how_to_record_a_decision(as_user, setup, recorded):
    today = clock_module.now().date().isoformat()
    response = as_user("admin").get(PAGE, params={"from": today})
    assert response.status_code == 200
    soup = page(response)
    assert "No decisions were made in this period." in text(soup, "#no-decisions")
    assert "Record a decision" in text(soup, "#no-decisions")
    assert not soup.select("svg[role=img]") and not soup.select(".exports")
    assert not soup.select_one("#headline-decisions")


def test_an_organisation_without_decisions_is_told_how_to_record_one(as_user, riverside):
    soup = page(as_user("worker").get(PAGE))
    words = text(soup, "#no-decisions")
    assert "No decisions have been recorded in Riverside Youth Club yet." in words
    assert "Record a decision" in words
    assert soup.select_one('#no-decisions a[href="/campaigns"]')
    assert [o["value"] for o in soup.select("#f-campaign option")] == [""]


def test_the_downloads_carry_the_filter(as_user, setup, recorded):
    browser = as_user("worker")
    plain = page(browser.get(PAGE))
    assert [a["href"] for a in plain.select(".exports a")] == [
        "/evidence/export.csv", "/evidence/export.xlsx", "/evidence/export.json",
        "/evidence/export.pdf"]

    wanted = {"from": days_ago(30), "to": days_ago(1), "campaign": str(setup.id)}
    soup = page(browser.get(PAGE, params=wanted))
    links = [urlsplit(a["href"]) for a in soup.select(".exports a")]
    assert [link.path for link in links] == [
        "/evidence/export.csv", "/evidence/export.xlsx", "/evidence/export.json",
        "/evidence/export.pdf"]
    for link in links:
        assert {k: v[0] for k, v in parse_qs(link.query).items()} == wanted


def test_logged_out_people_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 303
    assert location(response) == "/login?next=/evidence"


@pytest.mark.parametrize("who", ["jade", "sam"])
def test_young_people_cannot_see_it(as_user, setup, recorded, who):
    response = as_user(who).get(PAGE)
    assert response.status_code == 403
    assert message(response) == "This page is for youth workers and organisation admins."
    assert BUS not in response.text


def test_staff_see_the_link_and_young_people_do_not(as_user, setup):
    assert page(as_user("worker").get("/account")).select_one('nav a[href="/evidence"]')
    assert not page(as_user("jade").get("/account")).select_one('nav a[href="/evidence"]')


def test_another_organisations_campaign_is_not_found(as_user, setup, recorded, db, riverside):
    hillside = make_campaign(db, riverside["outsider"], title="Hillside's own campaign")
    for params in ({"campaign": str(hillside.id)}, {"campaign": "999999"},
                   {"campaign": str(hillside.id), "from": "not a date"}):
        response = as_user("worker").get(PAGE, params=params)
        assert response.status_code == 404
        assert message(response) == "We could not find that campaign."
        assert "Hillside" not in response.text
    # And from Hillside, Riverside's campaign is not found either.
    response = as_user("hilda").get(PAGE, params={"campaign": str(setup.id)})
    assert response.status_code == 404
    assert "Safe way to college" not in response.text


def test_another_organisations_admin_sees_none_of_it(as_user, setup, recorded, make_user,
                                                     riverside):
    make_user(riverside["other_org"], "hilary", "org_admin", None)
    for who in ("hilary", "hilda"):
        response = as_user(who).get(PAGE)
        assert response.status_code == 200
        for title in (BUS, MOVED, LONGER, "Safe way to college", "Longer library hours"):
            assert title not in response.text
        assert page(response).select_one("#no-decisions")


def test_filters_that_need_fixing_are_shown_by_their_fields_with_what_was_typed(
        as_user, setup, recorded):
    browser = as_user("worker")
    response = browser.get(PAGE, params={"from": "last week", "to": "2026-13-01",
                                         "campaign": "x"})
    assert response.status_code == 422
    assert field_errors(response) == {
        "from": "Give the first day as a date, like 2027-03-31.",
        "to": "Give the last day as a date, like 2027-03-31.",
        "campaign": "Choose a campaign from the list."}
    assert input_value(response, "from") == "last week"
    assert input_value(response, "to") == "2026-13-01"
    soup = page(response)
    assert soup.select_one('[role="alert"]')
    assert soup.select_one("#f-campaign")["aria-invalid"] == "true"
    # Nothing is shown for a filter that makes no sense.
    assert not soup.select("svg[role=img]") and BUS not in response.text

    backwards = browser.get(PAGE, params={"from": days_ago(1), "to": days_ago(30),
                                          "campaign": str(setup.id)})
    assert backwards.status_code == 422
    assert field_errors(backwards) == {"to": "The last day cannot be before the first day."}
    assert input_value(backwards, "from") == days_ago(1)
    assert input_value(backwards, "to") == days_ago(30)
    chosen = page(backwards).select("#f-campaign option[selected]")
    assert [o["value"] for o in chosen] == [str(setup.id)]
