"""The privacy pages as people use them: the privacy information, my data, erasing my account,
erasing a young person, and the organisation's privacy settings."""

import json

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from server import assets
from server.app import create_app
from server.privacy import service
from tests.accounts.helpers import (
    alert,
    audit_entries,
    field_error,
    fresh_user,
    input_value,
    is_logged_in,
    location,
    try_login,
)
from tests.campaigns.pages import make_campaign, say
from tests.conftest import page, post

ERASE_ME = {"password": "blue-kite-harbour", "confirm": "yes"}


@pytest.fixture
def talk(db, riverside, sam):
    """Jade's campaign: Sam says something and Jade replies to it."""
    from tests.campaigns.pages import join
    campaign = make_campaign(db, riverside["young"])
    join(db, sam, campaign)
    said = say(db, sam, campaign, "Sam wants a later bus")
    say(db, riverside["young"], campaign, "Jade agrees with that", parent=said)
    return campaign


def to_login(response, path: str) -> None:
    assert response.status_code == 303
    assert location(response) == f"/login?next={path}"


# ---------------------------------------------------------------- privacy information


@pytest.mark.parametrize("path,words", [
    ("/privacy", "Privacy: what we keep about you"),
    ("/privacy/13-15", "Your privacy, in short"),
    ("/privacy/under-13", "Your privacy"),
])
def test_the_privacy_information_is_public_in_three_versions(client, path, words):
    response = client.get(path)
    assert response.status_code == 200
    assert page(response).select_one("h1").get_text(strip=True) == words
    links = {a["href"] for a in page(response).select(".privacy-versions a")}
    assert links == {"/privacy", "/privacy/13-15", "/privacy/under-13"}


def test_the_full_version_says_what_is_kept_who_sees_it_and_for_how_long(client):
    text = page(client.get("/privacy")).get_text(" ", strip=True)
    for words in ("No profile photos, no location", "730 days", "a former member",
                  "See my data", "never names you"):
        assert words.lower() in text.lower(), words


def test_it_shows_the_organisations_own_retention(riverside, as_user):
    admin = as_user("admin")
    post(admin, "/privacy/settings", {"retention_days": "400", "keep_comment_text": "remove"})
    assert "400 days" in as_user("jade").get("/privacy").text


def test_no_third_party_requests_when_htmx_is_served_locally(settings, monkeypatch):
    monkeypatch.setattr(assets, "local_problem", lambda: None)
    with TestClient(create_app(settings.with_(htmx_source="local"))) as browser:
        for path in ("/privacy", "/privacy/13-15", "/privacy/under-13", "/join"):
            soup = page(browser.get(path))
            sources = [str(tag.get("src") or tag.get("href") or "")
                       for tag in soup.select("script[src], link[href], img, iframe, source")]
            assert sources, path
            assert not [s for s in sources if s.startswith(("https:", "http:", "//"))], path
        assert "does not contact anyone else" in browser.get("/privacy").text


def test_the_join_pages_link_to_it(client, as_user, riverside):
    assert page(client.get("/join")).select_one('a[href="/privacy"]:not(footer a)')
    assert page(as_user("jade").get("/campaigns/join")).select_one(
        'main a[href="/privacy"]')


# ---------------------------------------------------------------- my data


def test_my_data_page_shows_my_own_things(talk, as_user):
    response = as_user("jade").get("/account/my-data")
    assert response.status_code == 200
    text = page(response).get_text(" ", strip=True)
    assert "jade" in text and "Jade agrees with that" in text
    assert "Sam wants a later bus" not in text and "Sam" not in text


def test_my_data_downloads_as_json_with_nobody_elses_data(talk, as_user):
    response = as_user("jade").get("/account/my-data.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="my-data.json"'
    data = json.loads(response.text)
    assert data["profile"]["username"] == "jade"
    assert [c["text"] for c in data["comments"]] == ["Jade agrees with that"]
    assert data["comments"][0]["reply_to_comment_id"] is not None
    assert data["campaigns"][0]["role"] == "lead"
    assert data["logged_in_devices"][0]["this_device"] is True
    assert "Sam" not in response.text and "sam" not in response.text


def test_my_reports_and_worries_are_mine_in_my_own_words(db, riverside, talk, as_user):
    from server.moderation import comments, concerns
    from tests.accounts.helpers import viewer_of
    jade = viewer_of(db, riverside["young"])
    with db.read() as session:
        from server.campaigns.models import Comment
        sams = session.exec(select(Comment).where(Comment.text == "Sam wants a later bus")).one()
    with db.write() as session:
        comments.report_comment(session, actor=jade, comment_id=sams.id, kind="unkind",
                                words="Jade found it rude")
        concerns.raise_concern(session, actor=jade, campaign_id=talk.id,
                               text="Jade is worried about the bus")
    browser = as_user("jade")
    data = json.loads(browser.get("/account/my-data.json").text)
    assert [(r["kind"], r["words"]) for r in data["reports_made"]] == [
        ("unkind", "Jade found it rude")]
    assert [w["text"] for w in data["worries_raised"]] == ["Jade is worried about the bus"]
    text = page(browser.get("/account/my-data")).get_text(" ", strip=True)
    assert "Unkind: Jade found it rude" in text and "Jade is worried about the bus" in text
    assert "Sam wants a later bus" not in text


def test_staff_have_their_data_too(riverside, as_user):
    data = json.loads(as_user("worker").get("/account/my-data.json").text)
    assert data["membership"]["role"] == "youth_worker"


@pytest.mark.parametrize("path", ["/account/my-data", "/account/my-data.json"])
def test_my_data_needs_a_login(client, riverside, path):
    to_login(client.get(path), path)


def test_the_account_page_links_to_my_data_and_erasing(riverside, as_user):
    soup = page(as_user("jade").get("/account"))
    links = {a["href"] for a in soup.select("main a")}
    assert {"/account/my-data", "/account/my-data.json", "/account/erase"} <= links
    staff = {a["href"] for a in page(as_user("worker").get("/account")).select("main a")}
    assert "/account/erase" not in staff and "/account/my-data" in staff


# ---------------------------------------------------------------- erasing my account


def test_a_young_person_erases_their_account(db, riverside, talk, as_user, client):
    jade = as_user("jade")
    form = jade.get("/account/erase")
    assert form.status_code == 200
    assert "This cannot be undone" in form.text
    response = post(jade, "/account/erase", ERASE_ME)
    assert response.status_code == 303 and location(response) == "/privacy/erased"
    assert not is_logged_in(jade)
    assert "Your account is erased" in client.get("/privacy/erased").text
    assert try_login(client, "jade").status_code == 401
    user = fresh_user(db, riverside["young"])
    assert user.display_name == "A former member" and user.erased_at is not None
    [entry] = audit_entries(db, "user.erased")
    assert entry.actor_id == entry.target_user_id == riverside["young"].id


def test_erasing_my_account_needs_my_password_and_the_box_ticked(riverside, as_user, db):
    jade = as_user("jade")
    response = post(jade, "/account/erase", {"password": "not-it", "confirm": "yes"})
    assert response.status_code == 422
    assert "not your password" in field_error(response, "password")
    assert page(response).select_one("#f-confirm").has_attr("checked")  # kept as ticked
    response = post(jade, "/account/erase", {"password": "blue-kite-harbour"})
    assert response.status_code == 422
    assert "cannot be undone" in alert(response)
    assert is_logged_in(jade)
    assert fresh_user(db, riverside["young"]).erased_at is None


def test_staff_cannot_erase_their_own_account_here(riverside, as_user):
    worker = as_user("worker")
    assert worker.get("/account/erase").status_code == 403
    assert post(worker, "/account/erase", ERASE_ME).status_code == 403
    assert is_logged_in(worker)


def test_erasing_my_account_needs_a_login(client, riverside):
    to_login(client.get("/account/erase"), "/account/erase")
    to_login(post(client, "/account/erase", ERASE_ME), "/account/erase")


# ---------------------------------------------------------------- erasing a young person


def test_a_youth_worker_erases_a_young_person_with_a_reason(db, riverside, talk, sam, as_user):
    sam_browser = as_user("sam")
    worker = as_user("worker")
    person = worker.get(f"/people/{sam.id}")
    assert page(person).select_one(f'a[href="/people/{sam.id}/erase"]')
    form = worker.get(f"/people/{sam.id}/erase")
    assert form.status_code == 200 and "This cannot be undone" in form.text
    response = post(worker, f"/people/{sam.id}/erase", {"reason": "Their carer asked"})
    assert response.status_code == 303
    assert response.headers["location"] == "/people?erased=1"
    assert not is_logged_in(sam_browser)
    assert worker.get(f"/people/{sam.id}").status_code == 404
    people_after = page(worker.get("/people?erased=1")).select_one("main")
    assert "Sam" not in people_after.get_text()
    assert "The account was erased" in people_after.select_one("[role=status]").get_text()
    assert page(worker.get("/people")).select_one("main [role=status]") is None
    [entry] = audit_entries(db, "user.erased")
    assert (entry.actor_id, entry.reason) == (riverside["worker"].id, "Their carer asked")
    campaign_page = as_user("jade").get(f"/campaigns/{talk.id}").text
    assert "Sam wants a later bus" not in campaign_page
    assert "A former member" in campaign_page


def test_the_reason_is_required_and_kept_when_too_long(riverside, sam, as_user, db):
    worker = as_user("worker")
    response = post(worker, f"/people/{sam.id}/erase", {"reason": "  "})
    assert response.status_code == 422
    assert "Say why" in field_error(response, "reason")
    long = "x" * 501
    response = post(worker, f"/people/{sam.id}/erase", {"reason": long})
    assert response.status_code == 422
    assert input_value(response, "reason") == long
    assert fresh_user(db, sam).erased_at is None


def test_who_may_erase_a_young_person(riverside, sam, as_user, client):
    path = f"/people/{sam.id}/erase"
    to_login(client.get(path), path)
    jade = as_user("jade")
    assert jade.get(path).status_code == 403
    assert post(jade, path, {"reason": "mean"}).status_code == 403
    # A youth worker in another organisation does not find them.
    hilda = as_user("hilda")
    assert hilda.get(path).status_code == 404
    assert post(hilda, path, {"reason": "x"}).status_code == 404
    # Staff are not erased this way, not even by an admin.
    staff_path = f"/people/{riverside['worker'].id}/erase"
    admin = as_user("admin")
    assert admin.get(staff_path).status_code == 403
    assert post(admin, staff_path, {"reason": "left"}).status_code == 403
    assert not page(admin.get(f"/people/{riverside['worker'].id}")).select_one(
        f'a[href="{staff_path}"]')


# ---------------------------------------------------------------- privacy settings


def test_an_admin_sets_retention_and_the_comment_policy(db, riverside, as_user):
    admin = as_user("admin")
    response = admin.get("/privacy/settings")
    assert response.status_code == 200
    assert input_value(response, "retention_days") == "730"
    assert page(response).select_one('input[value="remove"]').has_attr("checked")
    response = post(admin, "/privacy/settings",
                    {"retention_days": "365", "keep_comment_text": "keep"})
    assert response.status_code == 303
    response = admin.get(location(response))
    assert "Saved." in response.text
    assert input_value(response, "retention_days") == "365"
    assert page(response).select_one('input[value="keep"]').has_attr("checked")
    [entry] = audit_entries(db, "privacy.settings_changed")
    assert "365" in entry.reason
    # Another organisation keeps its own settings.
    with db.read() as session:
        other = service.settings_for(session, riverside["other_org"].id)
    assert (other.retention_days, other.keep_comment_text) == (730, False)


@pytest.mark.parametrize("days", ["5", "99999", "two years", ""])
def test_retention_out_of_bounds_is_refused_keeping_what_was_typed(riverside, as_user, days):
    admin = as_user("admin")
    response = post(admin, "/privacy/settings", {"retention_days": days,
                                                 "keep_comment_text": "keep"})
    assert response.status_code == 422
    assert "from 30 to 3650" in field_error(response, "retention_days")
    assert input_value(response, "retention_days") == days
    assert page(response).select_one('input[value="keep"]').has_attr("checked")


def test_the_comment_policy_must_be_one_of_the_choices(riverside, as_user):
    response = post(as_user("admin"), "/privacy/settings", {"retention_days": "730"})
    assert response.status_code == 422
    assert "Choose what happens" in alert(response)


def test_only_admins_change_privacy_settings(riverside, as_user, client):
    to_login(client.get("/privacy/settings"), "/privacy/settings")
    for name in ("worker", "jade"):
        browser = as_user(name)
        assert browser.get("/privacy/settings").status_code == 403
        assert post(browser, "/privacy/settings", {"retention_days": "365",
                                                   "keep_comment_text": "keep"}
                    ).status_code == 403
