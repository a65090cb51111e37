"""The OpenAPI document marks a call's fields required exactly as the server requires them:
each field it requires, left out, is refused naming it; each one it does not, left out, is not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

Body = Callable[..., dict[str, Any]]
H = dict[str, dict[str, str]]


def _call_schema(client: TestClient) -> dict[str, Any]:
    document = client.get("/openapi.json").json()
    body = document["paths"]["/api/v1/calls"]["post"]["requestBody"]["content"]
    schema: dict[str, Any] = body["application/json"]["schema"]
    return schema


def _required_when_dialed(schema: dict[str, Any]) -> set[str]:
    required = set(schema["required"])
    for rule in schema["allOf"]:
        if rule["if"]["properties"].get("manual_dial"):
            required |= set(rule["else"]["required"])
    return required


def test_each_field_the_document_requires_is_required_by_the_server(
    client: TestClient, headers: H, call_body: Body
) -> None:
    schema = _call_schema(client)
    required = _required_when_dialed(schema)
    assert required >= {"seller", "subject", "called_number", "started_at", "caller_id_number"}
    for i, name in enumerate(sorted(required)):
        body = call_body(external_call_id=f"r-{i}")
        body.pop(name, None)
        refused = client.post("/api/v1/calls", json=body, headers=headers["dialer"])
        assert refused.status_code == 422, (name, refused.text)
        named = {f["field"] for f in refused.json()["error"]["fields"]}
        assert name in named, (name, named)


def test_each_field_the_document_leaves_optional_may_be_left_out(
    client: TestClient, headers: H, call_body: Body
) -> None:
    schema = _call_schema(client)
    optional = set(call_body()) - _required_when_dialed(schema)
    optional -= {"telemarketer"}  # one of telemarketer, employee_id, telemarketer_name
    assert optional >= {"campaign", "caller_id_name", "decision_id"}
    for i, name in enumerate(sorted(optional)):
        body = call_body(external_call_id=f"o-{i}")
        del body[name]
        stored = client.post("/api/v1/calls", json=body, headers=headers["dialer"])
        assert stored.status_code == 201, (name, stored.text)


def test_a_call_names_its_telemarketer_one_way_or_another(
    client: TestClient, headers: H, call_body: Body
) -> None:
    schema = _call_schema(client)
    ways = [rule["required"][0] for rule in schema["anyOf"]]
    assert ways == ["telemarketer", "employee_id", "telemarketer_name"]
    body = call_body()
    del body["telemarketer"]
    refused = client.post("/api/v1/calls", json=body, headers=headers["dialer"])
    assert refused.status_code == 422
    assert "telemarketer" in {f["field"] for f in refused.json()["error"]["fields"]}
