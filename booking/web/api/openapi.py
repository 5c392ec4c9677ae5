"""GET /api/v1/openapi.json: the OpenAPI 3.1 document of this API (openapi.json beside this file).

The file is the single source: tests/api/test_openapi.py holds it to the URL map and to real
answers, and the schemathesis fuzz run (tests/api/test_fuzz.py) holds the app to it."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, request

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")
# Read once: the document changes only with a deploy, so it is served from memory with a strong ETag.
DOCUMENT = DOCUMENT_PATH.read_bytes()
ETAG = hashlib.sha256(DOCUMENT).hexdigest()[:32]
MAX_AGE_SECONDS = 3600

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
def document():
    response = Response(DOCUMENT, mimetype="application/json")
    response.set_etag(ETAG)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_SECONDS
    return response.make_conditional(request)
