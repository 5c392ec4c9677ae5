"""The OpenAPI document of the app, read the way a client would: operations by path, response
schemas checked with jsonschema (formats included, so a datetime without an offset fails)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from booking.web.api.openapi import DOCUMENT_PATH

DOCUMENT: dict[str, Any] = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
DOCUMENT_URI = "urn:booking:openapi"
REGISTRY = Registry().with_resource(DOCUMENT_URI, Resource(DOCUMENT, specification=DRAFT202012))
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def rule_to_template(rule: str) -> str:
    """A Flask rule as an OpenAPI path: /staff/<int:staff_id> -> /staff/{staff_id}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def documented_operations() -> set[tuple[str, str]]:
    """(METHOD, path template) of every operation in the document."""
    return {(method.upper(), path) for path, item in DOCUMENT["paths"].items()
            for method in item if method in HTTP_METHODS}


def _template_pattern(template: str) -> re.Pattern:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


PATTERNS = {template: _template_pattern(template) for template in DOCUMENT["paths"]}


def template_of(path: str) -> str:
    """The document's path template that a concrete request path falls under."""
    matches = [template for template, pattern in PATTERNS.items() if pattern.match(path.split("?")[0])]
    assert len(matches) == 1, f"{path} matches {matches} in the document"
    return matches[0]


def _pointer(*parts: str) -> str:
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _follow(node: dict[str, Any]) -> dict[str, Any]:
    """A Response Object, following a $ref into components/responses (an OpenAPI ref, not JSON Schema)."""
    while "$ref" in node:
        target: Any = DOCUMENT
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


@dataclass
class Conformance:
    """Checks answers against the document and counts which (operation, status) pairs were seen."""

    seen: set[tuple[str, str, int]] = field(default_factory=set)

    def check(self, method: str, path: str, status: int, mimetype: str, body: bytes) -> None:
        template = template_of(path)
        operation = DOCUMENT["paths"][template].get(method.lower())
        assert operation is not None, f"{method} {template} is not in the document"
        responses = operation["responses"]
        assert str(status) in responses, f"{method} {path} answered {status}, documented: {sorted(responses)}"
        response = _follow(responses[str(status)])
        self.seen.add((method.upper(), template, status))
        content = response.get("content")
        if not content:
            assert not body, f"{method} {path} {status}: the document promises no body, got {body[:200]!r}"
            return
        assert mimetype in content, f"{method} {path} {status}: {mimetype} not in {sorted(content)}"
        if mimetype != "application/json":
            return
        pointer = _pointer("paths", template, method.lower(), "responses", str(status))
        if "$ref" in responses[str(status)]:
            pointer = responses[str(status)]["$ref"].removeprefix("#")
        schema = {"$ref": f"{DOCUMENT_URI}#{pointer}{_pointer('content', mimetype, 'schema')}"}
        validator = Draft202012Validator(schema, registry=REGISTRY, format_checker=FormatChecker())
        errors = sorted(validator.iter_errors(json.loads(body)), key=lambda e: list(e.absolute_path))
        assert not errors, f"{method} {path} {status}: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])
