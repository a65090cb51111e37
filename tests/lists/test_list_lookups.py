"""Look-ups: exact answers at any past moment, entity entries and wildcards, coverage, status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.kit.runtime import Runtime
from callkeep.lists import imports, service
from callkeep.lists import status as lists_status
from callkeep.lists.schemas import ImportReport

Writer = Callable[[str, "str | bytes"], Path]
Importer = Callable[..., ImportReport]
A, B, C, D = 2075550134, 2075550135, 2075550136, 2075550137
E = 6035550199


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00:00+00:00")


def hits(
    session: Session, when: datetime, phones: list[int], *, seller: str = "default"
) -> dict[str, list[bool]]:
    answers = service.lookup_many(
        session=session, numbers=np.array(phones, dtype=np.int64), at=when, seller_slug=seller
    )
    return {a.list: a.hits.tolist() for a in answers}


@pytest.mark.parametrize("storage", ["delta", "snapshot"])
def test_a_past_date_gets_the_answer_of_the_version_then_in_force(
    import_file: Importer,
    write_file: Writer,
    rt: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    storage: str,
) -> None:
    if storage == "snapshot":
        monkeypatch.setattr(imports, "DELTA_FLOOR", 0)
        monkeypatch.setattr(imports, "DELTA_SHARE", 0.0)
    import_file(write_file("v1.txt", f"{A}\n{B}\n{E}\n"), as_of=date(2026, 3, 1))
    import_file(
        write_file("c1.txt", "207,5550134,D\n207,5550136,A\n"), as_of=date(2026, 3, 10), change=True
    )
    import_file(write_file("v2.txt", f"{B}\n{D}\n"), as_of=date(2026, 4, 1))
    import_file(
        write_file("c2.txt", "207,5550134,A\n207,5550137,D\n"), as_of=date(2026, 4, 15), change=True
    )
    phones = [A, B, C, D, E]
    with rt.db.transaction(read_only=True) as session:
        assert hits(session, at("2026-02-28"), phones) == {}
        assert hits(session, at("2026-03-02"), phones)["national"] == [
            True,
            True,
            False,
            False,
            True,
        ]
        assert hits(session, at("2026-03-10"), phones)["national"] == [
            False,
            True,
            True,
            False,
            True,
        ]
        # a full list replaces its own area codes only: 603 stays as it was
        assert hits(session, at("2026-04-01"), phones)["national"] == [
            False,
            True,
            False,
            True,
            True,
        ]
        assert hits(session, at("2026-05-01"), phones)["national"] == [
            True,
            True,
            False,
            False,
            True,
        ]
        labels = [
            service.lookup_many(session=session, numbers=np.array([A]), at=at(d), seller_slug="x")[
                0
            ].version
            for d in ("2026-03-05", "2026-03-20", "2026-04-20")
        ]
        assert labels == ["2026-03-01", "2026-03-10", "2026-04-15"]


def test_every_list_in_force_is_consulted_and_lists_with_nothing_in_force_are_omitted(
    import_file: Importer, write_file: Writer, sellers: list[str], rt: Runtime
) -> None:
    import_file(write_file("n.txt", f"{A}\n"), as_of=date(2026, 3, 1))
    import_file(write_file("fl.txt", f"{B}\n"), "state:fl", as_of=date(2026, 3, 1))
    import_file(write_file("lit.txt", f"{C}\n"), "litigator", as_of=date(2026, 3, 1))
    import_file(write_file("w.txt", f"{D}\n"), "wireless", as_of=date(2026, 6, 1))
    with rt.db.transaction(read_only=True) as session:
        found = hits(session, at("2026-03-02"), [A, B, C, D])
    assert found == {
        "litigator": [False, False, True, False],
        "national": [True, False, False, False],
        "state:FL": [False, True, False, False],
    }


def test_an_entity_request_counts_from_the_moment_it_was_recorded(
    sellers: list[str], session: Session
) -> None:
    entry = service.add_entity_entry(
        session=session,
        actor="agent:ann",
        seller_slug="default",
        phone="(207) 555-0134",
        source="call",
    )
    before = entry.effective_at - timedelta(seconds=1)
    assert hits(session, before, [A]) == {}
    assert hits(session, entry.effective_at, [A, B]) == {"entity:default": [True, False]}
    assert hits(session, entry.effective_at, [A], seller="acme") == {}
    found = service.entity_entry_for(
        session=session, seller_slug="default", phone="+12075550134", at=entry.effective_at
    )
    assert found is not None and found.id == entry.id
    assert (
        service.entity_entry_for(
            session=session, seller_slug="default", phone="+12075550134", at=before
        )
        is None
    )


def test_an_entity_entry_expires_after_five_years(sellers: list[str], session: Session) -> None:
    entry = service.add_entity_entry(
        session=session, actor="agent:ann", seller_slug="default", phone="2075550134", source="call"
    )
    assert entry.expires_at.year == entry.effective_at.year + 5
    assert hits(session, entry.expires_at - timedelta(seconds=1), [A]) == {"entity:default": [True]}
    assert hits(session, entry.expires_at, [A]) == {}


def test_adding_a_number_already_on_the_seller_list_returns_the_existing_entry(
    sellers: list[str], session: Session
) -> None:
    first = service.add_entity_entry(
        session=session, actor="a", seller_slug="acme", phone="2075550134", source="web"
    )
    again = service.add_entity_entry(
        session=session, actor="a", seller_slug="acme", phone="+1 207 555 0134", source="phone"
    )
    assert again.id == first.id


def test_an_area_code_wildcard_blocks_every_number_in_it_for_that_seller_only(
    sellers: list[str], session: Session
) -> None:
    entry = service.add_entity_entry(
        session=session, actor="a", seller_slug="acme", area_code=207, source="staff"
    )
    assert hits(session, entry.effective_at, [A, D, E], seller="acme") == {
        "entity:acme": [True, True, False]
    }
    assert hits(session, entry.effective_at, [A], seller="default") == {}
    found = service.entity_entry_for(
        session=session, seller_slug="acme", phone="2075559999", at=entry.effective_at
    )
    assert found is not None and found.area_code == 207


@pytest.mark.parametrize(
    ("phone", "area_code", "message"),
    [
        (None, None, "either"),
        ("2075550134", 207, "either"),
        (None, 911, "does not exist"),
        ("12", None, "dialable"),
    ],
)
def test_an_entity_entry_needs_one_real_number_or_area_code(
    sellers: list[str], session: Session, phone: str | None, area_code: int | None, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        service.add_entity_entry(
            session=session,
            actor="a",
            seller_slug="acme",
            phone=phone,
            area_code=area_code,
            source="x",
        )


def test_national_coverage_keeps_each_area_code_and_reports_the_oldest_as_of(
    import_file: Importer, write_file: Writer, rt: Runtime
) -> None:
    import_file(write_file("207.txt", f"{A}\n"), as_of=date(2026, 3, 1))
    import_file(write_file("603.txt", f"{E}\n"), as_of=date(2026, 3, 20))
    import_file(
        write_file("none.txt", "8025550100\n"), as_of=date(2026, 3, 21), area_codes=[802, 207]
    )
    with rt.db.transaction(read_only=True) as session:
        early = service.national_coverage(session=session, at=at("2026-03-05"))
        late = service.national_coverage(session=session, at=at("2026-03-25"))
        missing = service.national_coverage(session=session, at=at("2026-01-01"))
        # --area-codes 802,207 made 207 empty in that version
        assert hits(session, at("2026-03-25"), [A, E, 8025550100])["national"] == [
            False,
            True,
            True,
        ]
    assert (early.version, early.as_of, early.area_codes) == ("2026-03-01", date(2026, 3, 1), {207})
    assert (late.version, late.as_of, late.area_codes) == (
        "2026-03-21",
        date(2026, 3, 20),
        {207, 603, 802},
    )
    assert missing == service.NationalCoverage(version=None, as_of=None, area_codes=frozenset())


def test_status_shows_each_list_and_the_safe_harbor_days_left(
    import_file: Importer, write_file: Writer, sellers: list[str], rt: Runtime
) -> None:
    import_file(write_file("n.txt", f"{A}\n{B}\n"), as_of=date(2026, 3, 1))
    with rt.db.transaction() as session:
        service.add_entity_entry(
            session=session, actor="a", seller_slug="acme", phone="2075550134", source="x"
        )
    with rt.db.transaction(read_only=True) as session:
        found = {
            s.list: s
            for s in lists_status.status(session=session, now=datetime(2026, 3, 11, tzinfo=UTC))
        }
        stale = lists_status.status(session=session, now=datetime(2026, 4, 11, tzinfo=UTC))[0]
    national = found["national"]
    assert (national.size, national.age_days, national.area_codes) == (2, 10, [207])
    assert (national.safe_harbor_days_left, national.stale) == (21, False)
    assert stale.stale is True
    assert found["entity:acme"].entries == 1


def test_a_running_process_sees_a_new_version_at_its_next_look_up(
    import_file: Importer, write_file: Writer, rt: Runtime
) -> None:
    import_file(write_file("v1.txt", f"{A}\n"), as_of=date(2026, 3, 1))
    with rt.db.transaction(read_only=True) as session:
        assert hits(session, at("2026-03-05"), [A, B])["national"] == [True, False]
    import_file(write_file("v2.txt", f"{B}\n"), as_of=date(2026, 3, 2))
    with rt.db.transaction(read_only=True) as session:
        assert hits(session, at("2026-03-05"), [A, B])["national"] == [False, True]


def test_a_version_imported_in_the_same_transaction_is_seen_by_its_next_look_up(
    import_file: Importer, write_file: Writer, rt: Runtime
) -> None:
    import_file(write_file("v1.txt", f"{A}\n"), as_of=date(2026, 3, 1))
    with rt.db.transaction() as session:
        assert hits(session, at("2026-03-05"), [A, B])["national"] == [True, False]
        imports.import_list(
            session=session,
            actor="test:compliance",
            folder=rt.settings.snapshot_dir,
            max_unzipped=rt.settings.max_unzipped_bytes,
            request=imports.ImportRequest(
                paths=[write_file("v2.txt", f"{B}\n")], list_name="national", as_of=date(2026, 3, 2)
            ),
        )
        assert hits(session, at("2026-03-05"), [A, B])["national"] == [False, True]
    with rt.db.transaction(read_only=True) as session:
        assert hits(session, at("2026-03-05"), [A, B])["national"] == [False, True]


def test_a_seller_list_with_entries_answers_even_for_numbers_not_on_it(
    sellers: list[str], session: Session
) -> None:
    entry = service.add_entity_entry(
        session=session, actor="a", seller_slug="acme", phone="2075550134", source="web"
    )
    one = service.lookup_many(
        session=session, numbers=np.array([B]), at=entry.effective_at, seller_slug="acme"
    )
    many = service.lookup_many(
        session=session, numbers=np.full(500, B), at=entry.effective_at, seller_slug="acme"
    )
    assert [(a.list, a.hits.tolist()) for a in one] == [("entity:acme", [False])]
    assert one[0].version == many[0].version
    assert entry.id in (one[0].version or "")


def test_one_number_a_few_and_a_chunk_see_the_same_entity_entries(
    sellers: list[str], session: Session
) -> None:
    by_number = service.add_entity_entry(
        session=session, actor="a", seller_slug="default", phone="2075550134", source="call"
    )
    by_area = service.add_entity_entry(
        session=session, actor="a", seller_slug="default", area_code=305, source="letter"
    )
    miami = 3055550123
    moments = [
        by_number.effective_at - timedelta(seconds=1),
        by_number.effective_at,
        by_number.expires_at - timedelta(seconds=1),
        by_number.expires_at,
    ]
    for when in moments:
        expected = {n: hits(session, when, [n]).get("entity:default", [False])[0] for n in (A, B)}
        expected[miami] = hits(session, when, [miami]).get("entity:default", [False])[0]
        few = hits(session, when, [A, B, miami]).get("entity:default", [False] * 3)
        chunk = hits(session, when, [A, B, miami] * 100).get("entity:default", [False] * 300)
        assert few == [expected[A], expected[B], expected[miami]]
        assert chunk == few * 100
    both = max(by_number.effective_at, by_area.effective_at)  # a second may pass between them
    assert hits(session, both, [A, B, miami]) == {"entity:default": [True, False, True]}


def test_the_entries_and_the_label_read_in_one_statement_equal_the_whole_list_read(
    sellers: list[str], session: Session
) -> None:
    """A check's few numbers read their entries and the list's label in one statement; the same
    numbers inside a chunk (which reads the seller's whole list) get the same hits and label."""
    entries = [
        service.add_entity_entry(
            session=session, actor="a", seller_slug="default", phone="2075550134", source="call"
        ),
        service.add_entity_entry(
            session=session, actor="a", seller_slug="default", area_code=305, source="letter"
        ),
        service.add_entity_entry(
            session=session, actor="a", seller_slug="acme", phone="2075550135", source="web"
        ),
        service.add_entity_entry(
            session=session, actor="a", seller_slug="acme", area_code=603, source="call"
        ),
    ]
    miami = 3055550123
    asked = [[A], [B], [miami], [E], [A, B], [A, miami, E], [B, C, D, E, miami]]
    moments = sorted(
        {
            moment
            for entry in entries
            for moment in (
                entry.effective_at - timedelta(seconds=1),
                entry.effective_at,
                entry.expires_at - timedelta(seconds=1),
                entry.expires_at,
            )
        }
    )
    answered = set()
    for seller in ("default", "acme"):
        for when in moments:
            for numbers in asked:
                few = service.lookup_many(
                    session=session,
                    numbers=np.array(numbers, dtype=np.int64),
                    at=when,
                    seller_slug=seller,
                )
                chunk = service.lookup_many(
                    session=session,
                    numbers=np.array(numbers * 100, dtype=np.int64),
                    at=when,
                    seller_slug=seller,
                )
                assert [a.list for a in few] == [a.list for a in chunk]
                for one, whole in zip(few, chunk, strict=True):
                    assert one.version == whole.version
                    assert one.hits.tolist() * 100 == whole.hits.tolist()
                    answered.add((one.version, tuple(one.hits.tolist())))
    assert len(answered) > 6  # labels and hits vary over the moments, sellers and numbers
