"""Alembic migrations for callkeep's SQL schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from callkeep.kit.db import make_engine

HERE = Path(__file__).parent


def alembic_config(url: str) -> Config:
    """An Alembic config for `url`, needing no alembic.ini on disk."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Applies every migration up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def is_current(url: str) -> bool:
    """Whether the database at `url` is already at the newest migration."""
    config = alembic_config(url)
    head = ScriptDirectory.from_config(config).get_current_head()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    return current == head


def ensure_current(url: str) -> None:
    """Migrates the database at `url` if it is behind; a no-op when it is current."""
    if not is_current(url):
        upgrade(url)
