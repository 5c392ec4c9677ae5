"""SQLite backups through the online backup API (sqlite3.Connection.backup).

The backup copies every page in one step under a read transaction: in WAL mode, writers go
on meanwhile and the copy is the database as of that transaction's start, whole and
consistent. A restore copies the backup into the live file the same way, under SQLite's own
write lock, so connections that stay open see either the old or the new database, never a
half-copied one (a plain file copy over a WAL database can corrupt it).
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL

from booking.backups.errors import BackupError

MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_SECONDS = 30


def database_path(url: URL) -> Path:
    """The file of a SQLite URL; BackupError for an in-memory database."""
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("Only a SQLite database in a file can be backed up or restored.")
    return Path(url.database)


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)


def check_backup(path: Path) -> str:
    """The schema version (Alembic revision) of a SQLite backup; BackupError unless it is an
    intact database of this app."""
    with path.open("rb") as file:
        if file.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{path} is not a SQLite database (SQLite backups end in .sqlite3).")
    try:
        with closing(_connect(path)) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA quick_check")]
            versions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as a database of this app: {exc}.") from exc
    if problems != ["ok"]:
        raise BackupError(f"{path} is damaged: {'; '.join(problems[:3])}.")
    if len(versions) != 1:
        raise BackupError(f"{path} has no schema version; it is not a backup of this app.")
    return versions[0]


def backup(database: Path, output: Path) -> None:
    """Copy the live database at `database` into the new file `output`, then check the copy."""
    if not database.is_file():
        raise BackupError(f"There is no SQLite database at {database}.")
    try:
        with closing(_connect(database)) as source, closing(_connect(output)) as target:
            source.backup(target)
            # A single self-contained file: the copy must not need a -wal file beside it.
            target.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"The SQLite backup failed: {exc}.") from exc
    check_backup(output)


def restore(source: Path, database: Path) -> None:
    """Replace the database at `database` (made when missing) with the backup `source`."""
    check_backup(source)
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(_connect(source)) as backup_file, closing(_connect(database)) as target:
            backup_file.backup(target)
    except sqlite3.Error as exc:
        raise BackupError(f"The SQLite restore failed: {exc}.") from exc
