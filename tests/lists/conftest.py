"""Helpers for the lists tests: write list files, import them through the service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import world as world_module

from callkeep.kit.runtime import Runtime
from callkeep.lists import imports
from callkeep.lists.schemas import ImportReport
from callkeep.records.parties.schemas import SellerIn

Importer = Callable[..., ImportReport]


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Writes a list file under the test's folder and returns its path."""
    folder = tmp_path / "files"
    folder.mkdir(exist_ok=True)

    def write(name: str, content: str | bytes) -> Path:
        path = folder / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return write


@pytest.fixture
def import_file(rt: Runtime) -> Importer:
    """Imports files as `callkeep lists import` does, in its own committed transaction."""

    def run(
        paths: Path | list[Path],
        list_name: str = "national",
        *,
        as_of: date | None = None,
        change: bool = False,
        area_codes: list[int] | None = None,
        san: str | None = None,
        campaigns: str | None = None,
        accessed_by: str | None = None,
    ) -> ImportReport:
        with rt.db.transaction() as session:
            return imports.import_list(
                session=session,
                actor="test:compliance",
                folder=rt.settings.snapshot_dir,
                max_unzipped=rt.settings.max_unzipped_bytes,
                request=imports.ImportRequest(
                    paths=paths if isinstance(paths, list) else [paths],
                    list_name=list_name,
                    as_of=as_of,
                    change=change,
                    area_codes=area_codes,
                    san=san,
                    campaigns=campaigns,
                    accessed_by=accessed_by,
                ),
            )

    return run


@pytest.fixture
def sellers(rt: Runtime) -> list[str]:
    """Two sellers: `default` (the default one) and `acme`."""
    with rt.db.transaction() as session:
        make = world_module.Builder(world_module.World(rt=rt), session, actor="test")
        make.seller(SellerIn(name="Auburn Home Services", slug="default", is_default=True))
        make.seller(SellerIn(name="Acme Windows", slug="acme"))
    return ["default", "acme"]
