"""Logging into the workspace the way a browser does (real CSRF tokens) and making staff users."""
from __future__ import annotations

import re

from sqlalchemy import select

from booking.credentials import hash_password
from booking.models import Business, User
from tests.support.db_access import database
from tests.support.factories import Practice, unique

PASSWORD = "correct horse battery"  # the owner's password in tests.support.factories.sign_up


def form_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html).group(0)
    return re.search(r'value="([^"]+)"', field).group(1)


def log_in(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    page = client.get("/login")
    assert page.status_code == 200
    path = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(path, data={"email": email, "password": password,
                                   "csrf_token": form_token(page.get_data(as_text=True))})


def add_staff_user(app, practice: Practice, created_at) -> str:
    """A user with role staff in the practice; returns the email (password PASSWORD)."""
    email = f"{unique('staff')}@example.test"
    with database(app) as session:
        business = session.scalar(select(Business).where(Business.slug == practice.slug))
        session.add(User(business_id=business.id, email=email, name="Sam Staff", role="staff", active=True,
                         password_hash=hash_password(PASSWORD), created_at=created_at))
        session.commit()
    return email


def log_in_new_staff(client, app, practice: Practice, created_at) -> str:
    """Makes a staff user of the practice (add_staff_user) and logs `client` in as them; returns the email."""
    email = add_staff_user(app, practice, created_at)
    assert log_in(client, email).status_code == 302
    return email
