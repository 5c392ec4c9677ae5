"""Flask CLI commands: `flask --app wsgi demo`, `worker`, `backup`, `restore` (and `db upgrade` from Flask-Migrate)."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from booking.backups import BackupError, backup_database, default_backup_path, restore_database
from booking.clock import utcnow
from booking.database import writing
from booking.errors import SlotUnavailable
from booking.extensions import db
from booking.jobs import run_worker
from booking.models import Business, Service
from booking.operations.bookings import BookingRequest, create_booking
from booking.operations.customers import CustomerDetails
from booking.operations.services import create_service
from booking.operations.staff import create_staff, set_weekly_hours
from booking.operations.tenants import SignupRequest, sign_up
from booking.timezones import zone

DEMO_SLUG = "demo"
DEMO_OWNER = ("owner@demo.example.com", "demo-password-123")
WEEK = {"mon": [(540, 720), (780, 1020)], "tue": [(540, 720), (780, 1020)], "wed": [(540, 720), (780, 1020)],
        "thu": [(540, 720), (780, 1080)], "fri": [(540, 720), (780, 960)], "sat": [(540, 780)]}
CUSTOMERS = [("Jana Müller", "jana@example.com"), ("Luis García", "luis@example.com"),
             ("Amelia Brown", "amelia@example.com"), ("Kenji Sato", "kenji@example.com")]
# Entered at the desk without an email address: reminders go by text message.
WALK_IN = CustomerDetails(name="Petra Novak", email=None, phone="+49 170 555 0123", preferred_channel="sms")


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo)
    app.cli.add_command(worker)
    app.cli.add_command(backup)
    app.cli.add_command(restore)


def _fill_demo(now: datetime) -> Business:
    business, _owner, _key = sign_up(SignupRequest(
        business_name="Praxis Sonnenschein (demo)", slug=DEMO_SLUG, timezone="Europe/Berlin", locale="en",
        owner_name="Olivia Owner", owner_email=DEMO_OWNER[0], owner_password=DEMO_OWNER[1]), now)
    anna = create_staff(business, {"name": "Dr. Anna Weber"}, now)
    ben = create_staff(business, {"name": "Ben Schmidt", "timezone": "Europe/Berlin"}, now)
    for member in (anna, ben):
        set_weekly_hours(member, WEEK)
    create_service(business, {"name": "Consultation", "duration_minutes": 30, "buffer_after_minutes": 5,
                              "slot_interval_minutes": 15, "staff_ids": [anna.id, ben.id],
                              "description": "A first talk about what you need.", "price": "45.00"}, now)
    create_service(business, {"name": "Treatment", "duration_minutes": 60, "buffer_before_minutes": 5,
                              "buffer_after_minutes": 10, "staff_ids": [anna.id], "price": "90.00"}, now)
    create_service(business, {"name": "Back school (group)", "duration_minutes": 45, "capacity": 3,
                              "staff_ids": [ben.id]}, now)
    _demo_bookings(business, now)
    return business


def _demo_bookings(business: Business, now: datetime) -> None:
    services = list(db.session.scalars(select(Service).where(Service.business_id == business.id)))
    tz = zone(business.timezone)
    today = now.astimezone(tz).date()
    for n, (name, email) in enumerate(CUSTOMERS * 2):
        day = today + timedelta(days=1 + n)
        start = datetime.combine(day, time(9 + n % 4, 0), tz)
        _book_demo(business, BookingRequest(service_id=services[n % 2].id, staff_id=None, start=start,
                                            customer=CustomerDetails(name=name, email=email), source="staff"), now)
    weekday = next(day for day in (today + timedelta(days=n) for n in range(1, 8)) if day.weekday() < 5)
    walk_in_start = datetime.combine(weekday, time(15, 0), tz)
    _book_demo(business, BookingRequest(service_id=services[0].id, staff_id=None, start=walk_in_start,
                                        customer=WALK_IN, source="staff"), now)


def _book_demo(business: Business, request: BookingRequest, now: datetime) -> None:
    try:
        create_booking(business, request, now, "system")
    except SlotUnavailable:
        pass  # a closed day (Sunday): the demo simply has one booking fewer


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Fill a demo business and print its public URL and the owner's login."""
    with writing():
        business = db.session.scalar(select(Business).where(Business.slug == DEMO_SLUG))
        if business is None:
            business = _fill_demo(utcnow())
            db.session.commit()
            click.echo("Demo business created.")
        else:
            click.echo("Demo business already exists.")
    click.echo(f"Public booking page: /b/{business.slug}")
    click.echo(f"Owner login at /login: {DEMO_OWNER[0]} / {DEMO_OWNER[1]}")


@click.command("worker")
@with_appcontext
def worker() -> None:
    """Run the scheduler jobs (notifications, overrun detection, calendar sync,
    data retention) in the foreground until stopped."""
    click.echo("worker: running jobs; stop with Ctrl+C or SIGTERM")
    try:
        run_worker(current_app._get_current_object())
    except (KeyboardInterrupt, SystemExit):
        click.echo("worker: stopped")


@click.command("backup")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False),
              help="The backup file to write. Default: instance/backups/booking-<UTC time>.sqlite3 or .dump")
@with_appcontext
def backup(output: Path | None) -> None:
    """Back up the database while the app runs (SQLite: online backup API; PostgreSQL: pg_dump)."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        written = backup_database(url, output or default_backup_path(Path(current_app.instance_path), url, utcnow()))
    except BackupError as exc:
        raise click.ClickException(f"backup failed: {exc}") from exc
    click.echo(f"Backup written: {written}")


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm that everything in the database is replaced by the backup.")
@with_appcontext
def restore(path: Path, yes: bool) -> None:
    """Replace the database's contents with the backup at PATH (stop the app and workers first)."""
    if not yes:
        raise click.UsageError("restore replaces everything in the database with the backup; add --yes to do it.")
    try:
        restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except BackupError as exc:
        raise click.ClickException(f"restore failed: {exc}") from exc
    click.echo(f"Restored from {path}. Run `flask --app wsgi db upgrade` if the backup is from an older version.")
