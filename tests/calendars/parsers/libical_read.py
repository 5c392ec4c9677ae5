"""Read an iCalendar stream with libical (GObject introspection) and print what it saw as JSON.

Runs under the system python3 (python3-gi, gir1.2-ical-3.0), not the project's venv:
    /usr/bin/python3 libical_read.py < feed.ics
Output: {"parse_errors": [...], "restriction_ok": bool, "restriction_errors": [...],
         "method": "PUBLISH", "events": {uid: {"start", "end", "sequence", "summary"}}}
with start/end as UTC `YYYYMMDDTHHMMSSZ`. Missing bindings exit with status 3.
"""
import json
import sys

try:
    import gi

    gi.require_version("ICalGLib", "3.0")
    from gi.repository import ICalGLib
except (ImportError, ValueError) as exc:
    print(f"libical via GObject introspection is not installed: {exc}", file=sys.stderr)
    sys.exit(3)

UTC = ICalGLib.Timezone.get_utc_timezone()


def components(root, kind):
    child = root.get_first_component(kind)
    while child is not None:
        yield child
        child = root.get_next_component(kind)


def lic_errors(component):
    """The X-LIC-ERROR properties libical attached to `component` and its children."""
    found = []
    prop = component.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        found.append(prop.as_ical_string().strip())
        prop = component.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    for child in components(component, ICalGLib.ComponentKind.ANY_COMPONENT):
        found.extend(lic_errors(child))
    return found


def utc_text(moment):
    return moment.convert_to_zone(UTC).as_ical_string()


def main() -> None:
    text = sys.stdin.buffer.read().decode("utf-8")
    calendar = ICalGLib.Component.new_from_string(text)
    if calendar is None:
        print(json.dumps({"parse_errors": ["libical could not parse the stream"]}))
        return
    parse_errors = lic_errors(calendar)
    restriction_ok = bool(ICalGLib.restriction_check(calendar))
    restriction_errors = [e for e in lic_errors(calendar) if e not in parse_errors]
    events = {}
    for event in components(calendar, ICalGLib.ComponentKind.VEVENT_COMPONENT):
        events[event.get_uid()] = {"start": utc_text(event.get_dtstart()), "end": utc_text(event.get_dtend()),
                                   "sequence": event.get_sequence(), "summary": event.get_summary()}
    method = calendar.get_first_property(ICalGLib.PropertyKind.METHOD_PROPERTY)
    print(json.dumps({"parse_errors": parse_errors, "restriction_ok": restriction_ok,
                      "restriction_errors": restriction_errors,
                      "method": method.get_value_as_string() if method else None, "events": events}))


if __name__ == "__main__":
    main()
