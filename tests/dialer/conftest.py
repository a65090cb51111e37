"""The dialer test world: Androscoggin Home Energy (default), its predictive heat-pump campaign
calling as ANDRO ENERGY +1 207 784 0100, and Claire Fortin, who calls as "Claire F."."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from callkeep.dialer import imports
from callkeep.kit.runtime import Runtime
from callkeep.records.parties import people, sellers
from callkeep.records.parties.schemas import CampaignIn, EmployeeIn, SellerIn


@pytest.fixture
def floor(rt: Runtime) -> Runtime:
    """The world, committed before the test starts."""
    with rt.db.transaction() as session:
        sellers.create_seller(
            session=session,
            actor="test",
            seller_in=SellerIn(name="Androscoggin Home Energy", slug="andro", is_default=True),
        )
        sellers.create_campaign(
            session=session,
            actor="test",
            campaign_in=CampaignIn.model_validate(
                {
                    "seller": "andro",
                    "slug": "heat-pumps",
                    "subject": "heat pumps",
                    "dialing_mode": "predictive",
                    "caller_id_number": "207-784-0100",
                    "caller_id_name": "ANDRO ENERGY",
                }
            ),
        )
        people.create_employee(
            session=session,
            actor="test",
            employee_in=EmployeeIn(name="Claire Fortin", fictitious_names=["Claire F."]),
        )
    return rt


@pytest.fixture
def import_file(floor: Runtime, tmp_path: Path) -> Iterator[object]:
    """Imports one file's text through the service, as `calls import` does."""

    def run(text: str, *, name: str = "Master.csv", **options: object) -> imports.ImportReport:
        path = tmp_path / name
        path.write_bytes(text.encode("utf-8"))
        defaults: dict[str, object] = {
            "file_format": "asterisk-cdr",
            "timezone": "America/New_York",
        }
        with imports.opened(path) as handle:
            return imports.import_calls(
                db=floor.db,
                actor="test",
                sources=[(name, handle)],
                options=imports.ImportOptions(**{**defaults, **options}),  # type: ignore[arg-type]
            )

    yield run
