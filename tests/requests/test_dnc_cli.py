"""`callkeep dnc …` on a real database."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callkeep.cli import app
from callkeep.kit.runtime import Runtime
from callkeep.requests import cli as requests_cli

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_on_test_database(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(requests_cli, "cli_runtime", lambda: rt)


def test_dnc_add_records_a_request_and_a_repeat_adds_nothing() -> None:
    first = runner.invoke(app, ["dnc", "add", "207-555-0123", "--name", "Ann", "--json"])
    assert first.exit_code == 0, first.output
    made = json.loads(first.output)
    assert made["phone"] == "+12075550123" and made["channel"] == "phone" and made["name"] == "Ann"
    again = runner.invoke(app, ["dnc", "add", "2075550123", "--source", "agent"])
    assert again.exit_code == 0
    assert "already recorded" in again.output and made["confirmation_code"] in again.output


def test_dnc_add_with_the_telemarketer_call_and_purpose() -> None:
    result = runner.invoke(
        app,
        [
            "dnc",
            "add",
            "2075550188",
            "--telemarketer",
            "Alice",
            "--call",
            "c-9",
            "--purpose",
            "heating oil",
            "--source",
            "agent",
            "--json",
        ],
    )
    made = json.loads(result.output)
    assert (made["telemarketer_name"], made["call_id"], made["purpose"]) == (
        "Alice",
        "c-9",
        "heating oil",
    )


def test_dnc_add_refuses_a_bad_number_with_exit_code_2(monkeypatch: pytest.MonkeyPatch) -> None:
    from callkeep.cli import main

    monkeypatch.setattr("sys.argv", ["callkeep", "dnc", "add", "12"])
    with pytest.raises(SystemExit) as raised:
        main()
    assert raised.value.code == 2


def test_dnc_list_and_show() -> None:
    made = json.loads(runner.invoke(app, ["dnc", "add", "2075550123", "--json"]).output)
    listed = runner.invoke(app, ["dnc", "list"])
    assert made["confirmation_code"] in listed.output and "1 of 1 requests" in listed.output
    as_json = json.loads(runner.invoke(app, ["dnc", "list", "--json", "--channel", "phone"]).output)
    assert as_json["total"] == 1
    shown = runner.invoke(app, ["dnc", "show", made["confirmation_code"]])
    assert shown.exit_code == 0 and "+12075550123" in shown.output


def test_email_import_review_and_resolve(tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "ann@example.com", "please remove me"
    msg.set_content("no number here")
    (tmp_path / "a.eml").write_bytes(bytes(msg))
    imported = runner.invoke(app, ["dnc", "import-email", str(tmp_path / "a.eml")])
    assert "1 queued for review" in imported.output
    items = json.loads(runner.invoke(app, ["dnc", "review", "--json"]).output)
    resolved = runner.invoke(
        app, ["dnc", "review-resolve", items[0]["id"], "--phone", "2075550177"]
    )
    assert resolved.exit_code == 0 and "request" in resolved.output
    assert json.loads(runner.invoke(app, ["dnc", "review", "--json"]).output) == []


def test_webhook_secret_prints_the_same_secret_until_rotated() -> None:
    first = runner.invoke(app, ["dnc", "webhook-secret", "sms"]).output.strip().splitlines()[-1]
    second = runner.invoke(app, ["dnc", "webhook-secret", "sms"]).output.strip().splitlines()[-1]
    rotated = (
        runner.invoke(app, ["dnc", "webhook-secret", "sms", "--rotate"])
        .output.strip()
        .splitlines()[-1]
    )
    assert first == second != rotated


def test_the_dnc_commands_are_listed_in_help() -> None:
    shown = runner.invoke(app, ["dnc", "--help"]).output
    for command in (
        "add",
        "list",
        "show",
        "import-email",
        "review",
        "review-resolve",
        "webhook-secret",
    ):
        assert command in shown
    assert "dnc" in runner.invoke(app, ["--help"]).output
