"""`callkeep token …`, `callkeep users …` and `callkeep permissions`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from callkeep.auth import service
from callkeep.auth.roles import Role
from callkeep.errors import InvalidInput
from callkeep.kit.cli import cli_actor, cli_runtime, console

token_app = typer.Typer(help="API tokens for dialers and scripts.", no_args_is_help=True)
users_app = typer.Typer(help="Staff users.", no_args_is_help=True)
ROLES_HELP = ", ".join(r.value for r in Role)
PERSON_ROLES_HELP = ", ".join(r.value for r in Role if r is not Role.DIALER)


@token_app.command("create")
def token_create(
    role: str = typer.Option(Role.DIALER.value, help=ROLES_HELP),
    name: str = typer.Option("api", help="a name for the client that will use it"),
    seller: str | None = typer.Option(
        None, help="hold the token to this seller (slug or id): it checks, records, reads for it"
    ),
) -> None:
    """Creates an API token and prints it alone on the last line (it is not shown again)."""
    rt = cli_runtime()
    with rt.db.transaction() as session:
        token, secret = service.create_token(
            session=session, actor=cli_actor(), name=name, role=role, seller=seller
        )
    held = f", seller {seller.strip().lower()} only" if seller else ""
    console.print(f"token {token.id} ({token.role}, {token.name}{held}); keep it secret:")
    print(secret)


@token_app.command("list")
def token_list() -> None:
    """Every token: id, name, role, seller scope, last use, and whether it is revoked."""
    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        held = service.seller_scopes(session=session)
        for token, revoked, use in service.list_tokens(session=session):
            scope = held[token.id].seller_slug if token.id in held else "all sellers"
            used = use.last_used_at.strftime("%Y-%m-%d %H:%M") if use else "never used"
            state = "\trevoked" if revoked else ""
            console.print(f"{token.id}\t{token.name}\t{token.role}\t{scope}\t{used}{state}")


@token_app.command("revoke")
def token_revoke(token_id: str, reason: str = typer.Option("", help="why")) -> None:
    """Revokes a token from now on."""
    rt = cli_runtime()
    with rt.db.transaction() as session:
        service.revoke_token(session=session, actor=cli_actor(), token_id=token_id, reason=reason)
    console.print(f"token {token_id} revoked")


def _password(given: str | None, from_stdin: bool) -> str:
    """The password: from `--password`, one line of stdin, or asked for twice (hidden)."""
    if given is not None and from_stdin:
        raise InvalidInput.for_field("password", "give --password or --password-stdin, not both")
    if given is not None:
        return given
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InvalidInput.for_field("password", "stdin held no password")
        return line
    entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


@users_app.command("create")
def users_create(
    username: str,
    role: str = typer.Option(Role.AGENT.value, help=PERSON_ROLES_HELP),
    password: str | None = typer.Option(
        None, help="the password (visible to other users of this machine; prefer the prompt)"
    ),
    password_stdin: bool = typer.Option(False, help="read the password from stdin's first line"),
) -> None:
    """Creates a staff user who signs in to the staff app (the password is prompted for)."""
    secret = _password(password, password_stdin)
    rt = cli_runtime()
    with rt.db.transaction() as session:
        service.create_user(
            session=session, actor=cli_actor(), username=username, role=role, password=secret
        )
    console.print(f"user {username} created ({role})")


@users_app.command("reset-password")
def users_reset_password(
    username: str,
    password: str | None = typer.Option(None, help="the new password (prefer the prompt)"),
    password_stdin: bool = typer.Option(False, help="read the password from stdin's first line"),
) -> None:
    """Sets a new password for a user; their open sessions end."""
    secret = _password(password, password_stdin)
    rt = cli_runtime()
    with rt.db.transaction() as session:
        service.reset_password(
            session=session, actor=cli_actor(), username=username, password=secret
        )
    console.print(f"password of {username} changed")


@users_app.command("remove")
def users_remove(username: str, reason: str = typer.Option("", help="why")) -> None:
    """Ends a user's access: sessions end, their tokens are refused."""
    rt = cli_runtime()
    with rt.db.transaction() as session:
        service.remove_user(session=session, actor=cli_actor(), username=username, reason=reason)
    console.print(f"user {username} removed")


@users_app.command("assign")
def users_assign(
    username: str,
    seller: str = typer.Option(..., help="the seller (slug or id) the supervisor may see"),
    campaign: str | None = typer.Option(None, help="only this campaign of the seller"),
) -> None:
    """Lets a supervisor see one seller's (or one campaign's) records."""
    from callkeep.records import service as records

    rt = cli_runtime()
    with rt.db.transaction() as session:
        seller_id = str(records.seller_view(session=session, ref=seller)["id"])
        campaign_id = (
            records.campaign_row(session=session, ref=campaign, seller_id=seller_id).id
            if campaign
            else None
        )
        service.assign_scope(
            session=session,
            actor=cli_actor(),
            username=username,
            seller_id=seller_id,
            campaign_id=campaign_id,
        )
    console.print(f"{username} may see {seller}" + (f" / {campaign}" if campaign else ""))


@users_app.command("list")
def users_list() -> None:
    """Every user, their role and whether they were removed."""
    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        for user, removed in service.list_users(session=session):
            console.print(f"{user.username}\t{user.role}" + ("\tremoved" if removed else ""))


def permissions(
    out: Path | None = typer.Option(None, help="write the Markdown page here"),
) -> None:
    """Prints who may use each route of the API and the staff app (docs/permissions.md)."""
    from callkeep.app import create_app
    from callkeep.auth import permissions as matrix

    text = matrix.markdown(create_app(runtime=cli_runtime()))
    if out is None:
        print(text, end="")
    else:
        out.write_text(text)
        console.print(f"wrote {out}")


def register(root: typer.Typer) -> None:
    root.add_typer(token_app, name="token")
    root.add_typer(token_app, name="tokens", hidden=True)  # the plural is understood too
    root.add_typer(users_app, name="users")
    root.command("permissions")(permissions)
