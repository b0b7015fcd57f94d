"""Every page a person can reach passes axe-core's WCAG 2.2 AA checks on a phone and on a
laptop; a young person takes part with the keyboard alone; and what arrives live is announced.

axe-core is installed by `npm ci` (pinned in package-lock.json). Without it these checks are
skipped, saying so, like the other browser journeys without chromium; on CI (CI=true) they
fail instead, so they can never be silently left out.
"""

import functools
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from server import assets, clock
from server.accounts import service
from server.campaigns import discussion, polls
from server.ladder import decisions
from server.moderation import comments, concerns, word_filter
from server.settings import Settings
from tests.accounts.helpers import make_invite, org_of, user_named, viewer_of
from tests.browser.conftest import (
    PASSWORD,
    PHONE_HEIGHT,
    PHONE_WIDTH,
    Phone,
    log_in,
    make_people,
    missing,
    phone_for,
)
from tests.campaigns.pages import facilitate, join, make_campaign, say
from tests.campaigns.polls_helpers import make_poll, option_ids, vote
from tests.serving import LiveServer, serve

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS = {"phone": (PHONE_WIDTH, PHONE_HEIGHT), "laptop": (1280, 800)}


@dataclass(frozen=True)
class Visit:
    """A page as a person reaches it: logged in as `who` (None: logged out), at `path`, then
    `then` (a script that sends a form the way a browser without htmx would) when given."""

    name: str
    who: str | None
    path: str
    then: str | None = None
    status: int = 200
    language: str | None = None  # the browser's language, when not English


# Sends a form without htmx, leaving its text empty: the page that asks to fix it.
SEND_EMPTY = """(selector) => {
  const form = document.querySelector(selector);
  form.querySelector("textarea").value = "";
  form.submit();
}"""

VISITS = [
    # Before logging in
    Visit("login", None, "/login"),
    Visit("join", None, "/join"),
    Visit("join-details", None, "/join?code={invite}"),
    Visit("reset", None, "/reset"),
    Visit("privacy", None, "/privacy"),
    Visit("privacy-under-13", None, "/privacy/under-13"),
    Visit("privacy-13-15", None, "/privacy/13-15"),
    Visit("privacy-erased", None, "/privacy/erased"),
    Visit("welsh-login", None, "/login", language="cy"),
    Visit("not-found", None, "/no-such-page", status=404),
    # A young person (Joe leads the campaign; Amira is in it)
    Visit("young-home", "joe", "/"),
    Visit("young-account", "joe", "/account"),
    Visit("young-my-data", "joe", "/account/my-data"),
    Visit("young-erase", "joe", "/account/erase"),
    Visit("young-campaign-list", "joe", "/campaigns"),
    Visit("young-campaign", "joe", "/campaigns/{campaign}"),
    Visit("member-campaign", "amira", "/campaigns/{campaign}"),
    Visit("welsh-member-campaign", "amira", "/campaigns/{campaign}", language="cy"),
    Visit("young-campaign-people", "joe", "/campaigns/{campaign}/people"),
    Visit("young-campaign-form", "joe", "/campaigns/new"),
    Visit("young-campaign-edit", "joe", "/campaigns/{campaign}/edit"),
    Visit("young-campaign-join", "joe", "/campaigns/join"),
    Visit("young-older-comments", "joe", "/campaigns/{campaign}/comments"),
    Visit("young-open-poll", "amira", "/polls/{open_poll}"),
    Visit("young-closed-poll", "joe", "/polls/{closed_poll}"),
    Visit("young-poll-form", "joe", "/campaigns/{campaign}/polls/new"),
    Visit("young-comment-form", "joe", "/campaigns/{campaign}", "#comment-form", 422),
    Visit("young-reply-form", "joe", "/campaigns/{campaign}", "#reply-form-{joes} form", 422),
    Visit("young-edit-form", "joe", "/campaigns/{campaign}",
          '#comment-{joes} form[action$="/edit"]', 422),
    Visit("young-report-form", "joe", "/comments/{amiras}/report"),
    Visit("young-worried", "amira", "/campaigns/{campaign}/worried"),
    Visit("young-worried-sent", "amira", "/worried/sent"),
    Visit("young-ladder", "joe", "/ladder"),
    Visit("young-decisions", "amira", "/campaigns/{campaign}/decisions"),
    Visit("young-decision", "amira", "/decisions/{decision}"),
    Visit("young-present", "joe", "/campaigns/{campaign}/present"),
    # A youth worker
    Visit("worker-home", "sam", "/"),
    Visit("worker-campaign", "sam", "/campaigns/{campaign}"),
    Visit("worker-moderation", "sam", "/moderation"),
    Visit("worker-audit", "sam", "/moderation/audit"),
    Visit("worker-words", "sam", "/moderation/words"),
    Visit("worker-people", "sam", "/people"),
    Visit("worker-person", "sam", "/people/{amira}"),
    Visit("worker-erase-person", "sam", "/people/{amira}/erase"),
    Visit("admin-privacy-settings", "priya", "/privacy/settings"),
    Visit("worker-invites", "sam", "/invites"),
    Visit("worker-evidence", "sam", "/evidence"),
    Visit("worker-decisions", "sam", "/campaigns/{campaign}/decisions"),
    Visit("worker-decision-form", "sam", "/campaigns/{campaign}/decisions/new"),
    Visit("worker-decision", "sam", "/decisions/{decision}"),
    Visit("worker-decision-edit", "sam", "/decisions/{decision}/edit"),
    Visit("worker-overdue", "sam", "/decisions/overdue"),
    Visit("worker-poll-form", "sam", "/campaigns/{campaign}/polls/new"),
    Visit("worker-forbidden", "sam", "/campaigns/new", status=403),
    Visit("worker-present", "sam", "/campaigns/{campaign}/present"),
    # An organisation admin
    Visit("admin-home", "priya", "/"),
    Visit("admin-people", "priya", "/people"),
    Visit("admin-person", "priya", "/people/{sam}"),
    Visit("admin-add-staff", "priya", "/people/new"),
]


@functools.cache
def axe_source() -> str:
    if not AXE.is_file():
        missing(f"axe-core is not installed at {AXE}: run `npm ci` in the repository first.")
    return AXE.read_text(encoding="utf-8")


# What axe cannot decide by itself ("needs review") counts as a problem too, unless it is one
# of these, each looked at by hand on every page where it comes up: the reason axe gives, and
# where on the page it is passed over (a selector the element is inside; "" for anywhere).
REVIEWED = [
    # A decorative tick (aria-hidden) beside words that say the same: no text to contrast.
    ("Element content contains only non-text characters", ""),
    # The moderation console's buttons sit close to the list above them: white on the brand
    # colour, 9:1.
    ("partially overlaps other elements", "#queue"),
    # The evidence charts' labels and counts: dark ink (17:1) or the muted grey (8:1) on the
    # white page, drawn inside an SVG that has a table of the same numbers after it.
    ("element contains an image node", "svg"),
    ("Element content is too short to determine if it is actual text content", "svg, table"),
    # A wide table on a phone scrolls sideways (its region takes keyboard focus): the columns
    # out of view are hidden by the scrolling, and read ink on white once scrolled to.
    ("partially obscured by another element", ".table-wrap"),
]


def violations_on(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 AA violations on the page as it is now, with anything it could not
    decide that has not been reviewed by hand. Folded parts (<details>) are opened first, so
    what they hold is checked too. axe runs from the test, so the page's Content Security
    Policy stays as strict as ever."""
    if not page.evaluate("() => typeof axe === 'object'"):
        page.evaluate(axe_source())
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    found: list[dict[str, Any]] = page.evaluate(
        """async ([tags, reviewed]) => {
          const results = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                                   resultTypes: ["violations", "incomplete"],
                                                   elementRef: true});
          const unreviewed = results.incomplete.map((v) => ({...v, nodes: v.nodes.filter(
            (n) => !reviewed.some(([reason, inside]) => n.failureSummary.includes(reason)
                                  && (!inside || n.element.closest(inside))))}));
          return results.violations.concat(unreviewed.filter((v) => v.nodes.length))
            .map((v) => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map((n) => ({target: n.target.join(" "),
                                          summary: n.failureSummary})),
            }));
        }""", [WCAG_TAGS, REVIEWED])
    return found


def described(found: list[dict[str, Any]], url: str) -> str:
    lines = [f"{len(found)} accessibility problem(s) on {url}:"]
    for violation in found:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            lines.append(f"    {node['target']}")
            lines.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    found = violations_on(page)
    assert found == [], described(found, page.url)


FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {what: el.outerHTML.slice(0, 100), visible: el.matches(":focus-visible")
          && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2};
}"""


def assert_focus_always_visible(page: Page, presses: int = 300) -> None:
    """Tab through the whole page: every element that takes focus draws its outline."""
    page.locator("body").focus()
    first, unseen = None, []
    for _ in range(presses):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUSED)
        if state is None or state["what"] == first:
            return  # round the page and back to the start
        first = first or state["what"]
        if not state["visible"]:
            unseen.append(state["what"])
    assert unseen == [], f"focus cannot be seen on {page.url}: {unseen}"


# One organisation with everything in it, served once for every page check ----------------


@dataclass
class Site:
    server: LiveServer
    ids: dict[str, Any]
    logins: dict[str, Any]


@pytest.fixture(scope="module")
def site(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory,
         browser: Browser) -> Iterator[Site]:
    if problem := assets.local_problem():
        missing(f"The local htmx cannot be served. {problem}")
    path = tmp_path_factory.mktemp("accessibility") / "site.db"
    shutil.copyfile(sqlite_template, path)
    settings = Settings(database_url=f"sqlite:///{path}", argon2_time_cost=1,
                        argon2_memory_cost=8, argon2_parallelism=1, migrate_on_start=False,
                        htmx_source="local")
    with serve(settings) as server:
        ids = fill(server)
        logins = {who: logged_in_state(browser, server, who) for who in
                  ("joe", "amira", "sam", "priya")}
        yield Site(server, ids, logins)


def fill(server: LiveServer) -> dict[str, Any]:
    """A campaign with an open poll with votes, a closed one with results, a discussion with a
    reply, reactions, a report and a comment held for a youth worker, a worry, a word list and
    a decision whose follow-up is overdue."""
    db = server.runtime.db
    joe, amira, milo = make_people(server, "sam", [("joe", "Joe", "16_17"),
                                                    ("amira", "Amira", "13_15"),
                                                    ("milo", "Milo", "under_13")])
    with db.write() as session:
        priya = service.create_user(session, server.runtime.passwords,
                                    org_slug=org_of(db, joe).slug, username="priya",
                                    display_name="Priya", role="org_admin", age_band=None,
                                    password=PASSWORD)
    people = {u.username: u for u in (joe, amira, milo, priya)}
    worker = user_named(db, "sam")
    assert worker is not None
    campaign = make_campaign(db, joe)
    join(db, amira, campaign)
    facilitate(db, worker, campaign)
    invite = make_invite(db, worker, label="Tuesday group")
    closed = make_poll(db, joe, campaign, question="Which evening suits you?",
                       options=["Monday", "Tuesday", "Thursday"])
    vote(db, amira, closed, [option_ids(db, closed)["Tuesday"]])
    vote(db, joe, closed, [option_ids(db, closed)["Thursday"]])
    with db.write() as session:
        polls.close_poll(session, actor=viewer_of(db, joe), poll_id=closed.id or 0)
    open_poll = make_poll(db, joe, campaign)
    vote(db, joe, open_poll, [option_ids(db, open_poll)["Library"]])
    joes = say(db, joe, campaign, "Can we ask the manager on Thursday?")
    say(db, amira, campaign, "Yes, I can come too.", parent=joes)
    amiras = say(db, amira, campaign, "The library is quieter than the club.")
    held = say(db, joe, campaign, "I am not sure about the park.")
    with db.write() as session:
        discussion.react(session, actor=viewer_of(db, amira), comment_id=joes["id"],
                         kind="agree")
        discussion.react(session, actor=viewer_of(db, joe), comment_id=amiras["id"],
                         kind="idea")
        comments.hold_comment(session, actor=viewer_of(db, worker), comment_id=held["id"],
                              reason="Checking it first")
        comments.report_comment(session, actor=viewer_of(db, amira), comment_id=joes["id"],
                                kind="unkind", words="Not sure it is meant kindly")
        concerns.raise_concern(session, actor=viewer_of(db, amira), campaign_id=campaign.id or 0,
                               text="Someone keeps messaging me after club.")
        word_filter.add_words(session, actor=viewer_of(db, worker), text="idiot, loser")
        today = clock.now().date()
        decision = decisions.record_decision(
            session, actor=viewer_of(db, joe), campaign_id=campaign.id or 0, data={
                "title": "We meet the manager on Thursday",
                "decided_on": (today - timedelta(days=10)).isoformat(),
                "decided_by": "young_people", "poll_ids": [closed.id],
                "poll_bound_outcome": True,
                "follow_up_on": (today - timedelta(days=3)).isoformat()})
    return {"campaign": campaign.id, "invite": invite.code, "open_poll": open_poll.id,
            "closed_poll": closed.id, "joes": joes["id"], "amiras": amiras["id"],
            "decision": decision.id, **{name: user.id for name, user in people.items()},
            "sam": worker.id}


def logged_in_state(browser: Browser, server: LiveServer, who: str) -> Any:
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username").fill(who)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(who.title())
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> tuple[int, int]:
    size: tuple[int, int] = VIEWPORTS[request.param]
    return size


def context_for(browser: Browser, site: Site, who: str | None, size: tuple[int, int],
                language: str | None = None) -> BrowserContext:
    """A tab as `who`, on a phone or a laptop."""
    width, height = size
    phone = width == PHONE_WIDTH
    return browser.new_context(
        base_url=site.server.url, viewport={"width": width, "height": height},
        device_scale_factor=2 if phone else 1, is_mobile=phone, has_touch=phone,
        storage_state=site.logins[who] if who else None, locale=language)


@pytest.mark.parametrize("visit", VISITS, ids=[v.name for v in VISITS])
def test_every_page_passes_wcag_2_2_aa(browser: Browser, site: Site, viewport: tuple[int, int],
                                       visit: Visit) -> None:
    axe_source()
    context = context_for(browser, site, visit.who, viewport, visit.language)
    try:
        page = context.new_page()
        response = page.goto(visit.path.format(**site.ids))
        assert response is not None
        if visit.then:
            with page.expect_navigation() as sent:
                page.evaluate(SEND_EMPTY, visit.then.format(**site.ids))
            answer = sent.value
            assert answer is not None
            status = answer.status
        else:
            status = response.status
        assert status == visit.status, f"{visit.path} answered {status}"
        page.wait_for_load_state("load")
        expect(page.locator("html")).to_have_attribute("lang", visit.language or "en")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if visit.then:
            expect(page.get_by_role("alert").first).to_be_visible()
        assert_accessible(page)
        assert_focus_always_visible(page)
    finally:
        context.close()


# The keyboard alone ------------------------------------------------------------------------


@pytest.fixture
def campaign(live_server: LiveServer) -> dict[str, Any]:
    db = live_server.runtime.db
    joe, amira = make_people(live_server, "sam", [("joe", "Joe", "16_17"),
                                                   ("amira", "Amira", "16_17")])
    found = make_campaign(db, joe, title="A quieter room for homework")
    join(db, amira, found)
    poll = make_poll(db, joe, found)
    return {"path": f"/campaigns/{found.id}", "poll": poll.id}


def tab_to(page: Page, matches: str, *, backwards: bool = False, limit: int = 80) -> None:
    """Presses Tab (or Shift+Tab) until the focused element matches the script `matches`,
    checking on the way that every element focused shows where focus is."""
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        state = page.evaluate(f"""() => {{
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {{found: ({matches})(el), outline: style.outlineStyle,
                   width: parseFloat(style.outlineWidth),
                   what: el.outerHTML.slice(0, 80)}};
        }}""")
        if state["what"].startswith("<body"):
            continue
        seen.append(state["what"])
        assert state["outline"] != "none" and state["width"] >= 2, (
            f"focus is not visible on {state['what']}")
        if state["found"]:
            return
    raise AssertionError(f"never reached it with {key}: {seen[-10:]}")


def test_a_young_person_takes_part_with_the_keyboard_alone(
        phone: Phone, campaign: dict[str, Any]) -> None:
    page = phone.page
    log_in(phone, "amira", "Amira")
    # Open the campaign from the home page.
    tab_to(page, "(el) => el.localName === 'a' && el.innerText.includes('A quieter room')")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("A quieter room for homework")
    expect(page.locator("#live-status")).to_have_text("Updating live")

    # Vote: Tab into the options, pick one with Space, then Tab to the Vote button.
    poll = f"#poll-{campaign['poll']}"
    announcer = page.locator("#live-announcer")
    expect(announcer).to_have_text("")  # nothing is read out just for opening the page
    tab_to(page, f"(el) => el.closest('{poll}') && el.type === 'radio'")
    page.keyboard.press("Space")
    chosen = page.evaluate("() => document.activeElement.labels[0].innerText.trim()")
    tab_to(page, "(el) => el.localName === 'button' && el.innerText.trim() === 'Vote'")
    page.keyboard.press("Enter")
    expect(page.locator(f"{poll}-ballot")).to_contain_text(chosen)
    expect(page.locator(f"{poll}-results")).to_contain_text("1 vote")
    expect(announcer).to_have_text("Where should we meet?: 1 vote")

    # Comment: Tab to the comment box, type, then Enter on the button.
    tab_to(page, "(el) => el.id && el.labels && el.labels.length && "
                 "el.labels[0].innerText.includes('Add a comment')")
    page.keyboard.type("The library is quieter, let's ask there.")
    tab_to(page, "(el) => el.localName === 'button' && el.innerText.trim() === 'Post comment'")
    page.keyboard.press("Enter")
    expect(page.locator("#comments")).to_contain_text("The library is quieter, let's ask there.")
    # Shift+Tab goes back the way it came.
    tab_to(page, "(el) => el.localName === 'textarea'", backwards=True)
    # The page as the journey left it (a vote saved, a comment posted) is still accessible.
    assert_accessible(page)
    assert phone.problems == []


def test_a_comment_from_someone_else_is_announced(
        phone: Phone, browser: Browser, live_server: LiveServer,
        campaign: dict[str, Any]) -> None:
    log_in(phone, "joe", "Joe")
    phone.page.goto(campaign["path"])
    expect(phone.page.locator("#live-status")).to_have_text("Updating live")
    with phone_for(browser, live_server) as second:
        log_in(second, "amira", "Amira")
        second.page.goto(campaign["path"])
        second.page.get_by_label("Add a comment").fill("Thursday works for me")
        second.page.get_by_role("button", name="Post comment").click()
        expect(second.page.locator("#comments")).to_contain_text("Thursday works for me")
    arrived = phone.page.locator("#comments .comment", has_text="Thursday works for me")
    expect(arrived).to_be_visible()
    # A screen reader says it: it landed inside a polite live region.
    live = arrived.evaluate("(el) => el.closest('[aria-live]')?.getAttribute('aria-live')")
    assert live == "polite"
    assert_accessible(phone.page)
    assert phone.problems == []


def test_a_new_vote_is_announced(phone: Phone, browser: Browser, live_server: LiveServer,
                                 campaign: dict[str, Any]) -> None:
    log_in(phone, "joe", "Joe")
    phone.page.goto(campaign["path"])
    expect(phone.page.locator("#live-status")).to_have_text("Updating live")
    results = phone.page.locator(f"#poll-{campaign['poll']}-results")
    with phone_for(browser, live_server) as second:
        log_in(second, "amira", "Amira")
        second.page.goto(campaign["path"])
        ballot = second.page.locator(f"#poll-{campaign['poll']}")
        ballot.get_by_label("Library").check()
        ballot.get_by_role("button", name="Vote").click()
        expect(second.page.locator(f"#poll-{campaign['poll']}-ballot")).to_contain_text(
            "Library")
    expect(results).to_contain_text("1 vote")
    # Said once, by a polite live region that was on the page before the vote came in.
    announcer = phone.page.locator("#live-announcer")
    expect(announcer).to_have_text("Where should we meet?: 1 vote")
    assert announcer.get_attribute("aria-live") == "polite"
    assert phone.problems == []


def test_motion_is_turned_off_for_people_who_ask(browser: Browser, site: Site) -> None:
    context = browser.new_context(base_url=site.server.url, reduced_motion="reduce",
                                  storage_state=site.logins["joe"])
    try:
        page = context.new_page()
        page.goto(f"/campaigns/{site.ids['campaign']}")
        # Something set moving (as a later style might): the preference must still stop it.
        page.evaluate("""() => { const el = document.querySelector('main');
          el.style.transition = 'opacity 2s'; el.style.scrollBehavior = 'smooth'; }""")
        assert page.evaluate("() => getComputedStyle(document.querySelector('main'))"
                             ".transitionDuration") == "0s"
        moving = page.evaluate("""() => [...document.querySelectorAll('*')].filter((el) => {
          const s = getComputedStyle(el);
          const long = (v) => v.split(',').some((t) => parseFloat(t) > 0.01);
          return long(s.transitionDuration) || (s.animationName !== 'none'
                 && long(s.animationDuration));
        }).map((el) => el.outerHTML.slice(0, 60))""")
        assert moving == []
        behaviour = page.evaluate("() => getComputedStyle(document.documentElement)"
                                  ".scrollBehavior")
        assert behaviour != "smooth"
    finally:
        context.close()


def test_axe_is_the_pinned_version() -> None:
    """The version the docs speak of is the one package-lock.json installs."""
    root = Path(__file__).resolve().parents[2]
    lock = json.loads((root / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/axe-core"]["version"]
    assert json.loads((root / "package.json").read_text())["devDependencies"] == {
        "axe-core": pinned}
    axe_source()
    installed = json.loads((AXE.parent / "package.json").read_text())["version"]
    assert installed == pinned, "run `npm ci`: the installed axe-core is not the pinned one"
