"""Absolute links for people and calendar apps: BASE_URL when set, else the request's host."""
from __future__ import annotations

from flask import current_app, request, url_for


def absolute_url(endpoint: str, **values) -> str:
    base = current_app.config.get("BASE_URL") or request.url_root.rstrip("/")
    return base + url_for(endpoint, **values)
