"""The requests test world: Ann and Bob's numbers, and a way to record a request as an agent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from callkeep.config import Settings
from callkeep.kit.runtime import Runtime, build_runtime
from callkeep.records import schemas, sellers
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
    return {role: {"Authorization": f"Bearer {secret}"} for role, secret in tokens.items()}


SELLERS = (
    ("Acme Home Services", "acme", "+12075559999", True),
    ("Birch Energy", "birch", "+12075559998", False),
)


def seed_sellers(runtime: Runtime) -> None:
    """Acme (the default seller; texts to +1 207 555 9999 reach it) and Birch (+1 207 555 9998)."""
    with runtime.db.transaction() as s:
        for name, slug, phone, is_default in SELLERS:
            sellers.create_seller(
                session=s,
                actor="test",
                seller_in=schemas.SellerIn(
                    name=name, slug=slug, phone=phone, is_default=is_default
                ),
            )


@pytest.fixture
def rt(settings: Settings) -> Iterator[Runtime]:
    """The runtime, with this domain's sellers in place."""
    runtime = build_runtime(settings)
    seed_sellers(runtime)
    yield runtime
    runtime.db.dispose()
