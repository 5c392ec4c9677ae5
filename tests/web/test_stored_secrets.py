"""API keys, manage tokens and feed tokens: the database keeps only their SHA-256 digests
(booking/credentials.py), lookups go by digest, and no secret is compared with == in Python."""
from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import inspect, text

from booking.credentials import digest
from booking.extensions import db
from tests.support.factories import booking_body

PACKAGE = Path(__file__).resolve().parents[2] / "booking"
SECRET_NAMES = re.compile(r"token|secret|password|digest|_hash|signature|fingerprint|nonce", re.I)
# Digests of calendar *content* (is it unchanged since the last sync?) guard no secret.
NOT_SECRET = re.compile(r"content_hash")


def issue_secrets(api, practice) -> dict[str, str]:
    """One raw secret of each kind, as the API hands them out once."""
    second_key = api.json("POST", "/api/v1/api-keys", {}, expect=201)
    booked = api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                      booking_body(practice, "2027-02-10T09:00:00+01:00"), expect=201, key="")
    business_feed = api.json("GET", "/api/v1/business/feed")["url"]
    staff_feed = api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}/feed")["url"]
    return {"api_key": practice.key, "second_api_key": second_key["api_key"], "manage": booked["manage_token"],
            "business_feed": feed_token(business_feed), "staff_feed": feed_token(staff_feed)}


def feed_token(url: str) -> str:
    return re.fullmatch(r"/feeds/([^/]+)\.ics", urlsplit(url).path).group(1)


def database_dump(app) -> str:
    """Every row of every table, as PostgreSQL writes a row as text."""
    with app.app_context():
        tables = inspect(db.engine).get_table_names()
        rows = [row for table in tables for row in db.session.scalars(text(f'SELECT CAST(t AS text) FROM "{table}" t'))]
        db.session.remove()
    return "\n".join(rows)


def test_the_database_holds_digests_and_no_raw_secret(app, api, practice):
    secrets = issue_secrets(api, practice)
    dump = database_dump(app)
    for kind, secret in secrets.items():
        assert len(secret) >= 40, kind
        assert secret not in dump, f"the raw {kind} is stored"
        assert digest(secret) in dump, f"no digest of the {kind}"


def test_a_stored_digest_is_no_credential(app, api, client, practice):
    secrets = issue_secrets(api, practice)
    stolen = {kind: digest(secret) for kind, secret in secrets.items()}
    assert api.call("GET", "/api/v1/business", key=stolen["api_key"]).status_code == 401
    assert api.call("GET", "/api/v1/business", key=secrets["api_key"]).status_code == 200
    for path in ("/m/{}", "/api/v1/manage/{}"):
        assert client.get(path.format(stolen["manage"])).status_code == 404
        assert client.get(path.format(secrets["manage"])).status_code == 200
    for kind in ("business_feed", "staff_feed"):
        assert client.get(f"/feeds/{stolen[kind]}.ics").status_code == 404
        assert client.get(f"/feeds/{secrets[kind]}.ics").status_code == 200


def test_secrets_are_never_compared_with_equals_in_python():
    """Lookups compare digests inside SQL (`Model.column == digest(secret)`): what a timing difference
    could reveal is a digest's prefix, which says nothing about the secret. Anything else that holds a
    secret is compared with hmac.compare_digest (booking.credentials) or by itsdangerous, which does."""
    in_sql, in_python = [], []
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Compare) or not any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
                continue
            code = ast.get_source_segment(source, node)
            if not SECRET_NAMES.search(code) or NOT_SECRET.search(code):
                continue
            left = node.left
            sql = isinstance(left, ast.Attribute) and isinstance(left.value, ast.Name) and left.value.id[:1].isupper()
            (in_sql if sql else in_python).append(f"{path.name}:{node.lineno}: {code}")
    assert not in_python
    assert len(in_sql) >= 3, in_sql  # the API key, manage token and feed token lookups
