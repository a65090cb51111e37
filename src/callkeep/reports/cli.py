"""`callkeep export --out FILE.zip […]` and `callkeep export verify FILE.zip`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from callkeep.errors import InvalidInput
from callkeep.kit.cli import cli_actor, cli_runtime, console, print_json
from callkeep.ledger import checkpoints
from callkeep.reports import consistency, service
from callkeep.reports.schemas import ExportFilters

export_app = typer.Typer(help="Regulator production packages.", invoke_without_command=True)


def _day(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.for_field(field, f"{text!r} is not a date such as 2026-07-04") from None


@export_app.callback()
def export(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", help="the package to write (.zip)"),
    date_from: str | None = typer.Option(None, "--from", help="first day, YYYY-MM-DD (UTC)"),
    date_to: str | None = typer.Option(None, "--to", help="last day, YYYY-MM-DD (UTC)"),
    seller: str | None = typer.Option(None, "--seller", help="seller slug or id"),
    campaign: str | None = typer.Option(None, "--campaign", help="campaign slug or id"),
    phone: str | None = typer.Option(None, "--phone", help="one phone number"),
) -> None:
    """Writes a production package: the records, their ledger entries, and every hash."""
    if ctx.invoked_subcommand is not None:
        return
    if out is None:
        raise InvalidInput.for_field("out", "name the package to write with --out FILE.zip")
    filters = ExportFilters(
        date_from=_day(date_from, "from"),
        date_to=_day(date_to, "to"),
        seller=seller,
        campaign=campaign,
        phone=phone,
    )
    rt = cli_runtime()
    try:
        with rt.db.transaction() as session:
            record, manifest = service.build(
                session=session,
                actor=cli_actor(),
                filters=filters,
                out=out,
                signer=checkpoints.signer_for(rt.settings),
            )
    except OSError as exc:
        raise InvalidInput.for_field("out", f"cannot write {out}: {exc.strerror or exc}") from None
    counts = ", ".join(f"{n} {k}" for k, n in manifest["counts"].items() if n)
    console.print(f"package written to {out}: {manifest['records']} records ({counts or 'none'})")
    console.print(f"  sha256 {record.package_sha256}; export {record.id} recorded in the ledger")
    console.print("  it holds personal data in the clear: send it only to whoever asked for it")
    console.print(f"  its checkpoint is signed by {manifest['checkpoint']['key']}")


@export_app.command("verify")
def export_verify(
    file: Path,
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    public_key: str | None = typer.Option(
        None, "--public-key", help="the checkpoint verifier key to hold the signature against"
    ),
    newer: Path | None = typer.Option(
        None, "--newer", help="a newer checkpoint with its proof (callkeep export consistency)"
    ),
) -> None:
    """Recomputes every hash of a package and checks its signed checkpoint: exit 0 intact,
    1 altered."""
    newer_text = _read(newer, "newer") if newer is not None else None
    intact, files, records, problems = service.check(
        path=file, public_key=public_key, newer=newer_text
    )
    if as_json:
        print_json({"intact": intact, "files": files, "records": records, "problems": problems})
    elif intact:
        console.print(f"[green]intact[/green]: {files} files, {records} records")
    else:
        console.print(f"[red]ALTERED[/red]: {file}")
        for problem in problems:
            console.print(f"  {problem}")
    raise typer.Exit(0 if intact else 1)


def _read(path: Path, field: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput.for_field(field, f"cannot read {path}: {exc}") from None


@export_app.command("consistency")
def export_consistency(
    file: Path,
    out: Path | None = typer.Option(None, "--out", help="write it here instead of printing it"),
) -> None:
    """A newer signed checkpoint of the ledger and the proof that a package's is its prefix
    (for `verify.py --newer FILE`)."""
    found = consistency.newer(rt=cli_runtime(), package=file)
    text = json.dumps(found, indent=2, sort_keys=True) + "\n"
    if out is None:
        print(text, end="")
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput.for_field("out", f"cannot write {out}: {exc.strerror or exc}") from None
    console.print(f"checkpoint of {found['to_size']} entries and its proof written to {out}")


def register(root: typer.Typer) -> None:
    from callkeep.reports import report_cli, retention_cli

    root.add_typer(export_app, name="export")
    report_cli.register(root)
    retention_cli.register(root)
