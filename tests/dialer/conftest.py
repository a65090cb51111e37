"""The dialer test world: Androscoggin Home Energy (default), its predictive heat-pump campaign
calling as ANDRO ENERGY +1 207 784 0100, and Claire Fortin, who calls as "Claire F."."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import world as world_module

from callkeep.dialer import imports
from callkeep.kit.runtime import Runtime

ImportFile = Callable[..., imports.ImportReport]


@pytest.fixture
def floor(rt: Runtime) -> Runtime:
    """The world, committed before the test starts."""
    with rt.db.transaction() as session:
        make = world_module.Builder(world_module.World(rt=rt), session, actor="test")
        make.seller(world_module.ANDROSCOGGIN, slug="andro")
        make.campaign("andro", world_module.HEAT_PUMPS)
        make.employee(world_module.CLAIRE, job_titles=[])
    return rt


@pytest.fixture
def import_file(floor: Runtime, tmp_path: Path) -> Iterator[ImportFile]:
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
