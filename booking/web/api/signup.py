"""POST /api/v1/signup."""
from __future__ import annotations

from flask import Blueprint, jsonify

from booking.clock import utcnow
from booking.extensions import db, limiter
from booking.operations.tenants import SLUG_PATTERN, SignupRequest, sign_up
from booking.operations.audit import record_change
from booking.web.api.schema import Fields, read_json_body
from booking.web.audit import user_actor
from booking.web.formatting import business_json
from booking.web.i18n import LANGUAGES

bp = Blueprint("signup", __name__)


def _signup_request() -> SignupRequest:
    body = Fields(read_json_body())
    request = SignupRequest(
        business_name=body.text("business_name", required=True), slug=body.text("slug", max_length=64),
        timezone=body.zone("timezone", required=True), locale=body.choice("locale", LANGUAGES) or "en",
        owner_name=body.text("owner_name", required=True), owner_email=body.email("owner_email", required=True),
        owner_password=body.text("owner_password", required=True, max_length=1000))
    if request.slug and not SLUG_PATTERN.match(request.slug):
        body.errors["slug"] = "use lower-case letters, digits and dashes"
    if request.owner_password is not None and len(request.owner_password) < 10:
        body.errors["owner_password"] = "must be at least 10 characters"
    body.check()
    return request


@bp.post("/signup")
@limiter.limit("10 per hour; 3 per minute")
def signup():
    now = utcnow()
    business, owner, secret = sign_up(_signup_request(), now)
    record_change(business, user_actor(owner), "business.signup", ("business", business.id), now,
                  name=business.name, slug=business.slug)
    db.session.commit()
    return jsonify({"business": business_json(business), "api_key": secret}), 201
