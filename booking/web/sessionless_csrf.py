"""CSRF tokens for forms that must work without a session cookie: the public booking form.

The public booking pages may be shown in an iframe on a business's own site (EMBED_ORIGINS).
There our session cookie is third-party: SameSite=Lax keeps browsers from sending it (and
many block third-party cookies anyway), so Flask-WTF's token, kept in the session, could
never match. This token is signed with the secret key instead and names the business the
form was served for; it needs nothing stored in the browser.

What it proves is only that the form came from us for that business: the booking form is
anonymous, so there is no visitor to tie it to, and no cookie-borne authority a forged post
could borrow. Posts made by another site's page are refused by booking.web.security
(Sec-Fetch-Site/Origin); the booking itself is rate-limited per address.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms.csrf.core import CSRF
from wtforms.validators import ValidationError

from booking.credentials import server_keys

SALT = "booking.sessionless-form"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(server_keys(current_app.config), salt=SALT)  # fallbacks: open forms stay valid


def form_token(context: str) -> str:
    """A token for a form served for `context` (such as "business:7")."""
    return _serializer().dumps(context)


def token_matches(token: object, context: str, max_age: int | None = None) -> bool:
    """Whether `token` was made by form_token(context) (and, with max_age, at most that many seconds ago)."""
    if not isinstance(token, str) or not token:
        return False
    try:
        signed = _serializer().loads(token, max_age=max_age)
    except BadData:  # the signature check inside is constant-time (hmac.compare_digest)
        return False
    return signed == context


class SignedCSRF(CSRF):
    """WTForms CSRF whose token is form_token(meta.csrf_context), checked without a session."""

    def setup_form(self, form):
        self.meta = form.meta
        if not isinstance(self.meta.csrf_context, str):  # one shared token for every form would be no check
            raise RuntimeError("a SessionlessForm needs meta={'csrf_context': ...}")
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field) -> str:
        return form_token(self.meta.csrf_context)

    def validate_csrf_token(self, form, field) -> None:
        if not token_matches(field.data, self.meta.csrf_context, self.meta.csrf_time_limit):
            raise ValidationError(_l("The form expired or was sent twice. Please try again."))


class SessionlessForm(FlaskForm):
    """A FlaskForm protected by SignedCSRF; build it with meta={"csrf_context": "<what it is for>"}.

    Its view must be csrf.exempt (CSRFProtect would look for the session's token) and refuse
    the request when the csrf_token field has errors.
    """

    class Meta(FlaskForm.Meta):
        csrf_class = SignedCSRF
        csrf_context = None
