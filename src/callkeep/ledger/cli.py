"""`callkeep audit verify [--checkpoint FILE...]` and `callkeep audit checkpoint`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from callkeep.errors import InvalidInput
from callkeep.kit.cli import cli_runtime, console, print_json
from callkeep.ledger import checkpoints, service, witnesses
from callkeep.ledger.checkpoints import Presented
from callkeep.ledger.notes import parse_note

audit_app = typer.Typer(
    help="The hash-chained ledger and its signed checkpoints.", no_args_is_help=True
)


def _presented(path: Path) -> Presented:
    """A checkpoint file: the signed note itself, or the JSON `GET /api/v1/audit/checkpoint`
    answers (its `note`)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput.for_field("checkpoint", f"{path}: cannot be read ({exc})") from None
    if raw.lstrip().startswith("{"):
        try:
            raw = str(json.loads(raw)["note"])
        except (ValueError, KeyError, TypeError):
            raise InvalidInput.for_field(
                "checkpoint", f"{path}: JSON without a 'note' (a signed checkpoint)"
            ) from None
    return Presented(source=str(path), note=parse_note(raw, where=str(path)))


@audit_app.command("verify")
def audit_verify(
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    checkpoint: list[Path] | None = typer.Option(
        None,
        "--checkpoint",
        help="a signed checkpoint kept elsewhere; the ledger must still hold its entries unchanged",
    ),
    more: list[Path] | None = typer.Argument(
        None, help="more checkpoint files, after --checkpoint", show_default=False
    ),
) -> None:
    """Checks the whole chain and every record against it: exit 0 intact, 1 tampered.

    With --checkpoint FILE..., also proves that the ledger still holds each checkpoint's entries
    with the tree hash it signed, and that this installation's checkpoint key signed it.
    """
    files = [*(checkpoint or []), *(more or [])]
    if more and not checkpoint:
        raise typer.BadParameter("name checkpoint files after --checkpoint", param_hint="FILE")
    rt = cli_runtime()
    presented: list[Presented] = []
    unreadable: list[str] = []
    for path in files:
        if not path.is_file():
            raise InvalidInput.for_field("checkpoint", f"{path}: no such file")
        try:
            presented.append(_presented(path))
        except InvalidInput as exc:  # not a checkpoint at all: it proves nothing
            unreadable.append(exc.fields[0].message if exc.fields else exc.message)
    verifier = checkpoints.verifier_for(rt.settings) if files else None
    with rt.db.transaction(read_only=True) as session:
        report = service.verify(session=session, presented=presented, verifier=verifier)
    intact = report.intact and not unreadable
    if as_json:
        body = report.model_dump()
        body["intact"] = intact
        body["unreadable_checkpoints"] = unreadable
        print_json(body)
    else:
        state = "[green]intact[/green]" if intact else "[red]TAMPERED[/red]"
        console.print(
            f"ledger {state}: {report.entries} entries, {report.records} records, "
            f"head {report.head_seq} {report.head_hash[:16]}…"
        )
        for check in report.checkpoints:
            mark = "[green]holds[/green]" if check.intact else "[red]FAILS[/red]"
            console.print(f"  checkpoint {check.source}: {check.size} entries {mark}")
        for problem in report.problems:
            console.print(f"  [red]{problem.kind}[/red] {problem.message}")
        for message in unreadable:
            console.print(f"  [red]not a signed checkpoint[/red] {message}")
    raise typer.Exit(0 if intact else 1)


@audit_app.command("checkpoint")
def audit_checkpoint(
    out: Path | None = typer.Option(None, "--out", help="write the checkpoint to this file"),
    public_key: bool = typer.Option(
        False, "--public-key", help="print the key that verifies checkpoints (to pin), and stop"
    ),
) -> None:
    """Prints (or writes) the ledger's signed checkpoint, making one if the ledger grew."""
    rt = cli_runtime()
    if public_key:
        print(checkpoints.verifier_for(rt.settings).vkey)
        return
    made = checkpoints.make(rt=rt)
    witnesses.publish(rt=rt)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(made.note, encoding="utf-8")
        console.print(f"checkpoint of {made.size} entries written to {out}")
        return
    print(made.note, end="")


def register(root: typer.Typer) -> None:
    root.add_typer(audit_app, name="audit")
