"""Logins of a business: an invitation mailed to a real SMTP server with a set-password link that
works once and expires, "send again" after a mail outage, roles and switching accounts off with
the last active owner protected, and the sessions of switched-off accounts ended."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.clock import pinned
from booking.credentials import hash_password
from booking.models import Business, User
from tests.conftest import FROZEN_NOW
from tests.support.db_access import database
from tests.support.factories import setup_practice, unique
from tests.support.smtp import app_mailing_to_smtp
from tests.support.workspace import PASSWORD, add_staff_user, form_token, log_in, log_in_new_staff

USERS = "/app/settings/users"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def smtp(app):
    with app_mailing_to_smtp(app, BASE_URL="https://book.example.test") as inbox:
        yield inbox


def token_of(client) -> str:
    return form_token(client.get(USERS).get_data(as_text=True))


def invite(owner, email: str, name="Lea Neu", role="staff", staff_id="", **extra):
    """Invite `email` from the users page (tests share one database: pass a fresh address)."""
    data = {"csrf_token": token_of(owner), "name": name, "email": email, "role": role, "staff_id": staff_id}
    data.update(extra)
    return owner.post(f"{USERS}/invite", data=data)


def account(app, email: str) -> User:
    with database(app) as session:
        user = session.scalar(select(User).where(User.email == email))
        session.expunge(user)
        return user


def link_in(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https://book\.example\.test(/set-password/\S+)", body).group(1)


def choose_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return client.post(path, data={"csrf_token": form_token(page.get_data(as_text=True)), "password": password,
                                   "confirm": password if confirm is None else confirm})


def test_an_invitation_arrives_and_its_link_sets_the_password_once(app, owner, practice, smtp):
    lea_email = f"{unique('lea')}@example.test"
    response = invite(owner, email=lea_email, staff_id=str(practice.staff_ids[0]))
    assert response.status_code == 303
    page = owner.get(USERS).get_data(as_text=True)
    assert f"Invitation sent to {lea_email}." in page and "Invited, no password chosen yet" in page
    [message] = smtp.to(lea_email)
    assert f"Practice {practice.slug}" in message["Subject"] and message["Message-ID"]
    assert "praxis@example.test" in message["From"]
    invited = account(app, lea_email)
    assert (invited.role, invited.staff_id, invited.active) == ("staff", practice.staff_ids[0], True)
    assert log_in(app.test_client(), lea_email, "anything at all").status_code == 200  # no password yet

    path = link_in(message)
    lea = app.test_client()
    page = lea.get(path)
    assert page.headers["Referrer-Policy"] == "no-referrer" and lea_email in page.get_data(as_text=True)
    response = choose_password(lea, path)
    assert response.status_code == 303 and response.headers["Location"] == "/app/"
    assert lea.get("/app/").status_code == 200  # logged in as Lea
    assert lea.get(USERS).status_code == 403  # as staff
    assert log_in(app.test_client(), lea_email, NEW_PASSWORD).status_code == 302

    again = app.test_client().get(path)
    assert again.status_code == 404 and "has been used already" in again.get_data(as_text=True)
    stranger = app.test_client()
    token = form_token(stranger.get("/login").get_data(as_text=True))
    resent = stranger.post(path, data={"csrf_token": token, "password": "x" * 12, "confirm": "x" * 12})
    assert resent.status_code == 404
    assert log_in(app.test_client(), lea_email, NEW_PASSWORD).status_code == 302
    assert "Invited, no password" not in owner.get(USERS).get_data(as_text=True)


def test_the_password_rules_are_the_sign_up_rules_and_mistakes_are_explained(app, owner, smtp):
    lea_email = f"{unique('lea')}@example.test"
    invite(owner, email=lea_email)
    path = link_in(smtp.to(lea_email)[0])
    lea = app.test_client()
    short = choose_password(lea, path, "too short")
    html = short.get_data(as_text=True)
    assert short.status_code == 422 and 'id="password-error"' in html and "at least 10 characters" in html
    assert 'aria-invalid="true"' in html
    different = choose_password(lea, path, NEW_PASSWORD, "another passphrase")
    assert different.status_code == 422 and "not the same" in different.get_data(as_text=True)
    assert lea.get("/app/").status_code == 302  # still not logged in
    assert choose_password(lea, path).status_code == 303  # the link still works after mistakes


def test_an_expired_or_forged_link_is_refused(app, owner, smtp):
    lea_email = f"{unique('lea')}@example.test"
    invite(owner, email=lea_email)
    path = link_in(smtp.to(lea_email)[0])
    with pinned(FROZEN_NOW + timedelta(days=7) - timedelta(seconds=1)):
        assert app.test_client().get(path).status_code == 200
    with pinned(FROZEN_NOW + timedelta(days=7)):
        expired = app.test_client().get(path)
        assert expired.status_code == 410 and "has expired" in expired.get_data(as_text=True)
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert app.test_client().get(forged).status_code == 404
    assert app.test_client().get("/set-password/not-a-token").status_code == 404


def test_a_mail_outage_is_reported_and_send_again_delivers(app, owner, smtp):
    smtp.down = True
    tom_email = f"{unique('tom')}@example.test"
    response = invite(owner, name="Tom Later", email=tom_email)
    assert response.status_code == 303
    page = owner.get(USERS).get_data(as_text=True)
    assert "could not be sent" in page and "Send again" in page
    assert smtp.to(tom_email) == []
    smtp.down = False
    tom = account(app, tom_email)
    resend = owner.post(f"{USERS}/{tom.id}/resend", data={"csrf_token": token_of(owner)})
    assert resend.status_code == 303
    assert f"Invitation sent to {tom_email}." in owner.get(USERS).get_data(as_text=True)
    [message] = smtp.to(tom_email)
    assert choose_password(app.test_client(), link_in(message)).status_code == 303


def test_bad_invitations_keep_what_was_typed_and_say_why(app, owner, practice, api):
    other = setup_practice(api)
    response = invite(owner, name="", email="not-an-email", role="boss", staff_id=str(other.staff_ids[0]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("name", "email", "role", "staff_id"):
        assert f'id="{field}-error"' in html, field
    assert 'value="not-an-email"' in html
    taken = invite(owner, name="Again", email=f"OWNER@{practice.slug}.test")
    assert taken.status_code == 422 and "exists already" in taken.get_data(as_text=True)
    assert 'value="Again"' in taken.get_data(as_text=True)


def set_role(client, user_id: int, role: str):
    return client.post(f"{USERS}/{user_id}/role", data={"csrf_token": token_of(client), "role": role})


def set_active(client, user_id: int, active: bool):
    return client.post(f"{USERS}/{user_id}/active", data={"csrf_token": token_of(client), "active": "1" if active else "0"})


def test_the_last_active_owner_can_neither_step_down_nor_switch_off(app, owner, practice):
    me = account(app, f"owner@{practice.slug}.test")
    response = set_role(owner, me.id, "staff")
    assert response.status_code == 303
    assert "You are the only active owner" in owner.get(USERS).get_data(as_text=True)
    set_active(owner, me.id, False)
    assert "You are the only active owner" in owner.get(USERS).get_data(as_text=True)
    me = account(app, me.email)
    assert (me.role, me.active) == ("owner", True)
    # A switched-off owner does not count: making them the other owner changes nothing.
    second = add_owner(app, practice, active=False)
    assert set_role(owner, me.id, "staff").status_code == 303 and account(app, me.email).role == "owner"
    assert set_active(owner, second.id, True).status_code == 303
    assert set_role(owner, me.id, "staff").headers["Location"] == "/app/"  # stepped down: back to the workspace
    assert account(app, me.email).role == "staff" and owner.get(USERS).status_code == 403


def add_owner(app, practice, active: bool = True) -> User:
    email = f"second-owner@{practice.slug}.test"
    with database(app) as session:
        business_id = session.scalar(select(Business.id).where(Business.slug == practice.slug))
        session.add(User(business_id=business_id, email=email, name="Second Owner", role="owner", active=active,
                         password_hash=hash_password(PASSWORD), created_at=FROZEN_NOW))
        session.commit()
    return account(app, email)


def test_roles_change_both_ways(app, owner, practice):
    staff_email = add_staff_user(app, practice, FROZEN_NOW)
    staff = account(app, staff_email)
    assert set_role(owner, staff.id, "owner").status_code == 303 and account(app, staff_email).role == "owner"
    other = app.test_client()
    log_in(other, staff_email)
    assert other.get(USERS).status_code == 200
    assert set_role(owner, staff.id, "staff").status_code == 303
    assert other.get(USERS).status_code == 403  # the new role counts from the next request


def test_a_switched_off_account_loses_its_session_and_cannot_log_in(app, owner, practice):
    email = add_staff_user(app, practice, FROZEN_NOW)
    user = account(app, email)
    staff = app.test_client()
    assert log_in(staff, email).status_code == 302 and staff.get("/app/").status_code == 200
    assert set_active(owner, user.id, False).status_code == 303
    assert "Switched off" in owner.get(USERS).get_data(as_text=True)
    refused = staff.get("/app/")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert log_in(app.test_client(), email).status_code == 200  # the login form again
    assert set_active(owner, user.id, True).status_code == 303
    assert log_in(app.test_client(), email).status_code == 302


def test_another_businesss_accounts_are_not_found(app, owner, api):
    other = setup_practice(api)
    theirs = account(app, f"owner@{other.slug}.test")
    token = token_of(owner)
    for action, data in (("role", {"role": "staff"}), ("active", {"active": "0"}), ("resend", {})):
        response = owner.post(f"{USERS}/{theirs.id}/{action}", data=dict(data, csrf_token=token))
        assert response.status_code == 404, action
    assert owner.post(f"{USERS}/999999999/role", data={"csrf_token": token, "role": "staff"}).status_code == 404
    after = account(app, theirs.email)
    assert (after.role, after.active) == ("owner", True)
    assert theirs.email not in owner.get(USERS).get_data(as_text=True)


@pytest.mark.parametrize("method, path", [("GET", USERS), ("POST", f"{USERS}/invite"), ("POST", f"{USERS}/{{me}}/role"),
                                          ("POST", f"{USERS}/{{me}}/active"), ("POST", f"{USERS}/{{me}}/resend")])
def test_staff_accounts_get_403(app, client, practice, method, path):
    email = log_in_new_staff(client, app, practice, FROZEN_NOW)
    me = account(app, email)
    token = form_token(client.get("/app/calendars").get_data(as_text=True))
    data = {"csrf_token": token, "role": "owner", "active": "1", "name": "X", "email": "x@example.test"}
    response = client.open(path.format(me=me.id), method=method, data=data if method == "POST" else None)
    assert response.status_code == 403
    assert account(app, email).role == "staff"
    with database(app) as session:
        assert session.scalar(select(User.id).where(User.email == "x@example.test")) is None


def test_the_users_page_lists_the_accounts_with_role_and_state(app, owner, practice):
    add_staff_user(app, practice, FROZEN_NOW)
    html = owner.get(USERS).get_data(as_text=True)
    assert html.count('class="card account"') == 2 and 'data-role="owner"' in html and 'data-role="staff"' in html
    assert "(you)" in html and "<title>Logins" in html
    assert f'action="{USERS}/invite"' in html
