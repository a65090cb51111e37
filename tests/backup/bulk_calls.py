"""Writes COUNT call records in one bulk write, as a dialer file's import does (for crash tests)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from callkeep.kit.cli import cli_runtime
from callkeep.records.calls import service as calls
from callkeep.records.schemas import CallIn

BASE = {
    "telemarketer_name": "Claire",
    "seller": "androscoggin-energy",
    "campaign": "heat-pumps",
    "subject": "heat pumps",
    "consumer_or_business": "consumer",
    "outbound": True,
    "prerecorded": False,
    "calling_number": "+12077840100",
    "caller_id_number": "+12077840100",
    "disposition": "answered_person",
}

count = int(sys.argv[1])
start = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
batch = [
    CallIn.model_validate(
        {
            **BASE,
            "called_number": f"+1207784{1000 + i:04d}",
            "started_at": start + timedelta(minutes=i),
            "duration_seconds": 60,
        }
    )
    for i in range(count)
]
rt = cli_runtime()
with rt.db.transaction() as session:
    calls.record_calls(session=session, actor="cli:bulk", calls=batch)
print(f"{count} calls recorded")
