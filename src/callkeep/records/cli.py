"""`callkeep calls|consents …` (and, through `records/parties/cli.py`, `sellers|campaigns|
employees|contacts`): the records, by hand."""

from __future__ import annotations

import json

import typer

from callkeep.auth import access
from callkeep.errors import InvalidInput
from callkeep.kit.cli import cli_actor, cli_runtime, console, print_json
from callkeep.kit.clock import iso, parse_instant
from callkeep.records import consents, rollups_cli
from callkeep.records.calls import service as calls
from callkeep.records.command_input import changes_from, instant_or_none, parsed
from callkeep.records.parties import cli as parties_cli
from callkeep.records.parties import sellers
from callkeep.records.schemas import (
    CallIn,
    ConsentIn,
    RevocationIn,
)

calls_app = typer.Typer(help="Call records (16 CFR 310.5(a)(2)).", no_args_is_help=True)
consents_app = typer.Typer(help="Consents and their revocations.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Adds the records' command groups to the command line."""
    parties_cli.register(root)
    root.add_typer(calls_app, name="calls")
    root.add_typer(consents_app, name="consents")
    rollups_cli.register(root)


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
    call_in = parsed(CallIn, payload)
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
    changes = changes_from(change)
    with cli_runtime().db.transaction() as session:
        row = calls.amend_call(
            session=session, actor=cli_actor(), call_id=call_id, changes=changes, reason=reason
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
            since=instant_or_none(since, "from"),
            until=instant_or_none(until, "to"),
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
    consent_in = parsed(
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
    revocation_in = parsed(
        RevocationIn, {"phone": phone, "seller": seller, "channel": channel, "evidence": evidence}
    )
    with cli_runtime().db.transaction() as session:
        rows = consents.revoke_for(session=session, actor=cli_actor(), revocation_in=revocation_in)
        console.print(f"{len(rows)} consent(s) revoked")


# `calls import` (a dialer's own files) is the dialer domain's command in this group: imported
# here so that the command line, which loads only the domain owning `calls`, always has it.
from callkeep.dialer import cli as _dialer_cli  # noqa: E402, F401
