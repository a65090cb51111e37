"""`/api/v1/calls`, `/consents`, `/interactions`, purchases, inquiries and amendments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from callkeep.auth import access, contact_reach, roles
from callkeep.auth.deps import admit_soon, require
from callkeep.auth.permissions import admits
from callkeep.auth.schemas import Principal
from callkeep.auth.seller_scope import hold_to_seller, seller_ref
from callkeep.errors import NotFound
from callkeep.kit.bounds import INT32_MAX, Instant
from callkeep.kit.http import AppRuntime, DbSession
from callkeep.kit.idempotency import client_of
from callkeep.records import amendments, consents, interactions
from callkeep.records import models as m
from callkeep.records.calls import batches, group_commit, posted
from callkeep.records.calls import service as calls
from callkeep.records.calls.batch_schemas import CallBatchOut
from callkeep.records.parties import people, sellers
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
    if not contact_reach.may_see_call(
        db=rt.db,
        session=session,
        principal=principal,
        call_id=call_id,
        called_number=row.called_number,
        via=f"GET /api/v1/calls/{call_id}",
    ):
        raise NotFound(f"no call {call_id}")
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
    _hold_write(rt, session, principal, body.contact_id, body.phone, "POST /api/v1/consents")
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
def create_purchase(
    body: PurchaseIn, session: DbSession, rt: AppRuntime, principal: Staff
) -> PurchaseOut:
    """Records a customer's purchase (amount in cents; agents: of a contact they work)."""
    _hold_write(rt, session, principal, body.contact_id, body.phone, "POST /api/v1/purchases")
    row = consents.record_purchase(session=session, actor=principal.actor, purchase_in=body)
    return PurchaseOut.model_validate(row, from_attributes=True)


@router.post("/inquiries", response_model=InquiryOut, status_code=status.HTTP_201_CREATED)
def create_inquiry(
    body: InquiryIn, session: DbSession, rt: AppRuntime, principal: Staff
) -> InquiryOut:
    """Records a person's inquiry or application (agents: of a contact they work)."""
    _hold_write(rt, session, principal, body.contact_id, body.phone, "POST /api/v1/inquiries")
    row = consents.record_inquiry(session=session, actor=principal.actor, inquiry_in=body)
    return InquiryOut.model_validate(row, from_attributes=True)


def _hold_write(
    rt: AppRuntime,
    session: DbSession,
    principal: Principal,
    contact_id: str | None,
    phone: str | None,
    via: str,
) -> None:
    """An agent attaches personal data only to a contact they work, and to a number no
    contact they do not work holds (403, logged)."""
    if principal.role is not roles.Role.AGENT:
        return
    if contact_id:
        people.get_contact(session=session, contact_id=contact_id)
        contact_reach.hold_to_contact(
            db=rt.db, session=session, principal=principal, contact_id=contact_id, via=via
        )
    contact_reach.hold_to_numbers(
        db=rt.db, session=session, principal=principal, phones=[phone], via=via
    )


# --- amendments of every other record type ----------------------------------------------


def _amend(record_type: str) -> Any:
    def amend(
        record_id: str, body: AmendmentIn, session: DbSession, rt: AppRuntime, principal: Staff
    ) -> AmendmentOut:
        if record_type == "contacts":
            people.get_contact(session=session, contact_id=record_id)
            contact_reach.hold_to_contact(
                db=rt.db,
                session=session,
                principal=principal,
                contact_id=record_id,
                via=f"POST /api/v1/contacts/{record_id}/amendments",
            )
            new_phones = body.changes.get("phones")
            contact_reach.hold_to_numbers(
                db=rt.db,
                session=session,
                principal=principal,
                phones=[str(p) for p in new_phones] if isinstance(new_phones, list) else [],
                via=f"POST /api/v1/contacts/{record_id}/amendments",
            )
            row = people.amend_contact(
                session=session,
                actor=principal.actor,
                contact_id=record_id,
                changes=body.changes,
                reason=body.reason,
            )
        else:
            row = amendments.amend(
                session=session,
                actor=principal.actor,
                target_type=record_type,
                target_id=record_id,
                changes=body.changes,
                reason=body.reason,
            )
        return amendments.to_out(row)

    amend.__doc__ = f"Corrects a record of {record_type}; the original stays as it was."
    return amend


def _amendments_of(record_type: str) -> Any:
    def listing(
        record_id: str, session: DbSession, rt: AppRuntime, principal: Reader
    ) -> list[AmendmentOut]:
        model = amendments.MODELS[record_type]
        if session.get(model, record_id) is None:
            raise NotFound(f"no {record_type} record {record_id}")
        if record_type == "contacts":
            contact_reach.hold_to_contact(
                db=rt.db,
                session=session,
                principal=principal,
                contact_id=record_id,
                via=f"GET /api/v1/contacts/{record_id}/amendments",
            )
        found = amendments.amendments_for(
            session=session, target_type=record_type, target_ids=[record_id]
        )
        return [amendments.to_out(a) for a in found.get(record_id, [])]

    listing.__doc__ = f"Every amendment of a record of {record_type}, oldest first."
    return listing


for _type in amendments.MODELS:
    if _type != m.Call.__tablename__:
        router.add_api_route(
            f"/{_type}/{{record_id}}/amendments",
            _amend(_type),
            methods=["POST"],
            response_model=AmendmentOut,
            status_code=status.HTTP_201_CREATED,
            name=f"amend_{_type}",
        )
    router.add_api_route(
        f"/{_type}/{{record_id}}/amendments",
        _amendments_of(_type),
        methods=["GET"],
        response_model=list[AmendmentOut],
        name=f"amendments_of_{_type}",
    )

# Routes are matched in order: the calls dialers post on every dial come before the parties.
router.include_router(parties_router)
