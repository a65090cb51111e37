"""`callkeep sellers|campaigns|employees|contacts|calls|consents …`: the records, by hand."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TypeVar

import typer
from pydantic import BaseModel, ValidationError

from callkeep.auth import access
from callkeep.errors import FieldProblem, InvalidInput
from callkeep.kit.cli import cli_actor, cli_runtime, console, print_json
from callkeep.kit.clock import iso, parse_instant
from callkeep.records import calls, consents, people, rollups_cli, sellers, timeline
from callkeep.records.schemas import (
    CallIn,
    CampaignIn,
    ConsentIn,
    ContactIn,
    EmployeeIn,
    RevocationIn,
    SellerIn,
    TimelineItem,
)

sellers_app = typer.Typer(help="Sellers: the businesses calls are made for.", no_args_is_help=True)
campaigns_app = typer.Typer(help="Campaigns of a seller.", no_args_is_help=True)
employees_app = typer.Typer(help="Employees involved in telephone sales.", no_args_is_help=True)
contacts_app = typer.Typer(help="Contacts: search and timelines.", no_args_is_help=True)
calls_app = typer.Typer(help="Call records (16 CFR 310.5(a)(2)).", no_args_is_help=True)
consents_app = typer.Typer(help="Consents and their revocations.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Adds the records' command groups to the command line."""
    root.add_typer(sellers_app, name="sellers")
    root.add_typer(campaigns_app, name="campaigns")
    root.add_typer(employees_app, name="employees")
    root.add_typer(contacts_app, name="contacts")
    root.add_typer(calls_app, name="calls")
    root.add_typer(consents_app, name="consents")
    rollups_cli.register(root)


M = TypeVar("M", bound=BaseModel)


def _parsed(model: type[M], payload: object) -> M:
    """`payload` as `model`; what pydantic refuses becomes InvalidInput naming each field."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        problems = [
            FieldProblem(".".join(str(p) for p in e["loc"]) or "body", e["msg"])
            for e in exc.errors()
        ]
        message = "; ".join(f"{p.field}: {p.message}" for p in problems)
        raise InvalidInput(message, fields=problems) from None


def _instant(text: str | None, field: str) -> datetime | None:
    return parse_instant(text, field=field) if text else None


@sellers_app.command("add")
def seller_add(
    name: str,
    slug: str = typer.Option(..., help="lowercase short name, e.g. androscoggin-energy"),
    address: str | None = typer.Option(None),
    phone: str | None = typer.Option(None),
    screen_litigators: bool = typer.Option(False, help="apply the litigator list"),
    default: bool = typer.Option(False, "--default", help="make it the default seller"),
) -> None:
    """Adds a seller."""
    seller_in = _parsed(
        SellerIn,
        {
            "name": name,
            "slug": slug,
            "address": address,
            "phone": phone,
            "screen_litigators": screen_litigators,
            "is_default": default,
        },
    )
    with cli_runtime().db.transaction() as session:
        row = sellers.create_seller(session=session, actor=cli_actor(), seller_in=seller_in)
        console.print(f"seller {row.slug} ({row.id})")


@sellers_app.command("list")
def seller_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Lists sellers; the default one is marked."""
    with cli_runtime().db.transaction(read_only=True) as session:
        found = sellers.list_sellers(session=session)
        default = sellers.seller_view(session=session, ref=None)["id"] if found else None
    if as_json:
        print_json([s.model_dump(mode="json") for s in found])
        return
    for s in found:
        mark = " (default)" if s.id == default else ""
        console.print(f"{s.slug}  {s.name}  {s.id}{mark}")


@sellers_app.command("rename")
def seller_rename(
    seller: str = typer.Argument(..., help="the seller's slug or id, e.g. default"),
    name: str = typer.Argument(..., help="its name, as consumers and regulators see it"),
) -> None:
    """Gives a seller (e.g. `default`) its name; recorded as an amendment of the seller."""
    with cli_runtime().db.transaction() as session:
        view = sellers.rename_seller(session=session, actor=cli_actor(), ref=seller, name=name)
        console.print(f"seller {view['slug']} is now named {view['name']!r}")


@campaigns_app.command("add")
def campaign_add(
    slug: str,
    subject: str = typer.Option(..., help="the product or purpose"),
    dialing_mode: str = typer.Option("manual", help="manual, predictive or prerecorded"),
    seller: str | None = typer.Option(None, help="seller id or slug (default seller)"),
    caller_id_number: str | None = typer.Option(None),
    caller_id_name: str | None = typer.Option(None),
) -> None:
    """Adds a campaign to a seller."""
    campaign_in = _parsed(
        CampaignIn,
        {
            "seller": seller,
            "slug": slug,
            "subject": subject,
            "dialing_mode": dialing_mode,
            "caller_id_number": caller_id_number,
            "caller_id_name": caller_id_name,
        },
    )
    with cli_runtime().db.transaction() as session:
        row = sellers.create_campaign(session=session, actor=cli_actor(), campaign_in=campaign_in)
        console.print(f"campaign {row.slug} ({row.id})")


@campaigns_app.command("list")
def campaign_list(seller: str | None = typer.Option(None)) -> None:
    """Lists campaigns."""
    with cli_runtime().db.transaction(read_only=True) as session:
        seller_id = sellers.seller_view(session=session, ref=seller)["id"] if seller else None
        found = sellers.list_campaigns(session=session, seller_id=seller_id)
    if not found:
        console.print("no campaigns match (add one with: callkeep campaigns add)")
    for c in found:
        console.print(f"{c.slug}  {c.dialing_mode}  {c.subject}  {c.id}")


@employees_app.command("add")
def employee_add(
    name: str,
    fictitious_name: list[str] = typer.Option([], help="a name used on calls (repeatable)"),
    job_title: list[str] = typer.Option([], help="a job title (repeatable)"),
    phone: str | None = typer.Option(None),
    home_address: str | None = typer.Option(None),
) -> None:
    """Adds an employee."""
    employee_in = _parsed(
        EmployeeIn,
        {
            "name": name,
            "fictitious_names": fictitious_name,
            "job_titles": job_title,
            "phone": phone,
            "home_address": home_address,
        },
    )
    with cli_runtime().db.transaction() as session:
        row = people.create_employee(session=session, actor=cli_actor(), employee_in=employee_in)
        console.print(f"employee {row.id}")


@contacts_app.command("add")
def contact_add(
    name: list[str] = typer.Option(..., help="a name (repeatable)"),
    phone: list[str] = typer.Option([], help="a phone (repeatable)"),
    email: list[str] = typer.Option([]),
    state: str | None = typer.Option(None),
    zip_code: str | None = typer.Option(None, "--zip"),
) -> None:
    """Adds a contact."""
    contact_in = _parsed(
        ContactIn,
        {"names": name, "phones": phone, "emails": email, "state": state, "zip": zip_code},
    )
    with cli_runtime().db.transaction() as session:
        row = people.create_contact(session=session, actor=cli_actor(), contact_in=contact_in)
        console.print(f"contact {row.id}")


@contacts_app.command("search")
def contact_search(
    phone: str | None = typer.Option(None),
    name: str | None = typer.Option(None),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Finds contacts by phone and/or name."""
    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        found = people.search_contacts(session=session, phone=phone, name=name)
    access.record_reads(
        db=rt.db,
        actor=cli_actor(),
        entity_type="contacts",
        entity_ids=[c.id for c in found],
        via="callkeep contacts search",
    )
    if as_json:
        print_json([c.model_dump(mode="json") for c in found])
        return
    if not found:
        console.print("no contacts match")
    for c in found:
        console.print(f"{c.id}  {'; '.join(c.names)}  {' '.join(c.phones)}  {c.state or ''}")


def _print_timeline(items: list[TimelineItem], as_json: bool) -> None:
    if as_json:
        print_json([i.model_dump(mode="json") for i in items])
        return
    for item in items:
        console.print(f"{iso(item.at)}  {item.kind:<18} {item.summary}  [dim]{item.id}[/dim]")


@contacts_app.command("timeline")
def contact_timeline(
    ref: str = typer.Argument(..., help="a contact id, or a phone number"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """A contact's (or a number's) history in time order."""
    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        from callkeep.records import models as m

        if session.get(m.Contact, ref) is not None:
            items = timeline.contact_timeline(session=session, contact_id=ref)
        else:
            items = timeline.phone_timeline(session=session, phone=ref)
    access.record_reads(
        db=rt.db, actor=cli_actor(), entity_type="timeline", entity_ids=[ref], via="callkeep"
    )
    _print_timeline(items, as_json)


@calls_app.command("log")
def call_log(
    body: str = typer.Argument(..., help="the call as JSON (the fields of POST /api/v1/calls)"),
    idempotency_key: str | None = typer.Option(None),
) -> None:
    """Records a call given as JSON; prints its id."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError:
        raise InvalidInput.for_field("body", "not valid JSON") from None
    call_in = _parsed(CallIn, payload)
    with cli_runtime().db.transaction() as session:
        result = calls.record_call(
            session=session, actor=cli_actor(), call_in=call_in, idempotency_key=idempotency_key
        )
        console.print(f"call {result.call.id}{'' if result.created else ' (already recorded)'}")


@calls_app.command("show")
def call_show(call_id: str) -> None:
    """Prints a call as currently amended, with its amendments, as JSON."""
    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        out = calls.call_out(session=session, call=calls.get_call(session=session, call_id=call_id))
    access.record_reads(
        db=rt.db,
        actor=cli_actor(),
        entity_type="calls",
        entity_ids=[call_id],
        via="callkeep calls show",
    )
    print_json(out.model_dump(mode="json"))


@calls_app.command("amend")
def call_amend(
    call_id: str,
    change: list[str] = typer.Option(..., help="FIELD=JSON-VALUE (repeatable)"),
    reason: str = typer.Option(..., help="why the record is corrected"),
) -> None:
    """Corrects a call; the original stays as it was."""
    changes = _changes(change)
    with cli_runtime().db.transaction() as session:
        row = calls.amend_call(
            session=session, actor=cli_actor(), call_id=call_id, changes=changes, reason=reason
        )
        console.print(f"amendment {row.id}")


def _changes(items: list[str]) -> dict[str, object]:
    """``FIELD=VALUE`` pairs; a value is read as JSON when it is JSON, else as text."""
    changes: dict[str, object] = {}
    for item in items:
        field, sep, raw = item.partition("=")
        if not sep:
            raise InvalidInput.for_field("change", f"{item!r} is not FIELD=VALUE")
        try:
            changes[field] = json.loads(raw)
        except json.JSONDecodeError:
            changes[field] = raw
    return changes


@contacts_app.command("amend")
def contact_amend(
    contact_id: str,
    change: list[str] = typer.Option(..., help='FIELD=VALUE, e.g. state=NH or phones=["+1…"]'),
    reason: str = typer.Option(..., help="why the record is corrected"),
) -> None:
    """Corrects a contact (address, phones, names…); the original stays as it was."""
    with cli_runtime().db.transaction() as session:
        row = people.amend_contact(
            session=session,
            actor=cli_actor(),
            contact_id=contact_id,
            changes=_changes(change),
            reason=reason,
        )
        console.print(f"amendment {row.id}")


@calls_app.command("list")
def call_list(
    seller: str | None = typer.Option(None),
    phone: str | None = typer.Option(None),
    since: str | None = typer.Option(None, "--from"),
    until: str | None = typer.Option(None, "--to"),
    limit: int = typer.Option(50),
) -> None:
    """Lists calls, newest first."""
    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        seller_id = sellers.seller_view(session=session, ref=seller)["id"] if seller else None
        items, total = calls.list_calls(
            session=session,
            seller_id=seller_id,
            phone=phone,
            since=_instant(since, "from"),
            until=_instant(until, "to"),
            limit=limit,
        )
    access.record_reads(
        db=rt.db,
        actor=cli_actor(),
        entity_type="calls",
        entity_ids=[c.id for c in items],
        via="callkeep calls list",
    )
    for c in items:
        when = iso(c.started_at) if c.started_at else "-"
        console.print(f"{when}  {c.called_number or '-'}  {c.disposition or '-'}  {c.id}")
    console.print(f"{len(items)} of {total}" if total else "no calls match")


@consents_app.command("add")
def consent_add(
    phone: str,
    name: str = typer.Option(...),
    purpose: str = typer.Option(...),
    request_text: str = typer.Option(..., help="the request exactly as presented"),
    consent_text: str = typer.Option(..., help="the consent as given"),
    kind: str = typer.Option("written", help="written or express"),
    given: str = typer.Option(..., help="when given, ISO-8601 with zone"),
    signature: str | None = typer.Option(None),
    seller: str | None = typer.Option(None),
) -> None:
    """Records a consent."""
    consent_in = _parsed(
        ConsentIn,
        {
            "phone": phone,
            "name": name,
            "purpose": purpose,
            "request_text": request_text,
            "consent_text": consent_text,
            "kind": kind,
            "given_at": parse_instant(given, field="given"),
            "signature": signature,
            "seller": seller,
        },
    )
    with cli_runtime().db.transaction() as session:
        row = consents.record_consent(session=session, actor=cli_actor(), consent_in=consent_in)
        console.print(f"consent {row.id}")


@consents_app.command("revoke")
def consent_revoke(
    phone: str,
    seller: str | None = typer.Option(None),
    channel: str = typer.Option("phone"),
    evidence: str | None = typer.Option(None),
) -> None:
    """Revokes every consent of a number for a seller, from now on."""
    revocation_in = _parsed(
        RevocationIn, {"phone": phone, "seller": seller, "channel": channel, "evidence": evidence}
    )
    with cli_runtime().db.transaction() as session:
        rows = consents.revoke_for(session=session, actor=cli_actor(), revocation_in=revocation_in)
        console.print(f"{len(rows)} consent(s) revoked")


# `calls import` (a dialer's own files) is the dialer domain's command in this group: imported
# here so that the command line, which loads only the domain owning `calls`, always has it.
from callkeep.dialer import cli as _dialer_cli  # noqa: E402, F401
