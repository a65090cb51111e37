"""`callkeep backup create / verify / restore`."""

from __future__ import annotations

from pathlib import Path

import typer

from callkeep.backup import service
from callkeep.kit.cli import cli_runtime, console, print_json
from callkeep.kit.clock import utcnow

backup_app = typer.Typer(
    help="Backups of the database and the list snapshots.", no_args_is_help=True
)


@backup_app.command("create")
def backup_create(
    out: Path | None = typer.Option(
        None, "--out", help="the zip to write (default: data/backups/)"
    ),
) -> None:
    """Writes a consistent, hashed and signed backup."""
    rt = cli_runtime()
    target = out or rt.settings.backup_dir / f"callkeep-{utcnow():%Y%m%dT%H%M%SZ}.zip"
    manifest = service.create(rt=rt, out=target)
    rows = sum(manifest.tables.values())
    console.print(
        f"backup written to {target}: {rows} rows in {len(manifest.tables)} tables, "
        f"{len(manifest.files) - len(manifest.tables)} list files, ledger head {manifest.ledger_head_seq}"
    )
    console.print("keep a copy of the secret key file apart from your backups; it is not in them")


@backup_app.command("verify")
def backup_verify(
    file: Path, as_json: bool = typer.Option(False, "--json", help="print JSON")
) -> None:
    """Recomputes every hash, the signature and the ledger of a backup: exit 0 intact, 1 not."""
    rt = cli_runtime()
    result = service.check(path=file, keys=rt.keys)
    if as_json:
        print_json(result.model_dump())
    elif result.intact:
        console.print(f"[green]intact[/green]: {file}")
    else:
        console.print(f"[red]NOT intact[/red]: {file}")
        for problem in result.problems:
            console.print(f"  {problem}")
    raise typer.Exit(0 if result.intact else 1)


@backup_app.command("restore")
def backup_restore(file: Path) -> None:
    """Restores a verified backup into an empty database (CALLKEEP_DATABASE_URL).

    The key is checked against the backup first: nothing is created when it does not match."""
    from callkeep.config import get_settings
    from callkeep.domains import load_models
    from callkeep.kit.runtime import build_runtime

    settings = get_settings()
    service.check_restore_key(path=file, key_file=settings.key_file)
    load_models()
    rt = build_runtime(settings)  # no default seller yet: the backup brings its own records
    manifest = service.restore(rt=rt, path=file)
    console.print(
        f"restored {sum(manifest.tables.values())} rows; ledger head {manifest.ledger_head_seq}. "
        "Run 'callkeep audit verify' to re-check."
    )


def register(root: typer.Typer) -> None:
    root.add_typer(backup_app, name="backup")
