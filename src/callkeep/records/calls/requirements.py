"""What the OpenAPI document says a call requires: what the server requires of it.

`CallIn` leaves every field optional to pydantic so that the call's check
(`records.call_validation.check_view`) names every missing field in one answer; its JSON schema
(`required_as_checked`) says what that check requires, field by field.
"""

from __future__ import annotations

from typing import Any

_CALL_ALWAYS = (
    "seller",
    "subject",
    "consumer_or_business",
    "outbound",
    "prerecorded",
    "caller_id_number",
)
_CALL_UNLESS_MANUAL = (
    "calling_number",
    "called_number",
    "started_at",
    "duration_seconds",
    "disposition",
)
_CALL_TELEMARKETER = ("telemarketer", "employee_id", "telemarketer_name")


def _present(prop: dict[str, Any]) -> dict[str, Any]:
    """A property's schema without `null`, and (for text) not empty: what "required" means
    to the call's check (`records.call_validation.check_view`)."""
    kinds = [k for k in prop.get("anyOf", [prop]) if k.get("type") != "null"]
    found = {**{k: v for k, v in prop.items() if k not in ("anyOf", "default")}, **kinds[0]}
    if found.get("type") == "string":
        found.setdefault("minLength", 1)
    return found


def required_as_checked(schema: dict[str, Any]) -> None:
    """Marks as required what the server requires of a call (16 CFR 310.5(a)(2)): the fields
    checked together, and fields the server lets the model leave out only so that each one
    missing is named in one answer."""
    props = schema["properties"]
    required = _CALL_ALWAYS
    for name in (*required, *_CALL_UNLESS_MANUAL):
        props[name] = _present(props[name])
    schema["required"] = list(required)
    schema["anyOf"] = [
        {"required": [name], "properties": {name: _present(props[name])}}
        for name in _CALL_TELEMARKETER
    ]
    schema["allOf"] = [
        {  # a manual dial may leave out what only a dialer knows
            "if": {"required": ["manual_dial"], "properties": {"manual_dial": {"const": True}}},
            "else": {"required": list(_CALL_UNLESS_MANUAL)},
        },
        {  # a transferred call names where it went
            "if": {
                "required": ["disposition"],
                "properties": {"disposition": {"const": "transferred"}},
            },
            "then": {
                "required": ["transfer_to"],
                "properties": {"transfer_to": _present(props["transfer_to"])},
            },
        },
    ]
