"""Owner-only reports for a chosen period, and the period's bookings as CSV.

The period comes from ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (local dates in the business's
zone, both included); without them it is the last four whole weeks (see
`booking.reports.periods.last_full_weeks`). A period the report cannot cover is shown as
an error next to the date fields (422), never a 500.
"""
from __future__ import annotations

from datetime import date

from flask import Response, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import DateField, Form

from booking.clock import utcnow
from booking.operations.reports import build_report, report_bookings
from booking.reports.export import bookings_csv, csv_filename
from booking.reports.periods import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_DAYS,
    Period,
    last_full_weeks,
    period_problem,
    presets,
)
from booking.timezones import zone
from booking.web.display import field_attrs
from booking.web.staff import report_charts
from booking.web.staff.blueprint import bp, require_owner


class LocalDateField(DateField):
    """A date typed as YYYY-MM-DD (what a date input sends), with our own message."""

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = valuelist[0].strip() if valuelist else ""
        self.raw_data = [raw]
        try:
            self.data = date.fromisoformat(raw) if len(raw) == 10 else None
        except ValueError:
            self.data = None
        if self.data is None:
            raise ValueError(_l("Please enter a date like 2027-03-01."))


class PeriodForm(Form):
    """The period of a report. A GET form that only reads, so it carries no CSRF token."""

    first_day = LocalDateField(_l("From"), name="from")
    last_day = LocalDateField(_l("To (included)"), name="to")

    def validate(self, extra_validators: object = None) -> bool:
        if not super().validate(extra_validators):
            return False
        problem = period_problem(self.first_day.data, self.last_day.data)
        messages = {"year": _l("Please choose dates between the years 1971 and 2999."),
                    "order": _l("The end date must be on or after the start date."),
                    "length": _l("A report covers at most %(days)s days. Please choose a shorter period.",
                                 days=MAX_DAYS)}
        if problem == "year" and not FIRST_YEAR <= self.first_day.data.year <= LAST_YEAR:
            self.first_day.errors.append(messages[problem])
        elif problem:
            self.last_day.errors.append(messages[problem])
        return problem is None

    @property
    def period(self) -> Period:
        return Period(self.first_day.data, self.last_day.data)


def _today() -> date:
    return utcnow().astimezone(zone(g.business.timezone)).date()


def _asked_period() -> tuple[PeriodForm, Period | None]:
    """The form as the owner filled it, and its period (None when it has errors)."""
    if "from" not in request.args and "to" not in request.args:
        default = last_full_weeks(_today())
        form = PeriodForm(MultiDict({"from": default.first_day.isoformat(), "to": default.last_day.isoformat()}))
        form.validate()
        return form, default
    form = PeriodForm(MultiDict({"from": request.args.get("from", ""), "to": request.args.get("to", "")}))
    return form, form.period if form.validate() else None


def _period_args(period: Period) -> dict[str, str]:
    return {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()}


def _preset_links(current: Period | None) -> list[dict[str, object]]:
    labels = {"this_week": _("This week"), "last_week": _("Last week"), "last_4_weeks": _("Last 4 weeks"),
              "this_month": _("This month"), "last_month": _("Last month")}
    return [{"key": key, "label": labels[key], "url": url_for(".reports", **_period_args(period)),
             "current": period == current} for key, period in presets(_today()).items()]


def _page(form: PeriodForm, period: Period | None, status: int = 200):
    figures = charts = None
    if period is not None:
        figures, _rows = build_report(g.business, period)
        charts = {"weeks": report_charts.week_bars(figures.weeks),
                  "heat": report_charts.heat_map(figures.heat_map, g.business.timezone.replace("_", " "))}
    return render_template(
        "staff/reports.html", form=form, period=period, figures=figures, charts=charts,
        presets=_preset_links(period), field_attrs=field_attrs, max_days=MAX_DAYS,
        csv_url=url_for(".reports_csv", **_period_args(period)) if period else None,
        number_text=report_charts.number_text, percent_text=report_charts.percent_text,
        hours_text=report_charts.hours_text, weekday_names=report_charts.weekday_names(),
        hour_label=report_charts.hour_label, legend_swatch=report_charts.legend_swatch,
        now=utcnow()), status


@bp.get("/reports")
def reports():
    require_owner()
    form, period = _asked_period()
    return _page(form, period, 200 if period else 422)


@bp.get("/reports/bookings.csv")
def reports_csv():
    """The period's bookings, one row each (format: `booking.reports.export`)."""
    require_owner()
    form, period = _asked_period()
    if period is None:
        return _page(form, None, 422)
    body = bookings_csv(report_bookings(g.business, period), zone(g.business.timezone))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{csv_filename(period)}"'
    response.headers["Cache-Control"] = "no-store"  # customers' personal data: keep it out of caches
    return response
