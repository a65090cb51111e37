"""What the benchmarks set up: a fresh database, the bench seller, a list imported as users do."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

from callkeep import migrations
from callkeep.config import Settings
from callkeep.kit.runtime import Runtime, build_runtime
from callkeep.lists import imports
from callkeep.lists.schemas import ImportReport
from callkeep.records.parties import sellers
from callkeep.records.parties.schemas import SellerIn


def fresh_runtime(data_dir: Path, database_url: str = "") -> Runtime:
    """A runtime over a new database (SQLite in `data_dir`, or the empty `database_url`),
    migrated as `callkeep serve` does."""
    settings = Settings(data_dir=data_dir, database_url=database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrations.ensure_current(settings.database_url)
    return build_runtime(settings)


@contextmanager
def scratch_postgres(server_url: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server of `server_url`, dropped afterwards."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"callkeep_bench_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def add_seller(rt: Runtime, *, name: str = "Bench Seller", slug: str = "bench") -> None:
    """The default seller, under whose name the bench checks and records."""
    with rt.db.transaction() as session:
        sellers.create_seller(
            session=session,
            actor="bench",
            seller_in=SellerIn(name=name, slug=slug, is_default=True),
        )


def import_list(
    rt: Runtime, path: Path, *, as_of: date | None = None, change: bool = False
) -> ImportReport:
    """`path` imported as the next version of the national list, as `callkeep lists import`."""
    with rt.db.transaction() as session:
        return imports.import_list(
            session=session,
            actor="bench",
            folder=rt.settings.snapshot_dir,
            max_unzipped=rt.settings.max_unzipped_bytes,
            request=imports.ImportRequest(
                paths=[path], list_name="national", as_of=as_of, change=change
            ),
        )
