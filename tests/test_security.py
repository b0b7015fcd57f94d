"""Headers on every page, CSRF on every unsafe request, autoescape everywhere."""

import pytest
from jinja2 import DictLoader
from starlette.routing import Mount, Route

from server.security import content_security_policy
from tests.conftest import csrf_token, login, page


def _unsafe_page_routes(app):
    for route in app.routes:
        if isinstance(route, Route) and not route.path.startswith("/api/"):
            for method in route.methods or ():
                if method not in {"GET", "HEAD", "OPTIONS"}:
                    yield method, route.path.replace("{user_id:int}", "1").replace(
                        "{invite_id:int}", "1")


@pytest.mark.parametrize("path", ["/", "/login", "/join", "/no-such-page"])
def test_every_html_response_has_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"


def test_csp_allows_only_the_pinned_htmx_from_the_cdn(client):
    response = client.get("/")
    htmx, websockets = page(response).select("script[src]")
    assert htmx["src"].startswith("https://cdn.jsdelivr.net/npm/htmx.org@2.0.8/")
    assert websockets["src"].startswith("https://cdn.jsdelivr.net/npm/htmx-ext-ws@2.0.4/")
    for script in (htmx, websockets):
        assert script["integrity"].startswith("sha384-")
        assert script["crossorigin"] == "anonymous"
    script_src = next(d for d in response.headers["content-security-policy"].split("; ")
                      if d.startswith("script-src"))
    assert script_src == f"script-src 'self' {htmx['src']} {websockets['src']}"


def test_htmx_is_configured_safely(client):
    config = page(client.get("/")).select_one('meta[name="htmx-config"]')["content"]
    assert '"selfRequestsOnly": true' in config
    assert '"allowEval": false' in config
    assert '"historyCacheSize": 0' in config


def test_content_security_policy_lists_extra_script_sources():
    assert "script-src 'self' https://x.example/a.js;" in content_security_policy(
        ["https://x.example/a.js"])


def test_every_unsafe_page_route_refuses_a_request_without_csrf_token(app, client, riverside):
    login(client, "admin")
    routes = list(_unsafe_page_routes(app))
    assert ("POST", "/login") in routes and ("POST", "/people/1/suspend") in routes
    for method, path in routes:
        response = client.request(method, path, data={"reason": "x"})
        assert response.status_code == 403, (method, path)
        assert "out of date" in page(response).select_one("main").get_text()


def test_a_wrong_csrf_token_is_refused_and_changes_nothing(client, riverside, db):
    login(client, "worker")
    young = riverside["young"]
    response = client.post(f"/people/{young.id}/suspend",
                           data={"reason": "testing", "csrf_token": "not-the-token"})
    assert response.status_code == 403
    response = client.get(f"/people/{young.id}")
    assert "Suspend account" in response.text


def test_the_csrf_header_works_for_htmx_requests(client, riverside):
    login(client, "worker")
    token = csrf_token(client)
    response = client.post(f"/people/{riverside['child'].id}/consent",
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 303


def test_a_form_posted_from_another_site_is_refused(client, riverside):
    token = csrf_token(client)
    response = client.post("/login", data={"username": "worker", "password": "x",
                                           "csrf_token": token},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


def test_the_login_form_needs_the_token_of_this_browser(client, new_client, riverside):
    other = new_client()
    stolen = csrf_token(other)
    csrf_token(client)
    response = client.post("/login", data={"username": "worker", "password": "x",
                                           "csrf_token": stolen})
    assert response.status_code == 403


def test_a_huge_form_is_refused(client):
    token = csrf_token(client)
    response = client.post("/login", data={"csrf_token": token, "username": "x" * 2_000_000})
    assert response.status_code == 413


def test_get_requests_never_change_state(app):
    # Every route that changes something accepts only unsafe methods.
    for route in app.routes:
        if isinstance(route, Route) and any(
            word in route.path for word in ("logout", "suspend", "consent", "revoke", "reset-code")
        ):
            assert "GET" not in (route.methods or ()), route.path


def test_templates_escape_user_text_whatever_their_file_ending(app):
    templates = app.state.runtime.templates
    templates.loader = DictLoader({"note.txt": "{{ value }}", "x.svg": "<t>{{ value }}</t>"})
    for name in ("note.txt", "x.svg"):
        assert templates.get_template(name).render(value="<script>") == (
            "&lt;script&gt;" if name == "note.txt" else "<t>&lt;script&gt;</t>")


def test_a_display_name_with_markup_is_shown_as_text(client, make_org, make_user):
    org = make_org()
    make_user(org, "sneaky", display_name="<b>Bold</b> & <script>x</script>")
    login(client, "sneaky")
    heading = page(client.get("/")).select_one("h1")
    assert heading.get_text() == "Hi <b>Bold</b> & <script>x</script>"
    assert heading.select("b, script") == []


def test_static_files_are_served_with_security_headers(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"


def test_routes_are_all_accounted_for(app):
    mounts = {r.path for r in app.routes if isinstance(r, Mount)}
    assert mounts == {"/api/v1", "/static"}
