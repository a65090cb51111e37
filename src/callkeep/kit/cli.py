"""The command line's plumbing: the runtime, consoles and the acting user.

Light to import: the database, the keys and the settings are loaded on first use, so a command
that needs none of them (or `--help`) starts quickly.
"""

from __future__ import annotations

import getpass
import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from rich.table import Table

    from callkeep.kit.runtime import Runtime

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


_tables_of: tuple[str, ...] = ()  # the domains this command's tables belong to; () is every one


def uses_tables_of(*domains: str) -> None:
    """Declares, before `cli_runtime`, that this command reads and writes only the tables of
    `domains`, so that only their models are loaded. Commands that read every table (audit
    verify, backups, key rotation) declare nothing."""
    global _tables_of
    _tables_of = domains


@lru_cache(maxsize=1)
def cli_runtime() -> Runtime:
    """The runtime for this command, built on first use from the environment: the database
    migrated if it is behind, and the default seller recorded if it is not yet. The models
    loaded are every domain's, or those `uses_tables_of` named.

    The garbage collector is paused meanwhile, as while the command's code was imported: loading
    the models and preparing the first statements allocate much and free next to nothing."""
    from callkeep.kit.command_index import pause_collection, resume_collection

    pause_collection()
    try:
        from callkeep import migrations
        from callkeep.bootstrap import ensure_default_seller
        from callkeep.config import get_settings
        from callkeep.domains import load_models
        from callkeep.kit.runtime import build_runtime

        load_models(*_tables_of)
        runtime = build_runtime(get_settings())
        migrations.ensure_current(runtime.settings.database_url)
        ensure_default_seller(runtime)
    finally:
        resume_collection()
    return runtime


def wrapping_table(*headers: str, title: str | None = None) -> Table:
    """A table whose cells wrap, long words too, so it fits the terminal (80 columns when
    printed to a file) and never cuts a value short."""
    from rich.table import Column, Table  # (and fractions, decimal): only for a table printed

    return Table(*(Column(h, overflow="fold") for h in headers), title=title)


def cli_actor() -> str:
    """The ledger's name for whoever runs this command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def print_json(value: Any) -> None:
    """Writes `value` as JSON on stdout, nothing else."""
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))
