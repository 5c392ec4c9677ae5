"""Whole-database backups and restores: `flask --app wsgi backup` and `flask --app wsgi restore`.

SQLite is copied with SQLite's online backup API (`booking.backups.sqlite`): a consistent
snapshot even while the app is running and writing, which a file copy of a WAL database is not.
PostgreSQL is dumped with pg_dump's custom format and restored with pg_restore
(`booking.backups.postgres`); the password from DATABASE_URL reaches them in PGPASSWORD, never
on a command line or in a message.

A backup is written beside its target under a temporary name, checked, and only then renamed
into place, so a failed or interrupted backup never leaves a file that looks like a good one.
Backups hold every customer's personal data: files and the folder made for them are readable
by their owner only.
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from booking.backups import postgres, sqlite
from booking.backups.errors import BackupError

__all__ = ["BackupError", "backup_database", "default_backup_path", "restore_database"]


def _url(database_url: str | URL) -> URL:
    url = make_url(database_url)
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {url.get_backend_name()}.")
    return url


def default_backup_path(instance_path: Path, database_url: str | URL, now: datetime) -> Path:
    """instance/backups/booking-<UTC timestamp>.sqlite3 (SQLite) or .dump (PostgreSQL)."""
    suffix = ".sqlite3" if _url(database_url).get_backend_name() == "sqlite" else ".dump"
    return instance_path / "backups" / f"booking-{now.strftime('%Y%m%dT%H%M%SZ')}{suffix}"


def _partial(output: Path) -> Path:
    return output.with_name(f".{output.name}.partial")


def backup_database(database_url: str | URL, output: Path) -> Path:
    """Write a backup of the database to the file `output` (its folder is made when missing)
    and return the path; BackupError on failure."""
    url = _url(database_url)
    if output.exists() and output.is_dir():
        raise BackupError(f"{output} is a folder; give the backup file's name, e.g. {output / 'booking.dump'}.")
    if not output.parent.exists():
        output.parent.mkdir(parents=True, mode=0o700)
    partial = _partial(output)
    try:
        if url.get_backend_name() == "sqlite":
            sqlite.backup(sqlite.database_path(url), partial)
        else:
            postgres.backup(url, partial)
        os.chmod(partial, 0o600)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return output


def restore_database(database_url: str | URL, source: Path) -> None:
    """Replace the database's contents with the backup at `source`; BackupError on failure.

    Stop the web processes and workers first: a restore is not meant to run under traffic
    (PostgreSQL waits for their locks; on SQLite they would keep writing on top of it)."""
    url = _url(database_url)
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    if url.get_backend_name() == "sqlite":
        sqlite.restore(source, sqlite.database_path(url))
    else:
        postgres.restore(url, source)
