"""Every word through the catalogue; English complete, Welsh on the young person's path; the
language chosen by the browser or by the switch, and kept."""

from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment, FileSystemLoader
from starlette.testclient import TestClient

from server import TEMPLATES_DIR, i18n
from server.web import make_templates
from tests.conftest import csrf_token, login, page, post
from tests.untranslated import untranslated

ROOT = Path(__file__).resolve().parent.parent
WELSH_PO = ROOT / "server" / "locale" / "cy" / "LC_MESSAGES" / "messages.po"

# The young person's path: joining, their campaigns, voting, commenting, reporting,
# "I'm worried about something", their account, their data and what we keep about them.
# Every message drawn by these ships in Welsh.
YOUNG_PERSON_TEMPLATES = (
    "base.html", "home.html", "_forms.html", "errors/",
    "accounts/join.html", "accounts/join_details.html", "accounts/login.html",
    "accounts/reset.html", "accounts/account.html",
    "privacy/full.html", "privacy/13_15.html", "privacy/under_13.html", "privacy/_versions.html",
    "privacy/my_data.html", "privacy/erase_me.html", "privacy/erased.html",
    "campaigns/join.html", "campaigns/list.html", "campaigns/show.html", "campaigns/_macros.html",
    "polls/_ballot.html", "polls/_ballot_response.html", "polls/_card.html",
    "polls/_card_response.html", "polls/_results.html", "polls/_section.html",
    "polls/_status.html", "polls/show.html",
    "discussion/",
    "moderation/_report.html", "moderation/report.html", "moderation/worried.html",
    "moderation/worried_sent.html", "moderation/_worried.html",
    "live/comment.", "live/poll.", "live/reaction.changed.html", "live/room.changed.html",
    "live/decision.published.html",
)


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                       extensions=["jinja2.ext.i18n"])


def _findings(source: str) -> list[str]:
    return [f.text for f in untranslated(_env(), "t.html", source)]


# ---------------------------------------------------------------- words outside the catalogue


def test_the_check_finds_words_people_read_outside_the_catalogue() -> None:
    assert _findings("<p>Vote now</p>") == ["Vote now"]
    assert _findings('<input name="q" placeholder="Search">') == ["placeholder=Search"]
    assert _findings('<button aria-label="Close">&times;</button>') == ["aria-label=Close"]
    assert _findings('<input type="submit" value="Send">') == ["value=Send"]
    assert _findings('<img src="/a.png" alt="A chart">') == ["alt=A chart"]
    assert _findings("{% if x %}<li>{{ x }} votes</li>{% endif %}") == ["votes"]
    assert _findings('<form hx-confirm="Sure?"></form>') == ["hx-confirm=Sure?"]
    assert _findings('{% macro hx(a) %}method="post" hx-post="{{ a }}" Send{% endmacro %}') == [
        "Send"]


def test_the_check_passes_words_that_go_through_the_catalogue() -> None:
    assert _findings('<p>{{ _("Vote now") }}</p>') == []
    assert _findings("<p>{% trans %}Vote <b>now</b>{% endtrans %}</p>") == []
    assert _findings('{% trans n=3 %}{{ n }} vote{% pluralize %}{{ n }} votes{% endtrans %}') == []
    assert _findings('<input placeholder="{{ _("Search") }}" value="{{ typed }}">') == []
    assert _findings('<input type="hidden" name="kind" value="unsafe">') == []
    assert _findings("<script>var a = 'words';</script><p>· {{ n }} &times;</p>") == []
    assert _findings("<title>Student Voice</title><time>{{ t }} UTC</time>") == []
    assert _findings('{% macro hx(a) %}method="post" hx-post="{{ a }}"{% endmacro %}') == []
    assert _findings("{# a note for developers #}<p>{{ name }}</p>") == []


def test_no_template_has_words_outside_the_catalogue() -> None:
    env = _env()
    found = []
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        name = path.relative_to(TEMPLATES_DIR).as_posix()
        found += [str(f) for f in untranslated(env, name, path.read_text(encoding="utf-8"))]
    assert found == [], "words outside the catalogue:\n" + "\n".join(found)


# ---------------------------------------------------------------- the catalogues


def _extracted() -> dict[str, list[str]]:
    """Every message in the code and templates, with the files it appears in, found the way
    the catalogue update finds them (babel.cfg)."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options = parse_mapping_cfg(config)
    found: dict[str, list[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, options_map=options,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, []).append(filename)
    return found


def _welsh() -> Any:
    with WELSH_PO.open("rb") as source:
        return read_po(source, locale="cy")


def test_the_welsh_catalogue_holds_every_message() -> None:
    catalog = _welsh()
    missing = sorted(set(_extracted()) - {m.id if isinstance(m.id, str) else m.id[0]
                                          for m in catalog if m.id})
    assert missing == [], ("run the catalogue update in docs/translating.md; missing:\n"
                           + "\n".join(missing))


def test_the_young_persons_path_ships_in_welsh() -> None:
    catalog = _welsh()
    by_id = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    untranslated_here = []
    for msgid, files in _extracted().items():
        on_path = any(f.startswith("templates/") and f.removeprefix("templates/").startswith(
            YOUNG_PERSON_TEMPLATES) for f in files)
        if not on_path:
            continue
        message = by_id.get(msgid)
        strings = [] if message is None else (
            [message.string] if isinstance(message.string, str) else list(message.string))
        if message is None or message.fuzzy or not all(strings):
            untranslated_here.append(msgid)
    assert untranslated_here == [], "not in Welsh yet:\n" + "\n".join(sorted(untranslated_here))


def test_the_welsh_catalogue_keeps_every_placeholder() -> None:
    catalog = _welsh()
    problems = [(m.id, errors) for m, errors in catalog.check() if errors]
    assert problems == []


# ---------------------------------------------------------------- choosing a language


@pytest.mark.parametrize(("cookie", "header", "chosen"), [
    (None, None, "en"),
    (None, "cy-GB,cy;q=0.9,en;q=0.8", "cy"),
    (None, "en-GB,en;q=0.9,cy;q=0.8", "en"),
    (None, "fr-FR, cy;q=0.5", "cy"),
    (None, "fr, de", "en"),
    (None, "cy;q=0, en;q=0.1", "en"),
    (None, "garbage;;;q=zz, ,,", "en"),
    ("cy", "en", "cy"),
    ("en", "cy", "en"),
    ("xx", "cy", "cy"),
])
def test_the_language_comes_from_the_switch_then_the_browser(
        cookie: str | None, header: str | None, chosen: str) -> None:
    assert i18n.choose(cookie, header) == chosen


def test_a_browser_asking_for_welsh_gets_welsh(client: TestClient) -> None:
    english = page(client.get("/login"))
    welsh = page(client.get("/login", headers={"Accept-Language": "cy"}))
    assert english.html is not None and english.html["lang"] == "en"
    assert welsh.html is not None and welsh.html["lang"] == "cy"
    skip = i18n.translations("cy").gettext("Skip to main content")
    assert skip != "Skip to main content"
    assert welsh.select_one(".skip-link").get_text() == skip  # type: ignore[union-attr]
    assert english.select_one(".skip-link").get_text() == "Skip to main content"  # type: ignore[union-attr]


def test_the_switch_is_remembered(client: TestClient) -> None:
    response = post(client, "/language", {"lang": "cy", "next": "/join"})
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"] == "/join"  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "sv_lang=cy" in cookie and "Max-Age=31536000" in cookie and "HttpOnly" in cookie
    # Kept across pages, whatever the browser says, until switched back.
    assert page(client.get("/login", headers={"Accept-Language": "en"})).html["lang"] == "cy"  # type: ignore[index]
    post(client, "/language", {"lang": "en", "next": "/login"})
    assert page(client.get("/login", headers={"Accept-Language": "cy"})).html["lang"] == "en"  # type: ignore[index]


def test_the_switch_works_logged_in_and_stays_on_the_page(client: TestClient,
                                                          riverside: dict[str, Any]) -> None:
    login(client, "jade")
    response = post(client, "/language", {"lang": "cy", "next": "/campaigns"})
    assert response.headers["location"] == "/campaigns"  # type: ignore[attr-defined]
    assert page(client.get("/campaigns")).html["lang"] == "cy"  # type: ignore[index]


def test_every_page_offers_the_switch(client: TestClient) -> None:
    switch = page(client.get("/login")).select_one("form.language-switch")
    assert switch is not None
    assert [b["value"] for b in switch.select("button[name=lang]")] == ["en", "cy"]
    assert switch.select_one("input[name=next]")["value"] == "/login"  # type: ignore[index]


def test_the_switch_refuses_a_language_it_does_not_speak(client: TestClient) -> None:
    response = post(client, "/language", {"lang": "fr", "next": "/login"})
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "Choose English or Cymraeg." in response.text  # type: ignore[attr-defined]
    assert "sv_lang" not in response.headers.get("set-cookie", "")  # type: ignore[attr-defined]


def test_the_switch_never_sends_you_to_another_site(client: TestClient) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = post(client, "/language", {"lang": "cy", "next": target})
        assert response.headers["location"] == "/"  # type: ignore[attr-defined]


def test_the_switch_needs_the_forms_token(client: TestClient) -> None:
    csrf_token(client)  # a browser that has seen the site, but posts without the token
    response = client.post("/language", data={"lang": "cy", "next": "/"})
    assert response.status_code == 403
    assert "sv_lang" not in response.headers.get("set-cookie", "")


def test_dates_are_written_in_the_language() -> None:
    from datetime import datetime

    moment = datetime(2026, 3, 5, 14, 5)
    assert i18n.when(moment) == "5 Mar 2026, 14:05 UTC"
    with i18n.using("cy"):
        assert i18n.when(moment) == "5 Maw 2026, 14:05 UTC"
    assert i18n.when(None) == ""
    assert i18n.when_iso("2026-03-05T14:05:09+00:00") == "5 Mar 2026, 14:05 UTC"
    assert i18n.when_iso("2026-03-05T14:05:09.123456") == "5 Mar 2026, 14:05 UTC"
    with i18n.using("cy"):
        assert i18n.when_iso("2026-12-25T09:30:00+00:00") == "25 Rhag 2026, 09:30 UTC"
    assert i18n.when_iso("not a time") == ""


def test_templates_render_in_the_language_spoken(settings: Any) -> None:
    env = make_templates(settings)
    template = env.from_string('{{ _("Skip to main content") }}')
    with i18n.using("cy"):
        assert template.render() == i18n.translations("cy").gettext("Skip to main content")
    assert template.render() == "Skip to main content"
