"""Hostile input from the OpenAPI document itself: schemathesis sends requests generated from
every operation's schema (and examples at its edges) to a real application on SQLite, with an
admin token, and every answer must be no server error, a status the document lists for that
operation, and a body of the shape the document gives."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from callkeep.app import create_app
from callkeep.auth import service as auth_service
from callkeep.config import Settings
from callkeep.kit.runtime import build_runtime
from callkeep.lists import imports
from tests.world import seed_sellers

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 10  # per operation: about 15 s on this 2-core machine, loaded


@pytest.fixture
def served(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[TestClient, str]]:
    """A real application on its own SQLite database, with two sellers and an admin token."""
    path = tmp_path / "callkeep.db"
    shutil.copyfile(sqlite_template, path)
    rt = build_runtime(Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{path}"))
    seed_sellers(rt)
    national = tmp_path / "national.txt"
    national.write_text("2075550134\n2075550135\n")
    with rt.db.transaction() as session:  # a registry in force: the server is ready
        imports.import_list(
            session=session,
            actor="test",
            folder=rt.settings.snapshot_dir,
            max_unzipped=rt.settings.max_unzipped_bytes,
            request=imports.ImportRequest(paths=[national], list_name="national"),
        )
    with rt.db.transaction() as session:
        _, secret = auth_service.create_token(
            session=session, actor="test", name="fuzz", role="admin"
        )
    with TestClient(create_app(runtime=rt), raise_server_exceptions=False) as client:
        yield client, secret
    rt.db.dispose()


def _failures_of(operation: Any, admin: dict[str, str]) -> list[str]:
    """Sends the operation's generated requests; what went wrong, one line each."""
    found: list[str] = []
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first case is reported
        derandomize=True,
        database=None,
    )
    def send(case: schemathesis.Case) -> None:
        try:
            case.call_and_validate(headers=admin, checks=CHECKS)
        except (AssertionError, BaseExceptionGroup) as failed:  # schemathesis's failures
            found.append(f"{operation.label}: {str(failed)[:800]}")

    send()
    return found[:1]


def _without_lifespan(app: Any) -> Any:
    """`app` for schemathesis, whose own start of the app's lifespan lasts as long as the test
    process (and with it the app's checkpoint thread): the TestClient above runs it instead."""

    async def served_app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            for step in ("startup", "shutdown"):
                await receive()
                await send({"type": f"lifespan.{step}.complete"})
            return
        await app(scope, receive, send)

    return served_app


def test_no_request_the_schema_allows_gets_a_server_error_or_an_undocumented_answer(
    served: tuple[TestClient, str],
) -> None:
    client, secret = served
    admin = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", _without_lifespan(client.app))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    failures = [line for op in operations for line in _failures_of(op, admin)]
    assert not failures, "\n\n".join(failures)
