"""The report's charts as inline SVG drawn on the server (no script, no CDN: works offline),
and the locale-aware number texts they and the report page show.

Each chart is one ``<svg role="img">`` named by its ``<title>`` and described by its
``<desc>``; the page puts a table with the same numbers beside it for screen readers and
for anyone who wants the exact values. Colours keep text contrast at 4.5:1 or more.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import cycle

from babel import Locale
from babel.dates import format_skeleton, get_day_names
from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from booking.reports.figures import HeatMap, Rate, WeekCount
from booking.web.display import date_text

INK, GRID, BAR = "#1a1a1a", "#c9c9c9", "#0b5cad"
# Heat-map steps: none, then light to dark blue; the count printed in a cell is dark on the
# light steps and white on the dark ones (contrast 7:1 or more, 5.1:1 on step 3).
HEAT_FILLS = ("#f4f4f4", "#c6dbef", "#6baed6", "#2171b5", "#08306b")
HEAT_INKS = (INK, INK, INK, "#ffffff", "#ffffff")
FONT = 'font-family="system-ui, sans-serif"'


def _locale() -> Locale:
    return get_locale() or Locale.parse("en")


def number_text(value: int) -> str:
    """An integer with the page language's digit grouping."""
    return format_decimal(value, locale=_locale())


def percent_text(rate: Rate) -> str:
    """A rate as a percentage with at most one decimal ("12.5%", "12,5 %"); "–" when undefined."""
    if rate.value is None:
        return "–"
    rounded = rate.value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return format_percent(rounded, locale=_locale(), decimal_quantization=False)


def hours_text(minutes: int) -> str:
    """Minutes as hours with at most one decimal: "37.5 h"."""
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return _("%(hours)s h", hours=format_decimal(hours, "#,##0.#", locale=_locale()))


def weekday_names() -> list[tuple[str, str]]:
    """(abbreviation, full name) Monday to Sunday in the page's language."""
    short, wide = get_day_names("abbreviated", locale=_locale()), get_day_names("wide", locale=_locale())
    return [(short[day], wide[day]) for day in range(7)]


def hour_label(hour: int) -> str:
    return format_decimal(hour, "00", locale=_locale())


def week_label(first_day: date) -> str:
    return format_skeleton("MMMd", first_day, locale=_locale())


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" {FONT} '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
            f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def _text(x: float, y: float, content: str, anchor: str = "middle", fill: str = INK, size: int = 12) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" font-size="{size}">'
            f'{escape(content)}</text>')


def nice_top(highest: int) -> tuple[int, int]:
    """The axis top and tick step: steps of 1, 2, 5, 10, 20, 50 ..., at most 4 of them."""
    step, multipliers = 1, cycle((2, 2.5, 2))
    while highest > 4 * step:
        step = int(step * next(multipliers))
    return max(step, -(-highest // step) * step), step


def week_bars(weeks: Sequence[WeekCount]) -> Markup:
    """Bars of active bookings per week, the count above each bar when there is room."""
    # About 60 units a week, between 320 and 640: a few weeks stay legible on a phone.
    width, height, left, top, bottom = min(640, max(320, 52 + 60 * len(weeks))), 240, 44, 20, 44
    plot_w, plot_h = width - left - 8, height - top - bottom
    axis_top, step = nice_top(max((w.active for w in weeks), default=0))
    slot = plot_w / max(len(weeks), 1)
    label_every = -(-len(weeks) // 8)
    body = []
    for tick in range(0, axis_top + 1, step):
        y = top + plot_h - plot_h * tick / axis_top
        body.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, y + 4, number_text(tick), anchor="end"))
    for index, week in enumerate(weeks):
        bar_h = plot_h * week.active / axis_top
        x = left + index * slot + slot * 0.15
        body.append(f'<rect x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" width="{slot * 0.7:.1f}" '
                    f'height="{bar_h:.1f}" fill="{BAR}"/>')
        if len(weeks) <= 16:
            body.append(_text(x + slot * 0.35, top + plot_h - bar_h - 4, number_text(week.active)))
        if index % label_every == 0:
            body.append(_text(x + slot * 0.35, height - bottom + 18, week_label(week.first_day)))
    first, last = weeks[0].first_day, weeks[-1].last_day
    desc = _("Bar chart: bookings (without cancelled ones) per week from %(first)s to %(last)s; "
             "the most in one week: %(most)s. The table below lists every week.",
             first=date_text(first, fmt="medium"), last=date_text(last, fmt="medium"),
             most=number_text(max(w.active for w in weeks)))
    return _svg("weeks-chart", width, height, _("Bookings per week"), desc, body)


def heat_map(heat: HeatMap, zone_name: str) -> Markup:
    """Weekday rows by hour columns, each cell coloured by its count and showing it."""
    label_w, head_h, cell = 44, 24, 28
    hours = list(heat.hours)
    width, height = label_w + cell * len(hours) + 2, head_h + cell * 7 + 2
    body = [_text(label_w + cell * (i + 0.5), head_h - 8, hour_label(hour)) for i, hour in enumerate(hours)]
    for weekday, (short, _wide) in enumerate(weekday_names()):
        y = head_h + cell * weekday
        body.append(_text(label_w - 6, y + cell * 0.5 + 4, short, anchor="end"))
        for i, hour in enumerate(hours):
            count = heat.count(weekday, hour)
            level = heat.level(count)
            x = label_w + cell * i
            body.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" rx="3" '
                        f'fill="{HEAT_FILLS[level]}" data-cell="{weekday}-{hour}" data-count="{count}"/>')
            if count:
                body.append(_text(x + cell / 2, y + cell / 2 + 4, number_text(count), fill=HEAT_INKS[level]))
    desc = _("Heat map: bookings (without cancelled ones) by weekday and starting hour in %(zone)s; "
             "darker cells have more bookings, and each cell shows its number. "
             "The busiest hour has %(most)s. The table below lists every cell.",
             zone=zone_name, most=number_text(heat.max_count))
    return _svg("heat-map", width, height, _("Busiest hours of the week"), desc, body)


def legend_swatch(level: int) -> Markup:
    """A small square in a heat-map colour, for the HTML legend under the map."""
    return Markup(f'<svg class="swatch" width="16" height="16" aria-hidden="true" focusable="false">'
                  f'<rect width="16" height="16" rx="3" fill="{HEAT_FILLS[level]}" stroke="{GRID}"/></svg>')
