"""The requests test world: Ann and Bob's numbers, and a way to record a request as an agent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from callkeep.requests import peers, service
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
def lists_installed() -> bool:
    """True once the lists domain honors requests with entity-specific entries."""
    return peers._lists_service() is not None


@pytest.fixture
def headers(tokens: dict[str, str]) -> dict[str, dict[str, str]]:
    """Bearer headers per role."""
    return {role: {"Authorization": f"Bearer {secret}"} for role, secret in tokens.items()}
