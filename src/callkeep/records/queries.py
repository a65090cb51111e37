"""The facts behind a pre-call decision, in set-based queries: what the records say of a number.

The pre-call decision (`checks`), the scrub and the compliance report call these. Each respects
amendments where they change the answer (an amended address, consent or call). What a seller,
campaign or employee reference names is `references.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from callkeep.kit.clock import to_utc_second
from callkeep.kit.sql import Prepared
from callkeep.records import amendments
from callkeep.records import models as m
from callkeep.records.parties import models as pm

_CHUNK = 500
COMPLETED = ("answered_person", "transferred")


@dataclass(frozen=True)
class PhoneFacts:
    states: frozenset[str]
    zips: frozenset[str]
    written_consent: bool
    consent_revoked: bool
    last_purchase_at: datetime | None
    last_inquiry_at: datetime | None
    calls_24h: int
    completed_calls_8h: int
    # each holder's address as (state or "", ZIP or ""): its zones come from its own ZIP, else
    # its own state, whatever the other holders' addresses are
    addresses: frozenset[tuple[str, str]] = frozenset()


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)] or [[]]


def _where_in(column: Any, values: list[str] | None) -> list[Any]:
    """Conditions restricting `column` to `values` (None: no restriction; empty: no rows)."""
    return _matching((column, values))


def _matching(*pairs: tuple[Any, list[str] | None]) -> list[Any]:
    """Conditions, one query each, matching rows where any column is in its values.

    None for any values means every row; empty values match nothing (and cost no query).
    """
    if any(values is None for _column, values in pairs):
        return [true()]
    conditions = [
        column.in_(chunk) for column, values in pairs for chunk in _chunks(values or []) if chunk
    ]
    if 1 < len(conditions) <= 4:
        return [or_(*conditions)]
    return conditions


def _contact_rows(
    session: Session, phones: list[str] | None
) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, tuple[str | None, str | None]]]:
    """(phone -> contacts, contact -> phones, contact -> (state, zip)) around `phones`."""
    by_phone: dict[str, set[str]] = {}
    contact_ids: set[str] = set()
    for cond in _where_in(pm.ContactPhone.phone, phones):
        for contact_id, phone in session.execute(
            select(pm.ContactPhone.contact_id, pm.ContactPhone.phone).where(cond)
        ):
            by_phone.setdefault(phone, set()).add(contact_id)
            contact_ids.add(contact_id)
    by_contact: dict[str, set[str]] = {}
    place: dict[str, tuple[str | None, str | None]] = {}
    for cond in _where_in(pm.ContactPhone.contact_id, sorted(contact_ids)):
        for contact_id, phone, state, zip5 in session.execute(
            select(
                pm.ContactPhone.contact_id,
                pm.ContactPhone.phone,
                pm.ContactPhone.state,
                pm.ContactPhone.zip,
            ).where(cond)
        ):
            by_contact.setdefault(contact_id, set()).add(phone)
            place[contact_id] = (state, zip5)
    return by_phone, by_contact, place


def _latest_by_phone(
    session: Session,
    model: type[m.Purchase] | type[m.Inquiry],
    when_name: str,
    seller_id: str,
    at: datetime,
    phones: list[str] | None,
    by_phone: dict[str, set[str]],
    by_contact: dict[str, set[str]],
) -> dict[str, datetime]:
    """Latest purchase/inquiry per phone: by a contact holding it, or made from that number."""
    contact_ids = sorted(by_contact) if phones is not None else None
    rows: dict[str, Any] = {}
    seller = model.seller_id if phones is None else _tested_only(model.seller_id)
    for cond in _matching((model.contact_id, contact_ids), (model.phone, phones)):
        for row in session.scalars(select(model).where(seller == seller_id, cond)):
            rows[row.id] = row
    views = amendments.current_views(
        session=session,
        target_type=model.__tablename__,
        views={i: amendments.view_of(r) for i, r in rows.items()},
    )
    latest: dict[str, datetime] = {}
    for view in views.values():
        when = view[when_name]
        if when > at:
            continue
        numbers = set(by_contact.get(view["contact_id"], set()))
        if view.get("phone"):
            numbers.add(view["phone"])
        for phone in numbers:
            if phone not in latest or latest[phone] < when:
                latest[phone] = when
    return latest


def _consent_facts(
    session: Session, seller_id: str, at: datetime, phones: list[str] | None
) -> tuple[set[str], set[str]]:
    """(phones with valid written consent at `at`, phones with a consent revoked by `at`)."""
    rows: dict[str, m.Consent] = {}
    for cond in _where_in(m.Consent.phone, phones):
        for row in session.scalars(select(m.Consent).where(m.Consent.seller_id == seller_id, cond)):
            rows[row.id] = row
    views = amendments.current_views(
        session=session,
        target_type="consents",
        views={i: amendments.view_of(r) for i, r in rows.items()},
    )
    revoked_at: dict[str, datetime] = {}
    for cond in _where_in(m.ConsentRevocation.consent_id, sorted(rows)):
        for consent_id, when in session.execute(
            select(m.ConsentRevocation.consent_id, m.ConsentRevocation.revoked_at).where(cond)
        ):
            if consent_id not in revoked_at or when < revoked_at[consent_id]:
                revoked_at[consent_id] = when
    written: set[str] = set()
    revoked: set[str] = set()
    for consent_id, view in views.items():
        revocation = revoked_at.get(consent_id)
        if revocation is not None and revocation <= at:
            revoked.add(view["phone"])
            continue
        if view["kind"] != "written" or view["given_at"] > at:
            continue
        if view["expires_at"] is not None and view["expires_at"] <= at:
            continue
        written.add(view["phone"])
    return written, revoked - written


def _call_counts(
    session: Session,
    seller_id: str,
    subject: str | None,
    at: datetime,
    phones: list[str] | None,
    by_phone: dict[str, set[str]],
    by_contact: dict[str, set[str]],
) -> tuple[dict[str, int], dict[str, int]]:
    """(calls in 24 h on the subject to the same person, completed calls in 8 h to the number)."""
    since = at - timedelta(hours=24)
    numbers: list[str] | None = None
    contact_ids: list[str] | None = None
    if phones is not None:
        wanted = set(phones)
        for phone in phones:
            for contact_id in by_phone.get(phone, ()):
                wanted |= by_contact.get(contact_id, set())
        numbers = sorted(wanted)
        contact_ids = sorted(by_contact)
    views: dict[str, dict[str, Any]]
    if numbers is not None and 0 < len(numbers) <= _FEW and not contact_ids:
        views = _calls_to_numbers(session, seller_id, since, at, numbers)
    else:
        seller = m.Call.seller_id if phones is None else _tested_only(m.Call.seller_id)
        window = [seller == seller_id, m.Call.started_at > since, m.Call.started_at <= at]
        views = {}
        for cond in _matching((m.Call.called_number, numbers), (m.Call.contact_id, contact_ids)):
            for row in session.execute(select(*_CALL_VIEW).where(*window, cond)):
                views[row.id] = row._asdict()
        amendments.current_views(session=session, target_type="calls", views=views)
    holders_of: dict[str, set[str]] = {}
    for contact_id, numbers_held in by_contact.items():
        for held in numbers_held:
            holders_of.setdefault(held, set()).add(contact_id)
    counts: dict[str, int] = {}
    completed: dict[str, int] = {}
    eight = at - timedelta(hours=8)
    for view in views.values():
        started = view["started_at"]
        if not view["outbound"] or started is None or not (since < started <= at):
            continue
        number = view["called_number"]
        if number and view["disposition"] in COMPLETED and eight < started:
            completed[number] = completed.get(number, 0) + 1
        if subject is not None and view["subject"] != subject:
            continue
        # The call reached a person: every number of every contact it reached counts it once.
        people_called = set(holders_of.get(number, set())) if number else set()
        if view["contact_id"]:
            people_called.add(view["contact_id"])
        reached = {number} if number else set()
        for contact_id in people_called:
            reached |= by_contact.get(contact_id, set())
        for phone in reached:
            counts[phone] = counts.get(phone, 0) + 1
    return counts, completed


def _tested_only(column: Any) -> Any:
    """`column` as an expression of the same value (`seller_id || ''`), which no index serves.

    When numbers are asked about, the number is what narrows the search. Without statistics,
    SQLite would rather walk the index on (seller, time), a seller's whole day of calls; with
    the seller written this way it searches by number and tests the seller on the rows found.
    """
    return column + ""


# What counting a call needs of it (amendments may change any of these but the id).
_CALL_VIEW = (
    m.Call.id,
    m.Call.called_number,
    m.Call.contact_id,
    m.Call.subject,
    m.Call.outbound,
    m.Call.disposition,
    m.Call.started_at,
)
_CALL_KEYS = tuple(column.key for column in _CALL_VIEW)


def _calls_to_the_numbers() -> tuple[Any, ...]:
    return (
        m.Call.called_number.in_(bindparam("phones", expanding=True)),
        _tested_only(m.Call.seller_id) == bindparam("seller_id"),
        m.Call.started_at > bindparam("since"),
        m.Call.started_at <= bindparam("at"),
    )


_CALLS_TO_NUMBERS = Prepared(select(*_CALL_VIEW).where(*_calls_to_the_numbers()))
_AMENDMENTS_OF_CALLS_TO_NUMBERS = Prepared(
    select(m.Amendment.target_id, m.Amendment.changes)
    .where(
        m.Amendment.target_type == "calls",
        m.Amendment.target_id.in_(select(m.Call.id).where(*_calls_to_the_numbers())),
    )
    .order_by(m.Amendment.recorded_at, m.Amendment.id)
)


def _calls_to_numbers(
    session: Session, seller_id: str, since: datetime, at: datetime, phones: list[str]
) -> dict[str, dict[str, Any]]:
    """The current views of the seller's calls to a few numbers in (since, at], by id: what a
    check of numbers that no contact holds reads, in two prepared statements."""
    params = {"phones": phones, "seller_id": seller_id, "since": since, "at": at}
    views = {
        str(row[0]): dict(zip(_CALL_KEYS, row, strict=True))
        for row in _CALLS_TO_NUMBERS.rows(session, params)
    }
    if views:
        amendments.apply_rows(
            target_type="calls",
            views=views,
            rows=_AMENDMENTS_OF_CALLS_TO_NUMBERS.rows(session, params),
        )
    return views


_KINDS = ("contact", "consent", "purchase", "inquiry", "call")


def _fact_kinds_query(phone_is: Callable[[Any], Any]) -> Select[*tuple[Any, ...]]:
    seller: BindParameter[str] = bindparam("seller_id")
    return select(
        exists().where(phone_is(pm.ContactPhone.phone)),
        exists().where(m.Consent.seller_id == seller, phone_is(m.Consent.phone)),
        exists().where(phone_is(m.Purchase.phone), _tested_only(m.Purchase.seller_id) == seller),
        exists().where(phone_is(m.Inquiry.phone), _tested_only(m.Inquiry.seller_id) == seller),
        exists().where(
            phone_is(m.Call.called_number),
            _tested_only(m.Call.seller_id) == seller,
            m.Call.started_at > bindparam("since"),
            m.Call.started_at <= bindparam("at"),
        ),
    )


_FACT_KINDS = Prepared(
    _fact_kinds_query(lambda column: column.in_(bindparam("phones", expanding=True)))
)
_FEW = 50


def _fact_kinds(session: Session, seller_id: str, at: datetime, phones: list[str]) -> set[str]:
    """Which kinds of rows that `phone_facts` reads name these phones.

    When no contact holds a phone, the facts about it come only from rows that name it (a
    consent, purchase or inquiry of the seller, or a call in the last 24 hours). One query asks
    which kinds exist; most numbers checked before a dial have none, and a number called
    earlier today has only calls.
    """
    params = {"seller_id": seller_id, "since": at - timedelta(hours=24), "at": at}
    row = _FACT_KINDS.first(session, {**params, "phones": phones})
    return {kind for kind, found in zip(_KINDS, row or (), strict=False) if found}


def phone_facts(
    *,
    session: Session,
    seller_id: str,
    subject: str | None,
    at: datetime,
    phones: Collection[str] | None,
) -> dict[str, PhoneFacts]:
    """What the records say about each phone for a pre-call decision at `at`.

    `phones=None` means every phone with any fact; the work is a handful of set-based
    queries either way. Phones with no facts may be absent from the result.
    """
    at = to_utc_second(at, field="at")
    wanted = sorted(set(phones)) if phones is not None else None
    kinds = set(_KINDS)
    if wanted is not None and len(wanted) <= _FEW:
        kinds = _fact_kinds(session, seller_id, at, wanted)
        if not kinds:
            return {}
        if "contact" in kinds:  # a contact's other numbers and records count too: read all
            kinds = set(_KINDS)
    by_phone, by_contact, place = _contact_rows(session, wanted if "contact" in kinds else [])
    written, revoked = (
        _consent_facts(session, seller_id, at, wanted) if "consent" in kinds else (set(), set())
    )
    purchases = (
        _latest_by_phone(
            session, m.Purchase, "purchased_at", seller_id, at, wanted, by_phone, by_contact
        )
        if "purchase" in kinds
        else {}
    )
    inquiries = (
        _latest_by_phone(
            session, m.Inquiry, "inquired_at", seller_id, at, wanted, by_phone, by_contact
        )
        if "inquiry" in kinds
        else {}
    )
    calls_24h, completed = (
        _call_counts(session, seller_id, subject, at, wanted, by_phone, by_contact)
        if "call" in kinds
        else ({}, {})
    )
    every = set(by_phone) | written | revoked | set(purchases) | set(inquiries)
    every |= set(calls_24h) | set(completed)
    if wanted is not None:
        every &= set(wanted)
    facts: dict[str, PhoneFacts] = {}
    for phone in every:
        holders = by_phone.get(phone, set())
        states = {place[c][0] for c in holders if c in place and place[c][0]}
        zips = {place[c][1] for c in holders if c in place and place[c][1]}
        facts[phone] = PhoneFacts(
            states=frozenset(s for s in states if s),
            zips=frozenset(z for z in zips if z),
            written_consent=phone in written,
            consent_revoked=phone in revoked,
            last_purchase_at=purchases.get(phone),
            last_inquiry_at=inquiries.get(phone),
            calls_24h=calls_24h.get(phone, 0),
            completed_calls_8h=completed.get(phone, 0),
            addresses=frozenset(
                (place[c][0] or "", place[c][1] or "")
                for c in holders
                if c in place and (place[c][0] or place[c][1])
            ),
        )
    return facts
