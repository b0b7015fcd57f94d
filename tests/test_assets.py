"""htmx: pinned with Subresource Integrity from the CDN, or served locally after a check."""

import pytest

from server import assets
from server.app import create_app
from server.settings import SettingsError


@pytest.fixture
def vendor(tmp_path, monkeypatch):
    pinned = assets.PinnedScript("htmx.org", "2.0.8", "dist/htmx.min.js",
                                 assets.integrity_of(b"console.log('htmx')"))
    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path)
    monkeypatch.setattr(assets, "PINNED", (pinned,))
    monkeypatch.setattr(type(pinned), "local_path", property(lambda self: tmp_path / self.filename))
    return tmp_path


def test_integrity_is_the_sri_sha384_of_the_file():
    assert assets.integrity_of(b"") == (
        "sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb")


def test_cdn_mode_points_at_the_pinned_versions():
    htmx, websockets = assets.script_tags("cdn")
    assert htmx.src == "https://cdn.jsdelivr.net/npm/htmx.org@2.0.8/dist/htmx.min.js"
    assert htmx.integrity == assets.HTMX.integrity
    # The websocket extension loads after htmx, pinned the same way.
    assert websockets.src == "https://cdn.jsdelivr.net/npm/htmx-ext-ws@2.0.4/dist/ws.min.js"
    assert websockets.integrity == assets.HTMX_WS.integrity


def test_local_mode_refuses_to_start_without_the_file(vendor, settings):
    with pytest.raises(SettingsError, match="studentvoice fetch-htmx"):
        create_app(settings.with_(htmx_source="local"))


def test_local_mode_refuses_a_file_that_is_not_the_pinned_one(vendor, settings):
    (vendor / "htmx.min.js").write_bytes(b"alert('not htmx')")
    with pytest.raises(SettingsError, match=r"is not htmx\.org 2\.0\.8"):
        create_app(settings.with_(htmx_source="local"))


def test_local_mode_serves_from_this_site_only(vendor, settings):
    from starlette.testclient import TestClient

    from tests.conftest import page

    (vendor / "htmx.min.js").write_bytes(b"console.log('htmx')")
    with TestClient(create_app(settings.with_(htmx_source="local"))) as client:
        response = client.get("/")
    script = page(response).select_one("script[src]")
    assert script["src"] == "/static/vendor/htmx.min.js"
    assert "script-src 'self';" in response.headers["content-security-policy"]
    assert "https://" not in response.headers["content-security-policy"]


def test_fetch_refuses_a_download_whose_hash_differs(vendor, monkeypatch):
    monkeypatch.setattr(assets, "_from_npm", lambda pinned, workdir: b"tampered")
    monkeypatch.setattr(assets, "_from_cdn", lambda pinned: b"tampered too")
    with pytest.raises(OSError, match="does not match"):
        assets.fetch()
    assert not (vendor / "htmx.min.js").exists()


def test_fetch_installs_a_matching_copy(vendor, monkeypatch):
    monkeypatch.setattr(assets, "_from_npm", lambda pinned, workdir: b"console.log('htmx')")
    [path] = assets.fetch()
    assert path.read_bytes() == b"console.log('htmx')"
    assert assets.local_problem() is None
