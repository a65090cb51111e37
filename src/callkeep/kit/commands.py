"""The command line's root group, which imports a domain's commands only when one is run.

Each domain adds its commands through its `cli.py`'s `register(app)`. Importing every domain to
answer `callkeep --help` would take seconds (the web stack, migrations, numpy), so the names and
help texts of every domain's commands are kept in a small index beside the installed code,
rebuilt whenever any of callkeep's source files changes. `--help` and "did you mean" read the
index; running a command imports only the domain that owns it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import typer
import typer.main
from typer import _click
from typer.core import TyperCommand, TyperGroup

PACKAGE = Path(__file__).resolve().parent.parent
INDEX_NAME = "commands-index.json"


def domain_groups() -> list[tuple[str, TyperGroup]]:
    """Each domain `cli` module's name and the group its `register(app)` builds."""
    from callkeep.domains import domain_modules

    found = []
    for module in domain_modules("cli"):
        holder = typer.Typer()
        module.register(holder)
        found.append((module.__name__, typer.main.get_group(holder)))
    return found


def _source_key() -> str:
    """Changes whenever a source file of callkeep (or the Python running it) changes."""
    digest = hashlib.sha256(f"{sys.version}|{typer.__version__}|{PACKAGE}".encode())
    stack = [PACKAGE]
    entries = []
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                        stack.append(Path(entry.path))
                    elif entry.name.endswith(".py"):
                        stat = entry.stat()
                        entries.append(f"{entry.path}|{stat.st_mtime_ns}|{stat.st_size}")
        except OSError:
            continue
    digest.update("\n".join(sorted(entries)).encode())
    return digest.hexdigest()


def _index_paths() -> list[Path]:
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return [PACKAGE / "__pycache__" / INDEX_NAME, Path(cache_home) / "callkeep" / INDEX_NAME]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _entry(module: str, command: _click.Command) -> dict[str, Any]:
    return {
        "module": module,
        "help": _text(command.help),
        "short_help": _text(command.short_help),
        "hidden": command.hidden,
        "deprecated": bool(command.deprecated),
        "panel": _text(getattr(command, "rich_help_panel", None)),
    }


def build_index() -> dict[str, dict[str, Any]]:
    """Every domain command's name, owning module and help, in registration order."""
    return {
        name: _entry(module, command)
        for module, group in domain_groups()
        for name, command in group.commands.items()
    }


def load_index() -> dict[str, dict[str, Any]]:
    """The index for the code as it is now: read when current, else rebuilt and kept."""
    key = _source_key()
    paths = _index_paths()
    for path in paths:
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(stored, dict) and stored.get("key") == key:
            commands: dict[str, dict[str, Any]] = stored["commands"]
            return commands
    commands = build_index()
    text = json.dumps({"key": key, "commands": commands})
    for path in paths:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", dir=path.parent, prefix=".commands-", delete=False
            ) as out:
                out.write(text)
            os.replace(out.name, path)
            break
        except OSError:
            continue
    return commands


class Placeholder(TyperCommand):
    """A domain command's name and help, standing in until the command is run."""

    def __init__(self, name: str, entry: dict[str, Any]) -> None:
        super().__init__(
            name,
            help=entry["help"],
            short_help=entry["short_help"],
            hidden=entry["hidden"],
            deprecated=entry["deprecated"],
            rich_help_panel=entry["panel"],
        )
        self.module = str(entry["module"])


class LazyRoot(TyperGroup):
    """The root group: the domains' commands are placeholders until one is resolved."""

    def add_placeholders(self, index: dict[str, dict[str, Any]]) -> None:
        for name, entry in index.items():
            self.commands.setdefault(name, Placeholder(name, entry))

    def load(self, module_name: str) -> None:
        """Replaces the placeholders of one domain's module by its real commands."""
        import importlib

        module = importlib.import_module(module_name)
        holder = typer.Typer()
        module.register(holder)
        for name, command in typer.main.get_group(holder).commands.items():
            self.commands[name] = command

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        command = self.commands.get(cmd_name)
        if isinstance(command, Placeholder) and not getattr(self, "listing", False):
            self.load(command.module)
            command = self.commands.get(cmd_name)
        return command

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """Each command with the first paragraph of its help, wrapped, never cut short."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            text = command.short_help or (command.help or "").split("\n\n", 1)[0]
            rows.append((name, " ".join(text.split())))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False
