"""Real PostgreSQL for tests: start the local cluster if needed, one fresh database per run."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid

import psycopg

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _can_connect() -> bool:
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def ensure_postgres_running() -> None:
    """Start the installed cluster when it is down; fail loudly when there is none."""
    if _can_connect():
        return
    if shutil.which("pg_ctlcluster") and shutil.which("pg_lsclusters"):
        for line in subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout.splitlines():
            version, cluster = line.split()[:2]
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start"],
                           capture_output=True)
        for _ in range(30):
            if _can_connect():
                return
            time.sleep(0.5)
    raise RuntimeError(f"PostgreSQL is not reachable at {ADMIN_URL}; run `make services` or start it.")


def create_database(prefix: str = "booking_test") -> str:
    """Create an empty database and return its SQLAlchemy URL."""
    ensure_postgres_running()
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
