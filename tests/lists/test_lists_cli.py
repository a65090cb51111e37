"""`callkeep lists …` on a real database."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callkeep.cli import app, main
from callkeep.kit.runtime import Runtime
from callkeep.lists import cli as lists_cli

runner = CliRunner()
Writer = Callable[[str, "str | bytes"], Path]


@pytest.fixture(autouse=True)
def cli_on_test_database(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lists_cli, "cli_runtime", lambda: rt)


def test_lists_import_prints_a_summary_and_status_shows_the_version(write_file: Writer) -> None:
    path = write_file("207.txt", "phone\n207-555-0134\n911-555-0000\n")
    result = runner.invoke(
        app,
        [
            "lists",
            "import",
            str(path),
            "--list",
            "national",
            "--as-of",
            "2026-11-20",
            "--san",
            "S1",
        ],
    )
    assert result.exit_code == 0, result.output
    shown = " ".join(result.output.split())
    assert "version 2026-11-20" in shown
    assert "207.txt:3:areacodedoesnotexist" in shown.replace(" ", "")
    same_day = ["lists", "import", str(path), "--list", "national", "--as-of", "2026-11-20"]
    again = runner.invoke(app, same_day)
    assert "already imported as version 2026-11-20" in " ".join(again.output.split())
    status = json.loads(runner.invoke(app, ["lists", "status", "--json"]).output)
    assert (status[0]["list"], status[0]["version"], status[0]["size"]) == (
        "national",
        "2026-11-20",
        1,
    )
    assert "national: version 2026-11-20" in runner.invoke(app, ["lists", "status"]).output


def test_the_same_list_obtained_again_today_renews_it(write_file: Writer) -> None:
    path = write_file("207.txt", "207-555-0134\n")
    first = ["lists", "import", str(path), "--list", "national", "--as-of", "2026-11-20"]
    assert runner.invoke(app, first).exit_code == 0
    renewed = runner.invoke(app, ["lists", "import", str(path), "--list", "national"])
    assert renewed.exit_code == 0, renewed.output
    today = datetime.now(UTC).date().isoformat()
    shown = " ".join(renewed.output.split())
    assert f"version {today}" in shown and "renews version 2026-11-20" in shown
    status = json.loads(runner.invoke(app, ["lists", "status", "--json"]).output)
    assert (status[0]["version"], status[0]["as_of"], status[0]["stale"]) == (today, today, False)
    assert status[0]["safe_harbor_days_left"] == 31


def test_lists_entity_add_blocks_an_area_code(sellers: list[str]) -> None:
    result = runner.invoke(
        app, ["lists", "entity-add", "--seller", "acme", "--area-code", "207", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["area_code"] == 207


@pytest.mark.parametrize(
    "arguments",
    [
        ["--list", "national", "--as-of", "20-11-2026"],
        ["--list", "nowhere"],
        ["--list", "national", "--area-codes", "20x"],
    ],
)
def test_lists_import_exits_2_on_bad_input(
    write_file: Writer, monkeypatch: pytest.MonkeyPatch, arguments: list[str]
) -> None:
    path = write_file("207.txt", "2075550134\n")
    monkeypatch.setattr("sys.argv", ["callkeep", "lists", "import", str(path), *arguments])
    with pytest.raises(SystemExit) as raised:
        main()
    assert raised.value.code == 2


def test_lists_import_of_an_empty_file_exits_2(
    write_file: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_file("empty.txt", "")
    monkeypatch.setattr(
        "sys.argv", ["callkeep", "lists", "import", str(path), "--list", "national"]
    )
    with pytest.raises(SystemExit) as raised:
        main()
    assert raised.value.code == 2
