"""The OpenAPI document says every answer an operation can give, in the shape it is given.

(And the models of hand-written request bodies are in its components, where their references
point: see `_hoist_definitions`.)

FastAPI documents an operation's success and its own validation error (`HTTPValidationError`,
which callkeep never sends). Every callkeep error leaves as ``{"error": {"code", "message",
"fields"?}}`` (`kit.http`), so each operation's document is completed here with the statuses it
can answer and that one shape: 401 and 403 where credentials are needed, 404 (an unknown record,
seller or campaign), 409 (a conflict, such as a reused idempotency key), 413 (a body over the
limit), 422 (input that cannot be used) and 503 (the database stayed busy). No operation of the
API answers 429: the rate-limited forms (the public do-not-call page, sign-in) are HTML pages
outside this document.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema object whose properties are all required but `fields`."""
    required = [name for name in properties if name != "fields"]
    return {"type": "object", "required": required, "properties": properties}


_TEXT = {"type": "string"}
ERROR_SCHEMA = _object(
    error=_object(
        code=_TEXT,
        message=_TEXT,
        fields={"type": "array", "items": _object(field=_TEXT, message=_TEXT)},
    )
)

_MEANING = {
    "400": "the request cannot be carried out as asked",
    "401": "no credentials, or unknown or revoked ones",
    "403": "the role may not do this",
    "404": "a record the request names does not exist",
    "409": "it conflicts with what is recorded (e.g. an idempotency key sent with another body)",
    "413": "the body is over the size limit",
    "422": "the input cannot be used; `fields` names each problem",
    "503": "the database stayed busy; try again",
}
_OPEN = frozenset({"/healthz", "/readyz", "/openapi.json"})
_WRITES = frozenset({"post", "put", "patch", "delete"})


def _statuses(method: str) -> list[str]:
    found = ["400", "401", "403", "404", "422", "503"]
    if method in _WRITES:
        found += ["409", "413"]
    return sorted(found)


def _hoist_definitions(operation: dict[str, Any], components: dict[str, Any]) -> None:
    """Moves the models a hand-written request body defines (pydantic's ``$defs``, referred to
    as components) into the document's components, where its references point."""
    for media in operation.get("requestBody", {}).get("content", {}).values():
        for name, definition in media.get("schema", {}).pop("$defs", {}).items():
            components.setdefault(name, definition)


def document_errors(app: FastAPI) -> None:
    """Completes the app's OpenAPI document with each operation's error answers (see the
    module's docstring)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        document.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path, operations in document.get("paths", {}).items():
            for operation in operations.values():
                _hoist_definitions(operation, document["components"]["schemas"])
            if path in _OPEN:  # they document their own answers
                continue
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for status in _statuses(method):
                    responses[status] = {"description": _MEANING[status], "content": error}
        schemas = document["components"]["schemas"]
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
