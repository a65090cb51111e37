"""`callkeep lists …`: import lists, show their status, add entries to a seller's own list."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from callkeep.errors import InvalidInput
from callkeep.kit.cli import cli_actor, cli_runtime, console, print_json
from callkeep.lists import imports, service
from callkeep.lists import status as lists_status
from callkeep.lists.schemas import EntityEntryOut, ImportReport

lists_app = typer.Typer(
    help="Do-Not-Call lists: imports, status, entity entries.", no_args_is_help=True
)


def register(root: typer.Typer) -> None:
    """Adds `callkeep lists` to the command line."""
    root.add_typer(lists_app, name="lists")


def parse_area_codes(text: str | None) -> list[int] | None:
    """`207,603` as a list of area codes; anything else is InvalidInput."""
    if not text:
        return None
    codes = []
    for part in text.replace(" ", ",").split(","):
        if not part:
            continue
        # ASCII only: "²" is a digit to str.isdigit, not to int(); NANP area codes begin 2-9
        if not (len(part) == 3 and part.isascii() and part.isdigit() and part[0] >= "2"):
            raise InvalidInput.for_field("area_codes", f"{part!r} is not a 3-digit area code")
        codes.append(int(part))
    return codes


def parse_as_of(text: str | None) -> date | None:
    """`YYYY-MM-DD`, or InvalidInput."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.for_field("as_of", f"{text!r} is not a date like 2026-11-20") from None


def show_report(report: ImportReport) -> None:
    """Prints an import's summary for a person."""
    if report.already_imported:
        console.print(
            f"{report.source_name}: already imported as version {report.version} "
            f"of {report.list} ({report.version_id}); nothing changed"
        )
        return
    console.print(
        f"{report.list}: version [bold]{report.version}[/bold] ({report.version_id}), "
        f"as of {report.as_of}, stored as {report.storage}"
    )
    if report.renews:
        console.print(
            f"  renews version {report.renews}: nothing changed, the list was obtained again "
            f"(new access record; safe harbor counts from {report.as_of})"
        )
    console.print(
        f"  read {report.numbers_read:,} numbers: added {report.added:,}, removed "
        f"{report.removed:,}, now {report.size:,} on the list"
    )
    if report.removed_absent:
        console.print(f"  {report.removed_absent:,} deletions named numbers not on the list")
    if report.headers:
        console.print(f"  {report.headers} header line(s) skipped")
    console.print(f"  unreadable lines: {report.unreadable:,}")
    for line in report.first_unreadable:
        console.print(f"    {line.source}:{line.line}: {line.reason}: {line.text!r}")
    if report.unreadable > len(report.first_unreadable):
        console.print(f"    … and {report.unreadable - len(report.first_unreadable):,} more")
    if report.area_codes:
        console.print(f"  covers {len(report.area_codes)} area code(s)")
    console.print(f"  sha256 {report.sha256}  in {report.seconds:.2f} s")


@lists_app.command("import")
def import_files(
    files: list[Path] = typer.Argument(..., help="list files (plain text or zip)"),
    list_name: str = typer.Option(
        ..., "--list", help="national, state:XX, entity:SELLER, litigator, wireless"
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="date the list was obtained (YYYY-MM-DD); default today"
    ),
    change: bool = typer.Option(False, "--change", help="a change list (additions and deletions)"),
    san: str | None = typer.Option(
        None, "--san", help="subscription account number used to access the registry"
    ),
    campaign: list[str] = typer.Option(
        [], "--campaign", help="campaign the registry was accessed for (repeatable)"
    ),
    area_codes: str | None = typer.Option(
        None, "--area-codes", help="area codes a full national list covers, e.g. 207,603"
    ),
    accessed_by: str | None = typer.Option(
        None, "--accessed-by", help="entity that accessed the registry"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
    file_format: str = typer.Option(
        "plain", "--format", help="plain (FTC and plain lists) or vicidial (its DNC download)"
    ),
) -> None:
    """Imports list files as the next version of a list (exit 0 ok, 2 bad input)."""
    if file_format == "vicidial":
        _import_vicidial(files, list_name=list_name, as_of=parse_as_of(as_of), as_json=as_json)
        return
    if file_format != "plain":
        raise InvalidInput.for_field("format", f"{file_format!r}: plain or vicidial")
    request = imports.ImportRequest(
        paths=files,
        list_name=list_name,
        as_of=parse_as_of(as_of),
        change=change,
        san=san,
        campaigns=", ".join(campaign) or None,
        area_codes=parse_area_codes(area_codes),
        source_names=[str(f) for f in files],
        accessed_by=accessed_by,
    )
    rt = cli_runtime()
    with rt.db.transaction() as session:
        report = imports.import_list(
            session=session,
            actor=cli_actor(),
            folder=rt.settings.snapshot_dir,
            max_unzipped=rt.settings.max_unzipped_bytes,
            request=request,
        )
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        show_report(report)


def _import_vicidial(
    files: list[Path], *, list_name: str, as_of: date | None, as_json: bool
) -> None:
    from callkeep.lists import vicidial

    rt = cli_runtime()
    with rt.db.transaction() as session:
        done = vicidial.import_dnc_download(
            session=session,
            actor=cli_actor(),
            folder=rt.settings.snapshot_dir,
            max_unzipped=rt.settings.max_unzipped_bytes,
            paths=files,
            list_name=list_name,
            as_of=as_of,
        )
        codes = [EntityEntryOut.model_validate(e, from_attributes=True) for e in done.area_codes]
    if as_json:
        print_json(
            {
                "numbers": done.numbers.model_dump(mode="json") if done.numbers else None,
                "area_codes": [c.model_dump(mode="json") for c in codes],
            }
        )
        return
    if done.numbers is not None:
        show_report(done.numbers)
    for code in codes:
        console.print(f"  area code {code.area_code} blocked ({code.reference}, entry {code.id})")


@lists_app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Every list: version in force, size, age; coverage and safe-harbor days for the national one."""
    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        found = lists_status.status(session=session)
    if as_json:
        print_json([item.model_dump(mode="json") for item in found])
        return
    if not found:
        console.print("no lists imported yet (callkeep lists import FILE --list national)")
    for item in found:
        if item.version is None:
            line = f"{item.list}: no imported version in force"
        else:
            line = f"{item.list}: version {item.version}, {item.size:,} numbers, {item.age_days} day(s) old"
        if item.entries is not None:
            line += f", {item.entries} entries"
        console.print(line)
        if item.area_codes is not None:
            console.print(
                f"  covers {len(item.area_codes)} area code(s): {', '.join(map(str, item.area_codes[:30]))}"
                + (" …" if len(item.area_codes) > 30 else "")
            )
        if item.safe_harbor_days_left is not None:
            if item.stale:
                console.print(
                    f"  [red]stale[/red]: the 31-day safe harbor lapsed {-item.safe_harbor_days_left} day(s) ago"
                )
            else:
                console.print(f"  safe harbor holds {item.safe_harbor_days_left} more day(s)")


@lists_app.command("entity-add")
def entity_add(
    phone: str | None = typer.Argument(None, help="the number (omit with --area-code)"),
    seller: str | None = typer.Option(
        None, "--seller", help="seller slug (default seller if absent)"
    ),
    area_code: int | None = typer.Option(
        None, "--area-code", help="block a whole area code for the seller"
    ),
    source: str = typer.Option("staff", "--source", help="where the request came from"),
    reference: str | None = typer.Option(None, "--reference", help="request id or note"),
    as_json: bool = typer.Option(False, "--json", help="print the entry as JSON"),
) -> None:
    """Puts a number, or a whole area code, on a seller's own Do-Not-Call list, effective now."""
    rt = cli_runtime()
    with rt.db.transaction() as session:
        entry = service.add_entity_entry(
            session=session,
            actor=cli_actor(),
            seller_slug=service.resolve_seller_slug(session=session, ref=seller),
            phone=phone,
            area_code=area_code,
            source=source,
            reference=reference,
        )
        out = EntityEntryOut.model_validate(entry, from_attributes=True)
    if as_json:
        print_json(out.model_dump(mode="json"))
    else:
        what = out.phone or f"area code {out.area_code}"
        console.print(
            f"{what} is on entity:{out.seller_slug} since {out.effective_at:%Y-%m-%dT%H:%M:%SZ} (entry {out.id})"
        )
