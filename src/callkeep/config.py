"""The one place callkeep reads its configuration from the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """callkeep's settings; every variable is `CALLKEEP_` + the field name in capitals."""

    model_config = SettingsConfigDict(env_prefix="CALLKEEP_", extra="ignore")

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings read from the environment, once per process."""
    return Settings()
