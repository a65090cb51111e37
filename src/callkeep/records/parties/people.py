"""Employees (310.5(a)(7)) and contacts, with search by phone and by name.

Names are encrypted; a contact is found by name through keyed digests of its lower-cased words,
and by phone through a small index rebuilt from the contact's current (amended) view.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callkeep.errors import Conflict, FieldProblem, InvalidInput, NotFound
from callkeep.kit.crypto import keyring
from callkeep.ledger import service as ledger
from callkeep.phone.geo import state_code
from callkeep.phone.parse import normalize, try_normalize
from callkeep.records import amendments
from callkeep.records import models as rm
from callkeep.records.parties import models as m
from callkeep.records.parties.schemas import (
    ContactIn,
    ContactOut,
    EmployeeIn,
    EmployeeOut,
    Preferences,
)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ZIP = re.compile(r"^\d{5}(-?\d{4})?$")
_STATE = re.compile(r"^[A-Za-z]{2}$")


# --- employees ----------------------------------------------------------------------------


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def add_fictitious_name(
    *, session: Session, actor: str, employee_id: str, name: str
) -> m.FictitiousName:
    """Records a fictitious name of an employee; a name already traced to anyone is a conflict."""
    key = _name_key(name)
    if not key:
        raise InvalidInput.for_field("fictitious_names", "a fictitious name may not be empty")
    if session.scalar(select(m.FictitiousName.id).where(m.FictitiousName.name_key == key)):
        raise Conflict(f"the fictitious name {name!r} is already used by an employee")
    row = m.FictitiousName(
        employee_id=employee_id, name=name.strip(), name_key=key, recorded_by=actor
    )
    try:
        with session.begin_nested():
            ledger.record(session=session, actor=actor, entity=row)
    except IntegrityError:
        raise Conflict(f"the fictitious name {name!r} is already used by an employee") from None
    return row


def create_employee(*, session: Session, actor: str, employee_in: EmployeeIn) -> m.Employee:
    """Records an employee and their fictitious names (each traceable to this one person)."""
    phone = normalize(employee_in.phone, field="phone") if employee_in.phone else None
    keys = [_name_key(n) for n in employee_in.fictitious_names]
    if len(set(keys)) != len(keys):
        raise Conflict("the same fictitious name is listed twice")
    employee = m.Employee(
        name=employee_in.name.strip(),
        home_address=employee_in.home_address,
        phone=phone,
        job_titles=json.dumps(employee_in.job_titles),
        recorded_by=actor,
    )
    ledger.record(session=session, actor=actor, entity=employee)
    for name in employee_in.fictitious_names:
        add_fictitious_name(session=session, actor=actor, employee_id=employee.id, name=name)
    return employee


def employee_out(*, session: Session, employee: m.Employee) -> EmployeeOut:
    """The current view of an employee, with fictitious names."""
    view = amendments.current(session=session, record=employee)
    aliases = session.scalars(
        select(m.FictitiousName.name)
        .where(m.FictitiousName.employee_id == employee.id)
        .order_by(m.FictitiousName.recorded_at, m.FictitiousName.id)
    )
    return EmployeeOut(
        id=view["id"],
        name=view["name"],
        fictitious_names=list(aliases),
        home_address=view["home_address"],
        phone=view["phone"],
        job_titles=json.loads(view["job_titles"]),
        recorded_at=view["recorded_at"],
    )


def get_employee(*, session: Session, employee_id: str) -> m.Employee:
    """The employee with this id, or NotFound."""
    row = session.get(m.Employee, employee_id)
    if row is None:
        raise NotFound(f"no employee {employee_id}")
    return row


def list_employees(*, session: Session) -> list[EmployeeOut]:
    """Every employee, current or former, oldest first."""
    rows = session.scalars(select(m.Employee).order_by(m.Employee.recorded_at, m.Employee.id))
    return [employee_out(session=session, employee=row) for row in rows]


def find_employee(*, session: Session, ref: str) -> m.Employee | None:
    """The employee with this id or this fictitious name."""
    row = session.get(m.Employee, ref)
    if row is not None:
        return row
    employee_id = session.scalar(
        select(m.FictitiousName.employee_id).where(m.FictitiousName.name_key == _name_key(ref))
    )
    return session.get(m.Employee, employee_id) if employee_id else None


# --- contacts -----------------------------------------------------------------------------


def name_tokens(names: list[str]) -> set[str]:
    """The blind-index tokens of a contact's names: each lower-cased word, keyed."""
    ring = keyring()
    return {ring.blind_index(w) for n in names for w in _WORD.findall(n.casefold())}


def _checked_contact(contact_in: ContactIn) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    phones: list[str] = []
    for i, raw in enumerate(contact_in.phones):
        e164 = try_normalize(raw)
        if e164 is None:
            problems.append(FieldProblem(f"phones.{i}", f"{raw!r} is not a dialable number"))
        elif e164 not in phones:
            phones.append(e164)
    state = contact_in.state.strip().upper() if contact_in.state else None
    if state is not None and not _STATE.match(state):
        # a state by its full name ("California") is read as its code
        state = state_code(contact_in.state) or state
    if state is not None and not _STATE.match(state):
        problems.append(FieldProblem("state", "a two-letter state, e.g. ME"))
    zip_code = contact_in.zip.strip() if contact_in.zip else None
    if zip_code is not None and not _ZIP.match(zip_code):
        problems.append(FieldProblem("zip", "a ZIP code: 5 digits, or ZIP+4"))
    names = [n.strip() for n in contact_in.names if n.strip()]
    if not names:
        problems.append(FieldProblem("names", "give at least one name"))
    for i, email in enumerate(contact_in.emails):
        if "@" not in email:
            problems.append(FieldProblem(f"emails.{i}", "not an email address"))
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), fields=problems)
    return {"names": names, "phones": phones, "state": state, "zip": zip_code}


def reindex_contact(*, session: Session, view: dict[str, Any]) -> None:
    """Rebuilds the phone and name search rows of one contact from its current view."""
    contact_id = view["id"]
    session.execute(delete(m.ContactPhone).where(m.ContactPhone.contact_id == contact_id))
    session.execute(delete(m.ContactNameToken).where(m.ContactNameToken.contact_id == contact_id))
    zip5 = (view.get("zip") or "")[:5] or None
    phones = json.loads(view["phones"] or "[]")
    if phones:
        session.execute(
            insert(m.ContactPhone),
            [
                {"contact_id": contact_id, "phone": p, "state": view.get("state"), "zip": zip5}
                for p in phones
            ],
        )
    tokens = name_tokens(json.loads(view["names"] or "[]"))
    if tokens:
        session.execute(
            insert(m.ContactNameToken),
            [{"contact_id": contact_id, "token": t} for t in sorted(tokens)],
        )


def create_contact(*, session: Session, actor: str, contact_in: ContactIn) -> m.Contact:
    """Records a contact and indexes its phones and names."""
    checked = _checked_contact(contact_in)
    contact = m.Contact(
        names=json.dumps(checked["names"]),
        phones=json.dumps(checked["phones"]),
        emails=json.dumps(contact_in.emails),
        street=contact_in.street,
        city=contact_in.city,
        state=checked["state"],
        zip=checked["zip"],
        preferences=contact_in.preferences.model_dump_json(),
        tags=json.dumps(contact_in.tags),
        recorded_by=actor,
    )
    ledger.record(session=session, actor=actor, entity=contact)
    reindex_contact(session=session, view=amendments.view_of(contact))
    return contact


def check_contact_view(view: dict[str, Any]) -> None:
    """Refuses an amended contact that a new contact could not be."""
    try:
        contact_in = ContactIn.model_validate(
            {
                "names": json.loads(view["names"]),
                "phones": json.loads(view["phones"]),
                "emails": json.loads(view["emails"] or "[]"),
                "state": view["state"],
                "zip": view["zip"],
                "tags": json.loads(view["tags"]),
                "preferences": json.loads(view["preferences"]),
            }
        )
    except ValidationError as exc:
        problems = [
            FieldProblem("changes." + ".".join(str(p) for p in e["loc"]), e["msg"])
            for e in exc.errors()
        ]
        raise InvalidInput(
            "; ".join(f"{p.field}: {p.message}" for p in problems), fields=problems
        ) from None
    _checked_contact(contact_in)


def contact_out(view: dict[str, Any], *, amended: bool = False) -> ContactOut:
    """A contact view as the API shows it."""
    names = json.loads(view["names"])
    return ContactOut(
        id=view["id"],
        name=names[0] if names else "",
        names=names,
        phones=json.loads(view["phones"]),
        emails=json.loads(view["emails"] or "[]"),
        street=view["street"],
        city=view["city"],
        state=view["state"],
        zip=view["zip"],
        preferences=Preferences.model_validate(json.loads(view["preferences"])),
        tags=json.loads(view["tags"]),
        recorded_at=view["recorded_at"],
        amended=amended,
    )


def get_contact(*, session: Session, contact_id: str) -> ContactOut:
    """The current view of one contact, or NotFound."""
    row = session.get(m.Contact, contact_id)
    if row is None:
        raise NotFound(f"no contact {contact_id}")
    found = amendments.amendments_for(session=session, target_type="contacts", target_ids=[row.id])
    return contact_out(amendments.current(session=session, record=row), amended=bool(found))


def search_contacts(
    *, session: Session, phone: str | None, name: str | None, limit: int = 100, offset: int = 0
) -> list[ContactOut]:
    """Contacts holding this phone (any spelling) and/or every word of this name."""
    query = select(m.Contact.id)
    if phone:
        e164 = normalize(phone, field="phone")
        query = query.where(
            m.Contact.id.in_(select(m.ContactPhone.contact_id).where(m.ContactPhone.phone == e164))
        )
    if name:
        tokens = name_tokens([name])
        if not tokens:
            raise InvalidInput.for_field("name", "give at least one word of the name")
        matching = (
            select(m.ContactNameToken.contact_id)
            .where(m.ContactNameToken.token.in_(tokens))
            .group_by(m.ContactNameToken.contact_id)
            .having(func.count() == len(tokens))
        )
        query = query.where(m.Contact.id.in_(matching))
    ids = list(
        session.scalars(
            query.order_by(m.Contact.recorded_at, m.Contact.id).limit(limit).offset(offset)
        )
    )
    rows = {r.id: r for r in session.scalars(select(m.Contact).where(m.Contact.id.in_(ids)))}
    views = {i: amendments.view_of(rows[i]) for i in ids}
    amended = amendments.amendments_for(session=session, target_type="contacts", target_ids=ids)
    amendments.current_views(session=session, target_type="contacts", views=views)
    return [contact_out(views[i], amended=i in amended) for i in ids]


def phones_of_contact(*, session: Session, contact_id: str) -> list[str]:
    """The current phones of one contact."""
    return list(
        session.scalars(select(m.ContactPhone.phone).where(m.ContactPhone.contact_id == contact_id))
    )


def contact_ids_for(*, session: Session, phone: str) -> list[str]:
    """Every contact currently holding this E.164 number."""
    return list(
        session.scalars(
            select(m.ContactPhone.contact_id)
            .where(or_(m.ContactPhone.phone == phone))
            .order_by(m.ContactPhone.contact_id)
        )
    )


def amend_contact(
    *, session: Session, actor: str, contact_id: str, changes: dict[str, Any], reason: str
) -> rm.Amendment:
    """Records a correction of a contact and re-indexes its phones, state, ZIP and names."""
    if session.get(m.Contact, contact_id) is None:
        raise NotFound(f"no contact {contact_id}")
    changes = dict(changes)
    if isinstance(changes.get("phones"), list):
        problems = []
        phones: list[str] = []
        for i, raw in enumerate(changes["phones"]):
            e164 = try_normalize(str(raw))
            if e164 is None:
                problems.append(FieldProblem(f"changes.phones.{i}", f"{raw!r} is not dialable"))
            elif e164 not in phones:
                phones.append(e164)
        if problems:
            raise InvalidInput("changes.phones: not dialable", fields=problems)
        changes["phones"] = phones
    if isinstance(changes.get("state"), str):
        changes["state"] = state_code(changes["state"]) or changes["state"].strip().upper()
    amendment = amendments.amend(
        session=session,
        actor=actor,
        target_type="contacts",
        target_id=contact_id,
        changes=changes,
        reason=reason,
        check=check_contact_view,
    )
    row = session.get(m.Contact, contact_id)
    assert row is not None
    reindex_contact(session=session, view=amendments.current(session=session, record=row))
    return amendment
