"""`/api/v1/calls`, `/consents`, `/interactions`, purchases, inquiries and amendments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from callkeep.auth import access, contact_reach, roles
from callkeep.auth.deps import admit_soon, require
from callkeep.auth.permissions import admits
from callkeep.auth.schemas import Principal
from callkeep.auth.seller_scope import hold_to_seller, seller_ref
from callkeep.kit.bounds import INT32_MAX, Instant
from callkeep.kit.http import AppRuntime, DbSession
from callkeep.kit.idempotency import client_of
from callkeep.records import amendments, consents, interactions
from callkeep.records.amendment_endpoints import router as amendments_router
from callkeep.records.calls import batches, group_commit, posted
from callkeep.records.calls import service as calls
from callkeep.records.calls.batch_schemas import CallBatchOut
from callkeep.records.parties import sellers
from callkeep.records.parties.endpoints import router as parties_router
from callkeep.records.schemas import (
    AmendmentIn,
    AmendmentOut,
    CallOut,
    CallPage,
    ConsentIn,
    ConsentOut,
    InquiryIn,
    InquiryOut,
    InteractionIn,
    InteractionOut,
    PurchaseIn,
    PurchaseOut,
    RevocationIn,
    RevocationOut,
)

router = APIRouter(prefix="/api/v1", tags=["records"])

Reader = Annotated[Principal, Depends(require(roles.READ))]
Staff = Annotated[Principal, Depends(require(roles.STAFF_WRITE))]
Caller = Annotated[Principal, Depends(require(roles.RECORD_CALLS))]
# Calls belong to one seller each, so a seller-scoped token may post and read its own.
ScopedCaller = Annotated[Principal, Depends(require(roles.RECORD_CALLS, seller_scoped=True))]
ScopedReader = Annotated[Principal, Depends(require(roles.READ, seller_scoped=True))]


@router.post(
    "/calls",
    response_model=CallOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=posted.OPENAPI,
)
@admits(roles.RECORD_CALLS)
async def create_call(request: Request) -> Response:
    """Records a call (201); a repeat with the same Idempotency-Key or external id gets the
    first record back (200).

    Every call a dialer makes is posted here, so it is lean: the role is checked first, on the
    event loop (`Caller`'s roles); the body and header are read by `posted`; the write runs
    on the event loop when the database's writer is free, together with the calls posted at the
    same moment (group commit, `group_commit`); the answer leaves once its call is committed.
    """
    principal = await admit_soon(request, roles.RECORD_CALLS, seller_scoped=True)
    call_in, idempotency_key = await posted.posted_call(request)
    call_in.seller = seller_ref(principal, call_in.seller)
    out, created = await group_commit.write_call(
        request,
        actor=principal.actor,
        client=client_of(request, principal.actor),
        call_in=call_in,
        idempotency_key=idempotency_key,
    )
    return Response(
        out.model_dump_json(),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        media_type="application/json",
    )


@router.post(
    "/calls/batch",
    response_model=CallBatchOut,
    openapi_extra=batches.OPENAPI,
    responses={413: {"description": "more than 1,000 calls"}},
)
@admits(roles.RECORD_CALLS)
async def create_calls(request: Request) -> Response:
    """Records up to 1,000 calls, each on its own: per item 201 (recorded), 200 (a repeat of
    an earlier record, by the item's `idempotency_key`, else its external id, else its
    content) or its refusal (422 with its fields, 409 for a reused key). Never all-or-nothing:
    a refused item refuses nothing else."""
    principal = await admit_soon(request, roles.RECORD_CALLS, seller_scoped=True)
    items = await batches.posted_items(request)
    out = await batches.write_batch(
        request,
        actor=principal.actor,
        client=client_of(request, principal.actor),
        items=items,
        seller_of=lambda asked: seller_ref(principal, asked),
    )
    return Response(out.model_dump_json(), media_type="application/json")


@router.get("/calls", response_model=CallPage)
def list_calls(
    session: DbSession,
    rt: AppRuntime,
    principal: ScopedReader,
    seller: str | None = None,
    campaign: str | None = None,
    phone: str | None = None,
    since: Annotated[Instant | None, Query(alias="from")] = None,
    until: Annotated[Instant | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0,
) -> CallPage:
    """Calls newest first: filter by seller, campaign, number, start time from/to; paged.
    Agents: the calls to the numbers of the contacts they work."""
    seller = seller_ref(principal, seller)
    seller_id = sellers.seller_view(session=session, ref=seller)["id"] if seller else None
    campaign_id = (
        sellers.campaign_row(session=session, ref=campaign, seller_id=seller_id).id
        if campaign
        else None
    )
    items, total = calls.list_calls(
        session=session,
        seller_id=seller_id,
        campaign_id=campaign_id,
        phone=phone,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
        # agents: the calls to the numbers of the contacts they work
        numbers=contact_reach.call_numbers(session=session, principal=principal),
    )
    access.record_reads(
        db=rt.db,
        actor=principal.actor,
        entity_type="calls",
        entity_ids=[c.id for c in items],
        via="GET /api/v1/calls",
    )
    return CallPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/calls/{call_id}", response_model=CallOut)
def get_call(call_id: str, session: DbSession, rt: AppRuntime, principal: ScopedReader) -> CallOut:
    """One call as currently amended, with its amendments (agents: a call to a number of a
    contact they work; any other is 404, logged)."""
    row = calls.get_call(session=session, call_id=call_id)
    hold_to_seller(principal, row.seller_id, f"call {call_id}")
    contact_reach.hold_to_call(
        db=rt.db, session=session, principal=principal, call=row, via=f"GET /api/v1/calls/{call_id}"
    )
    out = calls.call_out(session=session, call=row)
    access.record_reads(
        db=rt.db,
        actor=principal.actor,
        entity_type="calls",
        entity_ids=[call_id],
        via=f"GET /api/v1/calls/{call_id}",
    )
    return out


@router.post(
    "/calls/{call_id}/amendments", response_model=AmendmentOut, status_code=status.HTTP_201_CREATED
)
def amend_call(
    call_id: str, body: AmendmentIn, session: DbSession, principal: ScopedCaller
) -> AmendmentOut:
    """Corrects a call: the original stays; the amendment names it, the reason and who."""
    found = calls.get_call(session=session, call_id=call_id)
    hold_to_seller(principal, found.seller_id, f"call {call_id}")
    row = calls.amend_call(
        session=session,
        actor=principal.actor,
        call_id=call_id,
        changes=body.changes,
        reason=body.reason,
    )
    return amendments.to_out(row)


@router.post("/interactions", response_model=InteractionOut, status_code=status.HTTP_201_CREATED)
def create_interaction(body: InteractionIn, session: DbSession, principal: Staff) -> InteractionOut:
    """Records an email, text, letter or in-person meeting with a contact."""
    row = interactions.record_interaction(
        session=session, actor=principal.actor, interaction_in=body
    )
    return interactions.interaction_out(session=session, interaction=row)


@router.post("/consents", response_model=ConsentOut, status_code=status.HTTP_201_CREATED)
def create_consent(
    body: ConsentIn, session: DbSession, rt: AppRuntime, principal: Staff
) -> ConsentOut:
    """Records a consent with the request exactly as presented and the evidence (agents: for
    a number no contact they do not work holds)."""
    contact_reach.hold_write(
        db=rt.db,
        session=session,
        principal=principal,
        contact_id=body.contact_id,
        phones=[body.phone],
        via="POST /api/v1/consents",
    )
    row = consents.record_consent(session=session, actor=principal.actor, consent_in=body)
    return consents.consents_out(session=session, rows=[row])[0]


@router.get("/consents", response_model=list[ConsentOut])
def list_consents(
    session: DbSession,
    rt: AppRuntime,
    principal: Reader,
    phone: str | None = None,
    seller: str | None = None,
) -> list[ConsentOut]:
    """Consents for a number and/or seller, each with its revocations."""
    seller_id = sellers.seller_view(session=session, ref=seller)["id"] if seller else None
    found = consents.list_consents(session=session, phone=phone, seller_id=seller_id)
    access.record_reads(
        db=rt.db,
        actor=principal.actor,
        entity_type="consents",
        entity_ids=[c.id for c in found],
        via="GET /api/v1/consents",
    )
    return found


@router.get("/consents/{consent_id}", response_model=ConsentOut)
def get_consent(
    consent_id: str, session: DbSession, rt: AppRuntime, principal: Reader
) -> ConsentOut:
    """One consent with its revocations."""
    found = consents.get_consent(session=session, consent_id=consent_id)
    access.record_reads(
        db=rt.db,
        actor=principal.actor,
        entity_type="consents",
        entity_ids=[consent_id],
        via=f"GET /api/v1/consents/{consent_id}",
    )
    return found


@router.post(
    "/consents/revocations",
    response_model=list[RevocationOut],
    status_code=status.HTTP_201_CREATED,
)
def revoke_consents(
    body: RevocationIn, session: DbSession, principal: Staff
) -> list[RevocationOut]:
    """Revokes a consent (by id) or every consent of a number for a seller; [] if none left."""
    rows = consents.revoke_for(session=session, actor=principal.actor, revocation_in=body)
    return [RevocationOut.model_validate(r, from_attributes=True) for r in rows]


@router.post("/purchases", response_model=PurchaseOut, status_code=status.HTTP_201_CREATED)
def create_purchase(body: PurchaseIn, session: DbSession, principal: Staff) -> PurchaseOut:
    """Records a customer's purchase (amount in cents)."""
    row = consents.record_purchase(session=session, actor=principal.actor, purchase_in=body)
    return PurchaseOut.model_validate(row, from_attributes=True)


@router.post("/inquiries", response_model=InquiryOut, status_code=status.HTTP_201_CREATED)
def create_inquiry(body: InquiryIn, session: DbSession, principal: Staff) -> InquiryOut:
    """Records a person's inquiry or application."""
    row = consents.record_inquiry(session=session, actor=principal.actor, inquiry_in=body)
    return InquiryOut.model_validate(row, from_attributes=True)


# Routes are matched in order: the calls dialers post on every dial come before the parties.
router.include_router(amendments_router)
router.include_router(parties_router)
