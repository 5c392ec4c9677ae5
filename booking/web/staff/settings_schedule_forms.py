"""Forms of the owner's schedule settings: rows of wall-clock time ranges (weekly hours and
date overrides), a date override and a stretch of time off.

Time ranges are checked with the rules of PUT /api/v1/staff/<id>/hours (booking.web.api.schema
`parse_clock`/`parse_ranges`, booking.operations.staff `overlapping_ranges`), so the editor
accepts exactly what the API accepts; only the messages are the page's own, next to the row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import Length, ValidationError

from booking.operations.staff import WEEKDAYS, Ranges, overlapping_ranges
from booking.web.api.schema import MAX_YEAR, MIN_YEAR, parse_clock, parse_ranges

# A posted group never has more rows than this: the rest of an absurd post is ignored.
MAX_ROWS = 24
SHORT_HOUR = re.compile(r"^\d:\d\d$")  # "9:00" means 09:00; the API itself wants two digits


def clean_text(value: object) -> object:
    """PostgreSQL text cannot hold NUL, and surrounding blanks are never meant."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def clock_text(minute: int) -> str:
    """Minutes since midnight as the editor's own notation ("09:00", "24:00"), the one people type."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def ranges_text(ranges: Ranges) -> str:
    return ", ".join(_("%(start)s–%(end)s", start=clock_text(s), end=clock_text(e)) for s, e in ranges)


@dataclass
class RangeRow:
    """One editable "from - until" row as typed, with its problem (if any) and which input is wrong."""

    start: str = ""
    end: str = ""
    error: str | None = None
    bad_start: bool = False
    bad_end: bool = False

    @property
    def empty(self) -> bool:
        return not self.start and not self.end

    def fail(self, message: str, start: bool, end: bool) -> None:
        self.error, self.bad_start, self.bad_end = message, start, end


RangeGroups = dict[str, list[RangeRow]]


def rows_from_ranges(ranges: Ranges, spare: int = 1) -> list[RangeRow]:
    """Stored ranges as rows, plus `spare` empty rows to type a new range into."""
    rows = [RangeRow(clock_text(start), clock_text(end)) for start, end in ranges]
    return rows + [RangeRow() for _ in range(spare)]


def rows_from_post(form: MultiDict, group: str) -> list[RangeRow]:
    """The rows of `group` as posted: fields `<group>-<n>-start` / `-end`, `<group>-rows` of them."""
    raw_count = form.get(f"{group}-rows", "")
    count = min(int(raw_count), MAX_ROWS) if raw_count.isascii() and raw_count.isdigit() else 0
    return [RangeRow(str(clean_text(form.get(f"{group}-{n}-start", ""))),
                     str(clean_text(form.get(f"{group}-{n}-end", ""))))
            for n in range(count)]


def apply_row_button(groups: RangeGroups, form: MultiDict) -> bool:
    """Carries out an "add a range" or "remove" button (they work without JavaScript by posting
    the form and showing it again). True when one was pressed: then nothing is saved."""
    added = form.get("add_row")
    if added in groups:
        if len(groups[added]) < MAX_ROWS:
            groups[added].append(RangeRow())
        return True
    removed = form.get("remove_row", "")
    group, _sep, position = removed.rpartition("-")
    if group in groups and position.isascii() and position.isdigit():
        rows = groups[group]
        if int(position) < len(rows):
            del rows[int(position)]
        if not rows:
            rows.append(RangeRow())
        return True
    return False


def _normalized(text: str) -> str:
    return "0" + text if SHORT_HOUR.match(text) else text


def _is_clock(text: str) -> bool:
    try:
        parse_clock(text)
    except ValueError:
        return False
    return True


def _read_row(row: RangeRow) -> tuple[int, int] | None:
    """The row's range, or None with the row's problem recorded."""
    if not row.start or not row.end:
        row.fail(_("Enter both a start and an end time, or leave both empty."), not row.start, not row.end)
        return None
    start, end = _normalized(row.start), _normalized(row.end)
    try:
        return parse_ranges([[start, end]])[0]
    except ValueError:
        bad_start, bad_end = not _is_clock(start), not _is_clock(end)
        if bad_start or bad_end:
            row.fail(_("Enter times like 09:00 or 17:30 (24:00 is midnight at the end of the day)."),
                     bad_start, bad_end)
        else:
            row.fail(_("The end must be after the start."), False, True)
        return None


def check_rows(rows: list[RangeRow]) -> Ranges | None:
    """The ranges the filled-in rows describe, or None when a row has a problem (recorded on it).
    Empty rows are skipped: clearing a row removes its range."""
    read = [(row, _read_row(row)) for row in rows if not row.empty]
    if any(found is None for _row, found in read):
        return None
    ranges = [found for _row, found in read if found is not None]
    for position in overlapping_ranges(ranges):
        read[position][0].fail(_("This range overlaps another range on the same day."), True, True)
    return None if any(row.error for row, _found in read) else ranges


def weekly_rows(hours: dict[str, Ranges]) -> RangeGroups:
    return {day: rows_from_ranges(hours.get(day, [])) for day in WEEKDAYS}


def weekly_rows_from_post(form: MultiDict) -> RangeGroups:
    return {day: rows_from_post(form, day) or [RangeRow()] for day in WEEKDAYS}


def check_weekly_rows(groups: RangeGroups) -> dict[str, Ranges] | None:
    """Every weekday's ranges, or None when any row has a problem (all rows are checked)."""
    checked = {day: check_rows(groups[day]) for day in WEEKDAYS}
    if any(ranges is None for ranges in checked.values()):
        return None
    return {day: ranges for day, ranges in checked.items() if ranges}


def _parse_local_day(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR and len(text) == 10 else None


def parse_local_datetime(text: object) -> datetime | None:
    """A wall-clock date and time without offset, as a date-time input sends it
    ("2027-03-28T02:30", seconds allowed); None when it is not one."""
    if not isinstance(text, str) or not 16 <= len(text) <= 19 or "T" not in text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None or not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    return moment


class OverrideForm(FlaskForm):
    """Hours for one date instead of the weekly hours; the ranges are rows of the group "override"."""

    day = StringField(_l("Date"), filters=[clean_text])
    closed = RadioField(_l("That day"), default="hours", validate_choice=False,
                        choices=[SelectChoice("hours", _l("Working these hours")),
                                 SelectChoice("closed", _l("Closed all day"))])

    def validate_day(self, field: StringField) -> None:
        field.parsed = _parse_local_day(field.data or "")  # the typed text stays in `data` for the page
        if field.parsed is None:
            raise ValidationError(_l("Enter a date such as 2027-03-28."))

    def validate_closed(self, field: RadioField) -> None:
        if field.data not in ("hours", "closed"):
            raise ValidationError(_l("Choose closed or working hours."))

    def checked_ranges(self, rows: list[RangeRow], today: date) -> Ranges | None:
        """The date's ranges ([] closes it), or None with the problems put on the fields and rows.
        Dates before `today` (the staff member's) are refused: they could not change anything."""
        valid = self.validate()
        if valid and self.day.parsed < today:
            self.day.errors = [_("Choose today or a later date.")]
            valid = False
        if self.closed.data == "closed":
            return [] if valid else None
        ranges = check_rows(rows)
        if ranges == []:
            self.closed.errors = [_("Enter at least one time range, or choose closed all day.")]
            return None
        return ranges if valid else None


class TimeOffForm(FlaskForm):
    """A stretch of time off, entered as wall-clock times of the staff member's zone."""

    start_local = StringField(_l("From"), filters=[clean_text])
    end_local = StringField(_l("Until"), filters=[clean_text])
    reason = StringField(_l("Reason (optional)"), filters=[clean_text],
                         validators=[Length(max=200, message=_l("Please use at most %(max)d characters."))])

    def validate_start_local(self, field: StringField) -> None:
        field.moment = parse_local_datetime(field.data)
        if field.moment is None:
            raise ValidationError(_l("Enter a date and time such as 2027-03-28 09:00."))

    def validate_end_local(self, field: StringField) -> None:
        field.moment = parse_local_datetime(field.data)
        if field.moment is None:
            raise ValidationError(_l("Enter a date and time such as 2027-03-28 17:00."))
