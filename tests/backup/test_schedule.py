"""Backups on a schedule: taken, verified, kept grandfather-father-son, and the last good one
shown; the schedule's rules and its thread."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from callkeep.app import create_app
from callkeep.backup import scheduled
from callkeep.backup import service as backup
from callkeep.config import Settings
from callkeep.errors import CallkeepError
from callkeep.kit.runtime import Runtime
from callkeep.kit.schedule import Job, Schedule, daily_at, every

T0 = datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)


def test_the_schedule_setting_reads_hourly_daily_and_daily_at_a_time() -> None:
    assert scheduled.parse_schedule("") is None and scheduled.parse_schedule("off") is None
    hourly = scheduled.parse_schedule("hourly")
    assert hourly is not None and hourly[0](T0) == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    daily = scheduled.parse_schedule("daily")
    assert daily is not None and daily[0](T0) == datetime(2026, 12, 1, tzinfo=UTC)
    at = scheduled.parse_schedule("daily 02:30")
    assert at is not None and at[0](T0) == datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
    assert at[1] == timedelta(days=1)
    for bad in ("weekly", "daily 25:00", "daily 2:3", "every 5 minutes"):
        with pytest.raises(CallkeepError, match="CALLKEEP_BACKUP_SCHEDULE"):
            scheduled.parse_schedule(bad)


def test_a_bad_schedule_stops_the_server_before_it_starts(settings: Settings) -> None:
    settings.backup_schedule = "sometimes"
    with pytest.raises(CallkeepError, match="hourly"):
        create_app(settings)


def test_the_next_run_comes_after_now_on_the_rules_boundaries() -> None:
    assert every(timedelta(hours=1))(datetime(2026, 1, 1, 5, 0, tzinfo=UTC)) == datetime(
        2026, 1, 1, 6, 0, tzinfo=UTC
    )
    assert daily_at(3, 0)(datetime(2026, 1, 1, 3, 0, tzinfo=UTC)) == datetime(
        2026, 1, 2, 3, 0, tzinfo=UTC
    )
    assert daily_at(3, 0)(datetime(2026, 1, 1, 2, 59, tzinfo=UTC)) == datetime(
        2026, 1, 1, 3, 0, tzinfo=UTC
    )


def _expected_kept(days: list[date], daily: int, weekly: int, monthly: int) -> set[date]:
    """Grandfather-father-son worked out by calendar, one backup a day at noon."""
    newest = max(days)
    kept = {newest}
    kept |= {d for d in days if (newest - d).days < daily}
    for weeks_back in range(weekly):
        monday = newest - timedelta(days=newest.weekday() + 7 * weeks_back)
        in_week = [d for d in days if monday <= d < monday + timedelta(days=7)]
        kept |= {max(in_week)} if in_week else set()
    year, month = newest.year, newest.month
    for _ in range(monthly):
        in_month = [d for d in days if (d.year, d.month) == (year, month)]
        kept |= {max(in_month)} if in_month else set()
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return kept


def test_grandfather_father_son_keeps_the_newest_of_each_day_week_and_month() -> None:
    days = [date(2025, 6, 1) + timedelta(days=i) for i in range(500)]
    stamps = [datetime(d.year, d.month, d.day, 12, tzinfo=UTC) for d in days]
    kept = scheduled.to_keep(stamps, daily=7, weekly=4, monthly=12)
    assert {s.date() for s in kept} == _expected_kept(days, 7, 4, 12)
    # newest Tue 2026-10-13: 7 days; the weeks add Sun 10-04 and 09-27 (10-11 is a kept day);
    # the months add the last day of each of 11 earlier months
    assert len(kept) == 7 + 2 + 11
    twice_a_day = stamps + [s + timedelta(hours=6) for s in stamps]
    assert all(s.hour == 18 for s in scheduled.to_keep(twice_a_day, daily=7, weekly=4, monthly=12))


def test_a_scheduled_backup_is_verified_written_down_and_the_old_ones_pruned(
    rt: Runtime,
) -> None:
    folder = scheduled.scheduled_dir(rt.settings)
    folder.mkdir(parents=True)
    old = [folder / f"callkeep-202601{day:02d}T010000Z.zip" for day in range(1, 11)]
    for path in old:
        path.write_bytes(b"an old backup")
    by_hand = folder / "before-the-upgrade.zip"
    by_hand.write_bytes(b"made by hand")
    rt.settings.backup_keep_daily = 2
    rt.settings.backup_keep_weekly = 1
    rt.settings.backup_keep_monthly = 1

    taken = scheduled.take_scheduled(rt, period=timedelta(days=1))
    assert taken is not None and backup.check(path=taken, keys=rt.keys).intact
    good = backup.last_good_backup(rt.settings)
    assert good is not None and good.file == str(taken) and good.verified
    left = sorted(p.name for p in folder.glob("*.zip"))
    # the new one (today), the newest of January 2026's last day; the one made by hand stays
    assert left == sorted([taken.name, old[-1].name, by_hand.name])
    assert scheduled.take_scheduled(rt, period=timedelta(days=1)) is None  # taken this period


def test_the_last_good_backup_is_shown_to_compliance(
    rt: Runtime, client: TestClient, tokens: dict[str, str], tmp_path: Path
) -> None:
    headers = {"Authorization": f"Bearer {tokens['compliance']}"}
    assert client.get("/api/v1/backups/last-good", headers=headers).json() is None
    backup.create_verified(rt=rt, out=tmp_path / "b.zip")
    shown = client.get("/api/v1/backups/last-good", headers=headers).json()
    assert shown["file"] == str((tmp_path / "b.zip").resolve()) and shown["verified"] is True
    refused = client.get(
        "/api/v1/backups/last-good", headers={"Authorization": f"Bearer {tokens['dialer']}"}
    )
    assert refused.status_code == 403


def test_the_schedule_runs_each_job_when_due_and_stops_when_asked() -> None:
    ran: list[str] = []
    done = threading.Event()

    def soon(now: datetime) -> datetime:
        return now + timedelta(milliseconds=20)

    def tick() -> None:
        ran.append("tick")
        if len(ran) >= 3:
            done.set()

    def broken() -> None:
        raise RuntimeError("a failing job does not stop the others")

    schedule = Schedule(
        [Job("tick", soon, tick, at_start=True), Job("broken", soon, broken)]
    ).start()
    try:
        assert done.wait(timeout=20)
        # The control: running, the job ticks again (every 20 ms) after the failing one ran.
        before = len(ran)
        deadline = time.monotonic() + 20
        while len(ran) == before:
            assert time.monotonic() < deadline, "the schedule stopped ticking by itself"
            time.sleep(0.01)
    finally:
        schedule.stop()
    count = len(ran)
    time.sleep(0.2)  # ten periods: a running schedule ticks in this window, as just seen
    assert len(ran) == count  # stopped
