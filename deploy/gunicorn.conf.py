"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Command-line options (--workers, --bind ...) override what is set here.

Metrics across workers: export PROMETHEUS_MULTIPROC_DIR=/run/booking-metrics (a directory only
this service writes) before starting gunicorn; every worker then writes its request latencies
there and GET /metrics sums them (booking.observability.metrics). The directory is emptied when
gunicorn starts, so counts of an earlier run never add up with this one.
"""
import os
import shutil
from pathlib import Path

from prometheus_client import multiprocess

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# The app writes one access line per request itself, with its request id and tokens redacted;
# gunicorn's own access log would repeat it with the raw URL (query string and tokens included).
accesslog = None


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
