"""`callkeep dnc dialer-webhook …`: the dialers told of each new request, and every attempt."""

from __future__ import annotations

import sys
from typing import Literal
from urllib.parse import urlsplit

import httpx
import typer

from callkeep.errors import InvalidInput
from callkeep.kit.cli import cli_actor, cli_runtime, console, print_json
from callkeep.kit.clock import iso
from callkeep.requests import dialer_vicidial, dialer_webhooks
from callkeep.requests.dialer_vicidial import VicidialLogin

Kind = Literal["callkeep", "vicidial"]

dialer_webhook_app = typer.Typer(
    help="Webhooks that post each new request to the dialer, signed, retried, recorded.",
    no_args_is_help=True,
)


def register(dnc_app: typer.Typer) -> None:
    """Adds `callkeep dnc dialer-webhook` under `callkeep dnc`."""
    dnc_app.add_typer(dialer_webhook_app, name="dialer-webhook")


def _shown_url(url: str) -> str:
    """The URL without what may be a credential (user info, query)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"


@dialer_webhook_app.command("add")
def dialer_webhook_add(
    url: str = typer.Argument(
        help="where the dialer (or its receiver) takes the posts; for --kind vicidial, "
        "VICIdial's http(s)://SERVER/vicidial/non_agent_api.php"
    ),
    seller: str | None = typer.Option(None, help="only this seller's requests (default: all)"),
    kind: Kind = typer.Option(
        "callkeep", help="callkeep: signed JSON; vicidial: VICIdial's add_dnc_phone API"
    ),
    api_user: str | None = typer.Option(
        None, help="vicidial: the API user (user level 8 or more, 'modify lists' on)"
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="vicidial: read the API user's password from stdin"
    ),
    campaign_id: str = typer.Option(
        dialer_vicidial.SYSTEM_INTERNAL,
        help="vicidial: the campaign whose DNC list takes the numbers, or SYSTEM_INTERNAL",
    ),
    source: str = typer.Option(
        dialer_vicidial.DEFAULT_SOURCE, help="vicidial: the `source` VICIdial logs"
    ),
) -> None:
    """Registers a dialer webhook; prints its signing secret alone on the last line (a
    VICIdial one prints no secret: its password is stored encrypted, never shown again)."""
    login = _vicidial_login(kind, api_user, password_stdin, campaign_id, source)
    rt = cli_runtime()
    with rt.db.transaction() as session:
        hook, secret = dialer_webhooks.add_webhook(
            session=session, actor=cli_actor(), url=url, seller=seller, vicidial=login
        )
    console.print(f"dialer webhook {hook.id} for {hook.seller_slug or 'every seller'}")
    if login is not None:
        console.print(
            f"each number is added to VICIdial's {login.campaign_id} DNC list "
            f"as API user {login.api_user} (function=add_dnc_phone)"
        )
        return
    console.print("each post is signed: X-Callkeep-Signature: sha256=HMAC-SHA256 hex of the body")
    print(secret)


def _vicidial_login(
    kind: Kind, api_user: str | None, password_stdin: bool, campaign_id: str, source: str
) -> VicidialLogin | None:
    if kind == "callkeep":
        if api_user or password_stdin:
            raise InvalidInput.for_field("kind", "--api-user and the password need --kind vicidial")
        return None
    if not api_user:
        raise InvalidInput.for_field("api_user", "--kind vicidial needs --api-user")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("VICIdial API password", hide_input=True)
    return VicidialLogin(api_user, password, campaign_id, source)


@dialer_webhook_app.command("list")
def dialer_webhook_list() -> None:
    """The dialer webhooks in use."""
    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        hooks = dialer_webhooks.active_webhooks(session=session)
        for hook in hooks:
            console.print(
                f"{hook.id}  {_shown_url(hook.url)}  {hook.seller_slug or 'every seller'}  "
                f"since {iso(hook.recorded_at)}",
                soft_wrap=True,
            )
    console.print(f"{len(hooks)} dialer webhooks")


@dialer_webhook_app.command("remove")
def dialer_webhook_remove(webhook_id: str) -> None:
    """Stops posting to a dialer webhook."""
    rt = cli_runtime()
    with rt.db.transaction() as session:
        dialer_webhooks.end_webhook(session=session, actor=cli_actor(), webhook_id=webhook_id)
    console.print(f"dialer webhook {webhook_id} ended")


@dialer_webhook_app.command("attempts")
def dialer_webhook_attempts(
    request: str | None = typer.Option(None, help="only this request's attempts"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Every recorded attempt to post a request to a dialer."""
    rt = cli_runtime()
    with rt.db.transaction(read_only=True) as session:
        rows = [
            {
                "webhook_id": a.webhook_id,
                "request_id": a.request_id,
                "attempt": a.attempt,
                "attempted_at": iso(a.attempted_at),
                "status_code": a.status_code,
                "error": a.error,
                "delivered": a.delivered,
            }
            for a in dialer_webhooks.attempts_of(session=session, request_id=request)
        ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        outcome = "delivered" if row["delivered"] else f"failed ({row['error']})"
        console.print(
            f"{row['attempted_at']}  {row['request_id']}  attempt {row['attempt']}  {outcome}",
            soft_wrap=True,
        )


@dialer_webhook_app.command("deliver")
def dialer_webhook_deliver() -> None:
    """Posts what is due now, once (where no server runs to do it as requests come in)."""
    rt = cli_runtime()
    with httpx.Client(timeout=dialer_webhooks.TIMEOUT_SECONDS) as client:
        done = dialer_webhooks.deliver_due(db=rt.db, client=client)
    console.print(f"{done.delivered} delivered, {done.failed} failed")
