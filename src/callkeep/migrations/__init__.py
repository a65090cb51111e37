"""Alembic migrations for callkeep's SQL schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from callkeep.kit.db import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).parent
_REVISION = re.compile(
    r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*['"]?([\w-]+|None)['"]?\s*$""", re.M
)


def alembic_config(url: str) -> Config:
    """An Alembic config for `url`, needing no alembic.ini on disk."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Applies every migration up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    """The newest migration, read from the revision files' own lines (without importing
    Alembic, so a command on a current database starts quickly); Alembic decides when the
    files do not name exactly one head."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (HERE / "versions").glob("*.py"):
        found = dict((key, value) for key, value in _REVISION.findall(path.read_text()))
        if "revision" not in found or "down_revision" not in found:
            return _alembic_head()
        revisions.add(found["revision"])
        parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else _alembic_head()


def _alembic_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def is_current(url: str) -> bool:
    """Whether the database at `url` is already at the newest migration."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if not engine.dialect.has_table(connection, "alembic_version"):
                return False
            current = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    return [row[0] for row in current] == [head_revision()]


def ensure_current(url: str) -> None:
    """Migrates the database at `url` if it is behind; a no-op when it is current."""
    if not is_current(url):
        upgrade(url)
