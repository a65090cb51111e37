"""`callkeep phone explain`: each candidate zone, its local time and where it came from."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from callkeep.cli import app

runner = CliRunner()


def test_explain_names_the_source_of_every_zone_and_ignores_a_bad_zip() -> None:
    result = runner.invoke(
        app,
        [
            "phone", "explain", "(270) 555-0123", "--zip", "37388", "--zip", "00000",
            "--state", "California", "--at", "2026-07-06T13:00:00Z", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    zones = {z["zone"]: z for z in body["zones"]}
    assert set(zones) == {"America/Chicago", "America/New_York", "America/Los_Angeles"}
    assert zones["America/Chicago"]["sources"] == ["area code 270", "ZIP 37388 (TN)"]
    assert zones["America/Chicago"]["time"] == "2026-07-06T08:00:00-05:00"
    assert zones["America/Los_Angeles"]["sources"] == ["state CA"]
    assert body["states"] == ["CA", "TN"]
    assert body["notes"] == ["ZIP 00000 is not a known US ZIP code: ignored for zones"]
    assert "zipcodes" in body["zip_data"] and "timezonefinder" in body["zip_data"]


def test_explain_shows_an_exchange_finer_than_its_area_code() -> None:
    result = runner.invoke(
        app, ["phone", "explain", "+12707810123", "--at", "2026-07-06T13:00:00Z"]
    )
    assert result.exit_code == 0, result.output
    assert "America/Chicago" in result.output and "exchange 270-781" in result.output
    assert "America/New_York" not in result.output


def test_explain_of_an_undialable_number_is_bad_input_without_a_traceback() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "callkeep"), "phone", "explain", "201-211-5555"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "not a dialable phone number" in done.stderr and "Traceback" not in done.stderr
