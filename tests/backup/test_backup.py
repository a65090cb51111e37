"""A backup holds everything, proves itself, and restores into a fresh database on any engine."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from callkeep.auth import service as auth_service
from callkeep.backup import service as backup
from callkeep.config import Settings
from callkeep.errors import Conflict
from callkeep.kit.runtime import Runtime, build_runtime
from callkeep.ledger import service as ledger
from callkeep.lists import imports
from callkeep.lists.models import ListVersion


def _seed(rt: Runtime) -> None:
    with rt.db.transaction() as s:
        for i in range(5):
            auth_service.create_token(session=s, actor="alice", name=f"t{i}", role="agent")
    import_national(rt, ["2075550100", "2075550101"])


def import_national(rt: Runtime, numbers: list[str]) -> str:
    """Imports a national list file of `numbers`; returns the snapshot file's name."""
    source = rt.settings.data_dir.parent / f"national-{len(numbers)}.txt"
    source.write_text("".join(f"{n}\n" for n in numbers))
    with rt.db.transaction() as s:
        imports.import_list(
            session=s,
            actor="test",
            folder=rt.settings.snapshot_dir,
            max_unzipped=rt.settings.max_unzipped_bytes,
            request=imports.ImportRequest(paths=[source], list_name="national", area_codes=[207]),
        )
        version = s.scalars(select(ListVersion).order_by(ListVersion.seq.desc())).first()
        assert version is not None
        return version.file_name


def test_backup_verifies_and_restores_into_a_fresh_sqlite(rt: Runtime, tmp_path: Path) -> None:
    _seed(rt)
    archive = tmp_path / "b.zip"
    manifest = backup.create(rt=rt, out=archive)
    assert manifest.tables["api_tokens"] == 5 and manifest.ledger_head_seq == 6
    assert backup.check(path=archive, keys=rt.keys).intact

    fresh = build_runtime(
        Settings(
            data_dir=tmp_path / "restored",
            database_url=f"sqlite:///{tmp_path / 'restored.db'}",
            secret_key_file=rt.settings.key_file,
        )
    )
    backup.restore(rt=fresh, path=archive)
    with fresh.db.transaction(read_only=True) as s:
        report = ledger.verify(session=s)
    assert report.intact and report.records == 6 and report.head_hash == manifest.ledger_head_hash
    (snapshot,) = rt.settings.snapshot_dir.glob("*.snap")
    assert (fresh.settings.snapshot_dir / snapshot.name).read_bytes() == snapshot.read_bytes()
    (checkpoint,) = rt.settings.checkpoint_dir.glob("checkpoint-*.txt")
    assert (fresh.settings.checkpoint_dir / checkpoint.name).read_text() == checkpoint.read_text()
    with pytest.raises(Conflict):
        backup.restore(rt=fresh, path=archive)
    fresh.db.dispose()


def test_an_altered_backup_is_detected(rt: Runtime, tmp_path: Path) -> None:
    _seed(rt)
    archive = tmp_path / "b.zip"
    backup.create(rt=rt, out=archive)
    altered = tmp_path / "altered.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(altered, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "db/api_tokens.jsonl":
                data = data.replace(b'"t3"', b'"t9"')
            dst.writestr(item, data)
    result = backup.check(path=altered, keys=rt.keys)
    assert not result.intact
    assert any("api_tokens" in p for p in result.problems)


def test_a_backup_signed_by_another_key_is_reported(rt: Runtime, tmp_path: Path) -> None:
    _seed(rt)
    archive = tmp_path / "b.zip"
    backup.create(rt=rt, out=archive)
    from callkeep.kit import crypto

    other = crypto.load_or_create_keyring(tmp_path / "other.key")
    result = backup.check(path=archive, keys=other, replay_ledger=False)
    assert result.signed_by_this_key is False and not result.intact
    crypto.install(rt.keys)


def test_a_broken_ledger_is_still_backed_up_and_the_backup_says_it_does_not_verify(
    rt: Runtime, tmp_path: Path
) -> None:
    from sqlalchemy import text

    _seed(rt)
    with rt.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE seq = 2"))
    result = backup.create_verified(rt=rt, out=tmp_path / "evidence.zip")
    assert (tmp_path / "evidence.zip").is_file()
    assert not result.intact and any("missing" in p for p in result.problems)
    assert backup.last_good_backup(rt.settings) is None
