"""Four independent readers of our .ics output, each reduced to the same shape:
{"method": str, "events": {uid: {"start", "end", "sequence", "summary"}}}, times as UTC
`YYYYMMDDTHHMMSSZ`. libical and ical.js run as subprocesses (system python3 with python3-gi,
and node with the repository's node_modules); a missing reader fails loudly, never skips:
.ci/provision installs them.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from icalendar import Calendar

HERE = Path(__file__).resolve().parent
SYSTEM_PYTHON = "/usr/bin/python3"
MISSING = 3  # exit status of a helper whose library is not installed


class ReaderMissing(AssertionError):
    """A reader is not installed: run `bash .ci/provision`."""


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise AssertionError(f"floating time {moment!r} where UTC was written")
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _run(command: list[str], body: bytes) -> dict:
    if shutil.which(command[0]) is None:
        raise ReaderMissing(f"{command[0]} is not installed; run `bash .ci/provision`")
    result = subprocess.run(command, input=body, capture_output=True, timeout=60, cwd=HERE, check=False)
    if result.returncode == MISSING:
        raise ReaderMissing(result.stderr.decode() + " -- run `bash .ci/provision`")
    assert result.returncode == 0, f"{command} failed: {result.stderr.decode()}"
    return json.loads(result.stdout)


def read_with_libical(body: bytes) -> dict:
    """libical 3 (Evolution's engine) through GObject introspection; adds the RFC 5546 check."""
    return _run([SYSTEM_PYTHON, str(HERE / "libical_read.py")], body)


def read_with_icaljs(body: bytes) -> dict:
    """ical.js (Thunderbird, Nextcloud)."""
    if not (HERE.parents[2] / "node_modules" / "ical.js").is_dir():
        raise ReaderMissing("node_modules/ical.js is missing; run `npm ci` (or `bash .ci/provision`)")
    result = _run(["node", str(HERE / "icaljs_read.mjs")], body)
    for uid, event in result["events"].items():
        assert not event.pop("floating"), f"ical.js read {uid} as a floating time"
    return result


def read_with_vobject(body: bytes) -> dict:
    """vobject (the parser under Radicale)."""
    try:
        import vobject
    except ImportError as exc:  # pragma: no cover - the provisioning installs it
        raise ReaderMissing(f"vobject is not installed: {exc}; pip install -r requirements-dev.txt") from exc
    calendar = vobject.readOne(body.decode("utf-8"))
    events = {}
    for event in calendar.contents.get("vevent", []):
        events[event.uid.value] = {"start": _utc_text(event.dtstart.value), "end": _utc_text(event.dtend.value),
                                   "sequence": int(event.sequence.value), "summary": event.summary.value}
    return {"method": calendar.method.value, "events": events}


def read_with_icalendar(body: bytes) -> dict:
    """icalendar (what we write with, and what most Python importers use)."""
    calendar = Calendar.from_ical(body)
    assert not calendar.errors, calendar.errors
    events = {}
    for event in calendar.walk("VEVENT"):
        assert not event.errors, event.errors
        events[str(event["UID"])] = {"start": _utc_text(event.start), "end": _utc_text(event.end),
                                     "sequence": int(event["SEQUENCE"]), "summary": str(event["SUMMARY"])}
    return {"method": str(calendar["METHOD"]), "events": events}


READERS = {"icalendar": read_with_icalendar, "libical": read_with_libical, "ical.js": read_with_icaljs,
           "vobject": read_with_vobject}
