"""`studentvoice …` (same as `python -m server …`)."""

import argparse
import getpass
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from server import assets, demo
from server.accounts import login, service, sessions
from server.accounts.models import AgeBand, Role
from server.accounts.passwords import Passwords
from server.backup import BackupError, backup
from server.db import Database
from server.errors import InvalidInput, ServiceError
from server.settings import Settings, SettingsError


class CommandError(Exception):
    pass


# Problems are reported against the option the operator typed.
OPTION_NAMES = {"name": "--name", "username": "--username", "display_name": "--display-name",
                "role": "--role", "age_band": "--age-band"}


def _read_password(prompt: str = "Password: ") -> str:
    """From standard input when it is piped, otherwise asked twice without echo."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise CommandError("no password on standard input")
        return line.rstrip("\r\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("Same password again: ") != first:
        raise CommandError("the two passwords are different")
    return first


@contextmanager
def _database(settings: Settings) -> Iterator[Database]:
    db = Database(settings.database_url)
    try:
        db.migrate()
        yield db
    finally:
        db.dispose()


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> None:
    with _database(settings):
        print("Database is up to date.")


def cmd_create_org(args: argparse.Namespace, settings: Settings) -> None:
    with _database(settings) as db, db.write() as session:
        org = service.create_organisation(session, name=args.name)
    print(f"Created organisation {org.name!r} with slug {org.slug}")


def cmd_create_user(args: argparse.Namespace, settings: Settings) -> None:
    with _database(settings) as db:
        # Check what can be checked before asking for a password.
        with db.read() as session:
            service.organisation_by_slug(session, args.org)
        password = _read_password()
        with db.write() as session:
            user = service.create_user(
                session, Passwords(settings), org_slug=args.org, username=args.username,
                display_name=args.display_name or args.username, role=args.role,
                age_band=args.age_band, password=password)
    print(f"Created {args.role} {user.username}")


def cmd_create_token(args: argparse.Namespace, settings: Settings) -> None:
    with _database(settings) as db, db.write() as session:
        user = service.user_by_username(session, args.username)
        assert user.id is not None
        token = sessions.create_api_token(session, user_id=user.id, label=args.label)
    print(token)
    print("This token is shown once. Keep it secret: it acts as that user.", file=sys.stderr)


def cmd_reset_password(args: argparse.Namespace, settings: Settings) -> None:
    with _database(settings) as db:
        with db.read() as session:
            service.user_by_username(session, args.username)
        password = _read_password("New password: ")
        with db.write() as session:
            user = login.set_password_by_operator(session, Passwords(settings),
                                                    username=args.username, password=password)
    print(f"Password set for {user.username}; their sessions have ended.")


def cmd_retention(args: argparse.Namespace, settings: Settings) -> None:
    from server.privacy import retention

    with _database(settings) as db:
        if args.dry_run:
            with db.read() as session:
                found = retention.due(session)
        else:
            with db.write() as session:
                found = retention.due(session)
                retention.erase_due(session, found)
    for item in found:
        print(f"user {item.user_id}  organisation {item.org_slug}  "
              f"last active {item.last_active:%Y-%m-%d}")
    if args.dry_run:
        print(f"{len(found)} account(s) would be erased. Run again without --dry-run to "
              "erase them.")
    else:
        print(f"Erased {len(found)} account(s).")


def cmd_backup(args: argparse.Namespace, settings: Settings) -> None:
    size = backup(settings.database_url, Path(args.destination))
    print(f"Copied the database to {args.destination} ({size:,} bytes).")


def cmd_fetch_htmx(args: argparse.Namespace, settings: Settings) -> None:
    try:
        for path in assets.fetch():
            print(f"Installed {path}")
    except OSError as exc:
        raise CommandError(str(exc)) from None
    print("Serve it with HTMX_SOURCE=local.")


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything says the app is running."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        raise CommandError(
            f"--port: cannot listen on {host} port {port} ({exc.strerror}). Another program "
            "may be using it: stop it, or choose another port with --port.") from None
    listener.listen(2048)
    return listener


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    from server.app import create_app
    from server.serving import tune_gc, uvicorn_config

    if args.workers < 1:
        raise CommandError("--workers: give 1 or more")
    if args.workers > 1 and not settings.broadcast_url:
        raise CommandError("--workers: several workers need BROADCAST_URL=redis://… so that "
                           "a change made through one worker reaches the pages open on the "
                           "others")
    listener = _listen(args.host, args.port)
    with _database(settings) as db:
        if args.demo:
            with db.write() as session:
                logins = demo.seed(session, Passwords(settings))
    port = listener.getsockname()[1]
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
    if ":" in shown_host:
        shown_host = f"[{shown_host}]"
    print(f"\nStudent Voice is running at http://{shown_host}:{port}/")
    print(f"Database: {settings.database_url}")
    if args.workers > 1:
        print(f"Workers: {args.workers}, sharing changes through {settings.broadcast_url}")
    if args.demo:
        print(f"\nDemo logins for {demo.DEMO_ORG}:")
        for login in logins:
            print(f"  {login.role:<13} username {login.username:<7} password {login.password}")
    print("\nPress Ctrl+C to stop.\n", flush=True)
    if args.workers > 1:
        from uvicorn.supervisors import Multiprocess

        config = uvicorn_config("server.serving:app_from_env", factory=True,
                                workers=args.workers, log_level="info")
        Multiprocess(config, sockets=[listener]).run()
        return
    app = create_app(settings.with_(migrate_on_start=False))
    tune_gc()
    uvicorn.Server(uvicorn_config(app, log_level="info")).run(sockets=[listener])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studentvoice", description="Student Voice")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, run: Callable[[argparse.Namespace, Settings], None],
            help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(run=run)
        return sub

    serve = add("serve", cmd_serve, "run the web app (migrates the database first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes (more than 1 needs BROADCAST_URL)")
    serve.add_argument("--demo", action="store_true",
                       help="add a demo organisation with staff and young people")
    add("migrate", cmd_migrate, "bring the database up to date")
    org = add("create-org", cmd_create_org, "add an organisation")
    org.add_argument("--name", required=True)
    user = add("create-user", cmd_create_user,
               "add a user to an organisation (password from standard input or asked)")
    user.add_argument("--org", required=True, metavar="SLUG")
    user.add_argument("--username", required=True)
    user.add_argument("--display-name", default="")
    user.add_argument("--role", required=True, choices=[str(r) for r in Role])
    user.add_argument("--age-band", choices=[str(b) for b in AgeBand])
    token = add("create-token", cmd_create_token, "print a new API token for a user, once")
    token.add_argument("--username", required=True)
    token.add_argument("--label", default="")
    reset = add("reset-password", cmd_reset_password,
                "set a user's password (from standard input or asked) and end their sessions")
    reset.add_argument("--username", required=True)
    keep = add("retention", cmd_retention,
               "erase young people's accounts unused for longer than their organisation "
               "keeps them")
    keep.add_argument("--dry-run", action="store_true",
                      help="only list the accounts that would be erased")
    copy = add("backup", cmd_backup,
               "copy the SQLite database to a new file, consistently, while the app runs")
    copy.add_argument("destination", metavar="FILE")
    add("fetch-htmx", cmd_fetch_htmx,
        "install the pinned htmx into static/vendor/ to serve it with HTMX_SOURCE=local")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        args.run(args, settings)
    except InvalidInput as exc:
        for field, message in exc.errors.items():
            print(f"error: {OPTION_NAMES.get(field, field)}: {message}", file=sys.stderr)
        return 1
    except (ServiceError, CommandError, SettingsError, BackupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
