"""`/contacts`, `/contacts/{id}`, `/calls`, `/calls/{id}` and `/campaigns`: thin routes over
the records and checks services. Every page showing personal data logs the read."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Response

from callkeep.auth import access, contact_reach
from callkeep.auth.roles import Role
from callkeep.auth.sessions import StaffUser
from callkeep.checks import service as checks_service
from callkeep.errors import NotFound
from callkeep.kit.http import AppRuntime
from callkeep.phone.parse import try_normalize
from callkeep.records import service as records
from callkeep.web import scope
from callkeep.web.pages_dashboard import Asked, count_days
from callkeep.web.staff import (
    PageRefused,
    StaffRoute,
    form,
    nav_entry,
    page,
    redirect,
    staff_page,
)

router = APIRouter(include_in_schema=False, route_class=StaffRoute)

READERS = {Role.ADMIN, Role.COMPLIANCE, Role.SUPERVISOR, Role.AGENT, Role.AUDITOR}
CONTACTS = nav_entry("/contacts", "Contacts", READERS)
CALLS = nav_entry("/calls", "Calls", READERS)
CAMPAIGNS = nav_entry("/campaigns", "Campaigns", READERS)
EDITORS = frozenset({Role.ADMIN, Role.COMPLIANCE, Role.AGENT})
PAGE_SIZE = 50
CHANNELS = ("phone", "text", "email", "mail", "in_person", "web", "other")

ContactReader = Annotated[StaffUser, Depends(page(CONTACTS))]
ContactEditor = Annotated[StaffUser, Depends(form(EDITORS))]
CallReader = Annotated[StaffUser, Depends(page(CALLS))]
CampaignReader = Annotated[StaffUser, Depends(page(CAMPAIGNS))]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def _log(rt: AppRuntime, user: StaffUser, entity_type: str, ids: list[str], via: str) -> None:
    access.record_reads(
        db=rt.db, actor=user.principal.actor, entity_type=entity_type, entity_ids=ids, via=via
    )


@router.get("/contacts")
def contacts_page(
    rt: AppRuntime,
    user: ContactReader,
    q: Annotated[str, Query(max_length=200)] = "",
    offset: Offset = 0,
) -> Response:
    """Search contacts by number or by name."""
    typed = q.strip()
    found = []
    if typed:
        phone = try_normalize(typed) if any(ch.isdigit() for ch in typed) else None
        with rt.db.transaction(read_only=True) as session:
            found = records.search_contacts(
                session=session,
                phone=phone,
                name=None if phone else typed,
                limit=PAGE_SIZE,
                offset=offset,
            )
            mine = contact_reach.visible(
                session=session, principal=user.principal, contact_ids=[c.id for c in found]
            )
            found = [c for c in found if c.id in mine]  # agents: the contacts they work
        _log(rt, user, "contacts", [c.id for c in found], "GET /contacts")
    return staff_page(
        "staff/contacts.html",
        user=user,
        title="Contacts",
        current="/contacts",
        q=typed,
        contacts=found,
        offset=offset,
        page_size=PAGE_SIZE,
    )


def _may_see_contact(rt: AppRuntime, user: StaffUser, contact_id: str, via: str) -> None:
    """The 403 page (logged) for a contact an agent does not work or a supervisor's sellers
    and campaigns have not called."""
    with rt.db.transaction(read_only=True) as session:
        records.get_contact(session=session, contact_id=contact_id)
        seen = contact_reach.may_see(
            db=rt.db, session=session, principal=user.principal, contact_id=contact_id, via=via
        )
    if not seen:
        raise PageRefused(
            user,
            "This contact is not one you work: you see the contacts you have called, written "
            "to or recorded, and those of the sellers and campaigns assigned to you.",
        )


@router.get("/contacts/{contact_id}")
def contact_page(contact_id: str, rt: AppRuntime, user: ContactReader) -> Response:
    """A contact: details, preferences and per-channel opt-outs, and the timeline."""
    _may_see_contact(rt, user, contact_id, f"GET /contacts/{contact_id}")
    with rt.db.transaction(read_only=True) as session:
        contact = records.get_contact(session=session, contact_id=contact_id)
        items = records.contact_timeline(session=session, contact_id=contact_id)
    _log(rt, user, "contacts", [contact_id], f"GET /contacts/{contact_id}")
    return staff_page(
        "staff/contact.html",
        user=user,
        title=contact.name or "Contact",
        current="/contacts",
        contact=contact,
        items=items,
        channels=CHANNELS,
        may_edit=user.principal.role in EDITORS,
    )


@router.post("/contacts/{contact_id}/preferences")
def amend_preferences(
    contact_id: str,
    rt: AppRuntime,
    user: ContactEditor,
    preferred_channel: Annotated[str, Form(max_length=20)] = "",
    best_time_to_call: Annotated[str, Form(max_length=100)] = "",
    language: Annotated[str, Form(max_length=20)] = "",
    opt_outs: Annotated[list[str] | None, Form()] = None,
    reason: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """Records new preferences as an amendment of the contact (the original stays)."""
    _may_see_contact(rt, user, contact_id, f"POST /contacts/{contact_id}/preferences")
    preferences = records.Preferences.model_validate(
        {
            "preferred_channel": preferred_channel or None,
            "best_time_to_call": best_time_to_call or None,
            "language": language or None,
            "opt_outs": [c for c in (opt_outs or []) if c in CHANNELS],
        }
    )
    with rt.db.transaction() as session:
        records.get_contact(session=session, contact_id=contact_id)
        records.amend_contact(
            session=session,
            actor=user.principal.actor,
            contact_id=contact_id,
            changes={"preferences": json.loads(preferences.model_dump_json())},
            reason=reason.strip() or "preferences changed in the staff app",
        )
    return redirect(f"/contacts/{contact_id}#preferences")


Cursor = Annotated[str, Query(max_length=80)]


@router.get("/calls")
def calls_page(
    rt: AppRuntime,
    user: CallReader,
    asked: Asked,
    phone: Annotated[str, Query(max_length=40)] = "",
    offset: Offset = 0,
    before: Cursor = "",
    after: Cursor = "",
) -> Response:
    """Calls of the period, newest first, filtered by seller, campaign and number; a page is
    found by its offset or by the call just before (`before`) or after (`after`) it. Agents
    see the calls to the numbers of the contacts they work."""
    e164 = try_normalize(phone) if phone.strip() else None
    older = records.CallPosition.parse(before, "before") if before else None
    newer = records.CallPosition.parse(after, "after") if after else None
    with rt.db.transaction(read_only=True) as session:
        chosen = scope.resolve(
            session=session,
            user=user,
            seller=asked.seller,
            campaign=asked.campaign,
            first=asked.first,
            last=asked.last,
        )
    count_days(rt, chosen)
    with rt.db.transaction(read_only=True) as session:
        found = records.call_page(
            session=session,
            where=chosen.calls,
            phone=e164,
            limit=PAGE_SIZE,
            offset=offset,
            before=older,
            after=newer,
            numbers=contact_reach.call_numbers(session=session, principal=user.principal),
        )
        names = {s.id: s.slug for s in chosen.sellers}
        campaign_names = {c.id: c.slug for c in chosen.campaigns}
    extra = {"phone": phone} if phone else {}
    return staff_page(
        "staff/calls.html",
        user=user,
        title="Calls",
        current="/calls",
        scope=chosen,
        calls=found.calls,
        total=found.total,
        offset=found.offset,
        newer=found.newer.token if found.newer else "",
        older=found.older.token if found.older else "",
        page_size=PAGE_SIZE,
        phone=phone,
        bad_phone=bool(phone.strip()) and e164 is None,
        sellers_by_id=names,
        campaigns_by_id=campaign_names,
        query=urlencode(chosen.query(**extra)),
    )


FIELDS_310_5 = [
    ("telemarketer_name", "Telemarketer who placed the call (i)"),
    ("employee_id", "Employee (i)"),
    ("seller_id", "Seller (ii)"),
    ("subject", "Goods or services offered (ii)"),
    ("consumer_or_business", "Consumer or business (iii)"),
    ("outbound", "Outbound (iv)"),
    ("prerecorded", "Prerecorded message (iv)"),
    ("manual_dial", "Manually dialed (iv)"),
    ("calling_number", "Calling number (v)"),
    ("called_number", "Called number (vi)"),
    ("started_at", "Date and start time, UTC (vii)"),
    ("duration_seconds", "Duration in seconds (vii)"),
    ("script_version_id", "Script used (viii)"),
    ("message_version_id", "Prerecorded message used (viii)"),
    ("caller_id_number", "Caller ID number transmitted (ix)"),
    ("caller_id_name", "Caller ID name transmitted (ix)"),
    ("disposition", "Disposition (x)"),
    ("transfer_to", "Transferred to (x)"),
    ("transfer_company", "Transferred to company (x)"),
    ("outcome", "Outcome"),
    ("notes", "Notes"),
    ("recording_ref", "Recording"),
    ("external_call_id", "Dialer's call id"),
    ("recorded_at", "Recorded at"),
    ("recorded_by", "Recorded by"),
]


@router.get("/calls/{call_id}")
def call_page(call_id: str, rt: AppRuntime, user: CallReader) -> Response:
    """One call: every 16 CFR 310.5(a)(2) field, its amendments, and the decision behind it."""
    with rt.db.transaction(read_only=True) as session:
        row = records.get_call(session=session, call_id=call_id)
        if not scope.may_see_call(user, seller_id=row.seller_id, campaign_id=row.campaign_id):
            raise NotFound(f"no call {call_id}")
        reached = contact_reach.may_see_call(
            db=rt.db,
            session=session,
            principal=user.principal,
            call_id=call_id,
            called_number=row.called_number,
            via=f"GET /calls/{call_id}",
        )
        if not reached:
            raise PageRefused(
                user,
                "This call is not one you may see: you see the calls to the numbers of the "
                "contacts you work.",
            )
        call = records.call_out(session=session, call=row)
        decision = (
            checks_service.get_decision(session=session, decision_id=call.decision_id)
            if call.decision_id
            and checks_service.find_decision(session=session, decision_id=call.decision_id)
            else None
        )
    _log(rt, user, "calls", [call_id], f"GET /calls/{call_id}")
    values = call.model_dump()
    return staff_page(
        "staff/call.html",
        user=user,
        title="Call record",
        current="/calls",
        call=call,
        fields=[(label, values.get(name)) for name, label in FIELDS_310_5],
        decision=decision,
    )


@router.get("/campaigns")
def campaigns_page(rt: AppRuntime, user: CampaignReader) -> Response:
    """Campaigns by seller, with their scripts and prerecorded messages."""
    with rt.db.transaction(read_only=True) as session:
        chosen = scope.resolve(session=session, user=user)
        documents = {
            c.id: records.list_documents(session=session, campaign_id=c.id)
            for c in chosen.campaigns
        }
    return staff_page(
        "staff/campaigns.html",
        user=user,
        title="Campaigns",
        current="/campaigns",
        scope=chosen,
        documents=documents,
    )
