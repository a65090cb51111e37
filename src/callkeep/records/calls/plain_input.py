"""`CallIn`'s validation by plain checks, for the plain values a bulk import gives.

Validating a `CallIn` costs pydantic's machinery per call, which a 100,000-line import pays
100,000 times for values that are already of their field's type: text within its length, a
boolean, a whole number of seconds, an instant in UTC. `plain_call_fields` checks exactly what
`CallIn` checks of such values and gives what `CallIn.model_validate(values).__dict__` would
hold; for anything else (a value of another type, a field it does not know, a value `CallIn`
refuses) it answers None, and the caller validates the `CallIn` itself, which names the problem
as it always has. `tests/records/test_plain_call_input.py` holds the two equal.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from annotated_types import MaxLen

from callkeep.kit.bounds import CALL_SECONDS_MAX, EARLIEST, LATEST
from callkeep.records.schemas import CallIn

_TEXT = str | None
_BOOLEAN = bool | None


def _kinds() -> tuple[dict[str, int | None], dict[str, frozenset[str]], frozenset[str]]:
    """From `CallIn`'s own fields: text (its longest length, None: any), choices, booleans.

    `started_at` and `duration_seconds` are checked by name; any other field of a type not
    listed here is left to pydantic."""
    texts: dict[str, int | None] = {}
    choices: dict[str, frozenset[str]] = {}
    booleans: set[str] = set()
    for name, field in CallIn.model_fields.items():
        kind = field.annotation
        if kind == _TEXT:
            lengths = [m.max_length for m in field.metadata if isinstance(m, MaxLen)]
            texts[name] = lengths[0] if lengths else None
        elif kind == _BOOLEAN or kind is bool:
            booleans.add(name)
        elif typing.get_origin(kind) in (typing.Union, types.UnionType):
            inner = [a for a in typing.get_args(kind) if a is not type(None)]
            if len(inner) == 1 and typing.get_origin(inner[0]) is typing.Literal:
                choices[name] = frozenset(typing.get_args(inner[0]))
    return texts, choices, frozenset(booleans)


_TEXTS, _CHOICES, _BOOLEANS = _kinds()
_DEFAULTS: dict[str, Any] = {name: field.default for name, field in CallIn.model_fields.items()}
_NULLABLE_BOOLEANS = frozenset(
    n for n in _BOOLEANS if CallIn.model_fields[n].annotation is not bool
)


def plain_call_fields(values: dict[str, Any]) -> dict[str, Any] | None:
    """What a valid `CallIn` of `values` holds (its `__dict__`, every field, in its order), or
    None when only `CallIn` itself can say (then validate it, for its message)."""
    fields = _DEFAULTS.copy()
    for name, value in values.items():
        takes = _TAKES.get(name)
        if takes is None or not takes(value):
            return None
        fields[name] = value
    return fields


def _text(limit: int | None) -> Callable[[Any], bool]:
    def takes(value: Any) -> bool:
        if value is None:
            return True
        return type(value) is str and (limit is None or len(value) <= limit) and "\x00" not in value

    return takes


def _choice(choices: frozenset[str]) -> Callable[[Any], bool]:
    return lambda value: value is None or (type(value) is str and value in choices)


def _boolean(nullable: bool) -> Callable[[Any], bool]:
    return lambda value: type(value) is bool or (nullable and value is None)


def _duration(value: Any) -> bool:
    return value is None or (type(value) is int and 0 <= value <= CALL_SECONDS_MAX)


def _started(value: Any) -> bool:
    return value is None or (
        type(value) is datetime and value.tzinfo is UTC and EARLIEST <= value <= LATEST
    )


# Each field's check, made once: a bulk import asks it of every value of every call. `_kinds`
# puts a field in one kind at most; were a field checked by name also of a kind, its kind's
# check (later in the literal) would win, as `CallIn`'s type does.
_TAKES: dict[str, Callable[[Any], bool]] = {
    "duration_seconds": _duration,
    "started_at": _started,
    **{name: _text(limit) for name, limit in _TEXTS.items()},
    **{name: _choice(choices) for name, choices in _CHOICES.items()},
    **{name: _boolean(name in _NULLABLE_BOOLEANS) for name in _BOOLEANS},
}
