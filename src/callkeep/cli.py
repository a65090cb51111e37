"""`callkeep`: the command line. Each domain adds its commands through `register`."""

from __future__ import annotations

import sys

import click
import typer
from typer._click import exceptions as typer_click

from callkeep.domains import domain_modules
from callkeep.errors import CallkeepError
from callkeep.kit.cli import cli_runtime, console, err_console

app = typer.Typer(
    name="callkeep",
    help="Call records and Do-Not-Call compliance that prove themselves. Not legal advice.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
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

    rt = cli_runtime()
    migrations.upgrade(rt.settings.database_url)
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
    from callkeep.bootstrap import prepare

    rt = cli_runtime()
    login = prepare(rt, demo=demo)

    def announce() -> None:
        console.print(f"callkeep is serving on [bold]http://{host}:{port}/[/bold]")
        console.print(f"  API docs: http://{host}:{port}/docs")
        for line in login:
            console.print(f"  {line}")

    if workers == 1:
        config = uvicorn.Config(create_app(runtime=rt), host=host, port=port, log_level="warning")
        listening = config.bind_socket()  # a port in use ends here, before any claim to serve
        listening.listen(config.backlog)
        announce()  # requests from now on wait in the socket's queue, none is refused
        uvicorn.Server(config).run(sockets=[listening])
        return
    announce()
    # Each worker process builds its own app from the same settings (the environment).
    rt.db.dispose()
    uvicorn.run(
        "callkeep.app:create_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
    )


for _module in domain_modules("cli"):
    _module.register(app)


def main() -> None:
    """Runs the CLI, turning every `CallkeepError` into a message and its exit code."""
    try:
        result = app(standalone_mode=False)
    except CallkeepError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        for problem in exc.fields:
            err_console.print(f"  {problem.field}: {problem.message}")
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except typer_click.ClickException as exc:  # typer's own click raises its own usage errors
        exc.show()
        sys.exit(exc.exit_code)
    sys.exit(result if isinstance(result, int) else 0)
