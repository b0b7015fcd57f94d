"""A consistent copy of an SQLite database, made while the app keeps running.

SQLite's online backup copies the database page by page inside one read transaction, so the
copy is the database as it was at one moment: writes the app makes meanwhile wait only for the
short steps, never for the whole copy, and none of them is half in the copy. PostgreSQL has its
own tools for this (pg_dump), which know more about it than the app does.
"""

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


PAGES_PER_STEP = 256  # pages copied before the app's writers get a turn


def sqlite_file(database_url: str) -> Path:
    """The file of an SQLite database URL; a clear refusal for anything else."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(f"backup copies SQLite databases; for {url.get_backend_name()} use "
                          "its own tools (pg_dump for PostgreSQL)")
    if not url.database or url.database == ":memory:":
        raise BackupError("the database is in memory, so there is no file to copy")
    return Path(url.database)


def backup(database_url: str, destination: Path) -> int:
    """Copy the database to `destination`, which must not exist yet; returns its size in
    bytes. The copy is checked before it is kept; a failed copy leaves nothing behind."""
    source_path = sqlite_file(database_url)
    if not source_path.exists():
        raise BackupError(f"there is no database at {source_path}")
    if destination.exists():
        raise BackupError(f"{destination} already exists; choose a new file name")
    if not destination.parent.is_dir():
        raise BackupError(f"there is no folder {destination.parent}")
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
        try:
            target = sqlite3.connect(partial)
            try:
                source.backup(target, pages=PAGES_PER_STEP)
                target.execute("PRAGMA journal_mode=DELETE")
                [(verdict,)] = target.execute("PRAGMA integrity_check").fetchall()
                if verdict != "ok":
                    raise BackupError(f"the copy failed its integrity check: {verdict}")
            finally:
                target.close()
        finally:
            source.close()
        partial.rename(destination)
    except sqlite3.Error as error:
        raise BackupError(f"could not copy the database: {error}") from error
    finally:
        partial.unlink(missing_ok=True)
    return destination.stat().st_size
