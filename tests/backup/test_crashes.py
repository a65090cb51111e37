"""A list import, a bulk call write and a backup killed (SIGKILL) at any point leave nothing that
a later run keeps, copies into a backup or mistakes for good."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import world
from sqlalchemy import func, select

from callkeep.backup import service as backup
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.lists.models import ListVersion
from callkeep.records import models as records_models

HERE = Path(__file__).parent
CALLKEEP = str(Path(sys.executable).parent / "callkeep")
NUMBERS = 20_000


def _env(rt: Runtime) -> dict[str, str]:
    return {
        **os.environ,
        "CALLKEEP_DATA_DIR": str(rt.settings.data_dir),
        "CALLKEEP_DATABASE_URL": rt.settings.database_url,
        "CALLKEEP_SECRET_KEY_FILE": str(rt.settings.key_file),
        "COLUMNS": "200",
    }


def _run(rt: Runtime, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CALLKEEP, *args], env=_env(rt), capture_output=True, text=True, timeout=120, check=False
    )


def _killed_at(rt: Runtime, point: str, tmp_path: Path, *args: str) -> None:
    """Runs the command until it reaches `point`, then kills it with SIGKILL."""
    marker = tmp_path / f"reached-{point}"
    process = subprocess.Popen(
        [sys.executable, str(HERE / "crashing.py"), point, str(marker), *args],
        env=_env(rt),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        if process.poll() is not None:
            pytest.fail(f"{point} never reached: {process.stderr.read() if process.stderr else ''}")
        assert time.monotonic() < deadline, f"{point} not reached in time"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    if process.stderr:
        process.stderr.close()


def _count(rt: Runtime, model: type) -> int:
    with rt.db.transaction(read_only=True) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _list_file(tmp_path: Path) -> Path:
    path = tmp_path / "national.txt"
    path.write_text("".join(f"207{5550000 + i:07d}\n" for i in range(NUMBERS)))
    return path


def _intact(rt: Runtime) -> bool:
    """What `callkeep audit verify` answers (exit 0), asked in this process: the processes the
    tests kill and start again are the ones that write."""
    with rt.db.transaction(read_only=True) as s:
        report = ledger.verify(session=s)
    assert report.intact, report.problems
    return True


def _named_files(rt: Runtime) -> set[str]:
    with rt.db.transaction(read_only=True) as s:
        return set(s.scalars(select(ListVersion.file_name)))


@pytest.mark.parametrize("point", ["list-reading", "list-written", "list-renamed", "list-recorded"])
def test_a_list_import_killed_at_any_point_leaves_nothing_a_later_run_keeps(
    rt: Runtime, tmp_path: Path, point: str
) -> None:
    source = _list_file(tmp_path)
    command = ("lists", "import", str(source), "--list", "national", "--area-codes", "207")
    _killed_at(rt, point, tmp_path, *command)
    left = {p.name for p in rt.settings.snapshot_dir.iterdir()}
    debris = {
        "list-reading": set(),
        "list-written": {n for n in left if n.startswith(".tmp-")},
        "list-renamed": {n for n in left if n.endswith(".snap")},
        "list-recorded": {n for n in left if n.endswith(".snap")},
    }[point]
    assert bool(debris) == (point != "list-reading")  # the crash did leave something behind
    assert _count(rt, ListVersion) == 0
    assert _intact(rt)

    meanwhile = tmp_path / "meanwhile.zip"  # a backup now holds no list file the crash left
    made = _run(rt, "backup", "create", "--out", str(meanwhile))
    assert made.returncode == 0, made.stdout + made.stderr
    with zipfile.ZipFile(meanwhile) as archive:
        assert not [n for n in archive.namelist() if n.startswith("lists/")]

    again = _run(rt, *command)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _count(rt, ListVersion) == 1
    files = {p.name for p in rt.settings.snapshot_dir.iterdir()}
    assert files == _named_files(rt) | {".import.lock"}
    assert _intact(rt)
    blocked = _run(rt, "check", "+12075550123", "--at", "2026-12-01T15:00:00Z")
    assert blocked.returncode == 1 and "national" in blocked.stdout


@pytest.mark.parametrize("point", ["backup-dumping", "backup-complete", "backup-unverified"])
def test_a_backup_killed_at_any_point_leaves_nothing_a_later_run_keeps_or_trusts(
    rt: Runtime, tmp_path: Path, point: str
) -> None:
    source = _list_file(tmp_path)
    assert _run(rt, "lists", "import", str(source), "--list", "national").returncode == 0
    folder = rt.settings.backup_dir
    target = folder / "nightly.zip"
    _killed_at(rt, point, tmp_path, "backup", "create", "--out", str(target))
    assert backup.last_good_backup(rt.settings) is None  # nothing claims a good backup
    if point != "backup-unverified":
        assert not target.exists()  # never a half-written file under the real name
        assert list(folder.glob("nightly.zip.*.partial"))  # what the crash left

    again = _run(rt, "backup", "create", "--out", str(target))
    assert again.returncode == 0, again.stdout + again.stderr
    assert not list(folder.glob("*.partial"))
    assert {p.name for p in folder.iterdir()} == {"nightly.zip", "last-good.json", ".backup.lock"}
    assert backup.check(path=target, keys=rt.keys).intact
    good = backup.last_good_backup(rt.settings)
    assert good is not None and good.file == str(target.resolve()) and good.verified
    assert _intact(rt)


@pytest.fixture
def campaign(rt: Runtime) -> None:
    with rt.db.transaction() as session:
        make = world.Builder(world.World(rt=rt), session)
        make.seller(world.ANDROSCOGGIN)
        make.campaign("androscoggin-energy", world.HEAT_PUMPS, caller_id_name=None)


def test_a_bulk_call_write_killed_before_its_commit_leaves_no_call_and_a_rerun_stores_each_once(
    rt: Runtime, tmp_path: Path, campaign: None
) -> None:
    script = str(HERE / "bulk_calls.py")
    _killed_at(rt, "calls-inserted", tmp_path, "--python", script, "500")
    assert _count(rt, records_models.Call) == 0
    assert _intact(rt)
    again = subprocess.run(
        [sys.executable, script, "500"], env=_env(rt), capture_output=True, text=True, check=False
    )
    assert again.returncode == 0, again.stderr
    assert _count(rt, records_models.Call) == 500
    assert _intact(rt)
