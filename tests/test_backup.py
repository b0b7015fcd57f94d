"""`studentvoice backup`: a consistent copy of the SQLite database while the app writes to it."""

import sqlite3
import threading
from pathlib import Path

import pytest

from server import cli
from server.backup import BackupError, backup
from server.db import Database


@pytest.fixture
def live_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    db = Database(url)
    db.migrate()
    db.dispose()
    with sqlite3.connect(tmp_path / "live.db") as raw:
        raw.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, words TEXT NOT NULL)")
        raw.executemany("INSERT INTO note (words) VALUES (?)", [("x" * 500,)] * 2000)
    return url


def count_notes(path: Path) -> int:
    with sqlite3.connect(path) as raw:
        [(count,)] = raw.execute("SELECT count(*) FROM note").fetchall()
        return int(count)


def test_the_copy_is_whole_while_the_app_keeps_writing(live_db, tmp_path):
    stop = threading.Event()
    written: list[int] = []

    def keep_writing() -> None:
        with sqlite3.connect(tmp_path / "live.db", timeout=30) as raw:
            raw.execute("PRAGMA journal_mode=WAL")
            while not stop.is_set():
                raw.execute("INSERT INTO note (words) VALUES ('during')")
                raw.commit()
                written.append(1)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        size = backup(live_db, tmp_path / "copy.db")
    finally:
        stop.set()
        writer.join()
    assert size == (tmp_path / "copy.db").stat().st_size > 0
    copied = count_notes(tmp_path / "copy.db")
    # Everything there was before, and of the rows written meanwhile only whole ones.
    assert 2000 <= copied <= 2000 + len(written)
    with sqlite3.connect(tmp_path / "copy.db") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall()
    assert not (tmp_path / "copy.db.partial").exists()


def test_the_command_prints_where_the_copy_is(live_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", live_db)
    assert cli.main(["backup", str(tmp_path / "night.db")]) == 0
    assert f"Copied the database to {tmp_path / 'night.db'}" in capsys.readouterr().out
    assert count_notes(tmp_path / "night.db") == 2000


def test_an_existing_file_is_never_overwritten(live_db, tmp_path, monkeypatch, capsys):
    (tmp_path / "keep.db").write_text("last night's copy")
    monkeypatch.setenv("DATABASE_URL", live_db)
    assert cli.main(["backup", str(tmp_path / "keep.db")]) == 1
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "keep.db").read_text() == "last night's copy"


@pytest.mark.parametrize(("url", "message"), [
    ("postgresql+psycopg://postgres@127.0.0.1/test", "pg_dump"),
    ("sqlite://", "in memory"),
    ("sqlite:////nowhere/at/all.db", "there is no database"),
])
def test_what_cannot_be_copied_is_said(url, message, tmp_path):
    with pytest.raises(BackupError, match=message):
        backup(url, tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()


def test_a_missing_folder_is_said(live_db, tmp_path):
    with pytest.raises(BackupError, match="there is no folder"):
        backup(live_db, tmp_path / "not-here" / "copy.db")

