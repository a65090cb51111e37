"""`callkeep rollups rebuild`: counts the staff app's daily roll-ups again from the calls."""

from __future__ import annotations

from datetime import datetime

import typer

from callkeep.kit.cli import cli_runtime, console

rollups_app = typer.Typer(
    help="The staff app's daily roll-ups of the calls (a cache, never evidence).",
    no_args_is_help=True,
)


def register(root: typer.Typer) -> None:
    """Adds `callkeep rollups` to the command line."""
    root.add_typer(rollups_app, name="rollups")


@rollups_app.command("rebuild")
def rebuild(
    since: datetime | None = typer.Option(
        None, "--from", formats=["%Y-%m-%d"], help="first day (default: the first call's)"
    ),
    until: datetime | None = typer.Option(
        None, "--to", formats=["%Y-%m-%d"], help="last day (default: the last call's)"
    ),
) -> None:
    """Forgets the roll-ups of the period and counts every complete day again from the calls."""
    from callkeep.records import rollups

    first, last = (moment.date() if moment else None for moment in (since, until))
    with cli_runtime().db.transaction() as session:
        counted = rollups.rebuild(session=session, first=first, last=last)
    console.print(f"{counted} days counted")
