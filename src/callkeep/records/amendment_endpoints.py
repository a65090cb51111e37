"""`/api/v1/{type}/{id}/amendments`: correcting a record of any type but calls (whose route is
with the calls), and listing any record's amendments. Contacts and calls are held to what an
agent works (`auth/contact_reach.py`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from callkeep.auth import contact_reach, roles
from callkeep.auth.deps import require
from callkeep.auth.schemas import Principal
from callkeep.errors import NotFound
from callkeep.kit.http import AppRuntime, DbSession
from callkeep.records import amendments
from callkeep.records import models as m
from callkeep.records.parties import people
from callkeep.records.schemas import AmendmentIn, AmendmentOut

router = APIRouter(tags=["records"])

Reader = Annotated[Principal, Depends(require(roles.READ))]
Staff = Annotated[Principal, Depends(require(roles.STAFF_WRITE))]


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
        held = session.get(model, record_id)
        if held is None:
            raise NotFound(f"no {record_type} record {record_id}")
        if isinstance(held, m.Call):
            contact_reach.hold_to_call(
                db=rt.db,
                session=session,
                principal=principal,
                call=held,
                via=f"GET /api/v1/calls/{record_id}/amendments",
            )
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
