"""`callkeep token …` and `callkeep users …`."""

from __future__ import annotations

import typer

from callkeep.auth import service
from callkeep.auth.roles import Role
from callkeep.kit.cli import cli_actor, cli_runtime, console

token_app = typer.Typer(help="API tokens for dialers and scripts.", no_args_is_help=True)
users_app = typer.Typer(help="Staff users.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    role: str = typer.Option(Role.DIALER.value, help="admin, compliance, agent, dialer, auditor"),
    name: str = typer.Option("api", help="a name for the client that will use it"),
) -> None:
    """Creates an API token and prints it alone on the last line (it is not shown again)."""
    rt = cli_runtime()
    with rt.db.transaction() as session:
        token, secret = service.create_token(
            session=session, actor=cli_actor(), name=name, role=role
        )
    console.print(f"token {token.id} ({token.role}, {token.name}); keep it secret:")
    print(secret)


@token_app.command("revoke")
def token_revoke(token_id: str, reason: str = typer.Option("", help="why")) -> None:
    """Revokes a token from now on."""
    rt = cli_runtime()
    with rt.db.transaction() as session:
        service.revoke_token(session=session, actor=cli_actor(), token_id=token_id, reason=reason)
    console.print(f"token {token_id} revoked")


@users_app.command("create")
def users_create(
    username: str,
    role: str = typer.Option(Role.AGENT.value, help="admin, compliance, agent, dialer, auditor"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Creates a staff user."""
    rt = cli_runtime()
    with rt.db.transaction() as session:
        service.create_user(
            session=session, actor=cli_actor(), username=username, role=role, password=password
        )
    console.print(f"user {username} created ({role})")


@users_app.command("reset-password")
def users_reset_password(
    username: str,
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Sets a new password for a user."""
    rt = cli_runtime()
    with rt.db.transaction() as session:
        service.reset_password(
            session=session, actor=cli_actor(), username=username, password=password
        )
    console.print(f"password of {username} changed")


def register(root: typer.Typer) -> None:
    root.add_typer(token_app, name="token")
    root.add_typer(users_app, name="users")
