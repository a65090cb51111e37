"""`callkeep`: the command line. Each domain adds its commands through `register`.

The installed command (`main`) imports a domain only when one of its commands is run (see
`callkeep.kit.commands`); `app` itself gains every domain's commands the first time it is turned
into a command line (e.g. by `typer.testing.CliRunner`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import typer
import typer.main
from rich.markup import escape
from typer import _click  # the click that typer carries, whose errors it raises
from typer.core import TyperGroup

from callkeep import __version__
from callkeep.errors import CallkeepError
from callkeep.kit.cli import cli_runtime, console, err_console
from callkeep.kit.commands import LazyRoot, load_index


class RootApp(typer.Typer):
    """The root Typer: the domains register into it when it is first read, not at import."""

    _domains = "off"  # off (not yet), pending, loading, done

    def _pull(self) -> None:
        if self.__dict__.get("_domains") == "pending":
            from callkeep.domains import domain_modules

            self._domains = "loading"
            for module in domain_modules("cli"):
                module.register(self)
            self._domains = "done"

    @property
    def registered_commands(self) -> Any:
        self._pull()
        return self.__dict__["_commands"]

    @registered_commands.setter
    def registered_commands(self, value: Any) -> None:
        self.__dict__["_commands"] = value

    @property
    def registered_groups(self) -> Any:
        self._pull()
        return self.__dict__["_groups"]

    @registered_groups.setter
    def registered_groups(self, value: Any) -> None:
        self.__dict__["_groups"] = value

    @contextmanager
    def own_commands_only(self) -> Iterator[bool]:
        """While inside, reading the app does not register the domains; yields whether they
        are still to be registered."""
        before: str = self.__dict__.get("_domains", "off")
        if before == "pending":
            self._domains = "off"
        try:
            yield before == "pending"
        finally:
            self._domains = before


app = RootApp(
    name="callkeep",
    help="Call records and Do-Not-Call compliance that prove themselves. Not legal advice.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=LazyRoot,
    # plain help: rendering it with rich (typer.rich_utils) alone takes longer to import than
    # the budget for `callkeep --help`
    rich_markup_mode=None,
)


def _show_version(value: bool) -> None:
    if value:
        print(f"callkeep {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_show_version, help="print the version"
    ),
) -> None:
    pass


db_app = typer.Typer(help="The SQL database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
keys_app = typer.Typer(help="The key that encrypts personal data at rest.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Adds a new key to the key file and re-encrypts every stored personal value under it."""
    from callkeep.kit import keys

    rt = cli_runtime()
    with rt.db.transaction() as session:
        report = keys.rotate(session=session, key_file=rt.settings.key_file)
    console.print(f"now encrypting with key {report.key_id}; {report.values} values re-encrypted")
    if report.unreadable:
        console.print(f"[red]{report.unreadable} values could not be read[/red]: run audit verify")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Applies every pending migration."""
    from callkeep import migrations
    from callkeep.bootstrap import ensure_default_seller
    from callkeep.config import get_settings
    from callkeep.domains import load_models
    from callkeep.kit.runtime import build_runtime

    load_models()
    rt = build_runtime(get_settings())
    migrations.upgrade(rt.settings.database_url)
    if ensure_default_seller(rt):
        console.print('recorded the default seller, "My business" (slug default)')
    console.print("database is up to date")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port to listen on"),
    demo: bool = typer.Option(False, "--demo", help="seed demo data into an empty database"),
    workers: int = typer.Option(
        1, min=1, max=64, help="server processes (each uses one core; they share the database)"
    ),
) -> None:
    """Runs the web app and the API (migrating the database first)."""
    import uvicorn

    from callkeep.app import create_app
    from callkeep.bootstrap import prepare, reminders
    from callkeep.kit.observability import configure_logging

    rt = cli_runtime()
    login = prepare(rt, demo=demo)
    notes = reminders(rt)

    def announce() -> None:
        console.print(f"callkeep is serving on [bold]http://{host}:{port}/[/bold]")
        console.print(f"  API docs: http://{host}:{port}/docs")
        for line in login:
            console.print(f"  {line}")
        for note in notes:
            console.print(f"[yellow]note:[/yellow] {escape(note)}", soft_wrap=True)

    configure_logging()  # every line of the server, its own and uvicorn's, as JSON on stderr
    if workers == 1:
        config = uvicorn.Config(
            create_app(runtime=rt), host=host, port=port, log_level="warning", log_config=None
        )
        listening = config.bind_socket()  # a port in use ends here, before any claim to serve
        listening.listen(config.backlog)
        announce()  # requests from now on wait in the socket's queue, none is refused
        uvicorn.Server(config).run(sockets=[listening])
        return
    announce()
    # Each worker process builds its own app from the same settings (the environment).
    rt.db.dispose()
    uvicorn.run(
        "callkeep.app:create_served_app",
        factory=True,
        log_config=None,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
    )


app._domains = "pending"


def command_line() -> LazyRoot:
    """The root group as the installed command runs it: the domains' commands stand in by name
    and help until one is run (all of them, when `app` has already registered them)."""
    with app.own_commands_only() as lazy:
        group = typer.main.get_group(app)
    assert isinstance(group, LazyRoot)
    if lazy:
        group.add_placeholders(load_index())
    return group


def root_help() -> str:
    """The root help exactly as `callkeep --help` prints it (kept in the command index, from
    which the installed command prints it without importing this module)."""
    group = command_line()
    return group.get_help(_click.Context(group, info_name="callkeep")) + "\n"


def _context_of(args: list[str]) -> _click.Context:
    """The context of the deepest command `args` name, for a usage error raised without one."""
    command: _click.Command = command_line()
    ctx = _click.Context(command, info_name="callkeep")
    for word in args:
        if word.startswith("-") or not isinstance(command, TyperGroup):
            break
        found = command.get_command(ctx, word)
        if found is None:
            break
        command = found
        ctx = _click.Context(command, info_name=word, parent=ctx)
    return ctx


def main() -> None:
    """Runs the CLI, turning every `CallkeepError` into a message and its exit code."""
    try:
        result = command_line().main(args=sys.argv[1:], prog_name="callkeep", standalone_mode=False)
    except CallkeepError as exc:
        # one line each, never wrapped (a path in it stays whole to copy), never read as markup
        err_console.print(f"[red]error:[/red] {escape(exc.message)}", soft_wrap=True)
        for problem in exc.fields:
            line = f"{problem.field}: {problem.message}"
            if line not in exc.message:  # each problem once
                err_console.print(f"  {escape(line)}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except _click.exceptions.ClickException as exc:
        if isinstance(exc, _click.exceptions.UsageError) and exc.ctx is None:
            with suppress(Exception):
                exc.ctx = _context_of(sys.argv[1:])
        exc.show()  # the usage, then one line: what was wrong
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get("CALLKEEP_DEBUG"):
            raise
        err_console.print(
            f"[red]error:[/red] unexpected {type(exc).__name__}: {escape(str(exc))} "
            "(CALLKEEP_DEBUG=1 shows where)",
            soft_wrap=True,
        )
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)
