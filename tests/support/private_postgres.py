"""A PostgreSQL server of its own: initdb in a temporary directory, a free port, trust auth.

Fault tests stop, restart and kill it without touching the shared cluster that the rest of the
suite (and anyone else on the machine) is using. The binaries are the installed ones
(/usr/lib/postgresql/<version>/bin); run as root, the server runs as the `postgres` user.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.support.servers import free_port


def postgres_bindir() -> Path:
    """The bin directory of the newest installed PostgreSQL."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)")
    return Path(found[-1]).parent


class PrivatePostgres:
    """`with PrivatePostgres() as pg:` a running server; `pg.stop()`, `pg.start()`, `pg.restart()`
    and `pg.kill()` for faults; `pg.create_database()` an empty database's SQLAlchemy URL."""

    def __init__(self, root: Path | None = None) -> None:
        self.bindir = postgres_bindir()
        self.root = Path(root or tempfile.mkdtemp(prefix="booking-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgresql.log"
        self.port = free_port()
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # the server refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check)

    def __enter__(self) -> PrivatePostgres:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        # Enough connections for 4 web workers, several dispatchers and the test's own; no fsync:
        # the data is thrown away, and the faults here are restarts, not power cuts.
        (self.data / "postgresql.auto.conf").write_text(
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n"
            "max_connections = 100\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` ends every session (what a restart does), `immediate` is a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, down_seconds: float = 0.0, mode: str = "fast") -> None:
        """Stop, stay down for `down_seconds`, start again (returns when it accepts connections)."""
        self.stop(mode)
        time.sleep(down_seconds)
        self.start()

    def accepts_connections(self) -> bool:
        try:
            with psycopg.connect(self.admin_url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def create_database(self, name: str = "booking") -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"
