"""Owners and staff log in and see today's bookings of their own practice only."""
from __future__ import annotations


import pytest

from booking.web.auth import safe_next
from tests.support.factories import booking_body, setup_practice
from tests.support.workspace import log_in







def test_owner_logs_in_and_sees_todays_bookings(client, api):
    practice = setup_practice(api)
    api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
             booking_body(practice, "2027-02-01T14:00:00+01:00", customer={"name": "Zoë <b>Ünal</b>",
                                                                        "email": "zoe@example.test"}),
             expect=201, key="")
    response = log_in(client, f"owner@{practice.slug}.test")
    assert response.status_code == 302 and response.headers["Location"] == "/app/"
    page = client.get("/app/").get_data(as_text=True)
    assert "2:00\u202fPM" in page and "Zoë &lt;b&gt;Ünal&lt;/b&gt;" in page  # English times: 12-hour clock
    assert '<html lang="en">' in page


def test_a_wrong_password_is_refused_and_the_workspace_stays_closed(client, api):
    practice = setup_practice(api)
    response = log_in(client, f"owner@{practice.slug}.test", "wrong password!")
    assert response.status_code == 200 and "not right" in response.get_data(as_text=True)
    assert client.get("/app/").status_code == 302


def test_next_is_followed_only_within_the_site(client, api):
    practice = setup_practice(api)
    response = log_in(client, f"owner@{practice.slug}.test", next_url="/app/?date=2027-02-02")
    assert response.headers["Location"] == "/app/?date=2027-02-02"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil"])
def test_safe_next_refuses_other_sites(app, target):
    with app.test_request_context():
        assert safe_next(target) == "/app/"


def test_the_today_page_shows_no_other_practice(client, api):
    mine = setup_practice(api)
    other = setup_practice(api)
    api.json("POST", f"/api/v1/public/{other.slug}/bookings",
             booking_body(other, "2027-02-01T15:00:00+01:00", customer={"name": "Secret Person",
                                                                      "email": "secret@example.test"}),
             expect=201, key="")
    log_in(client, f"owner@{mine.slug}.test")
    assert "Secret Person" not in client.get("/app/").get_data(as_text=True)
