"""Migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from callkeep import migrations
from callkeep.kit.db import Base

PG_URL = os.environ.get("CALLKEEP_TEST_POSTGRES_URL", "")


def _fresh_url(engine_name: str, tmp_path: Path) -> str:
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    if not PG_URL:
        pytest.skip("no PostgreSQL")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"callkeep_migrations_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_URL.rsplit("/", 1)[0] + "/" + name


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
def test_upgrade_head_matches_the_models(engine_name: str, tmp_path: Path) -> None:
    url = _fresh_url(engine_name, tmp_path)
    migrations.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []
