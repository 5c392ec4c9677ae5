"""PostgreSQL backups with pg_dump (custom format) and restores with pg_restore.

Connection settings come from DATABASE_URL and reach the tools as libpq environment
variables (PGHOST, PGUSER, PGPASSWORD ...), so neither the password nor the user name appears
in a command line (visible to every user of the machine in the process list) or in a message.
The database name alone is passed to pg_restore (it needs --dbname to restore into a
database rather than print SQL).

The restore runs in one transaction (--single-transaction, --exit-on-error): it replaces the
objects of the dump (--clean --if-exists) completely or not at all. Objects belong to the user
of DATABASE_URL (--no-owner), and no privileges are restored (--no-acl): the roles of the
machine the dump came from need not exist where it is restored.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from glob import glob
from pathlib import Path

from sqlalchemy.engine import URL

from booking.backups.errors import BackupError

MAGIC = b"PGDMP"
# DATABASE_URL query parameters that libpq also reads from the environment.
QUERY_ENVIRONMENT = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
                     "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                     "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL", "connect_timeout": "PGCONNECT_TIMEOUT",
                     "application_name": "PGAPPNAME", "options": "PGOPTIONS", "passfile": "PGPASSFILE",
                     "service": "PGSERVICE", "target_session_attrs": "PGTARGETSESSIONATTRS",
                     "channel_binding": "PGCHANNELBINDING", "gssencmode": "PGGSSENCMODE"}
DEBIAN_BINARIES = "/usr/lib/postgresql/*/bin/"


def find_tool(name: str) -> str:
    """pg_dump or pg_restore: from PATH, else the newest of Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob(DEBIAN_BINARIES + name), key=lambda path: [int(n) for n in re.findall(r"\d+", path)])
    if versions:
        return versions[-1]
    raise BackupError(f"{name} was not found: install the PostgreSQL client tools (Debian: postgresql-client) "
                      "or put them on PATH.")


def environment(url: URL) -> dict[str, str]:
    """The process environment with the connection settings of `url` as libpq variables."""
    settings = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username, "PGPASSWORD": url.password,
                "PGDATABASE": url.database}
    for key, value in url.query.items():
        if key not in QUERY_ENVIRONMENT:
            raise BackupError(f"DATABASE_URL has the parameter {key!r}, which backups cannot pass on to "
                              "pg_dump; set the matching PG* environment variable instead.")
        settings[QUERY_ENVIRONMENT[key]] = value[-1] if isinstance(value, tuple) else value
    env = dict(os.environ)
    env.update({name: str(value) for name, value in settings.items() if value is not None})
    return env


def _run(tool: str, arguments: list[str], url: URL) -> str:
    command = [find_tool(tool), "--no-password", *arguments]
    try:
        done = subprocess.run(command, env=environment(url), capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"{tool} could not be started: {exc}.") from exc
    if done.returncode != 0:
        raise BackupError(f"{tool} failed (exit status {done.returncode}): {done.stderr.strip() or 'no message'}")
    return done.stdout


def backup(url: URL, output: Path) -> None:
    """Dump the database of `url` into the new file `output`, then check that it reads back."""
    if not url.database:
        raise BackupError("DATABASE_URL names no database.")
    _run("pg_dump", ["--format=custom", f"--file={output}"], url)
    _run("pg_restore", ["--list", str(output)], url)  # reads the archive's table of contents


def restore(url: URL, source: Path) -> None:
    """Restore the dump `source` into the database of `url`, replacing what the dump contains."""
    with source.open("rb") as file:
        if file.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{source} is not a pg_dump custom-format file (PostgreSQL backups end in .dump).")
    if not url.database:
        raise BackupError("DATABASE_URL names no database.")
    _run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction",
                        "--exit-on-error", f"--dbname={url.database}", str(source)], url)
