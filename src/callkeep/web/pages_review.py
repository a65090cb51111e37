"""`/review-queue`: messages that may be Do-Not-Call requests, waiting for a person.

Compliance officers resolve each one here as `callkeep dnc review-resolve` does: a request for
the number they confirm, or a dismissal, with why; the resolution is a new ledgered record
naming who made it (`requests/review.py`), never an edit of the item.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Response

from callkeep.auth import access
from callkeep.auth.roles import Role
from callkeep.auth.sessions import StaffUser
from callkeep.errors import InvalidInput
from callkeep.kit.http import AppRuntime
from callkeep.requests import review
from callkeep.web.staff import StaffRoute, form, nav_entry, page, redirect, staff_page

router = APIRouter(include_in_schema=False, route_class=StaffRoute)

RESOLVERS = frozenset({Role.ADMIN, Role.COMPLIANCE})
REVIEW = nav_entry("/review-queue", "Review queue", {*RESOLVERS, Role.AUDITOR})


@router.get("/review-queue")
def review_page(
    rt: AppRuntime,
    user: Annotated[StaffUser, Depends(page(REVIEW))],
    resolved: str = "",
) -> Response:
    """The waiting items (and, asked, the resolved ones), each with a form to resolve it."""
    with rt.db.transaction(read_only=True) as session:
        items = review.list_items(session=session, include_resolved=resolved == "1")
    access.record_reads(
        db=rt.db,
        actor=user.principal.actor,
        entity_type="dnc_review_items",
        entity_ids=[i.id for i in items],
        via="GET /review-queue",
    )
    return staff_page(
        "staff/review.html",
        user=user,
        title="Review queue",
        current="/review-queue",
        items=items,
        show_resolved=resolved == "1",
        may_resolve=user.principal.role in RESOLVERS,
    )


@router.post("/review-queue/{item_id}")
def resolve_item(
    item_id: str,
    rt: AppRuntime,
    user: Annotated[StaffUser, Depends(form(RESOLVERS))],
    outcome: Annotated[str, Form(max_length=20)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    why: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Resolves one item: a request for the confirmed number, or a dismissal; `why` is kept."""
    if outcome not in ("request", "dismiss"):
        raise InvalidInput.for_field("outcome", "choose 'record a request' or 'dismiss'")
    if not why.strip():
        raise InvalidInput.for_field("why", "say why (it is kept with the resolution)")
    with rt.db.transaction() as session:
        review.resolve(
            session=session,
            actor=user.principal.actor,
            item_id=item_id,
            phone=phone.strip() if outcome == "request" else None,
            dismiss=outcome == "dismiss",
            note=why.strip(),
        )
    return redirect("/review-queue")
