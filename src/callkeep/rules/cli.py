"""`callkeep rules show [STATE]`: every calling rule callkeep applies, with its citation."""

from __future__ import annotations

import typer

from callkeep.errors import InvalidInput
from callkeep.kit.cli import console, print_json, wrapping_table
from callkeep.rules import service

rules_app = typer.Typer(help="Calling rules as cited data.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Adds `callkeep rules` to the command line."""
    root.add_typer(rules_app, name="rules")


@rules_app.command("show")
def show(
    state: str | None = typer.Argument(None, help="two-letter state, e.g. FL; all if absent"),
    as_json: bool = typer.Option(False, "--json", help="print the rules as JSON"),
) -> None:
    """Prints the federal rule and the state overlays, caps and automated-dialing limits."""
    if state is not None and (len(state) != 2 or not state.isalpha()):
        raise InvalidInput.for_field("state", f"{state!r} is not a two-letter state")
    entries = service.entries(state=state.upper() if state else None)
    if as_json:
        print_json([e.model_dump() for e in entries])
        return
    table = wrapping_table("state", "kind", "rule", "citation", "confidence", title="calling rules")
    for entry in entries:
        table.add_row(entry.state, entry.kind, entry.rule, entry.citation, entry.confidence)
    console.print(table)
    console.print(f"rules version {service.version()}")
