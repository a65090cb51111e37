"""What the installed `callkeep` imports to start: `--help` and `--version` nothing beyond the
command index, `check` none of the web stack, Alembic, the domains a decision does not read, nor
the libraries only some of its paths need.

The modules are read from `sys.modules` as the process ends, the entry point run as installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CALLKEEP = Path(sys.executable).parent / "callkeep"

# Runs the installed entry-point script and, as the process ends, writes its modules to a file.
RUN_AND_LIST = """
import atexit, json, runpy, sys
out, script, *args = sys.argv[1:]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
sys.argv = [script, *args]
runpy.run_path(script, run_name="__main__")
"""

HEAVY_FOR_HELP = ("typer", "click", "rich", "sqlalchemy", "numpy", "pydantic", "callkeep.cli")
HEAVY_FOR_CHECK = (
    "alembic",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "httpx",
    "openpyxl",
    "callkeep.app",
    "callkeep.web",
    "callkeep.auth",
    "callkeep.reports",
    "callkeep.requests",
    "callkeep.dialer",
    "callkeep.backup",
    "callkeep.checks.scrub",
    # the records a decision does not read, behind the records' lazy front door
    "callkeep.records.calls.service",
    "callkeep.records.call_pages",
    "callkeep.records.trends",
    "callkeep.records.demo",
    "callkeep.records.timeline",
    "callkeep.records.rollups",
    "pydantic_settings",
    # the records' API schemas and what only writes or lists parties reads
    "callkeep.records.schemas",
    "callkeep.records.parties.schemas",
    "callkeep.records.parties.sellers",
    "callkeep.records.parties.people",
    "callkeep.records.consents",
    # the ledger's verification and checkpoints (Ed25519 keys, their schemas)
    "callkeep.ledger.checkpoints",
    "callkeep.ledger.verification",
    "callkeep.ledger.notes",
    "callkeep.ledger.schemas",
    # libphonenumber is only for what the NANP rule cannot read; AES only for a value encrypted
    # or decrypted
    "phonenumbers",
    "cryptography",
)
# rich's tables (and what they import) are only for a table printed: not for an allowed check
HEAVY_FOR_ALLOWED_CHECK = (*HEAVY_FOR_CHECK, "rich.table")


def modules_of(
    args: list[str], data_dir: Path
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    env = {**os.environ, "CALLKEEP_DATA_DIR": str(data_dir), "COLUMNS": "80"}
    env.pop("CALLKEEP_DATABASE_URL", None)
    listing = data_dir / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST, str(listing), str(CALLKEEP), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done, set(json.loads(listing.read_text()))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_help_and_version_import_nothing_beyond_the_command_index(tmp_path: Path) -> None:
    modules_of(["--help"], tmp_path)  # the first --help after a change renders and keeps it
    done, modules = modules_of(["--help"], tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "check" in done.stdout and "scrub" in done.stdout
    assert loaded(modules, HEAVY_FOR_HELP) == []
    done, modules = modules_of(["--version"], tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("callkeep ")
    assert loaded(modules, HEAVY_FOR_HELP) == []


def test_help_from_the_index_is_the_help_typer_prints(tmp_path: Path) -> None:
    from callkeep.cli import root_help

    fast, _ = modules_of(["--help"], tmp_path)
    env = {**os.environ, "CALLKEEP_DATA_DIR": str(tmp_path), "COLUMNS": "80"}
    typer_help = subprocess.run(
        [sys.executable, "-m", "callkeep", "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert fast.stdout == typer_help.stdout
    assert "Commands:" in root_help()


def test_check_imports_no_web_stack_alembic_or_unread_domain(tmp_path: Path) -> None:
    done, _ = modules_of(["db", "upgrade"], tmp_path)
    assert done.returncode == 0, done.stderr
    done, modules = modules_of(["check", "207-555-0123", "--at", "2026-12-02T15:00:00Z"], tmp_path)
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    assert "+12075550123" in done.stdout
    assert loaded(modules, HEAVY_FOR_CHECK) == []


def test_an_allowed_check_imports_no_table_printer(tmp_path: Path) -> None:
    national = tmp_path / "national.txt"
    national.write_text("2075550199\n")
    imported = ["lists", "import", str(national), "--list", "national", "--san", "SAN123"]
    done, _ = modules_of([*imported, "--area-codes", "207"], tmp_path)
    assert done.returncode == 0, done.stderr
    done, modules = modules_of(["check", "207-555-0123", "--at", "2026-12-02T15:00:00Z"], tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stdout.startswith("ALLOWED  +12075550123")
    assert loaded(modules, HEAVY_FOR_ALLOWED_CHECK) == []
