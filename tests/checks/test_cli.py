"""`callkeep check` and `callkeep scrub`: exit codes 0 / 1 / 2, JSON, explanations, summaries."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from pathlib import Path

import pytest

from callkeep import cli as root_cli
from callkeep.checks import cli as checks_cli
from callkeep.kit.runtime import Runtime
from tests.checks.conftest import ME_NUMBER, World

FRESH = date(2026, 7, 1)
AT = "2026-07-06T13:00:00Z"


@pytest.fixture(autouse=True)
def cli_on_test_database(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks_cli, "cli_runtime", lambda: rt)


def run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """Runs `callkeep ARGS` as the installed command does; returns its exit code."""
    monkeypatch.setattr(sys, "argv", ["callkeep", *args])
    with pytest.raises(SystemExit) as done:
        root_cli.main()
    return int(done.value.code or 0)


def test_check_exits_0_when_allowed_and_1_when_blocked(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    assert run(["check", "207-555-0199", "--at", AT], monkeypatch) == 0
    assert "ALLOWED" in capsys.readouterr().out
    assert run(["check", ME_NUMBER, "--at", AT, "--json"], monkeypatch) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["allowed"] is False and body["reasons"][0]["code"] == "national_dnc"
    assert body["at"] == AT and body["states"] == ["ME"]


def test_check_explains_a_block_in_words(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    assert run(["check", ME_NUMBER, "--at", "2026-07-06T02:00:00Z"], monkeypatch) == 1
    out = capsys.readouterr().out
    assert "BLOCKED" in out and "national_dnc" in out and "calling_hours" in out
    assert "America/New_York" in out


def test_an_unusable_number_is_blocked_with_exit_1(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["check", "hello", "--json"], monkeypatch) == 1
    assert json.loads(capsys.readouterr().out)["reasons"][0]["code"] == "invalid_number"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--at", "2026-07-06T09:00:00"], "at"),
        (["--seller", "nobody"], "seller"),
        (["--campaign", "nothing"], "campaign"),
    ],
)
def test_bad_usage_exits_2_naming_the_field(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    field: str,
) -> None:
    assert run(["check", ME_NUMBER, *args], monkeypatch) == 2
    assert f"{field}:" in capsys.readouterr().err


def test_scrub_writes_the_file_and_a_summary(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    source = tmp_path / "leads.csv"
    source.write_text("name,telephone\nAnn,207-555-0123\nBob,207-555-0199\nCy,x\n")
    out = tmp_path / "out.csv"
    assert run(["scrub", str(source), "--out", str(out), "--at", AT], monkeypatch) == 0
    rows = list(csv.reader(out.open()))
    assert rows[0][-3:] == ["callkeep_phone", "callkeep_status", "callkeep_reasons"]
    assert [r[-2] for r in rows[1:]] == ["blocked", "allowed", "invalid"]
    said = capsys.readouterr().out
    assert "1 allowed" in said and "1 blocked" in said and "1 invalid" in said
    assert "national_dnc" in said


def test_scrub_without_a_phone_column_exits_2_naming_the_columns(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    source = tmp_path / "leads.csv"
    source.write_text("name,city\nAnn,Auburn\n")
    assert run(["scrub", str(source), "--out", str(tmp_path / "o.csv")], monkeypatch) == 2
    err = capsys.readouterr().err
    assert "'name'" in err and "'city'" in err


def test_scrub_of_a_missing_file_exits_2(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    args = ["scrub", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o.csv")]
    assert run(args, monkeypatch) == 2
