"""The bookings of a period as CSV: one row per booking, safe to open in a spreadsheet.

Format choices:

* RFC 4180: comma separated, CRLF line ends, fields with commas, quotes or line breaks
  quoted (Python's csv module does it), a header row of stable column names. The names do
  not follow the page's language, so a script or a pivot table keeps working when the
  owner switches it; values are machine-readable (ISO dates, 24-hour times, ``45.00``).
* UTF-8 *with* a byte order mark: Excel opens a CSV without one in the Windows code page
  and garbles every umlaut; with it, Excel, LibreOffice and Numbers read UTF-8, and
  Python reads it with ``encoding="utf-8-sig"``.
* CSV injection (OWASP): a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return would run as a formula in a spreadsheet (``=HYPERLINK(...)`` in a
  customer name). Such a cell gets a leading single quote, so it shows as text. Every
  cell passes the guard; our own values (ids, dates, prices) never start that way.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from booking.reports.figures import ReportBooking
from booking.reports.periods import Period

COLUMNS = ("id", "date_local", "start_local", "end_local", "start_utc", "status", "no_show_excused",
           "source", "service", "staff", "customer_name", "customer_email", "price")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value: str) -> str:
    """``value``, with a leading single quote when a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def booking_cells(booking: ReportBooking, tz: ZoneInfo) -> list[str]:
    """One row in COLUMNS order: local date and times in ``tz``, the start also in UTC."""
    start, end = booking.start_utc.astimezone(tz), booking.end_utc.astimezone(tz)
    start_utc = booking.start_utc.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    cells = [str(booking.id), start.date().isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M"),
             start_utc, booking.status, "true" if booking.no_show_excused else "false", booking.source,
             booking.service_name, booking.staff_name, booking.customer_name, booking.customer_email or "",
             "" if booking.price is None else f"{booking.price:.2f}"]
    return [safe_cell(cell) for cell in cells]


def bookings_csv(bookings: Iterable[ReportBooking], tz: ZoneInfo) -> bytes:
    """The whole file: BOM, header row, one row per booking in the given order, UTF-8."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(booking_cells(booking, tz) for booking in bookings)
    return (BOM + text.getvalue()).encode("utf-8")


def csv_filename(period: Period) -> str:
    """``bookings-2027-03-15-to-2027-03-28.csv``: the period in the name, plain ASCII."""
    return f"bookings-{period.first_day.isoformat()}-to-{period.last_day.isoformat()}.csv"
