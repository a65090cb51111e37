"""Imports: versions with provenance, re-imports, bad files, zip archives, atomicity."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.lists import imports, index, service
from callkeep.lists.models import ListVersion
from callkeep.lists.schemas import ImportReport

Writer = Callable[[str, "str | bytes"], Path]
Importer = Callable[..., ImportReport]
AT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def on_national(session: Session, phones: list[int], at: datetime = AT) -> list[bool]:
    answers = service.lookup_many(
        session=session, numbers=np.array(phones, dtype=np.int64), at=at, seller_slug="default"
    )
    national = [a for a in answers if a.list == "national"]
    return national[0].hits.tolist() if national else [False] * len(phones)


def test_an_import_records_its_provenance_and_the_registry_access(
    import_file: Importer, write_file: Writer, session: Session
) -> None:
    path = write_file("207.txt", "207,5550134\n207,5550135\n9115550000\n")
    report = import_file(path, as_of=date(2026, 11, 1), san="SAN-1")
    assert (report.added, report.removed, report.unreadable, report.size) == (2, 0, 1, 2)
    assert report.first_unreadable[0].line == 3
    version = session.scalars(select(ListVersion)).one()
    assert version.san == "SAN-1"
    assert version.source_sha256 == imports.sha256_of(path)
    assert version.accessed_by == "test:compliance"
    assert version.label == "2026-11-01"
    assert ledger.verify(session=session).intact


def test_the_same_file_imported_again_the_same_day_changes_nothing(
    import_file: Importer, write_file: Writer, session: Session
) -> None:
    path = write_file("207.txt", "2075550134\n")
    first = import_file(path, as_of=date(2026, 11, 1))
    again = import_file(path, as_of=date(2026, 11, 1))
    assert again.already_imported
    assert again.version_id == first.version_id
    assert len(session.scalars(select(ListVersion)).all()) == 1


def test_a_change_list_counts_deletions_of_numbers_not_on_the_list(
    import_file: Importer, write_file: Writer, session: Session
) -> None:
    import_file(write_file("full.txt", "2075550134\n2075550135\n"), as_of=date(2026, 11, 1))
    report = import_file(
        write_file("chg.txt", "207,5550134,D\n207,5550136,a\n207,5550999,delete\n"),
        as_of=date(2026, 11, 10),
        change=True,
    )
    assert (report.added, report.removed, report.removed_absent) == (1, 1, 1)
    assert report.size == 2
    assert on_national(session, [2075550134, 2075550135, 2075550136]) == [False, True, True]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (bytes(range(256)) * 20, "binary"),
        (b"hello\nworld\n", "no phone numbers"),
    ],
)
def test_a_bad_file_is_refused_and_the_list_in_force_is_untouched(
    import_file: Importer, write_file: Writer, session: Session, content: bytes, message: str
) -> None:
    import_file(write_file("good.txt", "2075550134\n"), as_of=date(2026, 11, 1))
    with pytest.raises(InvalidInput, match=message):
        import_file(write_file("bad.txt", content), as_of=date(2026, 11, 5))
    assert len(session.scalars(select(ListVersion)).all()) == 1
    assert on_national(session, [2075550134]) == [True]


def test_a_zip_of_area_code_files_is_one_version(
    import_file: Importer, tmp_path: Path, session: Session
) -> None:
    archive = tmp_path / "national.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("207.txt", "207,5550134\n207,5550135\n")
        out.writestr("sub/603.txt", "6035550199\nbad\n")
    report = import_file(archive, as_of=date(2026, 11, 1))
    assert report.size == 3
    assert report.first_unreadable[0].source.endswith("sub/603.txt")
    assert report.first_unreadable[0].line == 2
    assert service.national_coverage(session=session, at=AT).area_codes == {207, 603}


def test_a_zip_member_that_climbs_out_of_the_archive_is_refused(
    import_file: Importer, tmp_path: Path
) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("../x.txt", "2075550134\n")
    with pytest.raises(InvalidInput, match="climbs out"):
        import_file(archive)


def test_a_zip_bomb_is_refused(rt: Runtime, tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("a.txt", b"2075550134\n" * 200_000)
    with rt.db.transaction() as session, pytest.raises(InvalidInput, match="zip bomb"):
        imports.import_list(
            session=session,
            actor="test",
            folder=rt.settings.snapshot_dir,
            max_unzipped=100_000,
            request=imports.ImportRequest(paths=[archive], list_name="national"),
        )


def test_a_crash_before_the_record_is_committed_leaves_the_previous_version_in_force(
    import_file: Importer,
    write_file: Writer,
    rt: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_file(write_file("v1.txt", "2075550134\n"), as_of=date(2026, 11, 1))
    second = write_file("v2.txt", "2075550177\n")

    def crash(**_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(imports.ledger, "record", crash)
    with pytest.raises(KeyboardInterrupt):
        import_file(second, as_of=date(2026, 11, 2))
    monkeypatch.undo()
    files = sorted(p.name for p in rt.settings.snapshot_dir.iterdir())
    assert len([f for f in files if f.endswith((".snap", ".delta"))]) == 2
    with rt.db.transaction(read_only=True) as session:
        assert on_national(session, [2075550134, 2075550177]) == [True, False]
    (rt.settings.snapshot_dir / f"{index.TEMP_PREFIX}leftover.snap").write_bytes(b"half")
    report = import_file(second, as_of=date(2026, 11, 2))
    assert not report.already_imported
    assert not (rt.settings.snapshot_dir / f"{index.TEMP_PREFIX}leftover.snap").exists()
    with rt.db.transaction(read_only=True) as session:
        assert on_national(session, [2075550134, 2075550177]) == [False, True]


def test_a_version_older_than_the_newest_is_refused(
    import_file: Importer, write_file: Writer
) -> None:
    import_file(write_file("a.txt", "2075550134\n"), as_of=date(2026, 11, 10))
    with pytest.raises(InvalidInput, match="cannot come after"):
        import_file(write_file("b.txt", "2075550135\n"), as_of=date(2026, 11, 1))


def test_an_entity_list_file_never_loses_numbers(
    import_file: Importer, write_file: Writer, sellers: list[str], session: Session
) -> None:
    import_file(write_file("e1.txt", "2075550134\n"), "entity:acme", as_of=date(2026, 11, 1))
    import_file(write_file("e2.txt", "2075550135\n"), "entity:acme", as_of=date(2026, 11, 2))
    with pytest.raises(InvalidInput, match="never loses"):
        import_file(
            write_file("e3.txt", "207,5550134,D\n"),
            "entity:acme",
            change=True,
            as_of=date(2026, 11, 3),
        )
    answers = service.lookup_many(
        session=session,
        numbers=np.array([2075550134, 2075550135], dtype=np.int64),
        at=AT,
        seller_slug="acme",
    )
    assert [(a.list, a.hits.tolist()) for a in answers] == [("entity:acme", [True, True])]


def test_an_unknown_list_name_is_refused(import_file: Importer, write_file: Writer) -> None:
    with pytest.raises(InvalidInput, match="not a list"):
        import_file(write_file("a.txt", "2075550134\n"), "state:ZZ")


def test_a_list_dated_in_the_future_is_refused(import_file: Importer, write_file: Writer) -> None:
    with pytest.raises(InvalidInput, match="future"):
        import_file(write_file("a.txt", "2075550134\n"), as_of=date(2099, 1, 1))


def test_numbers_outside_the_named_area_codes_are_refused(
    import_file: Importer, write_file: Writer
) -> None:
    with pytest.raises(InvalidInput, match="603"):
        import_file(write_file("a.txt", "2075550134\n6035550199\n"), area_codes=[207])
