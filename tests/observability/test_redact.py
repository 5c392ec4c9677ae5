"""The redaction rules on their own: what leaves a log line and what an operator still sees."""
from __future__ import annotations

import pytest

from booking.observability.redact import redact

TOKEN = "Zq3_hJ8-kL2mN9pQ4rS7tU1vW5xY0zA6bC8dE2fG4hI"  # the shape of a manage or feed token


@pytest.mark.parametrize("text, expected", [
    (f"GET /m/{TOKEN} 200", "GET /m/[token] 200"),
    (f"POST /m/{TOKEN}/cancel 302", "POST /m/[token]/cancel 302"),
    (f"GET /api/v1/manage/{TOKEN}/ics", "GET /api/v1/manage/[token]/ics"),
    (f"GET /feeds/{TOKEN}.ics 304", "GET /feeds/[token].ics 304"),
    ("GET /set-password/eyJ1c2VyIjo1fQ.Zx12.abc", "GET /set-password/[token]"),
    (f"https://book.example.com/m/{TOKEN}?keep=1", "https://book.example.com/m/[token]?keep=1"),
    ("to=Jana Müller <jana.mueller@example.com>", "to=Jana Müller <[email]>"),
    ("jürgen@bücher.de wrote", "[email] wrote"),
    ("/ical/jana%40gmail.com/basic.ics", "/ical/[email]/basic.ics"),
    ("call +49 170 555 0123 now", "call [phone] now"),
    ("call 0049 30 1234567", "call [phone]"),
    ("call 030 1234567 or 0170-5550123", "call [phone] or [phone]"),
    ("call (030) 123-4567", "call [phone]"),
    ("call 555-123-4567", "call [phone]"),
    ("Authorization: Bearer bk_abcdefghij0123456789", "Authorization: Bearer [redacted]"),
    ("{'Authorization': 'Basic dXNlcjpwYXNzd29yZA=='}", "{'Authorization': 'Basic [redacted]'}"),
    ("X-API-Key: abc123", "X-API-Key: [redacted]"),
    ("key bk_Zq3hJ8kL2mN9pQ4rS7tU1v leaked", "key bk_[redacted] leaked"),
    ("password=hunter2 owner_password: 'pw' SECRET_KEY=abc", "password=[redacted] owner_password: '[redacted]' "
                                                             "SECRET_KEY=[redacted]"),
    ("https://anna:pw@cal.example.com/a.ics", "https://[credentials]@cal.example.com/a.ics"),
    ("https://cal.example.com/a.ics?token=abc&x=1", "https://cal.example.com/a.ics?token=[redacted]&x=1"),
    (f"leaked {TOKEN} here", "leaked [token] here"),
    ("/ical/private-0123456789abcdef0123456789abcdef/basic.ics", "/ical/[token]/basic.ics"),
])
def test_redacts(text, expected):
    assert redact(text) == expected
    assert redact(expected) == expected  # idempotent: a second filter changes nothing


@pytest.mark.parametrize("text", [
    "at 2027-02-01T07:00:00+00:00, 2027-02-01 07:00 and 01.02.2027",
    "took 0.123456789 s; booking 12345678; 127.0.0.1 and 192.168.100.200; prometheus-client 0.26.0",
    "request 0f3c9a4e8b7d4c2a9e1f6b5a4c3d2e1f done",             # our request ids (uuid hex)
    "message_id=<0f3c9a4e8b7d4c2a9e1f6b5a4c3d2e1f@book.example.com>",  # our Message-IDs
    "test_operations_and_models_stay_out_of_the_request",           # a long name, not a token
    "dispatch: sent=3 retried=0 failed=1 expired=0",
    "calendar 7: sync failed (2 failures): The calendar's server answered HTTP 500.",
])
def test_keeps(text):
    assert redact(text) == text
