"""`callkeep calls import`: call records from a dialer's own files."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import typer

from callkeep.dialer import files, imports
from callkeep.errors import InvalidInput
from callkeep.kit.cli import cli_actor, cli_runtime, console, err_console, print_json
from callkeep.records.cli import calls_app


def register(_root: typer.Typer) -> None:
    """`calls import` joins the records' `calls` group (added when this module is imported)."""


@calls_app.command("import")
def import_calls(
    paths: list[Path] = typer.Argument(..., metavar="FILE...", help="the dialer's files"),
    file_format: str = typer.Option(
        ..., "--format", help="asterisk-cdr (Master.csv), vicidial (call export) or csv"
    ),
    seller: str | None = typer.Option(None, help="seller id or slug (default seller if absent)"),
    campaign: str | None = typer.Option(
        None, help="campaign the calls belong to: its subject, dialing mode and caller ID fill in"
    ),
    telemarketer: str | None = typer.Option(
        None, help="who placed the calls when the file does not say (310.5(a)(2)(i))"
    ),
    timezone: str | None = typer.Option(
        None,
        help="the dialer's IANA zone, e.g. America/New_York (default: this machine's local time)",
    ),
    column_map: Path | None = typer.Option(
        None, "--map", help="TOML: column name = callkeep field (csv; [dispositions] for any)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Imports call records from dialer files, each line once (exit 0 ok, 2 bad input)."""
    if file_format not in files.FORMATS:
        raise InvalidInput.for_field(
            "format", f"{file_format!r}: one of {', '.join(files.FORMATS)}"
        )
    options = imports.ImportOptions(
        file_format=file_format,
        seller=seller,
        campaign=campaign,
        telemarketer=telemarketer,
        timezone=timezone,
        column_map=files.load_map(column_map),
    )
    imports.check_options(options)
    rt = cli_runtime()
    with ExitStack() as stack:
        sources = ((str(p), stack.enter_context(imports.opened(p))) for p in paths)
        report = imports.import_calls(
            db=rt.db, actor=cli_actor(), sources=sources, options=options, read_apart=True
        )
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        show_report(report)
    imports.refuse_if_nothing_kept(report)


def show_report(report: imports.ImportReport) -> None:
    """The report as a person reads it: counts on stdout, each problem line on stderr."""
    if report.timezone:
        err_console.print(f"times read in {report.timezone}", soft_wrap=True)
    console.print(
        f"{report.lines} lines: {report.imported} calls imported, {report.repeats} already "
        f"recorded, {report.skipped} not calls, {report.problems} with problems "
        f"({report.seconds:.1f} s)",
        soft_wrap=True,
    )
    for problem in report.first_problems:
        err_console.print(
            f"  {problem.file}:{problem.line}: {problem.message}", markup=False, soft_wrap=True
        )
    if report.problems > len(report.first_problems):
        err_console.print(f"  … and {report.problems - len(report.first_problems)} more")
