"""The settings come from `CALLKEEP_*` variables (named in any case); a value given to the
constructor wins; a bad value is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from callkeep.config import Settings


def test_settings_come_from_the_environment_in_any_case(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CALLKEEP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("callkeep_max_body_bytes", "2048")
    monkeypatch.setenv("CALLKEEP_RETENTION_INTERVAL_HOURS", "1.5")
    monkeypatch.setenv("CALLKEEP_NOT_A_SETTING", "ignored")
    monkeypatch.delenv("CALLKEEP_DATABASE_URL", raising=False)
    monkeypatch.delenv("CALLKEEP_SECRET_KEY_FILE", raising=False)
    settings = Settings()
    assert settings.data_dir == tmp_path
    assert settings.max_body_bytes == 2048
    assert settings.retention_interval_hours == 1.5
    assert settings.database_url == f"sqlite:///{tmp_path / 'callkeep.db'}"
    assert settings.key_file == tmp_path / "secret.key"


def test_a_value_given_wins_over_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CALLKEEP_DATA_DIR", "/nowhere")
    monkeypatch.setenv("CALLKEEP_DATABASE_URL", "sqlite:///elsewhere.db")
    settings = Settings(data_dir=tmp_path, database_url="")
    assert settings.data_dir == tmp_path
    assert settings.database_url == f"sqlite:///{tmp_path / 'callkeep.db'}"


def test_a_bad_value_is_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLKEEP_BACKUP_KEEP_DAILY", "seven")
    with pytest.raises(ValidationError, match="backup_keep_daily"):
        Settings()
