"""The records' commands on a real database: sellers, contacts, calls, consents, timelines."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from callkeep.cli import app, main
from callkeep.kit.runtime import Runtime
from callkeep.records import cli as records_cli
from callkeep.records.parties import cli as parties_cli

if TYPE_CHECKING:
    from tests.records.conftest import World

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_on_test_database(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records_cli, "cli_runtime", lambda: rt)
    monkeypatch.setattr(parties_cli, "cli_runtime", lambda: rt)


def _exit_code(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.argv", ["callkeep", *args])
    with pytest.raises(SystemExit) as raised:
        main()
    return int(raised.value.code or 0)


def test_sellers_are_added_and_listed_with_the_default_marked() -> None:
    added = runner.invoke(app, ["sellers", "add", "Maine Solar", "--slug", "maine-solar"])
    assert added.exit_code == 0, added.output
    runner.invoke(app, ["sellers", "add", "Birch", "--slug", "birch", "--default"])
    listed = runner.invoke(app, ["sellers", "list"])
    assert "maine-solar" in listed.output and "birch" in listed.output
    assert next(line for line in listed.output.splitlines() if "(default)" in line).startswith(
        "birch"
    )


def test_bad_input_exits_2_naming_the_field(monkeypatch: pytest.MonkeyPatch, world: World) -> None:
    assert _exit_code(monkeypatch, "sellers", "add", "X", "--slug", "Not A Slug") == 2
    assert (
        _exit_code(monkeypatch, "campaigns", "add", "c", "--subject", "s", "--seller", "nobody")
        == 2
    )
    assert _exit_code(monkeypatch, "calls", "log", "{}") == 2
    assert _exit_code(monkeypatch, "calls", "log", "not json") == 2
    assert _exit_code(monkeypatch, "contacts", "search", "--phone", "12") == 2


def test_a_call_is_logged_shown_amended_and_listed(world: World, call_body: Any) -> None:
    logged = runner.invoke(
        app, ["calls", "log", json.dumps(call_body()), "--idempotency-key", "k1"]
    )
    assert logged.exit_code == 0, logged.output
    call_id = logged.output.split()[1]
    again = runner.invoke(app, ["calls", "log", json.dumps(call_body()), "--idempotency-key", "k1"])
    assert call_id in again.output and "already recorded" in again.output
    amended = runner.invoke(
        app, ["calls", "amend", call_id, "--change", "disposition=busy", "--reason", "misclicked"]
    )
    assert amended.exit_code == 0, amended.output
    shown = json.loads(runner.invoke(app, ["calls", "show", call_id]).output)
    assert shown["disposition"] == "busy" and shown["amendments"][0]["reason"] == "misclicked"
    listed = runner.invoke(app, ["calls", "list", "--phone", "2077841234"])
    assert call_id in listed.output and "1 of 1" in listed.output


def test_contacts_consents_and_the_timeline(world: World) -> None:
    found = json.loads(
        runner.invoke(app, ["contacts", "search", "--name", "jane", "--json"]).output
    )
    assert [c["id"] for c in found] == [world.jane.id]
    consent = runner.invoke(
        app,
        [
            "consents",
            "add",
            "2077841234",
            "--name",
            "Jane",
            "--purpose",
            "heat pumps",
            "--request-text",
            "May we call?",
            "--consent-text",
            "Yes",
            "--given",
            "2026-07-04T13:00:00Z",
            "--signature",
            "Jane Q. Doe",
        ],
    )
    assert consent.exit_code == 0, consent.output
    revoked = runner.invoke(app, ["consents", "revoke", "2077841234", "--channel", "text"])
    assert "1 consent(s) revoked" in revoked.output
    timeline = json.loads(
        runner.invoke(app, ["contacts", "timeline", world.jane.id, "--json"]).output
    )
    assert [i["kind"] for i in timeline] == ["consent", "consent_revocation"]
    by_phone = runner.invoke(app, ["contacts", "timeline", "207-784-5678"])
    assert by_phone.exit_code == 0 and "consent" in by_phone.output


def test_a_contact_is_amended_from_the_command_line(world: World) -> None:
    amended = runner.invoke(
        app, ["contacts", "amend", world.jane.id, "--change", "state=NH", "--reason", "moved"]
    )
    assert amended.exit_code == 0, amended.output
    found = json.loads(
        runner.invoke(app, ["contacts", "search", "--name", "jane", "--json"]).output
    )
    assert found[0]["state"] == "NH"
