"""Checks: one number or many, decided by the engine and stored as evidence through the ledger."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import orjson
from sqlalchemy.orm import Session

from callkeep.checks import engine, peers
from callkeep.checks.engine import BIT, Context, Verdicts, codes_of
from callkeep.checks.models import Decision
from callkeep.checks.schemas import (
    BatchIn,
    CheckIn,
    DecisionOut,
    ListOut,
    LocalTimeOut,
    ReasonOut,
)
from callkeep.errors import NotFound
from callkeep.kit import stages
from callkeep.kit.clock import iso, parse_instant, utcnow
from callkeep.kit.ids import new_id
from callkeep.ledger import service as ledger
from callkeep.phone.geo import Place, address_notes
from callkeep.phone.parse import try_normalize
from callkeep.rules.catalog import catalog
from callkeep.rules.hours import zone

_TIME_CODES = ("calling_hours", "calling_day", "holiday")


def moment(at: str | None) -> datetime:
    """The instant asked about: `at` (ISO-8601 with a zone, else InvalidInput naming `at`) or now."""
    return utcnow() if at is None or at == "" else parse_instant(at, field="at")


def context(
    *,
    session: Session,
    seller: str | None,
    campaign: str | None,
    at: str | None,
    phones: list[str] | None,
    now: datetime | None = None,
) -> Context:
    """Resolves seller, campaign and moment, and gathers what is known then about `phones`;
    `now` is the moment of a check without `at` (default: now)."""
    when = now if now is not None and not at else moment(at)
    found_seller = peers.resolve_seller(session=session, ref=seller)
    found_campaign = peers.resolve_campaign(session=session, ref=campaign, seller=found_seller)
    return engine.build_context(
        session=session, seller=found_seller, campaign=found_campaign, at=when, phones=phones
    )


def local_times(place: Place, at: datetime) -> list[LocalTimeOut]:
    """The local time at `at` in each of a place's candidate zones."""
    return [
        LocalTimeOut(zone=name, time=at.astimezone(zone(name)).isoformat(timespec="seconds"))
        for name in place.zones
    ]


def _reasons(bits: int, cites: dict[str, tuple[str, ...]]) -> list[ReasonOut]:
    known = catalog().reasons
    out = []
    for code in codes_of(bits):
        citation = "; ".join(cites[code]) if code in cites else known[code].citation
        out.append(ReasonOut(code=code, citation=citation, message=known[code].message))
    return out


def _decision(
    *,
    ctx: Context,
    phone: str,
    bits: int,
    place: Place | None,
    cites: dict[str, tuple[str, ...]],
    lists: list[ListOut],
    exemptions: list[str],
) -> DecisionOut:
    facts = ctx.facts.get(phone) if place is not None else None
    notes = address_notes(addresses=facts.addresses) if facts is not None else ()
    return DecisionOut(
        decision_id=new_id(),
        phone=phone,
        allowed=bits == 0,
        reasons=_reasons(bits, cites),
        states=list(place.states) if place else [],
        local_times=local_times(place, ctx.at) if place else [],
        lists=lists,
        at=iso(ctx.at),
        seller=ctx.seller.slug,
        campaign=ctx.campaign.slug if ctx.campaign else None,
        rules_version=ctx.rules_version,
        exemptions=exemptions,
        notes=list(notes),
    )


def _row_cites(verdicts: Verdicts, row: int) -> dict[str, tuple[str, ...]]:
    slot = int(verdicts.slots[row])
    cites = {
        code: verdicts.citations[(slot, code)]
        for code in _TIME_CODES
        if (slot, code) in verdicts.citations
    }
    if (-1 - row, "frequency_cap") in verdicts.citations:
        cites["frequency_cap"] = verdicts.citations[(-1 - row, "frequency_cap")]
    return cites


def decide(*, session: Session, ctx: Context, inputs: Sequence[str]) -> list[DecisionOut]:
    """One decision per input, in order (not stored): the engine's judgement, fully explained."""
    normalized = [try_normalize(text) for text in inputs]
    nanp_rows = [i for i, p in enumerate(normalized) if p is not None and p.startswith("+1")]
    numbers = np.array([int(str(normalized[i])[2:]) for i in nanp_rows], dtype=np.int64)
    verdicts = engine.judge_nanp(session=session, ctx=ctx, numbers=numbers)
    at_row = {row: k for k, row in enumerate(nanp_rows)}
    out = []
    for i, text in enumerate(inputs):
        phone = normalized[i]
        if phone is None:
            out.append(
                _decision(
                    ctx=ctx,
                    phone=text,
                    bits=BIT["invalid_number"],
                    place=None,
                    cites={},
                    lists=[],
                    exemptions=[],
                )
            )
        elif i in at_row:
            k = at_row[i]
            out.append(
                _decision(
                    ctx=ctx,
                    phone=phone,
                    bits=int(verdicts.bits[k]),
                    place=verdicts.places[int(verdicts.slots[k])],
                    cites=_row_cites(verdicts, k),
                    lists=[
                        ListOut(list=a.list, version=a.version, hit=bool(a.hits[k]))
                        for a in verdicts.lists
                    ],
                    exemptions=verdicts.exemptions.get(k, []),
                )
            )
        else:
            bits, place, cites = engine.judge_other(ctx=ctx, e164=phone)
            out.append(
                _decision(
                    ctx=ctx,
                    phone=phone,
                    bits=bits,
                    place=place,
                    cites=cites,
                    lists=[],
                    exemptions=engine.exemptions(ctx.facts.get(phone), ctx.at),
                )
            )
    return out


def _dumps(value: Any) -> str:
    """Sorted-key compact JSON (as ``json.dumps(sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`` writes it for these plain values)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _row(decision: DecisionOut, *, ctx: Context, text: str, batch_id: str | None) -> dict[str, Any]:
    return {
        "id": decision.decision_id,
        "input": text[:200],
        "phone": None if "invalid_number" in {r.code for r in decision.reasons} else decision.phone,
        "seller_id": ctx.seller.id,
        "seller_slug": ctx.seller.slug,
        "campaign_id": ctx.campaign.id if ctx.campaign else None,
        "campaign_slug": ctx.campaign.slug if ctx.campaign else None,
        "at": ctx.at,
        "allowed": decision.allowed,
        "reasons": _dumps([r.model_dump() for r in decision.reasons]),
        "states": ",".join(decision.states),
        "local_times": _dumps([t.model_dump() for t in decision.local_times]),
        "lists": _dumps([item.model_dump() for item in decision.lists]),
        "exemptions": ",".join(decision.exemptions),
        "rules_version": decision.rules_version,
        "batch_id": batch_id,
    }


def decide_one(*, session: Session, check_in: CheckIn) -> tuple[DecisionOut, dict[str, Any]]:
    """Decides one number without storing it: the decision, and the row that stores it."""
    phone = try_normalize(check_in.phone)
    ctx = context(
        session=session,
        seller=check_in.seller,
        campaign=check_in.campaign,
        at=check_in.at,
        phones=[phone] if phone else [],
    )
    decision = decide(session=session, ctx=ctx, inputs=[check_in.phone])[0]
    return decision, _row(decision, ctx=ctx, text=check_in.phone, batch_id=None)


def decide_and_store(
    session: Session, checks: list[tuple[str, CheckIn]]
) -> list[DecisionOut | Exception]:
    """Decides checks, each with its actor, and stores their decisions in one bulk write, all in
    the caller's write transaction: each decision is read and stored in the same instant.

    Checks asking about the same seller, campaign and moment (checks asking about "now" share the
    group's now, to the second) are decided together, as a batch is: one context, so one read of
    the records' facts and lists for all of their numbers instead of one a check. A check that
    cannot be decided (an unknown seller, say) gets its error and stores nothing; the others are
    decided and stored.
    """
    now = utcnow()
    alike: dict[tuple[str | None, str | None, str | None], list[int]] = {}
    for k, (_, check_in) in enumerate(checks):
        alike.setdefault((check_in.seller, check_in.campaign, check_in.at or None), []).append(k)
    outcomes: list[DecisionOut | Exception | None] = [None] * len(checks)
    rows: list[dict[str, Any] | None] = [None] * len(checks)
    for (seller, campaign, at), members in alike.items():
        texts = [checks[k][1].phone for k in members]
        phones = sorted({p for text in texts if (p := try_normalize(text)) is not None})
        try:  # it only reads: the others go on (on PostgreSQL a failed statement would fail
            ctx = context(  # the whole group)
                session=session, seller=seller, campaign=campaign, at=at, phones=phones, now=now
            )
            decisions = decide(session=session, ctx=ctx, inputs=texts)
        except Exception as exc:
            for k in members:
                outcomes[k] = exc
            continue
        for k, decision, text in zip(members, decisions, texts, strict=True):
            outcomes[k] = decision
            rows[k] = _row(decision, ctx=ctx, text=text, batch_id=None)
    stages.mark("decided")
    by_actor: dict[str, list[dict[str, Any]]] = {}
    for (actor, _), row in zip(checks, rows, strict=True):
        if row is not None:
            by_actor.setdefault(actor, []).append(row)
    for actor, actor_rows in by_actor.items():
        ledger.record_many(session=session, actor=actor, model=Decision, rows=actor_rows)
    return [outcome for outcome in outcomes if outcome is not None]


def check(*, session: Session, actor: str, check_in: CheckIn) -> DecisionOut:
    """Decides one number and stores the decision; its id is what the call record points at."""
    decision, row = decide_one(session=session, check_in=check_in)
    ledger.record_many(session=session, actor=actor, model=Decision, rows=[row])
    return decision


def check_batch(*, session: Session, actor: str, batch_in: BatchIn) -> list[DecisionOut]:
    """Decides many numbers at one moment and stores every decision in one bulk write."""
    phones = sorted({p for text in batch_in.phones if (p := try_normalize(text)) is not None})
    ctx = context(
        session=session,
        seller=batch_in.seller,
        campaign=batch_in.campaign,
        at=batch_in.at,
        phones=phones,
    )
    decisions = decide(session=session, ctx=ctx, inputs=batch_in.phones)
    batch_id = new_id()
    rows = [
        _row(d, ctx=ctx, text=text, batch_id=batch_id)
        for d, text in zip(decisions, batch_in.phones, strict=True)
    ]
    ledger.record_many(session=session, actor=actor, model=Decision, rows=rows)
    return decisions


def to_out(decision: Decision) -> DecisionOut:
    """A stored decision, as it was given."""
    return DecisionOut(
        decision_id=decision.id,
        phone=decision.phone or decision.input,
        allowed=decision.allowed,
        reasons=[ReasonOut(**r) for r in json.loads(decision.reasons)],
        states=[s for s in decision.states.split(",") if s],
        local_times=[LocalTimeOut(**t) for t in json.loads(decision.local_times)],
        lists=[ListOut(**item) for item in json.loads(decision.lists)],
        at=iso(decision.at),
        seller=decision.seller_slug,
        campaign=decision.campaign_slug,
        rules_version=decision.rules_version,
        exemptions=[e for e in decision.exemptions.split(",") if e],
    )


def get_decision(*, session: Session, decision_id: str) -> DecisionOut:
    """The stored decision `decision_id`, or NotFound."""
    found = session.get(Decision, decision_id)
    if found is None:
        raise NotFound(f"no decision {decision_id!r}")
    return to_out(found)


def find_decision(*, session: Session, decision_id: str) -> Decision | None:
    """The stored decision row, for other domains (e.g. a call record naming its decision)."""
    return session.get(Decision, decision_id)
