"""A seeded July 2026 whose violations, incomplete records, abandonment and requests are known.

Acme (the default seller) calls Maine numbers for its "heat" campaign from 6 July; the national
registry (area code 207) was obtained on 20 June and holds 207-555-0111. Maine is UTC-4 in July.

| call | number       | start (UTC)      | disposition     | decision linked        | expected          |
|------|--------------|------------------|-----------------|------------------------|-------------------|
| c1   | 207-555-0122 | 07-06 14:00      | answered_person | its own, allowed       | clean             |
| c2   | 207-555-0111 | 07-06 14:10      | answered_person | none                   | national_dnc, no_decision |
| c3   | 207-555-0133 | 07-07 02:00      | dropped         | c1's (another number)  | calling_hours, decision_mismatch |
| c4   | 207-555-0144 | 07-08 15:00      | answered_person | 10 min before, allowed | no script: incomplete, later corrected |
| c5   | 207-555-0155 | 07-08 15:30      | transferred     | 90 min before          | decision_mismatch |
| c6   | 207-555-0166 | 07-09 15:00      | dropped         | its own, allowed       | clean             |
| c7   | 207-555-0111 | 07-09 16:00      | no_answer       | its own, blocked       | national_dnc, decision_blocked |
| c8   | 207-555-0177 | 07-10 14:00      | answered_person | its own, allowed; prerecorded without a message | incomplete, never corrected |

Abandonment, window 2026-07-06..2026-08-04: answered c1 c2 c3 c4 c5 c6 c8 = 7, abandoned c3 c6 = 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import world as world_module

from callkeep.checks import service as checks_service
from callkeep.checks.schemas import CheckIn
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.lists import imports
from callkeep.records.calls import service as calls
from callkeep.records.parties import models as pm
from callkeep.records.parties.schemas import SellerIn
from callkeep.records.schemas import CallIn

ON_REGISTRY = "+12075550111"


@dataclass
class Seeded:
    ids: dict[str, str] = field(default_factory=dict)
    script_id: str = ""
    campaign_id: str = ""


def import_national(
    rt: Runtime, numbers: list[str], as_of: date, area_codes: tuple[int, ...] = (207,)
) -> None:
    folder = rt.settings.data_dir / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"national-{as_of}.txt"
    path.write_text("".join(n.removeprefix("+1") + "\n" for n in numbers))
    with rt.db.transaction() as s:
        imports.import_list(
            session=s,
            actor="test:setup",
            folder=rt.settings.snapshot_dir,
            max_unzipped=rt.settings.max_unzipped_bytes,
            request=imports.ImportRequest(
                paths=[Path(path)],
                list_name="national",
                as_of=as_of,
                area_codes=list(area_codes),
            ),
        )


def _decide(rt: Runtime, phone: str, at: str) -> tuple[str, bool]:
    with rt.db.transaction() as s:
        decision = checks_service.check(
            session=s,
            actor="dialer",
            check_in=CheckIn(phone=phone, seller="acme", campaign="heat", at=at),
        )
    return decision.decision_id, decision.allowed


def _call(number: str, start: str, disposition: str, **extra: Any) -> dict[str, Any]:
    return {
        "telemarketer_name": "Claire",
        "seller": "acme",
        "campaign": "heat",
        "subject": "heat pumps",
        "consumer_or_business": "consumer",
        "outbound": True,
        "prerecorded": False,
        "calling_number": "+12077840100",
        "called_number": number,
        "started_at": start,
        "duration_seconds": 45,
        "caller_id_number": "+12077840100",
        "caller_id_name": "ACME",
        "disposition": disposition,
        **extra,
    }


def seed(rt: Runtime) -> Seeded:
    """The July world above, committed."""
    out = Seeded()
    with rt.db.transaction() as s:
        make = world_module.Builder(world_module.World(rt=rt), s, actor="t")
        make.seller(SellerIn(name="Acme", slug="acme", is_default=True))
        campaign = make.campaign(
            "acme", {"slug": "heat", "subject": "heat pumps", "dialing_mode": "predictive"}
        )
        out.campaign_id = campaign.id
        script = ledger.record(
            session=s,
            actor="t",
            entity=pm.CampaignDocument(
                campaign_id=campaign.id,
                kind="script",
                name="opening",
                version=1,
                content="Hello, this is Acme calling about heat pumps.",
                recorded_at=datetime(2026, 6, 1, tzinfo=UTC),
                recorded_by="t",
            ),
        )
        out.script_id = script.id
    import_national(rt, [ON_REGISTRY], date(2026, 6, 20))
    d1, _ = _decide(rt, "+12075550122", "2026-07-06T14:00:00Z")
    d4, _ = _decide(rt, "+12075550144", "2026-07-08T14:50:00Z")
    d5, _ = _decide(rt, "+12075550155", "2026-07-08T14:00:00Z")
    d6, _ = _decide(rt, "+12075550166", "2026-07-09T15:00:00Z")
    d7, allowed7 = _decide(rt, ON_REGISTRY, "2026-07-09T16:00:00Z")
    d8, _ = _decide(rt, "+12075550177", "2026-07-10T14:00:00Z")
    assert not allowed7
    script = {"script_version_id": out.script_id}
    rows = {
        "c1": _call(
            "+12075550122", "2026-07-06T14:00:00Z", "answered_person", decision_id=d1, **script
        ),
        "c2": _call(ON_REGISTRY, "2026-07-06T14:10:00Z", "answered_person", **script),
        "c3": _call("+12075550133", "2026-07-07T02:00:00Z", "dropped", decision_id=d1, **script),
        "c4": _call("+12075550144", "2026-07-08T15:00:00Z", "answered_person", decision_id=d4),
        "c5": _call(
            "+12075550155",
            "2026-07-08T15:30:00Z",
            "transferred",
            decision_id=d5,
            transfer_to="+12075550000",
            **script,
        ),
        "c6": _call("+12075550166", "2026-07-09T15:00:00Z", "dropped", decision_id=d6, **script),
        "c7": _call(ON_REGISTRY, "2026-07-09T16:00:00Z", "no_answer", decision_id=d7, **script),
        "c8": _call(
            "+12075550177",
            "2026-07-10T14:00:00Z",
            "answered_person",
            decision_id=d8,
            prerecorded=True,
            **script,
        ),
    }
    with rt.db.transaction() as s:
        for name, row in rows.items():
            written = calls.record_call(
                session=s, actor="dialer", call_in=CallIn.model_validate(row)
            )
            out.ids[name] = written.call.id
    return out
