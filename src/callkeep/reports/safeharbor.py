"""Safe-harbor evidence: written procedures as versioned documents, and who was trained in which.

Both safe harbors, for Do-Not-Call (16 CFR 310.4(b)(3)(i)-(ii); 47 CFR 64.1200(c)(2)(i)(A)-(B),
(d)(1)-(2)) and for call records (310.5(d)(1)-(2)), ask for documented written procedures and
trained personnel, and any entity assisting. A new text of a procedure is a new version; nothing
is edited. Service-provider contracts (310.5(a)(9)) are kept here too.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput, NotFound
from callkeep.kit.clock import iso, to_utc_second, utcnow
from callkeep.ledger import service as ledger
from callkeep.records import service as records
from callkeep.reports.models import Procedure, ServiceContract, Training

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def add_procedure(
    *,
    session: Session,
    actor: str,
    slug: str,
    title: str,
    content: str,
    effective_at: datetime | None = None,
) -> Procedure:
    """Records the next version of procedure `slug` (version 1 if it is new)."""
    if not _SLUG.match(slug):
        raise InvalidInput.for_field("slug", "lower-case letters, digits and dashes, e.g. dnc-list")
    if not title.strip():
        raise InvalidInput.for_field("title", "give the procedure a title")
    if not content.strip():
        raise InvalidInput.for_field("content", "the procedure's text is empty")
    ledger.lock(session=session)
    last = session.scalar(select(func.max(Procedure.version)).where(Procedure.slug == slug))
    return ledger.record(
        session=session,
        actor=actor,
        entity=Procedure(
            slug=slug,
            version=(last or 0) + 1,
            title=title.strip(),
            content=content,
            effective_at=to_utc_second(effective_at, field="effective_at")
            if effective_at
            else utcnow(),
            recorded_by=actor,
        ),
    )


def procedures(*, session: Session) -> list[Procedure]:
    """Every version of every procedure, by slug then version."""
    return list(session.scalars(select(Procedure).order_by(Procedure.slug, Procedure.version)))


def procedure(*, session: Session, slug: str, version: int | None = None) -> Procedure:
    """One version of a procedure (default: the newest), or NotFound."""
    query = select(Procedure).where(Procedure.slug == slug)
    if version is not None:
        query = query.where(Procedure.version == version)
    found = session.scalars(query.order_by(Procedure.version.desc()).limit(1)).first()
    if found is None:
        raise NotFound(f"no procedure {slug!r}" + (f" version {version}" if version else ""))
    return found


def record_training(
    *,
    session: Session,
    actor: str,
    slug: str,
    trainee: str,
    trained_at: datetime,
    version: int | None = None,
    trainer: str | None = None,
) -> Training:
    """Records that `trainee` (an employee's id or name, or an assisting entity) was trained in
    a version of a procedure (default: its newest)."""
    found = procedure(session=session, slug=slug, version=version)
    if not trainee.strip():
        raise InvalidInput.for_field("trainee", "say who was trained")
    employee_id = None
    name = trainee.strip()
    try:
        employee = records.resolve_employee(session=session, ref=name)
        employee_id, name = employee.id, employee.name
    except (InvalidInput, NotFound):
        pass
    return ledger.record(
        session=session,
        actor=actor,
        entity=Training(
            procedure_id=found.id,
            employee_id=employee_id,
            trainee=name,
            trained_at=to_utc_second(trained_at, field="trained_at"),
            trainer=trainer,
            recorded_by=actor,
        ),
    )


def trainings(*, session: Session) -> list[tuple[Training, Procedure]]:
    """Every training record with the procedure version it was in, oldest first."""
    rows = session.execute(
        select(Training, Procedure)
        .join(Procedure, Procedure.id == Training.procedure_id)
        .order_by(Training.trained_at, Training.id)
    )
    return [(t, p) for t, p in rows]


def add_contract(
    *,
    session: Session,
    actor: str,
    seller: str | None,
    provider: str,
    goods: str,
    signed_at: datetime,
    effective_from: datetime,
    expires_at: datetime | None,
    document: str | None,
) -> ServiceContract:
    """Records a contract with a service provider that delivers outbound calls (310.5(a)(9))."""
    view = records.resolve_seller(session=session, ref=seller or None)
    if not provider.strip():
        raise InvalidInput.for_field("provider", "name the service provider")
    if not goods.strip():
        raise InvalidInput.for_field("goods", "say which goods or services the calls are for")
    return ledger.record(
        session=session,
        actor=actor,
        entity=ServiceContract(
            seller_id=view.id,
            provider=provider.strip(),
            goods=goods.strip(),
            signed_at=to_utc_second(signed_at, field="signed_at"),
            effective_from=to_utc_second(effective_from, field="effective_from"),
            expires_at=to_utc_second(expires_at, field="expires_at") if expires_at else None,
            document=document,
            recorded_by=actor,
        ),
    )


def procedure_out(found: Procedure, *, with_content: bool = False) -> dict[str, Any]:
    out = {
        "id": found.id,
        "slug": found.slug,
        "version": found.version,
        "title": found.title,
        "effective_at": iso(found.effective_at),
        "recorded_by": found.recorded_by,
    }
    if with_content:
        out["content"] = found.content
    return out


def training_out(found: Training, of: Procedure) -> dict[str, Any]:
    return {
        "id": found.id,
        "trainee": found.trainee,
        "employee_id": found.employee_id,
        "procedure": of.slug,
        "version": of.version,
        "trained_at": iso(found.trained_at),
        "trainer": found.trainer,
    }


def summary(*, session: Session, at: datetime) -> dict[str, Any]:
    """For a report: each procedure's version in force at `at`, and the training records up to
    then (who, when, which version)."""
    current: dict[str, Procedure] = {}
    for found in procedures(session=session):
        if found.effective_at <= at:
            current[found.slug] = found
    trained = [training_out(t, p) for t, p in trainings(session=session) if t.trained_at <= at]
    return {
        "procedures": [procedure_out(p) for p in current.values()],
        "trainings": trained,
    }
