"""Small named worlds shared by several test folders."""

from __future__ import annotations

from callkeep.kit.runtime import Runtime
from callkeep.records.parties import schemas as parties_schemas
from callkeep.records.parties import sellers

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
                seller_in=parties_schemas.SellerIn(
                    name=name, slug=slug, phone=phone, is_default=is_default
                ),
            )


def stored_calls(runtime: Runtime) -> int:
    """How many call records the database holds."""
    from sqlalchemy import func, select

    from callkeep.records import models

    with runtime.db.transaction(read_only=True) as s:
        return int(s.scalar(select(func.count()).select_from(models.Call)) or 0)
