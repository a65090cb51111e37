"""`callkeep check` and `callkeep scrub`: the pre-call decision from the command line."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import typer

from callkeep.checks import service
from callkeep.checks.schemas import CheckIn, DecisionOut, ScrubSummary
from callkeep.errors import InvalidInput
from callkeep.kit.cli import (
    cli_actor,
    cli_runtime,
    console,
    print_json,
    uses_tables_of,
    wrapping_table,
)

# what a decision reads and writes: the lists, the records of a number, the ledger, decisions
TABLES = ("ledger", "records", "lists", "checks")


def register(root: typer.Typer) -> None:
    """Adds `callkeep check` and `callkeep scrub` to the command line."""
    root.command("check")(check)
    root.command("scrub")(scrub)


def _explain(decision: DecisionOut) -> None:
    verdict = "[green]ALLOWED[/green]" if decision.allowed else "[red]BLOCKED[/red]"
    console.print(f"{verdict}  {decision.phone}  at {decision.at}")
    console.print(
        f"  seller {decision.seller}"
        + (f"  campaign {decision.campaign}" if decision.campaign else "")
        + f"  decision {decision.decision_id}"
    )
    if decision.states:
        console.print(f"  states: {', '.join(decision.states)}")
    for local in decision.local_times:
        console.print(f"  local time {local.time}  ({local.zone})")
    for item in decision.lists:
        mark = "[red]on the list[/red]" if item.hit else "not on it"
        console.print(f"  list {item.list} (version {item.version or '-'}): {mark}")
    if decision.exemptions:
        console.print(f"  exemptions: {', '.join(decision.exemptions)}")
    for note in decision.notes:
        console.print(f"  note: {note}")
    if decision.reasons:
        table = wrapping_table("reason", "citation", "why", title="blocked because")
        for reason in decision.reasons:
            table.add_row(reason.code, reason.citation, reason.message)
        console.print(table)
    console.print(f"  rules version {decision.rules_version}")


def check(
    phone: str = typer.Argument(..., help="the number to call, as typed"),
    seller: str | None = typer.Option(None, help="seller id or slug (default seller if absent)"),
    campaign: str | None = typer.Option(None, help="campaign id or slug"),
    at: str | None = typer.Option(None, help="the moment, ISO-8601 with a zone; default now"),
    as_json: bool = typer.Option(False, "--json", help="print the decision as JSON"),
) -> None:
    """May PHONE be called now? Exit 0 allowed, 1 blocked (incl. an invalid number), 2 bad usage."""
    if at is not None:
        service.moment(at)  # a zone-less time is bad usage before anything is opened
    uses_tables_of(*TABLES)
    rt = cli_runtime()
    with rt.db.transaction() as session:
        decision = service.check(
            session=session,
            actor=cli_actor(),
            check_in=CheckIn(phone=phone, seller=seller, campaign=campaign, at=at),
        )
    if as_json:
        print_json(decision.model_dump(mode="json"))
    else:
        _explain(decision)
    raise typer.Exit(0 if decision.allowed else 1)


def _summary(summary: ScrubSummary, out: Path) -> None:
    console.print(f"scrubbed {summary.rows} rows into {out}", soft_wrap=True)
    console.print(
        f"  {summary.allowed} allowed, {summary.blocked} blocked, {summary.invalid} invalid",
        soft_wrap=True,
    )
    console.print(
        f"  read as {summary.file_format}; phone column {summary.phone_column!r}; "
        f"scrub record {summary.scrub_id}",
        soft_wrap=True,
    )
    if summary.reasons:
        table = wrapping_table("reason", "rows", title="by reason")
        for code, count in summary.reasons.items():
            table.add_row(code, str(count))
        console.print(table)


def scrub(
    source: Path = typer.Argument(
        ..., help="the lead file: CSV with a header line, VICIdial's lead file, or .xlsx"
    ),
    out: Path = typer.Option(..., "--out", help="where to write the scrubbed file"),
    phone_column: str | None = typer.Option(None, help="the phone column (guessed if absent)"),
    file_format: str = typer.Option(
        "auto",
        "--format",
        help="auto, csv (a header line; comma, tab or pipe), vicidial (VICIdial's standard lead "
        "file: no header, tab or pipe) or xlsx (an Excel workbook; written out as CSV)",
    ),
    seller: str | None = typer.Option(None, help="seller id or slug (default seller if absent)"),
    campaign: str | None = typer.Option(None, help="campaign id or slug"),
    at: str | None = typer.Option(None, help="the moment, ISO-8601 with a zone; default now"),
) -> None:
    """Decides every row of a lead file; appends callkeep_phone, callkeep_status, callkeep_reasons."""
    if at is not None:
        service.moment(at)
    if not source.is_file():
        raise InvalidInput.for_field("file", f"{source}: no such file")
    if out.resolve() == source.resolve():
        raise InvalidInput.for_field("out", "the output must not overwrite the input")
    if out.suffix.lower() == ".xlsx":
        raise InvalidInput.for_field("out", "the scrub writes CSV (or VICIdial's text file)")
    if not out.parent.is_dir():
        raise InvalidInput.for_field("out", f"{out.parent}: no such folder")
    # the scrub and its progress bar load only for a scrub, so that `check` starts quickly
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from callkeep.checks import scrub as scrub_module

    uses_tables_of(*TABLES)
    rt = cli_runtime()
    size = source.stat().st_size
    show = sys.stderr.isatty() or sys.stdout.isatty()
    try:
        with rt.db.transaction() as session, source.open("rb") as handle:
            scrub = functools.partial(
                scrub_module.scrub_file,
                session=session,
                actor=cli_actor(),
                source=handle,
                source_name=source.name,
                out_path=out,
                phone_column=phone_column,
                seller=seller,
                campaign=campaign,
                at=at,
                file_format=file_format,
            )
            if not show:
                summary = scrub()
            else:
                with Progress(
                    "[progress.description]{task.description}",
                    BarColumn(),
                    DownloadColumn(),
                    TimeRemainingColumn(),
                    console=console,
                    transient=True,
                ) as bar:
                    task = bar.add_task("scrubbing", total=size)
                    summary = scrub(progress=lambda done: bar.update(task, completed=done))
    except OSError as exc:
        raise InvalidInput.for_field("file", f"{source}: {exc.strerror or exc}") from None
    _summary(summary, out)
