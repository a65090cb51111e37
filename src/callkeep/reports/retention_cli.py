"""`callkeep retention run [--apply] [--json]` and `callkeep holds add / list / release`."""

from __future__ import annotations

import typer
from rich.table import Table

from callkeep.kit.cli import cli_actor, cli_runtime, console, print_json

retention_app = typer.Typer(help="Retention of records (5 years by default).", no_args_is_help=True)
holds_app = typer.Typer(help="Legal holds that suspend retention.", no_args_is_help=True)


@retention_app.command("run")
def retention_run(
    apply: bool = typer.Option(False, "--apply", help="purge; without it, only say what would go"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """What retention would purge now (a dry run), or purges it with --apply."""
    from callkeep.reports import retention

    rt = cli_runtime()
    with rt.db.transaction(read_only=not apply) as session:
        report = retention.run(session=session, actor=cli_actor(), apply=apply)
    found = report.to_json()
    if as_json:
        print_json(found)
        return
    verb = "purged" if apply else "would purge"
    total = sum(found["purged"].values())
    console.print(f"retention as of {found['as_of']}: {verb} {total} records")
    table = Table("record type", verb, "held", "kept from", "citation")
    for column in table.columns:
        column.overflow = "fold"
    for name, rule in found["policy"].items():
        table.add_row(
            name,
            str(found["purged"].get(name, 0)),
            str(found["held"].get(name, 0)),
            f"{rule['from']} + {rule['years']} y",
            rule["citation"].split(":")[0],
        )
    console.print(table)
    if not apply and total:
        console.print("nothing was removed: run again with --apply to purge")


@holds_app.command("add")
def holds_add(
    seller: str | None = typer.Option(None, "--seller", help="seller slug or id"),
    phone: str | None = typer.Option(None, "--phone", help="a telephone number"),
    campaign: str | None = typer.Option(None, "--campaign", help="campaign slug or id"),
    reason: str = typer.Option(..., "--reason", help="why the records are held"),
) -> None:
    """Places a legal hold: the records it covers are kept past retention."""
    from callkeep.reports import retention

    rt = cli_runtime()
    with rt.db.transaction() as session:
        hold = retention.add_hold(
            session=session,
            actor=cli_actor(),
            seller=seller,
            phone=phone,
            campaign=campaign,
            reason=reason,
        )
        console.print(f"legal hold {hold.id} placed on {hold.scope} {hold.value}")


@holds_app.command("list")
def holds_list(
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    every: bool = typer.Option(False, "--all", help="released holds too"),
) -> None:
    """The legal holds in force (with --all, released ones too)."""
    from callkeep.reports import retention

    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        rows = retention.holds(session=session, active_only=not every)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no legal holds")
        return
    table = Table("id", "scope", "value", "reason", "placed", "released")
    for column in table.columns:
        column.overflow = "fold"
    for row in rows:
        table.add_row(
            row["id"],
            row["scope"],
            row["value"],
            row["reason"],
            row["placed_at"],
            row["released_at"] or "-",
        )
    console.print(table)


@holds_app.command("release")
def holds_release(hold_id: str) -> None:
    """Ends a legal hold; retention applies again to what it covered."""
    from callkeep.reports import retention

    rt = cli_runtime()
    with rt.db.transaction() as session:
        retention.release_hold(session=session, actor=cli_actor(), hold_id=hold_id)
    console.print(f"legal hold {hold_id} released")


def register(root: typer.Typer) -> None:
    root.add_typer(retention_app, name="retention")
    root.add_typer(holds_app, name="holds")
