"""A dialer's file imported late, for days the staff app has already counted, is in the
trends' and calls list's roll-ups at the next read, as counting the calls says."""

from __future__ import annotations

from datetime import timedelta

from dialer_fixtures import Cdr, master_csv

from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from tests.rollup_checks import assert_rolled_up_as_counted, count_days


def test_an_imported_file_is_in_the_roll_ups_at_the_next_read(floor: Runtime, import_file) -> None:  # type: ignore[no-untyped-def]
    count_days(floor)
    today = utcnow().replace(tzinfo=None, hour=14, minute=0, second=0, microsecond=0)
    records = []
    for i in range(12):
        start = today - timedelta(days=1 + i * 3, minutes=i)
        answered = i % 3 != 0
        records.append(
            Cdr(
                dst=f"20755501{i:02d}",
                start=start,
                answer=start + timedelta(seconds=7) if answered else None,
                end=start + timedelta(seconds=90),
                disposition="ANSWERED" if answered else "NO ANSWER",
                uniqueid=f"{int(start.timestamp())}.{i}",
            )
        )
    report = import_file(master_csv(records), campaign="heat-pumps", telemarketer="Claire F.")
    assert (report.imported, report.problems) == (12, 0)
    counted = assert_rolled_up_as_counted(floor)
    assert counted[-1] == 12
    assert sum(o.calls for o in counted[0]) == 12  # type: ignore[attr-defined]
    again = import_file(master_csv(records), campaign="heat-pumps", telemarketer="Claire F.")
    assert again.imported == 0
    assert assert_rolled_up_as_counted(floor) == counted
