"""The command line as an operator uses it: `python -m server …` / `studentvoice …`.

Most tests run the real program in a subprocess against a temporary SQLite file;
the ones that only need to poke at input or output call `server.cli.main` directly.
"""

import argparse
import http.client
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlmodel import func, select
from starlette.testclient import TestClient

from server import cli, demo
from server.accounts import service, sessions
from server.accounts.login import authenticate
from server.accounts.models import ApiToken, Member, Organisation, User, UserSession
from server.accounts.passwords import Passwords
from server.app import create_app
from server.campaigns.models import Campaign
from server.db import Database
from server.settings import Settings
from tests.conftest import login
from tests.serving import stop_process, wait_until_healthy

PASSWORD = "blue-kite-harbour"
NEW_PASSWORD = "orange-tidal-lantern"
CHEAP_ARGON2 = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "8", "ARGON2_PARALLELISM": "1"}
RUN_TIMEOUT = 60
# Settings the program reads; cleared so the developer's own environment cannot leak in.
SETTINGS_ENV = ("DATABASE_URL", "BROADCAST_URL", "HTMX_SOURCE", "HTTPS", "MIGRATE_ON_START",
                "SESSION_IDLE_SECONDS", "SESSION_MAX_SECONDS", "LOGIN_MAX_FAILURES_ACCOUNT",
                "LOGIN_MAX_FAILURES_ADDRESS", "LOGIN_WINDOW_SECONDS", "RESET_CODE_SECONDS",
                *CHEAP_ARGON2)


# Helpers ---------------------------------------------------------------------------


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A database file that does not exist yet: every command must cope with that."""
    return f"sqlite:///{tmp_path / 'cli.db'}"


def cli_env(db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env.update(CHEAP_ARGON2, DATABASE_URL=db_url, PYTHONUNBUFFERED="1")
    return env


def run(db_url: str, *args: str, stdin: str | None = "",
        program: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line for real; stdin is piped (never a terminal)."""
    return subprocess.run(
        [*(program or [sys.executable, "-m", "server"]), *args],
        input=stdin, capture_output=True, text=True, env=cli_env(db_url),
        cwd=Path(db_url.removeprefix("sqlite:///")).parent, timeout=RUN_TIMEOUT, check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def failed(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """A refusal: non-zero exit, an `error:` on stderr naming the problem, nothing on stdout."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert "error:" in result.stderr
    for fragment in fragments:
        assert fragment.lower() in result.stderr.lower(), result.stderr
    assert result.stdout == ""
    return result.stderr


def create_org(db_url: str, name: str = "Riverside Youth Club") -> str:
    out = ok(run(db_url, "create-org", "--name", name)).stdout
    slug = out.split()[-1]
    assert re.fullmatch(r"[a-z0-9-]+", slug), out
    return slug


def create_user(db_url: str, org: str, username: str, role: str = "young_person",
                age_band: str | None = "13_15",
                password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    args = ["create-user", "--org", org, "--username", username, "--role", role]
    if age_band is not None:
        args += ["--age-band", age_band]
    return run(db_url, *args, stdin=password + "\n")


def cheap_settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, argon2_time_cost=1, argon2_memory_cost=8,
                    argon2_parallelism=1, migrate_on_start=False)


@contextmanager
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    try:
        yield db
    finally:
        db.dispose()


def password_works(db_url: str, username: str, password: str) -> bool:
    settings = cheap_settings(db_url)
    with database(db_url) as db, db.write() as session:
        user = authenticate(session, settings, Passwords(settings), username=username,
                                    password=password, address="test")
    return user is not None


@contextmanager
def browser(db_url: str) -> Iterator[TestClient]:
    """The web app over the database the command line wrote to."""
    app = create_app(cheap_settings(db_url))
    try:
        with TestClient(app, follow_redirects=False) as client:
            yield client
    finally:
        app.state.runtime.db.dispose()


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch, db_url: str) -> object:
    """Call `cli.main` directly, with the given text on a piped standard input."""
    for key in SETTINGS_ENV:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    for key, value in CHEAP_ARGON2.items():
        monkeypatch.setenv(key, value)

    def call(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        return cli.main(list(args))

    return call


# migrate -----------------------------------------------------------------------------


def test_migrate_creates_the_tables_and_can_run_again(db_url):
    first = ok(run(db_url, "migrate"))
    assert "up to date" in first.stdout
    with database(db_url) as db, db.read() as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0
        assert session.exec(select(func.count()).select_from(Organisation)).one() == 0
    ok(run(db_url, "migrate"))
    ok(run(db_url, "migrate"))


def test_migrate_keeps_existing_data(db_url):
    slug = create_org(db_url)
    ok(run(db_url, "migrate"))
    with database(db_url) as db, db.read() as session:
        assert session.exec(select(Organisation.slug)).all() == [slug]


# create-org --------------------------------------------------------------------------


def test_create_org_prints_the_slug(db_url):
    result = ok(run(db_url, "create-org", "--name", "Riverside Youth Club"))
    assert result.stdout.split()[-1] == "riverside-youth-club"
    assert "Riverside Youth Club" in result.stdout
    # The same name again gets a slug of its own.
    assert create_org(db_url, "Riverside Youth Club") == "riverside-youth-club-2"


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_create_org_refuses_a_blank_or_overlong_name(db_url, name):
    failed(run(db_url, "create-org", "--name", name), "name")
    with database(db_url) as db, db.read() as session:
        assert session.exec(select(func.count()).select_from(Organisation)).one() == 0


def test_create_org_needs_a_name(db_url):
    result = run(db_url, "create-org")
    assert result.returncode == 2
    assert "--name" in result.stderr


# create-user -------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "age_band"), [
    ("young_person", "16_17"),
    ("young_person", "under_13"),
    ("youth_worker", None),
    ("org_admin", "over_25"),
])
def test_create_user_then_they_can_log_in(db_url, role, age_band):
    slug = create_org(db_url)
    result = ok(create_user(db_url, slug, "Jade", role, age_band))
    assert "Jade" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    assert password_works(db_url, "jade", PASSWORD)
    assert not password_works(db_url, "jade", PASSWORD + "x")
    with database(db_url) as db, db.read() as session:
        user, member = session.exec(
            select(User, Member).where(Member.user_id == User.id)).one()
    assert (user.username, user.display_name, user.age_band) == ("Jade", "Jade", age_band)
    assert member.role == role
    assert user.password_hash is not None and PASSWORD not in user.password_hash


def test_created_user_logs_in_to_the_web_app(db_url):
    slug = create_org(db_url)
    ok(run(db_url, "create-user", "--org", slug, "--username", "worker", "--role",
           "youth_worker", "--display-name", "Sam Jones", stdin=PASSWORD + "\n"))
    with browser(db_url) as client:
        login(client, "worker", PASSWORD)
        response = client.get("/account")
        assert response.status_code == 200
        assert "Sam Jones" in response.text


def test_create_user_keeps_spaces_inside_the_password(db_url):
    slug = create_org(db_url)
    ok(create_user(db_url, slug, "jade", password="  four words with spaces  "))
    assert password_works(db_url, "jade", "  four words with spaces  ")


def test_there_is_no_password_option_anywhere():
    """A password on the command line ends up in shell history and `ps`: never accepted."""
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {"create-user", "reset-password"} <= set(subparsers.choices)
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            for option in action.option_strings:
                assert "pass" not in option.lower(), f"{name} {option}"


def test_create_user_refuses_a_password_argument(db_url):
    slug = create_org(db_url)
    result = run(db_url, "create-user", "--org", slug, "--username", "jade", "--role",
                 "young_person", "--age-band", "13_15", "--password", PASSWORD,
                 stdin=PASSWORD + "\n")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr
    help_text = ok(run(db_url, "create-user", "--help")).stdout
    assert "--password" not in help_text
    assert "standard input" in help_text
    with database(db_url) as db, db.read() as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_create_user_for_an_unknown_org(db_url):
    ok(run(db_url, "migrate"))
    failed(create_user(db_url, "nowhere", "jade"), "no organisation", "nowhere")


def test_create_user_refuses_a_taken_username_in_any_letter_case(db_url):
    slug = create_org(db_url)
    other = create_org(db_url, "Hillside School")
    ok(create_user(db_url, slug, "jade"))
    failed(create_user(db_url, slug, "JADE"), "--username", "taken")
    # Usernames are unique across the whole site, not per organisation.
    failed(create_user(db_url, other, "Jade"), "--username", "taken")
    with database(db_url) as db, db.read() as session:
        assert session.exec(select(User.username)).all() == ["jade"]


def test_young_person_needs_an_age_band(db_url):
    slug = create_org(db_url)
    failed(create_user(db_url, slug, "jade", "young_person", None), "--age-band", "age group")
    assert not password_works(db_url, "jade", PASSWORD)


@pytest.mark.parametrize(("password", "reason"), [
    ("short", "at least 8"),
    ("sunshine", "common"),
    ("Password1", "common"),
    ("jade-jade-jade", "username"),
])
def test_create_user_refuses_a_weak_password(db_url, password, reason):
    slug = create_org(db_url)
    stderr = failed(create_user(db_url, slug, "jade", password=password), "password", reason)
    assert password not in stderr
    with database(db_url) as db, db.read() as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_create_user_refuses_an_invalid_role(db_url):
    slug = create_org(db_url)
    result = create_user(db_url, slug, "jade", "superuser")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr and "--role" in result.stderr
    assert "org_admin" in result.stderr


def test_create_user_refuses_an_invalid_age_band(db_url):
    slug = create_org(db_url)
    result = create_user(db_url, slug, "jade", "young_person", "twelve")
    assert result.returncode == 2
    assert "--age-band" in result.stderr


def test_create_user_with_nothing_on_standard_input(db_url, in_process, capsys):
    ok(run(db_url, "migrate"))
    slug = create_org(db_url)
    code = in_process("create-user", "--org", slug, "--username", "jade", "--role",
                      "young_person", "--age-band", "13_15", stdin="")
    assert code == 1
    out, err = capsys.readouterr()
    assert "no password on standard input" in err
    assert out == ""


def test_create_user_at_a_terminal_asks_twice(db_url, in_process, capsys, monkeypatch):
    slug = create_org(db_url)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter([PASSWORD, PASSWORD + "-typo"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(cli.sys, "stdin", Terminal())
    code = cli.main(["create-user", "--org", slug, "--username", "jade", "--role",
                     "young_person", "--age-band", "13_15"])
    assert code == 1
    assert "two passwords are different" in capsys.readouterr().err
    answers = iter([PASSWORD, PASSWORD])
    code = cli.main(["create-user", "--org", slug, "--username", "jade", "--role",
                     "young_person", "--age-band", "13_15"])
    assert code == 0
    assert password_works(db_url, "jade", PASSWORD)


def test_create_user_in_process_reports_every_problem(db_url, in_process, capsys):
    slug = create_org(db_url)
    code = in_process("create-user", "--org", slug, "--username", "no spaces please",
                      "--role", "young_person", stdin="short\n")
    assert code == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert all(line.startswith("error: ") for line in lines)
    named = {line.split(":")[1].strip() for line in lines}
    assert named == {"--username", "--age-band", "password"}


def test_invalid_settings_are_a_clear_error(db_url, in_process, capsys, monkeypatch):
    monkeypatch.setenv("ARGON2_TIME_COST", "lots")
    assert in_process("migrate") == 1
    assert "ARGON2_TIME_COST must be a whole number" in capsys.readouterr().err


# create-token ------------------------------------------------------------------------


def test_create_token_prints_a_token_that_works_against_the_api(db_url):
    slug = create_org(db_url)
    ok(create_user(db_url, slug, "jade", "young_person", "16_17"))
    result = ok(run(db_url, "create-token", "--username", "JADE", "--label", "laptop"))
    lines = result.stdout.splitlines()
    assert len(lines) == 1, "only the token goes to stdout, so it can be piped"
    token = lines[0]
    assert token.startswith("sv_") and len(token) > 40
    assert "shown once" in result.stderr and token not in result.stderr
    with database(db_url) as db, db.read() as session:
        stored = session.exec(select(ApiToken)).one()
    assert stored.label == "laptop"
    assert token not in stored.token_hash, "only a hash of the token is kept"

    with browser(db_url) as client:
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["username"] == "jade"
        assert body["organisation"] == {"slug": slug, "name": "Riverside Youth Club"}
        assert client.get("/api/v1/me").status_code == 401


def test_each_create_token_makes_a_new_token(db_url):
    slug = create_org(db_url)
    ok(create_user(db_url, slug, "worker", "youth_worker", None))
    first = ok(run(db_url, "create-token", "--username", "worker")).stdout.strip()
    second = ok(run(db_url, "create-token", "--username", "worker")).stdout.strip()
    assert first != second
    with browser(db_url) as client:
        for token in (first, second):
            response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert response.json()["role"] == "youth_worker"


def test_create_token_for_an_unknown_user(db_url):
    ok(run(db_url, "migrate"))
    failed(run(db_url, "create-token", "--username", "nobody"), "no user", "nobody")
    with database(db_url) as db, db.read() as session:
        assert session.exec(select(func.count()).select_from(ApiToken)).one() == 0


# reset-password ----------------------------------------------------------------------


def test_reset_password_swaps_the_password_and_ends_sessions(db_url):
    slug = create_org(db_url)
    ok(create_user(db_url, slug, "jade"))
    with browser(db_url) as client:
        login(client, "jade", PASSWORD)
        assert client.get("/account").status_code == 200

        result = ok(run(db_url, "reset-password", "--username", "Jade",
                        stdin=NEW_PASSWORD + "\n"))
        assert "jade" in result.stdout
        assert NEW_PASSWORD not in result.stdout + result.stderr

        # The browser that was logged in is logged out.
        response = client.get("/account")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
        login(client, "jade", NEW_PASSWORD)
        assert client.get("/account").status_code == 200

    assert not password_works(db_url, "jade", PASSWORD)
    assert password_works(db_url, "jade", NEW_PASSWORD)


def test_reset_password_ends_every_session_in_the_database(db_url, in_process, capsys):
    slug = create_org(db_url)
    ok(create_user(db_url, slug, "jade"))
    ok(create_user(db_url, slug, "kai"))
    with database(db_url) as db, db.write() as session:
        jade = service.user_by_username(session, "jade")
        kai = service.user_by_username(session, "kai")
        for user in (jade, jade, kai):
            sessions.start(session, Settings(), user_id=user.id)
    assert in_process("reset-password", "--username", "jade", stdin=NEW_PASSWORD + "\n") == 0
    assert "sessions have ended" in capsys.readouterr().out
    with database(db_url) as db, db.read() as session:
        left = session.exec(select(UserSession.user_id)).all()
    assert left == [kai.id]


def test_reset_password_for_an_unknown_user(db_url):
    ok(run(db_url, "migrate"))
    failed(run(db_url, "reset-password", "--username", "nobody", stdin=NEW_PASSWORD + "\n"),
           "no user", "nobody")


@pytest.mark.parametrize("password", ["short", "football", "jade1234jade"])
def test_reset_password_refuses_a_weak_password_and_changes_nothing(db_url, password):
    slug = create_org(db_url)
    ok(create_user(db_url, slug, "jade"))
    failed(run(db_url, "reset-password", "--username", "jade", stdin=password + "\n"),
           "password")
    assert password_works(db_url, "jade", PASSWORD)


def test_reset_password_refuses_a_password_argument(db_url):
    slug = create_org(db_url)
    ok(create_user(db_url, slug, "jade"))
    result = run(db_url, "reset-password", "--username", "jade", "--password", NEW_PASSWORD,
                 stdin=NEW_PASSWORD + "\n")
    assert result.returncode == 2
    assert password_works(db_url, "jade", PASSWORD)


# help, entry points ------------------------------------------------------------------


def test_serve_help_lists_its_options(db_url):
    result = ok(run(db_url, "serve", "--help"))
    for option in ("--host", "--port", "--demo"):
        assert option in result.stdout


def test_help_lists_every_command(db_url):
    result = ok(run(db_url, "--help"))
    for command in ("serve", "migrate", "create-org", "create-user", "create-token",
                    "reset-password"):
        assert command in result.stdout


def test_no_command_is_a_usage_error(db_url):
    result = run(db_url)
    assert result.returncode == 2
    assert "usage:" in result.stderr


def studentvoice_script() -> str:
    beside = Path(sys.executable).with_name("studentvoice")
    found = str(beside) if beside.exists() else shutil.which("studentvoice")
    assert found, "the studentvoice console script is not installed (pip install -e .)"
    return found


def test_entry_point_and_python_m_server_are_the_same_program(db_url):
    (script,) = entry_points(group="console_scripts", name="studentvoice")
    assert script.value == "server.cli:main"
    studentvoice = [studentvoice_script()]
    for args in (["--help"], ["serve", "--help"], ["create-user", "--help"]):
        by_module = ok(run(db_url, *args))
        by_script = ok(run(db_url, *args, program=studentvoice))
        assert by_module.stdout == by_script.stdout
        assert by_module.stdout.startswith("usage: studentvoice")
    # And both really run commands.
    assert create_org(db_url, "Hillside School") == "hillside-school"
    result = ok(run(db_url, "create-org", "--name", "Hillside School", program=studentvoice))
    assert result.stdout.split()[-1] == "hillside-school-2"


# serve --demo ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    def __init__(self, process: subprocess.Popen[bytes], output: Path, port: int) -> None:
        self.process = process
        self.output = output
        self.port = port

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, list[str]], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            found: dict[str, list[str]] = {}
            for name, value in response.getheaders():
                found.setdefault(name.lower(), []).append(value)
            return response.status, found, response.read().decode()
        finally:
            connection.close()


@contextmanager
def serving(db_url: str, tmp_path: Path, *args: str) -> Iterator[Server]:
    """`python -m server serve …` in the background, stopped whatever happens."""
    port = free_port()
    output = tmp_path / f"serve-{port}.log"
    with output.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--port", str(port), *args],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=cli_env(db_url), cwd=tmp_path)
    server = Server(process, output, port)
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while "Press Ctrl+C" not in server.text():
            assert process.poll() is None, f"serve exited early:\n{server.text()}"
            assert time.monotonic() < deadline, f"serve printed nothing:\n{server.text()}"
            time.sleep(0.1)
        wait_until_healthy(process, lambda: server.request("GET", "/healthz")[0], server.text,
                           deadline=deadline)
        yield server
    finally:
        stop_process(process)


def printed_logins(output: str) -> dict[str, str]:
    return dict(re.findall(r"username (\S+)\s+password (\S+)", output))


def cookies(headers: dict[str, list[str]]) -> dict[str, str]:
    found = {}
    for header in headers.get("set-cookie", []):
        name, _, value = header.split(";")[0].partition("=")
        found[name.strip()] = value.strip()
    return found


def log_in_over_http(server: Server, username: str, password: str) -> str:
    status, headers, body = server.request("GET", "/login")
    assert status == 200
    field = BeautifulSoup(body, "html.parser").select_one('input[name="csrf_token"]')
    assert field is not None
    csrf_cookie = cookies(headers)["sv_csrf"]
    assert csrf_cookie == field["value"]
    status, headers, body = server.request(
        "POST", "/login",
        body=f"username={username}&password={password}&csrf_token={field['value']}",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Cookie": f"sv_csrf={csrf_cookie}"})
    assert status == 303, body
    session_cookie = cookies(headers).get("sv_session", "")
    assert session_cookie
    return session_cookie


EXPECTED_DEMO_PEOPLE = {"admin", "worker", "jade", "kai"}


def count_demo_data(db_url: str) -> tuple[int, list[str]]:
    with database(db_url) as db, db.read() as session:
        orgs = session.exec(select(func.count()).select_from(Organisation)
                            .where(Organisation.name == demo.DEMO_ORG)).one()
        usernames = sorted(session.exec(select(User.username)).all())
    return orgs, usernames


def demo_campaigns(db_url: str) -> list[tuple[str, str]]:
    with database(db_url) as db, db.read() as session:
        return [(c.title, c.status) for c in session.exec(select(Campaign))]


def test_serve_demo_runs_the_app_with_demo_logins(db_url, tmp_path):
    with serving(db_url, tmp_path, "--demo") as server:
        output = server.text()
        assert f"http://127.0.0.1:{server.port}/" in output
        assert demo.DEMO_ORG in output
        logins = printed_logins(output)
        assert set(logins) == EXPECTED_DEMO_PEOPLE
        assert logins == {login.username: login.password for login in demo.DEMO_LOGINS}

        status, _, body = server.request("GET", "/healthz")
        assert status == 200
        assert '"ok"' in body

        session_cookie = log_in_over_http(server, "jade", logins["jade"])
        status, _, body = server.request("GET", "/account",
                                         headers={"Cookie": f"sv_session={session_cookie}"})
        assert status == 200
        assert "Jade" in body
        # Something to look at: a live campaign Jade leads, on her home page.
        status, _, body = server.request("GET", "/",
                                         headers={"Cookie": f"sv_session={session_cookie}"})
        assert status == 200
        assert "Safe way to college" in body

        # The staff logins work too.
        log_in_over_http(server, "admin", logins["admin"])

    assert server.process.returncode is not None
    assert count_demo_data(db_url) == (1, sorted(EXPECTED_DEMO_PEOPLE))
    assert demo_campaigns(db_url) == [("Safe way to college", "live")]


def test_serve_demo_twice_on_the_same_database(db_url, tmp_path):
    with serving(db_url, tmp_path, "--demo") as server:
        first = printed_logins(server.text())
    with serving(db_url, tmp_path, "--demo") as server:
        assert printed_logins(server.text()) == first
        log_in_over_http(server, "kai", first["kai"])
    assert count_demo_data(db_url) == (1, sorted(EXPECTED_DEMO_PEOPLE))
    assert demo_campaigns(db_url) == [("Safe way to college", "live")]
    # The demo people are real accounts: their usernames are taken.
    failed(create_user(db_url, create_org(db_url, "Another Club"), "Jade"), "taken")


def test_serve_on_a_port_in_use_says_so_and_never_claims_to_be_running(db_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run(db_url, "serve", "--host", "127.0.0.1", "--port", str(port))
    failed(result, "--port", f"cannot listen on 127.0.0.1 port {port}",
           "choose another port")
    assert "is running" not in result.stderr


def test_serve_without_demo_adds_nobody(db_url, tmp_path):
    with serving(db_url, tmp_path) as server:
        output = server.text()
        assert f"http://127.0.0.1:{server.port}/" in output
        assert printed_logins(output) == {}
        assert server.request("GET", "/login")[0] == 200
    assert count_demo_data(db_url) == (0, [])


def test_unknown_org_is_reported_before_a_password_is_asked(db_url, in_process, capsys):
    code = in_process("create-user", "--org", "nowhere", "--username", "jade",
                      "--role", "young_person", "--age-band", "16_17", stdin="")
    assert code == 1
    err = capsys.readouterr().err
    assert "no organisation called 'nowhere'" in err
    assert "password" not in err


def test_demo_fills_in_people_missing_from_an_existing_demo_organisation(db, passwords):
    from sqlmodel import select

    from server import demo
    from server.accounts import service
    from server.accounts.models import User

    with db.write() as session:
        service.create_organisation(session, name=demo.DEMO_ORG)
    with db.write() as session:
        demo.seed(session, passwords)
    with db.write() as session:
        demo.seed(session, passwords)
    with db.read() as session:
        usernames = sorted(session.exec(select(User.username)))
    assert usernames == sorted(login.username for login in demo.DEMO_LOGINS)


def test_a_serving_process_freezes_what_it_made_at_start_and_collects_rarely() -> None:
    # A full room must not stop for a whole-heap collection every few seconds (bench/).
    script = ("import gc; from server.app import create_app; from server.serving import "
              "GC_THRESHOLDS, tune_gc; create_app(); before = gc.get_freeze_count(); tune_gc(); "
              "print(before, gc.get_freeze_count() > 10_000, gc.get_threshold() == GC_THRESHOLDS,"
              " GC_THRESHOLDS[0] >= 10 * 700)")
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, env={**os.environ, "DATABASE_URL": "sqlite://"})
    assert found.stdout.split() == ["0", "True", "True", "True"]
