"""Security headers on every answer, and the refusal of form posts sent from other sites.

The Content-Security-Policy allows scripts and style sheets from our own origin only: the
templates have no inline <script> and no on*= handler attributes (tests/web/test_security_headers.py
holds them to it). Style *attributes* are allowed (style-src-attr 'unsafe-inline', nothing
wider): the staff calendar grid places each block with a computed `style="top:..%;height:..%"`
(booking.web.staff.grid), positions no fixed set of classes could name. A style attribute
cannot run script, and Jinja escapes every value put into one, so this opens no way to
inject code; the worst a stray one could do is restyle the page.

Framing: no page may be framed, except the public booking pages (and the confirmation after
booking) by the sites listed in EMBED_ORIGINS. Pages whose address carries a secret (manage
links, set-password links, calendar feeds) send no Referer at all.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_wtf.csrf import CSRFError

BASE_POLICY = ("default-src 'self'", "script-src 'self'", "style-src 'self'", "style-src-attr 'unsafe-inline'",
               "img-src 'self' data:", "object-src 'none'", "base-uri 'self'", "form-action 'self'")
# Grants no powerful feature (none is used); browsers log an error for names they do not know,
# so only long-established ones are listed.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# Endpoints a third-party site may frame when EMBED_ORIGINS lists it.
EMBEDDABLE_BLUEPRINTS = ("public_page",)
EMBEDDABLE_ENDPOINTS = ("manage_page.booked",)
# Addresses that carry a secret token: no Referer may pass it on to a linked site.
SECRET_PATHS = ("/m/", "/feeds/", "/set-password/", "/api/v1/manage/")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# RFC 8058 one-click unsubscribes are POSTed by mail providers, not by our own pages; that view
# checks them itself (booking.web.manage.followup).
CROSS_SITE_ENDPOINTS = frozenset({"manage_page.unsubscribe"})


def register_security(app: Flask) -> None:
    app.before_request(refuse_cross_site_posts)
    app.after_request(add_security_headers)


def embed_origins() -> tuple[str, ...]:
    """The origins that may frame this request's page: EMBED_ORIGINS on embeddable pages, else none."""
    origins = tuple(current_app.config.get("EMBED_ORIGINS") or ())
    embeddable = request.blueprint in EMBEDDABLE_BLUEPRINTS or request.endpoint in EMBEDDABLE_ENDPOINTS
    return origins if embeddable else ()


def content_security_policy(frame_origins: tuple[str, ...]) -> str:
    """The CSP header value; `frame_origins` empty means no site may frame the page."""
    ancestors = " ".join(frame_origins) if frame_origins else "'none'"
    return "; ".join((*BASE_POLICY, f"frame-ancestors {ancestors}"))


def referrer_policy(path: str) -> str:
    """No Referer from pages whose address is a secret; elsewhere only the origin leaves the site."""
    if path.startswith(SECRET_PATHS):
        return "no-referrer"
    return "strict-origin-when-cross-origin"


def add_security_headers(response: Response) -> Response:
    frame_origins = embed_origins()
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(frame_origins)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers.setdefault("Referrer-Policy", referrer_policy(request.path))
    if frame_origins:
        # X-Frame-Options cannot name sites (ALLOW-FROM is gone): the CSP above decides alone.
        headers.pop("X-Frame-Options", None)
    else:
        headers["X-Frame-Options"] = "DENY"
    return response


def is_cross_site() -> bool:
    """Whether the browser says this request comes from a page of another origin.

    Sec-Fetch-Site is set by the browser itself and needs no knowledge of our address (proxies
    may rewrite Host); browsers without it are judged by Origin. Neither header (scripts,
    mail providers, old browsers) or Origin "null" (sent by pages with Referrer-Policy no-referrer)
    decides nothing: the form's CSRF token still has to be right.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return False
    base_host = urlsplit(current_app.config.get("BASE_URL") or "").netloc
    return urlsplit(origin).netloc not in {request.host, base_host}


def refuse_cross_site_posts() -> None:
    """before_request: a form post made by another site's page is refused like a bad CSRF token.

    The JSON API is left out: its clients authenticate with keys or tokens, not cookies.
    """
    if request.method not in UNSAFE_METHODS or request.path.startswith("/api/"):
        return
    if request.endpoint in CROSS_SITE_ENDPOINTS:
        return
    if is_cross_site():
        raise CSRFError("A form of another site was sent here.")
