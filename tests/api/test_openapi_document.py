"""The OpenAPI document is whole: every reference resolves, and every operation of the API
documents its error answers in callkeep's one error shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reference_in_the_document_resolves(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    refs = set(_refs(document))
    assert "#/components/schemas/CallBatchItem" in refs
    assert {r for r in refs if r.removeprefix("#/components/schemas/") not in schemas} == set()


def test_every_api_operation_documents_its_errors_in_the_error_shape(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"401", "403", "404", "422"} | (
                {"409", "413"} if method == "post" else set()
            )
            assert expected <= set(responses), (method, path)
            for status in expected:
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == error, (method, path, status)
