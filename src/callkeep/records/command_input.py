"""What the records' commands read: a JSON payload as its schema, an instant, FIELD=VALUE changes.

Each turns what is typed into what the services take, or an `InvalidInput` naming the field.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from callkeep.errors import FieldProblem, InvalidInput
from callkeep.kit.clock import parse_instant

M = TypeVar("M", bound=BaseModel)


def parsed(model: type[M], payload: object) -> M:
    """`payload` as `model`; what pydantic refuses becomes InvalidInput naming each field."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        problems = [
            FieldProblem(".".join(str(p) for p in e["loc"]) or "body", e["msg"])
            for e in exc.errors()
        ]
        message = "; ".join(f"{p.field}: {p.message}" for p in problems)
        raise InvalidInput(message, fields=problems) from None


def instant_or_none(text: str | None, field: str) -> datetime | None:
    """`text` as a UTC instant (None when not given); what is not one is InvalidInput."""
    return parse_instant(text, field=field) if text else None


def changes_from(items: list[str]) -> dict[str, object]:
    """``FIELD=VALUE`` pairs; a value is read as JSON when it is JSON, else as text."""
    changes: dict[str, object] = {}
    for item in items:
        field, sep, raw = item.partition("=")
        if not sep:
            raise InvalidInput.for_field("change", f"{item!r} is not FIELD=VALUE")
        try:
            changes[field] = json.loads(raw)
        except json.JSONDecodeError:
            changes[field] = raw
    return changes
