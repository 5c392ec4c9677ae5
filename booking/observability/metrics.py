"""Prometheus metrics: request latency kept by the process, the rest read from the database at
scrape time (so every web process answers the same, whichever one the scraper reaches).

Several gunicorn workers: set PROMETHEUS_MULTIPROC_DIR (an empty directory, wiped before each
start; see deploy/gunicorn.conf.py) and each worker writes its observations there, summed by
MultiProcessCollector at scrape time. prometheus_client reads the variable when it is first
imported, so it must be in the environment before the process starts. Without it the
histogram lives in this process alone (one process, or the in-process test client).
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from booking.extensions import db
from booking.models import NOTIFICATION_STATUSES, STATUSES, Booking, ExternalCalendar, Notification
from booking.observability.heartbeat import last_beat, live_processes

# The classic text format: what every Prometheus version and most agents read.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Registered on no registry: each scrape builds its own (see render_metrics).
REQUEST_LATENCY = Histogram(
    "booking_http_request_duration_seconds", "Time from request start to response, by Flask rule",
    ["endpoint", "method", "status"], registry=None)


# Anything else a client sends as a method is "other": labels must stay a small set.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe_request(rule: str, method: str, status: int, seconds: float) -> None:
    """Record one request under its URL rule (never the raw path: tokens, unbounded labels)."""
    method = method if method in METHODS else "other"
    REQUEST_LATENCY.labels(rule, method, f"{status // 100}xx").observe(seconds)


def _counts(column, statuses: tuple[str, ...], name: str, documentation: str) -> GaugeMetricFamily:
    found = {value: count for value, count in db.session.execute(select(column, func.count()).group_by(column))}
    family = GaugeMetricFamily(name, documentation, labels=["status"])
    for status in sorted(set(statuses) | set(found)):
        family.add_metric([status], found.get(status, 0))
    return family


def _calendars() -> Iterator[Metric]:
    in_error, failures, total = db.session.execute(select(
        func.count().filter(ExternalCalendar.last_error.is_not(None)),
        func.coalesce(func.sum(ExternalCalendar.failures), 0), func.count())).one()
    yield GaugeMetricFamily("booking_external_calendars", "Imported calendars, all businesses", value=total)
    yield GaugeMetricFamily("booking_external_calendars_in_error",
                            "Imported calendars whose last sync failed", value=in_error)
    yield GaugeMetricFamily("booking_calendar_sync_failures",
                            "Failed syncs in a row, summed over the imported calendars", value=failures)


def _scheduler(now: datetime) -> Iterator[Metric]:
    beat = last_beat()
    if beat is not None:
        yield GaugeMetricFamily("booking_scheduler_heartbeat_age_seconds",
                                "Seconds since the newest scheduler heartbeat", value=(now - beat).total_seconds())
    live = GaugeMetricFamily("booking_scheduler_processes", "Scheduler processes with a fresh heartbeat",
                             labels=["role"])
    counts = live_processes(now)
    for role in ("embedded", "worker"):
        live.add_metric([role], counts.get(role, 0))
    yield live


class DatabaseCollector:
    """Gauges read from the database when scraped, across all businesses."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def collect(self) -> Iterator[Metric]:
        try:
            families = [
                _counts(Booking.status, STATUSES, "booking_bookings", "Bookings by status, all businesses"),
                _counts(Notification.status, NOTIFICATION_STATUSES, "booking_notifications",
                        "Outbox notifications by status, all businesses"),
                *_calendars(), *_scheduler(self.now)]
            up = 1
        except SQLAlchemyError:
            db.session.rollback()
            families, up = [], 0
        yield GaugeMetricFamily("booking_database_up", "1 when the database answered this scrape", value=up)
        yield from families


def render_metrics(now: datetime) -> bytes:
    """The text exposition of every metric, database gauges as of `now`."""
    registry = CollectorRegistry()
    directory = os.environ.get(MULTIPROCESS_ENV)
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(REQUEST_LATENCY)
    registry.register(DatabaseCollector(now))
    return generate_latest(registry)
