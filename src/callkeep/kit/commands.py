"""The command line's root group, which imports a domain's commands only when one is run.

Each domain adds its commands through its `cli.py`'s `register(app)`. Importing every domain to
answer `callkeep --help` would take seconds (the web stack, migrations, numpy), so the names and
help texts of every domain's commands are kept in a small index beside the installed code,
rebuilt whenever any of callkeep's source files changes. `--help` and "did you mean" read the
index; running a command imports only the domain that owns it.
"""

from __future__ import annotations

from typing import Any

import typer
import typer.main
from typer import _click
from typer.core import TyperCommand, TyperGroup

from callkeep.kit.command_index import read_index, resume_collection, source_key, write_index


def domain_groups() -> list[tuple[str, TyperGroup]]:
    """Each domain `cli` module's name and the group its `register(app)` builds."""
    from callkeep.domains import domain_modules

    found = []
    for module in domain_modules("cli"):
        holder = typer.Typer()
        module.register(holder)
        found.append((module.__name__, typer.main.get_group(holder)))
    return found


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
    key = source_key()
    stored = read_index(key)
    if stored is not None:
        commands: dict[str, dict[str, Any]] = stored["commands"]
        return commands
    commands = build_index()
    write_index({"key": key, "commands": commands})
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

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        finally:
            resume_collection()  # the command's code is loaded: start-up is over

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
