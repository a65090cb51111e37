"""The one place callkeep reads its configuration from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

ENV_PREFIX = "CALLKEEP_"


class Settings(BaseModel):
    """callkeep's settings; every variable is `CALLKEEP_` + the field name in capitals (in any
    case). A value given to the constructor wins over the environment's.

    A plain model reading the environment itself: pydantic-settings would add more to every
    command's start than the whole of reading and checking these."""

    model_config = ConfigDict(extra="ignore", validate_default=True)

    data_dir: Path = Path("./data")
    database_url: str = ""
    secret_key_file: Path | None = None
    # Largest JSON body the API accepts, in bytes; list and lead uploads have their own cap.
    max_body_bytes: int = 1_048_576
    max_upload_bytes: int = 8 * 1024 * 1024 * 1024
    # Expanded size at which a zip archive is refused as a probable zip bomb.
    max_unzipped_bytes: int = 16 * 1024 * 1024 * 1024
    # Hours between the server's scheduled retention runs (docs/retention.md); 0 means off.
    retention_interval_hours: float = 0.0
    # The name of this installation in its signed checkpoints (their origin); fixed when the
    # checkpoint key is first created. Empty: callkeep/<host>/<8 random hex>.
    checkpoint_origin: str = ""
    # Witnesses: URLs, separated by spaces, that `serve` POSTs each new checkpoint to.
    checkpoint_witnesses: str = ""
    # Backups taken by `serve`: "" (off), "hourly", "daily" (00:00 UTC) or "daily HH:MM" (UTC).
    backup_schedule: str = ""
    # How many scheduled backups are kept: the newest of each of the last N days, weeks, months.
    backup_keep_daily: int = 7
    backup_keep_weekly: int = 4
    backup_keep_monthly: int = 12

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, given: Any) -> Any:
        values = dict(given) if isinstance(given, Mapping) else {}
        prefix = ENV_PREFIX.casefold()
        found = {
            name.casefold()[len(prefix) :]: value
            for name, value in os.environ.items()
            if name.casefold().startswith(prefix)
        }
        for field in cls.model_fields:
            if field not in values and field in found:
                values[field] = found[field]
        return values

    @model_validator(mode="after")
    def _derive_paths(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'callkeep.db'}"
        if self.secret_key_file is None:
            self.secret_key_file = self.data_dir / "secret.key"
        return self

    @property
    def key_file(self) -> Path:
        assert self.secret_key_file is not None
        return self.secret_key_file

    @property
    def snapshot_dir(self) -> Path:
        """Where the Do-Not-Call list snapshots live."""
        return self.data_dir / "lists"

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def checkpoint_dir(self) -> Path:
        """Where the signed checkpoints the server makes are kept as files."""
        return self.data_dir / "checkpoints"

    @property
    def checkpoint_key_file(self) -> Path:
        """The Ed25519 key that signs checkpoints, beside the secret key file."""
        return self.key_file.parent / "checkpoint.key"

    @property
    def witness_urls(self) -> list[str]:
        return self.checkpoint_witnesses.split()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings read from the environment, once per process."""
    return Settings()
