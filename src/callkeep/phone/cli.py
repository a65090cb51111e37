"""`callkeep phone explain`: every candidate zone of a number and where each came from."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import typer

from callkeep.kit.cli import console, print_json
from callkeep.kit.clock import iso, parse_instant, utcnow
from callkeep.phone.geo import explain as explain_zones
from callkeep.phone.geo import zip_sources
from callkeep.phone.parse import normalize

phone_app = typer.Typer(help="Phone numbers: where a number may ring.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Adds `callkeep phone ...` to the command line."""
    root.add_typer(phone_app, name="phone")


@phone_app.command("explain")
def explain(
    phone: str = typer.Argument(..., help="the number, as typed"),
    zip_codes: list[str] = typer.Option(
        [], "--zip", help="a known ZIP of the contact (repeatable)"
    ),
    states: list[str] = typer.Option(
        [], "--state", help="a known state of the contact, code or name (repeatable)"
    ),
    at: str | None = typer.Option(None, help="the moment, ISO-8601 with a zone; default now"),
    as_json: bool = typer.Option(False, "--json", help="print the explanation as JSON"),
) -> None:
    """Prints each candidate time zone of PHONE (and of the contact's ZIPs and states), its local
    time, and where it came from. A check requires every one of them to be inside the window."""
    moment = utcnow() if at is None else parse_instant(at, field="at")
    e164 = normalize(phone)
    found = explain_zones(e164, states=states, zips=zip_codes)
    zones = [
        {
            "zone": z.zone,
            "time": moment.astimezone(ZoneInfo(z.zone)).isoformat(timespec="seconds"),
            "sources": list(z.sources),
        }
        for z in found.zones
    ]
    if as_json:
        print_json(
            {
                "phone": found.phone,
                "at": iso(moment),
                "states": list(found.states),
                "zones": zones,
                "notes": list(found.notes),
                "zip_data": zip_sources(),
            }
        )
        return
    console.print(f"{found.phone}  at {iso(moment)}", soft_wrap=True)
    if found.states:
        console.print(f"  states: {', '.join(found.states)}", soft_wrap=True)
    for item in zones:
        console.print(
            f"  {item['zone']:<32} local {item['time']}  from {'; '.join(item['sources'])}",
            soft_wrap=True,
        )
    for note in found.notes:
        console.print(f"  [yellow]note:[/yellow] {note}", soft_wrap=True)
