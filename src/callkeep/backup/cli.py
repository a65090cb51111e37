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
    """Writes a consistent, hashed and signed backup, and verifies it: exit 1 if it does not."""
    rt = cli_runtime()
    target = out or rt.settings.backup_dir / f"callkeep-{utcnow():%Y%m%dT%H%M%SZ}.zip"
    result = service.create_verified(rt=rt, out=target)
    manifest = result.manifest
    assert manifest is not None
    rows = sum(manifest.tables.values())
    lists = sum(1 for f in manifest.files if f.path.startswith("lists/"))
    console.print(
        f"backup written to {target}: {rows} rows in {len(manifest.tables)} tables, "
        f"{lists} list files, ledger head {manifest.ledger_head_seq}"
    )
    if not result.intact:
        console.print("[red]the backup did not verify[/red]:")
        for problem in result.problems:
            console.print(f"  {problem}")
        raise typer.Exit(1)
    console.print("verified: every hash, the signature, the ledger and its checkpoints")
    console.print(
        "keep a copy of the secret key file and checkpoint.key apart from your backups; "
        "they are not in them"
    )


@backup_app.command("status")
def backup_status(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """The last good backup: when, which file, verified."""
    rt = cli_runtime()
    good = service.last_good_backup(rt.settings)
    if as_json:
        print_json(good.model_dump() if good is not None else None)
        return
    if good is None:
        console.print(
            "no verified backup yet (callkeep backup create, or CALLKEEP_BACKUP_SCHEDULE)"
        )
        return
    console.print(
        f"last good backup {good.created_at}: {good.file} ({good.bytes} bytes, ledger head "
        f"{good.ledger_head_seq}), verified {good.verified_at}"
    )


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
