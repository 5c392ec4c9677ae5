"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py wsgi:app` (see docs/deploy.md).

Command-line options (--workers, --bind ...) override what is set here; BIND and WEB_CONCURRENCY
from the environment (/etc/booking/booking.env) too.

Metrics across workers: export PROMETHEUS_MULTIPROC_DIR=/run/booking-web/metrics (a directory only
this service writes) before starting gunicorn; every worker then writes its request latencies
there and GET /metrics sums them (booking.observability.metrics). The directory is emptied when
gunicorn starts, so counts of an earlier run never add up with this one.
"""
import os
import shutil
from pathlib import Path

from prometheus_client import multiprocess

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers: one request each at a time, one database connection each. About 2 per CPU core;
# every worker of every machine counts against PostgreSQL's max_connections (docs/deploy.md).
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
# A request that takes longer than this is killed (the worker is replaced). Requests take
# milliseconds; the slowest, "sync now" of an external calendar, gives up after 20 s; a
# PostgreSQL that cannot be reached fails after its 5 s connect timeout (503).
timeout = 60
# SIGTERM / systemctl stop: workers finish the requests in hand for up to this long.
graceful_timeout = 20
# Replace each worker after about this many requests: caps slow growth of a long-lived process
# (benchmarks/soak.py measures it); the jitter keeps the workers from restarting together.
max_requests = 5000
max_requests_jitter = 500
# The heartbeat file of each worker on tmpfs: a busy or slow disk must not make the master
# think a worker hangs.
worker_tmp_dir = "/dev/shm"
# nginx on the same machine sets X-Forwarded-Proto; the app reads the X-Forwarded-* headers
# itself (TRUSTED_PROXIES=1, werkzeug ProxyFix), so gunicorn only needs to trust the local nginx.
forwarded_allow_ips = "127.0.0.1"
# The app writes one access line per request itself, with its request id and tokens redacted;
# gunicorn's own access log would repeat it with the raw URL (query string and tokens included).
accesslog = None
errorlog = "-"


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for entry in path.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def child_exit(server, worker):
    # A dead worker's live gauges must stop counting; its counters and histograms stay summed.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
