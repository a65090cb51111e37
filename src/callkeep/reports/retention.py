"""Retention: each kind of record is kept for its period (`retention.toml`), then purged.

A purge removes the record (and the amendments that correct it) and appends a tombstone entry to
the ledger for each, so the chain, every checkpoint and `audit verify` still hold: the ledger
keeps the entry that said the record existed and the one that says it was removed under
retention. A legal hold on a seller, a number or a campaign suspends retention for every record
it covers until it is released. A run is a dry run unless applied.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callkeep.checks.models import Decision
from callkeep.errors import InvalidInput, NotFound
from callkeep.kit.clock import iso, utcnow
from callkeep.ledger import service as ledger
from callkeep.ledger.models import Recorded
from callkeep.phone.parse import normalize
from callkeep.records import service as records
from callkeep.reports.models import LegalHold, LegalHoldRelease, RetentionRun, ServiceContract
from callkeep.requests.models import DncReference, DncRequest

POLICY_FILE = Path(__file__).with_name("retention.toml")
PURGE_ACTION = "purge"
MODELS: dict[str, type[Recorded]] = {
    model.__tablename__: model
    for model in (
        records.Call,
        Decision,
        DncRequest,
        records.Consent,
        records.ConsentRevocation,
        records.Purchase,
        records.Inquiry,
        records.Interaction,
        records.CampaignDocument,
        ServiceContract,
    )
}
# Which columns tie a record to a hold's seller, number or campaign.
HOLD_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "calls": {
        "seller": ("seller_id",),
        "phone": ("called_number", "calling_number"),
        "campaign": ("campaign_id",),
    },
    "check_decisions": {
        "seller": ("seller_id",),
        "phone": ("phone",),
        "campaign": ("campaign_id",),
    },
    "dnc_requests": {"seller": ("seller_id",), "phone": ("phone",)},
    "consents": {"seller": ("seller_id",), "phone": ("phone",)},
    "consent_revocations": {"seller": ("seller_id",), "phone": ("phone",)},
    "purchases": {"seller": ("seller_id",), "phone": ("phone",)},
    "inquiries": {"seller": ("seller_id",), "phone": ("phone",)},
    "interactions": {"seller": ("seller_id",)},
    "campaign_documents": {"campaign": ("campaign_id",)},
    "service_contracts": {"seller": ("seller_id",)},
}


@dataclass(frozen=True)
class Rule:
    """One record type's retention: the instant its clock starts from, the years, the law."""

    record_type: str
    start: str
    years: int
    citation: str


@lru_cache(maxsize=1)
def policy() -> dict[str, Rule]:
    """The retention policy, read from `retention.toml`."""
    data = tomllib.loads(POLICY_FILE.read_text(encoding="utf-8"))
    return {
        name: Rule(name, entry["from"], int(entry["years"]), entry["citation"])
        for name, entry in data.items()
    }


def years_before(moment: datetime, years: int) -> datetime:
    """`moment` moved back by calendar years (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


# --- legal holds --------------------------------------------------------------------------


def add_hold(
    *,
    session: Session,
    actor: str,
    seller: str | None = None,
    phone: str | None = None,
    campaign: str | None = None,
    reason: str,
) -> LegalHold:
    """Places a legal hold on one seller, one number or one campaign."""
    named = [k for k, v in (("seller", seller), ("phone", phone), ("campaign", campaign)) if v]
    if len(named) != 1:
        raise InvalidInput.for_field("scope", "name exactly one of --seller, --phone, --campaign")
    if not reason.strip():
        raise InvalidInput.for_field("reason", "say why the records are held")
    scope = named[0]
    if scope == "seller":
        value = records.resolve_seller(session=session, ref=seller).id
    elif scope == "phone":
        value = normalize(str(phone), field="phone")
    else:
        owner = records.resolve_seller(session=session, ref=None)
        value = _campaign_id(session, str(campaign), owner.id)
    return ledger.record(
        session=session,
        actor=actor,
        entity=LegalHold(scope=scope, value=value, reason=reason.strip(), recorded_by=actor),
    )


def _campaign_id(session: Session, ref: str, default_seller_id: str) -> str:
    found = session.scalar(select(records.Campaign.id).where(records.Campaign.id == ref))
    if found:
        return found
    rows = list(session.scalars(select(records.Campaign.id).where(records.Campaign.slug == ref)))
    if len(rows) == 1:
        return rows[0]
    return records.resolve_campaign(session=session, ref=ref, seller_id=default_seller_id).id


def release_hold(*, session: Session, actor: str, hold_id: str) -> LegalHoldRelease:
    """Ends a legal hold (the hold itself stays on record)."""
    if session.get(LegalHold, hold_id) is None:
        raise NotFound(f"no legal hold {hold_id!r}")
    if session.scalar(select(LegalHoldRelease.id).where(LegalHoldRelease.hold_id == hold_id)):
        raise InvalidInput.for_field("id", f"legal hold {hold_id} is already released")
    return ledger.record(
        session=session,
        actor=actor,
        entity=LegalHoldRelease(hold_id=hold_id, recorded_by=actor),
    )


def holds(*, session: Session, active_only: bool = False) -> list[dict[str, Any]]:
    """Every legal hold, with when it was released (if it was)."""
    released = dict(
        session.execute(select(LegalHoldRelease.hold_id, LegalHoldRelease.recorded_at)).all()
    )
    out = []
    for hold in session.scalars(select(LegalHold).order_by(LegalHold.recorded_at, LegalHold.id)):
        end = released.get(hold.id)
        if active_only and end is not None:
            continue
        out.append(
            {
                "id": hold.id,
                "scope": hold.scope,
                "value": hold.value,
                "reason": hold.reason,
                "placed_at": iso(hold.recorded_at),
                "placed_by": hold.recorded_by,
                "released_at": iso(end) if end else None,
            }
        )
    return out


# --- the run ------------------------------------------------------------------------------


@dataclass
class RunReport:
    """What a run found: per record type, the ids due for purging and those kept by a hold."""

    as_of: datetime
    applied: bool
    purged: dict[str, list[str]] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    amendments: int = 0

    def to_json(self) -> dict[str, Any]:
        rules = policy()
        return {
            "as_of": iso(self.as_of),
            "applied": self.applied,
            "purged": {k: len(v) for k, v in self.purged.items()},
            "held": self.held,
            "amendments_purged": self.amendments,
            "ids": self.purged,
            "policy": {
                name: {"from": r.start, "years": r.years, "citation": r.citation}
                for name, r in rules.items()
            },
        }


def _start_column(model: type[Recorded], rule: Rule) -> Any:
    column = getattr(model, rule.start)
    if rule.start != "recorded_at":
        return func.coalesce(column, model.recorded_at)
    return column


def _document_last_use(session: Session, cutoff: datetime) -> list[str]:
    """Scripts and messages whose last use (else their recording) is before `cutoff`."""
    used: dict[str, datetime] = {}
    for column in (records.Call.script_version_id, records.Call.message_version_id):
        rows = session.execute(
            select(column, func.max(records.Call.started_at))
            .where(column.is_not(None))
            .group_by(column)
        )
        for doc_id, last in rows:
            if doc_id is not None and last is not None and last > used.get(doc_id, last):
                used[doc_id] = last
            elif doc_id is not None and last is not None:
                used.setdefault(doc_id, last)
    found = []
    for doc_id, recorded_at in session.execute(
        select(records.CampaignDocument.id, records.CampaignDocument.recorded_at)
    ):
        if max(used.get(doc_id, recorded_at), recorded_at) < cutoff:
            found.append(doc_id)
    return found


def _due(session: Session, rule: Rule, now: datetime) -> list[Recorded]:
    model = MODELS[rule.record_type]
    cutoff = years_before(now, rule.years)
    if rule.start == "last_use":
        ids = _document_last_use(session, cutoff)
        return [r for i in ids if (r := session.get(model, i)) is not None]
    if rule.start == "expires_at":  # no expiry given: kept
        column = model.expires_at  # type: ignore[attr-defined]
        query = select(model).where(column.is_not(None), column < cutoff)
    else:
        query = select(model).where(_start_column(model, rule) < cutoff)
    return list(session.scalars(query.order_by(model.id)))


def _held_by(session: Session) -> dict[str, set[str]]:
    active = holds(session=session, active_only=True)
    by_scope: dict[str, set[str]] = {"seller": set(), "phone": set(), "campaign": set()}
    for hold in active:
        by_scope[hold["scope"]].add(hold["value"])
    if by_scope["seller"]:  # a seller's hold covers its campaigns' scripts and messages too
        by_scope["campaign"] |= set(
            session.scalars(
                select(records.Campaign.id).where(
                    records.Campaign.seller_id.in_(by_scope["seller"])
                )
            )
        )
    return by_scope


def _is_held(
    record: Recorded, columns: dict[str, tuple[str, ...]], held: dict[str, set[str]]
) -> bool:
    for scope, names in columns.items():
        values = held.get(scope)
        if values and any(getattr(record, name, None) in values for name in names):
            return True
    return False


def run(
    *, session: Session, actor: str, apply: bool = False, now: datetime | None = None
) -> RunReport:
    """What retention removes as of `now` (default: now); with `apply`, removes it."""
    moment = now or utcnow()
    if apply:
        ledger.lock(session=session)
    held = _held_by(session)
    report = RunReport(as_of=moment, applied=apply)
    for name, rule in policy().items():
        due = _due(session, rule, moment)
        kept = [r for r in due if _is_held(r, HOLD_COLUMNS.get(name, {}), held)]
        purged = [r for r in due if not _is_held(r, HOLD_COLUMNS.get(name, {}), held)]
        report.held[name] = len(kept)
        report.purged[name] = [r.id for r in purged]
        if apply:
            for record in purged:
                report.amendments += _purge(session, actor, record)
    if apply:
        ledger.record(
            session=session,
            actor=actor,
            entity=RetentionRun(
                as_of=moment,
                purged=json.dumps({k: len(v) for k, v in report.purged.items()}, sort_keys=True),
                held=json.dumps(report.held, sort_keys=True),
                recorded_by=actor,
            ),
        )
    return report


def _purge(session: Session, actor: str, record: Recorded) -> int:
    """Removes one record, its amendments and (for a request) its references; tombstones all."""
    followers: list[Recorded] = list(
        session.scalars(
            select(records.Amendment).where(
                records.Amendment.target_type == record.__tablename__,
                records.Amendment.target_id == record.id,
            )
        )
    )
    if isinstance(record, DncRequest):
        followers += session.scalars(
            select(DncReference).where(DncReference.request_id == record.id)
        )
    for follower in followers:
        ledger.mark_removed(session=session, actor=actor, entity=follower, action=PURGE_ACTION)
    ledger.mark_removed(session=session, actor=actor, entity=record, action=PURGE_ACTION)
    return sum(1 for f in followers if isinstance(f, records.Amendment))
