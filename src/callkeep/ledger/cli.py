"""`callkeep audit verify`."""

from __future__ import annotations

import typer

from callkeep.kit.cli import cli_runtime, console, print_json
from callkeep.ledger import service

audit_app = typer.Typer(help="The hash-chained ledger.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Checks the whole chain and every record against it: exit 0 intact, 1 tampered."""
    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        report = service.verify(session=session)
    if as_json:
        print_json(report.model_dump())
    else:
        state = "[green]intact[/green]" if report.intact else "[red]TAMPERED[/red]"
        console.print(
            f"ledger {state}: {report.entries} entries, {report.records} records, "
            f"head {report.head_seq} {report.head_hash[:16]}…"
        )
        for problem in report.problems:
            console.print(f"  [red]{problem.kind}[/red] {problem.message}")
    raise typer.Exit(0 if report.intact else 1)


def register(root: typer.Typer) -> None:
    root.add_typer(audit_app, name="audit")
