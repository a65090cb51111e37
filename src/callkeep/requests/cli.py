"""`callkeep dnc …`: consumers' Do-Not-Call requests from the command line."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import cast

import typer

from callkeep.auth import access
from callkeep.errors import InvalidInput
from callkeep.kit.cli import cli_actor, cli_runtime, console, err_console, print_json
from callkeep.kit.clock import iso, parse_instant, utcnow
from callkeep.requests import dialer_webhooks_cli, dnc_export, peers, review, service, webhooks
from callkeep.requests.dnc_export import ExportFormat
from callkeep.requests.schemas import Channel, DncRequestCreate, DncRequestOut, RequestStatus

dnc_app = typer.Typer(help="Consumers' Do-Not-Call requests.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Adds `callkeep dnc` to the command line."""
    root.add_typer(dnc_app, name="dnc")
    dialer_webhooks_cli.register(dnc_app)


def _show(out: DncRequestOut) -> None:
    console.print(f"request {out.id}  confirmation code [bold]{out.confirmation_code}[/bold]")
    console.print(f"  phone {out.phone}  seller {out.seller}  channel {out.channel}")
    console.print(
        f"  received {iso(out.received_at)}  deadline {out.deadline}  status {out.status}"
    )
    if out.honored_at is not None:
        console.print(f"  on the entity-specific list since {iso(out.honored_at)}")


@dnc_app.command("add")
def add(
    phone: str,
    seller: str | None = typer.Option(None, help="seller id or slug (default seller if absent)"),
    source: Channel = typer.Option(Channel.PHONE, help="how the consumer asked"),
    name: str | None = typer.Option(None, help="the consumer's name"),
    email: str | None = typer.Option(None, help="the consumer's email"),
    telemarketer: str | None = typer.Option(None, help="employee or company that called"),
    call: str | None = typer.Option(None, help="the call's id, if asked during a call"),
    purpose: str | None = typer.Option(None, help="goods, services or purpose of the call"),
    notes: str | None = typer.Option(None, help="what the consumer said (kept encrypted)"),
    received: str | None = typer.Option(None, help="when asked, ISO-8601 with zone; default now"),
    as_json: bool = typer.Option(False, "--json", help="print the request as JSON"),
) -> None:
    """Records a consumer's Do-Not-Call request; the number is blocked for the seller at once."""
    received_at: datetime | None = parse_instant(received, field="received") if received else None
    rt = cli_runtime()
    with rt.db.transaction() as session:
        result = service.record_request(
            session=session,
            actor=cli_actor(),
            request_in=DncRequestCreate(
                phone=phone,
                seller=seller,
                channel=source,
                name=name,
                email=email,
                telemarketer=telemarketer,
                call_id=call,
                purpose=purpose,
                evidence=notes,
                received_at=received_at,
            ),
        )
        out = service.to_out(result.request, created=result.created)
        out.checkpoint = peers.checkpoint_in_force(session=session)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    if not result.created:
        console.print("already recorded earlier; nothing new was added")
    _show(out)
    if out.checkpoint is not None:
        console.print(
            f"  ledger checkpoint in force: {out.checkpoint.size} entries, "
            f"tree hash {out.checkpoint.root_hash} ({out.checkpoint.origin})"
        )


@dnc_app.command("list")
def list_(
    seller: str | None = typer.Option(None),
    channel: Channel | None = typer.Option(None),
    status: RequestStatus | None = typer.Option(None, help="met, open or overdue"),
    since: str | None = typer.Option(
        None, "--from", help="received on or after (a day or ISO-8601 time)"
    ),
    until: str | None = typer.Option(
        None, "--to", help="received on or before (a day or ISO-8601 time)"
    ),
    limit: int = typer.Option(100, min=1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Lists requests, newest first."""
    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        rows, total = service.list_requests(
            session=session,
            seller=seller,
            channel=channel.value if channel else None,
            status=status,
            since=service.parse_bound(since, field="from") if since else None,
            until=service.parse_bound(until, field="to", end=True) if until else None,
            limit=limit,
        )
        outs = [service.to_out(r) for r in rows]
    access.record_reads(
        db=rt.db,
        actor=cli_actor(),
        entity_type="dnc_requests",
        entity_ids=[o.id for o in outs],
        via="callkeep dnc list",
    )
    if as_json:
        print_json({"total": total, "items": [o.model_dump(mode="json") for o in outs]})
        return
    for out in outs:
        console.print(
            f"{out.confirmation_code}  {iso(out.received_at)}  {out.phone}  {out.seller}  "
            f"{out.channel}  {out.status}  due {out.deadline}"
        )
    console.print(f"{len(outs)} of {total} requests" if total else "no requests match")


@dnc_app.command("show")
def show(code: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Shows one request by confirmation code or id."""
    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        out = service.to_out(service.get(session=session, request_id=code))
    access.record_reads(
        db=rt.db,
        actor=cli_actor(),
        entity_type="dnc_requests",
        entity_ids=[out.id],
        via="callkeep dnc show",
    )
    if as_json:
        print_json(out.model_dump(mode="json"))
    else:
        _show(out)


@dnc_app.command("import-email")
def import_email(
    path: Path,
    seller: str | None = typer.Option(None, help="the seller the mailbox belongs to"),
) -> None:
    """Reads .eml files, a Maildir or an mbox: clear requests are recorded, doubtful ones queued."""
    rt = cli_runtime()
    with rt.db.transaction() as session:
        summary = review.import_emails(session=session, actor=cli_actor(), path=path, seller=seller)
    console.print(
        f"{summary.messages} messages: {summary.requests} new requests, "
        f"{summary.repeats} already recorded, {summary.queued} queued for review"
    )


@dnc_app.command("review")
def review_list(
    all_items: bool = typer.Option(False, "--all", help="include resolved items"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The review queue: messages that may be requests and need a person."""
    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        items = review.list_items(session=session, include_resolved=all_items)
    access.record_reads(
        db=rt.db,
        actor=cli_actor(),
        entity_type="dnc_review_items",
        entity_ids=[i.id for i in items],
        via="callkeep dnc review",
    )
    if as_json:
        print_json([i.model_dump(mode="json") for i in items])
        return
    for item in items:
        phones = ", ".join(item.candidate_phones) or "no number"
        console.print(f"{item.id}  {item.channel}  {item.source}  {phones}  ({item.reason})")
    console.print(f"{len(items)} items")


@dnc_app.command("review-resolve")
def review_resolve(
    item_id: str,
    phone: str | None = typer.Option(None, help="the number to record the request for"),
    dismiss: bool = typer.Option(False, help="not a request"),
    note: str | None = typer.Option(None),
) -> None:
    """Resolves a review item with a new record: a request for --phone, or --dismiss."""
    rt = cli_runtime()
    with rt.db.transaction() as session:
        out = review.resolve(
            session=session,
            actor=cli_actor(),
            item_id=item_id,
            phone=phone,
            dismiss=dismiss,
            note=note,
        )
    console.print(f"review item {out.id}: {out.resolution}")
    if out.request_id:
        console.print(f"request {out.request_id}")


@dnc_app.command("export")
def export(
    file_format: str = typer.Option(
        "vicidial", "--format", help="vicidial (its DNC list file) or plain (one number a line)"
    ),
    seller: str | None = typer.Option(None, help="seller id or slug (default seller if absent)"),
    since: str | None = typer.Option(
        None, help="only what was added after this (a day or ISO-8601 time)"
    ),
    out: Path | None = typer.Option(
        None, "--out", help="file to write (mode 0600); default stdout"
    ),
) -> None:
    """Writes the numbers (and whole area codes, as NPAXXXXXXX) the dialer must suppress."""
    if file_format not in ("vicidial", "plain"):
        raise InvalidInput.for_field("format", f"{file_format!r}: vicidial or plain")
    since_at = service.parse_bound(since, field="since") if since else None
    rt = cli_runtime()
    handle = sys.stdout
    if out is not None:
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.chmod(out, 0o600)  # an existing file keeps its mode on open: personal data
        handle = os.fdopen(descriptor, "w", encoding="utf-8", newline="\n")
    try:
        with rt.db.transaction(read_only=True) as session:
            summary = dnc_export.write_suppression(
                session=session,
                folder=rt.settings.snapshot_dir,
                out=handle,
                file_format=cast(ExportFormat, file_format),
                seller=seller,
                at=utcnow(),
                since=since_at,
            )
    finally:
        if out is not None:
            handle.close()
        else:
            handle.flush()
    err_console.print(
        f"{summary.numbers} numbers, {summary.area_codes} area codes"
        + (f", {summary.other_numbers} numbers outside the NANP" if summary.other_numbers else "")
        + (
            " (left out: VICIdial's list holds national numbers)"
            if file_format == "vicidial" and summary.other_numbers
            else ""
        )
    )


@dnc_app.command("webhook-secret")
def webhook_secret(
    channel: str = typer.Argument(help="sms or keypress"),
    rotate: bool = typer.Option(False, help="replace the secret with a new one"),
) -> None:
    """Prints the channel's webhook signing secret (created on first use) alone on the last line."""
    rt = cli_runtime()
    with rt.db.transaction() as session:
        secret = webhooks.ensure_secret(
            session=session, actor=cli_actor(), channel=channel, rotate=rotate
        )
    console.print(f"sign each {channel} webhook body: X-Callkeep-Signature: sha256=HMAC-SHA256 hex")
    print(secret)
