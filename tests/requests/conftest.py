"""The requests test world: Ann and Bob's numbers, and a way to record a request as an agent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session
from world import bearer_headers, seed_sellers

from callkeep.config import Settings
from callkeep.kit.runtime import Runtime, build_runtime
from callkeep.requests import service
from callkeep.requests.schemas import DncRequestCreate

Record = Callable[..., service.RecordedRequest]


@pytest.fixture
def record(session: Session) -> Record:
    """Records a request the way an agent would, in the test's session."""

    def _record(phone: str = "+12075550123", **fields: Any) -> service.RecordedRequest:
        return service.record_request(
            session=session,
            actor="agent:alice",
            request_in=DncRequestCreate(phone=phone, **fields),
        )

    return _record


@pytest.fixture
def headers(tokens: dict[str, str]) -> dict[str, dict[str, str]]:
    """Bearer headers per role."""
    return bearer_headers(tokens)


@pytest.fixture
def rt(settings: Settings) -> Iterator[Runtime]:
    """The runtime, with this domain's sellers in place."""
    runtime = build_runtime(settings)
    seed_sellers(runtime)
    yield runtime
    runtime.db.dispose()
