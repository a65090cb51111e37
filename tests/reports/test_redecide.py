"""The batched re-decision of the compliance report gives, call by call, the codes and citations
that deciding each call alone gives (`reports.onebyone`), in a November where everything a
decision reads changes within the period."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import world as world_module

from callkeep.checks import redecide
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.lists.models import EntityListEntry
from callkeep.records import consents
from callkeep.records import models as m
from callkeep.records.parties.schemas import ContactIn, SellerIn
from callkeep.records.schemas import ConsentIn, InquiryIn, PurchaseIn
from callkeep.reports import compliance, onebyone
from tests.reports.seeded import import_national

T0 = datetime(2026, 11, 2, 13, 0, tzinfo=UTC)  # a Monday, 08:00 in Maine and Miami
ME, ME_LISTED, ME_LATE = "+12075550101", "+12075550102", "+12075550103"
FL, FL_CAPPED, FL_CENTRAL = "+13055550101", "+13055550102", "+18505550101"
OK_CENTRAL, MD, AL = "+14055550101", "+14105550101", "+12055550101"
JANE, CONSENTED, BOUGHT, ASKED = "+13055550199", "+12075550198", "+12075550197", "+12075550196"
ENTITY, ENTITY_LAPSED = "+12075550150", "+12075550151"
FOREIGN, INVALID = "+442071234567", "12345"
PURCHASED_AT = T0 + timedelta(days=3) - timedelta(days=540)
INQUIRED_AT = T0 + timedelta(days=4) - timedelta(days=90)


def _import(rt: Runtime, numbers: list[str], as_of: date) -> None:
    import_national(rt, numbers, as_of, area_codes=(207, 305, 850, 405))


def _call(
    seller_id: str, campaign_id: str | None, number: str, start: datetime, **extra: Any
) -> dict[str, Any]:
    return {
        "employee_id": None,
        "telemarketer_name": "Claire",
        "seller_id": seller_id,
        "campaign_id": campaign_id,
        "contact_id": None,
        "subject": "heat pumps" if campaign_id else "windows",
        "consumer_or_business": "consumer",
        "outbound": True,
        "prerecorded": False,
        "manual_dial": False,
        "calling_number": "+12077840100",
        "called_number": number,
        "started_at": start,
        "duration_seconds": 30,
        "script_version_id": None,
        "message_version_id": None,
        "caller_id_number": "+12077840100",
        "caller_id_name": "ACME",
        "disposition": "answered_person",
        "transfer_to": None,
        "transfer_company": None,
        "outcome": None,
        "notes": None,
        "recording_ref": None,
        "decision_id": None,
        "external_call_id": None,
        "idempotency_key": None,
        **extra,
    }


def _entry(slug: str, phone: str, effective: datetime, expires: datetime) -> EntityListEntry:
    return EntityListEntry(
        seller_slug=slug,
        phone=phone,
        area_code=None,
        source="request",
        reference=None,
        effective_at=effective,
        expires_at=expires,
        recorded_by="t",
    )


def _seed(rt: Runtime) -> None:
    """November 2026 for two sellers, a campaign, and everything a decision reads changing."""
    _import(rt, [ME_LISTED, JANE, CONSENTED, BOUGHT, ASKED, FL_CENTRAL], date(2026, 11, 1))
    with rt.db.transaction() as s:
        make = world_module.Builder(world_module.World(rt=rt), s, actor="t")
        acme = make.seller(SellerIn(name="Acme", slug="acme", is_default=True))
        other = make.seller(SellerIn(name="Other Co", slug="other"))
        heat = make.campaign(
            "acme", {"slug": "heat", "subject": "heat pumps", "dialing_mode": "predictive"}
        )
        jane = make.contact("jane", ContactIn(names=["Jane"], phones=[JANE], state="FL"))
        buyer = make.contact("buyer", ContactIn(names=["Bo"], phones=[BOUGHT, ASKED]))
        consent = consents.record_consent(
            session=s,
            actor="t",
            consent_in=ConsentIn(
                name="Jane",
                phone=JANE,
                contact_id=jane.id,
                request_text="May we?",
                purpose="heat pumps",
                consent_text="Yes",
                kind="written",
                signature="signed",
                given_at=T0 + timedelta(days=2),
            ),
        )
        consents.record_consent(
            session=s,
            actor="t",
            consent_in=ConsentIn(
                name="Cy",
                phone=CONSENTED,
                request_text="May we?",
                purpose="heat pumps",
                consent_text="Yes",
                kind="written",
                signature="signed",
                given_at=T0 + timedelta(days=1),
            ),
        )
        ledger.record(
            session=s,
            actor="t",
            entity=m.ConsentRevocation(
                consent_id=consent.id,
                seller_id=acme.id,
                phone=JANE,
                channel="phone",
                evidence="stop",
                reference="R-1",
                revoked_at=T0 + timedelta(days=9),
                recorded_by="t",
            ),
        )
        consents.record_purchase(
            session=s,
            actor="t",
            purchase_in=PurchaseIn(
                contact_id=buyer.id,
                phone=BOUGHT,
                goods="pump",
                purchased_at=PURCHASED_AT,
                amount_cents=100,
            ),
        )
        consents.record_inquiry(
            session=s,
            actor="t",
            inquiry_in=InquiryIn(
                contact_id=buyer.id, phone=ASKED, goods="pump", inquired_at=INQUIRED_AT
            ),
        )
        five_years = T0 + timedelta(days=5 * 366)
        ledger.record(
            session=s,
            actor="t",
            entity=_entry("acme", ENTITY, T0 + timedelta(days=3, hours=2), five_years),
        )
        ledger.record(
            session=s,
            actor="t",
            entity=_entry(
                "acme", ENTITY_LAPSED, T0 - timedelta(days=1), T0 + timedelta(days=6, hours=3)
            ),
        )
        ids = (acme.id, heat.id, other.id)
    _import(rt, [ME, FL, JANE], date(2026, 11, 16))  # the registry version replaced
    a, h, o = ids
    rows = []
    # calling-hours edges in Maine, Miami (Eastern), Pensacola and Oklahoma (Central)
    for day in (0, 5, 6, 24):  # a Monday, Saturday, Sunday and Thanksgiving (Thursday)
        base = T0 + timedelta(days=day)
        for number, shift in ((ME, 0), (FL, 0), (FL_CENTRAL, 1), (OK_CENTRAL, 1), (AL, 1)):
            for offset in (-1, 0, 3600 * 12 - 1, 3600 * 12, 3600 * 13 - 1, 3600 * 13):
                rows.append(_call(a, h, number, base + timedelta(hours=shift, seconds=offset)))
    # frequency caps: Florida 3 a day on a subject, from the day before the period on
    for k in range(6):
        rows.append(_call(a, h, FL_CAPPED, T0 - timedelta(hours=20) + timedelta(hours=4 * k)))
    rows.append(_call(a, h, FL_CAPPED, T0 + timedelta(hours=3)))  # the same second twice
    rows.append(_call(a, None, FL_CAPPED, T0 + timedelta(hours=5)))  # another subject
    rows.append(_call(o, None, FL_CAPPED, T0 + timedelta(hours=5)))  # another seller
    rows.append(_call(a, h, MD, T0 + timedelta(hours=2), disposition="no_answer"))
    rows.append(_call(a, h, MD, T0 + timedelta(hours=2, seconds=1)))
    # lists and records changing within the period, called every day
    for day in range(1, 28):
        base = T0 + timedelta(days=day, hours=3)
        for k, number in enumerate(
            (ME_LISTED, ME_LATE, JANE, CONSENTED, ENTITY, ENTITY_LAPSED, FOREIGN, INVALID)
        ):
            rows.append(_call(a, h, number, base + timedelta(minutes=k)))
            rows.append(_call(o, None, number, base + timedelta(minutes=k, seconds=30)))
    for at in (T0 + timedelta(days=3), T0 + timedelta(days=3, seconds=1)):  # the EBR's edges
        rows.append(_call(a, h, BOUGHT, at))
    for at in (T0 + timedelta(days=4), T0 + timedelta(days=4, seconds=1)):
        rows.append(_call(a, h, ASKED, at))
        rows.append(_call(o, None, ASKED, at))
    with rt.db.transaction() as s:
        ledger.record_many(session=s, actor="dialer", model=m.Call, rows=rows)


def _every_decision(rt: Runtime, *, mode: str) -> dict[str, redecide.Outcome]:
    """Every call's re-decision: `reference` one by one; `read` batched, in chunks of CHUNK
    calls that end anywhere (within a second too), the window reading the calls itself; `fed`
    batched in the pass's chunks, the window fed the pass's calls, as the report runs."""
    with rt.db.transaction(read_only=True) as s:
        scope = compliance.period(
            session=s,
            date_from=date(2026, 11, 1),
            date_to=date(2026, 11, 30),
            seller=None,
            campaign=None,
        )
        parties = redecide.Parties(s)
        chunks = list(compliance._chunks(s, scope))
        assert len(chunks) > 10
        every = [v for chunk in chunks for v in chunk.current]
        if mode == "reference":
            return onebyone.outcomes(s, parties, every)
        alone = []

        def fallback(asked: list[dict[str, Any]]) -> dict[str, redecide.Outcome]:
            alone.extend(asked)
            return onebyone.outcomes(s, parties, asked)

        passing = redecide.Redecider(
            s,
            seller_id=None,
            start=scope.start,
            parties=parties,
            fallback=fallback,
            fed=mode == "fed",
        )
        found: dict[str, redecide.Outcome] = {}
        if mode == "fed":
            for chunk in chunks:
                found.update(passing.decide(chunk.current, originals=chunk.originals))
        else:
            size = compliance.CHUNK
            for k in range(0, len(every), size):
                found.update(passing.decide(every[k : k + size]))
        numbers = {v["called_number"] for v in alone}
        assert numbers == {JANE, CONSENTED, BOUGHT, ASKED}, numbers
        return found


@pytest.mark.parametrize("mode", ["read", "fed"])
def test_the_batched_redecision_equals_deciding_each_call_alone(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    _seed(rt)
    monkeypatch.setattr(compliance, "CHUNK", 37)  # chunks end within seconds and numbers
    reference = _every_decision(rt, mode="reference")
    batched = _every_decision(rt, mode=mode)
    assert len(reference) > 500
    assert batched.keys() == reference.keys()
    differ = {k: (batched[k], reference[k]) for k in reference if batched[k] != reference[k]}
    assert not differ, list(differ.values())[:5]
    seen = {code for outcome in reference.values() for code in outcome.codes}
    assert seen >= {
        "invalid_number",
        "entity_dnc",
        "national_dnc",
        "consent_revoked",
        "registry_missing",
        "calling_hours",
        "calling_day",
        "holiday",
        "frequency_cap",
    }
    versions = {outcome.national for outcome in reference.values()}
    assert len(versions - {None}) == 2


def test_the_pass_chunks_end_at_whole_seconds(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(rt)
    monkeypatch.setattr(compliance, "CHUNK", 37)
    with rt.db.transaction(read_only=True) as s:
        scope = compliance.period(
            session=s,
            date_from=date(2026, 11, 1),
            date_to=date(2026, 11, 30),
            seller=None,
            campaign=None,
        )
        chunks = list(compliance._chunks(s, scope))
        ids = [v["id"] for chunk in chunks for v in chunk.originals]
        plain = s.execute(
            compliance.select(m.Call.id)
            .where(m.Call.started_at >= scope.start, m.Call.started_at < scope.end)
            .order_by(m.Call.started_at, m.Call.id)
        )
        assert ids == [row[0] for row in plain]
        for before, after in itertools.pairwise(chunks):
            assert before.originals[-1]["started_at"] < after.originals[0]["started_at"]
        assert any(len(chunk.originals) > 37 for chunk in chunks)  # a second's calls held on
