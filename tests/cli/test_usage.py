"""The installed `callkeep` as a person types it: every slip gets the usage and one line, exit 2,
never a traceback; `--version`; `--help` lists every domain's commands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from callkeep import __version__
from callkeep.kit.commands import domain_groups

CALLKEEP = Path(sys.executable).parent / "callkeep"


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CALLKEEP_DATA_DIR": str(data_dir), "COLUMNS": "80"}
    env.pop("CALLKEEP_DATABASE_URL", None)
    return subprocess.run(
        [str(CALLKEEP), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


SLIPS = {
    "unknown command": (["chek", "+12075550123"], "No such command 'chek'"),
    "unknown subcommand": (["lists", "imprt"], "No such command 'imprt'"),
    "unknown option": (["check", "+12075550123", "--foo"], "No such option: --foo"),
    "unknown root option": (["--bogus"], "No such option: --bogus"),
    "missing argument": (["check"], "Missing argument"),
    "missing option value": (["check", "+12075550123", "--at"], "requires an argument"),
    "missing required option": (["lists", "import", "x.txt"], "Missing option '--list'"),
    "extra argument": (["contacts", "search", "jane"], "unexpected extra argument"),
}


@pytest.mark.parametrize("slip", sorted(SLIPS))
def test_a_usage_slip_prints_the_usage_and_one_line_and_exits_2(slip: str, tmp_path: Path) -> None:
    args, expected = SLIPS[slip]
    done = run(args, tmp_path)
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert done.returncode == 2, output
    assert "Usage: callkeep" in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and expected in errors[0], done.stderr
    assert not (tmp_path / "callkeep.db").exists()  # a slip touches nothing


def test_a_typo_gets_did_you_mean(tmp_path: Path) -> None:
    done = run(["chek", "+12075550123"], tmp_path)
    assert "Did you mean 'check'?" in done.stderr
    done = run(["backup", "restor", "x.zip"], tmp_path)
    assert done.returncode == 2 and "Did you mean 'restore'?" in done.stderr


def test_version(tmp_path: Path) -> None:
    done = run(["--version"], tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == f"callkeep {__version__}"


def test_help_lists_every_domains_commands(tmp_path: Path) -> None:
    done = run(["--help"], tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    commands = done.stdout.split("Commands:", 1)[1]
    listed = set(re.findall(r"^  ([a-z][a-z-]*)(?:  |$)", commands, re.M))
    expected = {
        name
        for _, group in domain_groups()
        for name, command in group.commands.items()
        if not command.hidden  # an alias such as `tokens` is understood, not listed
    }
    expected |= {"serve", "db", "keys"}
    assert expected <= listed, expected - listed
    assert {"check", "scrub", "dnc", "lists", "audit", "backup", "sellers"} <= listed
    # a domain group's own help comes from the domain itself
    sub = run(["sellers", "--help"], tmp_path)
    assert sub.returncode == 0 and "rename" in sub.stdout and "add" in sub.stdout


def test_a_real_command_runs_after_a_help(tmp_path: Path) -> None:
    assert run(["--help"], tmp_path).returncode == 0
    done = run(["check", "207-555-0123", "--at", "2026-12-02T15:00:00Z", "--json"], tmp_path)
    assert "Traceback" not in done.stderr
    assert done.returncode == 1 and '"registry_missing"' in done.stdout  # no registry yet


def test_an_error_of_a_command_is_one_message_without_traceback(tmp_path: Path) -> None:
    done = run(["check", "207-555-0123", "--at", "2026-12-02T15:00:00"], tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error:")


def test_an_error_naming_brackets_or_a_long_path_prints_them_as_they_are(tmp_path: Path) -> None:
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    done = run(["sellers", "rename", "nobody[bold]x", "Name"], tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "no seller 'nobody[bold]x'" in done.stderr  # not read as markup
    long = "a" * 120
    done = run(["sellers", "rename", long, "Name"], tmp_path)
    assert long in done.stderr  # one line, not wrapped at 80 columns
