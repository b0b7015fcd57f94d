"""GET /api/v1/evidence: the organisation's evidence as documented JSON or as a file, for staff
only, never another organisation's."""

import json

import pytest

from server.api.base import PREFIX
from server.ladder import exports
from tests.api.helpers import (
    assert_error,
    assert_unauthenticated,
    bearer,
    response_schema,
    schema_problems,
)
from tests.ladder.test_exports import (
    AMEND_REASON,
    HYPERLINK,
    YOUNG,
    csv_rows,
    days_ago,
    pdf_text,
    sheet_rows,
    workbook,
)
from tests.ladder.test_exports import pack as pack  # the fixtures
from tests.ladder.test_exports import setup as setup

URL = f"{PREFIX}/evidence"


def test_staff_get_the_documented_json(client, pack, token_for, document):
    response = client.get(URL, headers=bearer(token_for(pack.users["admin"])))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "content-disposition" not in response.headers
    body = response.json()
    assert schema_problems(document, response_schema(document, URL, "get"), body) == []
    assert [d["title"] for d in body["decisions"]] == [
        HYPERLINK, "Longer library hours", "Posters in the corridor", "Adults moved the stop"]
    assert body["totals"]["decisions"] == 4 and body["totals"]["young_people"] == 3
    assert body["decisions"][0]["amendments"][0]["reason"] == AMEND_REASON
    for username, name in YOUNG.items():
        assert username not in response.text.lower() and name not in response.text


def test_every_format_tells_the_same_story(client, pack, token_for):
    token = bearer(token_for(pack.users["worker"]))
    params = {"from": days_ago(60), "campaign": str(pack.id)}
    files = {}
    for fmt, (media_type, extension) in exports.FORMATS.items():
        response = client.get(URL, headers=token, params={**params, "format": fmt})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media_type.partition(";")[0])
        if fmt != "json":
            assert response.headers["content-disposition"] == (
                f'attachment; filename="evidence-riverside-youth-club-safe-way-to-college-'
                f'{days_ago(60)}-to-{days_ago(0)}.{extension}"')
        files[fmt] = response.content
    titles = ["Posters in the corridor", "Adults moved the stop"]
    assert [d["title"] for d in json.loads(files["json"])["decisions"]] == titles
    assert [r["decision"] for r in csv_rows(files["csv"].decode("utf-8"))] == titles
    assert [r["decision"] for r in sheet_rows(workbook(files["xlsx"]), "Decisions")] == titles
    text = pdf_text(files["pdf"])
    assert all(title in text for title in titles) and HYPERLINK not in text
    assert "Campaign: Safe way to college" in text


def test_the_openapi_document_lists_the_parameters_and_files(document):
    operation = document["paths"][URL]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["from", "to", "campaign", "format"]
    assert all(p["in"] == "query" and not p["required"] for p in operation["parameters"])
    assert set(operation["responses"]["200"]["content"]) == {
        "application/json", "text/csv", exports.FORMATS["xlsx"][0], "application/pdf"}
    assert set(operation["responses"]) == {"200", "401", "403", "404", "422"}


def test_no_token_is_401(client, pack):
    assert_unauthenticated(client.get(URL))
    assert_unauthenticated(client.get(URL, params={"format": "csv"}))


@pytest.mark.parametrize("name", ["jade", "zquill"])
def test_young_people_are_forbidden(client, pack, token_for, name):
    response = client.get(URL, headers=bearer(token_for(pack.users[name])),
                          params={"format": "pdf"})
    assert_error(response, 403, "forbidden")


def test_another_organisations_campaign_is_not_found(client, pack, token_for):
    token = bearer(token_for(pack.users["hilda"]))
    response = client.get(URL, headers=token, params={"campaign": str(pack.id)})
    assert_error(response, 404, "not_found")
    assert client.get(URL, headers=token).json()["decisions"] == []


def test_bad_dates_and_an_unknown_format_are_422_by_parameter(client, pack, token_for):
    token = bearer(token_for(pack.users["worker"]))
    response = client.get(URL, headers=token,
                          params={"from": "yesterday", "to": "2026-02-30", "format": "docx"})
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "invalid_input"
    assert body["fields"] == {
        "from": "Give the first day as a date, like 2027-03-31.",
        "to": "Give the last day as a date, like 2027-03-31.",
        "format": "Choose a format: csv, json, xlsx or pdf."}
    only_format = client.get(URL, headers=token, params={"format": "html"}).json()["error"]
    assert only_format["fields"] == {"format": "Choose a format: csv, json, xlsx or pdf."}
    backwards = client.get(URL, headers=token, params={"from": "2026-05-01", "to": "2026-04-01"})
    assert backwards.status_code == 422
    assert backwards.json()["error"]["fields"] == {
        "to": "The last day cannot be before the first day."}
