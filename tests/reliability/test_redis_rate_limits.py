"""RATELIMIT_STORAGE_URI=redis://...: several web processes count one visitor's requests together
(with memory:// each process would count alone, so N processes allow N times the limit)."""
from __future__ import annotations

import subprocess
import time

import pytest
import redis
import requests

from tests.reliability.processes import app_env
from tests.support.servers import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of the test's own on a free port, nothing written to disk."""
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)


def test_two_web_processes_share_the_limits_through_redis(database, processes, redis_url):
    url, _outbox = database
    env = app_env(url, free_port(), RATELIMIT_ENABLED="true", RATELIMIT_STORAGE_URI=redis_url)
    first = processes.gunicorn("web1", env, workers=1)
    second = processes.gunicorn("web2", env, workers=1)
    # Sign-up allows 3 a minute from one address; the invalid body keeps it from signing anyone up.
    statuses = [requests.post(base + "/api/v1/signup", json={}, timeout=30).status_code
                for base in (first, second, first, second)]
    assert statuses == [422, 422, 422, 429]
