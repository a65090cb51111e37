"""`/api/v1/dnc-requests`, the review queue and the opt-out webhooks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from callkeep.auth import access, roles
from callkeep.auth.deps import authenticate, require
from callkeep.auth.permissions import admits
from callkeep.auth.schemas import Principal
from callkeep.auth.seller_scope import hold_to_seller, refuse_scoped, seller_ref
from callkeep.errors import InvalidInput, PermissionDenied
from callkeep.kit.bounds import INT32_MAX
from callkeep.kit.http import AppRuntime, DbSession
from callkeep.requests import peers, review, service, webhooks
from callkeep.requests.schemas import (
    Channel,
    DncRequestCreate,
    DncRequestOut,
    DncRequestPage,
    KeypressIn,
    RequestStatus,
    ReviewItemOut,
    ReviewResolve,
    WebhookAccepted,
)

router = APIRouter(prefix="/api/v1", tags=["dnc requests"])

Staff = Annotated[Principal, Depends(require(roles.STAFF_WRITE))]
Reader = Annotated[Principal, Depends(require(roles.READ))]
# The requests themselves belong to one seller each, so a seller-scoped token may use them.
ScopedStaff = Annotated[Principal, Depends(require(roles.STAFF_WRITE, seller_scoped=True))]
ScopedReader = Annotated[Principal, Depends(require(roles.READ, seller_scoped=True))]


def _log_read(
    rt: AppRuntime, principal: Principal, entity_type: str, ids: list[str], via: str
) -> None:
    access.record_reads(
        db=rt.db, actor=principal.actor, entity_type=entity_type, entity_ids=ids, via=via
    )


@router.post("/dnc-requests", response_model=DncRequestOut, status_code=status.HTTP_201_CREATED)
def create_request(
    body: DncRequestCreate, session: DbSession, principal: ScopedStaff, response: Response
) -> DncRequestOut:
    """Records a consumer's request not to be called (201), or returns the earlier one (200)."""
    body.seller = seller_ref(principal, body.seller)
    result = service.record_request(session=session, actor=principal.actor, request_in=body)
    if not result.created:
        response.status_code = status.HTTP_200_OK
    out = service.to_out(result.request, created=result.created)
    out.checkpoint = peers.checkpoint_in_force(session=session)
    return out


@router.get("/dnc-requests", response_model=DncRequestPage)
def list_requests(
    session: DbSession,
    rt: AppRuntime,
    principal: ScopedReader,
    seller: str | None = None,
    channel: Channel | None = None,
    phone: str | None = None,
    since: Annotated[str | None, Query(alias="from", description="day or instant")] = None,
    until: Annotated[str | None, Query(alias="to", description="day or instant")] = None,
    request_status: Annotated[RequestStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0,
) -> DncRequestPage:
    """Requests newest first; filter by seller, channel, number, received from/to, status."""
    rows, total = service.list_requests(
        session=session,
        seller=seller_ref(principal, seller),
        channel=channel.value if channel else None,
        phone=phone,
        since=service.parse_bound(since, field="from") if since else None,
        until=service.parse_bound(until, field="to", end=True) if until else None,
        status=request_status,
        limit=limit,
        offset=offset,
    )
    _log_read(rt, principal, "dnc_requests", [r.id for r in rows], "GET /api/v1/dnc-requests")
    return DncRequestPage(
        items=[service.to_out(r) for r in rows], total=total, limit=limit, offset=offset
    )


@router.get("/dnc-requests/{request_id}", response_model=DncRequestOut)
def get_request(
    request_id: str, session: DbSession, rt: AppRuntime, principal: ScopedReader
) -> DncRequestOut:
    """One request by id or confirmation code."""
    found = service.get(session=session, request_id=request_id)
    hold_to_seller(principal, found.seller_id, f"request {request_id}")
    _log_read(rt, principal, "dnc_requests", [found.id], "GET /api/v1/dnc-requests/{id}")
    return service.to_out(found)


@router.get("/dnc-review-items", response_model=list[ReviewItemOut])
def list_review_items(
    session: DbSession, rt: AppRuntime, principal: Reader, include_resolved: bool = False
) -> list[ReviewItemOut]:
    """Inbound messages waiting for a person to confirm or dismiss."""
    items = review.list_items(session=session, include_resolved=include_resolved)
    _log_read(
        rt, principal, "dnc_review_items", [i.id for i in items], "GET /api/v1/dnc-review-items"
    )
    return items


@router.post("/dnc-review-items/{item_id}/resolution", response_model=ReviewItemOut)
def resolve_review_item(
    item_id: str, body: ReviewResolve, session: DbSession, principal: Staff
) -> ReviewItemOut:
    """Resolves a queued message: a request for the confirmed number, or a dismissal."""
    return review.resolve(
        session=session,
        actor=principal.actor,
        item_id=item_id,
        phone=body.phone,
        dismiss=body.dismiss,
        note=body.note,
    )


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


def _webhook_actor(request: Request, rt: AppRuntime, channel: str, body: bytes) -> str:
    """The ledger actor of a webhook: a valid signature, or a dialer/staff bearer token."""
    if request.headers.get("authorization"):
        principal = authenticate(request)
        refuse_scoped(principal)
        if principal.role not in roles.RECORD_CALLS:
            raise PermissionDenied(f"role {principal.role.value!r} may not post opt-outs")
        return principal.actor
    with rt.db.transaction(read_only=True) as session:
        webhooks.verify_signature(
            session=session,
            channel=channel,
            body=body,
            header=request.headers.get(webhooks.SIGNATURE_HEADER),
        )
    return f"webhook:{channel}"


@router.post("/webhooks/sms", response_model=WebhookAccepted)
@admits(roles.RECORD_CALLS, why="or the provider's signature")
def sms_webhook(request: Request, body: RawBody, rt: AppRuntime) -> WebhookAccepted:
    """An inbound text (Twilio-style form or JSON); a stop word or phrase records a request."""
    actor = _webhook_actor(request, rt, "sms", body)
    text = webhooks.parse_inbound_text(
        content_type=request.headers.get("content-type", ""), body=body
    )
    with rt.db.transaction() as session:
        return webhooks.accept_text(session=session, actor=actor, text=text)


@router.post("/webhooks/keypress", response_model=WebhookAccepted)
@admits(roles.RECORD_CALLS, why="or the provider's signature")
def keypress_webhook(request: Request, body: RawBody, rt: AppRuntime) -> WebhookAccepted:
    """A key press on a prerecorded call; the opt-out digit records a request at once."""
    actor = _webhook_actor(request, rt, "keypress", body)
    try:
        keypress = KeypressIn.model_validate_json(body)
    except ValueError as exc:
        webhooks.log.warning("keypress webhook refused: not a valid key-press body")
        raise InvalidInput.for_field("body", "send JSON: digit, phone or call_id") from exc
    with rt.db.transaction() as session:
        return webhooks.accept_keypress(session=session, actor=actor, keypress=keypress)
