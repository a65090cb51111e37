"""Alembic migrations for callkeep's SQL schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

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
