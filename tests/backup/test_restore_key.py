"""`backup restore` into an empty data folder: the key is checked before anything is created,
and a missing or wrong key names the key file to copy. Backups are mode 0600."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from callkeep.backup import service as backup
from callkeep.errors import InvalidInput
from callkeep.kit.runtime import Runtime

CALLKEEP = Path(sys.executable).parent / "callkeep"


@pytest.fixture
def archive(rt: Runtime, tmp_path: Path) -> Path:
    from callkeep.bootstrap import ensure_default_seller

    ensure_default_seller(rt)
    path = tmp_path / "backups" / "b.zip"
    backup.create(rt=rt, out=path)
    return path


def test_a_backup_is_private_and_names_its_key(archive: Path, rt: Runtime) -> None:
    assert archive.stat().st_mode & 0o777 == 0o600
    manifest = backup.check(path=archive, keys=rt.keys).manifest
    assert manifest is not None
    assert manifest.key_file == str(rt.settings.key_file.resolve())
    assert manifest.key_fingerprint == backup.key_fingerprint(rt.keys)
    assert rt.settings.key_file.read_text().split()[1] not in archive.read_bytes().decode("latin-1")


def test_no_key_file_stops_the_restore_before_anything_is_made(
    archive: Path, rt: Runtime, tmp_path: Path
) -> None:
    missing = tmp_path / "new" / "secret.key"
    with pytest.raises(InvalidInput) as refused:
        backup.check_restore_key(path=archive, key_file=missing)
    assert str(missing) in refused.value.message
    assert str(rt.settings.key_file.resolve()) in refused.value.message
    assert not (tmp_path / "new").exists()


def _restore(archive: Path, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CALLKEEP_DATA_DIR": str(data)}
    env.pop("CALLKEEP_DATABASE_URL", None)
    env.pop("CALLKEEP_SECRET_KEY_FILE", None)
    return subprocess.run(
        [str(CALLKEEP), "backup", "restore", str(archive)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_restore_into_an_empty_folder_with_the_wrong_or_no_key(
    archive: Path, rt: Runtime, tmp_path: Path
) -> None:
    if not rt.settings.database_url.startswith("sqlite"):
        pytest.skip("the command restores into the data folder's SQLite database")
    empty = tmp_path / "empty"
    done = _restore(archive, empty)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "secret.key" in done.stderr and backup.key_fingerprint(rt.keys) in done.stderr
    assert not empty.exists()  # no folder, key or database was made

    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "secret.key").write_text("k1 " + "A" * 43 + "=\n")
    done = _restore(archive, wrong)
    assert done.returncode == 2 and "not made with the key" in done.stderr, done.stderr
    assert sorted(p.name for p in wrong.iterdir()) == ["secret.key"]

    right = tmp_path / "right"
    right.mkdir()
    (right / "secret.key").write_bytes(rt.settings.key_file.read_bytes())
    done = _restore(archive, right)
    assert done.returncode == 0, done.stderr
    assert (right / "callkeep.db").stat().st_mode & 0o777 == 0o600
