"""`/api/v1/sellers`, `/campaigns`, `/employees`, `/contacts`: who the records are about."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from callkeep.auth import access, contact_reach, roles
from callkeep.auth.deps import require
from callkeep.auth.schemas import Principal
from callkeep.kit.bounds import INT32_MAX
from callkeep.kit.http import AppRuntime, DbSession
from callkeep.records import amendments, timeline
from callkeep.records.parties import people, sellers
from callkeep.records.parties.schemas import (
    CampaignIn,
    CampaignOut,
    ContactIn,
    ContactOut,
    DocumentIn,
    DocumentOut,
    EmployeeIn,
    EmployeeOut,
    FictitiousNameIn,
    SellerIn,
    SellerOut,
)
from callkeep.records.schemas import TimelineItem

router = APIRouter(tags=["records"])

Reader = Annotated[Principal, Depends(require(roles.READ))]
Staff = Annotated[Principal, Depends(require(roles.STAFF_WRITE))]
Officer = Annotated[Principal, Depends(require(roles.COMPLIANCE))]


@router.post("/sellers", response_model=SellerOut, status_code=status.HTTP_201_CREATED)
def create_seller(body: SellerIn, session: DbSession, principal: Officer) -> SellerOut:
    """Adds a seller (a business calls are made for)."""
    seller = sellers.create_seller(session=session, actor=principal.actor, seller_in=body)
    return sellers.seller_out(amendments.view_of(seller))


@router.get("/sellers", response_model=list[SellerOut])
def list_sellers(session: DbSession, _who: Reader) -> list[SellerOut]:
    """Every seller, as currently amended."""
    return sellers.list_sellers(session=session)


@router.get("/sellers/{ref}", response_model=SellerOut)
def get_seller(ref: str, session: DbSession, _who: Reader) -> SellerOut:
    """One seller by id or slug."""
    return sellers.seller_out(sellers.seller_view(session=session, ref=ref))


@router.post("/campaigns", response_model=CampaignOut, status_code=status.HTTP_201_CREATED)
def create_campaign(body: CampaignIn, session: DbSession, principal: Officer) -> CampaignOut:
    """Adds a campaign: seller, product or purpose, dialing mode, caller ID and its proof."""
    row = sellers.create_campaign(session=session, actor=principal.actor, campaign_in=body)
    return sellers.campaign_out(amendments.view_of(row))


@router.get("/campaigns", response_model=list[CampaignOut])
def list_campaigns(
    session: DbSession, _who: Reader, seller: str | None = None
) -> list[CampaignOut]:
    """Campaigns of one seller (id or slug), or of all."""
    seller_id = sellers.seller_view(session=session, ref=seller)["id"] if seller else None
    return sellers.list_campaigns(session=session, seller_id=seller_id)


@router.post(
    "/campaigns/{campaign_id}/documents",
    response_model=DocumentOut,
    status_code=status.HTTP_201_CREATED,
)
def add_document(
    campaign_id: str, body: DocumentIn, session: DbSession, principal: Officer
) -> DocumentOut:
    """Records the next version of a script or prerecorded message of a campaign."""
    doc = sellers.add_document(
        session=session, actor=principal.actor, campaign_id=campaign_id, document_in=body
    )
    return DocumentOut.model_validate(doc, from_attributes=True)


@router.get("/campaigns/{campaign_id}/documents", response_model=list[DocumentOut])
def list_documents(campaign_id: str, session: DbSession, _who: Reader) -> list[DocumentOut]:
    """Every version of every script and message, with the first and last call that used it."""
    return sellers.list_documents(session=session, campaign_id=campaign_id)


@router.post("/employees", response_model=EmployeeOut, status_code=status.HTTP_201_CREATED)
def create_employee(body: EmployeeIn, session: DbSession, principal: Officer) -> EmployeeOut:
    """Adds an employee; a fictitious name already used by anyone is refused (409)."""
    row = people.create_employee(session=session, actor=principal.actor, employee_in=body)
    return people.employee_out(session=session, employee=row)


@router.get("/employees", response_model=list[EmployeeOut])
def list_employees(session: DbSession, rt: AppRuntime, principal: Reader) -> list[EmployeeOut]:
    """Every employee, current or former."""
    found = people.list_employees(session=session)
    access.record_reads(
        db=rt.db,
        actor=principal.actor,
        entity_type="employees",
        entity_ids=[e.id for e in found],
        via="GET /api/v1/employees",
    )
    return found


@router.post(
    "/employees/{employee_id}/fictitious-names",
    response_model=EmployeeOut,
    status_code=status.HTTP_201_CREATED,
)
def add_fictitious_name(
    employee_id: str, body: FictitiousNameIn, session: DbSession, principal: Officer
) -> EmployeeOut:
    """Adds a fictitious name to an employee (409 if anyone already uses it)."""
    employee = people.get_employee(session=session, employee_id=employee_id)
    people.add_fictitious_name(
        session=session, actor=principal.actor, employee_id=employee.id, name=body.name
    )
    return people.employee_out(session=session, employee=employee)


@router.post("/contacts", response_model=ContactOut, status_code=status.HTTP_201_CREATED)
def create_contact(
    body: ContactIn, session: DbSession, rt: AppRuntime, principal: Staff
) -> ContactOut:
    """Adds a contact; names, emails and street address are kept encrypted (agents: with
    numbers no contact they do not work holds)."""
    contact_reach.hold_to_numbers(
        db=rt.db,
        session=session,
        principal=principal,
        phones=body.phones,
        via="POST /api/v1/contacts",
    )
    row = people.create_contact(session=session, actor=principal.actor, contact_in=body)
    return people.contact_out(amendments.view_of(row))


@router.get("/contacts", response_model=list[ContactOut])
def search_contacts(
    session: DbSession,
    rt: AppRuntime,
    principal: Reader,
    phone: str | None = None,
    name: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0,
) -> list[ContactOut]:
    """Contacts by phone (any spelling) and/or by name (every word given must match)."""
    found = people.search_contacts(
        session=session, phone=phone, name=name, limit=limit, offset=offset
    )
    mine = contact_reach.visible(
        session=session, principal=principal, contact_ids=[c.id for c in found]
    )
    found = [c for c in found if c.id in mine]  # agents: the contacts they work
    access.record_reads(
        db=rt.db,
        actor=principal.actor,
        entity_type="contacts",
        entity_ids=[c.id for c in found],
        via="GET /api/v1/contacts",
    )
    return found


@router.get("/contacts/{contact_id}", response_model=ContactOut)
def get_contact(
    contact_id: str, session: DbSession, rt: AppRuntime, principal: Reader
) -> ContactOut:
    """One contact, as currently amended (agents and supervisors: one they work)."""
    found = people.get_contact(session=session, contact_id=contact_id)
    contact_reach.hold_to_contact(
        db=rt.db,
        session=session,
        principal=principal,
        contact_id=found.id,
        via=f"GET /api/v1/contacts/{contact_id}",
    )
    access.record_reads(
        db=rt.db,
        actor=principal.actor,
        entity_type="contacts",
        entity_ids=[found.id],
        via=f"GET /api/v1/contacts/{contact_id}",
    )
    return found


@router.get("/contacts/{contact_id}/timeline", response_model=list[TimelineItem])
def contact_timeline(
    contact_id: str, session: DbSession, rt: AppRuntime, principal: Reader
) -> list[TimelineItem]:
    """Every interaction, consent, revocation, purchase, inquiry and request, oldest first."""
    people.get_contact(session=session, contact_id=contact_id)
    contact_reach.hold_to_contact(
        db=rt.db,
        session=session,
        principal=principal,
        contact_id=contact_id,
        via=f"GET /api/v1/contacts/{contact_id}/timeline",
    )
    items = timeline.contact_timeline(session=session, contact_id=contact_id)
    access.record_reads(
        db=rt.db,
        actor=principal.actor,
        entity_type="contacts",
        entity_ids=[contact_id],
        via=f"GET /api/v1/contacts/{contact_id}/timeline",
    )
    return items


@router.get("/timeline", response_model=list[TimelineItem])
def phone_timeline(
    phone: str, session: DbSession, rt: AppRuntime, principal: Reader
) -> list[TimelineItem]:
    """The timeline of a number and of every contact holding it (agents and supervisors: when
    they work every contact holding it)."""
    for holder in people.search_contacts(session=session, phone=phone, name=None):
        contact_reach.hold_to_contact(
            db=rt.db,
            session=session,
            principal=principal,
            contact_id=holder.id,
            via="GET /api/v1/timeline",
        )
    items = timeline.phone_timeline(session=session, phone=phone)
    access.record_reads(
        db=rt.db,
        actor=principal.actor,
        entity_type="timeline",
        entity_ids=[f"phone:{phone}"],
        via="GET /api/v1/timeline",
    )
    return items
