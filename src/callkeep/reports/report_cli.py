"""`callkeep report compliance`, and the safe-harbor evidence: `procedures`, `training`,
`contracts`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from callkeep.errors import InvalidInput
from callkeep.kit.cli import cli_actor, cli_runtime, console, print_json
from callkeep.kit.clock import parse_instant

report_app = typer.Typer(help="Compliance reports.", no_args_is_help=True)
procedures_app = typer.Typer(
    help="Written compliance procedures (safe harbor).", no_args_is_help=True
)
training_app = typer.Typer(help="Staff training records (safe harbor).", no_args_is_help=True)
contracts_app = typer.Typer(
    help="Service-provider contracts (16 CFR 310.5(a)(9)).", no_args_is_help=True
)


def day(text: str | None, field: str) -> date | None:
    """A YYYY-MM-DD option, or InvalidInput naming it."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.for_field(field, f"{text!r} is not a date such as 2026-07-04") from None


@report_app.command("compliance")
def compliance(
    date_from: str | None = typer.Option(None, "--from", help="first day, YYYY-MM-DD (UTC)"),
    date_to: str | None = typer.Option(None, "--to", help="last day, YYYY-MM-DD (UTC)"),
    seller: str | None = typer.Option(None, "--seller", help="seller slug or id"),
    campaign: str | None = typer.Option(None, "--campaign", help="campaign slug or id"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
    pdf: Path | None = typer.Option(None, "--pdf", help="also write the report as a PDF"),
) -> None:
    """Every call of the period decided again as of its start; records, abandonment, registry."""
    from callkeep.reports import compliance as report

    rt = cli_runtime()
    with rt.db.transaction() as session:
        scope = report.period(
            session=session,
            date_from=day(date_from, "from"),
            date_to=day(date_to, "to"),
            seller=seller,
            campaign=campaign,
        )
        found = report.build(session=session, actor=cli_actor(), scope=scope)
    if pdf is not None:
        from callkeep.reports import pdf as pdf_report

        try:
            pdf_report.write(found, pdf)
        except OSError as exc:
            raise InvalidInput.for_field("pdf", f"cannot write {pdf}: {exc.strerror}") from None
    if as_json:
        print_json(found)
        return
    _summary(found)
    if pdf is not None:
        console.print(f"PDF written to {pdf}")


def _summary(found: dict[str, Any]) -> None:
    period = found["period"]
    console.print(
        f"[bold]Compliance report[/bold] {period['from']} to {period['to']}, "
        f"seller {found['seller'] or 'all'}, campaign {found['campaign'] or 'all'}"
    )
    console.print(f"  {found['calls']} calls, {len(found['violations'])} with violations")
    codes: dict[str, int] = {}
    for violation in found["violations"]:
        for code in violation["codes"]:
            codes[code] = codes.get(code, 0) + 1
    for code, count in sorted(codes.items(), key=lambda kv: -kv[1]):
        console.print(f"    {code}: {count}")
    incomplete = found["incomplete_records"]
    late = sum(1 for r in incomplete if not r["corrected"])
    console.print(f"  {len(incomplete)} incomplete records, {late} not corrected")
    table = Table("campaign", "window", "answered", "abandoned", "rate", title="Abandonment")
    for column in table.columns:
        column.overflow = "fold"
    for w in found["abandonment"]:
        rate = f"{w['rate']:.2%}" + (" [red]over 3%[/red]" if w["over_limit"] else "")
        table.add_row(
            w["campaign"] or "-",
            f"{w['window_start']}..{w['window_end']}",
            str(w["answered"]),
            str(w["abandoned"]),
            rate,
        )
    if found["abandonment"]:
        console.print(table)
    stale = [d["day"] for d in found["registry"] if d["stale"]]
    console.print(
        f"  registry: {len(found['registry'])} calling days, {len(stale)} stale"
        + (f" ({', '.join(stale[:5])}{'...' if len(stale) > 5 else ''})" if stale else "")
    )
    r = found["dnc_requests"]
    console.print(
        f"  DNC requests: {r['received']} received, {r['met']} met, {r['open']} open, "
        f"{r['overdue']} overdue"
    )
    console.print("  (--json for every record behind these figures; not legal advice)")


@procedures_app.command("add")
def procedures_add(
    slug: str,
    file: Path = typer.Option(..., "--file", help="the procedure's text (UTF-8)"),
    title: str = typer.Option(..., "--title", help="its title"),
    effective: str | None = typer.Option(None, "--effective", help="ISO-8601; default now"),
) -> None:
    """Records a new version of a written procedure."""
    from callkeep.reports import safeharbor

    try:
        content = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput.for_field("file", f"cannot read {file}: {exc}") from None
    rt = cli_runtime()
    with rt.db.transaction() as session:
        found = safeharbor.add_procedure(
            session=session,
            actor=cli_actor(),
            slug=slug,
            title=title,
            content=content,
            effective_at=parse_instant(effective, field="effective") if effective else None,
        )
        console.print(f"procedure {found.slug} version {found.version} recorded ({found.id})")


@procedures_app.command("list")
def procedures_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every version of every written procedure."""
    from callkeep.reports import safeharbor

    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        rows = [safeharbor.procedure_out(p) for p in safeharbor.procedures(session=session)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no procedures recorded yet")
        return
    table = Table("procedure", "version", "title", "effective")
    for column in table.columns:
        column.overflow = "fold"
    for row in rows:
        table.add_row(row["slug"], str(row["version"]), row["title"], row["effective_at"])
    console.print(table)


@training_app.command("add")
def training_add(
    trainee: str,
    procedure: str = typer.Option(..., "--procedure", help="the procedure's slug"),
    version: int | None = typer.Option(None, "--version", help="default: the newest"),
    at: str = typer.Option(..., "--at", help="when, ISO-8601 with its zone"),
    trainer: str | None = typer.Option(None, "--trainer"),
) -> None:
    """Records that a person (or an assisting entity) was trained in a procedure."""
    from callkeep.reports import safeharbor

    rt = cli_runtime()
    with rt.db.transaction() as session:
        found = safeharbor.record_training(
            session=session,
            actor=cli_actor(),
            slug=procedure,
            version=version,
            trainee=trainee,
            trained_at=parse_instant(at, field="at"),
            trainer=trainer,
        )
        console.print(f"training of {found.trainee} recorded ({found.id})")


@training_app.command("list")
def training_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every training record: who, when, which version."""
    from callkeep.reports import safeharbor

    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        rows = [safeharbor.training_out(t, p) for t, p in safeharbor.trainings(session=session)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no training recorded yet")
        return
    table = Table("trainee", "procedure", "version", "trained at")
    for column in table.columns:
        column.overflow = "fold"
    for row in rows:
        table.add_row(row["trainee"], row["procedure"], str(row["version"]), row["trained_at"])
    console.print(table)


@contracts_app.command("add")
def contracts_add(
    provider: str,
    goods: str = typer.Option(..., "--goods", help="the goods or services the calls are for"),
    signed: str = typer.Option(..., "--signed", help="ISO-8601"),
    effective: str = typer.Option(..., "--effective", help="ISO-8601"),
    expires: str | None = typer.Option(None, "--expires", help="ISO-8601"),
    seller: str | None = typer.Option(None, "--seller"),
    file: Path | None = typer.Option(None, "--file", help="the contract's text"),
) -> None:
    """Records a contract with a service provider that delivers outbound calls."""
    from callkeep.reports import safeharbor

    try:
        document = file.read_text(encoding="utf-8") if file else None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput.for_field("file", f"cannot read {file}: {exc}") from None
    rt = cli_runtime()
    with rt.db.transaction() as session:
        found = safeharbor.add_contract(
            session=session,
            actor=cli_actor(),
            seller=seller,
            provider=provider,
            goods=goods,
            signed_at=parse_instant(signed, field="signed"),
            effective_from=parse_instant(effective, field="effective"),
            expires_at=parse_instant(expires, field="expires") if expires else None,
            document=document,
        )
        console.print(f"contract with {found.provider} recorded ({found.id})")


def register(root: typer.Typer) -> None:
    root.add_typer(report_app, name="report")
    root.add_typer(procedures_app, name="procedures")
    root.add_typer(training_app, name="training")
    root.add_typer(contracts_app, name="contracts")
