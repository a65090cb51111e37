"""The command line's plumbing: the runtime, consoles and the acting user."""

from __future__ import annotations

import getpass
import json
from functools import lru_cache
from typing import Any

from rich.console import Console

from callkeep.config import get_settings
from callkeep.domains import load_models
from callkeep.kit.runtime import Runtime, build_runtime

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


@lru_cache(maxsize=1)
def cli_runtime() -> Runtime:
    """The runtime for this command, built on first use from the environment."""
    from callkeep import migrations

    load_models()
    runtime = build_runtime(get_settings())
    migrations.ensure_current(runtime.settings.database_url)
    return runtime


def cli_actor() -> str:
    """The ledger's name for whoever runs this command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def print_json(value: Any) -> None:
    """Writes `value` as JSON on stdout, nothing else."""
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))
