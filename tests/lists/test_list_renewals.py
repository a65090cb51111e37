"""Obtaining the registry again renews the safe harbor even when its content has not changed: a
new version and a new 310.5(a)(11) access record sharing the stored file; only the same content
with the same as-of date is a no-op."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.checks import service as checks
from callkeep.checks.schemas import CheckIn
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.lists.models import ListVersion
from callkeep.lists.schemas import ImportReport
from callkeep.lists.status import status

FIRST = date(2026, 10, 1)
SECOND = FIRST + timedelta(days=20)
NUMBERS = "207,5550134\n207,5550135\n"
Importer = Callable[..., ImportReport]


def obtain(import_file: Importer, path: Path, *, as_of: date, **access: object) -> ImportReport:
    """Imports `path` as the national list obtained on `as_of`, with its access record."""
    fields = {"san": "SAN-77", "accessed_by": "Auburn Home Services", **access}
    return import_file(path, as_of=as_of, campaigns="windows,solar", **fields)


def stale_at(rt: Runtime, moment: datetime) -> bool:
    with rt.db.transaction() as session:
        decision, _ = checks.decide_one(
            session=session, check_in=CheckIn(phone="+12075550199", at=moment.isoformat())
        )
    return "registry_stale" in {r.code for r in decision.reasons}


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, 0, tzinfo=UTC)


def test_the_same_bytes_obtained_20_days_later_renew_the_safe_harbor(
    rt: Runtime, tmp_path: Path, sellers: list[str], import_file: Importer
) -> None:
    path = tmp_path / "207.txt"
    path.write_text(NUMBERS)
    first = obtain(import_file, path, as_of=FIRST, san="SAN-77", accessed_by="Auburn Home Services")
    renewed = obtain(
        import_file, path, as_of=SECOND, san="SAN-78", accessed_by="Dialing Partners LLC"
    )
    assert not renewed.already_imported
    assert renewed.version_id != first.version_id
    assert (renewed.as_of, renewed.added, renewed.removed, renewed.size) == (SECOND, 0, 0, 2)

    with rt.db.transaction() as session:
        old, new = session.scalars(select(ListVersion).order_by(ListVersion.seq)).all()
        # a new access record: who, when, SAN, campaigns
        assert (new.accessed_by, new.accessed_on, new.san, new.campaigns) == (
            "Dialing Partners LLC",
            datetime.now(UTC).date(),
            "SAN-78",
            "windows,solar",
        )
        assert (old.accessed_by, old.san) == ("Auburn Home Services", "SAN-77")
        # the stored snapshot is shared, never copied
        assert (new.file_name, new.file_sha256, new.storage) == (
            old.file_name,
            old.file_sha256,
            old.storage,
        )
        assert new.coverage == f"207:{SECOND.isoformat()}"
        assert ledger.verify(session=session).intact
    files = sorted(p.name for p in rt.settings.snapshot_dir.iterdir() if p.suffix == ".snap")
    assert files == [old.file_name]

    # across the 31-day line: fresh 25 days after the second, stale 32 days after it
    assert stale_at(rt, noon(FIRST + timedelta(days=32))) is False  # the renewal is in force
    assert stale_at(rt, noon(SECOND + timedelta(days=25))) is False
    assert stale_at(rt, noon(SECOND + timedelta(days=32))) is True
    with rt.db.transaction() as session:
        (national,) = status(session=session, now=noon(SECOND + timedelta(days=25)))
    assert national.as_of == SECOND and national.versions == 2
    assert national.safe_harbor_days_left == 6 and national.stale is False


def test_before_the_renewal_the_first_version_is_the_one_in_force(
    rt: Runtime, tmp_path: Path, sellers: list[str], import_file: Importer
) -> None:
    path = tmp_path / "207.txt"
    path.write_text(NUMBERS)
    obtain(import_file, path, as_of=FIRST)
    assert stale_at(rt, noon(FIRST + timedelta(days=32))) is True
    obtain(import_file, path, as_of=SECOND)
    # the answer about a past moment is still the one that was right then
    assert stale_at(rt, noon(FIRST + timedelta(days=19))) is False
    assert stale_at(rt, noon(FIRST + timedelta(days=32))) is False


def test_the_same_bytes_with_the_same_as_of_change_nothing(
    tmp_path: Path, session: Session, import_file: Importer
) -> None:
    path = tmp_path / "207.txt"
    path.write_text(NUMBERS)
    first = obtain(import_file, path, as_of=FIRST)
    again = obtain(import_file, path, as_of=FIRST)
    assert again.already_imported and again.version_id == first.version_id
    assert len(session.scalars(select(ListVersion)).all()) == 1


def test_a_change_list_that_changes_nothing_still_records_its_access(
    tmp_path: Path, session: Session, import_file: Importer
) -> None:
    full = tmp_path / "207.txt"
    full.write_text(NUMBERS)
    obtain(import_file, full, as_of=FIRST)
    changes = tmp_path / "207-changes.txt"
    changes.write_text("207,5550134,A\n207,5550199,D\n")  # already on it; not on it
    report = obtain(import_file, changes, as_of=SECOND, change=True, san="SAN-79")
    assert not report.already_imported
    assert (report.added, report.removed, report.removed_absent) == (0, 0, 1)
    versions = session.scalars(select(ListVersion).order_by(ListVersion.seq)).all()
    assert [v.as_of for v in versions] == [FIRST, SECOND]
    assert versions[1].san == "SAN-79" and versions[1].change
    assert versions[1].file_name == versions[0].file_name
    assert versions[1].coverage == f"207:{SECOND.isoformat()}"
