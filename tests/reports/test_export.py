"""A production package holds the records asked for, and anyone can prove it unaltered."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import world as world_module
from fastapi.testclient import TestClient

from callkeep.kit.runtime import Runtime
from callkeep.ledger import checkpoints
from callkeep.ledger import service as ledger
from callkeep.records.calls import service as calls
from callkeep.records.parties.schemas import SellerIn
from callkeep.records.schemas import CallIn
from callkeep.reports import service
from callkeep.reports.csvsafe import cell
from callkeep.reports.schemas import ExportFilters


def _call(i: int, called: str, notes: str | None = None) -> dict[str, Any]:
    return {
        "telemarketer_name": "Claire",
        "seller": "energy",
        "campaign": "heat",
        "subject": "heat pumps",
        "consumer_or_business": "consumer",
        "outbound": True,
        "prerecorded": False,
        "calling_number": "+12077840100",
        "called_number": called,
        "started_at": f"2026-07-0{i}T14:00:00Z",
        "duration_seconds": 30 + i,
        "caller_id_number": "+12077840100",
        "caller_id_name": "ANDRO ENERGY",
        "disposition": "answered_person",
        "notes": notes,
    }


def _world(rt: Runtime) -> None:
    with rt.db.transaction() as s:
        make = world_module.Builder(world_module.World(rt=rt), s, actor="t")
        make.seller(SellerIn(name="Energy", slug="energy", is_default=True))
        make.campaign("energy", {"slug": "heat", "subject": "heat pumps", "dialing_mode": "manual"})
    with rt.db.transaction() as s:
        for i, (called, notes) in enumerate(
            [
                ("+12077841234", '=HYPERLINK("http://evil")'),
                ("+12077841235", None),
                ("+12077841234", "callback"),
            ],
            start=1,
        ):
            calls.record_call(
                session=s, actor="t", call_in=CallIn.model_validate(_call(i, called, notes))
            )


def _package(rt: Runtime, tmp_path: Path, **filters: Any) -> tuple[Path, dict[str, Any]]:
    out = tmp_path / "package.zip"
    with rt.db.transaction() as s:
        _, manifest = service.build(
            session=s,
            actor="regulator-request",
            filters=ExportFilters(**filters),
            out=out,
            signer=checkpoints.signer_for(rt.settings),
        )
    return out, manifest


def test_a_package_holds_the_filtered_calls_and_verifies(rt: Runtime, tmp_path: Path) -> None:
    _world(rt)
    path, manifest = _package(rt, tmp_path, phone="207-784-1234", date_from="2026-07-01")
    assert manifest["counts"]["calls"] == 2
    intact, files, records, problems = service.check(path=path)
    assert intact and not problems and records >= 2 and files == len(manifest["files"])
    with zipfile.ZipFile(path) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("calls.csv").decode())))
    assert {r["called_number"] for r in rows} == {"'+12077841234"}
    assert any(r["notes"] == '\'=HYPERLINK("http://evil")' for r in rows)
    with rt.db.transaction(read_only=True) as s:
        report = ledger.verify(session=s)
    assert report.intact  # the export itself was recorded through the ledger


def _rewrite(path: Path, name: str, change: Any) -> Path:
    altered = path.with_name(f"altered-{path.stem}.zip")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(altered, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, change(data) if item.filename == name else data)
    return altered


def test_an_altered_csv_is_found(rt: Runtime, tmp_path: Path) -> None:
    _world(rt)
    path, _ = _package(rt, tmp_path)
    altered = _rewrite(path, "calls.csv", lambda d: d.replace(b",31,", b",3,"))
    intact, _, _, problems = service.check(path=altered)
    assert not intact and problems == ["calls.csv: content differs from the manifest"]


def test_a_record_changed_with_its_manifest_hash_is_still_found(
    rt: Runtime, tmp_path: Path
) -> None:
    _world(rt)
    path, _ = _package(rt, tmp_path)

    def forge(data: bytes) -> bytes:
        lines = data.splitlines()
        first = json.loads(lines[0])
        first["content"]["duration_seconds"] = 1
        lines[0] = json.dumps(first, sort_keys=True).encode()
        return b"\n".join(lines) + b"\n"

    forged = _rewrite(path, "records.jsonl", forge)
    with zipfile.ZipFile(forged) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        manifest["files"]["records.jsonl"] = hashlib.sha256(
            archive.read("records.jsonl")
        ).hexdigest()
    again = _rewrite(forged, "manifest.json", lambda _d: json.dumps(manifest).encode())
    intact, _, _, problems = service.check(path=again)
    assert not intact
    assert any("differs from its ledger digest" in p for p in problems)


def test_csv_cells_cannot_become_formulas() -> None:
    assert cell("=1+1") == "'=1+1"
    assert cell("@SUM(A1)") == "'@SUM(A1)"
    assert cell("plain") == "plain"
    assert cell(None) == "" and cell(True) == "true"


def test_the_api_returns_a_package_for_compliance_only(
    rt: Runtime, client: TestClient, tokens: dict[str, str], tmp_path: Path
) -> None:
    _world(rt)
    response = client.post(
        "/api/v1/exports",
        json={"from": "2026-07-01", "to": "2026-07-31", "seller": "energy"},
        headers={"Authorization": f"Bearer {tokens['compliance']}"},
    )
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/zip"
    path = tmp_path / "api.zip"
    path.write_bytes(response.content)
    # signed by the server's checkpoint key, which is the key the recipient pins
    assert service.check(path=path, public_key=checkpoints.verifier_for(rt.settings).vkey)[0]
    refused = client.post(
        "/api/v1/exports", json={}, headers={"Authorization": f"Bearer {tokens['dialer']}"}
    )
    assert refused.status_code == 403
    bad = client.post(
        "/api/v1/exports",
        json={"from": "2026-08-01", "to": "2026-07-01"},
        headers={"Authorization": f"Bearer {tokens['compliance']}"},
    )
    assert bad.status_code == 422


def test_the_export_commands_write_and_verify_a_package(rt: Runtime, tmp_path: Path) -> None:
    import subprocess
    import sys

    _world(rt)
    env = {
        "CALLKEEP_DATA_DIR": str(rt.settings.data_dir),
        "CALLKEEP_DATABASE_URL": rt.settings.database_url,
        "PATH": "/usr/bin:/bin",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "callkeep", *args], capture_output=True, text=True, env=env
        )

    out = tmp_path / "cli.zip"
    made = run("export", "--out", str(out), "--from", "2026-07-01", "--seller", "energy")
    assert made.returncode == 0, made.stderr
    assert run("export", "verify", str(out)).returncode == 0
    altered = _rewrite(out, "calls.csv", lambda d: d + b"x")
    assert run("export", "verify", str(altered)).returncode == 1
    assert run("export", "--out", str(out), "--from", "July").returncode == 2
