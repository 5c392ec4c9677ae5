"""/metrics behind gunicorn with two workers and PROMETHEUS_MULTIPROC_DIR (deploy/gunicorn.conf.py):
whichever worker answers the scrape, the request counts are those of all workers together."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.servers import ROOT, Gunicorn

pytestmark = pytest.mark.race
TOKEN = "metrics-gunicorn-token"
REQUESTS = 40


def healthz_count(url: str) -> float:
    response = requests.get(url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}",
                                                       "Connection": "close"}, timeout=30)
    assert response.status_code == 200
    return sum(sample.value for family in text_string_to_metric_families(response.text)
               for sample in family.samples
               if sample.name == "booking_http_request_duration_seconds_count"
               and sample.labels["endpoint"] == "/healthz")


def test_request_counts_add_up_across_workers(app, pg_url, tmp_path):
    directory = tmp_path / "metrics"
    (directory).mkdir()
    (directory / "histogram_1.db").write_bytes(b"left over from an earlier run")  # on_starting clears it
    env = {"PROMETHEUS_MULTIPROC_DIR": str(directory), "METRICS_TOKEN": TOKEN}
    with Gunicorn(pg_url, workers=2, extra_env=env, config_file=str(ROOT / "deploy" / "gunicorn.conf.py")) as server:
        before = healthz_count(server.url)
        sent = 0
        # One quick worker may take every request of a round; rounds go on until both have served.
        for _ in range(10):
            with ThreadPoolExecutor(max_workers=8) as pool:
                statuses = list(pool.map(lambda _: requests.get(server.url + "/healthz", timeout=30).status_code,
                                         range(REQUESTS)))
            assert statuses == [200] * REQUESTS
            sent += REQUESTS
            writers = sorted(path.name for path in directory.glob("histogram_*.db"))
            if len(writers) == 2:
                break
        counts = {healthz_count(server.url) for _ in range(6)}  # scrapes land on either worker
    assert len(writers) == 2 and "histogram_1.db" not in writers  # both workers served and wrote
    assert counts == {before + sent}
